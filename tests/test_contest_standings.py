"""Standings, staff control of a contest, and the organising board's export."""

from __future__ import annotations

import asyncio

from openpyxl import load_workbook

from bot import staff
from bot.cli import main
from bot.db.models import Role
from bot.db.models_contest import ContestControl
from tests.conftest import Chat
from tests.contest_support import answer_rest, person, register


async def cli(*argv: str) -> int:
    """The CLI runs its own event loop: run it beside the test's."""
    return await asyncio.to_thread(main, list(argv))


# name, unit typed, correct answers, seconds per answer
FIELD = [
    ("Trần Văn Một", "Sở Tư pháp", 4, 5),
    ("Lê Thị Hai", "Sở Tư pháp", 4, 5),     # same score and time as Một: same rank
    ("Phạm Văn Ba", "Sở Nội vụ", 4, 3),     # same score, faster: ahead of both
    ("Võ Thị Bốn", "Sở Nội vụ", 2, 3),
    ("Đỗ Văn Năm", "Sở Y tế", 1, 3),
]


async def _field(services, store, clock) -> list[Chat]:
    people = []
    for i, (name, unit, right, seconds) in enumerate(FIELD):
        chat = person(services, f"cadre-{i}")
        await register(chat, name=name, unit=unit)
        await chat.press("ctgo:thi-mo")
        await answer_rest(chat, store, clock, right=right, seconds=seconds)
        people.append(chat)
    registered_only = person(services, "cadre-idle")
    await register(registered_only, name="Huỳnh Văn Sáu", unit="Sở Y tế")
    return people + [registered_only]


async def test_leaderboard_ties_and_your_rank(contest_services, contest_store, clock):
    people = await _field(contest_services, contest_store, clock)
    await people[3].press("ctrank:thi-mo")
    text = people[3].text
    lines = [line for line in text.splitlines() if line[:2] in ("1.", "2.", "4.", "5.")]
    assert lines == [
        "1. Phạm V. Ba (Sở Nội vụ) — 4/4 câu, 12 giây",
        "2. Trần V. Một (Sở Tư pháp) — 4/4 câu, 20 giây",
        "2. Lê T. Hai (Sở Tư pháp) — 4/4 câu, 20 giây",
        "4. Võ T. Bốn (Sở Nội vụ) — 2/4 câu, 12 giây",
        "5. Đỗ V. Năm (Sở Y tế) — 1/4 câu, 12 giây",
    ]
    assert "Bạn: hạng 4/5 — 2/4 câu, 12 giây." in text
    for chat, rank in zip(people[:5], [2, 2, 1, 4, 5], strict=True):  # each one's own rank, ties included
        await chat.press("ctrank:thi-mo")
        assert f"Bạn: hạng {rank}/5" in chat.text
    await people[5].press("ctrank:thi-mo")
    assert "Bạn chưa có kết quả" in people[5].text


async def test_unit_standings(contest_services, contest_store, clock):
    people = await _field(contest_services, contest_store, clock)
    await people[4].press("ctu:thi-mo")
    text = people[4].text
    assert "1. Sở Tư pháp: 2/2 người dự thi (100%), điểm trung bình 4,0, cao nhất 4/4" in text
    assert "2. Sở Nội vụ: 2/2 người dự thi (100%), điểm trung bình 3,0, cao nhất 4/4" in text
    assert "3. Sở Y tế: 1/2 người dự thi (50%), điểm trung bình 1,0, cao nhất 1/4" in text
    assert "Đơn vị của bạn — Sở Y tế: hạng 3; 1/2 người đã đăng ký dự thi (50%)" in text
    units_in_contest = len(contest_store.pack.units)
    assert f"Còn {units_in_contest - 3} đơn vị chưa có người hoàn thành lượt thi." in text


async def _staff(services, user_id: str = "staff-0001") -> Chat:
    officer = person(services, user_id)
    async with services.db.session() as s:
        await staff.grant(s, "web", user_id, Role.ADMIN)
        await s.commit()
    return officer


async def test_staff_see_full_names_and_live_figures(contest_services, contest_store, clock):
    await _field(contest_services, contest_store, clock)
    running = person(contest_services, "cadre-running")
    await register(running, name="Mai Văn Bảy", unit="Sở Y tế")
    await running.press("ctgo:thi-mo")
    officer = await _staff(contest_services)
    await officer.press("ctrank:thi-mo")
    assert "1. Phạm Văn Ba (Sở Nội vụ)" in officer.text  # staff see full names
    await officer.send("/qlcuocthi solieu thi-mo")
    figures = officer.last[0]
    assert figures.edit_key == "ctfig:thi-mo"
    for expected in ["Đã đăng ký: 7", "Đã hoàn thành ít nhất một lượt: 5 (71%)", "Đang làm bài: 1",
                     "Lượt thi đã kết thúc: 5", "Câu trả lời trong 10 phút qua: 20",
                     "Điểm trung bình: 3,0; cao nhất: 4/4", "Đơn vị dẫn đầu: 1. Sở Tư pháp (4,0)"]:
        assert expected in figures.text, expected
    await officer.tap("Làm mới")
    assert officer.last[0].edit_key == "ctfig:thi-mo"


async def test_staff_open_and_close_early(contest_services, clock):
    cadre_chat = person(contest_services, "cadre-early")
    await register(cadre_chat, "thi-sap-mo")
    await cadre_chat.press("ctgo:thi-sap-mo")
    assert "Cuộc thi chưa mở" in cadre_chat.text
    await cadre_chat.send("/qlcuocthi mo thi-sap-mo")
    assert "chỉ dành cho cán bộ quản trị" in cadre_chat.text
    await cadre_chat.press("cs:open!:thi-sap-mo")
    assert "chỉ dành cho cán bộ quản trị" in cadre_chat.text
    officer = await _staff(contest_services)
    await officer.send("/qlcuocthi")
    await officer.press("cs:open:thi-sap-mo")
    assert "Mở cuộc thi" in officer.text
    await officer.tap("Đồng ý mở ngay")
    assert "Đã mở cuộc thi" in officer.text and "17:00 ngày 31/07/2026" in officer.text
    await cadre_chat.press("ctgo:thi-sap-mo")
    assert "Câu 1/3" in cadre_chat.text
    await officer.send("/qlcuocthi dong thi-sap-mo")
    assert "đã đóng lúc 09:00 ngày 15/06/2026" in officer.text
    fresh = person(contest_services, "cadre-late")
    await register(fresh, "thi-mo")
    await fresh.press("ctgo:thi-sap-mo")
    assert "đã kết thúc" in fresh.text
    await cadre_chat.send("1")  # the attempt already running may finish in its own time
    assert "Câu 2/3" in cadre_chat.text
    await officer.send("/qlcuocthi mo thi-da-dong")
    assert "Không thể mở lại" in officer.text
    await officer.send("/qlcuocthi mo khong-co")
    assert 'Không có cuộc thi mã "khong-co"' in officer.text


async def test_export_workbook(contest_services, contest_store, clock, settings, contest_dir, tmp_path, capsys):
    people = await _field(contest_services, contest_store, clock)
    await people[3].press("ctgo:thi-mo")  # a second attempt for Võ Thị Bốn: all right, 4/4
    await answer_rest(people[3], contest_store, clock, seconds=10)
    out = tmp_path / "ket-qua.xlsx"
    args = ["--database-url", settings.database_url, "--content-dir", str(contest_dir)]
    assert await cli(*args, "contest", "export", "thi-mo", "--output", str(out)) == 0
    assert str(out) in capsys.readouterr().out
    wb = load_workbook(out)
    assert wb.sheetnames == ["Lượt thi", "Cá nhân", "Đơn vị", "Thông tin"]
    attempts = list(wb["Lượt thi"].iter_rows(min_row=2, values_only=True))
    assert len(attempts) == 6
    bon = [r for r in attempts if r[2] == "Võ Thị Bốn"]
    assert [(r[6], r[9], r[11], r[13]) for r in bon] == [(1, 2, 12, None), (2, 4, 40, "x")]
    people_rows = list(wb["Cá nhân"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[6]) for r in people_rows] == [
        (1, "Phạm Văn Ba", 4), (2, "Trần Văn Một", 4), (2, "Lê Thị Hai", 4), (4, "Võ Thị Bốn", 4),
        (5, "Đỗ Văn Năm", 1), (None, "Huỳnh Văn Sáu", None)]
    assert people_rows[0][3] == "Sở Nội vụ" and people_rows[0][5] == "Chuyên viên"
    units = {r[1]: r for r in wb["Đơn vị"].iter_rows(min_row=2, values_only=True)}
    assert units["Sở Nội vụ"][:8] == (1, "Sở Nội vụ", "Có cung cấp DVCTT", 2, 2, 1.0, 4.0, 4)
    assert units["Sở Y tế"][3:8] == (2, 1, 0.5, 1.0, 1)
    assert units["Sở Xây dựng"][0] is None and units["Sở Xây dựng"][3:5] == (0, 0)
    assert len(units) == len(contest_store.pack.units)
    info = dict(wb["Thông tin"].iter_rows(min_row=2, values_only=True))
    assert info["Mã cuộc thi"] == "thi-mo" and info["Số câu mỗi lượt"] == 4


async def test_cli_open_close_erase_and_unknown_contest(contest_services, contest_store, clock, settings,
                                                        contest_dir, capsys):
    people = await _field(contest_services, contest_store, clock)
    args = ["--database-url", settings.database_url, "--content-dir", str(contest_dir)]
    assert await cli(*args, "contest", "export", "khong-co") == 2
    assert "Không có cuộc thi 'khong-co'" in capsys.readouterr().err
    assert await cli(*args, "contest", "erase", "thi-mo", "web:cadre-0") == 0
    assert "Đã xóa họ tên, chức vụ của 1 đăng ký" in capsys.readouterr().out
    await people[1].press("ctrank:thi-mo")
    assert "đã xóa thông tin cá nhân" in people[1].text and "Một" not in people[1].text
    assert await cli(*args, "contest", "erase", "thi-mo", "--all") == 0
    assert "của 5 đăng ký" in capsys.readouterr().out  # the idle registration is deleted outright
    await people[1].press("ctu:thi-mo")
    assert "Sở Tư pháp: 2/2 người dự thi" in people[1].text  # unit figures hold
    # The CLI acts on the real clock: by now the test's June 2026 contests are over.
    assert await cli(*args, "contest", "close", "thi-mo") == 0
    assert "Đã đóng thi-mo lúc 17:00 ngày 30/06/2026" in capsys.readouterr().out
    assert await cli(*args, "contest", "open", "thi-mo") == 1
    assert "đã kết thúc" in capsys.readouterr().err
    async with contest_services.db.session() as s:
        assert await s.get(ContestControl, "thi-mo") is None


async def test_rescore_after_a_corrected_answer(contest_services, contest_store, clock, settings, contest_dir,
                                                tmp_path, capsys):
    import shutil

    import yaml

    chat = person(contest_services, "cadre-rescore")
    await register(chat)
    await chat.press("ctgo:thi-mo")
    await answer_rest(chat, contest_store, clock)
    assert "4/4" in chat.last[0].text
    fixed = tmp_path / "content"
    shutil.copytree(contest_dir, fixed)
    bank_file = next(p for p in (fixed / "quiz").glob("*.yaml") if p.name != "contests.yaml")
    bank = yaml.safe_load(bank_file.read_text(encoding="utf-8"))
    for q in bank["questions"]:  # as if every "correct" had been wrong
        q["correct"] = q["correct"] % len(q["options"]) + 1
    bank_file.write_text(yaml.safe_dump(bank, allow_unicode=True), encoding="utf-8")
    args = ["--database-url", settings.database_url, "--content-dir", str(fixed)]
    assert await cli(*args, "contest", "rescore", "thi-mo") == 0
    assert "4 câu trả lời và 1 lượt thi thay đổi điểm" in capsys.readouterr().out
    await chat.press("ctrank:thi-mo")
    assert "0/4 câu" in chat.text
    assert await cli(*args, "contest", "rescore", "thi-mo") == 0
    assert "0 câu trả lời và 0 lượt thi" in capsys.readouterr().out

"""Content gaps from the log: what the bot could not answer, grouped and listed
(`cchc-bot content gaps`), and the editors' marks — to write, ignore, answered by an entry,
which the bot then answers."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.content.watch import RELOAD_REQUEST, ContentWatcher
from bot.conversation.conversation import Conversation
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db import events
from bot.db.events import EventKind
from bot.db.models import EngagementEvent
from bot.db.models_gaps import GapMark, GapState
from bot.db.session import Database
from bot.faq import gaps
from bot.faq.served import AnsweringContent
from bot.kernel.clock import utcnow
from tests.conftest import Chat, make_faq_pack

UNANSWERED = "Làm sao biết hồ sơ đã được duyệt chưa"  # the fixture FAQ has no such entry
ENTRY = "tra-cuu-ho-so"


async def cli(capsys, db_url, pack_dir, *args) -> tuple[int, list[str], str]:
    argv = ["--database-url", db_url, "--content-dir", str(pack_dir), "content", "gaps", *args]
    code = await asyncio.to_thread(main, argv)
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


def rows(lines: list[str]) -> dict[str, list[str]]:
    """Group lines by id: {id: [count, people, suggested, first, last, question…]}."""
    out = {}
    for line in lines:
        parts = line.split()
        if len(parts) > 6 and len(parts[0]) == 10 and parts[1].isdigit():
            out[parts[0]] = parts[1:]
    return out


@pytest.fixture
async def pack_chat(settings, tmp_path):
    """A chat served from a pack of its own, which the tests may edit."""
    store = AnsweringContent(make_faq_pack(tmp_path / "content"))
    db = Database(settings.database_url)
    yield Chat(Conversation(Services(settings=settings, db=db, content=store, router=build_router())))
    await db.dispose()


async def test_gaps_are_logged_as_typed_grouped_counted_and_listed(faq_chat: Chat, db_url, faq_store, capsys):
    conversation = faq_chat.conversation
    people = [Chat(conversation, "web", f"citizen-{i}") for i in range(3)]
    # One question, four wordings (the first asked most): with and without diacritics, particles, a phone number.
    await people[0].send("Giá vàng hôm nay?")
    await people[0].send("gia vang hom nay")
    await people[1].send("Cho hỏi giá vàng hôm nay ạ")
    await people[1].send("Giá vàng hôm nay?")
    await people[2].send("hôm nay giá vàng thế nào, gọi 0912345678")
    # A vague question (low confidence): the bot offers entries; what people tap is a hint.
    await people[0].send("chi so la gi")
    await people[0].tap("SIPAS")
    await people[1].send("chỉ số là gì")
    await people[1].tap("PAR INDEX")
    await people[2].send("cchc la gi")  # answered: not a gap
    assert people[2].last[-1].answer_id == "cchc-la-gi"

    async with conversation.services.db.session() as s:
        logged = set((await s.execute(select(EngagementEvent.wording).where(
            EngagementEvent.kind == str(EventKind.QUESTION_UNANSWERED)))).scalars())
    assert "hôm nay giá vàng thế nào, gọi ***" in logged and "Cho hỏi giá vàng hôm nay ạ" in logged

    code, lines, _ = await cli(capsys, db_url, faq_store.directory)
    assert code == 0
    found = rows(lines)
    assert len(found) == 2, lines
    (gold_id, gold), (vague_id, vague) = found.items()
    assert gold[:3] == ["5", "3", "0"] and " ".join(gold[5:]) == "Giá vàng hôm nay?"
    assert vague[:3] == ["2", "2", "2"] and " ".join(vague[5:]) == "chỉ số là gì"
    text = "\n".join(lines)
    assert "cách hỏi khác: " in text and "Cho hỏi giá vàng hôm nay ạ (1)" in text and "gia vang hom nay (1)" in text
    assert "người hỏi đã chọn: " in text and "chi-so-sipas (1)" in text and "chi-so-par-index (1)" in text
    assert "cchc la gi" not in text and "0912345678" not in text
    # The id is the same on the next run, and it is that of the group's representative.
    assert list(rows((await cli(capsys, db_url, faq_store.directory))[1])) == [gold_id, vague_id]


async def test_gaps_period_and_empty_log(faq_chat: Chat, db_url, faq_store, capsys, services):
    code, lines, _ = await cli(capsys, db_url, faq_store.directory)
    assert code == 0 and "Không có câu hỏi nào" in lines[0]
    async with services.db.session() as s:
        events.record(s, user_key="k", channel="web", kind=EventKind.QUESTION_UNANSWERED,
                      item="Lệ phí làm sổ đỏ bao nhiêu", outcome="rejected", value=10.0,
                      at=utcnow() - timedelta(days=45))
        await s.commit()
    assert "Không có câu hỏi nào" in (await cli(capsys, db_url, faq_store.directory))[1][0]
    for period in ("all", "60", "60d"):
        lines = (await cli(capsys, db_url, faq_store.directory, "--period", period))[1]
        assert any(line.endswith("Lệ phí làm sổ đỏ bao nhiêu") for line in lines), lines
    code, _, err = await cli(capsys, db_url, faq_store.directory, "--period", "hôm kia")
    assert code == 2 and "Kỳ hợp lệ" in err


async def test_marks_to_write_and_ignore_and_clear(faq_chat: Chat, db_url, faq_store, capsys):
    conversation = faq_chat.conversation
    a, b = Chat(conversation, "web", "a"), Chat(conversation, "telegram", "b")
    await a.send("Giá vàng hôm nay?")
    await b.send("thời tiết ngày mai thế nào")
    await b.send("thoi tiet ngay mai")
    found = rows((await cli(capsys, db_url, faq_store.directory))[1])
    weather = next(k for k, v in found.items() if "tiết" in " ".join(v))
    gold = next(k for k in found if k != weather)

    code, lines, _ = await cli(capsys, db_url, faq_store.directory, "mark", gold, "--write", "--by", "editor:lan")
    assert code == 0 and "cần viết" in lines[0]
    code, lines, _ = await cli(capsys, db_url, faq_store.directory, "mark", weather, "--ignore")
    assert code == 0 and "bỏ qua" in lines[0].lower()

    # The same questions again, and new wordings of them.
    await a.send("gia vang hom nay bao nhieu vay ad")
    await b.send("Thời tiết mai ra sao?")
    await b.send("thời tiết ngày mai thế nào")
    code, lines, _ = await cli(capsys, db_url, faq_store.directory)
    listed = rows(lines)
    assert list(listed) == [gold] and listed[gold][0] == "2"  # the new wording counted in the group to write
    assert any("đánh dấu: cần viết (editor:lan," in line for line in lines)
    code, lines, _ = await cli(capsys, db_url, faq_store.directory, "--all")
    everything = rows(lines)
    assert set(everything) == {gold, weather} and everything[weather][0] == "4"
    assert any("đánh dấu: bỏ qua" in line for line in lines)

    async with conversation.services.db.session() as s:
        marks = (await s.execute(select(GapMark))).scalars().all()
    assert {m.state for m in marks} == {GapState.TO_WRITE, GapState.IGNORED}

    code, _, _ = await cli(capsys, db_url, faq_store.directory, "mark", weather, "--clear")
    assert code == 0 and set(rows((await cli(capsys, db_url, faq_store.directory))[1])) == {gold, weather}


async def test_marking_a_group_that_does_not_exist(faq_chat: Chat, db_url, faq_store, capsys):
    await faq_chat.send("Giá vàng hôm nay?")
    for bad in ("x' OR 1=1 --", "0" * 500, "abc"):
        code, out, err = await cli(capsys, db_url, faq_store.directory, "mark", bad, "--ignore")
        assert code == 2 and "Mã nhóm không hợp lệ" in err and not out
    code, _, err = await cli(capsys, db_url, faq_store.directory, "mark", "0123456789", "--write")
    assert code == 2 and "Không có nhóm câu hỏi mã 0123456789" in err
    [gold] = rows((await cli(capsys, db_url, faq_store.directory))[1])
    code, _, err = await cli(capsys, db_url, faq_store.directory, "mark", gold, "--answered-by", "khong-co-muc-nay")
    assert code == 2 and "khong-co-muc-nay" in err


async def test_answered_by_an_entry_the_bot_then_answers_that_question(pack_chat: Chat):
    services = pack_chat.conversation.services
    store = services.content
    assert (await pack_chat.send(UNANSWERED))[-1].answer_id is None
    other = Chat(pack_chat.conversation, "zalo", "someone-else")
    assert (await other.send("lam sao biet ho so da duoc duyet chua vay"))[-1].answer_id is None

    async with services.db.session() as s:
        [group] = await gaps.list_gaps(s, store.pack.abbreviations)
        assert {w.text for w in group.wordings} == {UNANSWERED, "lam sao biet ho so da duoc duyet chua vay"}
        done = await gaps.mark_answered(s, store, group.id, ENTRY, by="editor:lan")
        await s.commit()
    assert done.added == [UNANSWERED]  # one phrasing per form, typed with diacritics
    assert done.file == store.directory / "faq" / "dich-vu-cong.yaml"
    assert f'"{UNANSWERED}"' in done.file.read_text(encoding="utf-8")
    assert (store.directory / RELOAD_REQUEST).exists()  # other processes serving the pack reload too

    assert (await pack_chat.send(UNANSWERED))[-1].answer_id == ENTRY
    assert (await other.send("lam sao biet ho so da duoc duyet chua vay"))[-1].answer_id == ENTRY
    async with services.db.session() as s:
        assert await gaps.list_gaps(s, store.pack.abbreviations) == []
        [shown] = await gaps.list_gaps(s, store.pack.abbreviations, everything=True)
    assert shown.id == group.id and shown.mark is not None
    assert (shown.mark.state, shown.mark.entry_id, shown.mark.marked_by) == (GapState.ANSWERED, ENTRY, "editor:lan")


async def test_answered_from_the_command_line_reaches_a_running_bot(pack_chat: Chat, db_url, capsys):
    store = pack_chat.conversation.services.content
    assert (await pack_chat.send("kết quả giải quyết gửi về nhà được không"))[-1].answer_id is None
    [group] = rows((await cli(capsys, db_url, store.directory))[1])
    code, lines, err = await cli(capsys, db_url, store.directory, "mark", group, "--answered-by", "buu-chinh-cong-ich")
    assert code == 0, err
    assert "Đã thêm 1 cách hỏi vào mục buu-chinh-cong-ich (faq/dich-vu-cong.yaml)" in lines[0]
    assert "kết quả giải quyết gửi về nhà được không" in (store.directory / "faq" / "dich-vu-cong.yaml").read_text(
        encoding="utf-8")
    # The running bot (this process's store) sees the change at its next polls.
    watcher = ContentWatcher(store, interval=0)
    assert not await watcher.check()  # changed: wait until it settles
    assert await watcher.check()
    assert (await pack_chat.send("kết quả giải quyết gửi về nhà được không"))[-1].answer_id == "buu-chinh-cong-ich"


async def test_answered_is_refused_and_undone_when_the_pack_does_not_validate(pack_chat: Chat):
    services = pack_chat.conversation.services
    store = services.content
    await pack_chat.send(UNANSWERED)
    entry_file = store.directory / "faq" / "dich-vu-cong.yaml"
    before = entry_file.read_text(encoding="utf-8")
    # Someone left another file broken since the bot loaded the pack.
    (store.directory / "guides" / "dang-ky-ket-hon.yaml").write_text("id: dang-ky-ket-hon\n", encoding="utf-8")
    async with services.db.session() as s:
        [group] = await gaps.list_gaps(s, store.pack.abbreviations)
        with pytest.raises(gaps.GapError) as refused:
            await gaps.mark_answered(s, store, group.id, ENTRY)
        await s.commit()
        assert (await s.execute(select(GapMark))).scalars().all() == []
    assert refused.value.issues and any("dang-ky-ket-hon" in str(i) for i in refused.value.issues)
    assert entry_file.read_text(encoding="utf-8") == before
    assert (await pack_chat.send("cchc la gi"))[-1].answer_id == "cchc-la-gi"  # the old pack still serves


async def test_bench_prints_the_cpu_time_of_grouping(capsys):
    assert await asyncio.to_thread(main, ["content", "gaps", "bench", "--questions", "400"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"gaps grouping: 400 questions, \d+ distinct wordings → \d+ groups \(largest \d+\): "
                        r"\d+ ms CPU cold, \d+ ms best of 3", lines[0]), lines
    assert re.fullmatch(r"gaps list \(SQLite, 400 events, whole period, top 20\): \d+ ms CPU first, "
                        r"\d+ ms best of 3", lines[1]), lines

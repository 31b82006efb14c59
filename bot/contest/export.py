"""The organising board's workbook: one sheet per person-attempt, one per person (the
counted result and rank), one per unit, and a sheet describing the contest.

It holds names and positions (the board needs them): hand it over, do not publish it.
Times are Vietnam local time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.schema import ContentPack
from bot.content.schema_quiz import Contest
from bot.contest import attempts, standings
from bot.contest.window import window
from bot.db.models_contest import ContestRegistration, QuizAttempt
from bot.kernel.clock import VN

ERASED = "(đã xóa thông tin cá nhân)"
GROUPS = {"dvc": "Có cung cấp DVCTT", "khong-dvc": "Không cung cấp DVCTT", None: ""}


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(VN).replace(tzinfo=None) if moment else None


def _seconds(ms: int | None) -> float | None:
    return round(ms / 1000, 1) if ms is not None else None


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list], first: bool = False) -> Worksheet:
    ws = wb.active if first else wb.create_sheet()
    assert isinstance(ws, Worksheet)  # a new workbook's one worksheet, or one just added to it
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(row)
    for i, name in enumerate(header, 1):
        width = max([len(str(name))] + [len(str(r[i - 1])) for r in rows if r[i - 1] is not None][:500])
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 45)
        for cell in ws[get_column_letter(i)][1:]:
            if isinstance(cell.value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm:ss"
    ws.freeze_panes = "A2"
    return ws


async def build_workbook(session: AsyncSession, pack: ContentPack, contest: Contest, now: datetime) -> Workbook:
    await attempts.close_expired(session, now, contest_id=contest.id)
    units = {u.id: u for u in pack.units}

    def unit_cells(unit_id: str) -> list:
        unit = units.get(unit_id)
        return [unit.name if unit else unit_id, GROUPS.get(unit.contest_group if unit else None, "")]

    registrations = {r.id: r for r in (await session.execute(
        select(ContestRegistration).where(ContestRegistration.contest_id == contest.id)
        .order_by(ContestRegistration.id))).scalars()}
    board = await standings.leaderboard(session, contest)
    counted = {s.attempt_id for s in board}

    attempt_rows: list[list] = []
    query = (select(QuizAttempt).where(QuizAttempt.mode == attempts.CONTEST, QuizAttempt.contest_id == contest.id)
             .order_by(QuizAttempt.registration_id, QuizAttempt.number))
    for a in (await session.execute(query)).scalars():
        r = registrations.get(a.registration_id) if a.registration_id is not None else None
        if r is None:
            continue
        state = "Hoàn thành" if a.finished_at else "Đang làm"
        attempt_rows.append([len(attempt_rows) + 1, r.id, r.full_name or ERASED, *unit_cells(r.unit_id), r.position,
                             a.number, _local(a.started_at), _local(a.finished_at), a.score, a.question_count,
                             _seconds(a.total_ms), state, "x" if a.id in counted else ""])

    people_rows = [[s.rank, s.registration_id, s.full_name or ERASED, *unit_cells(s.unit_id), s.position, s.score,
                    contest.questions_per_attempt, _seconds(s.total_ms), s.attempts] for s in board]
    ranked_ids = {s.registration_id for s in board}
    people_rows += [[None, r.id, r.full_name or ERASED, *unit_cells(r.unit_id), r.position, None,
                     contest.questions_per_attempt, None, 0]
                    for r in registrations.values() if r.id not in ranked_ids]

    table = await standings.unit_standings(session, contest, [u for u in pack.units if contest.takes_part(u.id)])
    unit_rows = []
    rank = 0
    for u in table:
        rank += 1 if u.participants else 0
        unit_rows.append([rank if u.participants else None, u.unit.name, GROUPS.get(u.unit.contest_group, ""),
                          u.registered, u.participants,
                          round(u.participation, 4) if u.participation is not None else None,
                          round(u.average, 2) if u.average is not None else None, u.best])

    wb = Workbook()
    _sheet(wb, "Lượt thi", ["STT", "Số đăng ký", "Họ và tên", "Đơn vị", "Nhóm", "Chức vụ", "Lượt", "Bắt đầu",
                            "Kết thúc", "Số câu đúng", "Số câu", "Thời gian (giây)", "Trạng thái",
                            "Lượt được tính"], attempt_rows, first=True)
    _sheet(wb, "Cá nhân", ["Hạng", "Số đăng ký", "Họ và tên", "Đơn vị", "Nhóm", "Chức vụ", "Số câu đúng",
                           "Số câu", "Thời gian (giây)", "Số lượt đã thi"], people_rows)
    ws = _sheet(wb, "Đơn vị", ["Hạng", "Đơn vị", "Nhóm", "Đã đăng ký", "Đã dự thi", "Tỉ lệ tham gia",
                               "Điểm trung bình", "Điểm cao nhất"], unit_rows)
    for cell in ws["F"][1:]:
        cell.number_format = "0.0%"
    w = await window(session, contest)
    info: list[list] = [
        ["Cuộc thi", contest.name], ["Mã cuộc thi", contest.id], ["Đơn vị tổ chức", contest.organiser],
        ["Mở", _local(w.opens_at)], ["Đóng", _local(w.closes_at)],
        ["Số câu mỗi lượt", contest.questions_per_attempt], ["Số giây mỗi câu", contest.seconds_per_question],
        ["Số lượt được thi", contest.attempts_allowed],
        ["Cách tính", "lượt tốt nhất" if contest.counts == "best" else "lượt cuối cùng"],
        ["Xếp hạng cá nhân", "số câu đúng, bằng nhau thì tổng thời gian ít hơn xếp trên"],
        ["Xếp hạng đơn vị", "điểm trung bình của người dự thi, rồi tỉ lệ tham gia"],
        ["Xuất lúc (giờ Việt Nam)", _local(now)],
        ["Lưu ý", "Tệp chứa họ tên, chức vụ của người dự thi: chỉ chuyển Ban Tổ chức, không công bố."],
    ]
    _sheet(wb, "Thông tin", ["Mục", "Nội dung"], info)
    return wb


async def export(session: AsyncSession, pack: ContentPack, contest: Contest, now: datetime, path: Path) -> Path:
    wb = await build_workbook(session, pack, contest, now)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path

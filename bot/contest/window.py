"""When a contest is open: the content's window, as staff may have moved it.

Staff can open a contest early or close it early; the override is a database row, so
every bot process sees it at once. Times are aware UTC inside, Asia/Ho_Chi_Minh on screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.schema_quiz import Contest
from bot.db.models_contest import ContestControl
from bot.kernel.clock import VN

Status = Literal["upcoming", "open", "closed"]
_STATUS_ORDER = {"open": 0, "upcoming": 1, "closed": 2}


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime

    def status(self, now: datetime) -> Status:
        if now >= self.closes_at:
            return "closed"
        return "open" if now >= self.opens_at else "upcoming"


def vn_time(moment: datetime) -> str:
    """'07:00 ngày 01/09/2026' in Vietnam time."""
    local = moment.astimezone(VN)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


async def window(session: AsyncSession, contest: Contest) -> Window:
    opens, closes = contest.starts_at, contest.ends_at
    control = await session.get(ContestControl, contest.id)
    if control is not None:
        if control.opened_at is not None:
            opens = min(opens, control.opened_at)
        if control.closed_at is not None:
            closes = control.closed_at
    return Window(opens, closes)


async def _control(session: AsyncSession, contest_id: str) -> ContestControl:
    control = await session.get(ContestControl, contest_id, with_for_update=True)
    if control is None:
        try:
            async with session.begin_nested():
                control = ContestControl(contest_id=contest_id)
                session.add(control)
        except IntegrityError:  # another process created it first
            control = await session.get(ContestControl, contest_id, populate_existing=True)
            assert control is not None  # the row that made the insert fail
    return control


async def open_now(session: AsyncSession, contest: Contest, now: datetime, by: int | None) -> Window | None:
    """Open (or reopen) the contest now; None when its content window is already over
    (extending a contest is a content change: `ends_at` in contests.yaml)."""
    if now >= contest.ends_at:
        return None
    control = await _control(session, contest.id)
    control.opened_at, control.closed_at = now, None
    control.updated_by, control.updated_at = by, now
    await session.flush()
    return await window(session, contest)


async def close_now(session: AsyncSession, contest: Contest, now: datetime, by: int | None) -> Window:
    """Close the contest now (nothing changes when it is closed already)."""
    if (await window(session, contest)).status(now) != "closed":
        control = await _control(session, contest.id)
        control.closed_at = now
        control.updated_by, control.updated_at = by, now
        await session.flush()
    return await window(session, contest)


async def by_relevance(session: AsyncSession, contests: list[Contest], now: datetime) -> list[tuple[Contest, Window]]:
    """Each contest with its window: open ones first, then upcoming (soonest first), then
    closed (latest first)."""
    pairs = [(c, await window(session, c)) for c in contests]

    def key(pair: tuple[Contest, Window]) -> tuple[int, float]:
        status = pair[1].status(now)
        stamp = pair[1].opens_at.timestamp() if status == "upcoming" else -pair[1].closes_at.timestamp()
        return _STATUS_ORDER[status], stamp

    return sorted(pairs, key=key)

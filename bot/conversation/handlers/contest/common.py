"""Helpers the contest handlers share: finding the contest, the clock, formatting."""

from __future__ import annotations

from datetime import datetime

from bot.content.schema import Unit
from bot.content.schema_quiz import Contest
from bot.contest import registration
from bot.contest.window import Window, by_relevance, vn_time
from bot.conversation.turn import Turn
from bot.db.models_contest import ContestRegistration
from bot.kernel.messages import Reply


def now(turn: Turn) -> datetime:
    return turn.services.clock()


def contest_of(turn: Turn, contest_id: str) -> Contest | None:
    return turn.content.contest(contest_id) if contest_id else None


async def contests_by_relevance(turn: Turn) -> list[tuple[Contest, Window]]:
    """Open contests first, then upcoming (soonest first), then closed (latest first)."""
    return await by_relevance(turn.session, turn.content.contests, now(turn))


async def registration_of(turn: Turn, contest: Contest) -> ContestRegistration | None:
    return await registration.of_user(turn.session, contest.id, turn.user.id)


def units_of(turn: Turn, contest: Contest) -> list[Unit]:
    return [u for u in turn.content.units if contest.takes_part(u.id)]


def unit_name(turn: Turn, unit_id: str) -> str:
    unit = turn.content.unit(unit_id)
    return unit.name if unit else unit_id


def duration(turn: Turn, ms: int | None) -> str:
    seconds = round((ms or 0) / 1000)
    minutes, seconds = divmod(seconds, 60)
    if minutes:
        return turn.t("ct_duration_min", minutes=minutes, seconds=seconds)
    return turn.t("ct_duration_sec", seconds=seconds)


def decimal(value: float | None) -> str:
    """Vietnamese decimal comma: 16,2."""
    return "–" if value is None else f"{value:.1f}".replace(".", ",")


def percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def window_line(turn: Turn, w: Window) -> str:
    return turn.t("ct_window", opens=vn_time(w.opens_at), closes=vn_time(w.closes_at))


def status_line(turn: Turn, w: Window) -> str:
    status = w.status(now(turn))
    if status == "upcoming":
        return turn.t("ct_status_upcoming", opens=vn_time(w.opens_at))
    if status == "open":
        return turn.t("ct_status_open", closes=vn_time(w.closes_at))
    return turn.t("ct_status_closed", closes=vn_time(w.closes_at))


def expired_reply(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("button_expired"), buttons=[[turn.button("btn_contest", "contest"),
                                                      turn.button("btn_menu", "menu")]])]

"""Leaderboards in chat: the top N with "your rank", and unit standings. Cadres see
shortened names (family name, initials, given name); staff see full names."""

from __future__ import annotations

from bot.content.schema_quiz import Contest
from bot.contest import attempts, standings
from bot.contest.people import short_name
from bot.conversation.handlers.contest.common import (
    contest_of,
    contests_by_relevance,
    decimal,
    duration,
    now,
    percent,
    registration_of,
    unit_name,
    units_of,
)
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.kernel.messages import Reply


async def _contest_or_first(turn: Turn, contest_id: str) -> Contest | None:
    if contest_id:
        return contest_of(turn, contest_id)
    pairs = await contests_by_relevance(turn)
    return pairs[0][0] if pairs else None


def _buttons(turn: Turn, contest: Contest, other: str) -> list:
    key, payload = ("ct_btn_unit_ranking", f"ctu:{contest.id}") if other == "units" else \
        ("ct_btn_ranking", f"ctrank:{contest.id}")
    return [[turn.button(key, payload)],
            [turn.button("btn_back", f"ct:{contest.id}"), turn.button("btn_menu", "menu")]]


async def people_ranking(turn: Turn, contest_id: str) -> list[Reply]:
    contest = await _contest_or_first(turn, contest_id)
    if contest is None:
        return [Reply(turn.t("ct_unknown"), buttons=[[turn.button("btn_menu", "menu")]])]
    await attempts.close_expired(turn.session, now(turn), contest_id=contest.id)
    top = await standings.leaderboard(turn.session, contest, contest.leaderboard_size)
    lines = [turn.t("ct_ranking_title", name=contest.name, counts=turn.t(f"ct_counts_{contest.counts}"))]
    if not top:
        lines.append(turn.t("ct_ranking_empty"))
    staff = turn.role.is_staff
    for s in top:
        name = (s.full_name if staff else short_name(s.full_name)) or turn.t("ct_erased_name")
        lines.append(turn.t("ct_ranking_line", rank=s.rank, name=name, unit=unit_name(turn, s.unit_id),
                            score=s.score, total=contest.questions_per_attempt, time=duration(turn, s.total_ms)))
    reg = await registration_of(turn, contest)
    if reg is not None:
        mine = await standings.standing_of(turn.session, contest, reg.id)
        if mine is None:
            lines += ["", turn.t("ct_ranking_you_none")]
        else:
            s, total = mine
            lines += ["", turn.t("ct_ranking_you", rank=s.rank, ranked=total, score=s.score,
                                 total=contest.questions_per_attempt, time=duration(turn, s.total_ms))]
    return [Reply("\n".join(lines), buttons=_buttons(turn, contest, "units"))]


async def unit_ranking(turn: Turn, contest_id: str) -> list[Reply]:
    contest = await _contest_or_first(turn, contest_id)
    if contest is None:
        return [Reply(turn.t("ct_unknown"), buttons=[[turn.button("btn_menu", "menu")]])]
    await attempts.close_expired(turn.session, now(turn), contest_id=contest.id)
    table = await standings.unit_standings(turn.session, contest, units_of(turn, contest))
    active = [u for u in table if u.participants]
    lines = [turn.t("ct_units_title", name=contest.name)]
    if not active:
        lines.append(turn.t("ct_ranking_empty"))
    for i, u in enumerate(active[:contest.leaderboard_size], 1):
        lines.append(turn.t("ct_units_line", rank=i, unit=u.unit.name, participants=u.participants,
                            registered=u.registered, rate=percent(u.participation),
                            average=decimal(u.average), best=u.best, total=contest.questions_per_attempt))
    reg = await registration_of(turn, contest)
    if reg is not None:
        position = next((i for i, u in enumerate(active, 1) if u.unit.id == reg.unit_id), None)
        mine = next((u for u in table if u.unit.id == reg.unit_id), None)
        if mine is not None:
            lines += ["", turn.t("ct_units_yours", unit=mine.unit.name,
                                 rank=position if position else "–", participants=mine.participants,
                                 registered=mine.registered, rate=percent(mine.participation),
                                 average=decimal(mine.average))]
    idle = len(table) - len(active)
    if idle:
        lines += ["", turn.t("ct_units_idle", count=idle)]
    return [Reply("\n".join(lines), buttons=_buttons(turn, contest, "people"))]


def register(router: Router) -> None:
    router.payload("ctrank", people_ranking)
    router.payload("ctu", unit_ranking)
    router.command("xephang", people_ranking, description_key="cmd_ranking")

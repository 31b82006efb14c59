"""Staff running a contest in chat: open or close it early, live figures, and seeing
and correcting registrations.

/qlcuocthi                        the panel (buttons per contest)
/qlcuocthi mo|dong|solieu <id>    open now, close now, live figures
/qlcuocthi dangky <id> [tìm]      registrations (name or unit containing the text)
/qlcuocthi sua <số> ten|donvi|chucvu <giá trị mới>   correct a registration"""

from __future__ import annotations

from bot.content.schema_quiz import Contest
from bot.contest import attempts, registration, standings, window
from bot.contest.people import clean_name, clean_position
from bot.contest.window import vn_time
from bot.conversation.handlers.contest.common import (
    contest_of,
    contests_by_relevance,
    decimal,
    now,
    percent,
    status_line,
    unit_name,
    units_of,
)
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db import events
from bot.db.events import EventKind
from bot.db.models import User
from bot.db.models_contest import ContestRegistration
from bot.kernel.clock import VN
from bot.kernel.ids import parse_id
from bot.kernel.messages import Button, Reply
from bot.places.match import match_units


def _denied(turn: Turn) -> list[Reply] | None:
    return None if turn.role.is_staff else [Reply(turn.t("staff_only"))]


async def panel(turn: Turn, args: str) -> list[Reply]:
    words = args.split(maxsplit=2)
    if words:
        action, rest = words[0].lower(), words[1:]
        contest_id = rest[0] if rest else ""
        if action == "mo":
            return await open_contest(turn, contest_id, confirmed=True)
        if action == "dong":
            return await close_contest(turn, contest_id, confirmed=True)
        if action == "solieu":
            return await live_figures(turn, contest_id)
        if action == "dangky":
            return await list_registrations(turn, contest_id, rest[1] if len(rest) > 1 else "")
        if action == "sua":
            return await fix_registration(turn, args.split(maxsplit=1)[1] if len(words) > 1 else "")
        return [Reply(turn.t("cts_usage"))]
    pairs = await contests_by_relevance(turn)
    if not pairs:
        return [Reply(turn.t("ct_unknown"))]
    replies = []
    for contest, w in pairs:
        rows = [[Button(turn.t("cts_btn_figures"), payload=f"cs:fig:{contest.id}"),
                 Button(turn.t("cts_btn_registrations"), payload=f"cs:reg:{contest.id}")],
                [Button(turn.t("cts_btn_open"), payload=f"cs:open:{contest.id}"),
                 Button(turn.t("cts_btn_close"), payload=f"cs:close:{contest.id}")]]
        replies.append(Reply(f"{contest.name} ({contest.id})\n{status_line(turn, w)}", buttons=rows))
    replies[-1].text += "\n\n" + turn.t("cts_usage")
    return replies


async def on_button(turn: Turn, arg: str) -> list[Reply]:
    denied = _denied(turn)
    if denied:
        return denied
    action, _, contest_id = arg.partition(":")
    if action == "fig":
        return await live_figures(turn, contest_id)
    if action == "reg":
        return await list_registrations(turn, contest_id, "")
    if action in ("open", "open!"):
        return await open_contest(turn, contest_id, confirmed=action.endswith("!"))
    if action in ("close", "close!"):
        return await close_contest(turn, contest_id, confirmed=action.endswith("!"))
    return [Reply(turn.t("button_expired"))]


def _find(turn: Turn, contest_id: str) -> Contest | None:
    return contest_of(turn, contest_id)


async def open_contest(turn: Turn, contest_id: str, *, confirmed: bool) -> list[Reply]:
    contest = _find(turn, contest_id)
    if contest is None:
        return [Reply(turn.t("cts_unknown_contest", id=contest_id))]
    if not confirmed:
        return [Reply(turn.t("cts_open_ask", name=contest.name),
                      buttons=[[Button(turn.t("cts_btn_yes_open"), payload=f"cs:open!:{contest.id}")]])]
    w = await window.open_now(turn.session, contest, now(turn), turn.user.id)
    if w is None:
        return [Reply(turn.t("cts_open_past", name=contest.name, closes=vn_time(contest.ends_at)))]
    return [Reply(turn.t("cts_opened", name=contest.name, closes=vn_time(w.closes_at)))]


async def close_contest(turn: Turn, contest_id: str, *, confirmed: bool) -> list[Reply]:
    contest = _find(turn, contest_id)
    if contest is None:
        return [Reply(turn.t("cts_unknown_contest", id=contest_id))]
    if not confirmed:
        return [Reply(turn.t("cts_close_ask", name=contest.name),
                      buttons=[[Button(turn.t("cts_btn_yes_close"), payload=f"cs:close!:{contest.id}")]])]
    w = await window.close_now(turn.session, contest, now(turn), turn.user.id)
    return [Reply(turn.t("cts_closed", name=contest.name, closed=vn_time(w.closes_at)))]


async def live_figures(turn: Turn, contest_id: str) -> list[Reply]:
    contest = _find(turn, contest_id)
    if contest is None:
        return [Reply(turn.t("cts_unknown_contest", id=contest_id))]
    moment = now(turn)
    await attempts.close_expired(turn.session, moment, contest_id=contest.id)
    f = await standings.figures(turn.session, contest, moment)
    units = await standings.unit_standings(turn.session, contest, units_of(turn, contest))
    leaders = ", ".join(f"{i}. {u.unit.name} ({decimal(u.average)})"
                        for i, u in enumerate([u for u in units if u.participants][:3], 1)) or "–"
    w = await window.window(turn.session, contest)
    text = turn.t("cts_figures", name=contest.name, status=status_line(turn, w), registered=f.registered,
                  participants=f.participants,
                  rate=percent(f.participants / f.registered if f.registered else None),
                  in_progress=f.in_progress, finished=f.finished_attempts, recent=f.answers_recent,
                  average=decimal(f.average), best=f.best if f.best is not None else "–",
                  total=contest.questions_per_attempt, leaders=leaders,
                  at=moment.astimezone(VN).strftime("%H:%M:%S"))
    refresh = [[Button(turn.t("cts_btn_refresh"), payload=f"cs:fig:{contest.id}")]]
    return [Reply(text, buttons=refresh, edit_key=f"ctfig:{contest.id}")]


def _registration_line(turn: Turn, r: ContestRegistration) -> str:
    return turn.t("cts_registration_line", id=r.id, name=r.full_name or turn.t("ct_erased_name"),
                  unit=unit_name(turn, r.unit_id), position=r.position or "–")


async def list_registrations(turn: Turn, contest_id: str, needle: str) -> list[Reply]:
    contest = _find(turn, contest_id)
    if contest is None:
        return [Reply(turn.t("cts_unknown_contest", id=contest_id))]
    found = await registration.search(turn.session, contest.id, needle, limit=30)
    lines = [turn.t("cts_registrations_title", name=contest.name, count=len(found))]
    lines += [_registration_line(turn, r) for r in found]
    lines += ["", turn.t("cts_fix_usage")]
    return [Reply("\n".join(lines))]


async def fix_registration(turn: Turn, args: str) -> list[Reply]:
    words = args.split(maxsplit=2)
    if len(words) < 3 or not words[0].isdigit() or words[1].lower() not in ("ten", "donvi", "chucvu"):
        return [Reply(turn.t("cts_fix_usage"))]
    reg_id = parse_id(words[0])
    reg = await turn.session.get(ContestRegistration, reg_id) if reg_id is not None else None
    contest = contest_of(turn, reg.contest_id) if reg else None
    if reg is None or contest is None:
        return [Reply(turn.t("cts_fix_unknown", id=words[0]))]
    field, value = words[1].lower(), words[2]
    changes: dict[str, str] = {}
    if field == "ten":
        name = clean_name(value)
        if name is None:
            return [Reply(turn.t("ct_bad_name"))]
        changes["full_name"] = name
    elif field == "chucvu":
        position = clean_position(value)
        if position is None:
            return [Reply(turn.t("ct_bad_position"))]
        changes["position"] = position
    else:
        found = match_units(units_of(turn, contest), value)
        if not found or (len(found) > 1 and found[1][1] > found[0][1] - 8):
            names = "; ".join(u.name for u, _ in found) or "–"
            return [Reply(turn.t("cts_fix_unit_unclear", candidates=names))]
        changes["unit_id"] = found[0][0].id
    await registration.correct(turn.session, reg, staff_user_id=turn.user.id, now=now(turn), **changes)
    if "unit_id" in changes:
        # The report counts a cadre in the unit of their latest registration event.
        cadre = await turn.session.get(User, reg.user_id)
        assert cadre is not None  # user rows are kept (erasure anonymises them)
        key = events.user_key(turn.services.settings.pseudonym_salt, cadre.channel, cadre.channel_user_id)
        events.record(turn.session, user_key=key, channel=cadre.channel, kind=EventKind.CONTEST_REGISTERED,
                      topic=reg.unit_id, item=contest.id, outcome="corrected")
    return [Reply(turn.t("cts_fixed") + "\n" + _registration_line(turn, reg))]


def register(router: Router) -> None:
    router.command("qlcuocthi", panel, staff_only=True, description_key="cmd_contest_staff")
    router.payload("cs", on_button)

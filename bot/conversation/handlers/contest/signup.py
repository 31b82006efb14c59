"""Registering for a contest: full name, unit (an agency by button or typed; a ward or
commune typed by its name now or before, never listed), position, then a summary to
confirm. The same flow corrects a registration until the first attempt. `/xoadangky`
erases the name and position."""

from __future__ import annotations

from bot.content.schema import Unit
from bot.content.schema_quiz import Contest
from bot.contest import registration
from bot.contest.people import clean_name, clean_position
from bot.contest.window import window
from bot.conversation import places
from bot.conversation.handlers.contest.common import (
    contest_of,
    expired_reply,
    now,
    registration_of,
    unit_name,
    units_of,
)
from bot.conversation.handlers.contest.home import card, contest_home, show_contest
from bot.conversation.handlers.flows import aside
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.kernel.ids import parse_id
from bot.kernel.messages import Button, Reply

STEP_NAME, STEP_UNIT, STEP_POSITION, STEP_CONFIRM = "ct_name", "ct_unit", "ct_position", "ct_confirm"
PAGE = 10


def _cancel_row(turn: Turn, contest_id: str) -> list[Button]:
    return [turn.button("ct_btn_cancel", f"ct:{contest_id}")]


async def begin(turn: Turn, contest_id: str) -> list[Reply]:
    contest = contest_of(turn, contest_id)
    if contest is None:
        return [Reply(turn.t("ct_unknown")), *await contest_home(turn, "")]
    if (await window(turn.session, contest)).status(now(turn)) == "closed":
        return [Reply(turn.t("ct_register_closed"), buttons=[[turn.button("btn_back", f"ct:{contest.id}")]])]
    existing = await registration_of(turn, contest)
    if existing is not None and await registration.has_attempts(turn.session, existing):
        return [Reply(turn.t("ct_register_locked"), buttons=[[turn.button("btn_back", f"ct:{contest.id}")]])]
    turn.set_step(STEP_NAME, contest=contest.id, again=existing is not None)
    return _ask_name(turn, contest)


def _ask_name(turn: Turn, contest: Contest) -> list[Reply]:
    key = "ct_ask_name_again" if (turn.state.data or {}).get("again") else "ct_ask_name"
    return [Reply(turn.t(key, name=contest.name), buttons=[_cancel_row(turn, contest.id)])]


def _asks(turn: Turn, text: str) -> bool:
    """A question or a request typed where the form expects a name, a unit or a position."""
    return turn.services.content.answerer.is_question(text)


def _contest_in_step(turn: Turn) -> Contest | None:
    return contest_of(turn, (turn.state.data or {}).get("contest", ""))


async def got_name(turn: Turn, text: str) -> list[Reply]:
    contest = _contest_in_step(turn)
    if contest is None:
        turn.set_step(None)
        return expired_reply(turn)
    if _asks(turn, text):
        return await aside(turn, text)
    name = clean_name(text)
    if name is None:
        return [Reply(turn.t("ct_bad_name"), buttons=[_cancel_row(turn, contest.id)])]
    turn.set_step(STEP_UNIT, contest=contest.id, name=name)
    return _ask_unit(turn, contest)


def _ask_unit(turn: Turn, contest: Contest) -> list[Reply]:
    rows = [[turn.button("ct_btn_unit_list", "ctunits:0")], _cancel_row(turn, contest.id)]
    return [Reply(turn.t("ct_ask_unit"), buttons=rows)]


async def unit_page(turn: Turn, page: str) -> list[Reply]:
    contest = _contest_in_step(turn)
    if turn.state.step != STEP_UNIT or contest is None:
        return expired_reply(turn)
    units = places.agencies(units_of(turn, contest))
    pages = max(1, -(-len(units) // PAGE))
    index = min(parse_id(page) or 0, pages - 1)
    rows = [[Button(u.name, payload=f"ctunit:{u.id}")] for u in units[index * PAGE:(index + 1) * PAGE]]
    nav = []
    if index > 0:
        nav.append(turn.button("ct_btn_prev", f"ctunits:{index - 1}"))
    if index + 1 < pages:
        nav.append(turn.button("ct_btn_next", f"ctunits:{index + 1}"))
    if nav:
        rows.append(nav)
    rows.append(_cancel_row(turn, contest.id))
    return [Reply(turn.t("ct_unit_page", page=index + 1, pages=pages), buttons=rows)]


async def got_unit_text(turn: Turn, text: str) -> list[Reply]:
    contest = _contest_in_step(turn)
    if contest is None:
        turn.set_step(None)
        return expired_reply(turn)
    found = places.pick(turn, units_of(turn, contest), text)
    if found.chosen is not None:
        return await _unit_chosen(turn, contest, found.chosen)
    list_row = [turn.button("ct_btn_unit_list", "ctunits:0")]
    if not found.offered and _asks(turn, text):
        return await aside(turn, text)
    if not found.offered:
        return [Reply(turn.t("ct_unit_not_found"), buttons=[list_row, _cancel_row(turn, contest.id)])]
    rows = [[Button(places.button_label(u.name), payload=f"ctunit:{u.id}")] for u in found.offered]
    lines = [places.conversion_note(turn, found.conversions), turn.t("ct_unit_did_you_mean")]
    return [Reply("\n".join(x for x in lines if x), buttons=rows + [list_row, _cancel_row(turn, contest.id)])]


async def got_unit_button(turn: Turn, unit_id: str) -> list[Reply]:
    contest = _contest_in_step(turn)
    unit = turn.content.unit(unit_id)
    if turn.state.step != STEP_UNIT or contest is None or unit is None or not contest.takes_part(unit.id):
        return expired_reply(turn)
    return await _unit_chosen(turn, contest, unit)


async def _unit_chosen(turn: Turn, contest: Contest, unit: Unit) -> list[Reply]:
    turn.set_step(STEP_POSITION, **(turn.state.data | {"unit": unit.id}))
    return _ask_position(turn, contest)


def _ask_position(turn: Turn, contest: Contest) -> list[Reply]:
    unit = unit_name(turn, turn.state.data["unit"])
    return [Reply(turn.t("ct_ask_position", unit=unit), buttons=[_cancel_row(turn, contest.id)])]


async def got_position(turn: Turn, text: str) -> list[Reply]:
    contest = _contest_in_step(turn)
    if contest is None:
        turn.set_step(None)
        return expired_reply(turn)
    if _asks(turn, text):
        return await aside(turn, text)
    position = clean_position(text)
    if position is None:
        return [Reply(turn.t("ct_bad_position"), buttons=[_cancel_row(turn, contest.id)])]
    turn.set_step(STEP_CONFIRM, **(turn.state.data | {"position": position}))
    return _summary(turn, contest)


def _summary(turn: Turn, contest: Contest) -> list[Reply]:
    data = turn.state.data
    text = turn.t("ct_confirm", contest=contest.name, name=data["name"], unit=unit_name(turn, data["unit"]),
                  position=data["position"])
    rows = [[turn.button("ct_btn_confirm", "ctok")], [turn.button("ct_btn_redo", f"ctreg:{contest.id}")],
            _cancel_row(turn, contest.id)]
    return [Reply(text, buttons=rows)]


async def confirm(turn: Turn, _: str) -> list[Reply]:
    contest = _contest_in_step(turn)
    data = turn.state.data or {}
    if turn.state.step != STEP_CONFIRM or contest is None or not {"name", "unit", "position"} <= set(data):
        return expired_reply(turn)
    turn.set_step(None)
    w = await window(turn.session, contest)
    if w.status(now(turn)) == "closed":
        return [Reply(turn.t("ct_register_closed"), buttons=[[turn.button("btn_back", f"ct:{contest.id}")]])]
    saved = await registration.save(turn.session, contest.id, turn.user, full_name=data["name"],
                                    unit_id=data["unit"], position=data["position"], now=now(turn))
    if saved is None:
        return [Reply(turn.t("ct_register_locked"), buttons=[[turn.button("btn_back", f"ct:{contest.id}")]])]
    created = saved[1]
    turn.log(EventKind.CONTEST_REGISTERED, item=contest.id, topic=data["unit"],
             outcome="new" if created else "updated")
    done = Reply(turn.t("ct_registered" if created else "ct_registration_updated"))
    return [done, *await card(turn, contest, w)]


async def confirm_typed(turn: Turn, text: str) -> list[Reply]:
    """Typing instead of tapping at the summary: a question is answered; anything else
    shows the summary's buttons again."""
    if _asks(turn, text):
        return await aside(turn, text)
    contest_id = (turn.state.data or {}).get("contest", "")
    return [Reply(turn.t("ct_confirm_use_buttons"),
                  buttons=[[turn.button("ct_btn_confirm", "ctok")],
                           [turn.button("ct_btn_redo", f"ctreg:{contest_id}")]])]


async def resume(turn: Turn, _: str) -> list[Reply]:
    contest = _contest_in_step(turn)
    if contest is None:
        turn.set_step(None)
        return expired_reply(turn)
    step = turn.state.step
    if step == STEP_UNIT:
        return _ask_unit(turn, contest)
    if step == STEP_POSITION:
        return _ask_position(turn, contest)
    if step == STEP_CONFIRM:
        return _summary(turn, contest)
    return _ask_name(turn, contest)


async def leave(turn: Turn, _: str) -> list[Reply]:
    contest_id = (turn.state.data or {}).get("contest", "")
    return [Reply(turn.t("cancel_done")), *await show_contest(turn, contest_id)]


async def forget_ask(turn: Turn, _: str) -> list[Reply]:
    rows = [[turn.button("ct_btn_forget_yes", "ctforget:yes")], [turn.button("btn_menu", "menu")]]
    return [Reply(turn.t("ct_forget_ask"), buttons=rows)]


async def forget(turn: Turn, answer: str) -> list[Reply]:
    if answer != "yes":
        return expired_reply(turn)
    turn.set_step(None)  # also drops a name typed in an unfinished registration
    touched = await registration.erase(turn.session, turn.user.id, now(turn))
    key = "ct_forget_done" if touched else "ct_forget_nothing"
    return [Reply(turn.t(key), buttons=[[turn.button("btn_menu", "menu")]])]


def register(router: Router) -> None:
    router.payload("ctreg", begin)
    router.payload("ctunits", unit_page)
    router.payload("ctunit", got_unit_button)
    router.payload("ctok", confirm)
    router.payload("ctforget", forget)
    router.command("xoadangky", forget_ask, description_key="cmd_contest_forget")
    router.step(STEP_NAME, got_name)
    router.step(STEP_UNIT, got_unit_text)
    router.step(STEP_POSITION, got_position)
    router.step(STEP_CONFIRM, confirm_typed)
    router.flow([STEP_NAME, STEP_UNIT, STEP_POSITION, STEP_CONFIRM], "flow_signup", resume=resume, leave=leave,
                intent="contest")

"""The staff side of feedback: the buttons on a ticket's desk card (take, forward to an
agency, resolved), forwarding to a ward or commune by name (`/chuyen <code> <name>`: ~100
of them, never listed as buttons), answering (reply to the card in the staff group, or
/traloi <code> <text> anywhere a staff member is), and the list of open tickets
(/dsphananh).

In the staff group everyone in the group may act; elsewhere only people with a staff
role. Anyone else gets silence in a group and a polite refusal in a private chat."""

from __future__ import annotations

from bot.conversation import places
from bot.conversation.access import is_staff_desk, staff_name
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.models_feedback import FeedbackTicket
from bot.feedback import actions, codes, delivery, tickets, views
from bot.feedback.tickets import Outcome
from bot.kernel.ids import parse_id
from bot.kernel.messages import Button, Reply


def _refused(turn: Turn) -> list[Reply]:
    return [] if turn.in_group else [Reply(turn.t("staff_only"))]


async def _ticket(turn: Turn, arg: str) -> FeedbackTicket | None:
    ticket_id = parse_id(arg.split(":", 1)[0])
    return await tickets.by_id(turn.session, ticket_id) if ticket_id is not None else None


def _after(turn: Turn, ticket: FeedbackTicket) -> None:
    turn.after_commit.append(delivery.after_staff_action(turn.services, ticket.id))


async def take(turn: Turn, arg: str) -> list[Reply]:
    if not is_staff_desk(turn):
        return _refused(turn)
    ticket = await _ticket(turn, arg)
    if ticket is None:
        return [Reply(turn.t("button_expired"))]
    name = staff_name(turn)
    outcome = await actions.take(turn.session, turn.services.content, ticket, turn.user, name)
    if outcome is Outcome.RESOLVED:
        return [Reply(turn.t("fb_staff_is_resolved", code=ticket.code))]
    if outcome is Outcome.ALREADY:
        return [Reply(turn.t("fb_staff_already_taken", code=ticket.code, name=ticket.assignee_label or "—"))]
    _after(turn, ticket)
    return [Reply(turn.t("fb_staff_taken", code=ticket.code, name=name))]


def _kinds(turn: Turn) -> list[str]:
    return list(dict.fromkeys(u.kind for u in places.agencies(turn.content.units)))


async def pick_kind(turn: Turn, arg: str) -> list[Reply]:
    if not is_staff_desk(turn):
        return _refused(turn)
    ticket = await _ticket(turn, arg)
    if ticket is None:
        return [Reply(turn.t("button_expired"))]
    rows = [[turn.button(f"unit_kind_{k}", f"fbfk:{ticket.id}:{k}")] for k in _kinds(turn)]
    text = turn.t("fb_staff_pick_kind", code=ticket.code)
    if places.has_wards(turn.content.units):  # ~100 wards: named by typing, never listed
        text += "\n" + turn.t("fb_staff_ward_hint", code=ticket.code)
    return [Reply(text, buttons=rows)]


async def pick_unit(turn: Turn, arg: str) -> list[Reply]:
    if not is_staff_desk(turn):
        return _refused(turn)
    ticket = await _ticket(turn, arg)
    kind = arg.partition(":")[2]
    units = [u for u in places.agencies(turn.content.units) if u.kind == kind]
    if ticket is None or not units:
        return [Reply(turn.t("button_expired"))]
    rows = [[Button(u.name, payload=f"fbfu:{ticket.id}:{u.id}")] for u in units]
    rows.append([turn.button("btn_fb_back", f"fbfwd:{ticket.id}")])
    return [Reply(turn.t("fb_staff_pick_unit", code=ticket.code, kind=turn.t(f"unit_kind_{kind}")),
                  buttons=rows)]


async def forward(turn: Turn, arg: str) -> list[Reply]:
    if not is_staff_desk(turn):
        return _refused(turn)
    ticket = await _ticket(turn, arg)
    unit = turn.content.unit(arg.partition(":")[2])
    if ticket is None or unit is None:
        return [Reply(turn.t("button_expired"))]
    outcome = await actions.forward(turn.session, turn.services.content, ticket, turn.user, unit)
    if outcome is Outcome.RESOLVED:
        return [Reply(turn.t("fb_staff_is_resolved", code=ticket.code))]
    if outcome is Outcome.ALREADY:
        return [Reply(turn.t("fb_staff_already_forwarded", code=ticket.code, unit=unit.name))]
    _after(turn, ticket)
    return [Reply(turn.t("fb_staff_forwarded", code=ticket.code, unit=unit.name))]


async def forward_typed(turn: Turn, args: str) -> list[Reply]:
    """/chuyen PA-2026-000123 <a unit's name>: a ward or commune (by its name now or
    before) or an agency; one match forwards, several are offered as buttons."""
    if not is_staff_desk(turn):
        return _refused(turn)
    code = codes.find_code(args[:40])
    name = codes.strip_code(args).strip() if code else ""
    if not code or not name:
        return [Reply(turn.t("fb_staff_forward_usage"))]
    ticket = await tickets.by_code(turn.session, code)
    if ticket is None:
        return [Reply(turn.t("fb_staff_unknown_ticket", code=code))]
    found = places.pick(turn, turn.content.units, name)
    if found.chosen is not None:
        return await forward(turn, f"{ticket.id}:{found.chosen.id}")
    if not found.offered:
        return [Reply(turn.t("fb_staff_forward_none", name=name[:80]))]
    rows = [[Button(places.button_label(u.name), payload=f"fbfu:{ticket.id}:{u.id}")] for u in found.offered]
    lines = [places.conversion_note(turn, found.conversions), turn.t("fb_staff_forward_pick", code=ticket.code)]
    return [Reply("\n".join(x for x in lines if x), buttons=rows)]


async def resolve(turn: Turn, arg: str) -> list[Reply]:
    if not is_staff_desk(turn):
        return _refused(turn)
    ticket = await _ticket(turn, arg)
    if ticket is None:
        return [Reply(turn.t("button_expired"))]
    outcome = await actions.resolve(turn.session, turn.services.content, ticket, turn.user)
    if outcome is Outcome.ALREADY:
        return [Reply(turn.t("fb_staff_is_resolved", code=ticket.code))]
    _after(turn, ticket)
    return [Reply(turn.t("fb_staff_resolved", code=ticket.code, name=staff_name(turn)))]


async def _answer(turn: Turn, code: str, text: str) -> list[Reply]:
    ticket = await tickets.by_code(turn.session, code)
    if ticket is None:
        return [Reply(turn.t("fb_staff_unknown_ticket", code=code))]
    if await actions.answer(turn.session, turn.services.content, ticket, turn.user, text) is Outcome.ERASED:
        return [Reply(turn.t("fb_staff_answer_erased", code=ticket.code))]
    _after(turn, ticket)
    return [Reply(turn.t("fb_staff_answered", code=ticket.code, name=staff_name(turn)))]


async def answer_command(turn: Turn, args: str) -> list[Reply]:
    """/traloi PA-2026-000123 <the answer>."""
    if not is_staff_desk(turn):
        return _refused(turn)
    code = codes.find_code(args[:40])
    text = codes.strip_code(args).strip() if code else ""
    if not code or not text:
        return [Reply(turn.t("fb_staff_answer_usage"))]
    return await _answer(turn, code, text)


async def answer_by_reply(turn: Turn, text: str) -> list[Reply]:
    """In the staff group: a reply to one of the bot's messages about a ticket."""
    if not is_staff_desk(turn) or turn.incoming.quoted is None:
        return []
    code = codes.find_code(turn.incoming.quoted)
    if code is None:
        return [Reply(turn.t("fb_staff_reply_no_code"))]
    return await _answer(turn, code, (turn.incoming.text or text).strip())


async def view(turn: Turn, arg: str) -> list[Reply]:
    if not is_staff_desk(turn):
        return _refused(turn)
    ticket = await _ticket(turn, arg)
    return [views.staff_card(turn.services.content, ticket)] if ticket else [Reply(turn.t("button_expired"))]


async def open_list(turn: Turn, _: str) -> list[Reply]:
    if not is_staff_desk(turn):
        return _refused(turn)
    pending = await tickets.open_tickets(turn.session)
    if not pending:
        return [Reply(turn.t("fb_staff_open_none"))]
    content = turn.services.content
    rows = [[Button(turn.t("fb_staff_open_line", code=t.code, status=views.status(content, t))[:60],
                    payload=f"fbv:{t.id}")] for t in pending]
    return [Reply(turn.t("fb_staff_open_title", count=len(pending)), buttons=rows)]


def register(router: Router) -> None:
    router.payload("fbtake", take, in_groups=True)
    router.payload("fbfwd", pick_kind, in_groups=True)
    router.payload("fbfk", pick_unit, in_groups=True)
    router.payload("fbfu", forward, in_groups=True)
    router.payload("fbres", resolve, in_groups=True)
    router.payload("fbv", view, in_groups=True)
    router.command("traloi", answer_command, in_groups=True)
    router.command("chuyen", forward_typed, in_groups=True)
    router.command("dsphananh", open_list, in_groups=True)
    router.group_text = answer_by_reply

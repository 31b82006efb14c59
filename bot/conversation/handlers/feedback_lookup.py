"""Looking a petition up by its tracking code (/tracuu, a button of one's own tickets, or
the code typed alone), for its owner or the staff desk only; and the free text that asks
for these (content/intents.yaml): `feedback` offers the form, with the entries that tell
a petition from a complaint or a denunciation one tap away; `track` offers a petition
filed here next to a dossier at the one-stop shop."""

from __future__ import annotations

from bot.conversation.access import is_staff_desk
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.feedback import codes, tickets, views
from bot.kernel.messages import Button, Reply


def _menu(turn: Turn) -> list[list[Button]]:
    return [[turn.button("btn_menu", "menu")]]


# Looking tickets up


async def show_ticket(turn: Turn, code_text: str) -> list[Reply]:
    code = codes.find_code(code_text)
    if code is None:
        return [Reply(turn.t("fb_lookup_usage"), buttons=_menu(turn))]
    if turn.in_group and not is_staff_desk(turn):
        return []
    ticket = await tickets.by_code(turn.session, code)
    owner = ticket is not None and ticket.user_id == turn.user.id
    staff = ticket is not None and is_staff_desk(turn)
    if ticket is None or (not owner and not staff):  # the same answer whether it exists or not: no probing
        if turn.in_group:
            return []
        return [Reply(turn.t("fb_lookup_not_found", code=code), buttons=_menu(turn))]
    turn.log(EventKind.FEEDBACK_LOOKUP, topic=ticket.category, outcome="owner" if owner else "staff")
    content = turn.services.content
    if not owner:
        return [views.staff_card(content, ticket)]
    answers = await tickets.answers(turn.session, ticket.id)
    return [Reply(views.citizen_status(content, ticket, answers), buttons=_menu(turn))]


async def track(turn: Turn, args: str) -> list[Reply]:
    if args:
        return await show_ticket(turn, args)
    if turn.in_group:
        return []
    mine = await tickets.of_user(turn.session, turn.user.id)
    if not mine:
        rows = [[turn.button("btn_feedback_new", "fb")], *_menu(turn)]
        return [Reply(turn.t("fb_lookup_none"), buttons=rows)]
    rows = [[Button(f"{t.code} · {views.status(turn.services.content, t)}"[:60], payload=f"fbt:{t.code}")]
            for t in mine]
    return [Reply(turn.t("fb_lookup_mine"), buttons=rows + _menu(turn))]


async def code_typed(turn: Turn, text: str) -> list[Reply]:
    return await show_ticket(turn, text)


# Free text that asks for these (content/intents.yaml)

# Entries of the pack that tell a petition from a complaint or a denunciation, when it has them.
KINDS_ENTRY = "phan-anh-khac-khieu-nai"
COMPLAINT_GUIDES = ("khieu-nai", "to-cao")
DOSSIER_ENTRY = "ma-ho-so-tra-cuu"


async def offer(turn: Turn, _: str) -> list[Reply]:
    """"Tôi muốn phản ánh / khiếu nại…": the form, with the difference one tap away."""
    rows = [[turn.button("btn_feedback_new", "fb")]]
    if turn.content.faq_entry(KINDS_ENTRY):
        rows.append([turn.button("btn_feedback_kinds", f"faq:{KINDS_ENTRY}")])
    rows += [[Button(g.title, payload=f"guide:{g.id}")]
             for g in map(turn.content.guide, COMPLAINT_GUIDES) if g is not None]
    return [Reply(turn.t("intent_feedback"), buttons=rows + _menu(turn))]


async def track_offer(turn: Turn, _: str) -> list[Reply]:
    """"Tra cứu hồ sơ": a dossier at the one-stop shop, or a petition filed here."""
    rows = [[turn.button("btn_feedback_track", "fbtrack")]]
    if turn.content.faq_entry(DOSSIER_ENTRY):
        rows.append([turn.button("btn_track_dossier", f"faq:{DOSSIER_ENTRY}")])
    return [Reply(turn.t("intent_track"), buttons=rows + _menu(turn))]


def register(router: Router) -> None:
    router.payload("fbt", show_ticket, in_groups=True)
    router.payload("fbtrack", track)
    router.command("tracuu", track, description_key="cmd_track", in_groups=True)
    router.pattern(rf"\s*{codes.CODE_PATTERN}\s*", code_typed)
    router.intent("feedback", offer)
    router.intent("track", track_offer)

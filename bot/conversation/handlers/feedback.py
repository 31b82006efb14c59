"""Filing a petition (phản ánh, kiến nghị): category, agency or place, description with
photos, optional contact with explicit consent, a summary to confirm, then a tracking
code. "Hủy" (a button, /huy, or typing it) cancels at any step. Looking a ticket up, and
the free text that asks for the form (the `feedback` intent this flow names), are in
`feedback_lookup.py`."""

from __future__ import annotations

import secrets

from bot.content.schema import SUBJECTS, WARD_KINDS
from bot.conversation import places
from bot.conversation.handlers.flows import aside
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.feedback import publish, tickets, views
from bot.feedback.contact import mask_phone, parse_contact
from bot.feedback.tickets import MAX_DESCRIPTION, MAX_PHOTOS, MIN_DESCRIPTION, Draft
from bot.kernel.messages import Button, Reply
from bot.kernel.text import fold

CATEGORY, PLACE, TEXT, CONSENT, CONTACT, CONFIRM = (
    "fb:category", "fb:place", "fb:text", "fb:consent", "fb:contact", "fb:confirm")
MAX_PLACE = 200
_CANCEL_WORDS = {"huy", "huy bo", "thoi", "dung lai", "cancel"}
_DONE_WORDS = {"xong", "da xong", "tiep", "tiep tuc"}
_YES_WORDS = {"co", "dong y", "ok", "u", "vang", "gui", "gui di", "gui phan anh"}
_NO_WORDS = {"khong", "ko", "k", "bo qua"}


def _cancel_row(turn: Turn) -> list[Button]:
    return [turn.button("btn_fb_cancel", "fbx")]


def _menu(turn: Turn) -> list[list[Button]]:
    return [[turn.button("btn_menu", "menu")]]


def _save(turn: Turn, step: str, draft: Draft) -> None:
    turn.set_step(step, **draft.to_state())


def _draft(turn: Turn, step: str | None = None) -> Draft | None:
    if step is not None and turn.state.step != step:
        return None
    if not (turn.state.step or "").startswith("fb:"):
        return None
    return Draft.from_state(turn.state.data or {})


async def _over_limit(turn: Turn) -> list[Reply] | None:
    limit = turn.services.settings.feedback_daily_limit
    count = await tickets.filed_today(turn.session, turn.user.id)
    if count < limit:
        return None
    turn.log(EventKind.FEEDBACK_LIMITED, value=count)
    turn.set_step(None)
    rows = [[turn.button("btn_hotline_short", "hotline")], *_menu(turn)]
    return [Reply(turn.t("fb_limited", count=count), buttons=rows)]


async def start(turn: Turn, subject: str) -> list[Reply]:
    turn.set_step(None)
    if limited := await _over_limit(turn):
        return limited
    turn.log(EventKind.FEEDBACK_STARTED, topic=subject or None)
    draft = Draft(key=secrets.token_hex(16))
    if subject in SUBJECTS:
        draft.category = subject
        return _ask_place(turn, draft)
    return _ask_category(turn, draft)


def _ask_category(turn: Turn, draft: Draft, key: str = "fb_ask_category") -> list[Reply]:
    _save(turn, CATEGORY, draft)
    rows = [[Button(views.category(turn.services.content, s), payload=f"fbc:{s}")] for s in SUBJECTS]
    return [Reply(turn.t(key), buttons=rows + [_cancel_row(turn)])]


async def choose_category(turn: Turn, subject: str) -> list[Reply]:
    draft = _draft(turn, CATEGORY)
    if draft is None:
        return _expired(turn)
    if subject not in SUBJECTS:
        return _ask_category(turn, draft, "fb_ask_category_again")
    draft.category = subject
    return _ask_place(turn, draft)


async def category_typed(turn: Turn, text: str) -> list[Reply]:
    draft = _draft(turn, CATEGORY)
    if draft is None or _is_cancel(text):
        return await cancel(turn, "")
    typed = fold(text)
    for subject in SUBJECTS:
        if typed and typed in fold(views.category(turn.services.content, subject)):
            draft.category = subject
            return _ask_place(turn, draft)
    return await aside(turn, text)


def _unit_kinds(turn: Turn) -> list[str]:
    """Agencies by kind; wards and communes are typed (one button says so)."""
    return list(dict.fromkeys(u.kind for u in places.agencies(turn.content.units)))


def _ask_place(turn: Turn, draft: Draft) -> list[Reply]:
    _save(turn, PLACE, draft)
    rows = [[turn.button(f"unit_kind_{k}", f"fbk:{k}")] for k in _unit_kinds(turn)]
    if places.has_wards(turn.content.units):
        rows.append([turn.button("btn_fb_ward", "fbk:xa")])
    rows += [[turn.button("btn_fb_place_unknown", "fbu:")], _cancel_row(turn)]
    return [Reply(turn.t("fb_ask_place"), buttons=rows)]


async def choose_kind(turn: Turn, kind: str) -> list[Reply]:
    draft = _draft(turn, PLACE)
    if draft is None:
        return _expired(turn)
    if kind in WARD_KINDS:  # ~100 of them: typed, never listed
        return [Reply(turn.t("fb_ask_ward"), buttons=[[turn.button("btn_fb_back", "fbp")], _cancel_row(turn)])]
    units = [u for u in turn.content.units if u.kind == kind]
    if not units:
        return _ask_place(turn, draft)
    rows = [[Button(u.name, payload=f"fbu:{u.id}")] for u in units]
    rows += [[turn.button("btn_fb_back", "fbp")], _cancel_row(turn)]
    return [Reply(turn.t("fb_pick_unit", kind=turn.t(f"unit_kind_{kind}")), buttons=rows)]


async def back_to_place(turn: Turn, _: str) -> list[Reply]:
    draft = _draft(turn, PLACE)
    return _ask_place(turn, draft) if draft else _expired(turn)


async def choose_unit(turn: Turn, unit_id: str) -> list[Reply]:
    draft = _draft(turn, PLACE)
    if draft is None:
        return _expired(turn)
    if unit_id and turn.content.unit(unit_id) is None:
        return _ask_place(turn, draft)
    draft.unit_id, draft.place = unit_id or None, None
    return _ask_text(turn, draft)


async def place_typed(turn: Turn, text: str) -> list[Reply]:
    """A unit's name (a ward by its name now or before) is taken or offered to confirm;
    anything else is kept as the place, as typed."""
    draft = _draft(turn, PLACE)
    if draft is None or _is_cancel(text):
        return await cancel(turn, "")
    found = places.pick(turn, turn.content.units, text, min_offer=90)  # or kept as typed
    if found.chosen is not None:
        draft.unit_id, draft.place = found.chosen.id, None
        return _ask_text(turn, draft)
    if not found.offered and _asks(turn, text):
        return await aside(turn, text)
    draft.unit_id, draft.place = None, " ".join(text.split())[:MAX_PLACE]
    note = [Reply(turn.t("fb_place_too_long", max=MAX_PLACE))] if len(text.strip()) > MAX_PLACE else []
    if found.offered:
        _save(turn, PLACE, draft)
        lines = [places.conversion_note(turn, found.conversions), turn.t("fb_place_did_you_mean")]
        rows = [[Button(places.button_label(u.name), payload=f"fbu:{u.id}")] for u in found.offered]
        rows += [[turn.button("btn_fb_place_keep", "fbkeep")], _cancel_row(turn)]
        return note + [Reply("\n".join(x for x in lines if x), buttons=rows)]
    return note + _ask_text(turn, draft)


async def keep_place(turn: Turn, _: str) -> list[Reply]:
    """The place as typed, after units were offered for it."""
    draft = _draft(turn, PLACE)
    if draft is None or not draft.place:
        return _expired(turn)
    return _ask_text(turn, draft)


def _text_buttons(turn: Turn) -> list[list[Button]]:
    return [[turn.button("btn_fb_done", "fbd")], _cancel_row(turn)]


def _ask_text(turn: Turn, draft: Draft) -> list[Reply]:
    _save(turn, TEXT, draft)
    return [Reply(turn.t("fb_ask_text", max=f"{MAX_DESCRIPTION:,}".replace(",", "."), photos=MAX_PHOTOS),
                  buttons=_text_buttons(turn))]


async def text_added(turn: Turn, _: str) -> list[Reply]:
    """Each message of the description: text (the whole message, not the cut the router
    applies to questions) and photos accumulate until "Xong"."""
    draft = _draft(turn, TEXT)
    if draft is None:
        return _expired(turn)
    added = (turn.incoming.text or "").strip()
    if not turn.incoming.attachments:
        if _is_cancel(added):
            return await cancel(turn, "")
        if fold(added) in _DONE_WORDS:
            return await text_done(turn, "")
    notes = []
    for photo in turn.incoming.attachments:
        if len(draft.photos) >= MAX_PHOTOS:
            notes.append(turn.t("fb_photos_too_many", max=MAX_PHOTOS))
            break
        draft.photos.append(photo)
    if added:
        room = MAX_DESCRIPTION - len(draft.text) - (2 if draft.text else 0)
        if room > 0:
            draft.text = (draft.text + "\n\n" + added[:room]).strip() if draft.text else added[:room]
        if len(added) > room:
            notes.append(turn.t("fb_text_too_long", max=MAX_DESCRIPTION))
    draft.short_warned = False
    _save(turn, TEXT, draft)
    text = turn.t("fb_text_received", chars=len(draft.text), photos=len(draft.photos))
    return [Reply("\n".join([*notes, text]), buttons=_text_buttons(turn))]


async def text_done(turn: Turn, _: str) -> list[Reply]:
    draft = _draft(turn, TEXT)
    if draft is None:
        return _expired(turn)
    if not draft.text and not draft.photos:
        return [Reply(turn.t("fb_text_empty"), buttons=_text_buttons(turn))]
    if len(draft.text) < MIN_DESCRIPTION and not draft.photos and not draft.short_warned:
        draft.short_warned = True
        _save(turn, TEXT, draft)
        return [Reply(turn.t("fb_text_short"), buttons=_text_buttons(turn))]
    return _ask_consent(turn, draft)


def _ask_consent(turn: Turn, draft: Draft, key: str = "fb_ask_consent") -> list[Reply]:
    _save(turn, CONSENT, draft)
    rows = [[turn.button("btn_fb_consent_yes", "fbo:yes")], [turn.button("btn_fb_consent_no", "fbo:no")],
            _cancel_row(turn)]
    return [Reply(turn.t(key), buttons=rows)]


async def consent(turn: Turn, answer: str) -> list[Reply]:
    draft = _draft(turn, CONSENT) or _draft(turn, CONTACT)
    if draft is None:
        return _expired(turn)
    if answer == "yes":
        draft.consent = True
        _save(turn, CONTACT, draft)
        return [Reply(turn.t("fb_ask_contact"), buttons=[_skip_contact(turn), _cancel_row(turn)])]
    draft.consent, draft.contact_name, draft.contact_phone = False, None, None
    return _confirm(turn, draft)


async def consent_typed(turn: Turn, text: str) -> list[Reply]:
    if _is_cancel(text):
        return await cancel(turn, "")
    word = fold(text)
    if word in _YES_WORDS:
        return await consent(turn, "yes")
    if word in _NO_WORDS:
        return await consent(turn, "no")
    return await aside(turn, text) if _draft(turn, CONSENT) else _expired(turn)


def _skip_contact(turn: Turn) -> list[Button]:
    return [turn.button("btn_fb_skip_contact", "fbo:no")]


async def contact_typed(turn: Turn, text: str) -> list[Reply]:
    draft = _draft(turn, CONTACT)
    if draft is None or _is_cancel(text):
        return await cancel(turn, "")
    contact = parse_contact(text)
    if contact is None and _asks(turn, text):
        return await aside(turn, text)
    if contact is None:
        return [Reply(turn.t("fb_contact_invalid"), buttons=[_skip_contact(turn), _cancel_row(turn)])]
    draft.contact_name, draft.contact_phone = contact.name, contact.phone
    return _confirm(turn, draft)


def _summary(turn: Turn, draft: Draft) -> str:
    content = turn.services.content
    preview = draft.text if len(draft.text) <= 300 else draft.text[:300].rstrip() + "…"
    contact = turn.t("fb_summary_no_contact")
    if draft.consent and draft.contact_phone:
        contact = " ".join(x for x in (draft.contact_name, mask_phone(draft.contact_phone)) if x)
    return turn.t("fb_summary", category=views.category(content, draft.category),
                  place=views.place(content, draft.unit_id, draft.place), text=preview or "—",
                  photos=len(draft.photos), contact=contact)


def _confirm(turn: Turn, draft: Draft, extra: str | None = None) -> list[Reply]:
    _save(turn, CONFIRM, draft)
    text = _summary(turn, draft) + (f"\n\n{extra}" if extra else "")
    return [Reply(text, buttons=[[turn.button("btn_fb_send", "fbs")], _cancel_row(turn)])]


async def confirm_typed(turn: Turn, text: str) -> list[Reply]:
    if _is_cancel(text):
        return await cancel(turn, "")
    if fold(text) in _YES_WORDS:
        return await submit(turn, "")
    return await aside(turn, text) if _draft(turn, CONFIRM) else _expired(turn)


async def submit(turn: Turn, _: str) -> list[Reply]:
    draft = _draft(turn, CONFIRM)
    if draft is None:  # already sent (a double tap), or the flow was left
        return [Reply(turn.t("fb_nothing_to_send"), buttons=_menu(turn))]
    if limited := await _over_limit(turn):
        return limited
    ticket, created = await tickets.create(turn.session, draft, user=turn.user, user_key=turn.user_key,
                                           channel=turn.incoming.channel)
    turn.set_step(None)
    if created:
        services, ticket_id = turn.services, ticket.id

        async def post_to_staff() -> None:
            await publish.publish(services, ticket_id)

        turn.after_commit.append(post_to_staff)
    rows = [[views.view_button(turn.services.content, ticket.code)], *_menu(turn)]
    return [Reply(turn.t("fb_filed", code=ticket.code), buttons=rows)]


def _is_cancel(text: str) -> bool:
    return fold(text) in _CANCEL_WORDS


def _asks(turn: Turn, text: str) -> bool:
    """A question or a request typed where the form expects a place or a contact."""
    return turn.services.content.answerer.is_question(text)


async def resume(turn: Turn, _: str) -> list[Reply]:
    """Show the current step of the form again (after a question answered on the way)."""
    draft = _draft(turn)
    if draft is None:
        return _expired(turn)
    step = turn.state.step
    if step == PLACE:
        return _ask_place(turn, draft)
    if step == TEXT:
        return _ask_text(turn, draft)
    if step == CONSENT:
        return _ask_consent(turn, draft)
    if step == CONTACT:
        return [Reply(turn.t("fb_ask_contact"), buttons=[_skip_contact(turn), _cancel_row(turn)])]
    if step == CONFIRM:
        return _confirm(turn, draft)
    return _ask_category(turn, draft)


async def cancel(turn: Turn, _: str) -> list[Reply]:
    step = turn.state.step
    turn.set_step(None)
    if step and step.startswith("fb:"):
        turn.log(EventKind.FEEDBACK_CANCELLED, outcome=step.removeprefix("fb:"))
        return [Reply(turn.t("fb_cancelled"), buttons=_menu(turn))]
    if step:
        return [Reply(turn.t("cancel_done"), buttons=_menu(turn))]
    return [Reply(turn.t("fb_nothing_to_cancel"), buttons=_menu(turn))]


def _expired(turn: Turn) -> list[Reply]:
    rows = [[turn.button("btn_feedback_new", "fb")], *_menu(turn)]
    return [Reply(turn.t("button_expired"), buttons=rows)]


def register(router: Router) -> None:
    router.payload("fb", start)
    router.command("phananh", start, description_key="cmd_feedback")
    router.payload("fbc", choose_category)
    router.payload("fbk", choose_kind)
    router.payload("fbp", back_to_place)
    router.payload("fbu", choose_unit)
    router.payload("fbkeep", keep_place)
    router.payload("fbd", text_done)
    router.payload("fbo", consent)
    router.payload("fbs", submit)
    router.payload("fbx", cancel)
    router.command("huy", cancel)
    router.step(CATEGORY, category_typed)
    router.step(PLACE, place_typed)
    router.step(TEXT, text_added, accepts_images=True)
    router.step(CONSENT, consent_typed)
    router.step(CONTACT, contact_typed)
    router.step(CONFIRM, confirm_typed)
    router.flow([CATEGORY, PLACE, TEXT, CONSENT, CONTACT, CONFIRM], "flow_feedback", resume=resume, leave=cancel,
                intent="feedback")

"""Hotline numbers from the content pack: by subject or by agency (a ward or commune is
typed by name: there are ~100), with working hours and a call button where the channel can
dial; and the way into filing feedback in the chat."""

from __future__ import annotations

from bot.content.schema import SUBJECTS, Hotline, Unit, filled
from bot.conversation import places
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.kernel.messages import Button, Reply


def _subject_label(turn: Turn, subject: str) -> str:
    return turn.t(f"subject_{subject}")


async def hotline_menu(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    turn.log(EventKind.HOTLINE_VIEWED, outcome="menu")
    covered = {s for h in turn.content.hotlines for s in h.subjects}
    # The two main actions first: channels that show only a few buttons (Zalo) keep them.
    rows = [[turn.button("btn_feedback_new", "fb")], [turn.button("btn_hotline_all", "hll")]]
    rows += [[Button(_subject_label(turn, s), payload=f"hls:{s}")] for s in SUBJECTS if s in covered]
    rows += [[turn.button("btn_hotline_by_agency", "hla")], [turn.button("btn_feedback_track", "fbtrack")],
             [turn.button("btn_menu", "menu")]]
    return [Reply(turn.t("hotline_menu"), buttons=rows)]


def _reachable(h: Hotline) -> bool:
    return bool(filled(h.phone) or filled(h.url) or filled(h.email))


def _entry(turn: Turn, h: Hotline) -> str:
    lines = [turn.t("hotline_entry", name=h.name, agency=h.agency).strip()]
    if filled(h.phone):
        lines.append(turn.t("hotline_phone", phone=h.phone))
    if filled(h.hours):
        lines.append(turn.t("hotline_hours", hours=h.hours))
    if filled(h.email):
        lines.append(turn.t("hotline_email", email=h.email))
    if filled(h.url):
        lines.append(turn.t("hotline_url", url=h.url))
    if h.note:
        lines.append(h.note)
    return "\n".join(lines)


def _render(turn: Turn, title: str, hotlines: list[Hotline], subject: str = "") -> list[Reply]:
    """The lines with a way to reach them; for a line still waiting for its number, what
    the person can do instead (the national lines, the one-stop shop, feedback here)."""
    shown = [h for h in hotlines if _reachable(h)]
    waiting = [h for h in hotlines if not _reachable(h)]
    blocks = [title, *(_entry(turn, h) for h in shown)]
    if waiting:
        blocks.append(turn.t("hotline_waiting", names=", ".join(h.name for h in waiting)).strip())
        extra = [h for h in turn.content.hotlines if h.national and _reachable(h) and h not in shown]
        shown += extra
        blocks += [_entry(turn, h) for h in extra]
    rows: list[list[Button]] = []
    for h in shown:  # a call button where the channel can dial (the web chat: a tel: link)
        if filled(h.phone):
            rows.append([Button(turn.t("btn_call", name=h.name), phone=h.phone)])
        elif filled(h.url):
            rows.append([Button(turn.t("btn_hotline_page", name=h.name), url=h.url)])
    rows += [[turn.button("btn_feedback_new", f"fb:{subject}" if subject else "fb")],
             [turn.button("btn_hotline_short", "hotline"), turn.button("btn_menu", "menu")]]
    return [Reply("\n\n".join(blocks), buttons=rows)]


async def by_subject(turn: Turn, subject: str) -> list[Reply]:
    if subject not in SUBJECTS:
        return await hotline_menu(turn, "")
    turn.set_step(None)
    turn.log(EventKind.HOTLINE_VIEWED, topic=subject, outcome="subject")
    found = [h for h in turn.content.hotlines if subject in h.subjects]
    title = turn.t("hotline_by_subject_title", subject=_subject_label(turn, subject))
    if not found:  # fall back to the general lines
        found = [h for h in turn.content.hotlines if "chung" in h.subjects]
        title = turn.t("hotline_none")
    return _render(turn, title, found, subject)


async def agencies(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    first_of: dict[str, Hotline] = {}
    for h in turn.content.hotlines:
        first_of.setdefault(h.agency, h)
    rows = [[Button(agency, payload=f"hlg:{h.id}")] for agency, h in first_of.items()]
    if places.has_wards(turn.content.units):
        rows.append([turn.button("btn_hotline_ward", "hlw")])
    rows.append([turn.button("btn_hotline_short", "hotline"), turn.button("btn_menu", "menu")])
    return [Reply(turn.t("hotline_pick_agency"), buttons=rows)]


async def by_agency(turn: Turn, hotline_id: str) -> list[Reply]:
    """One agency's lines; the payload names one of its hotlines (ids are stable)."""
    anchor = next((h for h in turn.content.hotlines if h.id == hotline_id), None)
    if anchor is None:
        return await agencies(turn, "")
    turn.set_step(None)
    turn.log(EventKind.HOTLINE_VIEWED, item=anchor.id, outcome="agency")
    found = [h for h in turn.content.hotlines if h.agency == anchor.agency]
    return _render(turn, turn.t("hotline_by_agency_title", agency=anchor.agency), found)


WARD_STEP = "hl:ward"


def _ward_rows(turn: Turn) -> list[list[Button]]:
    return [[turn.button("btn_hotline_short", "hotline"), turn.button("btn_menu", "menu")]]


async def ask_ward(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(WARD_STEP)
    return [Reply(turn.t("hotline_ask_ward"), buttons=_ward_rows(turn))]


async def ward_typed(turn: Turn, text: str) -> list[Reply]:
    found = places.pick(turn, [u for u in turn.content.units if u.is_ward], text)
    if found.chosen is not None:
        return _ward(turn, found.chosen)
    if not found.offered:
        return [Reply(turn.t("hotline_ward_none"), buttons=_ward_rows(turn))]
    rows = [[Button(places.button_label(u.name), payload=f"hlwu:{u.id}")] for u in found.offered]
    lines = [places.conversion_note(turn, found.conversions), turn.t("hotline_ward_pick")]
    return [Reply("\n".join(x for x in lines if x), buttons=rows + _ward_rows(turn))]


async def ward_chosen(turn: Turn, unit_id: str) -> list[Reply]:
    unit = turn.content.unit(unit_id)
    if unit is None or not unit.is_ward:
        return await ask_ward(turn, "")
    return _ward(turn, unit)


def _ward(turn: Turn, unit: Unit) -> list[Reply]:
    """A ward's one-stop shop, and the general lines (no ward has a number of its own here)."""
    turn.set_step(None)
    turn.log(EventKind.HOTLINE_VIEWED, item=unit.id, outcome="ward")
    general = [h for h in turn.content.hotlines if {"chung", "thu-tuc-hanh-chinh"} & set(h.subjects)]
    title = turn.t("hotline_ward", ward=unit.name, ward_lower=places.in_sentence(unit.name))
    return _render(turn, title, general, "thu-tuc-hanh-chinh")


async def show_all(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    turn.log(EventKind.HOTLINE_VIEWED, outcome="all")
    return _render(turn, turn.t("hotline_title"), list(turn.content.hotlines))


def register(router: Router) -> None:
    router.payload("hotline", hotline_menu)
    router.intent("hotline", hotline_menu)
    router.command("duongdaynong", hotline_menu)
    router.payload("hls", by_subject)
    router.payload("hla", agencies)
    router.payload("hlg", by_agency)
    router.payload("hll", show_all)
    router.payload("hlw", ask_ward)
    router.payload("hlwu", ward_chosen)
    router.step(WARD_STEP, ward_typed)

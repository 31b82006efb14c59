"""“Địa chỉ mới của tôi là gì?”: an old address (before 1 July 2025) → the ward or commune
and the province it belongs to now, with the national rule that papers already issued
stay valid; and the other way, a ward as it is now → the former units it was formed from.

Reached from the main menu, `/diachi [địa chỉ]`, and the free-text layer, which calls
`answer_address(turn, text)` for a message that `looks_like_address(text, province_code)`.
A district named alone asks for the ward, and keeps the district for the next message."""

from __future__ import annotations

from bot.content.official import OfficialWard, ward
from bot.conversation import places
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.kernel.ids import parse_id
from bot.kernel.messages import Button, Reply
from bot.places.lookup import Conversion, Lookup, looks_like_address
from bot.places.reverse import formed_from

__all__ = ["answer_address", "looks_like_address", "register"]

STEP = "addr:ask"
MAX_BUTTONS = 8  # a district's former wards are offered as buttons up to this many


def _menu_row(turn: Turn) -> list[Button]:
    return [turn.button("btn_menu", "menu")]


def _again_rows(turn: Turn) -> list[list[Button]]:
    return [[turn.button("btn_address_again", "addr")], _menu_row(turn)]


async def start(turn: Turn, args: str) -> list[Reply]:
    if args.strip():
        return await answer_address(turn, args)
    turn.set_step(STEP)
    return [Reply(turn.t("addr_ask", **places.examples(turn)), buttons=[_menu_row(turn)])]


async def typed(turn: Turn, text: str) -> list[Reply]:
    return await answer_address(turn, text)


async def answer_address(turn: Turn, text: str) -> list[Reply]:
    """The reply to an address (old or current) typed in any form; for the free-text layer."""
    data = (turn.state.data or {}) if turn.state.step == STEP else {}
    found = places.book(turn).lookup(text, district=data.get("district"))
    item = found.current.code if found.current else (
        found.conversions[0].new[0].ward.code if found.kind == "converted" else None)
    turn.log(EventKind.ADDRESS_LOOKUP, item=str(item) if item else None, outcome=found.kind)
    if found.kind == "converted":
        turn.set_step(None)
        return _converted(turn, found.conversions[0])
    if found.kind == "choices":
        turn.set_step(None)
        return _choices(turn, found)
    if found.kind in ("current", "reverse"):
        assert found.current is not None  # such a look-up names the ward
        turn.set_step(None)
        return _formed_from(turn, found.current, found.kind)
    if found.kind == "district":
        return _district(turn, found)
    if found.kind == "too_many":
        district = found.district
        turn.set_step(STEP, **({"district": places.book(turn).district_key(district)} if district else {}))
        return [Reply(turn.t("addr_too_many", count=found.count, **places.examples(turn)),
                      buttons=[_menu_row(turn)])]
    if found.bare:  # only the question ("địa chỉ mới của tôi là gì?"): ask for the address
        turn.set_step(STEP)
        return [Reply(turn.t("addr_ask", **places.examples(turn)), buttons=[_menu_row(turn)])]
    # Not found: stay for one more try; a second miss leaves the look-up, so a question
    # typed next is not read as an address.
    if data.get("misses"):
        turn.set_step(None)
    else:
        turn.set_step(STEP, misses=1, **({"district": data["district"]} if data.get("district") else {}))
    return [Reply(turn.t("addr_unknown", **places.examples(turn)), buttons=_again_rows(turn))]


def _converted(turn: Turn, c: Conversion) -> list[Reply]:
    old, province = places.old_name(c.old), c.province.name
    if c.split:
        text = turn.t("addr_split", old=old, default=c.new[0].ward.name, province=province,
                      all=", ".join(p.ward.name for p in c.new))
    else:
        text = turn.t("addr_converted", old=old, new=c.new[0].ward.name, province=province)
    rows = [[Button(places.button_label(turn.t("btn_address_parts", name=p.ward.name)),
                    payload=f"addrn:{p.ward.code}")] for p in c.new[:3]]
    return [Reply(f"{text}\n\n{turn.t('addr_documents')}", buttons=rows + _again_rows(turn))]


def _choices(turn: Turn, found: Lookup) -> list[Reply]:
    rows = [[Button(places.button_label(f"{c.old.name} · {c.old.district.name} · {c.old.province.short}"),
                    payload=f"addro:{c.old.code}")] for c in found.conversions]
    return [Reply(turn.t("addr_choices"), buttons=rows + [_menu_row(turn)])]


def _district(turn: Turn, found: Lookup) -> list[Reply]:
    book, district = places.book(turn), found.district
    assert district is not None  # a "district" look-up names it
    turn.set_step(STEP, district=book.district_key(district))
    former = book.former_wards(district)
    text = turn.t("addr_district", district=district.name, province=district.province.name,
                  news=", ".join(w.name for w in book.new_wards_of(district)))
    rows = [[Button(places.button_label(w.name), payload=f"addro:{w.code}")]
            for w in former] if len(former) <= MAX_BUTTONS else []
    return [Reply(text, buttons=rows + [_menu_row(turn)])]


def _formed_from(turn: Turn, ward: OfficialWard, kind: str) -> list[Reply]:
    parts = formed_from(ward.code)
    lines = "\n".join(turn.t("addr_part" if p.whole else "addr_part_partial", old=places.old_name(p.ward))
                      for p in parts)
    key = "addr_reverse" if kind == "reverse" else "addr_current"
    return [Reply(turn.t(key, new=places.new_name(ward), parts=lines), buttons=_again_rows(turn))]


async def show_old(turn: Turn, code: str) -> list[Reply]:
    """A former ward chosen from a list."""
    conversion = places.book(turn).conversion(code)
    if conversion is None:
        return [Reply(turn.t("button_expired"), buttons=_again_rows(turn))]
    turn.set_step(None)
    turn.log(EventKind.ADDRESS_LOOKUP, item=str(conversion.new[0].ward.code), outcome="chosen")
    return _converted(turn, conversion)


async def show_new(turn: Turn, code: str) -> list[Reply]:
    """What a ward as it is now was formed from."""
    number = parse_id(code)
    found = ward(number) if number is not None else None
    if found is None:
        return [Reply(turn.t("button_expired"), buttons=_again_rows(turn))]
    turn.set_step(None)
    turn.log(EventKind.ADDRESS_LOOKUP, item=str(found.code), outcome="reverse")
    return _formed_from(turn, found, "reverse")


def register(router: Router) -> None:
    router.command("diachi", start, description_key="cmd_address")
    router.payload("addr", start)
    router.payload("addro", show_old)
    router.payload("addrn", show_new)
    router.step(STEP, typed)
    router.intent("address", answer_address,
                  detect=lambda text, pack: looks_like_address(text, pack.info.province_code))

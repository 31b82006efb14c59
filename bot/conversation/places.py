"""The map as the conversation uses it: the pack's address book, picking a unit by what a
person typed (every screen that asks for a unit: ~100 wards are never listed as buttons),
and how former and current places read."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content import official
from bot.content.schema import Unit
from bot.conversation.turn import Turn
from bot.places.legacy import FormerWard
from bot.places.lookup import AddressBook, Conversion, book_for
from bot.places.match import Pick, pick_unit


def book(turn: Turn) -> AddressBook:
    return book_for(turn.content.info.province_code)


def agencies(units: Sequence[Unit]) -> list[Unit]:
    """The units that keep their buttons: everything but wards and communes."""
    return [u for u in units if not u.is_ward]


def has_wards(units: Sequence[Unit]) -> bool:
    return any(u.is_ward for u in units)


def pick(turn: Turn, units: Sequence[Unit], text: str, min_offer: float = 75) -> Pick:
    return pick_unit(units, text, book(turn), min_offer)


def old_name(ward: FormerWard) -> str:
    """"Phường 2, Thành phố Sóc Trăng, Tỉnh Sóc Trăng" (an island district: no ward)."""
    parts = [ward.name] if ward.key else []
    return ", ".join([*parts, ward.district.name, ward.province.name])


def new_name(ward: official.OfficialWard) -> str:
    return f"{ward.name}, {official.province(ward.province_code).name}"


def conversion_note(turn: Turn, conversions: Sequence[Conversion]) -> str:
    """One line per former ward an offer came from: what it is part of now."""
    return "\n".join(turn.t("place_now_part_of", old=old_name(c.old),
                            new=", ".join(p.ward.name for p in c.new)) for c in conversions)


def examples(turn: Turn) -> dict[str, str]:
    """`{example_old}` and `{example_new}` for the catalogue: real names of the pack's
    province, so its texts need not name a former district themselves."""
    sample = book(turn).sample()
    if sample is None:
        return {"example_old": "", "example_new": ""}
    return {"example_old": old_name(sample.old), "example_new": sample.new[0].ward.name}


def in_sentence(name: str) -> str:
    """"Phường Phú Lợi" inside a sentence: "phường Phú Lợi"."""
    return name[:1].lower() + name[1:] if name.split(" ", 1)[0] in ("Phường", "Xã", "Đặc") else name


def button_label(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"

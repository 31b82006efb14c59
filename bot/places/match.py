"""Picking a unit (an agency, a ward or commune) from a list by what a person typed: the
name or an alias with or without diacritics, fuzzily; and, for a ward typed by its
former name ("phuong 2 soc trang"), the ward it belongs to now, through the address
look-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.kernel.text import fold
from bot.places.lookup import AddressBook, Conversion
from bot.places.words import words

if TYPE_CHECKING:
    from bot.content.schema import Unit

MAX_PICK = 6


def _choices(unit: Unit) -> list[str]:
    return [fold(unit.name), *(fold(a) for a in unit.aliases)]


def match_units(units: Sequence[Unit], text: str, limit: int = 5) -> list[tuple[Unit, float]]:
    """Units that fit what was typed, best first. An exact name or alias (ignoring case and
    diacritics) gives that one unit alone; otherwise fuzzy matches scoring at least 75."""
    query = fold(text[:200])
    if not query:
        return []
    for unit in units:
        if query in _choices(unit):
            return [(unit, 100.0)]
    flat = [(unit, choice) for unit in units for choice in _choices(unit) if choice]
    # token_set_ratio: word order and extra words ("phòng", "tỉnh") matter little, while
    # unrelated text stays well below the cut-off.
    found = process.extract(query, [c for _, c in flat], scorer=fuzz.token_set_ratio, limit=limit * 4,
                            score_cutoff=75)
    best: dict[str, tuple[Unit, float]] = {}
    for _, score, index in found:
        unit = flat[index][0]
        if unit.id not in best or best[unit.id][1] < score:
            best[unit.id] = (unit, round(score, 1))
    return sorted(best.values(), key=lambda pair: -pair[1])[:limit]


@dataclass
class Pick:
    """What a typed unit name gives: one unit to take (`chosen`), or units to offer."""

    chosen: Unit | None = None
    offered: list[Unit] = field(default_factory=list)
    # The former wards the offer came from ("Phường 2, TP Sóc Trăng" → Phường Phú Lợi).
    conversions: list[Conversion] = field(default_factory=list)


def pick_unit(units: Sequence[Unit], text: str, book: AddressBook | None, min_offer: float = 75) -> Pick:
    """An exact name or alias, or a ward named as it is now, is taken; a former ward's name
    offers the ward it is part of now (to confirm: the person may mean another place);
    otherwise the fuzzy matches scoring `min_offer` or more are offered, the best one taken
    when it stands out. Where free text is a fine answer too (a feedback's place), ask for
    closer matches."""
    expanded = " ".join(words(text[:200]))  # "P. Phú Lợi" → "phuong phu loi"
    exact = [u for u in units if {fold(text[:200]), fold(expanded)} & set(_choices(u))]
    if len(exact) == 1:
        return Pick(chosen=exact[0])
    # Fuzzy matches come after the address look-up: "phuong 2 tp soc trang" holds today's
    # "Sóc Trăng" whole, but names a former ward of another one.
    found = match_units(units, text) or match_units(units, expanded)
    by_code = {u.code: u for u in units if u.code is not None}
    look = book.lookup(text) if book is not None and by_code else None
    if look is not None and look.current is not None and look.current.code in by_code and look.kind == "current":
        return Pick(chosen=by_code[look.current.code])
    if look is not None and look.conversions:
        offered: dict[str, Unit] = {}
        conversions = []
        for conversion in look.conversions:
            here = [by_code[p.ward.code] for p in conversion.new if p.ward.code in by_code]
            if here:
                conversions.append(conversion)
                offered.update((u.id, u) for u in here)
        if offered:
            rest = [u for u, score in found if score >= 90 and u.id not in offered]
            return Pick(offered=[*offered.values(), *rest][:MAX_PICK], conversions=conversions)
    sure = found and found[0][1] >= 95 and (len(found) == 1 or found[1][1] <= found[0][1] - 8)
    if sure:
        return Pick(chosen=found[0][0])
    return Pick(offered=[u for u, score in found if score >= min_offer][:MAX_PICK])

"""Names, positions and units as cadres type them."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz, process

from bot.content.schema import Unit
from bot.core.text import fold

_NAME = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+)+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_FIELD = 80


def _tidy(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", text)).split())


def clean_name(text: str) -> str | None:
    """A full name of at least two words of letters, or None. All-lower or all-upper
    input is put in title case ("nguyễn văn an" → "Nguyễn Văn An")."""
    name = _tidy(text)
    if not (4 <= len(name) <= MAX_FIELD) or not _NAME.match(name):
        return None
    if name == name.lower() or name == name.upper():
        name = name.title()
    return name


def clean_position(text: str) -> str | None:
    position = _tidy(text)
    if not (2 <= len(position) <= MAX_FIELD) or not any(c.isalpha() for c in position):
        return None
    return position


def short_name(full_name: str | None) -> str | None:
    """What other cadres see on a leaderboard: family name, middle initials, given name
    ("Nguyễn Thị Minh Anh" → "Nguyễn T. M. Anh"). Staff see full names."""
    if not full_name:
        return None
    words = full_name.split()
    if len(words) <= 2:
        return full_name
    return " ".join([words[0], *(w[0] + "." for w in words[1:-1]), words[-1]])


def _choices(unit: Unit) -> list[str]:
    return [fold(unit.name), *(fold(a) for a in unit.aliases)]


def match_units(units: list[Unit], text: str, limit: int = 5) -> list[tuple[Unit, float]]:
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

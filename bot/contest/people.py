"""Names and positions as cadres type them (units: `bot.places.match`)."""

from __future__ import annotations

import re
import unicodedata

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

"""Numbers people send back: the ids in button payloads and in staff commands, a typed
button number. They are untrusted text, so they are read here and nowhere else.

`str.isdigit()` is not enough: it accepts "²" and other digits `int()` refuses, and a
30-digit id passes it but does not fit the database (SQLite's INTEGER and PostgreSQL's
BIGINT, every id column's type, hold 64-bit signed integers: a larger value raises
instead of finding nothing)."""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1  # the largest 64-bit signed integer
# ASCII digits only (`\d` would take any script's digits); leading zeros are harmless.
_DECIMAL = re.compile(r"0*([0-9]{1,19})")


def parse_id(text: str) -> int | None:
    """The non-negative integer `text` spells in ASCII digits, at most `MAX_ID`; None for
    anything else (signs, spaces, other digits, an empty string, a larger number)."""
    match = _DECIMAL.fullmatch(text)
    if match is None:
        return None
    value = int(match.group(1))
    return value if value <= MAX_ID else None


def parse_ids(text: str, separator: str, count: int) -> tuple[int, ...] | None:
    """Exactly `count` ids joined by `separator` ("12:0:3"), each read by `parse_id`;
    None when there are more or fewer, or any is not an id."""
    parts = text.split(separator)
    if len(parts) != count:
        return None
    ids = [parse_id(p) for p in parts]
    return None if any(i is None for i in ids) else tuple(i for i in ids if i is not None)

"""Contact details a citizen chooses to leave: parsing a typed "name + phone" line, and
masking the number wherever it is shown outside the staff desk."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A Vietnamese number as people type it: 0912 345 678, 0912.345.678, +84 912 345 678,
# 0299 3822 222 (landline). Separators are spaces, dots or hyphens.
_PHONE = re.compile(r"(?<![\d+])(\+?84|0)[\s.-]?(\d(?:[\s.-]?\d){7,9})(?!\d)")
_NAME_JUNK = re.compile(r"[^\w\s.'-]+|\b(?:sđt|sdt|số điện thoại|so dien thoai|đt|dt|tel)\b", re.I)
MAX_NAME = 100


@dataclass(frozen=True)
class Contact:
    name: str | None
    phone: str  # digits only, national form: 0912345678


def parse_contact(text: str) -> Contact | None:
    """Name and phone from one line; None when there is no plausible phone number."""
    match = _PHONE.search(text)
    if match is None:
        return None
    digits = "0" + re.sub(r"\D", "", match.group(2))
    if not 10 <= len(digits) <= 11:
        return None
    rest = (text[: match.start()] + " " + text[match.end():])
    name = " ".join(_NAME_JUNK.sub(" ", rest).split()).strip(" .,-:")
    return Contact(name=name[:MAX_NAME] or None, phone=digits)


def mask_phone(phone: str | None) -> str:
    """0912345678 → 0912 *** 678: enough for the citizen to recognise, not to read out."""
    if not phone:
        return ""
    return f"{phone[:4]} *** {phone[-3:]}"

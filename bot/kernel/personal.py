"""Personal data in free text a person typed: found and masked before it is kept anywhere
staff read it (the unanswered questions editors review).

Masked: e-mail addresses; vehicle plates ("65A-123.45", "59-X1 234.56", "51f12345");
phone, ID-card (CCCD, CMND) and other numbers of seven digits or more, grouped or not
("0912 345 678", "+84 912345678"); house numbers in an address ("số nhà 12", "45/3 Trần
Hưng Đạo", "12 đường Lê Lợi", "hẻm 7"). Each becomes `MASKED`; the rest of the sentence
stays as typed, diacritics included. A street or ward name alone identifies nobody and is
kept: it is often what the question is about."""

from __future__ import annotations

import re
import unicodedata

MASKED = "***"

EMAIL = re.compile(r"\S+@\S+")
# Seven digits or more, maybe grouped by spaces, dots or hyphens: phones, ID cards, accounts.
LONG_NUMBER = re.compile(r"\d(?:[\s.\-]?\d){6,}")
_PHONE_OR_ID = re.compile(r"\+?" + LONG_NUMBER.pattern)
# Two digits (the province), a series of one or two letters maybe with a digit, then four
# or five digits: car and motorbike plates, old and new, any case and separators.
_PLATE = re.compile(r"(?<![\w.])\d{2}\s?-?\s?[a-z]{1,2}\d?\s?[-.]?\s?\d{3}\.?\d{1,2}(?!\w)", re.IGNORECASE)
# A house number: digits with maybe a letter, maybe "/"-separated parts ("45/3B").
_HOUSE = re.compile(r"(?<![\w/.,*])\d{1,5}[a-z]?(?:/\d{1,5}[a-z]?)*(?![\w/])", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")

# Folded words around a number that make it a house number.
_STREET = frozenset("duong pho hem ngo ngach kiet".split())  # "12 đường …", "hẻm 7"
_BEFORE = frozenset({"so nha", "nha so", "dia chi", "chi la", "chi o", "chi tai"})  # "số nhà 12"
# Words after which a number is something else: a date, an article of law, a ward.
_NOT_ADDRESS = frozenset(
    """
    ngay thang nam quy lan buoc dieu khoan chuong muc phan lop tang phong
    phuong xa quan huyen ap khom to khu thi tinh thanh tp lo so ban trang tuoi
    nghi dinh thong tu quyet chi thi luat cong van ke hoach
    """.split()
)
# Capitalised words after a number that do not make it an address ("5 Luật…", "3 Sở…").
_NOT_STREET = frozenset(
    """
    luat nghi thong quyet chinh bo so ubnd hdnd phuong xa quan huyen tinh thanh ap khom
    to khu tp trung cong ban van
    """.split()
)


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _is_house_number(text: str, match: re.Match[str]) -> bool:
    before = [_fold(w) for w in _WORD.findall(text[:match.start()])[-2:]]
    after = _WORD.findall(text[match.end():match.end() + 80])[:2]
    prev = before[-1] if before else ""
    if " ".join(before) in _BEFORE or prev in _STREET - {"duong", "pho"}:
        return True
    if prev in _NOT_ADDRESS:
        return False
    if after and _fold(after[0]) in _STREET:
        return True
    capitalised = [w for w in after if w[0].isupper() and _fold(w) not in _NOT_STREET]
    # "45/3 Trần Hưng Đạo": a slashed number before a name; "12 Nguyễn Trãi": a name of two words.
    return len(capitalised) == len(after) and (len(after) == 2 or ("/" in match.group() and len(after) >= 1))


def redact(text: str) -> str:
    """The text with personal data masked (see the module's docstring)."""
    text = unicodedata.normalize("NFC", text)
    text = EMAIL.sub(MASKED, text)
    text = _PLATE.sub(MASKED, text)
    text = _PHONE_OR_ID.sub(MASKED, text)
    return _HOUSE.sub(lambda m: MASKED if _is_house_number(text, m) else m.group(), text)

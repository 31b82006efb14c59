"""Platform limits every channel respects, and splitting long texts to fit them."""

from __future__ import annotations

import re

MAX_TEXT = 2000  # characters of one pushed message (Zalo's limit; Telegram's is larger)
MAX_CAPTION = 1024  # characters of a photo's caption (Telegram)

_BREAKS = [re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?…])\s+"), re.compile(r"\s+")]


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into parts of at most `limit` characters, preferring paragraph, then
    line, then sentence, then word boundaries; never returns an empty part."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = 0
        for pattern in _BREAKS:
            found = [m for m in pattern.finditer(window) if 0 < m.start() <= limit]
            if found and found[-1].start() > limit // 3:
                cut = found[-1].start()
                break
        cut = cut or limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts

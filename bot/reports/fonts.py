"""Choosing a Times-compatible font that really has the Vietnamese letters.

Debian's `fonts-liberation` (1.x) has no precomposed Vietnamese letters (ữ, ệ, ở…), while
`fonts-liberation2` does, and both call themselves "Liberation Serif": matplotlib may pick
either file per weight. So files of a Times-like family that lack the letters are dropped
from matplotlib's list when a sibling file has them, and a family is used only if what it
resolves to covers them. DejaVu Serif (shipped with matplotlib) always does.

matplotlib keeps its font list in a cache built the first time it runs; fonts installed after
that (a machine image that ran matplotlib before the fonts package came) are missing from it,
so the system's font files are added to the list when it lacks them."""

from __future__ import annotations

import logging
from functools import lru_cache

from matplotlib import font_manager, ft2font

log = logging.getLogger(__name__)

FALLBACK = "DejaVu Serif"
SERIF_FAMILIES = ("Times New Roman", "Liberation Serif", "Tinos")  # else FALLBACK
VIETNAMESE = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐ"


@lru_cache
def _covers(path: str) -> bool:
    try:
        charmap = ft2font.FT2Font(path).get_charmap()
    except (OSError, RuntimeError):
        return False
    return all(ord(c) in charmap for c in VIETNAMESE)


@lru_cache
def _prefer_covering_files() -> None:
    manager = font_manager.fontManager
    known = {f.fname for f in manager.ttflist}
    for path in font_manager.findSystemFonts(fontext="ttf"):
        if path not in known:
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue  # a file FreeType cannot read: matplotlib skips it the same way
    covered = {f.name for f in manager.ttflist if f.name in SERIF_FAMILIES and _covers(f.fname)}
    manager.ttflist = [f for f in manager.ttflist if f.name not in covered or _covers(f.fname)]
    # Private (matplotlib clears it the same way when fonts are added); not in its stubs.
    manager._findfont_cached.cache_clear()  # type: ignore[attr-defined]


@lru_cache
def serif(bold: bool = False) -> tuple[str, str]:
    """(family name, font file) of the first Times-like family covering Vietnamese."""
    _prefer_covering_files()
    for family in SERIF_FAMILIES:
        props = font_manager.FontProperties(family=family, weight="bold" if bold else "normal")
        try:
            path = font_manager.findfont(props, fallback_to_default=False)
        except ValueError:
            continue
        if _covers(str(path)):
            return family, str(path)
    _say_fallback()
    return FALLBACK, str(font_manager.findfont(font_manager.FontProperties(family=FALLBACK)))


@lru_cache
def _say_fallback() -> None:  # once per process, whichever weight asked first
    log.warning("no Times-compatible font with the Vietnamese letters (Debian: fonts-liberation2); "
                "the report is measured and its charts drawn in DejaVu Serif")


def times_compatible() -> bool:
    """Whether the report is measured in a font with Times New Roman's widths, the font
    it is read in: otherwise its header's columns are sized for a wider one."""
    return serif()[0] != FALLBACK

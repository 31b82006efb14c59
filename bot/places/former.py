"""The names a province's people knew before 1 July 2025: its former provinces and their
district-level units (huyện, quận, thị xã, thành phố thuộc tỉnh), from the library's
legacy data. For checking that content no longer sends anyone to them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bot.content import official
from bot.places.legacy import legacy_map


@dataclass(frozen=True)
class FormerName:
    name: str  # as written with its type: "Huyện Châu Thành", "Tỉnh Hậu Giang"
    short: str  # without it: "Châu Thành" (today's "Xã Châu Thành" may carry the same)
    kind: str  # "Tỉnh" | "Thành phố" | "Huyện" | "Quận" | "Thị xã"
    level: Literal["province", "district"]
    province: str  # the former province it was in (itself, for a province)


@lru_cache(maxsize=16)
def former_names(province_code: int) -> tuple[FormerName, ...]:
    """Former provinces first, then their district-level units, each in the library's
    order. A former province with today's name (Thành phố Cần Thơ in Thành phố Cần Thơ)
    is left out: naming it is not stale."""
    today = official.province(province_code).name
    legacy = legacy_map()
    out: list[FormerName] = []
    provinces = legacy.former_provinces(province_code)
    for p in provinces:
        if p.name != today:
            kind = "Tỉnh" if p.name.startswith("Tỉnh ") else "Thành phố"
            out.append(FormerName(p.name, p.short, kind, "province", p.name))
    for p in provinces:
        for d in legacy.districts_of(p):
            out.append(FormerName(d.name, d.short, d.kind, "district", p.name))
    return tuple(out)

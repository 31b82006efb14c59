"""A ward or commune as it is now → the former wards, communes and townships it was formed
from (the library's old → new mapping, read backwards)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.places.legacy import FormerWard, legacy_map


@dataclass(frozen=True)
class FormerPart:
    ward: FormerWard
    whole: bool  # False: only part of the former unit went into this one


def formed_from(ward_code: int) -> list[FormerPart]:
    """By former province, district and name; empty for a code not in the list."""
    parts = [FormerPart(w, whole) for w, whole in legacy_map().reverse.get(ward_code, [])]
    return sorted(parts, key=lambda p: (p.ward.province.name, p.ward.district.name, _natural(p.ward.name)))


def _natural(name: str) -> tuple:
    """"Phường 2" before "Phường 10"."""
    head, _, tail = name.rpartition(" ")
    return (head, int(tail), "") if tail.isdigit() else (name, 0, name)

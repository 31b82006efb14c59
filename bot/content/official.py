"""The wards and communes of a province since 1 July 2025, with their official codes, from
the `vietnam-provinces` package (the National Statistics Office's list)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from vietnam_provinces import Province, ProvinceCode, VietNamDivisionType, Ward

# Unit kinds (content schema) of the commune level, by the list's division type.
WardKind = Literal["xa", "phuong", "dac-khu"]
_KINDS: dict[VietNamDivisionType, WardKind] = {VietNamDivisionType.XA: "xa", VietNamDivisionType.PHUONG: "phuong",
          VietNamDivisionType.DAC_KHU: "dac-khu"}
_PREFIXES = ("Phường ", "Xã ", "Đặc khu ")


@dataclass(frozen=True)
class OfficialProvince:
    code: int
    name: str  # "Thành phố Cần Thơ", "Tỉnh Cà Mau": as it is written in an address


@dataclass(frozen=True)
class OfficialWard:
    code: int  # the official code (e.g. 31510)
    name: str  # "Phường Phú Lợi"
    kind: WardKind
    slug: str  # a stable id: the official codename as a slug ("phuong-phu-loi")
    province_code: int

    @property
    def short_name(self) -> str:
        """The name without its type: "Phú Lợi"."""
        return next((self.name[len(p):] for p in _PREFIXES if self.name.startswith(p)), self.name)


@lru_cache(maxsize=64)
def province(code: int) -> OfficialProvince:
    """Raises LookupError for a code that is not a province since 1 July 2025."""
    try:
        found = Province.from_code(ProvinceCode(code))
    except ValueError as exc:
        raise LookupError(f"không có tỉnh, thành phố mã {code} trong danh mục từ ngày 01/7/2025") from exc
    name = found.name if found.division_type != VietNamDivisionType.TINH else f"Tỉnh {found.name}"
    return OfficialProvince(int(found.code), name)


@lru_cache(maxsize=64)
def wards(province_code: int) -> tuple[OfficialWard, ...]:
    """The province's wards, communes and special zones, in the list's order. The slug is
    the codename with dashes; two units whose codenames collide (e.g. "Xã Thạnh An" and
    "Xã Thanh An") both get their code appended, so no id depends on list order."""
    province(province_code)
    found = list(Ward.iter_by_province(ProvinceCode(province_code)))
    counts: dict[str, int] = {}
    for w in found:
        counts[w.codename] = counts.get(w.codename, 0) + 1
    out = []
    for w in found:
        slug = w.codename.replace("_", "-")
        if counts[w.codename] > 1:
            slug = f"{slug}-{int(w.code)}"
        name = " ".join(w.name.split())  # the list has a few doubled spaces ("Xã  Phú Hữu")
        out.append(OfficialWard(int(w.code), name, _KINDS[w.division_type], slug, province_code))
    return tuple(out)


@lru_cache(maxsize=4096)
def ward(code: int) -> OfficialWard | None:
    """Any province's ward by its official code."""
    try:
        found = Ward.from_code(code)  # type: ignore[arg-type]  # annotated WardCode; a plain int is looked up too
    except ValueError:
        return None
    return next((w for w in wards(int(found.province_code)) if w.code == code), None)

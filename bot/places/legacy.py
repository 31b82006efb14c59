"""The map before 1 July 2025 and how it became today's, as `vietnamadminunits` carries it:
the 63 former provinces with their districts and wards (names, codes, the keywords its
parser matches), and its old ward → new ward mapping, joined to the official list.

Read once (`legacy_map()`); everything after that is dictionary look-ups."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

from bot.content import official
from bot.kernel.text import accent_key, fold

_WARD_TABLES = ("DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED", "DICT_PROVINCE_DISTRICT_WARD_ACCENTED",
                "DICT_PROVINCE_DISTRICT_WARD_SHORT_ACCENTED")
_NEW_WARD_TABLES = ("DICT_PROVINCE_WARD_NO_ACCENTED", "DICT_PROVINCE_WARD_ACCENTED",
                    "DICT_PROVINCE_WARD_SHORT_ACCENTED")
_DISTRICT_KINDS = ("Thành phố", "Thị xã", "Huyện", "Quận")


def _without(prefixes: tuple[str, ...], name: str) -> str:
    return next((name[len(p):].strip() for p in prefixes if name.startswith(p + " ")), name)


@dataclass(frozen=True)
class FormerProvince:
    key: str  # the library's key ("tinhsoctrang")
    name: str  # "Tỉnh Sóc Trăng"
    short: str  # "Sóc Trăng"
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class FormerDistrict:
    key: str
    name: str  # "Huyện Châu Thành", "Thành phố Sóc Trăng"
    kind: str  # "Huyện" | "Quận" | "Thị xã" | "Thành phố"
    province: FormerProvince
    keywords: tuple[str, ...]

    @property
    def short(self) -> str:
        return _without(_DISTRICT_KINDS, self.name)


@dataclass(frozen=True)
class FormerWard:
    """A former ward, commune or township. An island district that had none is one unit
    of its own: `key` is empty and the name is the district's."""

    key: str
    name: str  # "Phường 2", "Xã An Hiệp", "Thị trấn Châu Thành"
    code: str  # the former official code ("31510"); the district's for an island district
    district: FormerDistrict
    keywords: tuple[str, ...]

    @property
    def old_key(self) -> str:
        """The key the library's mapping uses: province_district_ward."""
        return f"{self.district.province.key}_{self.district.key}_{self.key}"

    @property
    def province(self) -> FormerProvince:
        return self.district.province


@dataclass(frozen=True)
class NewPlace:
    """Where a former ward went: one official ward, and whether all of it went there."""

    ward: official.OfficialWard
    whole: bool  # False: the former ward was split and this is one of its parts
    default: bool  # the library's pick for a split ward (the part its centre lies in)


def _keywords(keywords: list[str]) -> tuple[str, ...]:
    """The library's keywords, and their folded forms: its accented ones ("xãbìnhthạnh")
    tell apart names that fold alike; typed words are compared folded."""
    return tuple(dict.fromkeys([*keywords, *(fold(k).replace(" ", "") for k in keywords)]))


def _same_name(a: str, b: str) -> bool:
    return [accent_key(w) for w in a.split()] == [accent_key(w) for w in b.split()]


class LegacyMap:
    def __init__(self) -> None:
        # The library loads its JSON at import; its parser modules hold the tables.
        from vietnamadminunits.converter import converter_2025
        from vietnamadminunits.parser import parser_from_2025, parser_legacy

        self._parser = parser_legacy
        self.provinces: dict[str, FormerProvince] = {
            k: FormerProvince(k, v["province"], v["provinceShort"], _keywords(v["provinceKeywords"]))
            for k, v in parser_legacy.DICT_PROVINCE.items()}
        self.districts: dict[tuple[str, str], FormerDistrict] = {}
        self._district_keywords(parser_legacy)
        self.wards: dict[str, FormerWard] = {}
        self.by_code: dict[str, FormerWard] = {}
        self.by_district: dict[tuple[str, str], list[FormerWard]] = defaultdict(list)
        self.by_keyword: dict[str, list[FormerWard]] = defaultdict(list)
        for table in _WARD_TABLES:
            for p, districts in getattr(parser_legacy, table).items():
                for d, wards in districts.items():
                    for w, v in wards.items():
                        self._add_ward(p, d, w, v)
        # New provinces: the library's key ↔ the official code, and what they were formed from.
        self.new_province_code = {k: int(v["provinceCode"]) for k, v in parser_from_2025.DICT_PROVINCE.items()}
        self.formed_from_provinces: dict[int, list[FormerProvince]] = {
            self.new_province_code[k]: [self.provinces[o] for o in olds]
            for k, olds in converter_2025.DICT_PROVINCE.items()}
        self._join_new_wards(parser_from_2025)
        self.forward: dict[str, list[NewPlace]] = {}
        self.reverse: dict[int, list[tuple[FormerWard, bool]]] = defaultdict(list)
        self._mapping(converter_2025)

    # -- reading the library's tables

    def _district_keywords(self, lib: ModuleType) -> None:
        extra: dict[tuple[str, str], list[str]] = defaultdict(list)
        for d, v in lib.DICT_UNIQUE_DISTRICT_PROVINCE.items():
            extra[(v["provinceKey"], d)] += v["districtKeywords"]
        for p, groups in lib.DICT_PROVINCE_DISTRICT_DIVIDED.items():
            for group in groups.values():
                for d in group["districts"]:
                    extra[(p, d)] += group["dividedDistrictKeywords"]
        for p, districts in lib.DICT_PROVINCE_DISTRICT.items():
            for d, v in districts.items():
                keywords = _keywords(v["districtKeywords"] + extra[(p, d)])
                self.districts[(p, d)] = FormerDistrict(d, v["district"], v["districtType"], self.provinces[p],
                                                        keywords)

    def _add_ward(self, p: str, d: str, w: str, v: dict) -> None:
        district = self.districts.get((p, d))
        key = f"{p}_{d}_{w}"
        if district is None or key in self.wards or not isinstance(v["ward"], str):
            return  # (an island district without wards has a NaN row)
        ward = FormerWard(w, v["ward"], str(v["wardCode"]), district, _keywords(v["wardKeywords"]))
        self.wards[key] = ward
        self.by_code.setdefault(ward.code, ward)
        self.by_district[(p, d)].append(ward)
        for keyword in ward.keywords:
            self.by_keyword[keyword].append(ward)

    def _join_new_wards(self, lib: ModuleType) -> None:
        """The library's new wards are joined to the official list by name within the
        province (its codes follow an earlier draft for about a hundred units)."""
        self.new_wards: dict[tuple[str, str], official.OfficialWard] = {}
        for table in _NEW_WARD_TABLES:
            for p, wards in getattr(lib, table).items():
                code = self.new_province_code[p]
                listed = official.wards(code)
                by_fold: dict[str, list[official.OfficialWard]] = defaultdict(list)
                for o in listed:
                    by_fold[fold(o.name)].append(o)
                for w, v in wards.items():
                    if (p, w) in self.new_wards:
                        continue
                    same = by_fold.get(fold(v["ward"]), [])
                    found = (next((o for o in same if _same_name(o.name, v["ward"])), None)
                             or next((o for o in same if o.code == int(v["wardCode"])), None)
                             or (same[0] if same else None)
                             or next((o for o in listed if o.code == int(v["wardCode"])), None))
                    if found is not None:
                        self.new_wards[(p, w)] = found

    def _old_ward(self, old_key: str) -> FormerWard | None:
        found = self.wards.get(old_key)
        if found is None:
            p, d, w = old_key.split("_", 2)
            district = self.districts.get((p, d))
            if district is None or w:
                return None
            found = FormerWard("", district.name, district.key, district, ())  # an island district
            self.wards[old_key] = found
        return found

    def _mapping(self, lib: ModuleType) -> None:
        for p, wards in lib.DICT_PROVINCE_WARD_NO_DIVIDED.items():
            for w, olds in wards.items():
                new = self.new_wards.get((p, w))
                for old_key in olds:
                    old = self._old_ward(old_key)
                    if new is None or old is None:
                        continue
                    self.forward[old_key] = [NewPlace(new, whole=True, default=True)]
                    self.reverse[new.code].append((old, True))
        for p, divided in lib.DICT_PROVINCE_WARD_DIVIDED.items():
            for old_key, parts in divided.items():
                old = self._old_ward(old_key)
                places = [NewPlace(self.new_wards[(p, part["newWardKey"])], whole=False,
                                   default=bool(part["isDefaultNewWard"]))
                          for part in parts if (p, part["newWardKey"]) in self.new_wards]
                if old is None or not places:
                    continue
                self.forward[old_key] = sorted(places, key=lambda x: not x.default)
                for place in places:
                    self.reverse[place.ward.code].append((old, False))

    # -- questions

    def new_of(self, ward: FormerWard) -> list[NewPlace]:
        return self.forward.get(ward.old_key, [])

    def former_provinces(self, province_code: int) -> list[FormerProvince]:
        return self.formed_from_provinces.get(province_code, [])

    def districts_of(self, province: FormerProvince) -> list[FormerDistrict]:
        return [d for (p, _), d in self.districts.items() if p == province.key]

    def wards_of(self, district: FormerDistrict) -> list[FormerWard]:
        return self.by_district.get((district.province.key, district.key), [])

    def parse(self, text: str) -> Any:
        """The library's parser on an old address (no street: no geocoding, ever)."""
        return self._parser.parse_address_legacy(text, keep_street=False, level=3)


@lru_cache(maxsize=1)
def legacy_map() -> LegacyMap:
    return LegacyMap()

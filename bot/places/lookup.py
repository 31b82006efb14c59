"""An old address → the ward or commune it belongs to since 1 July 2025.

`AddressBook(province_code).lookup(text)` reads an address as people type it
("xa an hiep huyen chau thanh soc trang", "Phường 2, TP Sóc Trăng", "phuong 2"):

1. the library's parser on the text as typed (any of the 63 former provinces);
2. if that finds no ward: the text again with each former province of the pack's
   province added ("Phường 2, TP Sóc Trăng" names no province);
3. a ward's name alone ("xã An Hiệp", "phường 2"), among the former wards of those
   provinces (or of the district found);
4. otherwise a district alone, or the name of a ward as it is today.

Whatever the library's parser finds must also be found as whole words of what was typed
(`words.Typed`): its keyword search runs over the text with the spaces removed and would
otherwise read "thanh niên" as "hn" (Hà Nội). The library's own `convert_address` is not
used: given a street it geocodes over the network; the conversion here reads the same
mapping from its tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bot.content import official
from bot.kernel.text import fold
from bot.places.legacy import FormerDistrict, FormerProvince, FormerWard, NewPlace, legacy_map
from bot.places.words import DISTRICT_TYPES, WARD_TYPES, Typed, type_of

MAX_CHOICES = 8
_REVERSE = re.compile(r"\b(gom|hinh thanh tu|hop thanh tu|sap nhap tu|hop nhat tu|truoc (day|kia)|cu nao"
                      r"|nhung (xa|phuong|don vi)|cac (xa|phuong|don vi) cu)\b")

Kind = Literal["converted", "choices", "too_many", "district", "current", "reverse", "unknown"]


@dataclass(frozen=True)
class Conversion:
    old: FormerWard
    new: tuple[NewPlace, ...]  # the library's pick first when the old ward was split

    @property
    def split(self) -> bool:
        return len(self.new) > 1 or not self.new[0].whole

    @property
    def province(self) -> official.OfficialProvince:
        return official.province(self.new[0].ward.province_code)


@dataclass(frozen=True)
class Lookup:
    kind: Kind
    conversions: tuple[Conversion, ...] = ()  # converted: one; choices: several
    district: FormerDistrict | None = None  # district: a former district named alone
    current: official.OfficialWard | None = None  # current / reverse: a ward named as it is now
    count: int = 0  # too_many: how many former wards have that name

    bare: bool = False  # unknown, and nothing but a question was typed ("địa chỉ mới của tôi?")

    @property
    def found(self) -> bool:
        return self.kind != "unknown"


def _apart(spans: list[tuple[int, int]], others: list[tuple[int, int]]) -> bool:
    """Some span of the one and some of the other cover different words."""
    return any(a_end <= b_start or b_end <= a_start for a_start, a_end in spans for b_start, b_end in others)


def _after_colon(text: str) -> str:
    """"xã tôi sáp nhập vào đâu: Long Phú, Sóc Trăng" → the part after the colon."""
    head, sep, tail = text.rpartition(":")
    return tail if sep and len(tail.split()) >= 1 and head else text


class AddressBook:
    """The look-up for one province's people (any old address converts; the province's
    former provinces are the context for an incomplete one). `province_code=None`: no
    context, full addresses only."""

    def __init__(self, province_code: int | None) -> None:
        self.map = legacy_map()
        self.province = official.province(province_code) if province_code else None
        self.context: list[FormerProvince] = self.map.former_provinces(province_code) if province_code else []
        self.wards = official.wards(province_code) if province_code else ()
        self._names: dict[str, list[official.OfficialWard]] = {}
        for ward in self.wards:
            for name in (ward.name, ward.short_name):
                self._names.setdefault(fold(name).replace(" ", ""), []).append(ward)

    # -- the look-up

    def lookup(self, text: str, district: str | None = None) -> Lookup:
        """`district`: the key of a former district the person already named (`district_key`)."""
        return _cached(self, text[:300], district)

    def _lookup(self, text: str, district_key: str | None) -> Lookup:
        text = _after_colon(text)
        typed = Typed(text)
        if not typed.words:
            return Lookup("unknown")
        current = self._current(typed)
        if current is not None and _REVERSE.search(" ".join(typed.words)):
            return Lookup("reverse", current=current)
        in_district = self.district(district_key) if district_key else None
        wards, named_district, province = self._parsed(text, typed, in_district)
        if not wards:
            wards, count = self._by_name(typed, province, in_district or named_district)
            if count > MAX_CHOICES:
                return Lookup("too_many", count=count, district=in_district or named_district)
        if wards:
            conversions = tuple(Conversion(w, tuple(self.map.new_of(w))) for w in wards if self.map.new_of(w))
            if conversions:
                return Lookup("converted" if len(conversions) == 1 else "choices", conversions)
        if named_district is not None:
            return Lookup("district", district=named_district)
        if current is not None:
            return Lookup("current", current=current)
        return Lookup("unknown", bare=typed.is_bare_question())

    def _parsed(self, text: str, typed: Typed, in_district: FormerDistrict | None
                ) -> tuple[list[FormerWard], FormerDistrict | None, FormerProvince | None]:
        """The library's parser, first on the text alone, then with a province added."""
        if in_district is not None:
            ward, _ = self._verified(f"{text}, {in_district.name}, {in_district.province.name}", typed,
                                     in_district.province, in_district)
            return ([ward] if ward else []), in_district, in_district.province
        ward, district = self._verified(text, typed)
        if ward is not None:
            return [ward], district, district.province if district else None
        typed_provinces = self._typed_provinces(typed)
        found: dict[str, FormerWard] = {}
        for tries in (typed_provinces, [p for p in self.context if p not in typed_provinces]):
            for province in tries:
                w, d = self._verified(f"{text}, {province.name}", typed, province)
                if w is not None:
                    found.setdefault(w.old_key, w)
                district = district or d
            if found:
                break
        return list(found.values()), district, (typed_provinces[0] if typed_provinces else None)

    def _verified(self, text: str, typed: Typed, added: FormerProvince | None = None,
                  in_district: FormerDistrict | None = None) -> tuple[FormerWard | None, FormerDistrict | None]:
        unit = self.map.parse(text)
        if not unit.province_key or (added and unit.province_key != added.key):
            return None, None
        district = self.map.districts.get((unit.province_key, unit.district_key or ""))
        if district is None:
            return None, None
        ward = self.map.wards.get(f"{unit.province_key}_{unit.district_key}_{unit.ward_key or ''}")
        # Each level must be its own words: "Thạnh Hòa" is not Thanh Hóa's ward and province.
        ward_spans = typed.spans(ward.keywords) if ward is not None and ward.key else []
        district_spans = typed.spans(district.keywords)
        if ward_spans and (district == in_district or _apart(ward_spans, district_spans)):
            return ward, district
        province_typed = _apart(typed.spans(district.province.keywords), district_spans)
        if district_spans and (province_typed or any(typed.typed_before(s, DISTRICT_TYPES) for s in district_spans)
                               or (added is not None and any(typed.is_whole(s) for s in district_spans))):
            return None, district
        return None, None

    def _typed_provinces(self, typed: Typed) -> list[FormerProvince]:
        """Former provinces named in whole words, the last named first. (The library's
        parser takes the last keyword in the text without spaces, where "yên thành nghệ
        an" holds "hn" before "nghean"; its province is checked, not trusted.)"""
        named = []
        for province in self.map.provinces.values():
            # "xã Thạnh Hòa" names a commune, not Thanh Hóa
            spans = [s for s in typed.spans(province.keywords) if not typed.typed_before(s, WARD_TYPES)]
            if spans:
                named.append((max(end for _, end in spans), province))
        return [p for _, p in sorted(named, key=lambda pair: -pair[0])][:2]

    def _by_name(self, typed: Typed, province: FormerProvince | None, district: FormerDistrict | None
                 ) -> tuple[list[FormerWard], int]:
        """Former wards named with their type ("xã An Hiệp") or alone: in the province
        named, else (or if none there) in the provinces that are the context."""
        found: list[FormerWard] = []
        count = 0
        for allowed in ({province.key} if province else set(), {p.key for p in self.context}):
            if allowed:
                found, count = self._named_in(typed, allowed, district)
                if count:
                    break
        return found, count

    def _named_in(self, typed: Typed, allowed: set[str], district: FormerDistrict | None
                  ) -> tuple[list[FormerWard], int]:
        found: dict[str, FormerWard] = {}
        for run, spans in typed.runs.items():
            for ward in self.map.by_keyword.get(run, ()):
                if ward.province.key not in allowed or (district is not None and ward.district != district):
                    continue
                if any(typed.typed_before(s, (type_of(ward.name),)) or typed.is_whole(s) for s in spans):
                    found.setdefault(ward.old_key, ward)
        wards = sorted(found.values(), key=lambda w: (w.province.name, w.district.name, w.name))
        return (wards if len(wards) <= MAX_CHOICES else []), len(wards)

    def _current(self, typed: Typed) -> official.OfficialWard | None:
        best: tuple[int, official.OfficialWard] | None = None
        for run, spans in typed.runs.items():
            for ward in self._names.get(run, ()):
                for span in spans:
                    if typed.typed_before(span, (type_of(ward.name),)) or typed.is_whole(span):
                        if best is None or span[1] - span[0] > best[0]:
                            best = (span[1] - span[0], ward)
        return best[1] if best else None

    def sample(self) -> Conversion | None:
        """A former ward of the province that went whole into one new ward: the example
        the replies give (a former province with another name than today's first)."""
        provinces = sorted(self.context, key=lambda p: self.province is not None and p.name == self.province.name)
        for province in provinces or list(self.map.provinces.values())[:1]:
            for district in self.map.districts_of(province):
                for ward in self.map.wards_of(district):
                    new = self.map.new_of(ward)
                    if len(new) == 1 and new[0].whole and ward.key:
                        return Conversion(ward, tuple(new))
        return None

    # -- what the buttons carry

    def conversion(self, old_code: str) -> Conversion | None:
        ward = self.map.by_code.get(old_code)
        new = self.map.new_of(ward) if ward else []
        return Conversion(ward, tuple(new)) if ward and new else None

    def district(self, key: str | None) -> FormerDistrict | None:
        province, _, district = (key or "").partition("/")
        return self.map.districts.get((province, district))

    @staticmethod
    def district_key(district: FormerDistrict) -> str:
        return f"{district.province.key}/{district.key}"

    def former_wards(self, district: FormerDistrict) -> list[FormerWard]:
        return self.map.wards_of(district)

    def new_wards_of(self, district: FormerDistrict) -> list[official.OfficialWard]:
        """The wards and communes the district's former wards now belong to."""
        out: dict[int, official.OfficialWard] = {}
        for ward in self.map.wards_of(district):
            for place in self.map.new_of(ward):
                out.setdefault(place.ward.code, place.ward)
        return list(out.values())


@lru_cache(maxsize=2048)
def _cached(book: AddressBook, text: str, district: str | None) -> Lookup:
    return book._lookup(text, district)


@lru_cache(maxsize=16)
def book_for(province_code: int | None) -> AddressBook:
    """One book per province, built once (the library's tables are read at the first)."""
    return AddressBook(province_code)


_CUE = re.compile(r"\b(dia chi|sap nhap|sap xep|nay (la|thuoc)|bay gio (la|thuoc)|doi ten|ten moi|ten cu"
                  r"|gom (nhung|cac)|hinh thanh|thuoc (xa|phuong|tinh|thanh pho) nao)\b")
MAX_OTHER_WORDS = 2


def looks_like_address(text: str, province_code: int | None = None) -> bool:
    """Does the text ask about an administrative unit the look-up resolves: an address
    question ("… sáp nhập vào đâu", "địa chỉ mới", "… gồm những xã nào"), or little else
    than the unit's name? A question that only mentions one ("lịch cắt điện khu vực
    phường 2") is not. For the free-text layer: pass the pack's `province_code` so a ward
    named alone ("xã An Hiệp") counts."""
    found = book_for(province_code).lookup(text)
    if not found.found:
        return False
    typed = Typed(_after_colon(text[:300]))
    if _CUE.search(" ".join(typed.words)):
        return True
    keywords: list[str] = []
    for c in found.conversions:
        keywords += [*c.old.keywords, *c.old.district.keywords, *c.old.province.keywords]
    if found.district is not None:
        keywords += [*found.district.keywords, *found.district.province.keywords]
    if found.current is not None:
        keywords += [fold(found.current.name).replace(" ", ""), fold(found.current.short_name).replace(" ", "")]
    covered = {i for start, end in typed.spans(keywords) for i in range(start, end)}
    if not covered:
        return False
    if "," in text and not typed.other_words(covered | set(range(min(covered)))):
        return True  # "123 Lê Lợi, Phường 2, TP Sóc Trăng": a street, then the units
    return len(typed.other_words(covered)) <= MAX_OTHER_WORDS

"""The 2025 map as a domain service: the official list, old addresses → new wards (real
addresses from several former provinces), the reverse, picking a unit by typed name."""

from __future__ import annotations

import pytest

from bot.content import official
from bot.content.schema import Unit
from bot.places.former import former_names
from bot.places.lookup import book_for, looks_like_address
from bot.places.match import match_units, pick_unit
from bot.places.reverse import formed_from


@pytest.fixture(scope="module")
def book():
    return book_for(92)


def new_of(found) -> list[str]:
    return [p.ward.name for c in found.conversions for p in c.new]


def test_the_official_list_of_can_tho():
    wards = official.wards(92)
    assert len(wards) == 103
    assert sum(w.kind == "xa" for w in wards) == 72 and sum(w.kind == "phuong" for w in wards) == 31
    phu_loi = next(w for w in wards if w.name == "Phường Phú Lợi")
    assert (phu_loi.code, phu_loi.slug, phu_loi.short_name) == (31510, "phuong-phu-loi", "Phú Lợi")
    assert len({w.slug for w in wards}) == 103 and all("  " not in w.name for w in wards)
    assert official.province(92).name == "Thành phố Cần Thơ"
    with pytest.raises(LookupError):
        official.province(94)  # Sóc Trăng's former code


def test_colliding_codenames_get_their_code():
    slugs = [w.slug for w in official.wards(79)]
    assert len(set(slugs)) == len(slugs)
    assert [s for s in slugs if s.startswith("xa-thanh-an")] == ["xa-thanh-an-25807", "xa-thanh-an-27676"]


@pytest.mark.parametrize(("typed", "old", "new", "province"), [
    # Sóc Trăng, as written on papers and as typed on a phone
    ("Phường 2, Thành phố Sóc Trăng, Tỉnh Sóc Trăng", "Phường 2", "Phường Phú Lợi", "Thành phố Cần Thơ"),
    ("Xã An Hiệp, Huyện Châu Thành, Tỉnh Sóc Trăng", "Xã An Hiệp", "Xã An Ninh", "Thành phố Cần Thơ"),
    ("xa an hiep huyen chau thanh soc trang", "Xã An Hiệp", "Xã An Ninh", "Thành phố Cần Thơ"),
    # no province: the pack's former provinces are the context
    ("Phường 2, TP Sóc Trăng", "Phường 2", "Phường Phú Lợi", "Thành phố Cần Thơ"),
    ("phuong 2 soc trang", "Phường 2", "Phường Phú Lợi", "Thành phố Cần Thơ"),
    # Hậu Giang and the former Cần Thơ
    ("Xã Vị Tân, thành phố Vị Thanh, Hậu Giang", "Xã Vị Tân", "Phường Vị Tân", "Thành phố Cần Thơ"),
    ("Phường An Hòa, Quận Ninh Kiều, Cần Thơ", "Phường An Hòa", "Phường Cái Khế", "Thành phố Cần Thơ"),
    # other provinces convert too
    ("Phường Phúc Xá, Quận Ba Đình, Hà Nội", "Phường Phúc Xá", "Phường Hồng Hà", "Thành phố Hà Nội"),
    ("Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh", "Phường Bến Nghé", "Phường Sài Gòn", "Thành phố Hồ Chí Minh"),
])
def test_old_addresses_convert(book, typed, old, new, province):
    found = book.lookup(typed)
    assert found.kind == "converted", (typed, found)
    [conversion] = found.conversions
    assert conversion.old.name == old
    assert conversion.new[0].ward.name == new and conversion.province.name == province


def test_a_split_ward_lists_every_part_with_the_librarys_pick_first(book):
    found = book.lookup("Xã Tân Thạnh, Huyện Thới Lai, Cần Thơ")
    [conversion] = found.conversions
    assert conversion.split and new_of(found) == ["Xã Trường Thành", "Xã Tân Thạnh"]
    assert [p.default for p in conversion.new] == [True, False]


def test_a_question_around_the_address(book):
    found = book.lookup("xã tôi sáp nhập vào đâu: Long Phú, Sóc Trăng")
    assert found.kind == "district" and found.district.name == "Huyện Long Phú"
    assert "Xã Long Phú" in [w.name for w in book.new_wards_of(found.district)]
    # …and the ward typed next, with the district kept as context
    then = book.lookup("xa long duc", district=book.district_key(found.district))
    assert then.kind == "converted" and then.conversions[0].old.district.name == "Huyện Long Phú"


def test_ward_named_alone(book):
    assert new_of(book.lookup("xa an hiep")) == ["Xã An Ninh"]
    found = book.lookup("Phường 2")  # three towns of Sóc Trăng had a Phường 2
    assert found.kind == "choices"
    assert {c.old.district.name for c in found.conversions} == {
        "Thành phố Sóc Trăng", "Thị xã Ngã Năm", "Thị xã Vĩnh Châu"}
    assert book.lookup("Phường IV, thành phố Vị Thanh, Hậu Giang").kind == "converted"


def test_current_names_and_the_reverse(book):
    assert book.lookup("phu loi").current.name == "Phường Phú Lợi"
    assert book.lookup("P. Phú Lợi").kind == "current"  # not "Xã Phương Phú", which folds alike
    found = book.lookup("Phường Phú Lợi gồm những phường xã cũ nào")
    assert found.kind == "reverse" and found.current.code == 31510
    parts = formed_from(31510)
    assert [(p.ward.name, p.ward.district.name, p.whole) for p in parts] == [
        (f"Phường {n}", "Thành phố Sóc Trăng", True) for n in (1, 2, 3, 4)]
    partial = formed_from(next(w.code for w in official.wards(92) if w.name == "Xã Trường Thành"))
    assert ("Xã Tân Thạnh", False) in [(p.ward.name, p.whole) for p in partial]


@pytest.mark.parametrize("text", [
    "dịch vụ công trực tuyến là gì",  # "là gì" is also Thị xã La Gi, Bình Thuận
    "tôi muốn hỏi về thanh niên",  # "hn" (Hà Nội) inside "thanhnien"
    "đăng ký kết hôn ở xã là gì",
    "giá vàng hôm nay",
    "địa chỉ mới của tôi là gì?",
    "",
])
def test_what_is_not_an_address(book, text):
    assert book.lookup(text).kind == "unknown"
    assert not looks_like_address(text, 92)


def test_looks_like_address():
    assert looks_like_address("Phường 2, TP Sóc Trăng", 92)
    assert looks_like_address("xa an hiep", 92)
    assert looks_like_address("Phường Phú Lợi gồm những phường nào", 92)
    # Without the pack's province only a full address counts.
    assert looks_like_address("Phường Phúc Xá, Quận Ba Đình, Hà Nội")
    assert not looks_like_address("xa an hiep")


def test_too_many_asks_for_the_district():
    found = book_for(79).lookup("phường 2")  # every district of the former Saigon had one
    assert found.kind == "too_many" and found.count > 8


def test_former_names_are_provinces_and_districts_now_in_the_city():
    names = former_names(92)
    assert {n.name for n in names if n.level == "province"} == {"Tỉnh Sóc Trăng", "Tỉnh Hậu Giang"}
    districts = {(n.name, n.province) for n in names if n.level == "district"}
    assert len(districts) == 11 + 8 + 9
    assert {("Huyện Châu Thành", "Tỉnh Sóc Trăng"), ("Huyện Châu Thành", "Tỉnh Hậu Giang"),
            ("Thành phố Sóc Trăng", "Tỉnh Sóc Trăng"), ("Quận Ninh Kiều", "Thành phố Cần Thơ"),
            ("Thị xã Long Mỹ", "Tỉnh Hậu Giang")} <= districts
    assert next(n for n in names if n.name == "Thị xã Ngã Năm").short == "Ngã Năm"
    assert {n.kind for n in names} == {"Tỉnh", "Thành phố", "Huyện", "Quận", "Thị xã"}


UNITS = [Unit(id="so-tu-phap", name="Sở Tư pháp", aliases=["tư pháp"], kind="so"),
         Unit(id="so-noi-vu", name="Sở Nội vụ", kind="so"),
         *[Unit(id=w.slug, name=w.name, aliases=[w.short_name], kind=w.kind, code=w.code)
           for w in official.wards(92)]]


@pytest.mark.parametrize(("typed", "chosen"), [
    ("phu loi", "Phường Phú Lợi"), ("Phường Phú Lợi", "Phường Phú Lợi"), ("P. Phú Lợi", "Phường Phú Lợi"),
    ("xa an ninh", "Xã An Ninh"), ("so tu phap", "Sở Tư pháp"), ("TƯ PHÁP", "Sở Tư pháp"),
])
def test_picking_a_unit_by_its_name(book, typed, chosen):
    assert pick_unit(UNITS, typed, book).chosen.name == chosen


def test_picking_a_ward_by_its_former_name_offers_the_ward_now(book):
    found = pick_unit(UNITS, "phuong 2 soc trang", book)
    assert found.chosen is None and found.offered[0].name == "Phường Phú Lợi"
    assert found.conversions[0].old.name == "Phường 2"
    several = pick_unit(UNITS, "phường 2", book)
    assert {"Phường Phú Lợi", "Phường Ngã Năm", "Phường Vĩnh Châu"} <= {u.name for u in several.offered}
    assert pick_unit(UNITS, "không có nơi nào như thế", book).offered == []


def test_match_units_exact_alias_and_fuzzy():
    assert match_units(UNITS, "tu phap") == [(UNITS[0], 100.0)]
    assert UNITS[1] in [u for u, _ in match_units(UNITS, "phòng nội vụ")]


def test_every_former_ward_of_the_city_converts(book):
    """All 263 former wards, communes and townships of Sóc Trăng, Hậu Giang and Cần Thơ: as
    written on papers, typed without diacritics, and without the province."""
    from bot.kernel.text import strip_marks
    from bot.places.legacy import legacy_map

    legacy = legacy_map()
    former = [w for p in book.context for d in legacy.districts_of(p) for w in legacy.wards_of(d)]
    assert len(former) == 263
    forms = (lambda w: f"{w.name}, {w.district.name}, {w.province.name}",
             lambda w: strip_marks(f"{w.name} {w.district.name} {w.province.short}").lower(),
             lambda w: f"{w.name}, {w.district.name}")
    for form in forms:
        for ward in former:
            found = book.lookup(form(ward))
            assert ward.old_key in [c.old.old_key for c in found.conversions], (form(ward), found.kind)
            if found.kind == "converted":
                assert found.conversions[0].new == tuple(legacy.new_of(ward))


def test_old_addresses_from_the_whole_country_convert():
    import random

    from bot.places.legacy import legacy_map

    legacy = legacy_map()
    sample = random.Random(3).sample([w for w in legacy.wards.values() if w.key], 400)
    book = book_for(None)
    wrong = [w.old_key for w in sample
             if [c.old.old_key for c in book.lookup(f"{w.name}, {w.district.name}, {w.province.name}").conversions]
             != [w.old_key]]
    assert wrong == []


def test_an_address_with_its_street(book):
    assert new_of(book.lookup("số 5 hẻm 12 đường Trần Hưng Đạo, phường 2, tp soc trang")) == ["Phường Phú Lợi"]
    assert new_of(book.lookup("ấp Hòa Phú, xã An Hiệp, huyện Châu Thành, tỉnh Sóc Trăng")) == ["Xã An Ninh"]
    assert looks_like_address("123 Lê Lợi, Phường 2, TP Sóc Trăng", 92)


def test_questions_that_only_mention_a_ward_are_not_address_questions():
    """No question of the FAQ evaluation and development sets reads as an address question,
    though some name a ward ("lịch cắt điện khu vực phường 2")."""
    import yaml

    from tests.conftest import ROOT

    queries = [q["q"] for name in ("faq_eval.yaml", "faq_dev.yaml")
               for q in yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))["queries"]]
    assert len(queries) > 600
    assert [q for q in queries if looks_like_address(q, 92)] == []
    assert book_for(92).lookup("lich cat dien khu vuc phuong 2").found  # it does name one
    assert looks_like_address("địa chỉ mới của xã An Hiệp là gì", 92)
    assert looks_like_address("nhà tôi ở xã An Hiệp huyện Châu Thành", 92)


def test_bench_prints_its_figures(capsys):
    """`cchc-bot places bench` prints start-up and per-query times (speed is read from the
    figures, never asserted in a timed test)."""
    import os
    import re

    from bot.cli import main

    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        assert main(["places", "bench", "--rounds", "1", "--national", "20"]) == 0
    finally:
        if affinity:
            os.sched_setaffinity(0, affinity)  # the bench pins itself to one core
    out = capsys.readouterr().out
    assert "Thành phố Cần Thơ (mã 92)" in out and re.search(r"khởi động .*: \d+ ms", out)
    rows = [line for line in out.splitlines() if line.endswith(" ms") and "khởi động" not in line]
    assert len(rows) == 7, out
    assert re.search(r"xã, phường hiện nay\s+103\s+103(\s+[\d.]+ ms){4}$", rows[0]), rows[0]

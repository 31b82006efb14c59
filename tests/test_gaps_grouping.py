"""Content gaps without a database: personal data masked in what is logged, questions
grouped by similarity, the periods, and phrasings written into a pack file."""

from __future__ import annotations

import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.content.phrasings import PhrasingError, add_phrasings
from bot.db.models_gaps import GapState
from bot.faq.gap_groups import Asked, Forms, GapGroup, Mark, group, group_id, phrasings
from bot.faq.gaps import GapError, logged_question, window
from bot.kernel.personal import MASKED, redact
from tests.conftest import CONTENT_DIR

ABBREVIATIONS = yaml.safe_load((CONTENT_DIR / "abbreviations.yaml").read_text(encoding="utf-8"))["abbreviations"]
T0 = datetime(2026, 7, 1, 3, 0, tzinfo=UTC)


# --- masking ----------------------------------------------------------------------------

@pytest.mark.parametrize("typed, secret", [
    ("Số điện thoại 0912 345 678 của tôi đổi rồi", "345 678"),
    ("sdt 0912.345.678 gọi lại giúp", "0912.345.678"),
    ("+84 912345678 không nghe máy", "912345678"),
    ("CCCD 079123456789 bị sai ngày sinh", "079123456789"),
    ("số cmnd cũ 361234567 còn dùng được không", "361234567"),
    ("gửi vào email nguyen.van.a@gmail.com giúp em", "gmail"),
    ("xe 65A-123.45 bị phạt nguội", "123.45"),
    ("biển số 59-X1 234.56 sang tên thế nào", "234.56"),
    ("bien so 51f12345 dang ky o dau", "51f12345"),
    ("nhà tôi ở số nhà 12 đường Lê Lợi muốn tách hộ", "12"),
    ("tôi ở 45/3 Trần Hưng Đạo, làm tạm trú", "45/3"),
    ("12 Nguyễn Trãi phường Sóc Trăng đăng ký thường trú", "12"),
    ("dia chi 27 hem 5 ly thuong kiet", "27"),
])
def test_personal_data_is_masked_and_the_rest_kept_as_typed(typed, secret):
    masked = redact(typed)
    assert secret not in masked and MASKED in masked
    kept = [w for w in typed.split() if not any(c.isdigit() for c in w) and "@" not in w]
    assert all(w in masked for w in kept), masked  # diacritics and words untouched


@pytest.mark.parametrize("typed", [
    "Điều 5 Luật Cư trú nói gì",
    "năm 2024 có đổi căn cước không",
    "phường 3 Sóc Trăng nay là phường nào",
    "Nghị định 123/2024/NĐ-CP quy định gì",
    "làm căn cước cho bé 10 tuổi",
    "ngày 12/3 Tôi nộp hồ sơ rồi",
    "lệ phí 50.000 đồng đúng không",
])
def test_numbers_that_identify_nobody_stay(typed):
    assert redact(typed) == typed


def test_the_logged_question_is_one_masked_line_of_at_most_255_characters():
    assert logged_question("  Cho hỏi\n\nsđt 0987654321  đổi   thế nào?  ") == f"Cho hỏi sđt {MASKED} đổi thế nào?"
    long = logged_question("đăng ký thường trú " * 40)
    assert len(long) <= 255 and long.endswith("…") and long.startswith("đăng ký thường trú")


# --- grouping ---------------------------------------------------------------------------

def asked(*texts: str, person: str | None = None, at: datetime = T0) -> list[Asked]:
    return [Asked(t, person or f"p{i}", 1, 0, at + timedelta(minutes=i), at + timedelta(minutes=i))
            for i, t in enumerate(texts)]


GOLD = "Giá vàng hôm nay bao nhiêu?"
PERMIT = ["Cấp giấy phép xây dựng nhà ở cần gì?", "cap giay phep xay dung nha o can gi",
          "xin giấy phép xây dưng cần những gì ạ", "giay phep xay dung can giay to gi vay ad"]
WEATHER = ["thời tiết ngày mai thế nào", "thoi tiet ngay mai", "Thời tiết mai ra sao?"]
BIRTH = ["lam giay khai sihn cho con o dau", "Làm giấy khai sinh cho con ở đâu?"]


def test_wordings_of_one_question_group_together_and_others_stay_apart():
    texts = [GOLD, "gia vang hom nay bao nhieu", "Cho hỏi giá vàng hôm nay ạ", "giá vàng hnay bao nhiu",
             *PERMIT, *WEATHER, *BIRTH,
             # close in letters or words, but other questions:
             "giá xăng hôm nay", "đăng ký kết hôn ở đâu", "đăng ký khai sinh ở đâu",
             "lệ phí làm hộ chiếu", "lệ phí làm căn cước", "đăng ký xe máy", "đăng ký xe ô tô"]
    groups = group(asked(*texts), {}, Forms(ABBREVIATIONS))
    by_text = {w.text: g for g in groups for w in g.wordings}
    assert set(by_text) == set(texts)
    gold = by_text[GOLD]
    assert {w.text for w in gold.wordings} == {GOLD, "gia vang hom nay bao nhieu", "Cho hỏi giá vàng hôm nay ạ",
                                               "giá vàng hnay bao nhiu"}
    assert {w.text for w in by_text[PERMIT[0]].wordings} == set(PERMIT)
    assert {w.text for w in by_text[WEATHER[0]].wordings} == set(WEATHER)
    assert {w.text for w in by_text[BIRTH[0]].wordings} == set(BIRTH)  # "sihn": a typo
    for other in ["giá xăng hôm nay", "đăng ký kết hôn ở đâu", "đăng ký khai sinh ở đâu", "lệ phí làm hộ chiếu",
                  "lệ phí làm căn cước", "đăng ký xe máy", "đăng ký xe ô tô"]:
        assert [w.text for w in by_text[other].wordings] == [other]
    assert len(groups) == 4 + 7


def test_a_group_counts_people_and_times_and_shows_a_wording_typed_with_diacritics():
    rows = [Asked("gia vang hom nay", "a", 3, 1, T0, T0 + timedelta(days=2)),
            Asked("gia vang hom nay", "b", 1, 0, T0 + timedelta(days=1), T0 + timedelta(days=1)),
            Asked("Giá vàng hôm nay?", "a", 1, 0, T0 - timedelta(days=1), T0 - timedelta(days=1))]
    [g] = group(rows, {}, Forms(ABBREVIATIONS))
    assert (g.count, g.people, g.suggested) == (5, 2, 1)
    assert (g.first_seen, g.last_seen) == (T0 - timedelta(days=1), T0 + timedelta(days=2))
    assert g.question == "Giá vàng hôm nay?"  # fewer asked it so, but it reads as typed Vietnamese
    assert [(w.text, w.count) for w in g.wordings] == [("gia vang hom nay", 4), ("Giá vàng hôm nay?", 1)]


def test_group_ids_do_not_depend_on_the_order_rows_come_in_and_name_a_form():
    texts = [GOLD, GOLD, "gia vang hom nay", *PERMIT, *PERMIT[:2], *WEATHER, *BIRTH]
    rows = asked(*texts)
    first = {g.id: sorted(w.text for w in g.wordings) for g in group(rows, {}, Forms(ABBREVIATIONS))}
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        again = {g.id: sorted(w.text for w in g.wordings) for g in group(shuffled, {}, Forms(ABBREVIATIONS))}
        assert again == first
    gold = next(g for g in group(rows, {}, Forms(ABBREVIATIONS)) if GOLD in {w.text for w in g.wordings})
    assert gold.id == group_id(gold.representative) == group_id(Forms(ABBREVIATIONS).form(GOLD))


def _mark(g: GapGroup, state: GapState, at: datetime = T0 + timedelta(days=1)) -> dict[str, Mark]:
    return {f: Mark(state, g.id, g.representative, at) for f in g.forms}


def test_marked_groups_keep_their_id_and_new_wordings_join_them():
    forms = Forms(ABBREVIATIONS)
    [permit] = group(asked(*PERMIT[:2]), {}, forms)
    marks = _mark(permit, GapState.TO_WRITE)
    # Later, other wordings are asked more than the marked ones: the group keeps its id.
    later = asked(*PERMIT[2:], *PERMIT[2:], "giấy phép xây dựng nhà ở", at=T0 + timedelta(days=3))
    [again] = group(asked(*PERMIT[:2]) + later, marks, forms)
    assert again.id == permit.id and again.mark is not None and again.mark.state == GapState.TO_WRITE
    assert again.count == 7 and again.listed
    # Only the new wordings asked: still that group.
    [only_new] = group(later, marks, forms)
    assert only_new.id == permit.id and only_new.listed


def test_ignored_groups_stay_hidden_when_asked_again_in_any_words():
    forms = Forms(ABBREVIATIONS)
    [weather] = group(asked(*WEATHER[:2]), {}, forms)
    marks = _mark(weather, GapState.IGNORED)
    groups = group(asked(*WEATHER, "thoi tiet ngay mai", at=T0 + timedelta(days=5)), marks, forms)
    assert [(g.id, g.listed) for g in groups] == [(weather.id, False)]


def test_answered_groups_reopen_only_for_what_is_still_not_answered_after_the_mark():
    forms = Forms(ABBREVIATIONS)
    [birth] = group(asked(*BIRTH), {}, forms)
    marks = _mark(birth, GapState.ANSWERED, at=T0 + timedelta(days=1))
    assert [g.listed for g in group(asked(*BIRTH), marks, forms)] == [False]
    # One wording asked again after the mark, still unanswered: listed again, on its own id.
    again = group(asked(*BIRTH) + asked(BIRTH[0], at=T0 + timedelta(days=2)), marks, forms)
    listed = [g for g in again if g.listed]
    assert len(listed) == 1 and listed[0].mark is None and listed[0].id != birth.id
    assert [w.text for w in listed[0].wordings] == [BIRTH[0]]


def test_phrasings_to_add_are_one_per_form_preferring_diacritics_and_skip_masked_text():
    forms = Forms(ABBREVIATIONS)
    rows = asked("cap giay phep xay dung nha o can gi", "cap giay phep xay dung nha o can gi",
                 "Cấp giấy phép xây dựng nhà ở cần gì?", f"giấy phép xây dựng cho số nhà {MASKED} cần gì",
                 "giay phep xay dung can giay to gi")
    [g] = group(rows, {}, forms)
    known = {forms.form("Giấy phép xây dựng cần giấy tờ gì?")}
    assert phrasings(g, forms, known, limit=10) == ["Cấp giấy phép xây dựng nhà ở cần gì?"]


# --- periods ----------------------------------------------------------------------------

def test_periods():
    now = datetime(2026, 8, 15, 5, 0, tzinfo=UTC)
    assert window(None, now).since == now - timedelta(days=30)
    assert window("7", now).since == window("7d", now).since == now - timedelta(days=7)
    assert (window("all", now).since, window("all", now).until) == (None, None)
    q3 = window("2026Q3", now)
    assert (q3.since, q3.until) == (datetime(2026, 6, 30, 17, tzinfo=UTC), datetime(2026, 9, 30, 17, tzinfo=UTC))
    assert window("2026", now).since == datetime(2025, 12, 31, 17, tzinfo=UTC)
    days = window("2026-07-01..2026-07-31", now)
    assert (days.since, days.until) == (datetime(2026, 6, 30, 17, tzinfo=UTC), datetime(2026, 7, 31, 17, tzinfo=UTC))
    for bad in ("hôm qua", "2026Q7", "2026-07-31..2026-07-01", "x" * 500):
        with pytest.raises(GapError):
            window(bad, now)


# --- the pack file ----------------------------------------------------------------------

def _first_entry_with_block_phrasings(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "phrasings:":
            return next(x.split("id:", 1)[1].strip() for x in reversed(lines[:i]) if x.strip().startswith("- id:"))
    raise AssertionError(f"{path}: no block list of phrasings")


@pytest.mark.parametrize("name", sorted(p.name for p in (CONTENT_DIR / "faq").glob("*.yaml")
                                        if "phrasings:\n" in p.read_text(encoding="utf-8")))
def test_adding_a_phrasing_changes_only_that_line_of_a_shipped_file(tmp_path, name):
    shutil.copytree(CONTENT_DIR / "faq", tmp_path / "faq")
    before = (tmp_path / "faq" / name).read_text(encoding="utf-8").splitlines(keepends=True)
    entry = _first_entry_with_block_phrasings(tmp_path / "faq" / name)
    edit = add_phrasings(tmp_path, entry, ["hỏi thử một cách mới ạ"])
    after = (tmp_path / "faq" / name).read_text(encoding="utf-8").splitlines(keepends=True)
    assert edit.path == tmp_path / "faq" / name and edit.added == ["hỏi thử một cách mới ạ"]
    assert len(after) == len(before) + 1
    added = [line for line in after if line not in before]
    assert len(added) == 1 and added[0].strip() == '- "hỏi thử một cách mới ạ"'
    data = yaml.safe_load("".join(after))
    [e] = [e for e in data["entries"] if e["id"] == entry]
    assert e["phrasings"][-1] == "hỏi thử một cách mới ạ"
    edit.restore()
    assert (tmp_path / "faq" / name).read_text(encoding="utf-8").splitlines(keepends=True) == before


def test_a_flow_list_stays_one_line_while_short_and_an_entry_without_phrasings_gets_one(tmp_path):
    (tmp_path / "faq").mkdir()
    path = tmp_path / "faq" / "a.yaml"
    path.write_text(
        "# Hỏi đáp thử\n"
        "entries:\n"
        "  - id: mot\n"
        "    topic: t  # chủ đề\n"
        "    question: \"Câu một?\"\n"
        "    phrasings: [\"Cách một\"]\n"
        "    answer: |\n"
        "      Trả lời một.\n"
        "  - id: hai\n"
        "    topic: t\n"
        "    question: \"Câu hai?\"\n"
        "    answer: |\n"
        "      Trả lời hai.\n", encoding="utf-8")
    add_phrasings(tmp_path, "mot", ["Cách hai", "Cách một"])
    add_phrasings(tmp_path, "hai", ["hỏi \"hai\" thế nào"])
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Hỏi đáp thử\nentries:\n") and "topic: t  # chủ đề" in text
    assert '    phrasings: ["Cách một", "Cách hai"]\n' in text
    data = yaml.safe_load(text)
    assert data["entries"][1]["phrasings"] == ['hỏi "hai" thế nào']
    assert list(data["entries"][1]) == ["id", "topic", "question", "phrasings", "answer"]
    assert add_phrasings(tmp_path, "mot", ["Cách hai"]).added == []
    with pytest.raises(PhrasingError):
        add_phrasings(tmp_path, "khong-co", ["x"])

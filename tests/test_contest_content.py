"""Question banks and contests as content: the shipped ones are sound, and `content
validate` names every problem in a broken one by file and field."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from bot.cli import main
from bot.content.quiz import refers_to_other_options
from tests.conftest import CONTENT_DIR

VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)


def test_shipped_bank_and_contest(content_store, capsys):
    pack = content_store.pack
    assert pack.banks and sum(len(b.questions) for b in pack.banks) >= 100
    for bank in pack.banks:
        for q in bank.questions:
            assert 2 <= len(q.options) <= 6 and 1 <= q.correct <= len(q.options)
            assert VIETNAMESE.search(q.text) and VIETNAMESE.search(q.explanation), q.id
            assert q.source.strip()
    assert pack.contests
    for contest in pack.contests:
        bank = pack.bank(contest.bank)
        assert bank is not None and len(bank.questions) >= contest.questions_per_attempt
        assert contest.starts_at.utcoffset() is not None
    assert pack.practice is not None and pack.bank(pack.practice.bank) is not None
    assert main(["content", "validate"]) == 0
    assert "ngân hàng câu hỏi thi" in capsys.readouterr().out


def test_options_pointing_at_other_options_are_recognised():
    for option in ["Cả A và B", "Tất cả các phương án trên", "Cả hai phương án đều đúng", "Phương án B",
                   "Cả 1, 2 và 3", "tat ca cac dap an tren"]:
        assert refers_to_other_options(option), option
    for option in ["Sở Nội vụ", "Nghị quyết số 76/NQ-CP ngày 15/7/2021", "Cả nước chung tay vì người nghèo",
                   "Tất cả thủ tục hành chính đủ điều kiện"]:
        assert not refers_to_other_options(option), option


@pytest.fixture
def broken(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _edit(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _errors(capsys, pack_dir) -> str:
    assert main(["--content-dir", str(pack_dir), "content", "validate"]) == 1
    return capsys.readouterr().err


def _bank_file(pack_dir):
    return sorted(p for p in (pack_dir / "quiz").glob("*.yaml") if p.name != "contests.yaml")[0]


def test_bank_errors_are_named(broken, capsys):
    bank = _bank_file(broken)

    def spoil(d):
        qs = d["questions"]
        qs[1]["id"] = qs[0]["id"]                       # duplicate id
        qs[2]["text"] = qs[3]["text"].upper()           # same question twice
        qs[4]["correct"] = 9                            # not an option
        qs[5]["options"] = ["Chỉ một phương án"]         # too few
        qs[6]["options"] = [qs[6]["options"][0]] * 2    # two identical options
        qs[7]["options"][-1] = "Cả A và B"              # would be wrong once shuffled
        qs[7]["correct"] = 1
        qs[8]["difficulty"] = "rat-kho"
        del qs[9]["explanation"]

    _edit(bank, spoil)
    err = _errors(capsys, broken)
    name = f"quiz/{bank.name}"
    assert f"{name}: questions[1].id: mã câu hỏi" in err
    assert f"{name}: questions[2].text: câu hỏi trùng nội dung" in err
    assert f"{name}: questions[4].correct: Value error, đáp án đúng là phương án 9" in err
    assert f"{name}: questions[5].options: List should have at least 2 items" in err
    assert f"{name}: questions[6].options: Value error, có hai phương án giống nhau" in err
    assert f"{name}: questions[7].options[3]: phương án nhắc tới phương án khác" in err
    assert f"{name}: questions[8].difficulty" in err
    assert f"{name}: questions[9].explanation: Field required" in err


def test_fixed_order_allows_options_that_point_at_others(broken, capsys):
    bank = _bank_file(broken)

    def fix(d):
        d["questions"][0]["options"][-1] = "Tất cả các phương án trên"
        d["questions"][0]["fixed_order"] = True

    _edit(bank, fix)
    assert main(["--content-dir", str(broken), "content", "validate"]) == 0


def test_contest_errors_are_named(broken, capsys):
    contests = broken / "quiz" / "contests.yaml"

    def spoil(d):
        first = d["contests"][0]
        d["contests"] += [
            first | {"id": "khong-co-ngan-hang", "bank": "khong-co"},
            first | {"id": "qua-nhieu-cau", "questions_per_attempt": 100},
            first | {"id": "don-vi-la", "units": ["so-noi-vu", "so-khong-ton-tai"]},
            first | {"id": "gio-khong-mui", "starts_at": "2026-11-01T08:00:00"},
            first | {"id": "ket-thuc-truoc", "ends_at": "2026-10-01T08:00:00+07:00"},
            first | {"id": "it-giay", "seconds_per_question": 1},
            first,
        ]

    _edit(contests, spoil)
    bank_size = len(yaml.safe_load(_bank_file(broken).read_text(encoding="utf-8"))["questions"])
    err = _errors(capsys, broken)
    assert "quiz/contests.yaml: contests[1].bank: không có ngân hàng câu hỏi 'khong-co'" in err
    if bank_size < 100:
        assert "quiz/contests.yaml: contests[2].questions_per_attempt: cần 100 câu" in err
    assert "quiz/contests.yaml: contests[3].units[1]: không có đơn vị 'so-khong-ton-tai'" in err
    assert "quiz/contests.yaml: contests[4].starts_at: Input should have timezone info" in err
    assert "quiz/contests.yaml: contests[5].ends_at: Value error, thời điểm kết thúc phải sau" in err
    assert "quiz/contests.yaml: contests[6].seconds_per_question" in err
    assert "quiz/contests.yaml: contests[7].id: mã cuộc thi" in err and "bị trùng" in err


def test_practice_needs_a_real_bank(broken, capsys):
    _edit(broken / "quiz" / "contests.yaml", lambda d: d.update(practice={"bank": "khong-co"}))
    assert "quiz/contests.yaml: practice.bank: không có ngân hàng câu hỏi 'khong-co'" in _errors(capsys, broken)

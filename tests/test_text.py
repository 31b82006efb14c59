"""Vietnamese folding and abbreviation expansion."""

from hypothesis import given
from hypothesis import strategies as st

from bot.kernel.text import expand, fold, tokens


def test_fold_removes_marks_and_d():
    assert fold("Đăng ký KẾT HÔN ở đâu?") == "dang ky ket hon o dau"


def test_old_and_new_tone_placement_fold_equal():
    assert fold("hoà") == fold("hòa") and fold("uỷ ban") == fold("ủy ban")


def test_emoji_and_punctuation_dropped():
    assert fold("🙏 xin chào!!! 😀") == "xin chao"


def test_ambiguous_abbreviation_gives_every_reading():
    table = {"dk": ["được", "đăng ký"], "ko": ["không"]}
    assert expand(tokens("ko dk"), table) == [["khong", "duoc"], ["khong", "dang", "ky"]]


@given(st.text())
def test_fold_is_idempotent_and_ascii(text):
    once = fold(text)
    assert fold(once) == once
    assert once == "" or once.isascii()

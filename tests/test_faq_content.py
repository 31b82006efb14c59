"""The shipped FAQ, guides and abbreviation table: what the issue asks the content to cover."""

from __future__ import annotations

from bot.content.schema import OPERATOR_FILL
from bot.kernel.text import fold

# The eleven procedures of the 2023 contest's experience reports (FACTS.md), as guide ids.
PROCEDURES = {
    "xac-nhan-tinh-trang-hon-nhan", "dang-ky-ket-hon", "dang-ky-khai-tu",
    "lien-thong-khai-sinh-thuong-tru-bhyt", "cap-ban-sao-van-bang-tu-so-goc",
    "cap-phieu-ly-lich-tu-phap", "chung-thuc-ban-sao-tu-ban-chinh", "cap-ho-chieu-pho-thong",
    "sang-ten-xe", "dang-ky-lai-mau-con-dau", "bo-sung-nganh-nghe-cong-ty-tnhh-mtv",
    "gia-han-giay-phep-lao-dong",
}


def test_faq_has_many_entries_with_several_phrasings(content_store):
    faq = content_store.pack.faq
    assert len(faq) >= 80
    assert all(len(e.phrasings) >= 2 for e in faq), [e.id for e in faq if len(e.phrasings) < 2]
    topics = {e.topic for e in faq}
    assert len(topics) >= 6, topics


def test_guides_cover_the_contest_procedures(content_store):
    guides = {g.id: g for g in content_store.pack.guides}
    assert PROCEDURES <= set(guides), PROCEDURES - set(guides)
    for g in guides.values():
        assert g.steps and g.documents and any(
            w for w in (g.where.online, g.where.one_stop, g.where.post)), g.id


def test_no_two_entries_share_a_phrasing(content_store):
    """Two entries asked the same way cannot be told apart by any matcher."""
    seen: dict[str, str] = {}
    pack = content_store.pack
    owners = [(e.id, [e.question, *e.phrasings]) for e in pack.faq]
    owners += [(g.id, [g.title, *g.phrasings]) for g in pack.guides]
    for owner, phrasings in owners:
        for p in phrasings:
            key = fold(p)
            assert seen.setdefault(key, owner) == owner, f"{p!r}: {seen[key]} and {owner}"


def test_abbreviation_table_reads_what_citizens_type(content_store):
    table = {fold(k) for k in content_store.pack.abbreviations}
    assert {"ko", "dc", "j", "ntn", "dvc", "cccd", "hs", "tthc", "dk"} <= table


def test_answers_never_show_the_operator_marker(content_store):
    pack = content_store.pack
    assert not [e.id for e in pack.faq if OPERATOR_FILL in e.answer]

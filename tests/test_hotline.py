"""Hotlines by subject and by agency, with working hours, and a call button where a
phone number is filled in (the shipped pack still waits for the operator's numbers)."""

from __future__ import annotations

import shutil

import pytest
import yaml

from bot.content.schema import OPERATOR_FILL, SUBJECTS, filled
from bot.conversation.conversation import Conversation
from bot.faq.served import AnsweringContent
from tests.conftest import CONTENT_DIR, Chat


async def test_menu_offers_subjects_agencies_filing_and_tracking(chat: Chat, content_store):
    await chat.send("/duongdaynong")
    labels = chat.labels()
    covered = {s for h in content_store.pack.hotlines for s in h.subjects}
    by_subject = [b for b in chat.last[0].all_buttons() if b.payload.startswith("hls:")]
    assert len(by_subject) == len(covered)
    for part in ("Thủ tục hành chính", "Thái độ, tác phong", "Xem theo cơ quan", "Gửi phản ánh", "Tra cứu phản ánh"):
        assert any(part in label for label in labels), part


@pytest.mark.parametrize("subject", SUBJECTS)
async def test_by_subject_lists_the_matching_lines_and_never_a_placeholder(chat: Chat, content_store, subject):
    await chat.press(f"hls:{subject}")
    expected = [h for h in content_store.pack.hotlines if subject in h.subjects]
    for h in content_store.pack.hotlines:
        if not h.national:  # national lines are also offered where a local one has no number
            assert (h.name in chat.text) == (h in expected), h.id
    assert OPERATOR_FILL not in chat.text and "đang cập nhật" not in chat.text
    await chat.tap("Gửi phản ánh")  # files under the same subject
    assert "Bước 2/4" in chat.text


def _pack_with_lines(tmp_path, lines: list[dict]) -> AnsweringContent:
    directory = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, directory)
    (directory / "hotlines.yaml").write_text(yaml.safe_dump({"hotlines": lines}, allow_unicode=True),
                                             encoding="utf-8")
    (directory / "web.yaml").unlink()  # its footer names a line of the shipped list
    return AnsweringContent(directory)


LOCAL = {"id": "so-noi-vu", "name": "Đường dây nóng Sở Nội vụ", "agency": "Sở Nội vụ",
         "subjects": ["thai-do-can-bo", "chung"], "phone": OPERATOR_FILL, "hours": OPERATOR_FILL}
NATIONAL = {"id": "dvc-quoc-gia", "name": "Tổng đài Cổng Dịch vụ công quốc gia", "agency": "Văn phòng Chính phủ",
            "subjects": ["dich-vu-cong-truc-tuyen"], "phone": "1800 0000", "hours": "Giờ hành chính",
            "national": True}


async def test_a_line_without_its_number_is_not_a_dead_end(services, tmp_path):
    services.content = _pack_with_lines(tmp_path, [LOCAL, NATIONAL])
    chat = Chat(Conversation(services))
    await chat.press("hls:thai-do-can-bo")
    text = chat.text
    assert "Đường dây nóng Sở Nội vụ" in text and "chưa được công bố" in text
    assert "bộ phận một cửa" in text and "1800 0000" in text  # the national line is offered instead
    assert OPERATOR_FILL not in text and "đang cập nhật" not in text
    assert [b.phone for r in chat.last for b in r.all_buttons() if b.phone] == ["1800 0000"]
    await chat.tap("Gửi phản ánh")
    assert "Bước 2/4" in chat.text


async def test_a_line_with_only_a_web_page_opens_it(services, tmp_path):
    page = dict(NATIONAL, phone=OPERATOR_FILL, url="https://dichvucong.gov.vn")
    services.content = _pack_with_lines(tmp_path, [page])
    chat = Chat(Conversation(services))
    await chat.press("hls:dich-vu-cong-truc-tuyen")
    assert "Trang hỗ trợ: https://dichvucong.gov.vn" in chat.text
    assert [b.url for r in chat.last for b in r.all_buttons() if b.url] == ["https://dichvucong.gov.vn"]


async def test_by_agency(chat: Chat, content_store):
    await chat.press("hla")
    agencies = list(dict.fromkeys(h.agency for h in content_store.pack.hotlines))
    assert all(any(a == label for label in chat.labels()) for a in agencies)
    agency = "Sở Nội vụ thành phố Cần Thơ"
    await chat.tap(agency)
    names = [h.name for h in content_store.pack.hotlines if h.agency == agency]
    assert len(names) == 2 and all(n in chat.text for n in names)
    # another agency's line never (a national line is offered where a local one has no number yet)
    assert not any(h.name in chat.text for h in content_store.pack.hotlines if h.agency != agency and not h.national)


@pytest.fixture
def pack_with_numbers(tmp_path) -> AnsweringContent:
    directory = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, directory)
    data = yaml.safe_load((directory / "hotlines.yaml").read_text(encoding="utf-8"))
    data["hotlines"][1].update(phone="0299 3 123 456", hours="Giờ hành chính các ngày làm việc")
    (directory / "hotlines.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return AnsweringContent(directory)


async def test_filled_number_is_a_call_button_with_hours(services, pack_with_numbers):
    services.content = pack_with_numbers
    chat = Chat(Conversation(services))
    await chat.press("hls:dich-vu-cong-truc-tuyen")
    assert "0299 3 123 456" in chat.text and "Giờ hành chính các ngày làm việc" in chat.text
    calls = [b for b in chat.last[0].all_buttons() if b.phone]
    expected = [h.phone for h in pack_with_numbers.pack.hotlines
                if "dich-vu-cong-truc-tuyen" in h.subjects and filled(h.phone)]
    assert "0299 3 123 456" in expected
    assert [b.phone for b in calls] == expected and all(b.payload is None for b in calls)

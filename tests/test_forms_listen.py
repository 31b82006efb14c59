"""A question typed in the middle of a form is answered, not swallowed: the answer and
"continue / leave" come in one message, and the form goes on where it was. One test per
form: feedback, contest registration, survey, campaign composer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import staff
from bot.conversation.conversation import Conversation
from bot.db.events import EventKind
from bot.db.models import EngagementEvent, Role
from tests.conftest import Chat
from tests.contest_support import person


def continue_and_leave(chat: Chat, form: str) -> None:
    """The last message answers and offers both ways on."""
    last = chat.last[-1]
    labels = [b.label for b in last.all_buttons()]
    assert any(f"Tiếp tục {form}" in label for label in labels), labels
    assert any("Thoát" in label for label in labels), labels
    assert f"Bạn đang {form} dở dang" in last.text


async def test_feedback_question_at_the_category_step(chat: Chat, services):
    await chat.send("/phananh")
    assert "Bước 1/4" in chat.text
    [reply] = await chat.send("gửi phản ánh qua trợ lý có mất phí không?")
    # answered, or the entry offered: not the form again
    assert "phí" in reply.text.lower() or any("phí" in label for label in chat.labels()), chat.text
    assert "Bước 1/4" not in reply.text
    continue_and_leave(chat, "gửi phản ánh")
    await chat.tap("Tiếp tục gửi phản ánh")
    assert "Bước 1/4" in chat.text
    await chat.tap("Thủ tục hành chính")
    assert "Bước 2/4" in chat.text


async def test_feedback_question_at_the_place_step_then_leave(chat: Chat, services):
    await chat.send("/phananh")
    await chat.tap("Thủ tục hành chính")
    await chat.send("bộ phận một cửa là gì vậy?")
    continue_and_leave(chat, "gửi phản ánh")
    await chat.tap("Thoát")
    assert "hủy" in chat.text.lower() or "huỷ" in chat.text.lower()
    async with services.db.session() as s:
        cancelled = (await s.execute(select(EngagementEvent).where(
            EngagementEvent.kind == EventKind.FEEDBACK_CANCELLED))).scalars().all()
    assert [e.outcome for e in cancelled] == ["place"]
    await chat.send("Bước 3")  # the form is gone: free text is a question again
    assert "Bước 3/4" not in chat.text


async def test_feedback_question_at_the_consent_step(chat: Chat):
    await chat.send("/phananh")
    await chat.tap("Thủ tục hành chính")
    await chat.send("Bộ phận một cửa xã An Ninh")
    if "Bước 3/4" not in chat.text:  # the ward it names is offered to confirm
        await chat.tap("Xã An Ninh")
    await chat.send("Hồ sơ nộp từ tháng trước đến nay quá hẹn mà chưa có kết quả, không ai giải thích lý do.")
    await chat.tap("Xong")
    assert "Bước 4/4" in chat.text
    await chat.send("thông tin của tôi có bị công khai không?")
    continue_and_leave(chat, "gửi phản ánh")
    await chat.tap("Tiếp tục gửi phản ánh")
    assert "Bước 4/4" in chat.text


async def test_contest_registration_question_at_the_name_step(contest_services, cadre: Chat):
    await cadre.press("ctreg:thi-mo")
    assert "Bước 1/3" in cadre.text
    await cadre.send("cuộc thi này thi mấy lần được vậy?")
    continue_and_leave(cadre, "đăng ký dự thi")
    await cadre.tap("Tiếp tục đăng ký dự thi")
    assert "Bước 1/3" in cadre.text
    await cadre.send("Trần Thị Bích Ngọc")
    await cadre.send("so tu phap")
    await cadre.send("làm sao biết mình đúng đơn vị?")
    continue_and_leave(cadre, "đăng ký dự thi")
    await cadre.tap("Tiếp tục")
    assert "Bước 3/3" in cadre.text
    await cadre.send("Chuyên viên")
    await cadre.tap("Xác nhận đăng ký")
    assert "thành công" in cadre.text


async def test_contest_registration_leave_returns_to_the_card(contest_services, cadre: Chat):
    await cadre.press("ctreg:thi-mo")
    await cadre.send("đăng ký rồi có sửa được không?")
    await cadre.tap("Thoát")
    assert "Đã hủy" in cadre.text and "Bạn chưa đăng ký" in cadre.text


async def test_survey_question_on_the_way(chat: Chat, content_store):
    await chat.send("/khaosat")
    assert "Câu 1/" in chat.text
    await chat.send("khảo sát này để làm gì?")
    continue_and_leave(chat, "trả lời khảo sát")
    await chat.tap("Tiếp tục trả lời khảo sát")
    assert "Câu 1/" in chat.text
    await chat.send("1")  # the survey's first option, by its number
    assert "Câu 2/" in chat.text


@pytest.fixture
async def editor(services) -> Chat:
    services.settings = services.settings.model_copy(update={"telegram_bot_token": "1:x"})
    async with services.db.session() as s:
        await staff.grant(s, "telegram", "900000001", Role.EDITOR)
        await s.commit()
    return Chat(Conversation(services), channel="telegram", user_id="900000001")


async def test_campaign_composer_question_at_the_audience_step(editor: Chat):
    await editor.send("/chiendich")
    await editor.tap("Soạn chiến dịch mới")
    await editor.send("Tuần lễ dịch vụ công")
    await editor.send("Mời bà con nộp hồ sơ trực tuyến.")
    assert "gửi cho ai" in editor.text.lower() or "Tất cả" in " ".join(editor.labels())
    await editor.send("chiến dịch là gì vậy?")
    continue_and_leave(editor, "soạn chiến dịch")
    await editor.tap("Tiếp tục soạn chiến dịch")
    assert any("Tất cả" in label for label in editor.labels())


async def test_typing_a_name_is_not_taken_for_a_question(contest_services):
    cadre = person(contest_services, "555")
    await cadre.press("ctreg:thi-mo")
    await cadre.send("Nguyễn Thị Ái")
    assert "Bước 2/3" in cadre.text

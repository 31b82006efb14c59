"""Free text that is not a FAQ question: chit-chat, requests the bot carries out itself
(content/intents.yaml), actions told apart from objects (content/actions.yaml), and the
fallback's way out. Through the conversation core, as a person types."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from bot.conversation.conversation import Conversation
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db.events import EventKind
from bot.db.models import EngagementEvent
from bot.db.session import Database
from bot.faq.served import AnsweringContent
from tests.conftest import Chat, make_faq_pack


async def kinds(services, kind: str) -> list[EngagementEvent]:
    async with services.db.session() as s:
        return list((await s.execute(select(EngagementEvent).where(EngagementEvent.kind == kind))).scalars())


@pytest.mark.parametrize("typed, reply_starts", [
    ("Bái bai", "Tạm biệt"),
    ("bai bai", "Tạm biệt"),
    ("chào ad", "Chào bạn"),
    ("ok cảm ơn nhé", "Không có gì"),
    ("bạn là ai vậy", "Tôi là"),
])
async def test_chit_chat_gets_a_short_friendly_reply_not_an_entry(chat: Chat, services, typed, reply_starts):
    [reply] = await chat.send(typed)
    assert reply.text.startswith(reply_starts), reply.text
    assert reply.answer_id is None
    assert any("Menu" in label for label in chat.labels())
    [event] = await kinds(services, EventKind.INTENT_MATCHED)
    assert event.outcome == "chitchat"


async def test_a_greeting_followed_by_a_question_answers_the_question(chat: Chat):
    [reply] = await chat.send("chào ad, cho em hỏi đăng ký kết hôn cần giấy tờ gì")
    assert not reply.text.startswith("Chào bạn")
    assert "kết hôn" in reply.text.lower()


async def test_wanting_to_file_feedback_offers_the_form_and_the_difference(chat: Chat, services):
    await chat.send("toi muon phan anh ve viec can bo xa gay kho de")
    assert "gửi phản ánh" in chat.text.lower() and "khiếu nại" in chat.text
    assert any("khác nhau thế nào" in label for label in chat.labels())
    await chat.tap("Gửi phản ánh")
    assert "Bước 1/4" in chat.text
    [event] = await kinds(services, EventKind.INTENT_MATCHED)
    assert (event.item, event.outcome) == ("phan-anh", "feedback")


@pytest.mark.parametrize("typed, expect_in_text, expect_button", [
    ("cho xin số tổng đài", "Đường dây nóng", "Tất cả đường dây nóng"),
    ("thông tin liên hệ", "Đường dây nóng", "Tất cả đường dây nóng"),
    ("dang ky nhan tin", "Chọn chủ đề muốn nhận tin", "tất cả tin"),
    ("xóa dữ liệu của tôi", "dữ liệu cá nhân", "Xoá dữ liệu của tôi"),
    ("tra cứu hồ sơ", "tra cứu", "Tra cứu phản ánh"),
    ("menu", "Bạn muốn tìm hiểu gì", "Hỏi đáp"),
])
@pytest.mark.parametrize("channel", ["web", "telegram", "zalo", "terminal"])
async def test_requests_typed_as_free_text_open_their_screen_on_every_channel(
        conversation: Conversation, channel, typed, expect_in_text, expect_button):
    chat = Chat(conversation, channel=channel, user_id="987654321")
    await chat.send(typed)
    assert expect_in_text.lower() in chat.text.lower(), chat.text
    assert any(expect_button in label for label in chat.labels()), chat.labels()


async def test_wanting_the_contest_opens_it(chat: Chat):
    await chat.send("cho tui vô thi trắc nghiệm")
    assert "cuộc thi" in chat.text.lower() or "hội thi" in chat.text.lower()


async def test_fallback_always_offers_the_menu_the_hotline_and_feedback(chat: Chat):
    [reply] = await chat.send("xyzzy qwerty plugh")
    assert reply.answer_id is None
    labels = chat.labels()
    for part in ("Đường dây nóng", "Gửi phản ánh", "Menu chính"):
        assert any(part in label for label in labels), labels
    await chat.tap("Gửi phản ánh")
    assert "Bước 1/4" in chat.text


# Actions told apart from objects, on a small pack of its own so the shipped FAQ can grow.

PASSPORT = {
    "id": "cap-ho-chieu", "title": "Cấp hộ chiếu phổ thông lần đầu",
    "summary": "Công dân xin cấp hộ chiếu phổ thông ở trong nước.",
    "phrasings": ["Làm hộ chiếu ở đâu?", "Thủ tục làm hộ chiếu lần đầu", "Xin cấp hộ chiếu cần gì?",
                  "Làm hộ chiếu mất bao lâu?"],
    "keywords": ["hộ chiếu", "passport"], "agency": "Cơ quan quản lý xuất nhập cảnh",
    "where": {"online": "Cổng Dịch vụ công quốc gia"}, "documents": ["Tờ khai"], "steps": ["Nộp hồ sơ"],
    "fee": "Theo quy định", "processing_time": "Theo quy định", "source": "Luật Xuất cảnh, nhập cảnh 2019",
}


@pytest.fixture(scope="module")
def passport_store(tmp_path_factory) -> AnsweringContent:
    root = make_faq_pack(tmp_path_factory.mktemp("actions") / "content")
    (root / "guides" / "cap-ho-chieu.yaml").write_text(yaml.safe_dump(PASSPORT, allow_unicode=True),
                                                      encoding="utf-8")
    return AnsweringContent(root)


@pytest.fixture
async def passport_chat(settings, passport_store):
    db = Database(settings.database_url)
    yield Chat(Conversation(Services(settings=settings, db=db, content=passport_store, router=build_router())))
    await db.dispose()


@pytest.mark.parametrize("typed", ["làm hộ chiếu ở đâu", "lam ho chieu mat bao lau", "hộ chiếu làm mất bao lâu"])
async def test_the_procedure_it_covers_is_answered(passport_chat: Chat, typed):
    [reply] = await passport_chat.send(typed)
    assert reply.answer_id == "cap-ho-chieu", (typed, passport_chat.text)


@pytest.mark.parametrize("typed", ["Báo mất hộ chiếu ở đâu?", "bao mat ho chieu", "ho chieu bi mat thi lam sao",
                                   "đổi hộ chiếu sang tên mới", "hộ chiếu bị sai thông tin phải sửa thế nào"])
async def test_another_action_on_the_same_object_is_never_answered_with_it(passport_chat: Chat, typed):
    [reply] = await passport_chat.send(typed)
    assert reply.answer_id is None, (typed, reply.text)
    assert "Đường dây nóng" in " ".join(passport_chat.labels())


def test_an_entry_that_names_the_action_covers_it(tmp_path):
    root = make_faq_pack(tmp_path / "content")
    lost = dict(PASSPORT, id="bao-mat-ho-chieu", title="Trình báo mất hộ chiếu",
                phrasings=["Báo mất hộ chiếu ở đâu?", "Hộ chiếu bị mất phải làm gì?"],
                keywords=["mất hộ chiếu"])
    for guide in (PASSPORT, lost):
        (root / "guides" / f"{guide['id']}.yaml").write_text(yaml.safe_dump(guide, allow_unicode=True),
                                                            encoding="utf-8")
    answerer = AnsweringContent(root).answerer
    assert answerer.answer("bao mat ho chieu o dau").best.id == "bao-mat-ho-chieu"
    assert answerer.answer("lam ho chieu o dau").best.id == "cap-ho-chieu"


def test_an_unknown_action_table_is_refused_with_its_file(tmp_path):
    root = make_faq_pack(tmp_path / "content")
    (root / "actions.yaml").write_text("actions:\n  mat: mất\n", encoding="utf-8")
    from bot.content.loader import ContentError, load

    with pytest.raises(ContentError) as raised:
        load(root)
    assert "actions.yaml: actions.mat: phải là danh sách chuỗi" in str(raised.value)


def test_an_intent_must_say_how_it_is_recognised(tmp_path):
    root = make_faq_pack(tmp_path / "content")
    data = yaml.safe_load((root / "intents.yaml").read_text(encoding="utf-8"))
    data["intents"].append({"id": "trong", "action": "hotline"})
    data["intents"].append({"id": "noi-chuyen", "action": "chitchat", "reply": "khong-co-khoa-nay", "whole": ["hí"]})
    (root / "intents.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    from bot.content.loader import ContentError, load

    with pytest.raises(ContentError) as raised:
        load(root)
    text = str(raised.value)
    assert "cần ít nhất một cụm từ" in text and "cần một khóa có trong messages.yaml" in text


def test_shipped_intents_and_actions_load(content_store):
    pack = content_store.pack
    assert {i.action for i in pack.intents} >= {"chitchat", "feedback", "hotline", "subscribe", "contest",
                                                 "track", "erase", "menu"}
    assert {"mat", "cap-lai", "doi", "sua"} <= set(pack.actions)

"""The web chat's conversations — menu, topics, question, guide, hotline, subscribe —
through the Zalo webhook against the local fake of the OA API: signed events in, OA API
messages out, the bot's real Zalo code in between."""

from __future__ import annotations

from sqlalchemy import select

from bot.content.schema import OPERATOR_FILL, filled
from bot.db.models import EngagementEvent, Subscription, User
from bot.db.models_zalo import ZaloContact
from tests.fakes.zalo_api import MAX_BUTTONS, ZaloChat
from tests.zalo.conftest import TEST_PHONE

MENU_LABELS = ["Tin CCHC", "Hỏi đáp", "Tra địa chỉ mới", "Hướng dẫn dịch vụ công", "Đường dây nóng", "Cuộc thi",
               "Đăng ký nhận tin"]


def menu_offered(chat: ZaloChat) -> bool:
    """Every main-menu entry is offered: as a button, or as a numbered line to type."""
    return all(any(part in label for label in chat.labels()) or part in chat.text for part in MENU_LABELS)


async def test_following_the_oa_greets_with_the_menu(zalo_chat: ZaloChat, services):
    await zalo_chat.follow()
    assert "Xin chào" in zalo_chat.text
    assert menu_offered(zalo_chat)
    # Seven menu entries, five buttons at most: the sixth and seventh are numbered lines to type.
    assert len(zalo_chat.buttons()) == MAX_BUTTONS
    assert "6. 🏆 Cuộc thi CCHC" in zalo_chat.text and "7. 🔔 Đăng ký nhận tin" in zalo_chat.text
    async with services.db.session() as s:
        contact = (await s.execute(select(ZaloContact))).scalar_one()
        kinds = (await s.execute(select(EngagementEvent.kind))).scalars().all()
    assert contact.following is True and contact.last_interaction_at is not None
    assert "followed" in kinds and "menu_opened" in kinds


async def test_menu_by_button_and_by_typed_number(zalo_chat: ZaloChat, content_store):
    pack = content_store.pack
    await zalo_chat.send("/start")
    await zalo_chat.tap("Tin CCHC")
    assert pack.topics[0].short_title in zalo_chat.text or any(
        pack.topics[0].short_title in label for label in zalo_chat.labels()
    )
    # Ten topics and the menu: five buttons, the rest numbered as the core numbers them.
    assert len(zalo_chat.buttons()) == MAX_BUTTONS
    topic = pack.topics[7]
    assert f"8. {topic.number}. {topic.short_title}" in zalo_chat.text
    await zalo_chat.send("8")  # typing a listed number picks that topic
    assert topic.title in zalo_chat.text
    await zalo_chat.tap(topic.messages[0].title)
    assert topic.messages[0].text.strip()[:40] in zalo_chat.text
    await zalo_chat.tap("Tin tiếp theo")
    assert topic.messages[1].title in zalo_chat.text


async def test_every_topic_opens_through_zalo(zalo_chat: ZaloChat, content_store):
    for topic in content_store.pack.topics:
        await zalo_chat.send("/tintuc")
        await zalo_chat.send(str(topic.number))
        assert topic.title in zalo_chat.text
        assert all(len(sent.text) <= 2000 and len(sent.buttons) <= MAX_BUTTONS for sent in zalo_chat.last)


async def test_free_text_question_gets_the_answer(zalo_chat: ZaloChat, content_store):
    from bot.kernel.text import strip_marks

    entry = content_store.pack.faq[0]
    await zalo_chat.send(strip_marks(entry.question).lower())  # typed without diacritics
    assert entry.answer.strip()[:40] in zalo_chat.text
    if entry.source:
        assert "Nguồn:" in zalo_chat.text
    await zalo_chat.tap("Menu chính")
    assert menu_offered(zalo_chat)


async def test_guide_opens_from_the_menu(zalo_chat: ZaloChat, content_store):
    guide = content_store.pack.guides[0]
    await zalo_chat.send("/menu")
    await zalo_chat.tap("Hướng dẫn dịch vụ công")
    await zalo_chat.tap(guide.title)
    assert guide.title in zalo_chat.text and "Các bước thực hiện" in zalo_chat.text
    assert OPERATOR_FILL not in zalo_chat.text


async def test_hotline_offers_a_call_button(zalo_chat: ZaloChat, content_store):
    await zalo_chat.send("/duongdaynong")  # the hotline menu: by subject, by agency, all
    await zalo_chat.tap("Tất cả đường dây nóng")
    assert content_store.pack.hotlines[0].name in zalo_chat.text
    assert OPERATOR_FILL not in zalo_chat.text
    calls = [b for b in zalo_chat.buttons() if b["type"] == "oa.open.phone"]
    assert calls[0] == {
        "title": f"📞 Gọi {content_store.pack.hotlines[0].name}"[:100],
        "type": "oa.open.phone",
        "payload": {"phone_code": TEST_PHONE},
    }
    # one call button per line with a number (the shipped national lines have theirs)
    assert len(calls) == sum(1 for h in content_store.pack.hotlines if filled(h.phone))


async def test_subscribe_and_unsubscribe_are_stored(zalo_chat: ZaloChat, services, content_store):
    topic = content_store.pack.topics[1]
    await zalo_chat.send("/dangky")
    await zalo_chat.tap(topic.short_title)
    assert "Đã đăng ký" in zalo_chat.text
    async with services.db.session() as s:
        rows = (await s.execute(select(User.channel, Subscription.topic_id).join(Subscription))).all()
    assert rows == [("zalo", topic.id)]
    await zalo_chat.send("/huydangky")
    assert "ngừng nhận mọi tin" in zalo_chat.text
    async with services.db.session() as s:
        assert (await s.execute(select(Subscription))).first() is None


async def test_buttons_come_back_as_payloads_not_as_typed_text(zalo_chat: ZaloChat, zalo_fake):
    await zalo_chat.send("/start")
    button = next(b for b in zalo_chat.buttons() if "Hỏi đáp" in b["title"])
    assert button["type"] == "oa.query.show" and button["payload"] == "#ask"
    await zalo_chat.tap("Hỏi đáp")
    assert "Mời bạn gõ câu hỏi" in zalo_chat.text
    # A typed text that merely starts with "#" is still a question, not a button.
    await zalo_chat.send("#dichvucong la gi")
    assert "Nút này đã cũ" not in zalo_chat.text and zalo_chat.text

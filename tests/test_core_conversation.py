"""The conversation core through its public seam: `Incoming` in, `Reply`s out."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import staff
from bot.content.schema import OPERATOR_FILL
from bot.conversation.conversation import Conversation
from bot.db.models import EngagementEvent, Role, Subscription, User
from bot.kernel.messages import Incoming
from tests.conftest import Chat

MENU_LABELS = ["Tin CCHC", "Hỏi đáp", "Tra địa chỉ mới", "Hướng dẫn dịch vụ công", "Đường dây nóng", "Cuộc thi",
               "Đăng ký nhận tin"]


async def events(services, kind: str | None = None) -> list[EngagementEvent]:
    async with services.db.session() as s:
        q = select(EngagementEvent).order_by(EngagementEvent.id)
        if kind:
            q = q.where(EngagementEvent.kind == kind)
        return list((await s.execute(q)).scalars())


async def test_start_greets_and_shows_main_menu(chat: Chat):
    replies = await chat.send("/start")
    assert "Xin chào" in replies[0].text
    labels = chat.labels()
    for part in MENU_LABELS:
        assert any(part in label for label in labels), part


async def test_topics_by_button_and_by_number(chat: Chat, content_store):
    pack = content_store.pack
    await chat.send("/start")
    await chat.tap("Tin CCHC")
    assert len(chat.labels()) == len(pack.topics) + 1
    first = pack.topics[0]
    await chat.send("1")  # typing the number picks the first topic
    assert first.title in chat.text
    await chat.tap(first.messages[0].title)
    assert first.messages[0].text.strip()[:40] in chat.text
    if first.messages[0].source:
        assert "Nguồn:" in chat.text
    await chat.tap("Tin tiếp theo")
    assert first.messages[1].title in chat.text


async def test_every_topic_and_message_opens(chat: Chat, content_store):
    for topic in content_store.pack.topics:
        await chat.press(f"topic:{topic.id}")
        assert topic.title in chat.text
        for message in topic.messages:
            await chat.press(f"msg:{message.id}")
            assert message.title in chat.text


async def test_free_text_question_gets_the_faq_answer(chat: Chat, content_store):
    entry = content_store.pack.faq[0]
    replies = await chat.send(entry.question)
    assert replies[0].answer_id == entry.id
    assert entry.answer.strip()[:30] in replies[0].text


async def test_unaccented_question_matches_too(chat: Chat, content_store):
    from bot.kernel.text import strip_marks

    entry = content_store.pack.faq[0]
    replies = await chat.send(strip_marks(entry.question).lower())
    assert replies[0].answer_id == entry.id


async def test_out_of_scope_question_is_honest(chat: Chat):
    replies = await chat.send("cho tôi hỏi công thức nấu phở bò ngon")
    assert replies[-1].answer_id is None
    assert any("Đường dây nóng" in label for label in chat.labels())


async def test_guide_opens_from_menu(chat: Chat, content_store):
    guide = content_store.pack.guides[0]
    await chat.send("/start")
    await chat.tap("Hướng dẫn dịch vụ công")
    await chat.tap(guide.title)
    assert guide.title in chat.text and "Các bước thực hiện" in chat.text
    assert OPERATOR_FILL not in chat.text


async def test_hotline_never_shows_operator_markers(chat: Chat, content_store):
    await chat.press("hotline")
    await chat.tap("Tất cả đường dây nóng")
    assert content_store.pack.hotlines[0].name in chat.text
    assert OPERATOR_FILL not in chat.text


async def test_subscribe_and_unsubscribe_are_stored(chat: Chat, services, content_store):
    topic = content_store.pack.topics[1]
    await chat.send("/dangky")
    await chat.tap(topic.short_title)
    assert "Đã đăng ký" in chat.text
    await chat.send("/dangky")
    assert any(label.startswith("✅") and topic.short_title in label for label in chat.labels())
    async with services.db.session() as s:
        assert (await s.execute(select(Subscription.topic_id))).scalars().all() == [topic.id]
    await chat.send("/huydangky")
    async with services.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Subscription))).scalar() == 0
    kinds = [e.kind for e in await events(services) if e.kind in ("subscribed", "unsubscribed")]
    assert kinds == ["subscribed", "unsubscribed"]


async def test_bad_inputs_get_polite_replies(chat: Chat, conversation: Conversation):
    for text in ["", "   ", "/khonglenhnay", "😀😀😀", "asdkjh qwe zxcmn", "x" * 10_000, "\x00\x01"]:
        replies = await chat.send(text)
        assert replies and all(r.text.strip() for r in replies), text
    for kind in ("sticker", "image", "other"):
        replies = await conversation.handle(Incoming("web", "citizen-0001", kind))
        assert "chữ" in replies[0].text
    replies = await chat.press("khong-co-nut-nay:1")
    assert "Nút này đã cũ" in replies[0].text
    replies = await chat.press("topic:khong-ton-tai")
    assert "không còn" in replies[0].text


async def test_redelivered_update_is_answered_once(conversation: Conversation, services):
    incoming = Incoming("telegram", "42", "text", text="/start", update_key="1001")
    assert await conversation.handle(incoming)
    assert await conversation.handle(incoming) == []
    assert len(await events(services, "message_in")) == 1


async def test_state_survives_a_restart(services, chat: Chat, content_store):
    await chat.press("topics")
    restarted = Chat(Conversation(services), chat.channel, chat.user_id)
    await restarted.send("2")
    assert content_store.pack.topics[1].title in restarted.text


async def test_every_interaction_is_logged_pseudonymously(chat: Chat, services, content_store):
    await chat.send("/start")
    await chat.press(f"topic:{content_store.pack.topics[0].id}")
    logged = await events(services)
    assert [e.kind for e in logged] == ["message_in", "menu_opened", "message_in", "topic_viewed"]
    assert all(e.channel == "web" and e.user_key and chat.user_id not in e.user_key for e in logged)
    assert logged[-1].topic == content_store.pack.topics[0].id


async def test_staff_commands_refuse_citizens_and_serve_staff(chat: Chat, services):
    replies = await chat.send("/thongke")
    assert "chỉ dành cho cán bộ quản trị" in replies[0].text
    async with services.db.session() as s:
        code = await staff.create_invite(s, Role.EDITOR)
        await s.commit()
    replies = await chat.send(f"/kichhoat {code.lower()}")
    assert "biên tập viên" in replies[0].text
    replies = await chat.send("/thongke")
    assert "Hôm nay" in replies[0].text
    other = Chat(chat.conversation, "web", "citizen-0002")
    replies = await other.send(f"/kichhoat {code}")
    assert "không đúng" in replies[0].text  # one-time
    async with services.db.session() as s:
        roles = dict((await s.execute(select(User.channel_user_id, User.role))).all())
    assert roles == {"citizen-0001": "editor", "citizen-0002": "citizen"}

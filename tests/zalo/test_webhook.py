"""The Zalo webhook: only Zalo's signed, recent events get in; each is answered once, after a
fast 200; captured payloads of every kind are read right; nothing in flight is lost at
shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest
from sqlalchemy import func, select

from bot.db.models import EngagementEvent, User
from bot.db.models_zalo import ZaloContact
from tests.fakes.zalo_api import ZaloChat
from tests.zalo.conftest import FIXTURES

UID = "8417213025061394802"  # the user in the captured fixtures


def captured(name: str, fake) -> dict:
    """A captured payload, re-stamped now (the bot refuses stale events) for the fake's app."""
    event = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    event["timestamp"] = str(int(time.time() * 1000))
    event["app_id"] = fake.app_id
    return event


async def count(services, model, *where) -> int:
    async with services.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar()


@pytest.mark.parametrize("forgery", ["other secret", "no signature", "other app", "stale", "edited body"])
async def test_forged_or_replayed_events_are_refused_and_logged(forgery, zalo_bot, zalo_fake, services, caplog):
    event = zalo_fake.message_event(UID, "user_send_text", {"text": "/start"})
    zalo_fake.user(UID).last_interaction = zalo_fake.now()
    kwargs = {}
    if forgery == "other secret":
        kwargs["secret"] = "not-the-oa-secret"
    elif forgery == "no signature":
        kwargs["signature"] = " "
    elif forgery == "other app":
        event["app_id"] = "999"
    elif forgery == "stale":
        event["timestamp"] = str(int((time.time() - 3600) * 1000))
    else:
        body = json.dumps(event, ensure_ascii=False).encode()
        kwargs["signature"] = zalo_fake.signature(body, event)
        event["message"]["text"] = "/dangky"
    with caplog.at_level(logging.WARNING, logger="bot.zalo.channel"):
        assert await zalo_fake.push(event, **kwargs) == [401]
    await zalo_bot.zalo.drain()
    assert zalo_fake.sent == [] and await count(services, User) == 0
    assert any(r.getMessage() == "zalo webhook event rejected" for r in caplog.records)


async def test_garbage_body_gets_400(zalo_bot, zalo_fake):
    for body in (b"not json", b"[1, 2]", '{"a": "\xff"'.encode("latin-1")):
        async with zalo_fake._client.post(zalo_fake.webhook_url, data=body) as resp:
            assert resp.status == 400


async def test_duplicate_delivery_is_answered_once(zalo_chat: ZaloChat, zalo_fake, services):
    await zalo_chat.send("/start", times=3)  # Zalo retried the same event twice
    assert [s.text for s in zalo_chat.last][0].startswith("Xin chào")
    assert len(zalo_chat.last) == 2  # the welcome and the menu, once
    assert await count(services, EngagementEvent, EngagementEvent.kind == "message_in") == 1


async def test_the_200_comes_before_the_answer(zalo_bot, zalo_fake):
    zalo_fake.send_gate = asyncio.Event()  # the OA API is slow today: it answers when we say
    assert await zalo_fake.user_says(UID, "/start") == [200]
    assert zalo_fake.sent == []  # Zalo had its 200 before the answer went out
    zalo_fake.send_gate.set()
    await zalo_bot.zalo.drain()
    assert len(zalo_fake.messages_to(UID)) == 2


async def test_shutdown_finishes_events_in_flight_then_refuses_new_ones(zalo_bot, zalo_fake):
    zalo_fake.send_delay = 0.3
    assert await zalo_fake.user_says(UID, "/start") == [200]
    await zalo_bot.zalo.stop()  # while the answer is still being sent
    assert len(zalo_fake.messages_to(UID)) == 2
    # Stopped, it takes nothing more: Zalo gets a 503 and delivers the event again later.
    assert await zalo_fake.user_says(UID, "/menu") == [503]
    assert len(zalo_fake.messages_to(UID)) == 2


async def test_ten_thousand_characters_get_a_polite_answer(zalo_chat: ZaloChat):
    await zalo_chat.send("dịch vụ công trực tuyến " * 420)  # 10,080 characters
    assert zalo_chat.last and all(0 < len(s.text) <= 2000 for s in zalo_chat.last)


@pytest.mark.parametrize("kind", ["image", "sticker"])
async def test_image_or_sticker_from_the_user_gets_a_polite_answer(kind, zalo_chat: ZaloChat, zalo_fake, services):
    if kind == "image":
        await zalo_chat._after(zalo_fake.user_sends_image(zalo_chat.user_id, "https://example.org/a.jpg", "giấy tờ"))
    else:
        await zalo_chat._after(zalo_fake.user_sends_sticker(zalo_chat.user_id))
    assert "chỉ đọc được tin nhắn chữ" in zalo_chat.text
    assert any("Menu" in label for label in zalo_chat.labels())
    async with services.db.session() as s:
        outcome = (await s.execute(select(EngagementEvent.outcome).where(EngagementEvent.kind == "bad_input"))).scalar()
    assert outcome == kind


@pytest.mark.parametrize(
    "name, answered",
    [
        ("user_send_text", True),
        ("user_send_text_button", True),
        ("user_send_image", True),
        ("user_send_sticker", True),
        ("user_send_location", True),
        ("follow", True),
        ("user_click_chatnow", False),
        ("user_seen_message", False),
        ("oa_send_text", False),
    ],
)
async def test_captured_payloads_are_read_right(name, answered, zalo_bot, zalo_fake, services):
    zalo_fake._interacted(UID)
    assert await zalo_fake.push(captured(name, zalo_fake)) == [200]
    await zalo_bot.zalo.drain()
    assert bool(zalo_fake.messages_to(UID)) is answered
    if name == "user_send_text_button":
        assert "Chọn chủ đề" in zalo_fake.messages_to(UID)[0].text
    interacted = name not in ("user_seen_message", "oa_send_text")
    assert await count(services, ZaloContact, ZaloContact.last_interaction_at.is_not(None)) == int(interacted)


async def test_unfollow_is_recorded_and_not_answered(zalo_bot, zalo_fake, services):
    await zalo_fake.follow(UID)
    await zalo_bot.zalo.drain()
    await zalo_fake.unfollow(UID, times=2)  # Zalo delivered it twice
    await zalo_bot.zalo.drain()
    async with services.db.session() as s:
        contact = (await s.execute(select(ZaloContact))).scalar_one()
        kinds = (await s.execute(select(EngagementEvent.kind).order_by(EngagementEvent.id))).scalars().all()
    assert contact.following is False and contact.unfollowed_at is not None
    assert kinds.count("followed") == 1 and kinds.count("unfollowed") == 1
    assert len(zalo_fake.messages_to(UID)) == 2  # only the greeting after following


async def test_event_stored_by_a_killed_process_is_handled_at_the_next_start(services, zalo_fake):
    """The inbox row is written before the 200; a process killed right after leaves it there."""
    from datetime import timedelta

    from bot.app import BotApp
    from bot.channels import inbox
    from bot.db.models_inbox import WebhookInbox
    from bot.kernel.clock import utcnow

    zalo_fake.user(UID).last_interaction = zalo_fake.now()
    event = zalo_fake.message_event(UID, "user_send_text", {"text": "/start"})
    event["timestamp"] = str(int(time.time() * 1000))
    row_id = await inbox.put(services.db, "zalo", json.dumps(event).encode())
    async with services.db.session() as s:
        (await s.get(WebhookInbox, row_id)).received_at = utcnow() - timedelta(minutes=5)
        await s.commit()
    app = BotApp(services)
    await app.zalo.start()
    await app.zalo.drain()
    await app.zalo.stop()
    assert "Xin chào" in zalo_fake.messages_to(UID)[0].text
    assert await count(services, WebhookInbox) == 0


async def test_every_accepted_event_passes_through_the_inbox_and_leaves_it(zalo_bot, zalo_fake, services):
    from bot.db.models_inbox import WebhookInbox

    zalo_fake.user(UID).last_interaction = zalo_fake.now()
    assert await zalo_fake.push(zalo_fake.message_event(UID, "user_send_text", {"text": "/menu"})) == [200]
    await zalo_bot.zalo.drain()
    assert zalo_fake.messages_to(UID) and await count(services, WebhookInbox) == 0

"""Telegram end to end: the bot's real python-telegram-bot Application against a local
fake of the Bot API, by long polling and by webhook."""

from __future__ import annotations

import socket

import pytest
from aiohttp import ClientSession

from bot.app import BotApp
from tests.fakes.telegram_api import FakeTelegramAPI

CHAT = 6012345678


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_telegram(services, fake: FakeTelegramAPI, **extra):
    services.settings = services.settings.model_copy(update={
        "telegram_bot_token": fake.token,
        "telegram_api_base_url": fake.base_url,
        "telegram_api_base_file_url": fake.base_file_url,
        **extra,
    })
    return BotApp(services)


@pytest.fixture
async def polling(services):
    async with FakeTelegramAPI() as fake:
        app = _with_telegram(services, fake)
        await app.telegram.start()
        yield fake, app
        await app.telegram.stop()


def buttons(message: dict) -> list[dict]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_start_shows_menu_with_inline_keyboard_and_commands(polling):
    fake, app = polling
    fake.push_text(CHAT, "/start")
    welcome, menu = await fake.wait_for_messages(CHAT, 2)
    assert "Xin chào" in welcome["text"]
    labels = [b["text"] for b in buttons(menu)]
    assert any("Tin CCHC" in label for label in labels) and len(labels) == 7
    commands = {c["command"]: c["description"] for c in fake.commands()}
    assert commands["start"] == "Bắt đầu và xem menu chính" and "thongke" not in commands
    assert app.channel_status()["telegram"] == "polling"


async def test_browse_by_button_and_number_then_ask(polling, content_store):
    fake, _ = polling
    pack = content_store.pack
    fake.push_text(CHAT, "/start")
    await fake.wait_for_messages(CHAT, 2)
    fake.push_callback(CHAT, "topics")
    await fake.wait_for(lambda c: c.method == "answerCallbackQuery")
    topics = (await fake.wait_for_messages(CHAT, 3))[-1]
    assert len(buttons(topics)) == len(pack.topics) + 1
    fake.push_text(CHAT, "2")
    topic = (await fake.wait_for_messages(CHAT, 4))[-1]
    assert pack.topics[1].title in topic["text"]
    entry = pack.faq[0]
    fake.push_text(CHAT, entry.question)
    answer = (await fake.wait_for_messages(CHAT, 5))[-1]
    assert entry.answer.strip()[:40] in answer["text"]


async def test_stickers_photos_and_long_text_get_polite_replies(polling):
    fake, _ = polling
    fake.push_sticker(CHAT)
    assert "chữ" in (await fake.wait_for_messages(CHAT, 1))[-1]["text"]
    fake.push_photo(CHAT)
    assert "chữ" in (await fake.wait_for_messages(CHAT, 2))[-1]["text"]
    fake.push_text(CHAT, "dịch vụ công " * 900)
    assert (await fake.wait_for_messages(CHAT, 3))[-1]["text"]


async def test_a_reply_longer_than_telegram_allows_is_split(polling, services):
    from bot.kernel.messages import Reply

    fake, app = polling
    fake.add_chat(CHAT)
    await app.telegram.send(str(CHAT), [Reply("Câu dài. " * 1000)])
    parts = fake.messages_to(CHAT)
    assert len(parts) == 3 and all(len(p["text"]) <= 4096 for p in parts)


async def test_webhook_mode_and_forged_webhooks(services):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with FakeTelegramAPI() as fake:
        app = _with_telegram(services, fake, telegram_webhook_url=url, telegram_webhook_secret="s3cret")
        await app.start("127.0.0.1", port)
        try:
            assert fake.webhook_url == url
            fake.push_text(CHAT, "/start")
            await fake.wait_for_messages(CHAT, 2)
            async with ClientSession() as http:
                forged = await http.post(url, json={"update_id": 1, "message": {}},
                                         headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
                assert forged.status == 401
                health = await (await http.get(f"http://127.0.0.1:{port}/healthz")).json()
            assert health["channels"]["telegram"] == "webhook"
        finally:
            await app.stop()

"""PTB's requests on aiohttp (bot/channels/telegram_http.py): what goes out arrives whole
at the Bot API fake, and each network failure says truthfully whether the message may
have left, which decides between a retry and "uncertain, never resent"."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest
from telegram import Bot

from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_send import TelegramSender
from bot.kernel.messages import Button, Reply
from bot.kernel.sending import BROADCAST, DeliveryError, Uncertain
from tests.fakes.telegram_api import FakeTelegramAPI

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def fake():
    async with FakeTelegramAPI(strict_chats=False) as api:
        yield api


async def test_text_buttons_and_uploads_reach_the_api(fake):
    bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url,
              request=AiohttpRequest(connection_pool_size=4))
    await bot.initialize()
    try:
        sender = TelegramSender(bot)
        await sender.send("700000001", [Reply("Xin chào — thử dấu và emoji 🙂",
                                              buttons=[[Button("Hủy nhận tin", payload="unsub:1")]])])
        sent = fake.calls("sendMessage", ok=True)[-1]
        assert sent.params["text"] == "Xin chào — thử dấu và emoji 🙂"
        assert "unsub:1" in str(sent.params["reply_markup"])
        await bot.send_photo(700000001, photo=b"\x89PNG\r\n\x1a\n" + b"0" * 64, caption="Ảnh")
        photo = fake.calls("sendPhoto", ok=True)[-1]
        assert photo.params["caption"] == "Ảnh" and photo.files["photo"].data.startswith(b"\x89PNG")
    finally:
        await bot.shutdown()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_refused_connection_is_retryable_not_uncertain():
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{free_port()}/bot", request=AiohttpRequest())
    await bot.request.initialize()  # not bot.initialize(): that would call getMe
    try:
        with pytest.raises(DeliveryError) as caught:
            await TelegramSender(bot).send("700000001", [Reply("x")], lane=BROADCAST)
        assert not isinstance(caught.value, Uncertain) and caught.value.transient
    finally:
        await bot.request.shutdown()


@contextlib.asynccontextmanager
async def silent_server():
    """Accepts connections, reads the request, never answers."""
    held = []

    async def handle(reader, writer):
        held.append(writer)
        with contextlib.suppress(Exception):
            await reader.read(65536)
            await asyncio.sleep(30)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_no_answer_after_sending_is_uncertain_and_a_full_pool_is_not():
    async with silent_server() as port:
        request = AiohttpRequest(connection_pool_size=1, read_timeout=0.5, pool_timeout=0.2)
        bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
        await bot.request.initialize()
        sender = TelegramSender(bot)
        try:
            results = await asyncio.gather(
                sender.send("700000001", [Reply("a")], lane=BROADCAST),
                sender.send("700000002", [Reply("b")], lane=BROADCAST), return_exceptions=True)
        finally:
            await bot.request.shutdown()
    # One request went out and got no answer: maybe delivered. The other never got a
    # connection: surely not delivered, safe to retry.
    assert sorted(type(r).__name__ for r in results) == ["DeliveryError", "Uncertain"]

"""Bodies nobody honest sends, posted to every endpoint that takes JSON (the web chat, the
Zalo webhook before its signature is checked, the Telegram webhook): nested thousands deep
(Python's parser would raise RecursionError) → 400 with a short JSON error; larger than
the endpoint takes → 413. One warning each in the log and no traceback; the app answers
the next honest request as before."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer

from bot.app import BotApp
from bot.channels.bodies import MAX_DEPTH
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import ZaloChat

NESTED = ('{"a":' * 8000).encode()  # 40 KB, never closed: the shape of the report
NESTED_CLOSED = ('{"a":' * 8000 + "1" + "}" * 8000).encode()  # 48 KB of valid JSON
JUST_TOO_DEEP = ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).encode()
DEEP_BODIES = [NESTED, NESTED_CLOSED, JUST_TOO_DEEP]
HUGE = b'{"text": "' + b"x" * (2 * 1024 * 1024) + b'"}'  # past the app's own 1 MB bound
LARGE = b'{"text": "' + b"x" * (300 * 1024) + b'"}'  # under 1 MB, past every endpoint's own


async def chunks(body: bytes) -> AsyncIterator[bytes]:
    """Sent chunked: no Content-Length for the server to check first."""
    for start in range(0, len(body), 64 * 1024):
        yield body[start:start + 64 * 1024]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_refused_quietly(caplog, requests: int) -> None:
    """One warning per refused request; nothing with a traceback; no error logged."""
    assert [r for r in caplog.records if r.exc_info] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    refused = [r for r in caplog.records if r.getMessage() == "request body refused"]
    assert len(refused) == requests
    assert all(r.levelno == logging.WARNING for r in refused)


async def post_all(post, headers: dict | None = None) -> list[tuple[int, dict]]:
    """Every hostile body once; (status, JSON body) of each answer."""
    answers = []
    for body in DEEP_BODIES:
        answers.append(await post(data=body, headers=headers))
    for body in (LARGE, HUGE):
        answers.append(await post(data=body, headers=headers))
        answers.append(await post(data=chunks(body), headers=headers))
    out = []
    for resp in answers:
        assert resp.content_type == "application/json", resp.status
        out.append((resp.status, await resp.json()))
    return out


def statuses(answers: list[tuple[int, dict]]) -> list[int]:
    return [status for status, _ in answers]


EXPECTED = [400] * len(DEEP_BODIES) + [413] * 4


# ---------------------------------------------------------------- web chat


@pytest.fixture
async def client(services):
    app = BotApp(services)
    async with TestClient(TestServer(app.web)) as client:
        yield client


async def test_web_chat_refuses_hostile_bodies_and_keeps_answering(client, caplog):
    async def post(**kwargs):
        return await client.post("/api/chat", **kwargs)

    with caplog.at_level(logging.WARNING):
        answers = await post_all(post, {"Content-Type": "application/json"})
    assert statuses(answers) == EXPECTED
    assert all("không hợp lệ" in body["error"] for status, body in answers if status == 400)
    assert all("quá dài" in body["error"] for status, body in answers if status == 413)
    assert_refused_quietly(caplog, len(EXPECTED))
    resp = await client.post("/api/chat", json={"session": "browser-0001", "text": "/start"})
    assert resp.status == 200 and (await resp.json())["replies"]


async def test_web_chat_takes_a_body_nested_as_deep_as_allowed(client):
    deep = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    body = f'{{"session": "browser-0001", "text": "/start", "extra": {deep}}}'.encode()
    resp = await client.post("/api/chat", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 200 and (await resp.json())["replies"]


async def test_web_inbox_refuses_a_cursor_that_is_not_an_id(client):
    for after in ("²", "9" * 30, "-1"):
        resp = await client.get("/api/inbox", params={"session": "browser-0001", "after": after})
        assert resp.status == 400 and "không hợp lệ" in (await resp.json())["error"], after
    resp = await client.get("/api/inbox", params={"session": "browser-0001", "after": "0"})
    assert resp.status == 200 and (await resp.json()) == {"messages": []}


# ---------------------------------------------------------------- Zalo


@pytest.fixture
def zalo_settings(services, zalo_fake):
    access, refresh = zalo_fake.issue_pair()
    services.settings = services.settings.model_copy(update=dict(
        zalo_app_id=zalo_fake.app_id, zalo_app_secret=zalo_fake.app_secret,
        zalo_oa_secret_key=zalo_fake.oa_secret_key, zalo_access_token=access, zalo_refresh_token=refresh,
        zalo_api_base_url=zalo_fake.base_url, zalo_oauth_base_url=zalo_fake.base_url))
    return services


@pytest.fixture
async def zalo_fake():
    from tests.fakes.zalo_api import FakeZaloOA

    fake = FakeZaloOA()
    await fake.start()
    yield fake
    await fake.close()


async def test_zalo_webhook_refuses_hostile_bodies_before_the_signature(zalo_settings, zalo_fake, caplog):
    app = BotApp(zalo_settings)
    port = free_port()
    await app.start("127.0.0.1", port)
    zalo_fake.webhook_url = f"http://127.0.0.1:{port}{zalo_settings.settings.zalo_webhook_path}"
    try:
        async with ClientSession() as http:
            async def post(**kwargs):
                return await http.post(zalo_fake.webhook_url, **kwargs)

            with caplog.at_level(logging.WARNING):
                answers = await post_all(post)  # unsigned: refused before the signature is read
        assert statuses(answers) == EXPECTED
        assert_refused_quietly(caplog, len(EXPECTED))
        assert [r for r in caplog.records if r.getMessage() == "zalo webhook event rejected"] == []
        chat = ZaloChat(zalo_fake, app.zalo)
        await chat.send("/start")
        assert chat.text.startswith("Xin chào")
    finally:
        await app.stop()


# ---------------------------------------------------------------- Telegram


async def test_telegram_webhook_refuses_hostile_bodies(services, caplog):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with FakeTelegramAPI() as fake:
        services.settings = services.settings.model_copy(update={
            "telegram_bot_token": fake.token, "telegram_api_base_url": fake.base_url,
            "telegram_api_base_file_url": fake.base_file_url,
            "telegram_webhook_url": url, "telegram_webhook_secret": "s3cret"})
        app = BotApp(services)
        await app.start("127.0.0.1", port)
        try:
            async with ClientSession() as http:
                async def post(**kwargs):
                    return await http.post(url, **kwargs)

                with caplog.at_level(logging.WARNING):
                    answers = await post_all(post, {"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
            assert statuses(answers) == EXPECTED
            assert_refused_quietly(caplog, len(EXPECTED))
            fake.push_text(6012345678, "/start")
            await fake.wait_for_messages(6012345678, 2)
        finally:
            await app.stop()

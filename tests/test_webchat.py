"""The web chat and health check over real HTTP against the bot's aiohttp app."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import BotApp


@pytest.fixture
async def client(services):
    app = BotApp(services)
    async with TestClient(TestServer(app.web)) as client:
        yield client


async def say(client, **body):
    body.setdefault("session", "browser-0001")
    resp = await client.post("/api/chat", json=body)
    assert resp.status == 200, await resp.text()
    return (await resp.json())["replies"]


async def test_page_is_served(client):
    resp = await client.get("/")
    assert resp.status == 200 and "text/html" in resp.headers["Content-Type"]
    assert "api/chat" in await resp.text()


async def test_menu_buttons_and_question_over_http(client, content_store):
    replies = await say(client, text="/start")
    buttons = [b for r in replies for row in r["buttons"] for b in row]
    topics = next(b for b in buttons if "Tin CCHC" in b["label"])
    replies = await say(client, payload=topics["payload"])
    assert len(replies[0]["buttons"]) == len(content_store.pack.topics) + 1
    entry = content_store.pack.faq[0]
    replies = await say(client, text=entry.question)
    assert replies[0]["answer_id"] == entry.id and replies[0]["score"] >= 80


async def test_same_message_id_is_handled_once(client):
    first = await say(client, text="/start", id="m-1")
    again = await say(client, text="/start", id="m-1")
    assert first and again == []


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"text": "hi"}', b'{"session": "x", "text": "hi"}',
     b'{"session": "browser-0001", "text": 5}', b'{"session": "browser-0001", "id": "../../", "text": "a"}'],
)
async def test_bad_requests_get_a_polite_400(client, body):
    resp = await client.post("/api/chat", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert "không hợp lệ" in (await resp.json())["error"]


async def test_long_message_and_emoji_answered(client):
    replies = await say(client, text="😀" * 50 + " dich vu cong " * 800)
    assert replies and replies[0]["text"]


async def test_healthz_reports_database_and_channels(client, content_store):
    resp = await client.get("/healthz")
    assert resp.status == 200
    body = await resp.json()
    assert body.pop("content") == {"version": content_store.version, "refused": []}
    assert body == {"status": "ok", "database": "ok", "channels": {"web": "ok"}}

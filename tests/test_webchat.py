"""The web chat and health check over real HTTP against the bot's aiohttp app."""

from __future__ import annotations

import re

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
    assert "api/chat" in await page_script(client)


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
    load = body.pop("load")
    assert load["turns"] >= 0 and load["database_round_trips"] >= 1  # the ping at least
    assert body == {"status": "ok", "database": "ok", "channels": {"web": "ok"}}



async def test_inbox_delivers_pushed_messages_in_order_once_per_cursor(client, services):
    inbox = services.senders["web"]
    from bot.kernel.messages import Button, Reply

    view = [[Button("Xem", payload="fbt:PA-2026-000001")]]
    await inbox.send("browser-0001", [Reply("Trả lời phản ánh PA-2026-000001", buttons=view)])
    await inbox.send("browser-0001", [Reply("Đã giải quyết xong")])
    await inbox.send("browser-0002", [Reply("của người khác")])
    resp = await client.get("/api/inbox", params={"session": "browser-0001", "after": "0"})
    assert resp.status == 200
    messages = (await resp.json())["messages"]
    assert [m["replies"][0]["text"] for m in messages] == ["Trả lời phản ánh PA-2026-000001", "Đã giải quyết xong"]
    assert messages[0]["replies"][0]["buttons"] == [[{"label": "Xem", "payload": "fbt:PA-2026-000001"}]]
    later = await client.get("/api/inbox", params={"session": "browser-0001", "after": str(messages[-1]["id"])})
    assert (await later.json())["messages"] == []
    for bad in ({"session": "x", "after": "0"}, {"session": "browser-0001", "after": "-1"},
                {"session": "browser-0001", "after": "9" * 40}, {}):
        assert (await client.get("/api/inbox", params=bad)).status == 400


async def page_script(client) -> str:
    """The page's script, as the page names it."""
    html = await (await client.get("/")).text()
    resp = await client.get("/" + re.search(r'<script src="(static/chat\.js\?v=\w+)"', html).group(1))
    assert resp.status == 200
    return await resp.text()


async def test_page_polls_the_inbox(client):
    script = await page_script(client)
    assert "api/inbox?" in script and "tel:" in script

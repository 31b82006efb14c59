"""Campaigns reach web-chat visitors who subscribed: they are counted in the audience,
the outbox delivers to them through the web sender, and the page finds the campaign in
the conversation (at once over its event stream, and as an unread count on return)."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import BotApp
from scheduler import audience
from scheduler.audience import Audience
from scheduler.delivery.worker import Worker
from scheduler.senders import push_channels
from tests.campaigns.helpers import seed_subscribers, start_campaign, statuses

SESSION = "browser-camp-0001"


@pytest.fixture
async def client(services):
    services.settings = services.settings.model_copy(update={"quiet_hours": "", "broadcast_max_per_day": 0})
    app = BotApp(services)
    async with TestClient(TestServer(app.web)) as client:
        yield client


async def chat(client, message_id: str, **body) -> dict:
    resp = await client.post("/api/chat", json={"session": SESSION, "id": message_id, **body})
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def count(services, who: Audience) -> int:
    async with services.db.session() as s:
        return await audience.count(s, who, push_channels(services.settings))


async def next_message(stream) -> dict:
    while True:
        line = (await asyncio.wait_for(stream.content.readline(), 30)).decode()
        assert line, "the stream ended"
        if line.startswith("data: "):
            return json.loads(line[len("data: "):])


async def test_a_web_visitor_who_subscribes_receives_the_campaign(client, services):
    assert await count(services, Audience()) == 0
    await chat(client, "m1", text="/dangky")
    subscribed = await chat(client, "m2", payload="sub:all")
    assert "đăng ký" in subscribed["replies"][0]["text"].lower()
    assert await count(services, Audience()) == 1
    assert await count(services, Audience("channel", channel="web")) == 1
    assert await count(services, Audience(channel="telegram")) == 0

    seen = subscribed["history_id"]
    stream = await client.get("/api/events", params={"session": SESSION})
    _, broadcast_id = await start_campaign(services, channels=push_channels(services.settings))
    worker = Worker(services.db, services.content, services.settings, services.senders)
    await worker.register()
    await worker.run_once()
    assert await statuses(services.db, broadcast_id) == {"sent": 1}

    message = await next_message(stream)  # the open page gets it at once
    [reply] = message["replies"]
    assert "Tuần lễ dịch vụ công" in reply["text"]
    stream.close()
    resp = await client.get("/api/unread", params={"session": SESSION, "after": str(seen)})
    assert (await resp.json()) == {"count": 1}  # the launcher's badge on return
    page = await (await client.get("/api/history", params={"session": SESSION})).json()
    assert page["messages"][-1]["id"] == message["id"] and page["messages"][-1]["replies"] == [reply]
    # Its one-tap unsubscribe works from the page.
    unsubscribe = next(b for row in reply["buttons"] for b in row if b.get("payload", "").startswith("bcu:"))
    await chat(client, "m3", payload=unsubscribe["payload"])
    assert await count(services, Audience()) == 0


async def test_ten_thousand_web_subscribers_are_queued_once_each(services):
    await seed_subscribers(services.db, 10_000, channel="web")
    assert await count(services, Audience()) == 10_000
    _, broadcast_id = await start_campaign(services, channels=push_channels(services.settings))
    assert await statuses(services.db, broadcast_id) == {"pending": 10_000}

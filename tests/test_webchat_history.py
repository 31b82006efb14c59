"""The web chat's lasting conversation over real HTTP against the bot's aiohttp app: the
history (a reload shows it, pages of 50, retention, erasure), messages sent outside a
turn arriving by server-sent events and by the long poll, the unread count, the limits
on waiting connections, requests from other sites and other bad input."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, insert, select

from bot.app import BotApp
from bot.channels.webhistory import WebHistory
from bot.db.models_web import WebMessage, WebPushSubscription
from bot.db.session import Database
from bot.kernel.clock import utcnow
from bot.kernel.messages import Button, Reply

SESSION = "browser-hist-0001"
WAIT = 30.0  # generous: met at once when all is well


@pytest.fixture
async def app(services):
    services.settings = services.settings.model_copy(update={
        "webchat_allowed_origins": ["https://portal.test"], "webchat_streams_per_session": 2,
        "webchat_streams_max": 3})
    return BotApp(services)


@pytest.fixture
async def client(app):
    async with TestClient(TestServer(app.web)) as client:
        yield client


async def chat(client, session: str = SESSION, **body) -> dict:
    resp = await client.post("/api/chat", json={"session": session, **body})
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def history(client, session: str = SESSION, **params) -> dict:
    resp = await client.get("/api/history", params={"session": session, **params})
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def rows(db, session: str = SESSION) -> int:
    async with db.session() as s:
        return (await s.execute(select(func.count()).where(WebMessage.session == session))).scalar_one()


async def next_event(resp) -> dict:
    """The next `event: message` of a stream, as {"id", "event", "data"}; comments skipped."""
    fields: dict = {}
    while True:
        line = (await asyncio.wait_for(resp.content.readline(), WAIT)).decode()
        assert line, "the stream ended"
        line = line.rstrip("\n")
        if not line:
            if fields.get("event") == "message":
                fields["data"] = json.loads(fields["data"])
                return fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value


async def test_conversation_survives_a_reload_in_order_with_button_labels(client, services):
    first = await chat(client, id="m1", text="/start")
    menu = [b for r in first["replies"] for row in r["buttons"] for b in row if b.get("payload")]
    tapped = menu[0]
    # The page sends the label it showed with the payload.
    second = await chat(client, id="m2", payload=tapped["payload"], label=tapped["label"])
    page = await history(client)  # what the page reads when it is opened again
    messages = page["messages"]
    assert page["more"] is False
    assert [(m["role"], m["text"]) for m in messages] == [
        ("user", "/start"), ("bot", None), ("user", tapped["label"]), ("bot", None)]
    assert messages[1]["replies"] == first["replies"] and messages[3]["replies"] == second["replies"]
    assert [m["id"] for m in messages] == sorted(m["id"] for m in messages)
    assert first["history_id"] == messages[1]["id"] and second["history_id"] == messages[3]["id"]
    assert all(m["at"].endswith("+00:00") for m in messages)
    # Another browser sees none of it.
    assert (await history(client, "browser-hist-0002"))["messages"] == []


async def test_a_replayed_message_is_not_stored_twice(client, services):
    first = await chat(client, id="same-1", text="/start")
    again = await chat(client, id="same-1", text="/start")
    assert again["replies"] == [] and again["history_id"] == first["history_id"]
    assert await rows(services.db) == 2


async def test_history_pages_of_fifty_oldest_first(client, app):
    sender = app.services.senders["web"]
    for n in range(55):
        await sender.send(SESSION, [Reply(f"Tin số {n}")])
    newest = await history(client)
    assert newest["more"] is True and len(newest["messages"]) == 50
    assert newest["messages"][0]["replies"][0]["text"] == "Tin số 5"
    assert newest["messages"][-1]["replies"][0]["text"] == "Tin số 54"
    older = await history(client, before=str(newest["messages"][0]["id"]))
    assert older["more"] is False
    assert [m["replies"][0]["text"] for m in older["messages"]] == [f"Tin số {n}" for n in range(5)]


async def test_rows_past_the_retention_are_not_shown_and_are_deleted(client, services):
    old = utcnow() - timedelta(days=services.settings.webchat_history_days, hours=1)
    async with services.db.session() as s:
        await s.execute(insert(WebMessage), [
            {"session": SESSION, "role": "bot", "text": None, "replies": [{"text": "cũ", "buttons": []}],
             "outside_turn": True, "created_at": old},
            {"session": "browser-hist-0003", "role": "user", "text": "rất cũ", "replies": None,
             "outside_turn": False, "created_at": old - timedelta(days=100)}])
        await s.commit()
    assert (await history(client))["messages"] == []  # never read once expired
    resp = await client.get("/api/unread", params={"session": SESSION, "after": "0"})
    assert (await resp.json()) == {"count": 0}
    await chat(client, id="m1", text="/start")  # a write deletes what expired
    async with services.db.session() as s:
        left = (await s.execute(select(WebMessage.session, WebMessage.role))).all()
    assert sorted(left) == [(SESSION, "bot"), (SESSION, "user")]


async def test_the_data_deletion_command_erases_the_web_history_and_push_subscription(client, app, services):
    await chat(client, id="m1", text="Tôi ở số 12 đường Lê Lợi, hỏi về khai sinh")
    await app.services.senders["web"].send(SESSION, [Reply("Trả lời phản ánh của bạn")])
    async with services.db.session() as s:
        s.add(WebPushSubscription(session=SESSION, endpoint="https://push.example/abc", p256dh="BAAA", auth="AAAA"))
        await s.commit()
    other = await chat(client, "browser-hist-keep", id="k1", text="/start")
    assert other["replies"]
    confirm = await chat(client, id="m2", text="/xoadulieu")
    yes = next(b for r in confirm["replies"] for row in r["buttons"] for b in row if b.get("payload") == "prv:yes")
    done = await chat(client, id="m3", payload=yes["payload"])
    assert "Đã xoá dữ liệu cá nhân" in done["replies"][0]["text"]
    # Nothing of the conversation is left, not even the confirmation just given.
    assert (await history(client))["messages"] == []
    assert await rows(services.db) == 0
    async with services.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(WebPushSubscription))).scalar_one() == 0
    assert len((await history(client, "browser-hist-keep"))["messages"]) == 2  # the other person keeps theirs
    # Coming back starts a new conversation.
    await chat(client, id="m4", text="/start")
    assert [m["role"] for m in (await history(client))["messages"]] == ["user", "bot"]


async def test_a_message_sent_outside_a_turn_arrives_over_the_event_stream(client, app):
    sender = app.services.senders["web"]
    await chat(client, id="m1", text="/start")
    resp = await client.get("/api/events", params={"session": SESSION})
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    assert resp.headers["X-Accel-Buffering"] == "no" and resp.headers["Cache-Control"] == "no-cache"
    view = [[Button("Xem", payload="fbt:PA-2026-000001")]]
    await sender.send(SESSION, [Reply("Trả lời phản ánh PA-2026-000001", buttons=view)])
    got = await next_event(resp)
    assert got["data"]["replies"][0]["text"] == "Trả lời phản ánh PA-2026-000001"
    assert got["data"]["replies"][0]["buttons"] == [[{"label": "Xem", "payload": "fbt:PA-2026-000001"}]]
    assert got["id"] == str(got["data"]["id"])
    await sender.send("browser-hist-other", [Reply("của người khác")])
    await sender.send(SESSION, [Reply("Đã giải quyết xong")])
    assert (await next_event(resp))["data"]["replies"][0]["text"] == "Đã giải quyết xong"
    resp.close()
    # Reconnecting with Last-Event-ID gets what came after it, and only that.
    await sender.send(SESSION, [Reply("Tin thứ ba")])
    again = await client.get("/api/events", params={"session": SESSION}, headers={"Last-Event-ID": got["id"]})
    assert [(await next_event(again))["data"]["replies"][0]["text"] for _ in range(2)] == [
        "Đã giải quyết xong", "Tin thứ ba"]
    again.close()


async def test_a_message_written_by_another_process_arrives_by_the_periodic_check(services):
    services.settings = services.settings.model_copy(update={"webchat_streams_max": 10})
    app = BotApp(services)
    app.webchat.sender.notifier.interval = 0.1
    async with TestClient(TestServer(app.web)) as client:
        resp = await client.get("/api/events", params={"session": SESSION, "after": "0"})
        assert resp.status == 200
        other_process = Database(services.settings.database_url)  # e.g. `cchc-bot worker`
        try:
            await WebHistory(other_process, 30).record_outside(SESSION, [{"text": "Chiến dịch mới", "buttons": []}])
        finally:
            await other_process.dispose()
        got = await next_event(resp)
        assert got["data"]["replies"][0]["text"] == "Chiến dịch mới"
        resp.close()


async def test_the_stream_pings_and_ends_so_the_browser_reconnects(client, app):
    app.webchat.waiting.ping, app.webchat.waiting.lifetime = 0.05, 0.5
    resp = await client.get("/api/events", params={"session": SESSION})
    body = (await asyncio.wait_for(resp.read(), WAIT)).decode()  # returns once the server ends it
    assert body.startswith("retry: ") and ": ping\n\n" in body


async def test_streams_are_capped_per_browser_and_in_all_with_a_polite_503(client):
    open_ = [await client.get("/api/events", params={"session": SESSION}) for _ in range(2)]
    assert [r.status for r in open_] == [200, 200]
    third = await client.get("/api/events", params={"session": SESSION})
    assert third.status == 503 and third.headers["Retry-After"].isdigit()
    assert "quá nhiều kết nối" in (await third.json())["error"]
    open_.append(await client.get("/api/events", params={"session": "browser-hist-0002"}))
    assert open_[-1].status == 200
    over = await client.get("/api/inbox", params={"session": "browser-hist-0003", "after": "0", "wait": "20"})
    assert over.status == 503  # the long poll counts too
    for resp in open_:
        resp.close()

    async def room() -> bool:
        return (await client.get("/api/events", params={"session": "browser-hist-0004"})).status == 200
    for _ in range(300):  # the server sees the closed streams go at their next write
        if await room():
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("closed streams were never let go")


async def test_long_poll_answers_as_soon_as_a_message_exists(client, app):
    sender = app.services.senders["web"]
    waiting = asyncio.create_task(client.get("/api/inbox", params={"session": SESSION, "after": "0", "wait": "25"}))
    for _ in range(300):  # the poll is waiting
        if app.webchat.sender.notifier.waiting:
            break
        await asyncio.sleep(0.01)
    assert not waiting.done()
    await sender.send(SESSION, [Reply("Trả lời phản ánh")])
    resp = await asyncio.wait_for(waiting, WAIT)
    messages = (await resp.json())["messages"]
    assert [m["replies"][0]["text"] for m in messages] == ["Trả lời phản ánh"]
    empty = await client.get("/api/inbox", params={"session": SESSION, "after": str(messages[0]["id"]), "wait": "0"})
    assert (await empty.json()) == {"messages": []}


async def test_unread_counts_messages_sent_outside_a_turn_after_the_cursor(client, app):
    await chat(client, id="m1", text="/start")
    seen = (await history(client))["messages"][-1]["id"]
    for n in range(3):
        await app.services.senders["web"].send(SESSION, [Reply(f"Chiến dịch {n}")])
    resp = await client.get("/api/unread", params={"session": SESSION, "after": str(seen)})
    assert (await resp.json()) == {"count": 3}
    last = (await history(client))["messages"][-1]["id"]
    resp = await client.get("/api/unread", params={"session": SESSION, "after": str(last)})
    assert (await resp.json()) == {"count": 0}


@pytest.mark.parametrize("path,params", [
    ("/api/history", {"session": "short"}),
    ("/api/history", {"session": "erased-0123456789abcdef"}),  # an erased person's placeholder
    ("/api/history", {"session": SESSION, "before": "-1"}),
    ("/api/history", {"session": SESSION, "before": "9" * 40}),
    ("/api/events", {"session": SESSION, "after": "x"}),
    ("/api/events", {"session": "a/b/c/d/e/f"}),
    ("/api/inbox", {"session": SESSION, "after": "0", "wait": "-5"}),
    ("/api/inbox", {"session": SESSION, "after": "0", "wait": "1e9"}),
    ("/api/unread", {"session": SESSION, "after": "1.5"}),
    ("/api/unread", {}),
])
async def test_malformed_queries_get_a_polite_400(client, path, params, caplog):
    resp = await client.get(path, params=params)
    assert resp.status == 400
    assert "không hợp lệ" in (await resp.json())["error"]
    assert [r.message for r in caplog.records if r.name.startswith("bot.")] == ["web chat request refused"]


async def test_a_forged_session_cannot_take_over_an_erased_person(client):
    resp = await client.post("/api/chat", json={"session": "erased-0123456789abcdef", "text": "/start"})
    assert resp.status == 400


async def test_a_long_poll_wait_beyond_the_limit_is_capped(client, app):
    task = asyncio.create_task(client.get("/api/inbox", params={"session": SESSION, "after": "0", "wait": "999"}))
    for _ in range(300):
        if app.webchat.sender.notifier.waiting:
            break
        await asyncio.sleep(0.01)
    await app.services.senders["web"].send(SESSION, [Reply("Tin")])
    assert (await asyncio.wait_for(task, WAIT)).status == 200


async def test_requests_from_other_sites_are_refused_and_answers_name_the_allowed_frames(client, caplog):
    resp = await client.post("/api/chat", json={"session": SESSION, "text": "/start"},
                             headers={"Origin": "https://evil.example"})
    assert resp.status == 403 and "được phép nhúng" in (await resp.json())["error"]
    assert [r.message for r in caplog.records if r.name.startswith("bot.")] == [
        "web chat request from another site refused"]
    assert await history(client) == {"messages": [], "more": False}  # nothing was handled
    own = f"http://{client.server.host}:{client.server.port}"
    ok = await client.post("/api/chat", json={"session": SESSION, "text": "/start"}, headers={"Origin": own})
    assert ok.status == 200
    assert ok.headers["Content-Security-Policy"] == "frame-ancestors 'self' https://portal.test"
    events = await client.get("/api/events", params={"session": SESSION})
    assert events.headers["Content-Security-Policy"] == "frame-ancestors 'self' https://portal.test"
    events.close()


async def test_huge_bodies_are_refused_politely(client):
    big = {"session": SESSION, "text": "a" * 70_000}
    resp = await client.post("/api/chat", json=big)
    assert resp.status == 413 and "quá dài" in (await resp.json())["error"]
    resp = await client.post("/api/push/subscribe", json={"session": SESSION, "subscription": {"endpoint": "x" * 9000}})
    assert resp.status == 413


async def test_messages_sent_at_the_same_instant_are_each_stored_once(client, app):
    sender = app.services.senders["web"]
    sessions = [f"browser-burst-{n:04d}" for n in range(40)]
    await asyncio.gather(*(sender.send(s, [Reply(f"Tin cho {s}")]) for s in sessions))
    await sender.send(sessions[0], [Reply("Tin sau")])  # a later one, after the burst was written
    for s in sessions:
        texts = [m["replies"][0]["text"] for m in (await history(client, s))["messages"]]
        assert texts == [f"Tin cho {s}"] + (["Tin sau"] if s == sessions[0] else [])

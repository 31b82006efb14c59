"""Web Push against a local push service (tests/fakes/webpush.py) that checks the VAPID
signature and the aes128gcm encryption headers and decrypts each notification with the
browser's private key: the key the page subscribes with, subscribing, the notification's
content, a subscription reported gone, 429 and 5xx retried by the outbox with one push in
the end, the key pair made by `cchc-bot web push-keys`."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, update

from bot.app import BotApp
from bot.channels.webpush import public_key_of, vapid_keys
from bot.cli import main as cli_main
from bot.db.models_campaigns import OutboxMessage
from bot.db.models_web import WebMessage, WebPushSubscription
from bot.kernel.clock import utcnow
from bot.kernel.messages import Reply
from bot.kernel.sending import DeliveryError, RateLimited
from scheduler.delivery.worker import Worker
from tests.campaigns.helpers import start_campaign, statuses
from tests.fakes.webpush import FakePushService

SESSION = "browser-push-0001"
PRIVATE, PUBLIC = vapid_keys()


def with_vapid(services):
    services.settings = services.settings.model_copy(update={
        "webpush_vapid_private_key": PRIVATE, "webpush_vapid_public_key": PUBLIC,
        "webpush_vapid_subject": "mailto:cntt@portal.test", "quiet_hours": "", "broadcast_max_per_day": 0})
    return services


@pytest.fixture
async def push_service():
    async with FakePushService(application_server_key=PUBLIC) as service:
        yield service


@pytest.fixture
async def app(services):
    return BotApp(with_vapid(services))


@pytest.fixture
async def client(app):
    async with TestClient(TestServer(app.web)) as client:
        yield client


async def subscribe(client, push_service, session: str = SESSION, name: str = "b1") -> None:
    resp = await client.post("/api/push/subscribe",
                             json={"session": session, "subscription": push_service.subscribe(name)})
    assert resp.status == 204, await resp.text()


async def stored(services, session: str = SESSION) -> list[str]:
    """The texts of the messages sent to the session outside a turn, as the page gets them."""
    async with services.db.session() as s:
        rows = (await s.execute(select(WebMessage.replies).where(WebMessage.session == session,
                                                                 WebMessage.outside_turn)
                                .order_by(WebMessage.id))).scalars()
        return [r[0]["text"] for r in rows]


async def test_the_key_is_offered_only_when_configured(client, services):
    resp = await client.get("/api/push/key")
    assert resp.status == 200 and (await resp.json()) == {"key": PUBLIC}
    services.settings = services.settings.model_copy(update={
        "webpush_vapid_private_key": None, "webpush_vapid_public_key": None})
    plain = BotApp(services)
    async with TestClient(TestServer(plain.web)) as other:
        resp = await other.get("/api/push/key")
        assert resp.status == 404 and "chưa bật thông báo" in (await resp.json())["error"]
        resp = await other.post("/api/push/subscribe", json={"session": SESSION, "subscription": {}})
        assert resp.status == 404


async def test_a_message_is_pushed_encrypted_to_the_subscribed_browser(client, app, services, push_service):
    await subscribe(client, push_service)
    text = "📢 Tuần lễ dịch vụ công\n\nNộp hồ sơ trực tuyến tại Cổng."
    await app.services.senders["web"].send(SESSION, [Reply(text)])
    assert push_service.refused == []
    [note] = push_service.received("b1")  # decrypted with the browser's private key
    assert note == {"title": services.content.pack.info.bot_name,
                    "body": "📢 Tuần lễ dịch vụ công Nộp hồ sơ trực tuyến tại Cổng.", "url": "/"}
    assert await stored(services) == [text]
    # Another session's message is not pushed to this browser.
    await app.services.senders["web"].send("browser-push-0002", [Reply("Tin khác")])
    assert len(push_service.received("b1")) == 1


async def test_subscribing_again_replaces_and_unsubscribing_stops(client, app, services, push_service):
    await subscribe(client, push_service, name="old")
    await subscribe(client, push_service, name="new")
    await app.services.senders["web"].send(SESSION, [Reply("Một tin")])
    assert push_service.received("old") == [] and len(push_service.received("new")) == 1
    endpoint = f"{push_service.origin}/push/new"
    resp = await client.post("/api/push/unsubscribe", json={"session": SESSION, "endpoint": endpoint})
    assert resp.status == 204
    await app.services.senders["web"].send(SESSION, [Reply("Tin sau")])
    assert len(push_service.received("new")) == 1
    assert await stored(services) == ["Một tin", "Tin sau"]  # the page still shows both


async def test_a_subscription_the_push_service_reports_gone_is_dropped(client, app, services, push_service):
    await subscribe(client, push_service)
    push_service.answer_next("b1", 410)
    await app.services.senders["web"].send(SESSION, [Reply("Tin một")])
    async with services.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(WebPushSubscription))).scalar_one() == 0
    await app.services.senders["web"].send(SESSION, [Reply("Tin hai")])
    assert push_service.attempts["b1"] == 1  # not tried again
    assert await stored(services) == ["Tin một", "Tin hai"]


async def test_429_and_5xx_deliver_nothing_and_store_nothing(client, app, services, push_service):
    await subscribe(client, push_service)
    sender = app.services.senders["web"]
    push_service.answer_next("b1", 429, **{"Retry-After": "7"})
    with pytest.raises(RateLimited) as limited:
        await sender.send(SESSION, [Reply("Tin")])
    assert limited.value.retry_after == 7
    push_service.answer_next("b1", 503)
    with pytest.raises(DeliveryError) as failed:
        await sender.send(SESSION, [Reply("Tin")])
    assert failed.value.transient
    assert push_service.received("b1") == [] and await stored(services) == []


@pytest.mark.parametrize("status", [429, 500])
async def test_the_outbox_retries_a_refused_push_and_pushes_once(client, app, services, push_service, status):
    await subscribe(client, push_service)
    resp = await client.post("/api/chat", json={"session": SESSION, "id": "s1", "payload": "sub:all"})
    assert resp.status == 200
    _, broadcast_id = await start_campaign(services, channels=("web",))
    push_service.answer_next("b1", status, **({"Retry-After": "1"} if status == 429 else {}))
    worker = Worker(services.db, services.content, services.settings, services.senders)
    await worker.register()
    await worker.run_once()
    assert await statuses(services.db, broadcast_id) == {"pending": 1}
    assert push_service.received("b1") == []
    async with services.db.session() as s:  # the wait is in the row: make it due now
        await s.execute(update(OutboxMessage).values(not_before=utcnow()))
        await s.commit()
    await worker.run_once()
    assert await statuses(services.db, broadcast_id) == {"sent": 1}
    assert [n["body"].startswith("📢 Tuần lễ dịch vụ công") for n in push_service.received("b1")] == [True]
    assert push_service.attempts["b1"] == 2
    assert sum("Tuần lễ dịch vụ công" in t for t in await stored(services)) == 1


async def test_bad_subscriptions_are_refused(client):
    for subscription in (None, "x", {"endpoint": "ftp://x", "keys": {"p256dh": "BA", "auth": "AA"}},
                         {"endpoint": "https://push.example/1", "keys": {"p256dh": "not base64!", "auth": "AA"}},
                         {"endpoint": "https://push.example/1", "keys": {"p256dh": "BA"}},
                         {"endpoint": "https://push.example/" + "a" * 1100, "keys": {"p256dh": "BA", "auth": "AA"}}):
        resp = await client.post("/api/push/subscribe", json={"session": SESSION, "subscription": subscription})
        assert resp.status == 400, subscription
    resp = await client.post("/api/push/unsubscribe", json={"session": SESSION, "endpoint": 5})
    assert resp.status == 400


async def test_push_keys_command_prints_a_pair_the_push_service_accepts(capsys, services, push_service):
    assert cli_main(["web", "push-keys", "--subject", "mailto:cntt@portal.test"]) == 0
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines() if not line.startswith("#"))
    private, public = lines["WEBPUSH_VAPID_PRIVATE_KEY"], lines["WEBPUSH_VAPID_PUBLIC_KEY"]
    assert public_key_of(private) == public and lines["WEBPUSH_VAPID_SUBJECT"] == "mailto:cntt@portal.test"
    services.settings = services.settings.model_copy(update={
        "webpush_vapid_private_key": private, "webpush_vapid_public_key": public,
        "webpush_vapid_subject": "mailto:cntt@portal.test"})
    push_service.application_server_key = public
    app = BotApp(services)
    async with TestClient(TestServer(app.web)) as client:
        await subscribe(client, push_service)
        await services.senders["web"].send(SESSION, [Reply("Thử khóa mới")])
    assert push_service.refused == [] and push_service.received("b1")[0]["body"] == "Thử khóa mới"


async def test_a_push_signed_with_another_key_is_refused_by_the_push_service(services, push_service):
    other_private, other_public = vapid_keys()
    services.settings = services.settings.model_copy(update={
        "webpush_vapid_private_key": other_private, "webpush_vapid_public_key": other_public,
        "webpush_vapid_subject": "mailto:cntt@portal.test"})
    app = BotApp(services)  # the browser subscribed with PUBLIC; the server now signs with another key
    async with TestClient(TestServer(app.web)) as client:
        await subscribe(client, push_service)
        await services.senders["web"].send(SESSION, [Reply("Tin")])
    assert [reason for _, reason in push_service.refused] == [
        "k is not the application server key the browser subscribed with"]
    assert await stored(services) == ["Tin"]  # the page still shows it


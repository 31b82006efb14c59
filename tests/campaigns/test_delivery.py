"""The delivery engine against the local Bot API fake, with the bot's real Telegram
sending code: exactly once, blocked users, 429 retry-after, transient errors, quiet hours,
the frequency cap, pause and cancel, and recovery after a worker died."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.db.events import EventKind
from bot.db.models import EngagementEvent
from bot.db.models_campaigns import (
    Broadcast,
    Campaign,
    DeliveryWorker,
    OutboxMessage,
    RecipientStatus,
)
from bot.kernel.clock import utcnow
from scheduler import campaigns, firing
from scheduler.audience import Audience
from scheduler.delivery.lease import recover
from scheduler.delivery.worker import Worker
from tests.campaigns.helpers import (
    deliveries,
    seed_subscribers,
    start_campaign,
    statuses,
    telegram_sender,
)
from tests.fakes.telegram_api import FakeTelegramAPI

TEXT = "Nộp hồ sơ trực tuyến"


@pytest.fixture
async def fake():
    async with FakeTelegramAPI(strict_chats=False) as api:
        yield api


@pytest.fixture
def tuned(services):
    """No quiet hours unless a test sets them; fast heartbeats."""
    services.settings = services.settings.model_copy(update={
        "telegram_bot_token": "123456:TEST-TOKEN", "quiet_hours": "", "broadcast_max_per_day": 0,
        "delivery_lease_seconds": 3.0, "delivery_batch_size": 50})
    return services


async def drain(worker: Worker, rounds: int = 200) -> None:
    for _ in range(rounds):
        if not await worker.run_once():
            return
    raise AssertionError("worker never ran out of work")


async def make_worker(services, fake, **kw) -> Worker:
    sender = await telegram_sender(fake, **kw)
    worker = Worker(services.db, services.content, services.settings, {"telegram": sender})
    await worker.register()
    return worker


async def test_every_subscriber_gets_it_exactly_once_and_events_are_logged(tuned, fake):
    chats = await seed_subscribers(tuned.db, 300)
    campaign_id, broadcast_id = await start_campaign(tuned)
    # Firing the same occurrence again, and expanding again, queue nobody twice.
    assert await firing.fire(tuned.db, campaign_id) == broadcast_id
    assert await firing.expand(tuned.db, broadcast_id, ["telegram"]) == 0
    worker = await make_worker(tuned, fake)
    await drain(worker)
    got = deliveries(fake, TEXT)
    assert set(got) == set(chats) and set(got.values()) == {1}
    assert await statuses(tuned.db, broadcast_id) == {"sent": 300}
    assert await firing.finish(tuned.db) == [broadcast_id]
    async with tuned.db.session() as s:
        assert (await s.get(Campaign, campaign_id)).status == "done"
        kinds = list((await s.execute(select(EngagementEvent.kind))).scalars())
    assert kinds.count(EventKind.BROADCAST_DELIVERED) == 300
    # What a recipient sees: the title, the text, and a one-tap unsubscribe button.
    message = fake.last_message_to(chats[0])
    assert message["text"].startswith("📢 Tuần lễ dịch vụ công")
    buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[-1]["callback_data"] == f"bcu:{broadcast_id}"


async def test_blocked_user_is_marked_unreachable_and_not_sent_to_again(tuned, fake):
    chats = await seed_subscribers(tuned.db, 5)
    fake.block(chats[2], push_update=False)
    _, first = await start_campaign(tuned)
    worker = await make_worker(tuned, fake)
    await drain(worker)
    assert await statuses(tuned.db, first) == {"sent": 4, "unreachable": 1}
    attempts_to_blocked = sum(1 for c in fake.calls("sendMessage") if c.params["chat_id"] == chats[2])
    _, second = await start_campaign(tuned, title="Lần hai")
    await drain(worker)
    # Not even queued: the audience leaves out people who blocked the bot.
    assert await statuses(tuned.db, second) == {"sent": 4}
    assert sum(1 for c in fake.calls("sendMessage") if c.params["chat_id"] == chats[2]) == attempts_to_blocked
    async with tuned.db.session() as s:
        failed = list((await s.execute(select(EngagementEvent.outcome).where(
            EngagementEvent.kind == EventKind.BROADCAST_FAILED))).scalars())
        assert failed == ["unreachable"]
        # Writing to the bot again makes them reachable again.
        status = (await s.execute(select(RecipientStatus))).scalar_one()
        assert status.unreachable_reason.startswith("Forbidden")


async def test_429_is_honoured_and_nothing_is_lost_or_doubled(tuned, fake):
    chats = await seed_subscribers(tuned.db, 40)
    _, broadcast_id = await start_campaign(tuned)
    fake.fail_next("sendMessage", error_code=429, retry_after=1, times=3)
    worker = await make_worker(tuned, fake)
    started = asyncio.get_running_loop().time()
    for _ in range(50):
        await worker.run_once()
        if (await statuses(tuned.db, broadcast_id)) == {"sent": 40}:
            break
        await asyncio.sleep(0.3)
    assert (await statuses(tuned.db, broadcast_id)) == {"sent": 40}
    assert asyncio.get_running_loop().time() - started >= 1.0  # waited out retry_after
    got = deliveries(fake, TEXT)
    assert set(got) == set(chats) and set(got.values()) == {1}


async def test_transient_5xx_is_retried_with_backoff_then_given_up(tuned, fake):
    tuned.settings = tuned.settings.model_copy(update={"delivery_max_attempts": 2})
    chats = await seed_subscribers(tuned.db, 2)
    _, broadcast_id = await start_campaign(tuned)
    fake.fail_next("sendMessage", error_code=502, times=3)
    worker = await make_worker(tuned, fake)
    await worker.run_once()
    assert (await statuses(tuned.db, broadcast_id)) == {"pending": 2}
    async with tuned.db.session() as s:  # the backoff is in the row: make it due now
        await s.execute(update(OutboxMessage).values(not_before=utcnow()))
        await s.commit()
    await worker.run_once()
    # One of them hit the third 502 and used its last attempt; the other got through.
    assert (await statuses(tuned.db, broadcast_id)) == {"sent": 1, "failed": 1}
    assert sum(deliveries(fake, TEXT).values()) == 1 and len(chats) == 2


async def test_a_revoked_token_holds_the_channel_and_loses_no_row(tuned, fake):
    chats = await seed_subscribers(tuned.db, 5)
    _, broadcast_id = await start_campaign(tuned)
    worker = await make_worker(tuned, fake)
    real, fake.token = fake.token, "123456:REVOKED"  # the operator revoked it in BotFather
    await worker.run_once()
    assert await statuses(tuned.db, broadcast_id) == {"pending": 5}
    async with tuned.db.session() as s:
        details = set((await s.execute(select(OutboxMessage.detail))).scalars())
    assert details == {"channel unavailable"}
    assert not await worker.claim()  # the channel waits; nothing else is tried meanwhile
    fake.token = real  # a new token in the settings, the worker restarted
    await worker.unregister()
    worker = await make_worker(tuned, fake)
    async with tuned.db.session() as s:
        await s.execute(update(OutboxMessage).values(not_before=utcnow()))
        await s.commit()
    await drain(worker)
    assert await statuses(tuned.db, broadcast_id) == {"sent": 5}
    got = deliveries(fake, TEXT)
    assert set(got) == set(chats) and set(got.values()) == {1}


async def test_quiet_hours_hold_normal_broadcasts_but_not_urgent_ones(tuned, fake):
    tuned.settings = tuned.settings.model_copy(update={"quiet_hours": "00:00-23:59"})
    await seed_subscribers(tuned.db, 3)
    _, normal = await start_campaign(tuned, title="Bình thường")
    _, urgent = await start_campaign(tuned, title="Khẩn", urgent=True)
    worker = await make_worker(tuned, fake)
    await drain(worker)
    assert await statuses(tuned.db, normal) == {"pending": 3}
    assert await statuses(tuned.db, urgent) == {"sent": 3}


async def test_frequency_cap_skips_people_who_had_enough_today(tuned, fake):
    tuned.settings = tuned.settings.model_copy(update={"broadcast_max_per_day": 1})
    await seed_subscribers(tuned.db, 4)
    worker = await make_worker(tuned, fake)
    _, first = await start_campaign(tuned, title="Một")
    await drain(worker)
    _, second = await start_campaign(tuned, title="Hai")
    _, third = await start_campaign(tuned, title="Ba", urgent=True)
    await drain(worker)
    assert await statuses(tuned.db, first) == {"sent": 4}
    assert await statuses(tuned.db, second) == {"skipped": 4}
    assert await statuses(tuned.db, third) == {"sent": 4}  # urgent ones are not capped


async def test_pause_stops_claiming_and_cancel_drops_the_queue(tuned, fake):
    await seed_subscribers(tuned.db, 120)
    campaign_id, broadcast_id = await start_campaign(tuned)
    worker = await make_worker(tuned, fake)
    await worker.run_once()  # one batch of 50
    async with tuned.db.session() as s:
        await campaigns.pause(s, await campaigns.get(s, campaign_id))
        await s.commit()
    await drain(worker)
    assert await statuses(tuned.db, broadcast_id) == {"sent": 50, "pending": 70}
    async with tuned.db.session() as s:
        await campaigns.resume(s, await campaigns.get(s, campaign_id))
        await s.commit()
    await worker.run_once()
    async with tuned.db.session() as s:
        await campaigns.cancel(s, await campaigns.get(s, campaign_id))
        await s.commit()
    await drain(worker)
    assert await statuses(tuned.db, broadcast_id) == {"sent": 100, "cancelled": 20}
    assert sum(deliveries(fake, TEXT).values()) == 100


async def test_rows_of_a_dead_worker_claimed_go_back_in_flight_become_uncertain(tuned, fake):
    await seed_subscribers(tuned.db, 6)
    _, broadcast_id = await start_campaign(tuned)
    async with tuned.db.session() as s:
        s.add(DeliveryWorker(id="dead-1", host="h", pid=1,
                             heartbeat_at=utcnow() - timedelta(seconds=60)))
        await s.flush()
        ids = list((await s.execute(select(OutboxMessage.id).order_by(OutboxMessage.id))).scalars())
        await s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[:3]))
                        .values(status="claimed", worker="dead-1"))
        await s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[3:5]))
                        .values(status="sending", worker="dead-1"))
        await s.commit()
    assert await recover(tuned.db, lease=3.0) == 5
    worker = await make_worker(tuned, fake)
    await drain(worker)
    # Never sent (claimed) → sent now; maybe sent (sending) → uncertain, never resent.
    assert await statuses(tuned.db, broadcast_id) == {"sent": 4, "uncertain": 2}
    async with tuned.db.session() as s:
        c = await s.get(Broadcast, broadcast_id)
        assert await campaigns.resend_uncertain(s, await campaigns.get(s, c.campaign_id)) == 2
        await s.commit()
    await drain(worker)
    assert await statuses(tuned.db, broadcast_id) == {"sent": 6}


async def test_a_worker_presumed_dead_cannot_send_its_old_claims(tuned, fake):
    await seed_subscribers(tuned.db, 3)
    _, broadcast_id = await start_campaign(tuned)
    slow = await make_worker(tuned, fake)
    rows = await slow.claim()
    async with tuned.db.session() as s:  # its heartbeat is too old: others take over
        await s.execute(update(DeliveryWorker).values(heartbeat_at=datetime(2020, 1, 1, tzinfo=UTC)))
        await s.commit()
    await recover(tuned.db, lease=3.0)
    other = await make_worker(tuned, fake)
    await drain(other)
    for row in await slow._screen(rows):  # the slow one wakes up and tries its old batch
        await slow._deliver(row)
    await slow._flush()
    assert await statuses(tuned.db, broadcast_id) == {"sent": 3}
    assert set(deliveries(fake, TEXT).values()) == {1}


async def test_audiences_topic_units_channel(tuned, fake):
    await seed_subscribers(tuned.db, 3, topic="dich-vu-cong", start=800_000_001)
    await seed_subscribers(tuned.db, 2, topic="all", start=810_000_001)
    await seed_subscribers(tuned.db, 4, topic=None, unit="so-noi-vu", role="cadre", start=820_000_001)
    await seed_subscribers(tuned.db, 2, topic="all", channel="web", start=830_000_001)
    topic = tuned.content.pack.topics[0].id
    async with tuned.db.session() as s:
        from scheduler.audience import count
        assert await count(s, Audience("topic", topic="dich-vu-cong"), ["telegram"]) == 5
        assert await count(s, Audience("topic", topic=topic), ["telegram"]) == 2
        assert await count(s, Audience("units", units=("so-noi-vu",)), ["telegram"]) == 4
        assert await count(s, Audience("all"), ["telegram"]) == 5
        assert await count(s, Audience("all"), ["telegram", "web"]) == 7
        assert await count(s, Audience("channel", channel="telegram"), ["telegram", "web"]) == 5

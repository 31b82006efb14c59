"""Exactly once, proven from the fake's own record: a worker process is killed with
SIGKILL in the middle of a broadcast to thousands (on Telegram, and with Web Push on the
web chat) and a new one finishes it; four worker processes share one broadcast on
PostgreSQL.

The kill is timed so that every send the dead worker had in flight had already reached
the platform (the fake holds its answers): exactly the window between "sent" and
"recorded". Those rows must come back `uncertain` and must not be sent again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot.channels.webpush import vapid_keys
from bot.config import ROOT, Settings
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db.models_campaigns import DeliveryWorker, OutboxMessage
from bot.db.models_web import WebMessage, WebPushSubscription
from bot.db.session import Database
from tests.campaigns.helpers import seed_subscribers, start_campaign, statuses
from tests.conftest import CONTENT_DIR, _truncate_pg
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.webpush import FakePushService

CONCURRENCY = 8

# Worker processes by the handful: these tests run one after another on one xdist worker
# (`--dist loadgroup`) rather than compete with each other for the cores.
pytestmark = pytest.mark.xdist_group("delivery-processes")


class GatedFake(FakeTelegramAPI):
    """The fake, able to hold its answers to sendMessage (the message is already stored,
    as Telegram would have delivered it) until the gate opens again: from the `hold_after`-th
    message on, once set."""

    def __init__(self, **kw) -> None:
        super().__init__(strict_chats=False, **kw)
        self.gate = asyncio.Event()
        self.gate.set()
        self.held = 0
        self.stored = 0
        self.hold_after: int | None = None

    async def _m_sendmessage(self, p, files):
        result = await super()._m_sendmessage(p, files)
        self.stored += 1
        if self.hold_after is not None and self.stored > self.hold_after:
            self.gate.clear()
        if not self.gate.is_set():
            self.held += 1
            await self.gate.wait()
        return result


def spawn(db_url: str, fake: FakeTelegramAPI | None, log_path, *extra: str, lease: float = 2,
          rate: float = 0, channel_env: dict[str, str] | None = None) -> subprocess.Popen:
    """A `cchc-bot worker` process sending through the Telegram fake (`rate`:
    TELEGRAM_RATE_PER_SECOND), or with `channel_env` configuring another channel."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DELIVERY_", "WEBPUSH_"))}
    if fake is not None:
        env.update({"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
                    "TELEGRAM_API_BASE_FILE_URL": fake.base_file_url, "TELEGRAM_RATE_PER_SECOND": str(rate)})
    env.update(channel_env or {})
    env.update({
        "PYTHONPATH": str(ROOT), "QUIET_HOURS": "", "BROADCAST_MAX_PER_DAY": "0",
        "DELIVERY_LEASE_SECONDS": str(lease), "DELIVERY_CONCURRENCY": str(CONCURRENCY),
        "DELIVERY_BATCH_SIZE": "100", "DELIVERY_POLL_SECONDS": "0.2", "PSEUDONYM_SALT": "test",
        "CONTENT_DIR": str(CONTENT_DIR), "LOG_LEVEL": "WARNING",
    })
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--database-url", db_url, "worker", *extra],
        cwd=log_path.parent, env=env, stdout=subprocess.DEVNULL, stderr=log_path.open("ab"))


async def until(check, within: float, what: str, log_path=None) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
            raise AssertionError(f"{what} within {within} s\n{tail}")
        await asyncio.sleep(0.1)


async def queue_empty(db, broadcast_id: int) -> bool:
    async with db.session() as session:
        left = await session.execute(select(func.count()).where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.status.in_(["pending", "claimed", "sending"])))
        return left.scalar_one() == 0


def per_chat(fake: FakeTelegramAPI, chats: list[int]) -> Counter:
    """Messages each chat holds, read from the fake's store of delivered messages."""
    return Counter({chat: len(fake.messages_to(chat)) for chat in chats})


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_sigkill_mid_broadcast_then_restart_delivers_each_exactly_once(services, tmp_path):
    chats = await seed_subscribers(services.db, 2000)
    _, broadcast_id = await start_campaign(services)
    log_path = tmp_path / "worker.log"
    async with GatedFake() as fake:
        # Answers are held from the 651st send on: sends pile up in flight. Counted by the
        # fake, not polled, so the hold starts mid-batch (batches of 100, each finished
        # before the next): every slot finds a row to send into the held gate, and none
        # waits out the client's read timeout, which would end a held send as uncertain.
        fake.hold_after = 650
        first = spawn(services.settings.database_url, fake, log_path)
        try:
            async def all_slots_in_flight() -> bool:
                return fake.held >= CONCURRENCY
            await until(all_slots_in_flight, 60, "the worker's sends did not reach the fake", log_path)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        fake.hold_after = None
        fake.gate.set()
        delivered_before_restart = fake.stored
        assert 650 < delivered_before_restart < 2000

        second = spawn(services.settings.database_url, fake, log_path)
        try:
            await until(lambda: queue_empty(services.db, broadcast_id), 90,
                        "the restarted worker did not finish", log_path)
        finally:
            stop(second)
        counts = per_chat(fake, chats)

    assert set(counts.values()) == {1}, Counter(counts.values())  # nobody twice, nobody missed
    final = await statuses(services.db, broadcast_id)
    # The rows in flight at the kill are "uncertain" (delivered, as the fake shows, but
    # unconfirmed) and were not sent again; every other row is "sent": each earlier result
    # was durable before its slot's next send began, so the crash costs one row per slot.
    assert final["uncertain"] == CONCURRENCY
    assert final["sent"] + final["uncertain"] == 2000 and set(final) == {"sent", "uncertain"}


async def test_sigkill_mid_web_broadcast_pushes_each_browser_once(services, tmp_path):
    """The same kill on the web channel: the worker pushes to each subscribed browser
    through the local push service (which holds its answers after accepting the push),
    then stores the message in the browser's history. The pushes in flight at the kill
    are not repeated: their rows are uncertain (pushed, not stored); every other browser
    got one push and one history row."""
    people = 1000
    sessions = [str(c) for c in await seed_subscribers(services.db, people, channel="web")]
    private, public = vapid_keys()
    log_path = tmp_path / "worker.log"
    async with FakePushService(application_server_key=public) as push:
        async with services.db.session() as session:
            for name in sessions:
                sub = push.subscribe(name)
                session.add(WebPushSubscription(session=name, endpoint=sub["endpoint"], **sub["keys"]))
            await session.commit()
        _, broadcast_id = await start_campaign(services, channels=("web",))
        web_env = {"WEBPUSH_VAPID_PRIVATE_KEY": private, "WEBPUSH_VAPID_PUBLIC_KEY": public,
                   "WEBPUSH_VAPID_SUBJECT": "mailto:cntt@portal.test"}

        def pushed() -> int:
            return sum(len(push.received(name)) for name in sessions)

        push.hold_after = 350  # mid-batch, counted by the service (see the Telegram test)
        first = spawn(services.settings.database_url, None, log_path, channel_env=web_env)
        try:
            async def all_slots_in_flight() -> bool:
                return push.held >= CONCURRENCY
            await until(all_slots_in_flight, 60, "the worker's pushes did not reach the service", log_path)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        push.hold_after = None
        push.gate.set()
        assert 350 < pushed() < people

        second = spawn(services.settings.database_url, None, log_path, channel_env=web_env)
        try:
            await until(lambda: queue_empty(services.db, broadcast_id), 90,
                        "the restarted worker did not finish", log_path)
        finally:
            stop(second)
        counts = Counter({name: len(push.received(name)) for name in sessions})
        assert push.refused == []

    assert set(counts.values()) == {1}, Counter(counts.values())  # no browser twice, none missed
    final = await statuses(services.db, broadcast_id)
    assert final["uncertain"] == CONCURRENCY
    assert final["sent"] + final["uncertain"] == people and set(final) == {"sent", "uncertain"}
    async with services.db.session() as session:
        stored = Counter((await session.execute(select(WebMessage.session).where(WebMessage.outside_turn))).scalars())
    assert set(stored.values()) == {1} and len(stored) == final["sent"]  # never stored twice either


@pytest.fixture
async def pg_services(pg_migrated, content_store):
    """Services on PostgreSQL only: several workers need SKIP LOCKED (SQLite runs one)."""
    url = pg_migrated
    await _truncate_pg(url)
    db = Database(url)
    settings = Settings(_env_file=None, database_url=url, content_dir=CONTENT_DIR, pseudonym_salt="test")
    yield Services(settings=settings, db=db,
                   content=content_store, router=build_router())
    await db.dispose()


@pytest.mark.postgres
async def test_four_worker_processes_share_one_broadcast_on_postgresql(pg_services, tmp_path):
    services = pg_services
    chats = await seed_subscribers(services.db, 3000)
    log_path = tmp_path / "workers.log"
    async with GatedFake() as fake:
        # None of them dies here: a lease long enough that a worker starved of CPU for a
        # moment on a busy machine is not taken for dead (its rows would turn uncertain).
        workers = [spawn(services.settings.database_url, fake, log_path, lease=30) for _ in range(4)]
        try:
            async def all_registered() -> bool:  # all four are polling before there is work
                async with services.db.session() as session:
                    return (await session.execute(select(func.count()).select_from(DeliveryWorker))).scalar_one() == 4
            await until(all_registered, 60, "four workers did not start", log_path)
            _, broadcast_id = await start_campaign(services)
            await until(lambda: queue_empty(services.db, broadcast_id), 120,
                        "four workers did not finish", log_path)
        finally:
            for worker in workers:
                stop(worker)
        counts = per_chat(fake, chats)
    assert set(counts.values()) == {1}, Counter(counts.values())
    assert await statuses(services.db, broadcast_id) == {"sent": 3000}
    async with services.db.session() as session:
        by_worker = (await session.execute(select(OutboxMessage.worker, func.count())
                                           .where(OutboxMessage.broadcast_id == broadcast_id)
                                           .group_by(OutboxMessage.worker))).all()
    assert len(by_worker) == 4, by_worker  # all four took part

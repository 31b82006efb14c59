"""One broadcast budget for the whole fleet, read from the fake's own clock: workers join a
running broadcast and one is killed mid-way, and the platform never sees more than the
configured rate in any one second (see `scheduler.delivery.pace`)."""

from __future__ import annotations

import asyncio
import signal

import pytest

from bot.channels.ratelimit import ChannelLimits, LaneLimiter
from bot.db.session import Database
from bot.kernel.sending import BROADCAST, REPLY
from scheduler.delivery.pace import FleetPace
from tests.campaigns.helpers import seed_subscribers, start_campaign, statuses
from tests.campaigns.test_exactly_once import GatedFake, per_chat, pg_services, queue_empty, spawn, stop, until

__all__ = ["pg_services"]  # the PostgreSQL-only fixture, shared with the exactly-once tests

RATE = 20


def busiest_second(times: list[float]) -> int:
    """The most sends whose answers fall in any one second (a sliding window)."""
    times, most, first = sorted(times), 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def stored(fake: GatedFake, n: int):
    async def check() -> bool:
        return fake.stored >= n
    return check


def test_busiest_second_counts_a_sliding_window():
    assert busiest_second([0.0, 0.5, 0.99, 1.0, 1.2]) == 4  # 0.5 … 1.2
    assert busiest_second([0.0, 1.0, 2.0]) == 1  # a second is half-open
    assert busiest_second([]) == 0


@pytest.mark.postgres
async def test_workers_joining_and_dying_never_exceed_the_rate(pg_services, tmp_path):
    services = pg_services
    chats = await seed_subscribers(services.db, 400)
    _, broadcast_id = await start_campaign(services)
    log_path = tmp_path / "workers.log"
    async with GatedFake() as fake:
        first = spawn(services.settings.database_url, fake, log_path, rate=RATE)
        workers = [first]
        try:
            await until(stored(fake, 60), 60, "the first worker did not get going", log_path)
            workers.append(spawn(services.settings.database_url, fake, log_path, rate=RATE))  # joins
            await until(stored(fake, 160), 60, "the broadcast stalled after a worker joined", log_path)
            first.send_signal(signal.SIGKILL)  # dies mid-broadcast
            first.wait(10)
            workers.append(spawn(services.settings.database_url, fake, log_path, rate=RATE))  # and another joins
            await until(lambda: queue_empty(services.db, broadcast_id), 120,
                        "the fleet did not finish", log_path)
        finally:
            for worker in workers:
                stop(worker)
        counts = per_chat(fake, chats)
        answered = [c.at for c in fake.calls("sendMessage", ok=True)]

    assert busiest_second(answered) <= RATE
    final = await statuses(services.db, broadcast_id)
    assert set(counts.values()) <= {0, 1}  # nobody twice
    # Every row sent reached its chat; the few in flight at the kill may or may not have.
    assert final["sent"] + final["uncertain"] == 400 and set(final) <= {"sent", "uncertain"}
    assert final["sent"] <= sum(counts.values()) <= 400


@pytest.mark.postgres
async def test_slots_of_the_fleet_are_one_interval_apart(pg_services):
    """Three workers' paces (each with its own connections, as three processes have)
    claiming at once take slots one interval apart on the database's clock: the 15th slot
    comes at least 14 intervals after the claims began, however they interleave. (Measured
    from before the first claim: a busy machine can only make the slots later.)"""
    databases = [Database(pg_services.settings.database_url) for _ in range(3)]
    left: list[float] = []
    loop = asyncio.get_running_loop()

    async def claim(pace: FleetPace) -> None:
        for _ in range(5):
            answered = await pace.slot()
            left.append(loop.time())
            answered()

    start = loop.time()
    try:
        await asyncio.gather(*(claim(FleetPace(db, "telegram", 50)) for db in databases))
    finally:
        for db in databases:
            await db.dispose()
    assert len(left) == 15
    assert max(left) - start >= 14 / 50 - 0.005


class Slots:
    def __init__(self) -> None:
        self.taken = 0

    async def slot(self):
        self.taken += 1
        return lambda: None


async def test_broadcasts_wait_for_the_fleet_and_replies_do_not():
    limiter = LaneLimiter(ChannelLimits(per_second=1000))
    fleet = Slots()
    limiter.join_fleet(fleet)
    for i in range(3):
        await limiter.acquire(BROADCAST, str(i))
    await limiter.acquire(REPLY, "citizen")
    assert fleet.taken == 3


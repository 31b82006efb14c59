"""The two-lane limiter: pace, replies ahead of broadcasts, a broadcast 429 that does not
hold replies, one message a second per chat. On a loop of its own clock
(tests/virtual_clock.py): the intervals asserted are the limiter's, not the machine's."""

from __future__ import annotations

import asyncio

from bot.channels.ratelimit import ChannelLimits, LaneLimiter
from bot.kernel.sending import BROADCAST, REPLY
from tests.virtual_clock import on_virtual_clock


def now() -> float:
    return asyncio.get_running_loop().time()


@on_virtual_clock
async def test_paces_to_the_rate():
    limiter = LaneLimiter(ChannelLimits(per_second=50))
    start = now()
    for i in range(26):
        await limiter.acquire(BROADCAST, str(i))
    assert 0.48 <= now() - start < 0.75  # 25 intervals of 20 ms


@on_virtual_clock
async def test_a_reply_goes_ahead_of_queued_broadcasts():
    limiter = LaneLimiter(ChannelLimits(per_second=20))
    done: list[tuple[str, float]] = []
    start = now()

    async def broadcast(i: int) -> None:
        await limiter.acquire(BROADCAST, f"b{i}")
        done.append(("b", now() - start))

    async def reply() -> None:
        await asyncio.sleep(0.12)
        await limiter.acquire(REPLY, "citizen")
        done.append(("r", now() - start))

    await asyncio.gather(*(broadcast(i) for i in range(20)), reply())
    reply_at = next(t for kind, t in done if kind == "r")
    assert reply_at < 0.12 + 0.1  # within about one slot of asking
    assert sum(1 for kind, t in done if kind == "b" and t > reply_at) >= 15  # the queue waited


@on_virtual_clock
async def test_a_429_on_the_broadcast_lane_does_not_hold_replies():
    limiter = LaneLimiter(ChannelLimits(per_second=100))
    limiter.pause(BROADCAST, 1.0)
    start = now()
    await limiter.acquire(REPLY, "citizen")
    assert now() - start < 0.05
    await limiter.acquire(BROADCAST, "subscriber")
    assert now() - start >= 0.99


@on_virtual_clock
async def test_one_message_a_second_per_chat_and_memory_stays_flat():
    limiter = LaneLimiter(ChannelLimits(per_second=0, chat_interval=0.3))
    start = now()
    await limiter.acquire(REPLY, "same")
    await limiter.acquire(REPLY, "same")
    assert 0.29 <= now() - start < 0.4
    start = now()
    for i in range(12_000):  # unlimited rate: a broadcast to many chats does not wait
        await limiter.acquire(BROADCAST, str(i))
        await asyncio.sleep(0.0001)  # the time each send itself takes
    assert now() - start < 12_000 * 0.0001 + 0.01
    assert len(limiter._chat_next) <= 5001


@on_virtual_clock
async def test_a_slow_prepare_does_not_bunch_or_slow_the_cadence():
    """The outbox's mark runs before the slot: commits of 5 or 70 ms at a 50 ms pace still
    leave the messages 50 ms apart."""
    limiter = LaneLimiter(ChannelLimits(per_second=20))
    left: list[float] = []

    async def broadcast(i: int) -> None:
        async def prepare() -> None:
            await asyncio.sleep(0.07 if i % 2 else 0.005)

        await limiter.acquire(BROADCAST, str(i), prepare=prepare)
        left.append(now())

    start = now()
    await asyncio.gather(*(broadcast(i) for i in range(11)))
    gaps = [b - a for a, b in zip(left, left[1:], strict=False)]
    assert min(gaps) >= 0.045  # never two at once
    assert left[-1] - start < 0.07 + 10 * 0.05 + 0.08  # no slot lost to the commits


@on_virtual_clock
async def test_the_platform_count_waits_for_a_send_answered_late():
    """At most `platform_per_second` sends in any second as the platform counts them: the
    next waits one second after the answer of the send that many before it."""
    limiter = LaneLimiter(ChannelLimits(per_second=50, platform_per_second=5))
    start = now()
    first = await limiter.acquire(BROADCAST, "0")
    for i in range(1, 5):
        (await limiter.acquire(BROADCAST, str(i))).answered()
    await asyncio.sleep(0.25 - (now() - start))
    first.answered()  # its answer came back late: the platform may have counted it late
    await limiter.acquire(BROADCAST, "5")
    assert 1.24 <= now() - start < 1.4


@on_virtual_clock
async def test_the_platform_count_costs_nothing_at_an_even_pace():
    limiter = LaneLimiter(ChannelLimits(per_second=29, platform_per_second=30))
    start = now()
    for i in range(41):
        (await limiter.acquire(BROADCAST if i % 3 else REPLY, str(i))).answered()
    assert 40 / 29 - 0.02 <= now() - start < 40 / 29 + 0.1

"""The two-lane limiter: pace, replies ahead of broadcasts, a broadcast 429 that does not
hold replies, one message a second per chat."""

from __future__ import annotations

import asyncio

from bot.channels.ratelimit import BROADCAST, REPLY, ChannelLimits, LaneLimiter


def now() -> float:
    return asyncio.get_running_loop().time()


async def test_paces_to_the_rate():
    limiter = LaneLimiter(ChannelLimits(per_second=50))
    start = now()
    for i in range(26):
        await limiter.acquire(BROADCAST, str(i))
    assert 0.48 <= now() - start < 0.75  # 25 intervals of 20 ms


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


async def test_a_429_on_the_broadcast_lane_does_not_hold_replies():
    limiter = LaneLimiter(ChannelLimits(per_second=100))
    limiter.pause(BROADCAST, 1.0)
    start = now()
    await limiter.acquire(REPLY, "citizen")
    assert now() - start < 0.05
    await limiter.acquire(BROADCAST, "subscriber")
    assert now() - start >= 0.99


async def test_one_message_a_second_per_chat_and_memory_stays_flat():
    limiter = LaneLimiter(ChannelLimits(per_second=0, chat_interval=0.3))
    start = now()
    await limiter.acquire(REPLY, "same")
    await limiter.acquire(REPLY, "same")
    assert 0.29 <= now() - start < 0.4
    for i in range(12_000):  # unlimited rate: a broadcast to many chats does not wait
        await limiter.acquire(BROADCAST, str(i))
    assert len(limiter._chat_next) <= 5001


async def test_share_splits_the_budget_between_workers():
    limiter = LaneLimiter(ChannelLimits(per_second=30))
    limiter.share(3)
    assert round(limiter.per_second, 6) == 10
    limiter.share(1)
    assert round(limiter.per_second, 6) == 30

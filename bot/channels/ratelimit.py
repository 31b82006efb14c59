"""Send pacing for one channel, in two lanes.

Replies to someone in a conversation (the `reply` lane) always go first; broadcasts (the
`broadcast` lane) take the slots replies leave. A 429 answered to a broadcast pauses the
broadcast lane only, so replies keep flowing while it waits.

This replaces python-telegram-bot's `AIORateLimiter` on purpose: that limiter pauses every
request of the bot while any one of them waits out a 429, which would freeze replies to
citizens behind a broadcast's retry-after.

Pacing is a GCRA (a token bucket without burst): the next message may leave one interval
after the previous one. Each chat also gets at most one message per `chat_interval`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

Lane = Literal["reply", "broadcast"]
REPLY: Lane = "reply"
BROADCAST: Lane = "broadcast"

CATCH_UP = 0.003  # seconds of a late wake-up the broadcast lane may make up
_PRUNE_AT = 5000  # per-chat entries kept before expired ones are dropped (memory stays flat)


@dataclass(frozen=True)
class ChannelLimits:
    per_second: float  # messages a second for the whole bot; 0 = unlimited
    chat_interval: float = 0.0  # seconds between two messages to one chat; 0 = none


class LaneLimiter:
    def __init__(self, limits: ChannelLimits) -> None:
        self.limits = limits
        self.chat_interval = limits.chat_interval
        self.set_rate(limits.per_second)
        self._tat = 0.0  # when the next message may leave
        self._chat_next: dict[str, float] = {}
        self._paused_until: dict[str, float] = {REPLY: 0.0, BROADCAST: 0.0}
        self._broadcast_turn = asyncio.Lock()  # broadcast senders queue here, one at the gate

    @property
    def per_second(self) -> float:
        return 1.0 / self._interval if self._interval else 0.0

    def set_rate(self, per_second: float) -> None:
        """Change the pace (e.g. when another worker shares the channel's budget)."""
        self._interval = 1.0 / per_second if per_second and per_second > 0 else 0.0

    def share(self, workers: int) -> None:
        """Take 1/`workers` of the channel's budget: processes that deliver broadcasts on the
        same channel split its platform limit between them."""
        if self.limits.per_second:
            self.set_rate(self.limits.per_second / max(1, workers))

    def pause(self, lane: Lane, seconds: float) -> None:
        """Hold `lane` for `seconds` (a 429's retry-after); the other lane is not held."""
        until = asyncio.get_running_loop().time() + max(0.0, seconds)
        self._paused_until[lane] = max(self._paused_until[lane], until)

    def paused_for(self, lane: Lane) -> float:
        return max(0.0, self._paused_until[lane] - asyncio.get_running_loop().time())

    async def acquire(self, lane: Lane, chat_id: str) -> None:
        """Wait until a message to `chat_id` may leave on `lane`."""
        await self._chat_turn(chat_id)
        if lane == REPLY:
            await self._reply_slot()
        else:
            async with self._broadcast_turn:
                await self._broadcast_slot()

    async def _chat_turn(self, chat_id: str) -> None:
        if not self.chat_interval:
            return
        now = asyncio.get_running_loop().time()
        at = max(now, self._chat_next.get(chat_id, 0.0))
        self._chat_next[chat_id] = at + self.chat_interval
        if len(self._chat_next) > _PRUNE_AT:
            self._chat_next = {k: v for k, v in self._chat_next.items() if v > now}
        if at > now:
            await asyncio.sleep(at - now)

    async def _reply_slot(self) -> None:
        """A reply reserves the next slot at once: it waits behind other replies only."""
        loop = asyncio.get_running_loop()
        while (wait := self._paused_until[REPLY] - loop.time()) > 0:  # noqa: ASYNC110 (a deadline)
            await asyncio.sleep(wait)
        now = loop.time()
        at = max(self._tat, now)
        self._tat = at + self._interval
        if at > now:
            await asyncio.sleep(at - now)

    async def _broadcast_slot(self) -> None:
        """A broadcast takes a slot only when it is free now, never reserving ahead, so a
        reply arriving later still goes first."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            wait = max(self._paused_until[BROADCAST] - now, self._tat - now)
            if wait > 0:
                await asyncio.sleep(wait)
                continue  # a reply may have taken the slot meanwhile
            # Keep the cadence when the wake-up came a few milliseconds late (timer and loop
            # jitter) instead of losing that on every message; never more, or sends bunch
            # up and the platform's one-second window answers 429.
            base = self._tat if now - self._tat < min(self._interval, CATCH_UP) else now
            self._tat = base + self._interval
            return

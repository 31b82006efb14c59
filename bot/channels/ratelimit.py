"""Send pacing for one channel, in two lanes.

Replies to someone in a conversation (the `reply` lane) always go first; broadcasts (the
`broadcast` lane) take the slots replies leave. A 429 answered to a broadcast pauses the
broadcast lane only, so replies keep flowing while it waits.

This replaces python-telegram-bot's `AIORateLimiter` on purpose: that limiter pauses every
request of the bot while any one of them waits out a 429, which would freeze replies to
citizens behind a broadcast's retry-after.

Pacing is a GCRA (a token bucket without burst): messages leave one interval apart, on a
fixed cadence; a wake-up up to one interval late is made up, so timer and loop jitter do
not eat into the rate. Whatever the sender must do before a send (the outbox's durable
"sending" mark) is done before the slot, never between the slot and the request.

The platform counts differently: Telegram takes about 30 messages in any one second, as
they reach it. Paced at 29/s, 31 messages span 1.03 s, so a message held up ~35 ms on the
way (a busy machine, a slow hop) is enough for the platform to see 31 in one second and
answer 429, whose retry-after then costs a whole second. So when `ChannelLimits.platform
_per_second` is set, the limiter also keeps the platform's own count: the message
`platform_per_second` sends after another leaves only one second after that other one was
ANSWERED. An answer proves the platform had counted the message by then, so no second, as
the platform sees it, can hold more than its limit, however the messages were delayed on
the way; at an even pace the answers come back long before that matters, and the rule
costs nothing. Each chat also gets at most one message per `chat_interval`."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.kernel.sending import BROADCAST, REPLY, Lane

Prepare = Callable[[], Awaitable[None]]


class FleetSlots(Protocol):
    """A budget shared with other processes: `slot()` returns when a send may leave, with
    what to call once the platform has answered it."""

    async def slot(self) -> Callable[[], None]: ...

PREPARED_AHEAD = 2  # broadcast messages prepared (marked) before their slot: at the gate and next
WINDOW = 1.0  # seconds: the platform counts sends per second
IN_FLIGHT_MAX = 30.0  # seconds: a send unanswered this long no longer holds the window up
_PRUNE_AT = 5000  # per-chat entries kept before expired ones are dropped (memory stays flat)


@dataclass(frozen=True)
class ChannelLimits:
    per_second: float  # our pace: messages a second for the whole bot; 0 = unlimited
    chat_interval: float = 0.0  # seconds between two messages to one chat; 0 = none
    platform_per_second: int = 0  # the platform's own limit, kept as it counts (0 = not kept)


class Send:
    """One admitted send; `answered()` when the platform's answer (or error) is back."""

    __slots__ = ("at", "answered_at", "on_answer")

    def __init__(self, at: float, on_answer: Callable[[], None] | None = None) -> None:
        self.at = at
        self.answered_at: float | None = None
        self.on_answer = on_answer  # the fleet's report, for a broadcast send

    def answered(self) -> None:
        if self.answered_at is None:
            self.answered_at = asyncio.get_running_loop().time()
            if self.on_answer is not None:
                self.on_answer()


class LaneLimiter:
    def __init__(self, limits: ChannelLimits) -> None:
        self.limits = limits
        self.chat_interval = limits.chat_interval
        self.set_rate(limits.per_second)
        self._tat = 0.0  # when the next message may leave
        self._chat_next: dict[str, float] = {}
        self._paused_until: dict[str, float] = {REPLY: 0.0, BROADCAST: 0.0}
        self._broadcast_turn = asyncio.Lock()  # broadcast senders queue here, one at the gate
        self._preparing = asyncio.Semaphore(PREPARED_AHEAD)
        self._window_cap = limits.platform_per_second
        self._sends: deque[Send] = deque()  # the last `_window_cap` sends, oldest first
        self._replies_at_window = 0
        self.fleet: FleetSlots | None = None

    @property
    def per_second(self) -> float:
        return 1.0 / self._interval if self._interval else 0.0

    def set_rate(self, per_second: float) -> None:
        """Change the pace."""
        self._interval = 1.0 / per_second if per_second and per_second > 0 else 0.0

    def join_fleet(self, fleet: FleetSlots) -> None:
        """Broadcasts also wait for a slot of the fleet's shared budget (several delivery
        processes on one channel: see `scheduler.delivery.pace`)."""
        self.fleet = fleet

    def pause(self, lane: Lane, seconds: float) -> None:
        """Hold `lane` for `seconds` (a 429's retry-after); the other lane is not held."""
        until = asyncio.get_running_loop().time() + max(0.0, seconds)
        self._paused_until[lane] = max(self._paused_until[lane], until)

    def paused_for(self, lane: Lane) -> float:
        return max(0.0, self._paused_until[lane] - asyncio.get_running_loop().time())

    async def acquire(self, lane: Lane, chat_id: str, prepare: Prepare | None = None) -> Send:
        """Wait until a message to `chat_id` may leave on `lane`; call `answered()` on the
        returned `Send` when the platform's answer is back.

        `prepare` (the outbox's durable "sending" mark) is awaited once the message is next
        in line, BEFORE its slot: the slot is then kept however long `prepare` took, so the
        send leaves on the cadence instead of a commit's latency later."""
        await self._chat_turn(chat_id)
        if lane == REPLY:
            if prepare is not None:
                await prepare()
            await self._reply_slot()
            return await self._window_turn(REPLY)
        if not self._interval:  # unlimited: nothing to queue for
            await self._pause_over(BROADCAST)
            if prepare is not None:
                await prepare()
            return Send(asyncio.get_running_loop().time())
        # The message after the one at the gate prepares meanwhile: a commit that takes
        # longer than one interval still does not cost a slot.
        async with self._preparing:
            await self._pause_over(BROADCAST)  # a row is not marked to wait out a 429
            if prepare is not None:
                await prepare()
            async with self._broadcast_turn:
                await self._broadcast_slot()
                report = await self.fleet.slot() if self.fleet is not None else None
                send = await self._window_turn(BROADCAST)
                send.on_answer = report
                return send

    async def _window_turn(self, lane: Lane) -> Send:
        """Hold the send while the platform may still count `_window_cap` sends in the
        second before it (see the module's doc); replies waiting here go first."""
        loop = asyncio.get_running_loop()
        cap = self._window_cap if self._interval else 0
        if lane == REPLY:
            self._replies_at_window += 1
        try:
            while cap and len(self._sends) >= cap:
                now = loop.time()
                oldest = self._sends[-cap]
                if oldest.answered_at is not None:
                    wait = oldest.answered_at + WINDOW - now
                elif now - oldest.at > IN_FLIGHT_MAX:
                    wait = 0.0
                else:
                    wait = min(self._interval, 0.005)  # still on its way: look again soon
                if lane == BROADCAST and self._replies_at_window:
                    wait = max(wait, 0.001)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
        finally:
            if lane == REPLY:
                self._replies_at_window -= 1
        send = Send(loop.time())
        if cap:
            self._sends.append(send)
            while len(self._sends) > cap:
                self._sends.popleft()
        return send

    async def _pause_over(self, lane: Lane) -> None:
        loop = asyncio.get_running_loop()
        while (wait := self._paused_until[lane] - loop.time()) > 0:  # noqa: ASYNC110 (a deadline)
            await asyncio.sleep(wait)

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
        await self._pause_over(REPLY)
        loop = asyncio.get_running_loop()
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
            # Keep the cadence when the wake-up came late by up to one interval (timer and
            # loop jitter) instead of losing that on every message; the platform's count
            # is kept by `_window_turn`.
            base = self._tat if now - self._tat < self._interval else now
            self._tat = base + self._interval
            return

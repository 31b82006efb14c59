"""Waking the browsers that wait for a message: the event streams (/api/events) and long
polls (/api/inbox?wait=) of this process.

A message stored by this process wakes its session's waiters at once (`notify`). One
written by another process (the `cchc-bot worker` delivering a campaign, another bot
process) is found by one query every `interval` seconds, made only while someone waits:
the rows sent outside a turn written in the last moments, by any process. A waiter woken
reads its own rows after its cursor, so a wake-up too many costs one small query and a
message is never missed (a waiter also reads once when it starts).

The number of waiters is bounded per session and in all (`admit`), so a page opened in
many tabs, or a flood of requests, cannot hold every connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.kernel.clock import utcnow

log = logging.getLogger(__name__)

# Rows are looked for back to this long before the previous look: a transaction that
# commits a little after its row's time, or a clock a little behind, is still seen.
OVERLAP = timedelta(seconds=10)

Since = Callable[[datetime], Awaitable[list[tuple[int, str]]]]


class TooMany(Exception):
    """No room for another waiter (`per_session` says which limit)."""

    def __init__(self, per_session: bool) -> None:
        super().__init__("too many waiting connections")
        self.per_session = per_session


class Waiter:
    """One stream or long poll waiting for a session's messages: `event` is set when one
    may have arrived (or the server is stopping)."""

    def __init__(self, notifier: Notifier, session: str) -> None:
        self.notifier, self.session = notifier, session
        self.event = asyncio.Event()

    def __enter__(self) -> Waiter:
        return self

    def __exit__(self, *_: object) -> None:
        self.notifier._leave(self)


class Notifier:
    def __init__(self, since: Since, *, interval: float = 2.0, per_session: int = 4, total: int = 2000) -> None:
        self._since = since
        self.interval = interval
        self.per_session, self.total = per_session, total
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._count = 0
        self._seen: dict[int, datetime] = {}  # ids already announced, for the overlap
        self.closed = False
        self._task: asyncio.Task | None = None

    @property
    def waiting(self) -> int:
        return self._count

    def admit(self, session: str) -> Waiter:
        """A waiter for `session` (use it in a `with`); raises `TooMany` beyond the limits."""
        if len(self._waiters.get(session, ())) >= self.per_session:
            raise TooMany(per_session=True)
        if self._count >= self.total:
            raise TooMany(per_session=False)
        waiter = Waiter(self, session)
        if self.closed:
            waiter.event.set()
        self._waiters.setdefault(session, set()).add(waiter.event)
        self._count += 1
        return waiter

    def _leave(self, waiter: Waiter) -> None:
        self._count -= 1
        left = self._waiters.get(waiter.session)
        if left is not None:
            left.discard(waiter.event)
            if not left:
                del self._waiters[waiter.session]

    def notify(self, session: str, message_id: int | None = None) -> None:
        if message_id is not None:
            self._seen[message_id] = utcnow()
        for event in self._waiters.get(session, ()):
            event.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._watch(), name="web-notifier")

    async def close(self) -> None:
        """Wake every waiter for good (the server is stopping) and stop looking."""
        self.closed = True
        for events in self._waiters.values():
            for event in events:
                event.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _watch(self) -> None:
        looked = utcnow()
        while True:
            await asyncio.sleep(self.interval)
            if not self._waiters:
                self._forget(utcnow())
                looked = utcnow()
                continue
            began = utcnow()
            try:
                found = await self._since(looked - OVERLAP)
            except Exception:
                log.warning("could not look for new web chat messages", exc_info=True)
                continue
            looked = began
            for message_id, session in found:
                if message_id not in self._seen:
                    self.notify(session, message_id)
            self._forget(began)

    def _forget(self, now: datetime) -> None:
        horizon = now - 2 * OVERLAP
        self._seen = {i: at for i, at in self._seen.items() if at >= horizon}

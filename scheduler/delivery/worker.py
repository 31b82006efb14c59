"""The delivery worker: its loop claims a batch (or takes the one claimed ahead), screens
it, sends its rows `delivery_concurrency` at a time, records the results and releases
what it did not send; between batches it waits for work. `Worker` combines the parts:
its lease in the fleet, claiming, sending, recording (see `scheduler.delivery`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections import defaultdict

from bot.config import Settings
from bot.content.store import ContentStore
from bot.db.session import Database
from bot.kernel.sending import Sender
from bot.kernel.timing import QuietHours
from scheduler import firing
from scheduler.delivery.claiming import Claiming
from scheduler.delivery.lease import Lease
from scheduler.delivery.recording import Recording
from scheduler.delivery.sending import MarkQueue, Sending
from scheduler.delivery.state import BroadcastInfo, Claimed, FallbackDecision, Outcome

log = logging.getLogger(__name__)


class Worker(Lease, Claiming, Sending, Recording):
    """One delivery worker. Several may run (processes, or tasks in one) on PostgreSQL;
    on SQLite run one."""

    def __init__(self, db: Database, content: ContentStore, settings: Settings,
                 senders: dict[str, Sender], *, worker_id: str | None = None) -> None:
        self.db, self.content, self.settings, self.senders = db, content, settings, senders
        self.id = worker_id or f"{socket.gethostname()[:16]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.batch_size = settings.delivery_batch_size
        self.concurrency = settings.delivery_concurrency
        self.max_attempts = settings.delivery_max_attempts
        self.lease = settings.delivery_lease_seconds
        self.quiet = QuietHours(settings.quiet_hours)
        self.cap = settings.broadcast_max_per_day
        self._broadcasts: dict[int, BroadcastInfo] = {}
        # A channel fallback's decision per (broadcast, channel), and a lock so the rows of
        # one batch wait for the first decision instead of racing to it.
        self._fallbacks: dict[tuple[int, str], FallbackDecision] = {}
        self._fallback_locks: dict[tuple[int, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._channel_wait: dict[str, float] = {}
        self._marks = MarkQueue(self)
        self._results: list[tuple[Claimed, Outcome]] = []
        self._flush_lock = asyncio.Lock()
        self._prefetch: asyncio.Task[list[Claimed]] | None = None  # the next batch, claimed ahead
        self.sent = 0  # this worker's successful sends, for benchmarks and logs

    # ------------------------------------------------------------------ the loop

    async def run(self, stop: asyncio.Event) -> None:
        await self.register()
        beat = asyncio.create_task(self._heartbeat(stop), name=f"heartbeat-{self.id}")
        log.info("delivery worker started", extra={"worker": self.id, "channels": list(self.senders)})
        try:
            while not stop.is_set():
                try:
                    handled = await self.run_once()
                except Exception:
                    log.exception("delivery batch failed", extra={"worker": self.id})
                    handled = 0
                if not handled:
                    with contextlib.suppress(Exception):
                        await firing.finish(self.db)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.settings.delivery_poll_seconds)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            await self._flush()
            await self.unregister()
            log.info("delivery worker stopped", extra={"worker": self.id, "sent": self.sent})

    async def run_once(self) -> int:
        """Deliver one batch (claimed now, or ahead by the previous call); returns how many
        rows it handled. Near the end of the batch the next one is claimed in the
        background, so sending does not stop at every batch boundary for the claim."""
        claimed = await self._prefetched() or await self.claim()
        if not claimed:
            return 0
        # Screened now, after the previous batch's results are written (the frequency cap
        # counts them).
        rows = await self._screen(claimed)
        gate = asyncio.Semaphore(self.concurrency)
        waiting = len(rows)

        async def one(row: Claimed) -> None:
            nonlocal waiting
            async with gate:
                waiting -= 1
                if waiting == 2 * self.concurrency:
                    self._prefetch = asyncio.get_running_loop().create_task(self.claim())
                await self._deliver(row)

        await asyncio.gather(*(one(row) for row in rows))
        await self._flush()
        await self._release([row.id for row in claimed])
        return len(rows) or 1

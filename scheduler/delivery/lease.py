"""A delivery worker's place in the fleet: it registers (a `delivery_workers` row), keeps
its lease with a heartbeat, takes each channel's broadcast slots from the fleet's one
budget (`scheduler.delivery.pace`), and leaves. A worker whose heartbeat stops is presumed dead after the
lease (`delivery_lease_seconds`): `recover` hands its claimed rows back to the queue and
turns its rows marked "sending" into uncertain ones, never resent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import timedelta

from sqlalchemy import delete, select, update

from bot.db.models_campaigns import DeliveryWorker, OutboxMessage
from bot.db.results import rowcount
from bot.db.session import Database
from bot.kernel.clock import utcnow
from scheduler.delivery.pace import FleetPace
from scheduler.delivery.state import S, WorkerState

log = logging.getLogger(__name__)

HEARTBEAT_MAX = 5.0


class Lease(WorkerState):
    """Registration, heartbeat and budget sharing."""

    async def register(self) -> None:
        async with self.db.session() as session:
            if await session.get(DeliveryWorker, self.id) is None:
                session.add(DeliveryWorker(id=self.id, host=socket.gethostname()[:128], pid=os.getpid()))
            await session.commit()
        await recover(self.db, self.lease)
        self._join_fleet()

    async def unregister(self) -> None:
        """Leave: rows claimed ahead go back to the queue, then the worker's entry goes."""
        await self._drop_prefetched()
        await self._release()
        with contextlib.suppress(Exception):
            async with self.db.session() as session:
                await session.execute(delete(DeliveryWorker).where(DeliveryWorker.id == self.id))
                await session.commit()

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        interval = min(HEARTBEAT_MAX, self.lease / 3)
        while not stop.is_set():
            await asyncio.sleep(interval)
            try:
                async with self.db.session() as session:
                    alive = await session.execute(
                        update(DeliveryWorker).where(DeliveryWorker.id == self.id)
                        .values(heartbeat_at=utcnow()))
                    await session.commit()
                if not rowcount(alive):  # presumed dead by others: our claims were handed on
                    log.warning("delivery worker was presumed dead; registering again",
                                extra={"worker": self.id})
                    await self.register()
                await recover(self.db, self.lease)
            except Exception:
                log.exception("delivery heartbeat failed", extra={"worker": self.id})

    def _join_fleet(self) -> None:
        """On PostgreSQL, where several workers may run, each paced channel's broadcasts
        take slots of one budget for the whole fleet (`scheduler.delivery.pace`)."""
        if self.db.is_sqlite:
            return
        for channel, sender in self.senders.items():
            limiter = getattr(sender, "limiter", None)
            if limiter is not None and limiter.limits.per_second and limiter.fleet is None:
                limiter.join_fleet(FleetPace(self.db, channel, limiter.limits.per_second))


async def recover(db: Database, lease: float) -> int:
    """Hand on the rows of workers whose heartbeat stopped: claimed rows (never sent) go
    back to pending; rows marked sending become uncertain (never resent). Returns rows
    touched."""
    cutoff = utcnow() - timedelta(seconds=lease)
    async with db.session() as session:
        await session.execute(delete(DeliveryWorker).where(DeliveryWorker.heartbeat_at < cutoff))
        live = select(DeliveryWorker.id)
        orphan = (OutboxMessage.worker.is_not(None), OutboxMessage.worker.not_in(live))
        released = await session.execute(
            update(OutboxMessage).where(OutboxMessage.status == S.CLAIMED, *orphan)
            .values(status=S.PENDING, worker=None))
        doubtful = await session.execute(
            update(OutboxMessage).where(OutboxMessage.status == S.SENDING, *orphan)
            .values(status=S.UNCERTAIN, sent_at=utcnow(),
                    detail="worker stopped during the send: maybe delivered, not resent"))
        await session.commit()
    touched = (rowcount(released) or 0) + (rowcount(doubtful) or 0)
    if touched:
        log.warning("rows of a stopped worker recovered",
                    extra={"to_pending": rowcount(released), "to_uncertain": rowcount(doubtful)})
    return touched

"""Recording a delivery worker's results: each row's `Outcome` is queued and written with
the next "sending" mark, in the mark's own transaction (see `Sending._mark`), so a send's
result is durable before the next send starts; what no mark carries is written at the end
of each batch (or every `RESULT_FLUSH` results). Written per batch of results: one UPDATE
per kind of outcome, fenced by `worker = me` and the expected status, the broadcast's
engagement events, and the people found unreachable. A crash between a send and its
record leaves the row "sending", hence uncertain, never resent: at most one row per
sending slot, `delivery_concurrency` in all."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import events
from bot.db.events import EventKind
from bot.db.models import EngagementEvent
from bot.db.models_campaigns import OutboxMessage, RecipientStatus
from bot.kernel.clock import utcnow
from scheduler.delivery.state import Claimed, Outcome, S, WorkerState

log = logging.getLogger(__name__)

RESULT_FLUSH = 100  # results written in one transaction (and at the end of each batch)


class Recording(WorkerState):
    """Results queued, then written in batches."""

    def _record(self, row: Claimed, outcome: Outcome) -> None:
        self._results.append((row, outcome))
        if len(self._results) >= RESULT_FLUSH and not self._flush_lock.locked():
            asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        async with self._flush_lock:
            results, self._results = self._results, []
            if not results:
                return
            try:
                await self._write(results)
            except Exception:
                # The rows stay claimed/sending under this worker: released or recovered
                # (sending → uncertain) later; nothing is sent twice.
                log.exception("could not record delivery results", extra={"rows": len(results)})

    async def _write(self, results: list[tuple[Claimed, Outcome]]) -> None:
        async with self.db.engine.begin() as conn:
            await self._write_on(conn, results)

    def _take_results(self) -> list[tuple[Claimed, Outcome]]:
        """The results not written yet, to write with the next "sending" mark."""
        results, self._results = self._results, []
        return results

    def _give_back(self, results: list[tuple[Claimed, Outcome]]) -> None:
        """Results whose write failed: written with the next mark or flush."""
        self._results[:0] = results

    async def _write_on(self, conn: AsyncConnection, results: list[tuple[Claimed, Outcome]]) -> None:
        """Write results in the caller's transaction: one UPDATE per kind of outcome, one
        multi-row INSERT of their engagement events (Core: no ORM work per row)."""
        now = utcnow()
        mine = (OutboxMessage.worker == self.id,
                OutboxMessage.status.in_([S.CLAIMED, S.SENDING, S.UNCERTAIN]))
        final: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        salt = self.settings.pseudonym_salt
        event_rows = []
        unreachable: dict[int, str | None] = {}
        for row, outcome in results:
            if outcome.status == S.PENDING:
                await conn.execute(
                    update(OutboxMessage).where(OutboxMessage.id == row.id, *mine)
                    .values(status=S.PENDING, worker=None, not_before=outcome.retry_at or now,
                            attempts=outcome.attempts if outcome.attempts is not None
                            else OutboxMessage.attempts, detail=outcome.detail))
                continue
            final[(outcome.status, outcome.detail)].append(row.id)
            if outcome.status == S.UNREACHABLE:
                unreachable[row.user_id] = outcome.detail
            kind = {S.SENT: EventKind.BROADCAST_DELIVERED, S.ARTICLE: EventKind.BROADCAST_DELIVERED,
                    S.UNREACHABLE: EventKind.BROADCAST_FAILED, S.FAILED: EventKind.BROADCAST_FAILED,
                    S.UNCERTAIN: EventKind.BROADCAST_FAILED, S.NO_WINDOW: EventKind.BROADCAST_FAILED,
                    }.get(outcome.status)
            if kind and row.address:
                info = self._broadcasts.get(row.broadcast_id)
                event_rows.append({
                    "user_key": events.user_key(salt, row.channel, row.address),
                    "channel": row.channel, "kind": str(kind), "occurred_at": now,
                    "topic": info.topic if info else None,
                    "item": f"campaign:{info.campaign_id}" if info else None,
                    "outcome": None if outcome.status == S.SENT else _event_outcome(outcome),
                })
        for (status, detail), ids in final.items():
            await conn.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(ids), *mine)
                .values(status=status, sent_at=now, detail=detail))
        for user_id, reason in unreachable.items():
            await self._unreachable(conn, user_id, reason, now)
        if event_rows:
            await conn.execute(insert(EngagementEvent), event_rows)

    @staticmethod
    async def _unreachable(conn: AsyncConnection, user_id: int, reason: str | None, now: datetime) -> None:
        values = {"unreachable_since": now, "unreachable_reason": (reason or "")[:80]}
        changed = await conn.execute(
            update(RecipientStatus).where(RecipientStatus.user_id == user_id).values(**values))
        if not changed.rowcount:
            await conn.execute(insert(RecipientStatus).values(user_id=user_id, **values))


def _event_outcome(outcome: Outcome) -> str:
    if outcome.status == S.FAILED:
        return "gave_up" if (outcome.detail or "").startswith("gave up") else "rejected"
    return str(outcome.status)

"""Claiming outbox rows for a delivery worker: a batch of pending rows of broadcasts still
sending (urgent ones only in quiet hours; none of a channel that is held), taken with
`FOR UPDATE SKIP LOCKED`, and the next batch claimed ahead near the end of this one. The
batch is screened once before sending (addresses; who became unreachable or opted out
since the expansion or reached the frequency cap; who a channel knows to be outside its
reply window), and rows claimed but not sent go back to the queue (`_release`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.db.models_campaigns import Broadcast, BroadcastStatus, OutboxMessage, RecipientStatus
from bot.kernel.clock import utcnow
from scheduler import message
from scheduler.delivery.state import BroadcastInfo, Claimed, Outcome, S, WorkerState

log = logging.getLogger(__name__)


class Claiming(WorkerState):
    """Taking rows, screening them, giving back the ones not sent."""

    async def _prefetched(self) -> list[Claimed] | None:
        """The batch claimed ahead, if any."""
        task, self._prefetch = self._prefetch, None
        if task is None:
            return None
        try:
            return await task
        except Exception:
            log.exception("claiming the next batch failed", extra={"worker": self.id})
            return None

    async def _drop_prefetched(self) -> None:
        """Stop claiming ahead; rows already claimed ahead are released with the rest."""
        task, self._prefetch = self._prefetch, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    async def claim(self) -> list[Claimed]:
        now = utcnow()
        loop = asyncio.get_running_loop()
        channels = [c for c in self.senders if self._channel_wait.get(c, 0.0) <= loop.time()]
        if not channels:
            return []
        active = select(Broadcast.id).where(Broadcast.status == BroadcastStatus.SENDING)
        if self.quiet.active(now):
            active = active.where(Broadcast.urgent.is_(True))
        pick = (select(OutboxMessage.id)
                .where(OutboxMessage.status == S.PENDING, OutboxMessage.broadcast_id.in_(active),
                       OutboxMessage.not_before <= now, OutboxMessage.channel.in_(channels))
                .order_by(OutboxMessage.id).limit(self.batch_size))
        if not self.db.is_sqlite:
            pick = pick.with_for_update(skip_locked=True)
        claim = (update(OutboxMessage).where(OutboxMessage.id.in_(pick))
                 .values(status=S.CLAIMED, worker=self.id)
                 .returning(OutboxMessage.id, OutboxMessage.broadcast_id, OutboxMessage.user_id,
                            OutboxMessage.channel, OutboxMessage.attempts))
        async with self.db.session() as session:
            rows = [Claimed(*r) for r in (await session.execute(claim)).all()]
            await session.commit()
        return sorted(rows, key=lambda r: r.id)

    async def _screen(self, rows: list[Claimed]) -> list[Claimed]:
        """Look the batch up once: addresses, who became unreachable or opted out since the
        expansion, who reached the frequency cap. Those are recorded, not sent."""
        ids = [r.user_id for r in rows]
        async with self.db.session() as session:
            people = {
                uid: (address, last_seen, unreachable, opted_out)
                for uid, address, last_seen, unreachable, opted_out in (await session.execute(
                    select(User.id, User.channel_user_id, User.last_seen_at,
                           RecipientStatus.unreachable_since, RecipientStatus.opted_out_at)
                    .outerjoin(RecipientStatus, RecipientStatus.user_id == User.id)
                    .where(User.id.in_(ids)))).all()
            }
            recent: dict[int, int] = {}
            if self.cap > 0:
                since = utcnow() - timedelta(days=1)
                recent = dict((await session.execute(
                    select(OutboxMessage.user_id, func.count())
                    .where(OutboxMessage.user_id.in_(ids), OutboxMessage.status == S.SENT,
                           OutboxMessage.sent_at > since)
                    .group_by(OutboxMessage.user_id))).tuples().all())
            for broadcast_id in {r.broadcast_id for r in rows}:
                await self._load(session, broadcast_id)
        keep = []
        for row in rows:
            address, last_seen, unreachable, opted_out = people.get(row.user_id, (None,) * 4)
            info = self._broadcasts[row.broadcast_id]
            row.address = address or ""
            if unreachable is not None and last_seen is not None and unreachable >= last_seen:
                self._record(row, Outcome(S.UNREACHABLE, "unreachable before sending"))
            elif opted_out is not None and opted_out > info.created_at:
                self._record(row, Outcome(S.SKIPPED, "opted out"))
            elif not info.urgent and self.cap > 0 and recent.get(row.user_id, 0) >= self.cap:
                self._record(row, Outcome(S.SKIPPED, "frequency cap"))
            else:
                keep.append(row)
        await self._screen_windows(keep)
        return keep

    async def _screen_windows(self, rows: list[Claimed]) -> None:
        """Flag the rows of people a channel knows to be outside its reply window."""
        by_channel: dict[str, list[Claimed]] = defaultdict(list)
        for row in rows:
            by_channel[row.channel].append(row)
        for channel, group in by_channel.items():
            check = getattr(self.senders.get(channel), "outside_window", None)
            if check is None:
                continue
            try:
                outside = await check([r.address for r in group if r.address])
            except Exception:  # the sender finds out for itself, one by one
                log.exception("reply window lookup failed", extra={"channel": channel})
                continue
            for row in group:
                row.outside_window = row.address in outside

    async def _load(self, session: AsyncSession, broadcast_id: int) -> None:
        if broadcast_id in self._broadcasts:
            return
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None  # claimed outbox rows point to it (ON DELETE CASCADE)
        if len(self._broadcasts) > 32:
            self._broadcasts.clear()
            self._fallbacks.clear()
            self._fallback_locks.clear()
        self._broadcasts[broadcast_id] = BroadcastInfo(
            replies=message.render(self.content, broadcast.message, broadcast_id),
            message=broadcast.message,
            campaign_id=broadcast.campaign_id, topic=broadcast.message.get("topic"),
            urgent=broadcast.urgent, created_at=broadcast.created_at)

    async def _release(self, ids: list[int] | None = None) -> None:
        """Rows still claimed by this worker and not sent (of batch `ids`, or all) go back
        to the queue."""
        where = [OutboxMessage.worker == self.id, OutboxMessage.status == S.CLAIMED]
        if ids is not None:
            where.append(OutboxMessage.id.in_(ids))
        with contextlib.suppress(Exception):
            async with self.db.engine.begin() as conn:
                await conn.execute(update(OutboxMessage).where(*where).values(status=S.PENDING, worker=None))

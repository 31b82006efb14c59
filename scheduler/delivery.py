"""Delivery workers: claim outbox rows in batches, send each through its channel's sender
on the broadcast lane, record every result.

Exactly once, and what it costs. A row moves
    pending → claimed → sending → sent | failed | unreachable | pending (retry)
  * claimed: in this worker's batch, nothing sent. If the worker dies, the row goes back to
    pending (another worker may send it: nobody has).
  * sending: committed to the database after the rate limiter admitted the message and
    immediately before the platform call (the sender's `before_send` hook). If the worker
    dies now, nobody knows whether the platform took the message, so the row becomes
    `uncertain` and is NEVER sent again automatically: at most once for the rows in flight
    at the moment of a crash (at most `delivery_concurrency` rows), exactly once for all
    others. An operator who prefers at-least-once for those few can resend them
    (`cchc-bot campaign resend-uncertain`).
  * every update after the claim is fenced by `worker = me` and the expected status, so a
    worker presumed dead (its rows handed on) cannot send or record them afterwards.
Retries happen only with evidence that nothing was delivered: a 429, a connection that
never opened, an HTTP 5xx answer. Several "sending" marks that fall in the same instant
share one commit; results are written in batches (a crash between send and record leaves
the row "sending", hence uncertain, never resent).

Reply windows (Zalo). A platform that lets the bot write only within a while after the
person's last interaction raises OutsideReplyWindow; its sender's `fallback` then decides,
once per broadcast, whether the campaign reaches those people another way (Zalo: one OA
article broadcast): the row ends `article` or `no_window` ("not reachable on Zalo"), both
final. People the sender already knows to be outside the window (`outside_window`, one
query per batch) are sent nothing and go to the fallback directly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update

from bot.channels.base import (
    ChannelUnavailable,
    DeliveryError,
    OutsideReplyWindow,
    RateLimited,
    Rejected,
    Sender,
    Uncertain,
    Unreachable,
)
from bot.channels.ratelimit import BROADCAST
from bot.config import Settings
from bot.core import events
from bot.core.events import EventKind
from bot.core.services import ContentStore
from bot.core.types import Reply
from bot.db.base import utcnow
from bot.db.models import EngagementEvent, User
from bot.db.models_campaigns import (
    Broadcast,
    BroadcastStatus,
    DeliveryWorker,
    OutboxMessage,
    OutboxStatus,
    RecipientStatus,
)
from bot.db.session import Database
from scheduler import firing, message
from scheduler.timing import QuietHours

log = logging.getLogger(__name__)

S = OutboxStatus
HEARTBEAT_MAX = 5.0
RESULT_FLUSH = 100  # results written in one transaction (and at the end of each batch)
BACKOFF_BASE = 5.0  # seconds; doubled per attempt, with jitter
BACKOFF_MAX = 900.0


class NotOurs(Exception):
    """The row was taken back (paused, cancelled, handed to another worker) before it was
    marked: it must not be sent by this worker."""


class MarkFailed(Exception):
    """The "sending" mark could not be written (database trouble): nothing was sent."""


class ChannelHeld(Exception):
    """The channel became unavailable while this row waited for its turn (another row met
    a used-up quota or a bad token): it is not sent now."""


@dataclass
class Claimed:
    id: int
    broadcast_id: int
    user_id: int
    channel: str
    attempts: int
    address: str = ""  # the channel's id for the person
    outside_window: bool = False  # known to be outside the channel's reply window


@dataclass
class Outcome:
    status: OutboxStatus
    detail: str | None = None
    retry_at: datetime | None = None
    attempts: int | None = None  # the row's attempt count to store with a retry


@dataclass
class _Broadcast:
    replies: list[Reply]
    message: dict  # the snapshot, for a channel's fallback (an article)
    campaign_id: int
    topic: str | None
    urgent: bool
    created_at: datetime


def backoff(attempts: int) -> float:
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)


class Worker:
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
        self._broadcasts: dict[int, _Broadcast] = {}
        # A channel fallback's decision per (broadcast, channel), and a lock so the rows of
        # one batch wait for the first decision instead of racing to it.
        self._fallbacks: dict[tuple[int, str], object] = {}
        self._fallback_locks: dict[tuple[int, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._channel_wait: dict[str, float] = {}
        self._marks = _MarkQueue(self)
        self._results: list[tuple[Claimed, Outcome]] = []
        self._flush_lock = asyncio.Lock()
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
            await self._release()
            await self.unregister()
            log.info("delivery worker stopped", extra={"worker": self.id, "sent": self.sent})

    async def run_once(self) -> int:
        """Claim one batch and deliver it; returns how many rows it handled."""
        rows = await self.claim()
        if not rows:
            return 0
        rows = await self._screen(rows)
        gate = asyncio.Semaphore(self.concurrency)

        async def one(row: Claimed) -> None:
            async with gate:
                await self._deliver(row)

        await asyncio.gather(*(one(row) for row in rows))
        await self._flush()
        await self._release()
        return len(rows) or 1

    # ------------------------------------------------------------------ claiming

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
                    .group_by(OutboxMessage.user_id))).all())
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

    async def _load(self, session, broadcast_id: int) -> None:
        if broadcast_id in self._broadcasts:
            return
        broadcast = await session.get(Broadcast, broadcast_id)
        if len(self._broadcasts) > 32:
            self._broadcasts.clear()
            self._fallbacks.clear()
            self._fallback_locks.clear()
        self._broadcasts[broadcast_id] = _Broadcast(
            replies=message.render(self.content, broadcast.message, broadcast_id),
            message=broadcast.message,
            campaign_id=broadcast.campaign_id, topic=broadcast.message.get("topic"),
            urgent=broadcast.urgent, created_at=broadcast.created_at)

    # ------------------------------------------------------------------ sending

    async def _deliver(self, row: Claimed) -> None:
        info = self._broadcasts[row.broadcast_id]
        loop = asyncio.get_running_loop()
        now = utcnow()
        if not info.urgent and self.quiet.active(now):
            self._record(row, Outcome(S.PENDING, "quiet hours", self.quiet.ends_after(now), row.attempts))
            return
        wait = self._channel_wait.get(row.channel, 0.0) - loop.time()
        if wait > 0:
            self._record(row, Outcome(S.PENDING, "channel unavailable",
                                      now + timedelta(seconds=wait), row.attempts))
            return
        marked = False

        async def mark() -> None:
            nonlocal marked
            if marked:
                return
            if self._channel_wait.get(row.channel, 0.0) > loop.time():
                raise ChannelHeld()
            try:
                await self._marks.mark(row.id)
            except NotOurs:
                raise
            except Exception as exc:
                raise MarkFailed(str(exc)) from exc
            marked = True

        if row.outside_window:
            if (outcome := await self._fallback(row, info, mark)) is not None:
                self._record(row, outcome)
            return
        try:
            await self.senders[row.channel].send(row.address, info.replies, lane=BROADCAST,
                                                 before_send=mark)
            outcome = Outcome(S.SENT)
            self.sent += 1
        except NotOurs:
            return  # released with the rest of the batch
        except ChannelHeld:
            outcome = Outcome(S.PENDING, "channel unavailable",
                              utcnow() + timedelta(seconds=max(0.0, self._channel_wait[row.channel] - loop.time())),
                              row.attempts)
        except MarkFailed:
            log.warning("could not mark a row sending; it waits", extra={"worker": self.id})
            outcome = Outcome(S.PENDING, "database busy", utcnow() + timedelta(seconds=5), row.attempts)
        except RateLimited as exc:  # not delivered: back in line after retry-after, no attempt used
            outcome = Outcome(S.PENDING, "rate limited", utcnow() + timedelta(seconds=exc.retry_after),
                              row.attempts)
        except OutsideReplyWindow:  # before Unreachable, its base: nothing was delivered
            if (outcome := await self._fallback(row, info, mark)) is None:
                return
        except Unreachable as exc:
            outcome = Outcome(S.UNREACHABLE, str(exc)[:160])
        except Uncertain as exc:
            outcome = Outcome(S.UNCERTAIN, str(exc)[:160])
        except Rejected as exc:
            outcome = Outcome(S.FAILED, str(exc)[:160])
        except ChannelUnavailable as exc:
            self._channel_wait[row.channel] = loop.time() + exc.retry_after
            log.error("channel unavailable; its broadcasts wait",
                      extra={"channel": row.channel, "seconds": exc.retry_after, "error": str(exc)[:200]})
            outcome = Outcome(S.PENDING, "channel unavailable",
                              utcnow() + timedelta(seconds=exc.retry_after), row.attempts)
        except DeliveryError as exc:  # transient: it did not go out
            attempts = row.attempts + 1
            if attempts >= self.max_attempts:
                outcome = Outcome(S.FAILED, f"gave up: {exc}"[:160])
            else:
                outcome = Outcome(S.PENDING, str(exc)[:160],
                                  utcnow() + timedelta(seconds=backoff(attempts)), attempts)
        except Exception as exc:  # a defect: never risk a second send of a marked row
            log.exception("delivery failed unexpectedly", extra={"worker": self.id})
            outcome = Outcome(S.UNCERTAIN if marked else S.FAILED, f"error: {type(exc).__name__}")
        self._record(row, outcome)

    async def _fallback(self, row: Claimed, info: _Broadcast, mark) -> Outcome | None:
        """A person outside the channel's reply window: reached by the channel's fallback
        for this broadcast (decided once), or not reachable on that channel. The row is
        marked "sending" first, like a send, so a paused or cancelled broadcast (or one
        handed to another worker) neither broadcasts nor records anything: None then."""
        try:
            await mark()
        except NotOurs:
            return None
        except ChannelHeld:
            return Outcome(S.PENDING, "channel unavailable", utcnow() + timedelta(seconds=5), row.attempts)
        except MarkFailed:
            return Outcome(S.PENDING, "database busy", utcnow() + timedelta(seconds=5), row.attempts)
        fallback = getattr(self.senders[row.channel], "fallback", None)
        if fallback is None:
            return Outcome(S.NO_WINDOW, "outside the reply window")
        key = (row.broadcast_id, row.channel)
        async with self._fallback_locks[key]:
            decided = self._fallbacks.get(key)
            if decided is None:
                title, text, image = message.article(self.content, info.message)
                try:
                    decided = await fallback(f"campaign-{info.campaign_id}-broadcast-{row.broadcast_id}",
                                             title, text, image)
                except RateLimited as exc:  # another process is broadcasting it: come back
                    return Outcome(S.PENDING, "fallback in progress",
                                   utcnow() + timedelta(seconds=exc.retry_after), row.attempts)
                except Exception as exc:
                    log.exception("channel fallback failed", extra={"channel": row.channel})
                    attempts = row.attempts + 1
                    if attempts >= self.max_attempts:
                        return Outcome(S.NO_WINDOW, f"fallback gave up: {type(exc).__name__}")
                    return Outcome(S.PENDING, f"fallback: {type(exc).__name__}",
                                   utcnow() + timedelta(seconds=backoff(attempts)), attempts)
                self._fallbacks[key] = decided
        if decided.covered:
            return Outcome(S.ARTICLE, "outside the reply window: article broadcast")
        return Outcome(S.NO_WINDOW, f"outside the reply window: {decided.detail or 'no fallback'}"[:160])

    async def _mark(self, ids: list[int]) -> set[int]:
        """Durably mark rows "sending"; only rows still claimed by this worker, of a
        broadcast still sending, are marked."""
        active = select(Broadcast.id).where(Broadcast.status == BroadcastStatus.SENDING)
        statement = (update(OutboxMessage)
                     .where(OutboxMessage.id.in_(ids), OutboxMessage.status == S.CLAIMED,
                            OutboxMessage.worker == self.id, OutboxMessage.broadcast_id.in_(active))
                     .values(status=S.SENDING, attempts=OutboxMessage.attempts + 1)
                     .returning(OutboxMessage.id))
        async with self.db.session() as session:
            marked = set((await session.execute(statement)).scalars())
            await session.commit()
        return marked

    # ------------------------------------------------------------------ recording

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
        now = utcnow()
        mine = (OutboxMessage.worker == self.id,
                OutboxMessage.status.in_([S.CLAIMED, S.SENDING, S.UNCERTAIN]))
        final: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        salt = self.settings.pseudonym_salt
        event_rows = []
        async with self.db.session() as session:
            for row, outcome in results:
                if outcome.status == S.PENDING:
                    await session.execute(
                        update(OutboxMessage).where(OutboxMessage.id == row.id, *mine)
                        .values(status=S.PENDING, worker=None, not_before=outcome.retry_at or now,
                                attempts=outcome.attempts if outcome.attempts is not None
                                else OutboxMessage.attempts, detail=outcome.detail))
                    continue
                final[(outcome.status, outcome.detail)].append(row.id)
                if outcome.status == S.UNREACHABLE:
                    await self._unreachable(session, row.user_id, outcome.detail, now)
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
                await session.execute(
                    update(OutboxMessage).where(OutboxMessage.id.in_(ids), *mine)
                    .values(status=status, sent_at=now, detail=detail))
            if event_rows:
                await session.execute(insert(EngagementEvent), event_rows)
            await session.commit()

    @staticmethod
    async def _unreachable(session, user_id: int, reason: str | None, now: datetime) -> None:
        status = await session.get(RecipientStatus, user_id)
        if status is None:
            session.add(RecipientStatus(user_id=user_id, unreachable_since=now,
                                        unreachable_reason=(reason or "")[:80]))
        else:
            status.unreachable_since, status.unreachable_reason = now, (reason or "")[:80]
        await session.flush()

    async def _release(self) -> None:
        """Rows still claimed by this worker and not sent go back to the queue."""
        with contextlib.suppress(Exception):
            async with self.db.session() as session:
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.worker == self.id, OutboxMessage.status == S.CLAIMED)
                    .values(status=S.PENDING, worker=None))
                await session.commit()

    # ------------------------------------------------------------------ liveness

    async def register(self) -> None:
        async with self.db.session() as session:
            if await session.get(DeliveryWorker, self.id) is None:
                session.add(DeliveryWorker(id=self.id, host=socket.gethostname()[:128], pid=os.getpid()))
            await session.commit()
        await recover(self.db, self.lease)
        await self._share()

    async def unregister(self) -> None:
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
                if not alive.rowcount:  # presumed dead by others: our claims were handed on
                    log.warning("delivery worker was presumed dead; registering again",
                                extra={"worker": self.id})
                    await self.register()
                await recover(self.db, self.lease)
                await self._share()
            except Exception:
                log.exception("delivery heartbeat failed", extra={"worker": self.id})

    async def _share(self) -> None:
        """Split each channel's rate budget between the live workers."""
        async with self.db.session() as session:
            live = (await session.execute(select(func.count()).select_from(DeliveryWorker))).scalar_one()
        for sender in self.senders.values():
            limiter = getattr(sender, "limiter", None)
            if limiter is not None:
                limiter.share(max(1, int(live)))


def _event_outcome(outcome: Outcome) -> str:
    if outcome.status == S.FAILED:
        return "gave_up" if (outcome.detail or "").startswith("gave up") else "rejected"
    return str(outcome.status)


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
    touched = (released.rowcount or 0) + (doubtful.rowcount or 0)
    if touched:
        log.warning("rows of a stopped worker recovered",
                    extra={"to_pending": released.rowcount, "to_uncertain": doubtful.rowcount})
    return touched


class _MarkQueue:
    """Group commit of "sending" marks: marks requested in the same instant share one
    transaction; each waiter learns whether its row was marked."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.waiting: list[tuple[int, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    async def mark(self, row_id: int) -> None:
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((row_id, future))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._drain())
        await future

    async def _drain(self) -> None:
        while self.waiting:
            await asyncio.sleep(0)  # let the marks of this instant join
            batch, self.waiting = self.waiting, []
            try:
                marked = await self.worker._mark([row_id for row_id, _ in batch])
            except Exception as exc:  # not marked: nothing is sent
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for row_id, future in batch:
                if not future.done():
                    future.set_result(None) if row_id in marked else future.set_exception(NotOurs())

"""Sending one claimed row and classifying the result. The row is marked "sending",
durably, just before its slot at the rate limiter (`before_send`; marks of one instant
share a commit: `MarkQueue`), then the channel's sender is called on the broadcast lane;
what it raises decides the row's `Outcome`: sent; back in line later (quiet hours, a 429,
a held channel, the database busy, a transient error with backoff until the attempts run
out); unreachable; failed (rejected); uncertain. A person outside the channel's reply
window is reached by the channel's fallback, decided once per broadcast, or recorded as not
reachable there."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from bot.db.models_campaigns import Broadcast, BroadcastStatus, OutboxMessage
from bot.kernel.clock import utcnow
from bot.kernel.sending import (
    BROADCAST,
    BeforeSend,
    ChannelUnavailable,
    DeliveryError,
    OutsideReplyWindow,
    RateLimited,
    Rejected,
    Uncertain,
    Unreachable,
)
from scheduler import message
from scheduler.delivery.state import BroadcastInfo, Claimed, Outcome, S, WorkerState

log = logging.getLogger(__name__)

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


def backoff(attempts: int) -> float:
    return min(BACKOFF_MAX, BACKOFF_BASE * 2.0 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)


class Sending(WorkerState):
    """One row: the mark, the platform call, its outcome."""

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

    async def _fallback(self, row: Claimed, info: BroadcastInfo, mark: BeforeSend) -> Outcome | None:
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
        broadcast still sending, are marked. The results that came back since the last mark
        are written in the same commit: a slot's next send starts only once its previous
        result is durable, so a crash leaves at most one unrecorded row per slot. (Core on a
        connection, with one statement built once: this runs in front of every send.)"""
        results = self._take_results()
        try:
            async with self.db.engine.begin() as conn:
                if results:
                    await self._write_on(conn, results)
                return set((await conn.execute(_MARK, {"ids": ids, "me": self.id})).scalars())
        except Exception:
            self._give_back(results)
            raise


# The "sending" mark, built once (it runs in front of every send).
_MARK = (update(OutboxMessage)
         .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)),
                OutboxMessage.status == S.CLAIMED, OutboxMessage.worker == bindparam("me"),
                OutboxMessage.broadcast_id.in_(
                    select(Broadcast.id).where(Broadcast.status == BroadcastStatus.SENDING)))
         .values(status=S.SENDING, attempts=OutboxMessage.attempts + 1)
         .returning(OutboxMessage.id))


class MarkQueue:
    """Group commit of "sending" marks: marks requested in the same instant share one
    transaction; each waiter learns whether its row was marked."""

    def __init__(self, worker: Sending) -> None:
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

"""Delivering notices (staff answers, status changes) to the citizen on the channel they
filed from, through `services.senders[channel]`.

Each notice is first leased by a conditional UPDATE (committed), then sent, then marked:
two processes never send the same notice, and no lock is held while the platform answers.
A crash between the send and the mark repeats that one notice when the lease runs out
(at least once, never lost). Rate
limits and transient errors are retried by the worker with back-off; a person who
blocked the bot, or a channel that cannot push (the terminal), ends the attempts — the
answer stays readable with /tracuu."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update

from bot.db.models import User
from bot.db.models_feedback import FeedbackNotice, FeedbackTicket
from bot.db.results import rowcount
from bot.feedback import publish, views
from bot.kernel.clock import utcnow
from bot.kernel.messages import Reply
from bot.kernel.sending import DeliveryError, RateLimited
from bot.runtime import Runtime

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=2)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** attempts, 3600))


async def deliver(services: Runtime, *, ticket_id: int | None = None, limit: int = 100) -> int:
    """Send pending notices (of one ticket, or all); returns how many were delivered."""
    delivered = 0
    for _ in range(limit):
        outcome = await _deliver_next(services, ticket_id)
        if outcome is None:
            break
        delivered += outcome
    return delivered


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (FeedbackNotice.delivered_at.is_(None), FeedbackNotice.failed_at.is_(None),
            or_(FeedbackNotice.next_attempt_at.is_(None), FeedbackNotice.next_attempt_at <= now))


async def _claim_next(services: Runtime, ticket_id: int | None) -> int | None:
    """Lease the oldest due notice to this process (a conditional UPDATE, so only one
    process wins it); the lease runs out if the process dies before recording the result."""
    now = utcnow()
    async with services.db.session() as session:
        query = select(FeedbackNotice.id).where(*_due(now)).order_by(FeedbackNotice.id).limit(5)
        if ticket_id is not None:
            query = query.where(FeedbackNotice.ticket_id == ticket_id)
        for notice_id in list((await session.execute(query)).scalars()):
            leased = await session.execute(
                update(FeedbackNotice).where(FeedbackNotice.id == notice_id, *_due(now))
                .values(next_attempt_at=now + LEASE, attempts=FeedbackNotice.attempts + 1)
            )
            if rowcount(leased):
                await session.commit()
                return notice_id
    return None


async def _deliver_next(services: Runtime, ticket_id: int | None) -> int | None:
    notice_id = await _claim_next(services, ticket_id)
    if notice_id is None:
        return None
    now = utcnow()
    async with services.db.session() as session:
        notice = await session.get(FeedbackNotice, notice_id)
        if notice is None:  # erased (bot.privacy) since it was leased
            return 0
        ticket = await session.get(FeedbackTicket, notice.ticket_id)
        assert ticket is not None  # its notices go with a ticket (ON DELETE CASCADE)
        user = await session.get(User, ticket.user_id) if ticket.user_id else None
        sender = services.senders.get(ticket.channel)
        if user is None or sender is None or not notice.text:
            notice.failed_at, notice.error = now, "erased" if user is None else "no_push"
            await session.commit()
            return 0
        reply = Reply(notice.text, buttons=[[views.view_button(services.content, ticket.code)]])
        try:
            await sender.send(user.channel_user_id, [reply])
        except RateLimited as exc:
            notice.next_attempt_at = now + timedelta(seconds=max(exc.retry_after, 1))
            notice.error = "RateLimited"
        except DeliveryError as exc:
            notice.error = type(exc).__name__
            if not exc.transient or notice.attempts >= MAX_ATTEMPTS:
                notice.failed_at = now
            else:
                notice.next_attempt_at = now + _backoff(notice.attempts)
        except Exception:
            log.exception("notice delivery failed", extra={"channel": ticket.channel})
            notice.error = "error"
            notice.next_attempt_at = now + _backoff(notice.attempts)
            if notice.attempts >= MAX_ATTEMPTS:
                notice.failed_at = now
        else:
            notice.delivered_at, notice.error = now, None
        if notice.error:
            log.warning("notice not delivered", extra={"channel": ticket.channel, "error": notice.error,
                                                       "final": notice.failed_at is not None})
        await session.commit()
        return 1 if notice.delivered_at else 0


def after_staff_action(services: Runtime, ticket_id: int) -> Callable[[], Awaitable[None]]:
    """The after-commit task of a staff action: tell the citizen, update the desk card,
    and warn the desk when the citizen could not be reached."""

    async def run() -> None:
        started = utcnow()
        await deliver(services, ticket_id=ticket_id)
        await publish.refresh(services, ticket_id)
        await _warn_undelivered(services, ticket_id, started)

    return run


async def _warn_undelivered(services: Runtime, ticket_id: int, since: datetime) -> None:
    desk = services.staff_desk
    async with services.db.session() as session:
        ticket = await session.get(FeedbackTicket, ticket_id)
        failed = (await session.execute(
            select(FeedbackNotice.error).where(FeedbackNotice.ticket_id == ticket_id,
                                               FeedbackNotice.error.is_not(None),
                                               FeedbackNotice.created_at >= since - timedelta(minutes=1),
                                               FeedbackNotice.delivered_at.is_(None))
            .order_by(FeedbackNotice.id.desc()).limit(1))).scalar_one_or_none()
    if desk is None or ticket is None or failed is None or failed == "erased":
        return
    content = services.content
    key = f"fb_reason_{failed}"
    reason = content.text(key if key in content.pack.messages else "fb_reason_other")
    reply_to = ticket.desk_message if ticket.desk_chat == desk.chat_id else None
    try:
        await desk.post(Reply(content.text("fb_staff_not_delivered", code=ticket.code, reason=reason)),
                        reply_to=reply_to)
    except DeliveryError:
        log.warning("desk warning not posted", extra={"ticket": ticket_id})


class FeedbackWorker:
    """Retries what could not be done at once: undelivered notices, unposted tickets."""

    def __init__(self, services: Runtime, interval: float = 30.0) -> None:
        self.services = services
        self.interval = interval
        self._task: asyncio.Task | None = None

    async def run_once(self) -> None:
        await deliver(self.services)
        await publish.publish_pending(self.services)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("feedback worker round failed")
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="feedback-worker")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

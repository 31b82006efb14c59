"""Posting tickets to the staff desk and keeping the post in step with the ticket.

A new ticket is posted right after the citizen's turn commits; if the desk is down the
feedback worker retries. Posting is claimed first (a conditional UPDATE), so two bot
processes never post the same ticket twice. Editing the card after a staff action is
best effort: the ticket in the database is the truth, the card a view of it."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import or_, select, update

from bot.db.models_feedback import FeedbackTicket, TicketStatus
from bot.db.results import rowcount
from bot.feedback import views
from bot.feedback.tickets import claim_window
from bot.kernel.clock import utcnow
from bot.kernel.messages import Reply
from bot.kernel.sending import DeliveryError
from bot.runtime import Runtime

log = logging.getLogger(__name__)


async def _claim(services: Runtime, ticket_id: int) -> bool:
    now = utcnow()
    async with services.db.session() as session:
        result = await session.execute(
            update(FeedbackTicket)
            .where(FeedbackTicket.id == ticket_id, FeedbackTicket.desk_message.is_(None),
                   FeedbackTicket.erased_at.is_(None),
                   or_(FeedbackTicket.desk_claimed_at.is_(None),
                       FeedbackTicket.desk_claimed_at < now - claim_window()))
            .values(desk_claimed_at=now)
        )
        await session.commit()
        return rowcount(result) > 0


async def _save(services: Runtime, ticket_id: int, **values: Any) -> None:
    async with services.db.session() as session:
        await session.execute(update(FeedbackTicket).where(FeedbackTicket.id == ticket_id).values(**values))
        await session.commit()


async def publish(services: Runtime, ticket_id: int) -> bool:
    """Post the ticket's card (then the rest of a long text and the photos, as replies to
    it) to the staff desk. True when the card was posted by this call."""
    desk = services.staff_desk
    if desk is None or not await _claim(services, ticket_id):
        return False
    async with services.db.session() as session:
        ticket = await session.get(FeedbackTicket, ticket_id)
    assert ticket is not None  # just claimed; tickets are never deleted
    content = services.content
    try:
        main = await desk.post(views.staff_card(content, ticket))
    except DeliveryError as exc:
        log.warning("ticket not posted to the staff desk; will retry",
                    extra={"ticket": ticket_id, "error": type(exc).__name__})
        await _save(services, ticket_id, desk_claimed_at=None)
        return False
    await _save(services, ticket_id, desk_chat=desk.chat_id, desk_message=main)
    extra: list[str] = []
    try:
        for part in views.card_continuation(content, ticket):
            extra.append(await desk.post(Reply(part), reply_to=main))
        for number, photo in enumerate(ticket.attachments, 1):
            caption = views.photo_caption(content, ticket, number)
            extra.append(await desk.post_photo(photo, caption, reply_to=main))
    except DeliveryError as exc:
        log.warning("part of a ticket not posted to the staff desk",
                    extra={"ticket": ticket_id, "error": type(exc).__name__})
    if extra:
        await _save(services, ticket_id, desk_extra=extra)
    return True


async def publish_pending(services: Runtime, limit: int = 20) -> int:
    """Post tickets whose posting failed or was interrupted (the worker calls this)."""
    if services.staff_desk is None:
        return 0
    async with services.db.session() as session:
        query = (select(FeedbackTicket.id)
                 .where(FeedbackTicket.desk_message.is_(None), FeedbackTicket.erased_at.is_(None),
                        FeedbackTicket.status != TicketStatus.RESOLVED,
                        or_(FeedbackTicket.desk_claimed_at.is_(None),
                            FeedbackTicket.desk_claimed_at < utcnow() - claim_window()))
                 .order_by(FeedbackTicket.id).limit(limit))
        ids = list((await session.execute(query)).scalars())
    return sum([await publish(services, i) for i in ids])


async def refresh(services: Runtime, ticket_id: int) -> None:
    """Re-render the card after a staff action (status, assignee, remaining buttons)."""
    desk = services.staff_desk
    async with services.db.session() as session:
        ticket = await session.get(FeedbackTicket, ticket_id)
    if desk is None or ticket is None or not ticket.desk_message or ticket.desk_chat != desk.chat_id:
        return
    try:
        await desk.edit(ticket.desk_message, views.staff_card(services.content, ticket))
    except DeliveryError as exc:
        log.warning("staff desk card not updated", extra={"ticket": ticket_id, "error": type(exc).__name__})


async def redact(services: Runtime, posts: list[tuple[str, str | None, str | None, list[str]]]) -> None:
    """After a citizen's data was erased: replace their cards with a notice and delete the
    extra messages (long text, photos). `posts` holds (code, chat, main, extra) per ticket."""
    desk = services.staff_desk
    if desk is None:
        return
    for code, chat, main, extra in posts:
        if chat != desk.chat_id or not main:
            continue
        try:
            await desk.edit(main, Reply(services.content.text("fb_card_erased", code=code)))
            for message_id in extra:
                await desk.delete(message_id)
        except DeliveryError as exc:
            log.warning("erased ticket's desk post not fully redacted",
                        extra={"error": type(exc).__name__})

"""What erasing a person (`bot.privacy.erasure`) does to feedback data: their tickets keep
code, category, unit, status and times (report counts) but lose text, photos, place,
contact and the link to the person; staff-desk posts are redacted after the commit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from bot.db.models_feedback import FeedbackNotice, FeedbackTicket
from bot.kernel.clock import utcnow

if TYPE_CHECKING:
    from bot.privacy.erasure import Erasure


async def erase_tickets(e: Erasure) -> None:
    session = e.session
    owned = list((await session.execute(
        select(FeedbackTicket).where(FeedbackTicket.user_id == e.user.id))).scalars())
    posts = [(t.code, t.desk_chat, t.desk_message, list(t.desk_extra or [])) for t in owned]
    now = utcnow()
    for ticket in owned:
        ticket.description = None
        ticket.attachments = []
        ticket.place = None
        ticket.contact_name = ticket.contact_phone = ticket.contact_consent_at = None
        ticket.user_key = e.new_key
        ticket.user_id = None
        ticket.desk_extra = []
        ticket.erased_at = now
    # A staff member erasing themselves: their name leaves the tickets they handled.
    await session.flush()
    await session.execute(update(FeedbackTicket).where(FeedbackTicket.assignee_id == e.user.id)
                          .values(assignee_label=None))
    if e.services is not None and any(main for _, _, main, _ in posts):
        from bot.feedback import publish

        services = e.services

        async def redact() -> None:
            await publish.redact(services, posts)

        e.after_commit.append(redact)


async def erase_notices(e: Erasure) -> None:
    """After erase_tickets: their tickets now carry the erasure's fresh pseudonym."""
    ids = select(FeedbackTicket.id).where(FeedbackTicket.user_key == e.new_key)
    await e.session.execute(delete(FeedbackNotice).where(
        FeedbackNotice.ticket_id.in_(ids), FeedbackNotice.delivered_at.is_(None),
        FeedbackNotice.failed_at.is_(None)))
    await e.session.execute(update(FeedbackNotice).where(FeedbackNotice.ticket_id.in_(ids))
                            .values(text=None))


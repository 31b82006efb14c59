"""What staff do with a ticket — take it, forward it to a unit, answer, resolve — with the
notice the citizen receives. The one implementation behind the Telegram desk, the command
line and the console: the caller commits, then runs `delivery.after_staff_action`, which
sends the notice on the citizen's channel (at most once: notices are leased)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.schema import Unit
from bot.content.store import ContentStore
from bot.db.models import User
from bot.db.models_feedback import FeedbackTicket
from bot.feedback import tickets
from bot.feedback.tickets import Outcome

MAX_ANSWER = 3500  # characters: one message on every channel, with the notice's heading


async def take(session: AsyncSession, content: ContentStore, ticket: FeedbackTicket, staff: User,
               name: str) -> Outcome:
    """`staff` takes the ticket, shown to colleagues as `name`; ALREADY when someone was first."""
    return await tickets.take(session, ticket, staff, name, content.text("fb_notice_taken", code=ticket.code))


async def forward(session: AsyncSession, content: ContentStore, ticket: FeedbackTicket, staff: User,
                  unit: Unit) -> Outcome:
    notice = content.text("fb_notice_forwarded", code=ticket.code, unit=unit.name)
    return await tickets.forward(session, ticket, staff, unit.id, notice)


async def answer(session: AsyncSession, content: ContentStore, ticket: FeedbackTicket, staff: User | None,
                 text: str, *, form_key: str | None = None) -> Outcome:
    """Record an answer to relay to the citizen. With `form_key` (the console's form), the
    same form sent twice records it once: ALREADY the second time."""
    notice = content.text("fb_notice_answer", code=ticket.code, text=text)
    return await tickets.answer(session, ticket, staff, notice, form_key)


async def resolve(session: AsyncSession, content: ContentStore, ticket: FeedbackTicket,
                  staff: User | None) -> Outcome:
    return await tickets.resolve(session, ticket, staff, content.text("fb_notice_resolved", code=ticket.code))

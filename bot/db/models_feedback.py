"""Feedback (phản ánh, kiến nghị): tickets, their yearly tracking-code counter, the
notices owed to the citizen (staff answers, status changes)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigIntPK, UTCDateTime
from bot.kernel.clock import utcnow


class TicketStatus(StrEnum):
    NEW = "new"
    TAKEN = "taken"
    FORWARDED = "forwarded"
    ANSWERED = "answered"
    RESOLVED = "resolved"


class FeedbackCounter(Base):
    """The last sequence number used in a year; incremented under a row lock, so two bot
    processes never hand out the same tracking code."""

    __tablename__ = "feedback_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class FeedbackTicket(Base):
    """One petition. Personal data (description, photos, contact) is cleared on request
    (`/xoadulieu`); the row stays so reports keep their counts."""

    __tablename__ = "feedback_tickets"
    __table_args__ = (Index("ix_feedback_tickets_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    # One ticket per confirmed draft: a double tap on "send" cannot file twice.
    draft_key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_key: Mapped[str] = mapped_column(String(32))  # pseudonymous, for engagement events
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[str | None] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.NEW)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assignee_label: Mapped[str | None] = mapped_column(String(64))
    forwarded_to: Mapped[str | None] = mapped_column(String(64))
    # The staff group post: chat, main message, and the extra messages (long text, photos).
    desk_chat: Mapped[str | None] = mapped_column(String(32))
    desk_message: Mapped[str | None] = mapped_column(String(32))
    desk_extra: Mapped[list] = mapped_column(JSON, default=list)
    desk_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FeedbackNotice(Base):
    """A message owed to the citizen about their ticket (a staff answer, "forwarded",
    "resolved"), delivered on their channel after the staff turn commits and retried by
    the feedback worker until delivered or refused."""

    __tablename__ = "feedback_notices"
    __table_args__ = (Index("ix_feedback_notices_delivered_at_failed_at", "delivered_at", "failed_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("feedback_tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # answer, taken, forwarded, resolved
    text: Mapped[str | None] = mapped_column(Text)  # what the citizen receives
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(32))  # error class, never message text
    # The console's answer form sends a one-off key: the same form posted twice is kept once.
    form_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

"""Foundation tables: people per channel identity, their conversation state and
subscriptions, the engagement log, staff invites and processed platform updates."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigIntPK, UTCDateTime
from bot.kernel.clock import utcnow


class Role(StrEnum):
    CITIZEN = "citizen"
    CADRE = "cadre"
    EDITOR = "editor"
    ADMIN = "admin"
    FEEDBACK = "feedback"  # the feedback desk
    CONTEST = "contest"  # runs the contest

    @property
    def is_staff(self) -> bool:
        """Staff in chat: the campaign composer, figures, the contest panel."""
        return self in (Role.EDITOR, Role.ADMIN)

    @property
    def is_console_staff(self) -> bool:
        """May sign in to the staff console (what each may do there: `bot.staff.access`)."""
        return self in (Role.EDITOR, Role.ADMIN, Role.FEEDBACK, Role.CONTEST)


class User(Base):
    """One identity on one channel (a Telegram chat, a Zalo follower, a web-chat browser)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("channel", "channel_user_id"),
        # The staff, among a province's subscribers (the console's staff page, `staff list`).
        Index("ix_users_role", "role"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16), default=Role.CITIZEN)
    unit_id: Mapped[str | None] = mapped_column(String(64))
    # A staff member's name as colleagues see it in the console and its audit log.
    staff_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(Base):
    __tablename__ = "subscriptions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationState(Base):
    """Where a user is in a conversation: the current step, its data, and the
    payloads of the options last shown (so typing "2" picks the second one)."""

    __tablename__ = "conversation_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    options: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EngagementEvent(Base):
    """Append-only engagement log; the only source of report figures."""

    __tablename__ = "engagement_events"
    __table_args__ = (
        Index("ix_engagement_events_occurred_at", "occurred_at"),
        Index("ix_engagement_events_kind_occurred_at", "kind", "occurred_at"),
        # One person's events (survey offer after N interactions; export/deletion per user).
        Index("ix_engagement_events_user_key_occurred_at", "user_key", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_key: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(48))
    topic: Mapped[str | None] = mapped_column(String(64))
    item: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str | None] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)
    # `question_unanswered` only: the question as typed, personal numbers masked (the report
    # shows it; `item` holds the normalised form the grouping uses).
    wording: Mapped[str | None] = mapped_column(String(255))


class StaffInvite(Base):
    """A one-time code: an invite an admin hands to a new staff member, or a sign-in code
    for the console; only its hash is kept."""

    __tablename__ = "staff_invites"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set: a sign-in code for this staff member (the console), not an invite.
    for_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # An invite's holder, named by whoever issued it (their console identity takes it).
    name: Mapped[str | None] = mapped_column(String(100))


class ProcessedUpdate(Base):
    """Platform update ids already handled, so a redelivered update is answered once."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

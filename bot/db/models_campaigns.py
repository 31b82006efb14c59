"""Campaigns and their delivery: the campaign staff compose, each firing of it (a
broadcast), the outbox rows workers claim and send, and what delivery learns about
recipients (blocked the bot, opted out)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigIntPK, UTCDateTime
from bot.kernel.clock import utcnow


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class BroadcastStatus(StrEnum):
    SENDING = "sending"  # sending starts while the audience is still being expanded
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting (maybe until `not_before`: backoff, retry-after, quiet hours)
    CLAIMED = "claimed"  # in a worker's batch, nothing sent yet: safe to hand to another worker
    SENDING = "sending"  # durably marked just before the platform call: never sent again
    SENT = "sent"
    # Outside the platform's reply window (Zalo: 7 days since the person's last interaction),
    # so nothing was sent to the person: reached by the campaign's OA article broadcast…
    ARTICLE = "article"
    # …or not reachable on that channel (no fallback configured, or it failed). Final.
    NO_WINDOW = "no_window"
    FAILED = "failed"  # gave up (rejected, or transient errors past the attempt limit)
    UNREACHABLE = "unreachable"  # blocked the bot / unfollowed / no such chat
    SKIPPED = "skipped"  # not sent on purpose (frequency cap, opted out since the expansion)
    UNCERTAIN = "uncertain"  # was in flight when its worker died: maybe delivered, never resent
    CANCELLED = "cancelled"


class Campaign(Base):
    """What staff compose: a message, an audience and a schedule."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # The entry id when the campaign comes from the content calendar (content/campaigns/).
    calendar_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(String(1024))  # URL, or the channel's file id
    link_url: Mapped[str | None] = mapped_column(String(1024))
    link_label: Mapped[str | None] = mapped_column(String(64))
    audience_kind: Mapped[str] = mapped_column(String(16))  # all | topic | units | channel
    audience_topic: Mapped[str | None] = mapped_column(String(64))
    audience_units: Mapped[list] = mapped_column(JSON, default=list)
    audience_channel: Mapped[str | None] = mapped_column(String(16))  # narrows any audience
    schedule_kind: Mapped[str] = mapped_column(String(8))  # now | at | cron
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cron: Mapped[str | None] = mapped_column(String(64))  # Asia/Ho_Chi_Minh time
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # sends in quiet hours too
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    content_hash: Mapped[str | None] = mapped_column(String(64))  # calendar entries: detect edits
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Broadcast(Base):
    """One firing of a campaign (a recurring campaign fires many times), with a snapshot of
    the message as it was when it fired."""

    __tablename__ = "broadcasts"
    __table_args__ = (UniqueConstraint("campaign_id", "occurrence"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    occurrence: Mapped[str] = mapped_column(String(40))  # "once" or the scheduled time (ISO)
    status: Mapped[str] = mapped_column(String(16), default=BroadcastStatus.SENDING)
    message: Mapped[dict] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    expand_cursor: Mapped[int] = mapped_column(BigInteger, default=0)  # last users.id expanded
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # audience fully queued
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """One recipient of one broadcast. Unique per (broadcast, user): firing twice, or a
    resumed expansion, cannot queue anyone twice."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id"),
        Index("ix_outbox_broadcast_id_status", "broadcast_id", "status"),
        Index("ix_outbox_user_id_sent_at", "user_id", "sent_at"),
        # Claims walk the pending rows in id order; recovery finds rows by status.
        Index("ix_outbox_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    worker: Mapped[str | None] = mapped_column(String(48))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the outcome was known
    detail: Mapped[str | None] = mapped_column(String(160))  # why it failed / was skipped


class DeliveryWorker(Base):
    """A live delivery worker (heartbeat). Rows claimed by a worker whose heartbeat stopped
    are recovered."""

    __tablename__ = "delivery_workers"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    host: Mapped[str] = mapped_column(String(128))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryPace(Base):
    """One channel's broadcast budget, shared by every delivery worker (PostgreSQL; see
    `scheduler.delivery.pace`)."""

    __tablename__ = "delivery_pace"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)  # slots claimed so far
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # For each of the last `rate` sends (by seq % rate): when its second as the platform
    # counts it ends (one second after its answer), or a deadline while it is unanswered.
    ring: Mapped[list] = mapped_column(ARRAY(DateTime(timezone=True)).with_variant(JSON(), "sqlite"))


class RecipientStatus(Base):
    """What delivery knows about a person: unreachable (blocked the bot, unfollowed) since
    when, and whether they opted out of broadcasts with the one-tap button. A person who
    writes to the bot again after being marked unreachable counts as reachable again; one
    who subscribes again after opting out counts as opted in."""

    __tablename__ = "recipient_status"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unreachable_reason: Mapped[str | None] = mapped_column(String(80))
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CampaignWatcher(Base):
    """A staff member who gets the campaign's live progress message."""

    __tablename__ = "campaign_watchers"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_text: Mapped[str | None] = mapped_column(String(500))  # skip edits that change nothing


class MessageRef(Base):
    """Which platform message a `Reply.edit_key` refers to in a chat, shared by every process
    (the progress message is sent by the bot and edited by the scheduler)."""

    __tablename__ = "message_refs"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    edit_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SchedulerJob(Base):
    """APScheduler 3's job store table (its SQLAlchemyJobStore layout), declared here so
    that migrations own it."""

    __tablename__ = "apscheduler_jobs"

    id: Mapped[str] = mapped_column(String(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)

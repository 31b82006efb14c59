"""Webhook events taken but not yet handled. A platform that wants a fast 200 gets it only
after the event is stored here, so a process killed before handling loses nothing: the next
start handles what is left (the core's de-duplication makes a second handling harmless)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigIntPK, UTCDateTime
from bot.kernel.clock import utcnow


class WebhookInbox(Base):
    __tablename__ = "webhook_inbox"
    __table_args__ = (Index("ix_webhook_inbox_channel_received_at", "channel", "received_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

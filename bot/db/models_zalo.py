"""Zalo OA tables: the current token pair, each Zalo user's relation to the OA (follow
state and last interaction, which opens the reply window), and article broadcasts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime
from bot.kernel.clock import utcnow


class ZaloToken(Base):
    """The OA's token pair. Each refresh token works once, so the pair lives here (never
    only in a process's memory) and only the process holding this row's lock refreshes."""

    __tablename__ = "zalo_tokens"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Hash of the settings' refresh token this row was seeded from: a new pair put in the
    # settings replaces the stored one once, an old one is never applied again.
    seed_hash: Mapped[str | None] = mapped_column(String(64))
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ZaloContact(Base):
    """A Zalo user's relation to the OA. The last interaction (message, button, follow)
    opens Zalo's 7-day window for reply messages: broadcasts, answers to feedback and
    surveys read it before pushing anything."""

    __tablename__ = "zalo_contacts"
    __table_args__ = (Index("ix_zalo_contacts_last_interaction_at", "last_interaction_at"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    following: Mapped[bool | None] = mapped_column()  # None: no follow event seen yet
    followed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unfollowed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ZaloBroadcast(Base):
    """At most one OA article broadcast per campaign: the fallback for followers whose
    reply window is closed."""

    __tablename__ = "zalo_broadcasts"

    campaign_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # sending, sent, failed
    article_id: Mapped[str | None] = mapped_column(String(128))
    message_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(String(255))
    # When a process took the broadcast on; a claim left "sending" for long was abandoned.
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

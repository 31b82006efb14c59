"""The web chat's conversation history and its visitors' Web Push subscriptions.

A web visitor is known only by the random id their browser keeps (the "session", also
`users.channel_user_id` on channel "web"); both tables are keyed by it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigIntPK, UTCDateTime
from bot.kernel.clock import utcnow


class WebMessage(Base):
    """One line of a browser's conversation: what the person sent (`role` "user": the
    text, or the label of the button tapped) or what the bot sent (`role` "bot": the
    replies). `outside_turn` marks messages the bot sent on its own — a staff answer to
    feedback, a campaign — which the page learns of by server-sent events, the long poll
    of /api/inbox, and the unread count. Rows older than `webchat_history_days` are
    deleted as new ones are written."""

    __tablename__ = "web_history"
    __table_args__ = (Index("ix_web_history_session_id", "session", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    session: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(8))
    text: Mapped[str | None] = mapped_column(Text)
    replies: Mapped[list | None] = mapped_column(JSON)
    outside_turn: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class WebPushSubscription(Base):
    """Where the browser of a session accepts Web Push notifications (the endpoint of its
    push service and the keys to encrypt for it). One per session: a browser that
    subscribes again replaces it; dropped when the push service says it is gone."""

    __tablename__ = "web_push_subscriptions"

    session: Mapped[str] = mapped_column(String(64), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(1024))
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

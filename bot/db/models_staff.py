"""Staff console tables: signed-in sessions (server-side, so they expire and can be
revoked), failed sign-in attempts (for the rate limit) and the audit log of staff actions.

The session cookie carries a random token; only its SHA-256 is stored here, so reading the
table does not let anyone sign in. Sign-in attempts are keyed by a hash of the address or
the code tried, never the address itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigIntPK, UTCDateTime
from bot.kernel.clock import utcnow


class ConsoleSession(Base):
    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(160))


class SignInAttempt(Base):
    """A failed sign-in, counted against the address and against the code tried."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_key_attempted_at", "key", "attempted_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffAction(Base):
    """One thing a staff member did (signed in, confirmed a campaign, answered a ticket…)."""

    __tablename__ = "staff_actions"
    __table_args__ = (Index("ix_staff_actions_at", "at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who, as shown then ("Nguyễn Văn An (console)", "dòng lệnh"): kept if the user row changes.
    actor: Mapped[str] = mapped_column(String(160))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(160))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    # The surface it came from: console, chat, cli.
    surface: Mapped[str] = mapped_column(String(16))

"""Survey responses: the gate that lets a person answer a survey once per period.

The answers themselves are engagement events (`survey_answered`), so the report reads them
like every other figure. This row only records that a person (by the same pseudonymous
`user_key` as the engagement log, never a link to `users`) was offered, started and
finished a survey in a period, and which question they are on. The unique constraint makes
"once per period" hold across bot processes; `answered` is advanced with a compare-and-set
update, so a double tap or a replayed button counts once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigIntPK, UTCDateTime
from bot.kernel.clock import utcnow


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "period", "user_key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(24))  # Period.key: 2026Q3, 2026H1, 2026
    user_key: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # interactions | campaign | command
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered: Mapped[int] = mapped_column(Integer, default=0)  # = index of the next question
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

"""Contest tables: registrations, staff overrides of a window, attempts, the questions
drawn for each attempt (with when each was shown) and the answers.

A cadre's full name and position live only in `contest_registrations` (never in `users`,
logs or engagement events), so erasing them is one UPDATE there. Exactly-once is enforced
by the database: one attempt per (mode, contest, user, number), one answer per
(attempt, position)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigIntPK, UTCDateTime
from bot.kernel.clock import utcnow


class ContestRegistration(Base):
    __tablename__ = "contest_registrations"
    __table_args__ = (
        UniqueConstraint("contest_id", "user_id"),
        Index("ix_contest_registrations_contest_id_unit_id", "contest_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    contest_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    full_name: Mapped[str | None] = mapped_column(String(100))  # None once erased
    unit_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[str | None] = mapped_column(String(100))  # None once erased
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The staff member who last corrected it (None: the cadre themself).
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ContestControl(Base):
    """Staff opening a contest early or closing it early; overrides the content's window."""

    __tablename__ = "contest_controls"

    contest_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAttempt(Base):
    """One run through a draw of questions: a ranked contest attempt or a practice run.
    The timing settings are copied at the start, so editing content mid-contest does not
    change attempts already running."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("mode", "contest_id", "user_id", "number"),
        Index("ix_quiz_attempts_contest_id_mode", "contest_id", "mode"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))  # "contest" or "practice"
    contest_id: Mapped[str] = mapped_column(String(64))  # the bank id in practice
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("contest_registrations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per person and contest
    question_count: Mapped[int] = mapped_column(Integer)
    seconds_per_question: Mapped[int] = mapped_column(Integer)
    grace_seconds: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # No new question is shown after this; a continuous run always ends before it.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(Integer)  # correct answers, once finished
    total_ms: Mapped[int | None] = mapped_column(Integer)  # time used, once finished


class QuizAttemptQuestion(Base):
    """The draw: which question is at each position, its option order, and when the
    server first showed it (the clock for that question starts then, and never restarts)."""

    __tablename__ = "quiz_attempt_questions"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0-based
    question_id: Mapped[str] = mapped_column(String(64))
    option_order: Mapped[list] = mapped_column(JSON)  # original 1-based numbers, as shown
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuizAnswer(Base):
    """The one answer to one drawn question. The unique (attempt, position) pair is what
    makes a double tap or a replayed callback count once, on every backend."""

    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(String(64))
    chosen: Mapped[int | None] = mapped_column(Integer)  # original option number; None: no answer
    outcome: Mapped[str] = mapped_column(String(8))  # correct | wrong | late | timeout
    is_correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    elapsed_ms: Mapped[int] = mapped_column(Integer)  # counted time, at most the limit

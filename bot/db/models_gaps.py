"""Editors' marks on groups of unanswered questions (content gaps): one row per wording of
a marked group, so a wording asked again is recognised as part of its group and the mark
holds however the groups are recomputed. The questions themselves stay in the engagement
log (`question_unanswered`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime
from bot.kernel.clock import utcnow


class GapState(StrEnum):
    TO_WRITE = "to_write"  # an entry is to be written: still listed, new questions counted
    ANSWERED = "answered"  # its phrasings were added to an entry (`entry_id`): settled
    IGNORED = "ignored"  # not for this bot: hidden, also when asked again


class GapMark(Base):
    __tablename__ = "gap_marks"
    __table_args__ = (Index("ix_gap_marks_group_id", "group_id"),)

    # The wording's comparison form (folded, particles dropped, words sorted).
    wording: Mapped[str] = mapped_column(String(255), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(16))
    representative: Mapped[str] = mapped_column(String(255))  # the group's wording its id is made from
    state: Mapped[str] = mapped_column(String(16))
    entry_id: Mapped[str | None] = mapped_column(String(64))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    marked_by: Mapped[str | None] = mapped_column(String(128))

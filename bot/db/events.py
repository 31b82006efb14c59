"""The engagement log: one small API every feature writes through.

Rows are append-only and pseudonymous: `user_key` is an HMAC of the channel identity,
so reports can count distinct people without knowing who they are. Each kind's fields
(`topic`, `item`, `outcome`, `value`) are documented in `docs/events.md`; the report in
`bot/reports/` reads nothing else, so a feature's figures appear in it only if the feature
logs its events as documented there."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import EngagementEvent
from bot.kernel.clock import utcnow


class EventKind(StrEnum):
    # Conversation (bot/core)
    MESSAGE_IN = "message_in"
    MENU_OPENED = "menu_opened"
    TOPIC_VIEWED = "topic_viewed"
    MESSAGE_VIEWED = "message_viewed"
    QUESTION_ANSWERED = "question_answered"
    QUESTION_UNANSWERED = "question_unanswered"
    INTENT_MATCHED = "intent_matched"  # free text that asked the bot to do something, or chit-chat
    GUIDE_OPENED = "guide_opened"
    HOTLINE_VIEWED = "hotline_viewed"
    ADDRESS_LOOKUP = "address_lookup"  # an old address → the ward now (`item`: its official code)
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    STAFF_JOINED = "staff_joined"
    BAD_INPUT = "bad_input"
    # Feedback (phản ánh, kiến nghị). `topic` is the category; FEEDBACK_ANSWERED (first
    # answer) and FEEDBACK_RESOLVED carry the hours since filing in `value`.
    FEEDBACK_STARTED = "feedback_started"
    FEEDBACK_FILED = "feedback_filed"
    FEEDBACK_CANCELLED = "feedback_cancelled"
    FEEDBACK_LIMITED = "feedback_limited"
    FEEDBACK_TAKEN = "feedback_taken"
    FEEDBACK_FORWARDED = "feedback_forwarded"
    FEEDBACK_ANSWERED = "feedback_answered"
    FEEDBACK_RESOLVED = "feedback_resolved"
    FEEDBACK_LOOKUP = "feedback_lookup"
    DATA_ERASED = "data_erased"
    # Zalo (bot/zalo/channel.py)
    FOLLOWED = "followed"  # followed the Zalo OA
    UNFOLLOWED = "unfollowed"
    # Contest (bot/contest): the unit id goes in `topic`
    CONTEST_REGISTERED = "contest_registered"
    QUIZ_STARTED = "quiz_started"
    QUIZ_ANSWERED = "quiz_answered"
    QUIZ_FINISHED = "quiz_finished"
    # Campaigns (scheduler/): the campaign id goes in `item`
    BROADCAST_DELIVERED = "broadcast_delivered"
    BROADCAST_FAILED = "broadcast_failed"
    BROADCAST_CLICKED = "broadcast_clicked"
    # Surveys (bot/conversation/handlers/survey.py): the survey id goes in `topic`
    SURVEY_OFFERED = "survey_offered"
    SURVEY_STARTED = "survey_started"
    SURVEY_ANSWERED = "survey_answered"
    SURVEY_COMPLETED = "survey_completed"


# `unsubscribed` with this topic: every subscription of the person was removed at once.
EVERY_TOPIC = "*"
# `quiz_*` outcome telling a ranked contest attempt from practice.
CONTEST = "contest"
PRACTICE = "practice"


def user_key(salt: str, channel: str, user_id: str) -> str:
    digest = hmac.new(salt.encode(), f"{channel}:{user_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


def row(
    *,
    user_key: str,
    channel: str,
    kind: str,
    topic: str | None = None,
    item: str | None = None,
    outcome: str | None = None,
    value: float | None = None,
    wording: str | None = None,
    at: datetime | None = None,
) -> dict:
    return {
        "user_key": user_key,
        "channel": channel,
        "kind": str(kind),
        "topic": topic[:64] if topic else None,
        "item": item[:255] if item else None,
        "outcome": outcome[:32] if outcome else None,
        "value": value,
        "wording": wording[:255] if wording else None,
        "occurred_at": at or utcnow(),
    }


def record(session: AsyncSession, **fields: Any) -> None:
    """Add one event to the session; it is written with the turn's commit. Fields are
    those of `row`: user_key, channel, kind, and optionally topic, item, outcome, value, at."""
    session.add(EngagementEvent(**row(**fields)))


async def record_many(session: AsyncSession, events: Iterable[Mapping]) -> int:
    """Write many events in one executemany (a delivery worker's batch). Each mapping has
    the keyword arguments of `record`. Returns how many were written."""
    return await write_rows(session, [row(**e) for e in events])


async def write_rows(session: AsyncSession, rows: Sequence[Mapping]) -> int:
    """Write rows made by `row` in one executemany; returns how many."""
    if rows:
        await session.execute(insert(EngagementEvent), list(rows))
    return len(rows)

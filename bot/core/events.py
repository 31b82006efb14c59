"""The engagement log: one small API every feature writes through.

Rows are append-only and pseudonymous: `user_key` is an HMAC of the channel identity,
so reports can count distinct people without knowing who they are."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import EngagementEvent


class EventKind(StrEnum):
    MESSAGE_IN = "message_in"
    MENU_OPENED = "menu_opened"
    TOPIC_VIEWED = "topic_viewed"
    MESSAGE_VIEWED = "message_viewed"
    QUESTION_ANSWERED = "question_answered"
    QUESTION_UNANSWERED = "question_unanswered"
    GUIDE_OPENED = "guide_opened"
    HOTLINE_VIEWED = "hotline_viewed"
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    STAFF_JOINED = "staff_joined"
    BAD_INPUT = "bad_input"
    CONTEST_REGISTERED = "contest_registered"
    QUIZ_STARTED = "quiz_started"
    QUIZ_ANSWERED = "quiz_answered"
    QUIZ_FINISHED = "quiz_finished"


def user_key(salt: str, channel: str, user_id: str) -> str:
    digest = hmac.new(salt.encode(), f"{channel}:{user_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


def record(
    session: AsyncSession,
    *,
    user_key: str,
    channel: str,
    kind: str,
    topic: str | None = None,
    item: str | None = None,
    outcome: str | None = None,
    value: float | None = None,
    at: datetime | None = None,
) -> None:
    """Add one event to the session; it is written with the turn's commit."""
    event = EngagementEvent(
        user_key=user_key,
        channel=channel,
        kind=str(kind),
        topic=topic,
        item=item[:255] if item else None,
        outcome=outcome,
        value=value,
    )
    if at is not None:
        event.occurred_at = at
    session.add(event)

"""`/xoadulieu`: remove or anonymise one person's personal data in every table.

Every table is listed in `TABLES`, with the function that erases what it holds about a
person, or None when it holds nothing personal. A test checks that the list covers every
model table, so a new table cannot be forgotten: add it here when you add it.

What stays, so reports still add up: the rows themselves (tickets, events), re-keyed to a
fresh random pseudonym that nothing links back to the person."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.events import EventKind
from bot.db.models import ConversationState, EngagementEvent, ProcessedUpdate, Role, Subscription, User
from bot.db.models_campaigns import CampaignWatcher, MessageRef, OutboxMessage, OutboxStatus, RecipientStatus
from bot.db.models_inbox import WebhookInbox
from bot.db.models_staff import ConsoleSession
from bot.db.models_survey import SurveyResponse
from bot.db.models_web import WebMessage, WebPushSubscription
from bot.db.models_zalo import ZaloContact
from bot.kernel.clock import utcnow
from bot.privacy import feedback as feedback_privacy

if TYPE_CHECKING:
    from bot.runtime import Runtime


@dataclass
class Erasure:
    """One person's erasure in progress."""

    session: AsyncSession
    user: User
    channel: str
    channel_user_id: str  # the identity being forgotten
    old_key: str  # their pseudonym in the engagement log
    new_key: str = field(default_factory=lambda: secrets.token_hex(12))
    # Work outside the database (e.g. redacting staff-desk posts), after the commit.
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    services: Runtime | None = None


Eraser = Callable[[Erasure], Awaitable[None]]


async def _conversation_state(e: Erasure) -> None:
    await e.session.execute(update(ConversationState).where(ConversationState.user_id == e.user.id)
                            .values(step=None, data={}, options=[]))


async def _subscriptions(e: Erasure) -> None:
    await e.session.execute(delete(Subscription).where(Subscription.user_id == e.user.id))


async def _engagement_events(e: Erasure) -> None:
    # Typed questions the bot could not answer are kept as text for editors: drop them.
    await e.session.execute(update(EngagementEvent)
                            .where(EngagementEvent.user_key == e.old_key,
                                   EngagementEvent.kind == EventKind.QUESTION_UNANSWERED)
                            .values(item=None, wording=None))
    await e.session.execute(update(EngagementEvent).where(EngagementEvent.user_key == e.old_key)
                            .values(user_key=e.new_key))


async def _processed_updates(e: Erasure) -> None:
    # Some update keys name the person: "<web session>:<message id>", Zalo's
    # "follow:<user id>:<time>". Telegram's are bare update ids.
    uid, key = e.channel_user_id, ProcessedUpdate.update_key
    await e.session.execute(delete(ProcessedUpdate).where(
        ProcessedUpdate.channel == e.channel,
        or_(key.startswith(f"{uid}:", autoescape=True), key.contains(f":{uid}:", autoescape=True),
            key.endswith(f":{uid}", autoescape=True))))


async def _webhook_inbox(e: Erasure) -> None:
    # Platform events stored but not handled yet: raw bodies naming the person.
    await e.session.execute(delete(WebhookInbox).where(
        WebhookInbox.channel == e.channel, WebhookInbox.body.contains(f'"{e.channel_user_id}"', autoescape=True)))


async def _web_history(e: Erasure) -> None:
    # The web chat's conversation, keyed by the browser's session (the person's id there).
    if e.channel == "web":
        await e.session.execute(delete(WebMessage).where(WebMessage.session == e.channel_user_id))


async def _web_push_subscriptions(e: Erasure) -> None:
    if e.channel == "web":
        await e.session.execute(delete(WebPushSubscription).where(
            WebPushSubscription.session == e.channel_user_id))


async def _survey_responses(e: Erasure) -> None:
    # Progress rows carry the pseudonym: re-key them with the events, so counts still hold.
    await e.session.execute(update(SurveyResponse).where(SurveyResponse.user_key == e.old_key)
                            .values(user_key=e.new_key))


async def _outbox(e: Erasure) -> None:
    # Nothing more is sent to them; delivered rows stay (campaign figures) on the anonymised user.
    await e.session.execute(update(OutboxMessage).where(
        OutboxMessage.user_id == e.user.id,
        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.CLAIMED]))
        .values(status=OutboxStatus.CANCELLED, detail="erased"))


async def _recipient_status(e: Erasure) -> None:
    await e.session.execute(delete(RecipientStatus).where(RecipientStatus.user_id == e.user.id))


async def _campaign_watchers(e: Erasure) -> None:
    await e.session.execute(delete(CampaignWatcher).where(CampaignWatcher.user_id == e.user.id))


async def _message_refs(e: Erasure) -> None:
    # Platform message ids in the person's own chat.
    await e.session.execute(delete(MessageRef).where(
        MessageRef.channel == e.channel, MessageRef.chat_id == e.channel_user_id))


async def _contest_registrations(e: Erasure) -> None:
    # Name and position go; results and unit figures stay on the anonymised user.
    from bot.contest import registration

    await registration.erase(e.session, e.user.id, utcnow())


async def _zalo_contacts(e: Erasure) -> None:
    # Follow state and last interaction; follower counts come from the event log.
    await e.session.execute(delete(ZaloContact).where(ZaloContact.user_id == e.user.id))


async def _console_sessions(e: Erasure) -> None:
    await e.session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == e.user.id))


async def _user(e: Erasure) -> None:
    """Last: the row stays (other tables point to it, reports count people) but no longer
    says who it was; the person's next message starts a fresh, unlinked identity."""
    e.user.channel_user_id = f"erased-{secrets.token_hex(8)}"
    e.user.role = Role.CITIZEN
    e.user.staff_name = None


TABLES: dict[str, Eraser | None] = {
    "conversation_states": _conversation_state,
    "subscriptions": _subscriptions,
    "engagement_events": _engagement_events,
    "processed_updates": _processed_updates,
    "staff_invites": None,  # code hashes; `used_by` points to the anonymised user row
    "feedback_counters": None,
    "feedback_tickets": feedback_privacy.erase_tickets,
    "feedback_notices": feedback_privacy.erase_notices,
    "web_history": _web_history,
    "web_push_subscriptions": _web_push_subscriptions,
    "webhook_inbox": _webhook_inbox,
    "survey_responses": _survey_responses,
    "campaigns": None,  # composed by staff; `created_by` points to the anonymised user row
    "broadcasts": None,
    "outbox": _outbox,
    "delivery_workers": None,
    "delivery_pace": None,  # one row per channel: the fleet's next slot, nobody's data
    "recipient_status": _recipient_status,
    "campaign_watchers": _campaign_watchers,
    "message_refs": _message_refs,
    "apscheduler_jobs": None,
    "contest_registrations": _contest_registrations,
    "contest_controls": None,  # staff opening/closing a contest early
    "quiz_attempts": None,  # scores and times, on the anonymised user
    "quiz_attempt_questions": None,
    "quiz_answers": None,
    "zalo_contacts": _zalo_contacts,
    "zalo_tokens": None,  # the OA's own credentials
    "zalo_broadcasts": None,  # per campaign, not per person
    "console_sessions": _console_sessions,
    "sign_in_attempts": None,  # hashes of addresses and codes tried, kept a day
    "staff_actions": None,  # staff's own actions; `user_id` points to the anonymised user row
    # Editors' marks: comparison forms of questions (folded, personal data masked) that
    # several people may have asked, linked to no one.
    "gap_marks": None,
    "users": _user,  # keep last
}


async def erase_person(session: AsyncSession, user: User, old_key: str, services: Runtime | None = None) -> Erasure:
    """Erase everything about `user` in this transaction; the caller commits, then runs
    `erasure.after_commit`."""
    await session.flush()  # events of the current turn are re-keyed too
    erasure = Erasure(session, user, user.channel, user.channel_user_id, old_key, services=services)
    for eraser in TABLES.values():
        if eraser is not None:
            await eraser(erasure)
    return erasure

"""Filing tickets and what staff do with them: take, forward, answer, resolve.

Every staff action is one conditional UPDATE, so two staff members tapping at once (even
in two bot processes) cannot both take a ticket or resolve it twice. Each action queues a
`FeedbackNotice` for the citizen and writes its engagement event; delivery happens after
the caller commits (`bot.feedback.delivery`)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import events
from bot.db.events import EventKind
from bot.db.models import User
from bot.db.models_feedback import FeedbackNotice, FeedbackTicket, TicketStatus
from bot.db.results import rowcount
from bot.feedback import codes
from bot.kernel.clock import VN, utcnow

MAX_DESCRIPTION = 10_000  # characters kept from all the messages of one description
MAX_PHOTOS = 5
MIN_DESCRIPTION = 15  # shorter than this (and no photo): ask for a little more


@dataclass
class Draft:
    """What the filing flow has collected so far; lives in the conversation state."""

    key: str
    category: str = ""
    unit_id: str | None = None
    place: str | None = None
    text: str = ""
    photos: list[str] = field(default_factory=list)
    consent: bool = False
    contact_name: str | None = None
    contact_phone: str | None = None
    short_warned: bool = False  # told once that the text is short; "Xong" again accepts it

    @classmethod
    def from_state(cls, data: dict) -> Draft | None:
        raw = data.get("draft")
        if not isinstance(raw, dict) or not raw.get("key"):
            return None
        # A copy: mutating the JSON column's own lists in place would go unnoticed.
        known = {k: copy.deepcopy(raw[k]) for k in cls.__dataclass_fields__ if k in raw}
        return cls(**known)

    def to_state(self) -> dict:
        return {"draft": copy.deepcopy(vars(self))}


class Outcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # nothing changed: it was already so
    RESOLVED = "resolved"  # refused: the ticket is closed
    ERASED = "erased"  # the citizen deleted their data: nothing can reach them


def hours_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 3600, 2)


def start_of_day(now: datetime) -> datetime:
    local = now.astimezone(VN)
    return datetime.combine(local.date(), time.min, VN)


async def filed_today(session: AsyncSession, user_id: int, now: datetime | None = None) -> int:
    since = start_of_day(now or utcnow())
    query = select(func.count()).where(FeedbackTicket.user_id == user_id, FeedbackTicket.created_at >= since)
    return (await session.execute(query)).scalar_one()


async def create(session: AsyncSession, draft: Draft, *, user: User, user_key: str,
                 channel: str) -> tuple[FeedbackTicket, bool]:
    """File the draft; returns (ticket, created). The same draft filed twice (a double
    tap, two processes) returns the first ticket with created=False."""
    existing = await _by_draft(session, draft.key)
    if existing is not None:
        return existing, False
    now = utcnow()
    try:
        async with session.begin_nested():
            ticket = FeedbackTicket(
                code=await codes.allocate(session, now),
                draft_key=draft.key,
                user_id=user.id,
                user_key=user_key,
                channel=channel,
                category=draft.category,
                unit_id=draft.unit_id,
                place=draft.place,
                description=draft.text[:MAX_DESCRIPTION],
                attachments=list(draft.photos[:MAX_PHOTOS]),
                contact_name=draft.contact_name if draft.consent else None,
                contact_phone=draft.contact_phone if draft.consent else None,
                contact_consent_at=now if draft.consent and draft.contact_phone else None,
                status=TicketStatus.NEW,
                created_at=now,
            )
            session.add(ticket)
            await session.flush()
    except IntegrityError:
        existing = await _by_draft(session, draft.key)
        if existing is None:
            raise
        return existing, False
    events.record(session, user_key=user_key, channel=channel, kind=EventKind.FEEDBACK_FILED,
                  topic=draft.category, item=draft.unit_id,
                  outcome="with_contact" if ticket.contact_phone else "anonymous")
    return ticket, True


async def _by_draft(session: AsyncSession, key: str) -> FeedbackTicket | None:
    query = select(FeedbackTicket).where(FeedbackTicket.draft_key == key)
    return (await session.execute(query)).scalar_one_or_none()


async def by_code(session: AsyncSession, code: str) -> FeedbackTicket | None:
    query = select(FeedbackTicket).where(FeedbackTicket.code == code)
    return (await session.execute(query)).scalar_one_or_none()


async def by_id(session: AsyncSession, ticket_id: int) -> FeedbackTicket | None:
    return await session.get(FeedbackTicket, ticket_id)


async def of_user(session: AsyncSession, user_id: int, limit: int = 5) -> list[FeedbackTicket]:
    query = (select(FeedbackTicket).where(FeedbackTicket.user_id == user_id)
             .order_by(FeedbackTicket.id.desc()).limit(limit))
    return list((await session.execute(query)).scalars())


async def open_tickets(session: AsyncSession, limit: int = 10) -> list[FeedbackTicket]:
    query = (select(FeedbackTicket).where(FeedbackTicket.status != TicketStatus.RESOLVED)
             .order_by(FeedbackTicket.id).limit(limit))
    return list((await session.execute(query)).scalars())


async def all_tickets(session: AsyncSession) -> list[FeedbackTicket]:
    return list((await session.execute(select(FeedbackTicket).order_by(FeedbackTicket.id))).scalars())


async def answers(session: AsyncSession, ticket_id: int) -> list[FeedbackNotice]:
    query = (select(FeedbackNotice)
             .where(FeedbackNotice.ticket_id == ticket_id, FeedbackNotice.kind == "answer")
             .order_by(FeedbackNotice.id))
    return list((await session.execute(query)).scalars())


def _notice(session: AsyncSession, ticket: FeedbackTicket, kind: str, text: str,
            author: User | None, form_key: str | None = None) -> None:
    if ticket.user_id is None:  # erased: nobody to tell
        return
    session.add(FeedbackNotice(ticket_id=ticket.id, kind=kind, text=text,
                               author_id=author.id if author else None, form_key=form_key))


def _event(session: AsyncSession, ticket: FeedbackTicket, kind: str, **fields: Any) -> None:
    events.record(session, user_key=ticket.user_key, channel=ticket.channel, kind=kind,
                  topic=ticket.category, **fields)


async def _guarded(session: AsyncSession, ticket: FeedbackTicket, *conditions: ColumnElement[bool],
                   **values: Any) -> bool:
    """Apply `values` only if the ticket still meets `conditions`; True when it did."""
    result = await session.execute(
        update(FeedbackTicket).where(FeedbackTicket.id == ticket.id, *conditions).values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(ticket)
    return rowcount(result) > 0


async def take(session: AsyncSession, ticket: FeedbackTicket, staff: User, label: str | None,
               notice_text: str) -> Outcome:
    now = utcnow()
    done = await _guarded(
        session, ticket,
        FeedbackTicket.assignee_id.is_(None), FeedbackTicket.status != TicketStatus.RESOLVED,
        assignee_id=staff.id, assignee_label=(label or "")[:64] or None, taken_at=now,
    )
    if not done:
        return Outcome.RESOLVED if ticket.status == TicketStatus.RESOLVED else Outcome.ALREADY
    if ticket.status == TicketStatus.NEW:
        await _guarded(session, ticket, FeedbackTicket.status == TicketStatus.NEW,
                       status=TicketStatus.TAKEN)
    _notice(session, ticket, "taken", notice_text, staff)
    _event(session, ticket, EventKind.FEEDBACK_TAKEN, value=hours_between(ticket.created_at, now))
    return Outcome.DONE


async def forward(session: AsyncSession, ticket: FeedbackTicket, staff: User, unit_id: str,
                  notice_text: str) -> Outcome:
    now = utcnow()
    if ticket.forwarded_to == unit_id:
        return Outcome.ALREADY
    done = await _guarded(
        session, ticket, FeedbackTicket.status != TicketStatus.RESOLVED,
        forwarded_to=unit_id, forwarded_at=now,
    )
    if not done:
        return Outcome.RESOLVED
    if ticket.status in (TicketStatus.NEW, TicketStatus.TAKEN):
        await _guarded(session, ticket, FeedbackTicket.status.in_([TicketStatus.NEW, TicketStatus.TAKEN]),
                       status=TicketStatus.FORWARDED)
    _notice(session, ticket, "forwarded", notice_text, staff)
    _event(session, ticket, EventKind.FEEDBACK_FORWARDED, item=unit_id)
    return Outcome.DONE


async def answer(session: AsyncSession, ticket: FeedbackTicket, staff: User | None,
                 notice_text: str, form_key: str | None = None) -> Outcome:
    """Record a staff answer; the first one sets answered_at and logs the time taken.
    `form_key` (unique) names the form it came from: the same form sent again is ALREADY."""
    if ticket.user_id is None:
        return Outcome.ERASED
    if form_key is not None:
        seen = await session.execute(select(FeedbackNotice.id).where(FeedbackNotice.form_key == form_key))
        if seen.first() is not None:
            return Outcome.ALREADY
    now = utcnow()
    first = await _guarded(session, ticket, FeedbackTicket.answered_at.is_(None), answered_at=now)
    if ticket.status != TicketStatus.RESOLVED:
        await _guarded(session, ticket, FeedbackTicket.status != TicketStatus.RESOLVED,
                       status=TicketStatus.ANSWERED)
    _notice(session, ticket, "answer", notice_text, staff, form_key)
    _event(session, ticket, EventKind.FEEDBACK_ANSWERED, outcome="first" if first else "more",
           value=hours_between(ticket.created_at, now) if first else None)
    return Outcome.DONE


async def resolve(session: AsyncSession, ticket: FeedbackTicket, staff: User | None,
                  notice_text: str) -> Outcome:
    now = utcnow()
    done = await _guarded(session, ticket, FeedbackTicket.status != TicketStatus.RESOLVED,
                          status=TicketStatus.RESOLVED, resolved_at=now)
    if not done:
        return Outcome.ALREADY
    _notice(session, ticket, "resolved", notice_text, staff)
    _event(session, ticket, EventKind.FEEDBACK_RESOLVED, value=hours_between(ticket.created_at, now))
    return Outcome.DONE


def claim_window() -> timedelta:
    """How long a process may hold a ticket's staff-desk posting before another retries."""
    return timedelta(minutes=5)


# Open tickets by how long they have waited: under a day, 1–3 days, 3–7 days, over 7 days.
AGE_LIMITS_DAYS = (1, 3, 7)


async def open_by_age(session: AsyncSession, now: datetime) -> dict[str, list[int]]:
    """Tickets not yet resolved, per status, counted per age band (AGE_LIMITS_DAYS)."""
    created = FeedbackTicket.created_at
    bands = [func.count().filter(created > now - timedelta(days=AGE_LIMITS_DAYS[0]))]
    for newer, older in zip(AGE_LIMITS_DAYS, AGE_LIMITS_DAYS[1:], strict=False):
        bands.append(func.count().filter(created <= now - timedelta(days=newer),
                                         created > now - timedelta(days=older)))
    bands.append(func.count().filter(created <= now - timedelta(days=AGE_LIMITS_DAYS[-1])))
    rows = await session.execute(select(FeedbackTicket.status, *bands)
                                 .where(FeedbackTicket.status != TicketStatus.RESOLVED)
                                 .group_by(FeedbackTicket.status))
    return {status: list(counts) for status, *counts in rows}

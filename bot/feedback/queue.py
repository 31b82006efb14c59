"""The feedback desk's queue (the console): tickets by status, category, unit and age, a
page at a time; and a ticket's thread, the notices sent to the citizen with their authors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.db.models_feedback import FeedbackNotice, FeedbackTicket, TicketStatus
from bot.feedback.tickets import AGE_LIMITS_DAYS

OPEN, ALL = "open", "all"  # every ticket not yet resolved; every ticket
STATUSES = (OPEN, *(s.value for s in TicketStatus), ALL)
# How long a ticket has waited, in days: [from, to) (None: no bound), keyed "lt1", "1to3",
# "3to7", "gt7": the dashboard's bands of open feedback by age.
_EDGES = (None, *AGE_LIMITS_DAYS, None)
AGES: dict[str, tuple[int | None, int | None]] = {
    (f"lt{hi}" if lo is None else f"gt{lo}" if hi is None else f"{lo}to{hi}"): (lo, hi)
    for lo, hi in zip(_EDGES, _EDGES[1:], strict=False)}
PER_PAGE = 25


@dataclass(frozen=True)
class Filters:
    status: str = OPEN  # one of STATUSES
    category: str = ""  # a subject slug, or "" for any
    unit: str = ""  # a unit id: where it happened or where it was forwarded; "" for any
    age: str = ""  # a key of AGES, or "" for any


@dataclass(frozen=True)
class QueuePage:
    tickets: list[FeedbackTicket]
    total: int  # tickets matching the filters
    page: int  # 1-based, within 1..pages
    pages: int


def _conditions(filters: Filters, now: datetime) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.status == OPEN:
        found.append(FeedbackTicket.status != TicketStatus.RESOLVED)
    elif filters.status != ALL:
        found.append(FeedbackTicket.status == filters.status)
    if filters.category:
        found.append(FeedbackTicket.category == filters.category)
    if filters.unit:
        found.append(or_(FeedbackTicket.unit_id == filters.unit, FeedbackTicket.forwarded_to == filters.unit))
    if filters.age in AGES:
        newer, older = AGES[filters.age]
        if newer is not None:
            found.append(FeedbackTicket.created_at <= now - timedelta(days=newer))
        if older is not None:
            found.append(FeedbackTicket.created_at > now - timedelta(days=older))
    return found


async def find(session: AsyncSession, filters: Filters, now: datetime, page: int = 1,
               per_page: int = PER_PAGE) -> QueuePage:
    """One page of the tickets matching `filters`: waiting ones oldest first (the queue's
    order), resolved or all of them newest first. A page past the end gives the last."""
    where = _conditions(filters, now)
    total = (await session.execute(select(func.count()).select_from(FeedbackTicket).where(*where))).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    oldest = (FeedbackTicket.created_at, FeedbackTicket.id)
    order = [o.desc() for o in oldest] if filters.status in (ALL, TicketStatus.RESOLVED) else list(oldest)
    query = select(FeedbackTicket).where(*where).order_by(*order).offset((page - 1) * per_page).limit(per_page)
    return QueuePage(list((await session.execute(query)).scalars()), total, page, pages)


async def thread(session: AsyncSession, ticket_id: int) -> list[tuple[FeedbackNotice, User | None]]:
    """What the citizen has been sent about the ticket, oldest first, with who wrote it."""
    query = (select(FeedbackNotice, User).outerjoin(User, User.id == FeedbackNotice.author_id)
             .where(FeedbackNotice.ticket_id == ticket_id).order_by(FeedbackNotice.id))
    return [(notice, author) for notice, author in (await session.execute(query)).all()]

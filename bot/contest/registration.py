"""Cadre registrations for a contest: create, correct, look up, erase.

The full name and position are stored here only. Erasing a registration before any
attempt deletes it; after attempts it keeps the unit and the scores (so unit figures
hold) and removes the name and position."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.contest.attempts import CONTEST
from bot.db.models import Role, User
from bot.db.models_contest import ContestRegistration, QuizAttempt
from bot.kernel.text import fold


async def of_user(session: AsyncSession, contest_id: str, user_id: int) -> ContestRegistration | None:
    query = select(ContestRegistration).where(ContestRegistration.contest_id == contest_id,
                                              ContestRegistration.user_id == user_id)
    return (await session.execute(query)).scalar_one_or_none()


async def has_attempts(session: AsyncSession, registration: ContestRegistration) -> bool:
    query = select(func.count()).select_from(QuizAttempt).where(
        QuizAttempt.mode == CONTEST, QuizAttempt.registration_id == registration.id)
    return (await session.execute(query)).scalar_one() > 0


def _mark_cadre(user: User, unit_id: str) -> None:
    if user.role == Role.CITIZEN:
        user.role = Role.CADRE
    user.unit_id = unit_id


async def save(session: AsyncSession, contest_id: str, user: User, *, full_name: str, unit_id: str,
               position: str, now: datetime) -> tuple[ContestRegistration, bool] | None:
    """Register, or correct the registration while no attempt has been made. Returns the
    registration and whether it is new; None when it can no longer be corrected."""
    registration = await of_user(session, contest_id, user.id)
    if registration is None:
        try:
            async with session.begin_nested():
                registration = ContestRegistration(
                    contest_id=contest_id, user_id=user.id, full_name=full_name, unit_id=unit_id,
                    position=position, registered_at=now, updated_at=now)
                session.add(registration)
            _mark_cadre(user, unit_id)
            return registration, True
        except IntegrityError:  # registered meanwhile (double tap): correct that one
            registration = await of_user(session, contest_id, user.id)
            assert registration is not None  # the row that made the insert fail
    if await has_attempts(session, registration):
        return None
    registration.full_name, registration.unit_id, registration.position = full_name, unit_id, position
    registration.updated_at, registration.updated_by = now, None
    _mark_cadre(user, unit_id)
    return registration, False


async def correct(session: AsyncSession, registration: ContestRegistration, *, staff_user_id: int,
                  now: datetime, full_name: str | None = None, unit_id: str | None = None,
                  position: str | None = None) -> None:
    """A staff correction; allowed at any time (the organising board decides)."""
    if full_name is not None:
        registration.full_name = full_name
    if position is not None:
        registration.position = position
    if unit_id is not None:
        registration.unit_id = unit_id
        user = await session.get(User, registration.user_id)
        if user is not None:
            user.unit_id = unit_id
    registration.updated_at, registration.updated_by = now, staff_user_id


async def search(session: AsyncSession, contest_id: str, text: str = "", limit: int = 20) -> list[ContestRegistration]:
    """Registrations whose name or unit contains `text` (diacritics ignored), newest first."""
    query = (select(ContestRegistration).where(ContestRegistration.contest_id == contest_id)
             .order_by(ContestRegistration.id.desc()))
    rows = (await session.execute(query)).scalars().all()
    needle = fold(text)
    if needle:
        rows = [r for r in rows if needle in fold(r.full_name or "") or needle in fold(r.unit_id.replace("-", " "))]
    return list(rows[:limit])


async def erase(session: AsyncSession, user_id: int, now: datetime, contest_id: str | None = None) -> int:
    """Remove a person's name and position from their registrations (every contest, or
    one). Returns how many registrations were touched."""
    query = select(ContestRegistration).where(ContestRegistration.user_id == user_id)
    if contest_id is not None:
        query = query.where(ContestRegistration.contest_id == contest_id)
    touched = 0
    for registration in (await session.execute(query)).scalars().all():
        touched += await _erase_one(session, registration, now)
    return touched


async def erase_contest(session: AsyncSession, contest_id: str, now: datetime) -> int:
    """Erase the names and positions of everyone in a contest (once the organising board
    has the export): the results and unit figures stay."""
    query = select(ContestRegistration).where(ContestRegistration.contest_id == contest_id,
                                              ContestRegistration.erased_at.is_(None))
    touched = 0
    for registration in (await session.execute(query)).scalars().all():
        touched += await _erase_one(session, registration, now)
    return touched


async def _erase_one(session: AsyncSession, registration: ContestRegistration, now: datetime) -> int:
    if not await has_attempts(session, registration):
        await session.execute(delete(ContestRegistration).where(ContestRegistration.id == registration.id))
        return 1
    if registration.erased_at is not None:
        return 0
    registration.full_name = registration.position = None
    registration.erased_at = now
    return 1

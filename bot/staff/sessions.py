"""Console sessions, kept server-side: opened at sign-in, found from the cookie's token on
every request, ended by signing out, by an admin (console or `cchc-bot staff signout`), by
their time running out, or when the person is no longer staff."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Role, User
from bot.db.models_staff import ConsoleSession, SignInAttempt
from bot.db.results import rowcount

# last_seen_at is written at most this often (not on every page a person opens).
TOUCH_EVERY = timedelta(minutes=1)
# Failed sign-ins counted over this window, per address and per code tried.
ATTEMPT_WINDOW = timedelta(minutes=15)
PER_ADDRESS = 10
PER_CODE = 5


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(session: AsyncSession, user: User, now: datetime, *, hours: float,
                       user_agent: str | None = None) -> tuple[str, ConsoleSession]:
    """A new session for `user`: the token for the cookie (never stored) and its row."""
    token = secrets.token_urlsafe(32)
    row = ConsoleSession(token_hash=_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                         created_at=now, last_seen_at=now, expires_at=now + timedelta(hours=hours),
                         user_agent=(user_agent or "")[:160] or None)
    session.add(row)
    await session.flush()
    return token, row


def _live(now: datetime, idle: timedelta) -> tuple[ColumnElement[bool], ...]:
    return (ConsoleSession.revoked_at.is_(None), ConsoleSession.expires_at > now,
            ConsoleSession.last_seen_at > now - idle,
            User.role.in_([r.value for r in Role if r.is_console_staff]))


async def find(session: AsyncSession, token: str, now: datetime, idle: timedelta) -> tuple[ConsoleSession, User] | None:
    """The live session this token opens and its staff member, or None. (The caller moves
    `last_seen_at` on when it is older than TOUCH_EVERY.)"""
    if not token or len(token) > 128:
        return None
    row = (await session.execute(
        select(ConsoleSession, User).join(User, User.id == ConsoleSession.user_id)
        .where(ConsoleSession.token_hash == _hash(token), *_live(now, idle)))).first()
    if row is None:
        return None
    return row[0], row[1]


async def revoke(session: AsyncSession, session_id: int, now: datetime) -> bool:
    result = await session.execute(update(ConsoleSession).where(
        ConsoleSession.id == session_id, ConsoleSession.revoked_at.is_(None)).values(revoked_at=now))
    return rowcount(result) > 0


async def revoke_all(session: AsyncSession, user_id: int, now: datetime) -> int:
    result = await session.execute(update(ConsoleSession).where(
        ConsoleSession.user_id == user_id, ConsoleSession.revoked_at.is_(None)).values(revoked_at=now))
    return rowcount(result)


async def live(session: AsyncSession, now: datetime, idle: timedelta) -> list[tuple[ConsoleSession, User]]:
    """Every live session, newest first."""
    rows = await session.execute(
        select(ConsoleSession, User).join(User, User.id == ConsoleSession.user_id)
        .where(*_live(now, idle)).order_by(ConsoleSession.last_seen_at.desc()))
    return [(r[0], r[1]) for r in rows]


def attempt_keys(address: str, code_key: str) -> list[tuple[str, int]]:
    """The counters a sign-in attempt is charged to, with their limits. The address is kept
    only as a hash."""
    return [("ip:" + _hash(address)[:40], PER_ADDRESS), ("code:" + code_key[:40], PER_CODE)]


async def too_many_attempts(session: AsyncSession, keys: list[tuple[str, int]], now: datetime) -> bool:
    since = now - ATTEMPT_WINDOW
    for key, limit in keys:
        count = (await session.execute(select(func.count()).where(
            SignInAttempt.key == key, SignInAttempt.attempted_at > since))).scalar_one()
        if count >= limit:
            return True
    return False


async def record_failure(session: AsyncSession, keys: list[tuple[str, int]], now: datetime) -> None:
    for key, _ in keys:
        session.add(SignInAttempt(key=key, attempted_at=now))
    await session.execute(delete(SignInAttempt).where(SignInAttempt.attempted_at < now - timedelta(days=1)))

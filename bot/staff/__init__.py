"""Staff roles: granting, revoking, listing; one-time codes — invites, which grant a role
(in chat with /kichhoat, or on the console's sign-in page), and sign-in codes, which sign an
existing staff member in to the console (`cchc-bot staff signin`, /dangnhap in chat).

The console's sessions, its rules of who may do what, and the audit log of staff actions
are the modules beside this one (`sessions`, `access`, `audit`)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Role, StaffInvite, User
from bot.db.results import rowcount
from bot.db.users import get_or_create_user
from bot.kernel.clock import utcnow

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes
STAFF_ROLES = (Role.EDITOR, Role.ADMIN, Role.FEEDBACK, Role.CONTEST)
SIGN_IN_CODE_MINUTES = 15


def _hash(code: str) -> str:
    normalised = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def parse_identity(identity: str) -> tuple[str, str]:
    channel, sep, user_id = identity.partition(":")
    if not sep or not channel or not user_id:
        raise ValueError("danh tính phải có dạng <kênh>:<mã người dùng>, ví dụ telegram:123456")
    return channel, user_id


async def grant(session: AsyncSession, channel: str, user_id: str, role: Role, name: str | None = None) -> User:
    user = await get_or_create_user(session, channel, user_id)
    user.role = role
    if name and name.strip():
        user.staff_name = name.strip()[:100]
    return user


async def revoke(session: AsyncSession, channel: str, user_id: str) -> bool:
    result = await session.execute(
        update(User)
        .where(User.channel == channel, User.channel_user_id == user_id,
               User.role.in_([r.value for r in STAFF_ROLES]))
        .values(role=Role.CITIZEN)
    )
    return rowcount(result) > 0


async def list_staff(session: AsyncSession) -> list[User]:
    query = select(User).where(User.role.in_([r.value for r in STAFF_ROLES])).order_by(User.id)
    return list((await session.execute(query)).scalars())


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def code_key(code: str) -> str:
    """What is stored of a code (and counted against it when tried): its hash."""
    return _hash(code)


async def create_invite(session: AsyncSession, role: Role, days: int = 7, name: str | None = None) -> str:
    code = _new_code()
    session.add(StaffInvite(code_hash=_hash(code), role=role, expires_at=utcnow() + timedelta(days=days),
                            name=(name or "").strip()[:100] or None))
    return code


async def create_sign_in_code(session: AsyncSession, user: User, minutes: int = SIGN_IN_CODE_MINUTES) -> str:
    """A one-time code that signs this staff member in to the console."""
    code = _new_code()
    session.add(StaffInvite(code_hash=_hash(code), role=user.role, for_user_id=user.id,
                            expires_at=utcnow() + timedelta(minutes=minutes)))
    return code


async def redeem_invite(session: AsyncSession, code: str, user: User) -> Role | None:
    """Use an invite once; returns the role granted, or None if the code is not valid."""
    now = utcnow()
    result = await session.execute(
        update(StaffInvite)
        .where(StaffInvite.code_hash == _hash(code), StaffInvite.used_at.is_(None),
               StaffInvite.expires_at > now, StaffInvite.for_user_id.is_(None))
        .values(used_at=now, used_by=user.id)
        .returning(StaffInvite.role)
    )
    role = result.scalar_one_or_none()
    if role is None:
        return None
    user.role = role
    return Role(role)


async def redeem_for_console(session: AsyncSession, code: str) -> User | None:
    """Use a code to sign in to the console, once: a sign-in code signs in its staff member
    (if still staff); an invite makes a console identity with the invite's role and name.
    None if the code is not valid."""
    now = utcnow()
    row = (await session.execute(
        update(StaffInvite)
        .where(StaffInvite.code_hash == _hash(code), StaffInvite.used_at.is_(None),
               StaffInvite.expires_at > now)
        .values(used_at=now)
        .returning(StaffInvite.id, StaffInvite.role, StaffInvite.for_user_id, StaffInvite.name)
    )).first()
    if row is None:
        return None
    if row.for_user_id is not None:
        user = await session.get(User, row.for_user_id)
        if user is None or not Role(user.role).is_console_staff:
            return None
    else:
        user = User(channel="console", channel_user_id=secrets.token_hex(6), role=row.role, staff_name=row.name)
        session.add(user)
        await session.flush()
    await session.execute(update(StaffInvite).where(StaffInvite.id == row.id).values(used_by=user.id))
    return user


def display_name(user: User) -> str:
    """How a staff member is shown to colleagues: their name, else their identity."""
    identity = f"{user.channel}:{user.channel_user_id}"
    return f"{user.staff_name} ({identity})" if user.staff_name else identity

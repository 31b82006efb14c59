"""Staff roles: granting, revoking, listing, and one-time invite codes."""

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
STAFF_ROLES = (Role.EDITOR, Role.ADMIN)


def _hash(code: str) -> str:
    normalised = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def parse_identity(identity: str) -> tuple[str, str]:
    channel, sep, user_id = identity.partition(":")
    if not sep or not channel or not user_id:
        raise ValueError("danh tính phải có dạng <kênh>:<mã người dùng>, ví dụ telegram:123456")
    return channel, user_id


async def grant(session: AsyncSession, channel: str, user_id: str, role: Role) -> User:
    user = await get_or_create_user(session, channel, user_id)
    user.role = role
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


async def create_invite(session: AsyncSession, role: Role, days: int = 7) -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    code = f"{raw[:4]}-{raw[4:]}"
    session.add(StaffInvite(code_hash=_hash(code), role=role, expires_at=utcnow() + timedelta(days=days)))
    return code


async def redeem_invite(session: AsyncSession, code: str, user: User) -> Role | None:
    """Use a code once; returns the role granted, or None if the code is not valid."""
    now = utcnow()
    result = await session.execute(
        update(StaffInvite)
        .where(StaffInvite.code_hash == _hash(code), StaffInvite.used_at.is_(None),
               StaffInvite.expires_at > now)
        .values(used_at=now, used_by=user.id)
        .returning(StaffInvite.role)
    )
    role = result.scalar_one_or_none()
    if role is None:
        return None
    user.role = role
    return Role(role)

"""Each Zalo user's relation to the OA: do they follow it, and when did they last interact.

Zalo accepts a reply ("tư vấn") message only within 7 days of the person's last
interaction (free within 48 hours). Broadcasts, answers to feedback and surveys push
outside a conversation, so they look here first instead of spending an API call to
learn that the window is closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.db.models_zalo import ZaloContact

CHANNEL = "zalo"
FREE_WINDOW = timedelta(hours=48)


@dataclass(frozen=True)
class Contact:
    following: bool | None
    last_interaction_at: datetime | None

    def window(self, now: datetime, days: int) -> str:
        """ "free" (within 48 h), "open" (within `days`), or "closed" (or never interacted)."""
        if self.last_interaction_at is None:
            return "closed"
        age = now - self.last_interaction_at
        if age <= FREE_WINDOW:
            return "free"
        return "open" if age <= timedelta(days=days) else "closed"


async def record(session: AsyncSession, user_id: int, at: datetime, *, follow: bool | None = None) -> None:
    """Note what the person did at `at`: an interaction (anything but unfollowing; the
    latest one is kept, events can arrive out of order) and, for follow/unfollow, the
    follow state. One statement, so two processes recording for one person cannot collide."""
    dialect = session.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values: dict = {"user_id": user_id}
    if follow is not False:
        values["last_interaction_at"] = at
    if follow is not None:
        values["following"] = follow
        values["followed_at" if follow else "unfollowed_at"] = at
    statement = insert(ZaloContact).values(**values)
    changes = {k: statement.excluded[k] for k in values if k not in ("user_id", "last_interaction_at")}
    if "last_interaction_at" in values:
        stored = ZaloContact.__table__.c.last_interaction_at
        new = statement.excluded.last_interaction_at
        latest = func.greatest if dialect == "postgresql" else func.max  # SQLite's max(a, b)
        changes["last_interaction_at"] = latest(func.coalesce(stored, new), new)
    await session.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=changes))


async def lookup(session: AsyncSession, zalo_user_id: str) -> Contact | None:
    query = (
        select(ZaloContact.following, ZaloContact.last_interaction_at)
        .join(User, User.id == ZaloContact.user_id)
        .where(User.channel == CHANNEL, User.channel_user_id == zalo_user_id)
    )
    row = (await session.execute(query)).one_or_none()
    return Contact(row.following, row.last_interaction_at) if row else None


async def mark_unfollowed(session: AsyncSession, zalo_user_id: str, at: datetime) -> None:
    """Zalo said the person does not follow the OA (error -213)."""
    user_id = (
        await session.execute(select(User.id).where(User.channel == CHANNEL, User.channel_user_id == zalo_user_id))
    ).scalar_one_or_none()
    if user_id is None:
        return
    dialect = session.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ZaloContact).values(user_id=user_id, following=False, unfollowed_at=at)
    statement = statement.on_conflict_do_update(
        index_elements=["user_id"], set_={"following": False, "unfollowed_at": at}
    )
    await session.execute(statement)


async def outside_window(session: AsyncSession, zalo_user_ids: list[str], now: datetime, days: int) -> set[str]:
    """Which of these people the bot knows to be outside the reply window (and not known
    to have unfollowed): one query on the indexed last interaction, for a whole batch of
    broadcast recipients. People without a record are not in it (Zalo decides for them)."""
    if not zalo_user_ids:
        return set()
    query = (
        select(User.channel_user_id)
        .join(ZaloContact, ZaloContact.user_id == User.id)
        .where(
            User.channel == CHANNEL,
            User.channel_user_id.in_(zalo_user_ids),
            ZaloContact.following.is_not(False),
            or_(ZaloContact.last_interaction_at.is_(None),
                ZaloContact.last_interaction_at < now - timedelta(days=days)),
        )
    )
    return set((await session.execute(query)).scalars())

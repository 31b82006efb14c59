"""Finding (or creating) the person behind an incoming, and their conversation state."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ConversationState, User
from bot.kernel.clock import utcnow


async def get_or_create_user(session: AsyncSession, channel: str, channel_user_id: str) -> User:
    query = select(User).where(User.channel == channel, User.channel_user_id == channel_user_id)
    user = (await session.execute(query)).scalar_one_or_none()
    if user is None:
        try:
            async with session.begin_nested():
                user = User(channel=channel, channel_user_id=channel_user_id)
                session.add(user)
        except IntegrityError:  # another process created it first
            user = (await session.execute(query)).scalar_one()
    user.last_seen_at = utcnow()
    return user


async def load_state(session: AsyncSession, user: User, *, lock: bool) -> ConversationState:
    """The user's state; on PostgreSQL the row is locked for the turn, so two processes
    serving the same user take turns instead of overwriting each other."""
    query = select(ConversationState).where(ConversationState.user_id == user.id)
    if lock:
        query = query.with_for_update()
    state = (await session.execute(query)).scalar_one_or_none()
    if state is None:
        try:
            async with session.begin_nested():
                state = ConversationState(user_id=user.id, step=None, data={}, options=[])
                session.add(state)
        except IntegrityError:
            state = (await session.execute(query)).scalar_one()
    return state

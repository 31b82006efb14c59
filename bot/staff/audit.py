"""The audit log: every staff action, whichever surface it came from (console, chat,
command line), written in the same transaction as the action itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models_staff import StaffAction
from bot.kernel.clock import utcnow

CONSOLE, CHAT, CLI = "console", "chat", "cli"


def record(session: AsyncSession, *, actor: str, action: str, surface: str, user_id: int | None = None,
           target: str | None = None, detail: dict[str, Any] | None = None) -> StaffAction:
    """Add one line to the log (the caller's commit writes it with the action)."""
    row = StaffAction(at=utcnow(), user_id=user_id, actor=actor[:160], action=action[:64],
                      target=target[:160] if target else None, detail=detail or {}, surface=surface)
    session.add(row)
    return row


async def recent(session: AsyncSession, *, limit: int = 100, before_id: int | None = None,
                 action: str | None = None) -> list[StaffAction]:
    """Newest first; `before_id` pages back."""
    query = select(StaffAction).order_by(StaffAction.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(StaffAction.id < before_id)
    if action:
        query = query.where(StaffAction.action == action)
    return list((await session.execute(query)).scalars())

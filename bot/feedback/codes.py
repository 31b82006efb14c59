"""Tracking codes: PA-<year>-<six-digit sequence>, sequential within a year.

The counter row is incremented with one UPDATE … RETURNING, which takes a row lock held
until the turn commits: a second process waits for it and then reads the new value, so
two processes never hand out the same number. A unique constraint on the code backs it."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models_feedback import FeedbackCounter
from bot.kernel.clock import VN, utcnow

PREFIX = "PA"
# Typed by people: any case, "-", space or nothing between parts, leading zeros optional.
CODE_PATTERN = r"PA[\s-]?(\d{4})[\s-]?(\d{1,6})"
_CODE = re.compile(CODE_PATTERN, re.I)


def format_code(year: int, number: int) -> str:
    return f"{PREFIX}-{year}-{number:06d}"


def find_code(text: str) -> str | None:
    """The first tracking code in `text`, in its canonical form."""
    match = _CODE.search(text or "")
    return format_code(int(match.group(1)), int(match.group(2))) if match else None


def strip_code(text: str) -> str:
    """`text` without its first tracking code (what follows a code in a command)."""
    return _CODE.sub("", text or "", count=1)


async def allocate(session: AsyncSession, now: datetime | None = None) -> str:
    """The next code of the current year (Vietnam time), inside the caller's transaction."""
    year = (now or utcnow()).astimezone(VN).year
    bump = (
        update(FeedbackCounter)
        .where(FeedbackCounter.year == year)
        .values(last=FeedbackCounter.last + 1)
        .returning(FeedbackCounter.last)
    )
    number = (await session.execute(bump)).scalar_one_or_none()
    if number is None:  # first ticket of the year: create the row, racing other processes
        try:
            async with session.begin_nested():
                await session.execute(insert(FeedbackCounter).values(year=year, last=0))
        except IntegrityError:
            pass  # another process created it; its row lock is ours once it commits
        number = (await session.execute(bump)).scalar_one()
    return format_code(year, number)

"""Insert a row unless its unique key is already there, in one statement.

`INSERT … ON CONFLICT DO NOTHING RETURNING` on both SQLite and PostgreSQL: the unique
constraint decides, so two processes (or a double tap) racing to insert the same key
end with one row, and the loser learns it lost without an exception or a savepoint."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import Base


async def insert_once(session: AsyncSession, model: type[Base], conflict: list[str], **values: Any) -> bool:
    """True when the row was inserted, False when a row with the same `conflict` key exists."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    assert isinstance(table, Table)  # a declarative model's
    statement = (insert(table).values(**values)
                 .on_conflict_do_nothing(index_elements=conflict)
                 .returning(*(table.c[name] for name in conflict)))
    return (await session.execute(statement)).first() is not None

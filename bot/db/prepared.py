"""Statements of the busiest path sent by asyncpg itself, on PostgreSQL.

Every quiz answer reads its attempt, records the answer, saves the conversation state with
the turn's events and writes the web chat's history. Through SQLAlchemy, building a
statement's parameters and reading its rows back costs the bot about twice the CPU
asyncpg spends sending it — on two cores shared with PostgreSQL, that is what limits a
contest opening with thousands of cadres at once. These few statements are written as
PostgreSQL text with `$n` parameters and run as asyncpg prepared statements (prepared
once per connection: asyncpg's statement cache is keyed by the text).

In a session they run on the session's own connection, inside its transaction, so they
commit or roll back with the rest of the turn; the transaction must have begun (the
turn's first statement, the arrival, goes through SQLAlchemy, which sends BEGIN). Every
call counts in `Database.round_trips`, like SQLAlchemy's own statements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

if TYPE_CHECKING:
    from asyncpg import Connection, Record

    from bot.db.session import Database

T = TypeVar("T")


def _database(session: AsyncSession) -> Database:
    database: Database = session.info["database"]  # set by Database for its sessions
    return database


async def _driver(session: AsyncSession) -> Connection:
    """The asyncpg connection of the session's transaction, looked up once per transaction
    (each look-up through the async session costs a greenlet switch), once the changes
    pending in the session are flushed: a statement sees them, as through the ORM."""
    if session.new or session.dirty or session.deleted:
        await session.flush()  # what the ORM's own statements do first (autoflush)
    transaction = session.get_transaction()
    held = session.info.get("driver")
    if held is not None and transaction is not None and held[0] is transaction:
        driver: Connection = held[1]
    else:
        driver = (await (await session.connection()).get_raw_connection()).driver_connection
        session.info["driver"] = (session.get_transaction(), driver)
    if not driver.is_in_transaction():
        # Outside a transaction the statement would commit on its own.
        raise RuntimeError("a prepared statement must follow a statement that began the transaction")
    return driver


async def fetch(session: AsyncSession, sql: str, *args: object) -> list[Record]:
    driver = await _driver(session)
    _database(session).round_trips += 1
    rows: list[Record] = await driver.fetch(sql, *args)
    return rows


async def fetchrow(session: AsyncSession, sql: str, *args: object) -> Record | None:
    driver = await _driver(session)
    _database(session).round_trips += 1
    row: Record | None = await driver.fetchrow(sql, *args)
    return row


def columns(model: type, alias: str) -> str:
    """The model's columns (of the table named `alias` in the query), for a SELECT whose
    rows `as_loaded` turns into objects."""
    return ", ".join(f"{alias}.{column.name}" for column in model.__table__.columns)  # type: ignore[attr-defined]


def as_loaded(session: AsyncSession, model: type[T], row: Mapping[str, Any]) -> T:
    """An object of `model` from a row read here, in the session as if the ORM had loaded
    it: `session.get` finds it, and only what a handler changes afterwards is flushed.
    The object the session already holds for that row, when it has one."""
    mapper = model.__mapper__  # type: ignore[attr-defined]
    found = held(session, model, tuple(row[c.name] for c in mapper.primary_key))
    if found is not None:
        return found
    obj = model(**{attr.key: row[attr.columns[0].name] for attr in mapper.column_attrs})
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def held(session: AsyncSession, model: type[T], primary_key: tuple) -> T | None:
    """The object the session holds for that primary key, if any, without a round trip
    (what `session.get` finds first, without its greenlet switch)."""
    key = model.__mapper__.identity_key_from_primary_key(primary_key)  # type: ignore[attr-defined]
    found: T | None = session.identity_map.get(key)
    return found

"""The async engine and session factory for SQLite (default) or PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def ensure_sqlite_dir(url: str) -> None:
    """SQLite creates the file but not its folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        # Error messages and SQL logs never carry bound values (contact details, texts).
        kwargs: dict = {"hide_parameters": True}
        ensure_sqlite_dir(url)
        if not self.is_sqlite:
            # As many kept connections as updates handled at once (the Telegram adapter runs
            # 32): connections above pool_size are closed when returned, and opening a new
            # PostgreSQL connection for each turn under load costs more than the turn.
            # No ping before each use (a round trip on every turn): after a database
            # restart the first use of a stale connection fails, the pool drops them all,
            # and the caller tries again (a turn once; the delivery loops on their next pass).
            kwargs.update(pool_size=32, max_overflow=16)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        # Each session knows its database (`bot.db.prepared` counts its round trips here).
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, info={"database": self})
        # SQLite has one writer. Letting concurrent turns race for its lock makes them
        # sleep in SQLite's busy handler (long tails, "database is locked" under load);
        # queueing them here in order is faster and never times out.
        self._writer = asyncio.Lock() if self.is_sqlite else None
        # Round trips to the database (statements, BEGIN, COMMIT, ROLLBACK), for /healthz
        # and the load benchmark: what a turn costs, measured where it is spent.
        self.round_trips = 0
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._count)
        for name in ("begin", "commit", "rollback"):
            event.listen(self.engine.sync_engine, name, self._count_transaction)

    def _count(self, *_args: object) -> None:
        self.round_trips += 1

    def _count_transaction(self, conn: Connection) -> None:
        # In autocommit nothing is sent for BEGIN, COMMIT or ROLLBACK.
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            self.round_trips += 1

    def session(self) -> AsyncSession:
        return self.sessions()

    def serialised(self) -> contextlib.AbstractAsyncContextManager:
        """Held around a unit of work that writes: a queue on SQLite, nothing on PostgreSQL
        (where rows are locked instead)."""
        return self._writer if self._writer is not None else contextlib.nullcontext()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()

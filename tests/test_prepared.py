"""Statements sent by asyncpg itself (`bot.db.prepared`) belong to the session's
transaction: they commit and roll back with it, never on their own, and count as round
trips like SQLAlchemy's own statements."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from bot.db import prepared
from bot.db.models import User
from bot.db.session import Database
from bot.kernel.clock import utcnow
from tests.conftest import _truncate_pg

pytestmark = pytest.mark.postgres

_ADD = ("INSERT INTO users (channel, channel_user_id, role, created_at, last_seen_at) "
        "VALUES ('web', $1, 'citizen', $2, $2)")


@pytest.fixture
async def db(pg_migrated):
    await _truncate_pg(pg_migrated)
    database = Database(pg_migrated)
    yield database
    await database.dispose()


async def users(db: Database) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(User))).scalar_one()


async def test_a_statement_commits_and_rolls_back_with_the_session(db):
    async with db.session() as session:
        await session.execute(text("SELECT 1"))  # begins the transaction
        before = db.round_trips
        await prepared.fetch(session, _ADD, "kept", utcnow())
        await prepared.fetch(session, _ADD, "kept-too", utcnow())
        assert db.round_trips - before == 2
        await session.commit()
    async with db.session() as session:
        await session.execute(text("SELECT 1"))
        await prepared.fetch(session, _ADD, "dropped", utcnow())
        await session.rollback()
    assert await users(db) == 2


async def test_a_statement_sees_the_changes_pending_in_the_session(db):
    async with db.session() as session:
        await session.execute(text("SELECT 1"))
        await prepared.fetch(session, _ADD, "renamed-later", utcnow())
        person = (await session.execute(select(User))).scalar_one()
        person.channel_user_id = "renamed"  # pending: not sent yet
        found = await prepared.fetch(session, "SELECT channel_user_id FROM users")
        assert [row["channel_user_id"] for row in found] == ["renamed"]
        await session.commit()


async def test_a_statement_outside_a_transaction_is_refused(db):
    async with db.session() as session:
        with pytest.raises(RuntimeError, match="began the transaction"):
            await prepared.fetch(session, _ADD, "alone", utcnow())
        # After a commit the next statement needs a new transaction too.
        await session.execute(text("SELECT 1"))
        await prepared.fetch(session, _ADD, "first", utcnow())
        await session.commit()
        with pytest.raises(RuntimeError, match="began the transaction"):
            await prepared.fetch(session, _ADD, "second", utcnow())
    assert await users(db) == 1

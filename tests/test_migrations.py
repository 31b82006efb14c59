"""The same migrations go up and down on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db import migrate
from bot.db.all_models import Base


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
        return
    url = request.getfixturevalue("pg_migrated")  # this worker's database
    migrate.downgrade(url, "base")
    yield url
    migrate.upgrade(url)  # leave it as the other PostgreSQL tests expect


async def test_upgrade_creates_every_model_table_and_downgrade_removes_them(fresh_url):
    await asyncio.to_thread(migrate.upgrade, fresh_url)
    assert await _tables(fresh_url) == set(Base.metadata.tables)
    await asyncio.to_thread(migrate.downgrade, fresh_url, "base")
    assert await _tables(fresh_url) == set()
    await asyncio.to_thread(migrate.upgrade, fresh_url)
    assert await _tables(fresh_url) == set(Base.metadata.tables)

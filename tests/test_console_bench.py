"""The console benchmark runs end to end on PostgreSQL (small numbers): loads its scratch
database, requests every console page signed in, and drops the database afterwards."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.bench import console
from bot.config import Settings
from tests.conftest import CONTENT_DIR

pytestmark = pytest.mark.postgres


async def test_the_bench_measures_every_page_and_leaves_nothing_behind(pg_server_url, content_store):
    settings = Settings(_env_file=None, content_dir=CONTENT_DIR)
    result = await console.run(settings, pg_server_url, content_store, subscribers=500, events=5_000, requests=3)
    paths = {p.path for p in result.pages}
    assert {"/admin/", "/admin/staff", "/admin/audit", "/admin/dashboard/campaigns"} <= paths
    assert "/admin/login" not in paths  # public: not a signed-in page
    assert all(p.requests == 3 and 0 < p.p50_ms <= p.p95_ms <= p.max_ms for p in result.pages)
    lines = console.report_lines(result)
    assert lines[0].startswith("console bench: 500 subscribers, 5,000 engagement events")
    assert any(line.strip().startswith("/admin/ ") and "p95" in line for line in lines)
    engine = create_async_engine(pg_server_url)
    async with engine.connect() as conn:
        left = (await conn.execute(text(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'cchc_console_bench_%'"))).scalar_one()
    await engine.dispose()
    assert left == 0

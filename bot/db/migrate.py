"""Run Alembic migrations from code (`cchc-bot migrate`, `make run`, tests).

Alembic's env runs its own event loop, so when called from inside a running loop the
migration runs in a worker thread (blocking the caller until it is done)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from alembic.config import Config

from alembic import command
from bot.config import ROOT
from bot.db.session import ensure_sqlite_dir


def _config(database_url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["database_url"] = database_url
    return cfg


def _outside_loop(fn: Callable[..., None], *args: object) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def upgrade(database_url: str, revision: str = "head") -> None:
    ensure_sqlite_dir(database_url)
    _outside_loop(command.upgrade, _config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    _outside_loop(command.downgrade, _config(database_url), revision)

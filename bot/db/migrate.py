"""Run Alembic migrations from code (`cchc-bot migrate`, `make run`, tests).

These are synchronous (Alembic's env runs its own event loop); from async code call them
through `asyncio.to_thread`."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from bot.config import ROOT


def _config(database_url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(_config(database_url), revision)

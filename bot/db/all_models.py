"""Imports every model module so `Base.metadata` is complete (Alembic, tests)."""

from bot.db import (
    models,  # noqa: F401
    models_campaigns,  # noqa: F401
)
from bot.db.base import Base

__all__ = ["Base"]

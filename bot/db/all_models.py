"""Imports every model module so `Base.metadata` is complete (Alembic, tests)."""

from bot.db import models, models_contest, models_inbox, models_survey, models_zalo  # noqa: F401
from bot.db.base import Base

__all__ = ["Base"]

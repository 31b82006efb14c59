"""Imports every model module so `Base.metadata` is complete (Alembic, tests)."""

from bot.db import (  # noqa: F401
    models,
    models_campaigns,
    models_contest,
    models_feedback,
    models_gaps,
    models_inbox,
    models_staff,
    models_survey,
    models_web,
    models_zalo,
)
from bot.db.base import Base

__all__ = ["Base"]

"""What a statement's result tells beyond its rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult, Result


def rowcount(result: Result[Any]) -> int:
    """The rows an INSERT, UPDATE or DELETE without RETURNING matched. The session returns a
    CursorResult for these, though its signature promises only a Result."""
    assert isinstance(result, CursorResult)
    return result.rowcount

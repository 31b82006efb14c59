"""Structured logging: one JSON object per line, no personal data in clear."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime

_STANDARD = set(vars(logging.makeLogRecord({})))


# Errors from the database layer can quote stored values (a driver's "invalid input
# '0912…'", PostgreSQL's "Key (…)=(…) already exists"): their messages are not logged.
_DATA_ERROR_MODULES = ("sqlalchemy", "asyncpg", "sqlite3", "aiosqlite", "psycopg")


def _message(exc: BaseException) -> str:
    if type(exc).__module__.split(".")[0] in _DATA_ERROR_MODULES:
        return "<message withheld: database errors can quote stored data>"
    return str(exc)


def format_exception(exc: BaseException) -> str:
    """The traceback of `exc` and its causes, without database errors' messages."""
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts = []
    for error in reversed(chain):
        parts.append("Traceback (most recent call last):\n" + "".join(traceback.format_tb(error.__traceback__)))
        parts.append(f"{type(error).__module__}.{type(error).__qualname__}: {_message(error)}\n")
    return "".join(parts).rstrip()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[1] is not None:
            line["exc"] = format_exception(record.exc_info[1])
        return json.dumps(line, ensure_ascii=False, default=str)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Quiet libraries; the database drivers and PTB also log statement parameters and
    # message texts at DEBUG, which would put personal data in the logs.
    for noisy in ("httpx", "httpcore", "aiohttp.access", "apscheduler", "alembic",
                  "aiosqlite", "asyncpg", "sqlalchemy.engine", "telegram"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

"""Whatever a button or a command carries — a forged callback, an old keyboard, a typo —
every button prefix and every command the router knows answers politely, as a citizen and
as staff, and nothing is logged as an error. Payloads and arguments come from hypothesis:
digits in and out of range, other scripts' digits, separators, empty parts, long text."""

from __future__ import annotations

import asyncio
import logging
import shutil

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import staff
from bot.config import Settings
from bot.conversation.conversation import Conversation
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db.models import Role
from bot.db.session import Database
from bot.kernel.messages import Incoming
from tests.conftest import CONTENT_DIR

ROUTER = build_router()
PREFIXES = sorted(ROUTER.payloads)
COMMANDS = sorted(ROUTER.commands)
GENERIC_ERROR = "hệ thống đang bận"

# Pieces an argument is made of: ids, huge numbers, "²", Arabic-Indic digits, separators.
PIECES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "²", "١٢", "0", "-1", "9" * 30, "thi-mo", "tin-tuc", "yes", "no", " ", "\n"]),
    st.text(max_size=12),
)
ARGUMENTS = st.lists(PIECES, max_size=5).flatmap(
    lambda parts: st.sampled_from([":", ".", " ", ","]).map(lambda sep: sep.join(parts)))

EACH = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def database_url(sqlite_template, tmp_path) -> str:
    path = tmp_path / "any.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def _turns(url: str, messages: list[Incoming], content_store) -> list[list]:
    db = Database(url)
    services = Services(settings=Settings(_env_file=None, database_url=url, content_dir=CONTENT_DIR,
                                          pseudonym_salt="test"),
                        db=db, content=content_store, router=ROUTER)
    try:
        async with db.session() as s:
            await staff.grant(s, "web", "staff-any", Role.ADMIN)
            await s.commit()
        conversation = Conversation(services)
        return [await conversation.handle(m) for m in messages]
    finally:
        await db.dispose()


def _check(replies_per_turn: list[list], caplog, what: str) -> None:
    for replies in replies_per_turn:
        assert replies, what
        assert all(r.text.strip() or r.all_buttons() or r.quiz for r in replies), what
        assert not any(GENERIC_ERROR in r.text for r in replies), what
    # The bot's own loggers: asyncio may report, when the garbage collector runs, a client
    # session another test on this worker left open; that is not this turn's doing.
    errors = [r.getMessage() for r in caplog.records
              if r.levelno >= logging.ERROR and r.name.split(".")[0] in ("bot", "scheduler")]
    assert errors == [], (what, errors)
    caplog.clear()


@pytest.mark.parametrize("prefix", PREFIXES)
@EACH
@given(argument=ARGUMENTS)
@example(argument="9" * 30)
@example(argument=f"{2**63}:{2**63}:{2**63}")
def test_any_payload_on_any_button_gets_a_polite_reply(prefix, argument, database_url, content_store, caplog):
    payload = f"{prefix}:{argument}"
    messages = [Incoming.button("web", who, payload) for who in ("citizen-any", "staff-any")]
    with caplog.at_level(logging.ERROR):
        replies = asyncio.run(_turns(database_url, messages, content_store))
    _check(replies, caplog, payload)


@pytest.mark.parametrize("command", COMMANDS)
@EACH
@given(argument=ARGUMENTS)
@example(argument="9" * 30)
@example(argument=f"sua {2**63} ten ²")
def test_any_argument_to_any_command_gets_a_polite_reply(command, argument, database_url, content_store, caplog):
    typed = f"/{command} {argument}".strip()
    messages = [Incoming("web", who, "text", text=typed) for who in ("citizen-any", "staff-any")]
    with caplog.at_level(logging.ERROR):
        replies = asyncio.run(_turns(database_url, messages, content_store))
    _check(replies, caplog, typed)

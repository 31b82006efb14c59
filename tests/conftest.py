"""Shared fixtures: a migrated database on every backend, the shipped content pack, and a
conversation harness that reads like a chat (`await chat.send("…")`, then assert).

PostgreSQL (tests/pg_server.py): every database test runs on it as well, on the server
TEST_POSTGRES_URL names or else on a throwaway cluster started for the run; one database
per xdist worker. Where neither is to be had those variants skip and say so; in CI
(CI=true) a missing server is an error, never a silent skip."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.channels.quiz import reply_text
from bot.config import ROOT, Settings
from bot.conversation.conversation import Conversation
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db import migrate
from bot.db.all_models import Base
from bot.db.session import Database
from bot.faq.served import AnsweringContent
from bot.kernel.messages import Incoming, Reply
from tests import pg_server

# Fixtures of feature test suites, available to every test module.
pytest_plugins = ["tests.contest_support", "tests.console_support", "tests.console_feedback_support"]

CONTENT_DIR = ROOT / "content"
FAQ_FIXTURE = Path(__file__).parent / "fixtures" / "faq_pack"


def pytest_configure(config: pytest.Config) -> None:
    pg_server.configure(config)


@pytest.fixture(scope="session")
def pg_server_url(request, tmp_path_factory):
    """The PostgreSQL server of this run (skips, or fails in CI, where there is none)."""
    yield from pg_server.server(request, tmp_path_factory.mktemp("pg-ctl"))


class _ParsedOnce:
    """`yaml` as the content reader sees it, with each distinct text parsed once per run and
    a deep copy handed out (what a fresh parse would give). Pure-Python PyYAML takes about
    two seconds to read the content pack, and the tests read it hundreds of times: every
    command run in-process, every app and content store."""

    def __init__(self) -> None:
        self._parsed: dict[str, object] = {}

    def safe_load(self, stream):
        if not isinstance(stream, str):
            return yaml.safe_load(stream)
        if stream not in self._parsed:
            self._parsed[stream] = yaml.safe_load(stream)  # a YAMLError is raised, never kept
        return copy.deepcopy(self._parsed[stream])

    def __getattr__(self, name):
        return getattr(yaml, name)


@pytest.fixture(scope="session", autouse=True)
def _content_yaml_parsed_once():
    from bot.content import reading

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reading, "yaml", _ParsedOnce())
        yield


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database(request, pg_server_url) -> str:
    """This worker's own database on the server, empty (not migrated)."""
    yield from pg_server.worker_database(pg_server_url, pg_server.worker_id(request.config))


@pytest.fixture(scope="session")
def pg_migrated(pg_database) -> str:
    migrate.upgrade(pg_database)
    return pg_database


async def _truncate_pg(url: str) -> None:
    engine = create_async_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request, tmp_path, sqlite_template) -> str:
    """A migrated, empty database; every test using it runs on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url = request.getfixturevalue("pg_migrated")
    await _truncate_pg(url)
    return url


@pytest.fixture(scope="session")
def content_store() -> AnsweringContent:
    return AnsweringContent(CONTENT_DIR)


@pytest.fixture
def shared_content(monkeypatch, content_store) -> None:
    """Commands run in-process (`bot.cli.main`) serve the shipped pack from the session's
    content store instead of building one of their own each (about a second of CPU a
    command); any other pack is read as usual."""
    import bot.app
    import bot.faq.served

    build = bot.faq.served.AnsweringContent
    shipped = CONTENT_DIR.resolve()

    def answering_content(directory):
        return content_store if Path(directory).resolve() == shipped else build(directory)

    monkeypatch.setattr(bot.app, "AnsweringContent", answering_content)
    monkeypatch.setattr(bot.faq.served, "AnsweringContent", answering_content)


def make_faq_pack(target: Path) -> Path:
    """The shipped pack with its FAQ, guides and abbreviations replaced by the small
    fixture set, so matcher tests do not move when the shipped FAQ grows."""
    shutil.copytree(CONTENT_DIR, target)
    for name in ("faq", "guides"):
        shutil.rmtree(target / name, ignore_errors=True)
    (target / "abbreviations.yaml").unlink(missing_ok=True)
    shutil.copytree(FAQ_FIXTURE, target, dirs_exist_ok=True)
    (target / "README.md").write_text("", encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def faq_store(tmp_path_factory) -> AnsweringContent:
    return AnsweringContent(make_faq_pack(tmp_path_factory.mktemp("faq") / "content"))


@pytest.fixture
def settings(db_url) -> Settings:
    # Telegram's one message a second per chat is paced by `LaneLimiter` and tested there
    # (tests/campaigns/test_ratelimit.py); conversations over the fake keep a short gap so
    # a dozen replies to one chat do not cost a dozen seconds.
    return Settings(_env_file=None, database_url=db_url, content_dir=CONTENT_DIR, pseudonym_salt="test",
                    telegram_chat_interval_seconds=0.02)


@pytest.fixture
async def services(settings, content_store) -> Services:
    db = Database(settings.database_url)
    yield Services(settings=settings, db=db, content=content_store, router=build_router())
    await db.dispose()


class Chat:
    """One person talking to the core through `Incoming`/`Reply`."""

    def __init__(self, conversation: Conversation, channel: str = "web", user_id: str = "citizen-0001"):
        self.conversation, self.channel, self.user_id = conversation, channel, user_id
        self.last: list[Reply] = []

    async def send(self, text: str) -> list[Reply]:
        return await self._handle(Incoming(self.channel, self.user_id, "text", text=text))

    async def send_image(self, caption: str, *files: str) -> list[Reply]:
        """A photo (the channel's file ids or URLs) with a caption."""
        return await self._handle(Incoming(self.channel, self.user_id, "image", text=caption, attachments=files))

    async def tap(self, label_part: str) -> list[Reply]:
        """Tap the first button of the last replies whose label contains `label_part`."""
        for reply in self.last:
            for button in reply.all_buttons():
                if label_part in button.label and button.payload:
                    return await self._handle(Incoming.button(self.channel, self.user_id, button.payload))
        raise AssertionError(f"no button with {label_part!r} in {self.labels()}")

    async def press(self, payload: str) -> list[Reply]:
        return await self._handle(Incoming.button(self.channel, self.user_id, payload))

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        self.last = await self.conversation.handle(incoming)
        return self.last

    def labels(self) -> list[str]:
        return [b.label for r in self.last for b in r.all_buttons()]

    @property
    def text(self) -> str:
        """What the person reads: a quiz question with its numbered options, as channels show it."""
        as_text = self.conversation.services.content.text
        return "\n".join(reply_text(r, as_text) for r in self.last)


@pytest.fixture
def conversation(services) -> Conversation:
    return Conversation(services)


@pytest.fixture
def chat(conversation) -> Chat:
    return Chat(conversation)


@pytest.fixture
async def faq_chat(settings, faq_store):
    """A chat with the small fixture FAQ (see `make_faq_pack`)."""
    db = Database(settings.database_url)
    services = Services(settings=settings, db=db, content=faq_store, router=build_router())
    yield Chat(Conversation(services))
    await db.dispose()

"""What one turn costs the database on PostgreSQL: at most six round trips (BEGIN, the
arrival, the handler's read, its write, the departure, COMMIT) for the turns a contest
and a campaign bring by the thousand — a quiz answer, a typed question, a button tap —
counted by the database's own counter (`Database.round_trips`, shown on /healthz)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.conversation.conversation import Conversation
from bot.db.models import EngagementEvent, ProcessedUpdate
from bot.db.models_contest import QuizAnswer, QuizAttemptQuestion
from bot.kernel.messages import Incoming
from tests.conftest import _truncate_pg
from tests.contest_support import choose, correct_number, quiz_of, register

pytestmark = pytest.mark.postgres

MAX_ROUND_TRIPS = 6


@pytest.fixture
async def db_url(pg_migrated) -> str:
    """PostgreSQL only: SQLite's round trips are function calls and are not budgeted."""
    await _truncate_pg(pg_migrated)
    return pg_migrated


async def cost(services, turn) -> int:
    before = services.db.round_trips
    await turn
    return services.db.round_trips - before


async def count(services, query) -> int:
    async with services.db.session() as session:
        return (await session.execute(query)).scalar_one()


async def test_a_typed_question_and_a_button_tap(cadre, contest_services):
    await cadre.send("xin chào")  # the person exists: their first turn creates rows
    assert await cost(contest_services, cadre.send("làm căn cước cho con cần giấy tờ gì")) <= MAX_ROUND_TRIPS
    assert "căn cước" in cadre.text.lower()
    assert await cost(contest_services, cadre.press("menu")) <= MAX_ROUND_TRIPS
    assert "Bạn muốn tìm hiểu gì" in cadre.text
    # Everything the turns logged was written with them.
    events = select(func.count()).select_from(EngagementEvent).where(EngagementEvent.kind == "message_in")
    assert await count(contest_services, events) == 3


async def test_a_platform_update_and_its_redelivery(contest_services):
    chat = Conversation(contest_services)
    update = Incoming("telegram", "700001", "text", text="giờ làm việc bộ phận một cửa", update_key="51")
    assert await cost(contest_services, chat.handle(update)) <= MAX_ROUND_TRIPS
    replies = []
    spent = await cost(contest_services, _into(replies, chat.handle(update)))
    assert replies == [[]] and spent <= 3  # BEGIN, the arrival that finds it handled, end
    assert await count(contest_services, select(func.count()).select_from(ProcessedUpdate)) == 1


async def test_a_quiz_answer(cadre, contest_services, contest_store, clock):
    await register(cadre)
    await cadre.press("ctgo:thi-mo")
    for number in (1, 2):
        clock.advance(3)
        spent = await cost(contest_services, choose(cadre, correct_number(contest_store, quiz_of(cadre))))
        assert spent <= MAX_ROUND_TRIPS, number
        assert quiz_of(cadre).number == number + 1
    # Both answers stand, and the question on screen has its clock started.
    assert await count(contest_services, select(func.count()).select_from(QuizAnswer)) == 2
    shown = select(func.count()).select_from(QuizAttemptQuestion).where(QuizAttemptQuestion.shown_at.is_not(None))
    assert await count(contest_services, shown) == 3


async def _into(sink: list, turn) -> None:
    sink.append(await turn)


async def test_a_turn_after_the_database_dropped_its_connections(cadre, contest_services, caplog):
    """No ping before every turn: when the server has closed the pooled connections (a
    restart), the turn that meets one is tried again on a fresh one, and answers."""
    await cadre.send("xin chào")  # leaves a connection in the pool
    admin = create_async_engine(contest_services.settings.database_url)
    try:
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        await admin.dispose()
    await cadre.press("menu")
    assert "Bạn muốn tìm hiểu gì" in cadre.text
    assert "database connection lost; the turn is tried again once" in caplog.text

"""Fixtures for the contest tests: a copy of the shipped pack with test contests whose
windows sit around a controllable clock, and helpers that take a quiz like a cadre."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.content.loader import load_pack
from bot.conversation.conversation import Conversation
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db.session import Database
from bot.faq.served import AnsweringContent
from bot.kernel.messages import QuizQuestion
from tests.conftest import CONTENT_DIR, Chat

# 09:00 on 15 June 2026 in Vietnam.
CLOCK_START = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def contests_yaml(bank_id: str) -> dict:
    base = {"organiser": "Sở Nội vụ", "bank": bank_id, "seconds_per_question": 30, "rules": "Thể lệ thử."}
    return {
        "contests": [
            base | {"id": "thi-mo", "name": "Hội thi đang mở", "starts_at": "2026-06-01T08:00:00+07:00",
                    "ends_at": "2026-06-30T17:00:00+07:00", "questions_per_attempt": 4, "attempts_allowed": 2,
                    "counts": "best"},
            base | {"id": "thi-sap-mo", "name": "Hội thi sắp mở", "starts_at": "2026-07-01T08:00:00+07:00",
                    "ends_at": "2026-07-31T17:00:00+07:00", "questions_per_attempt": 3, "attempts_allowed": 1},
            base | {"id": "thi-da-dong", "name": "Hội thi đã đóng", "starts_at": "2026-05-01T08:00:00+07:00",
                    "ends_at": "2026-05-31T17:00:00+07:00", "questions_per_attempt": 3, "attempts_allowed": 1},
            base | {"id": "thi-luot-cuoi", "name": "Hội thi tính lượt cuối", "starts_at": "2026-06-01T08:00:00+07:00",
                    "ends_at": "2026-06-30T17:00:00+07:00", "questions_per_attempt": 3, "attempts_allowed": 2,
                    "counts": "last", "reveal_answers": "after-close", "units": ["so-tu-phap", "so-noi-vu"]},
        ],
        "practice": {"bank": bank_id, "questions_per_attempt": 3, "seconds_per_question": 20},
    }


@pytest.fixture(scope="session")
def contest_dir(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("contest") / "content"
    shutil.copytree(CONTENT_DIR, target)
    bank_id = load_pack(CONTENT_DIR).banks[0].id
    (target / "quiz" / "contests.yaml").write_text(
        yaml.safe_dump(contests_yaml(bank_id), allow_unicode=True), encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def contest_store(contest_dir) -> AnsweringContent:
    return AnsweringContent(contest_dir)


@pytest.fixture
def clock() -> Clock:
    return Clock(CLOCK_START)


@pytest.fixture
async def contest_services(settings, contest_store, clock) -> Services:
    db = Database(settings.database_url)
    yield Services(settings=settings, db=db, content=contest_store, router=build_router(), clock=clock)
    await db.dispose()


@pytest.fixture
def cadre(contest_services) -> Chat:
    return Chat(Conversation(contest_services), "web", "cadre-0001")


def person(services: Services, user_id: str, channel: str = "web") -> Chat:
    return Chat(Conversation(services), channel, user_id)


async def register(chat: Chat, contest_id: str = "thi-mo", name: str = "nguyễn văn an",
                   unit: str = "so tu phap", position: str = "Chuyên viên") -> None:
    await chat.press(f"ctreg:{contest_id}")
    await chat.send(name)
    await chat.send(unit)
    await chat.send(position)
    await chat.tap("Xác nhận đăng ký")
    assert "thành công" in chat.text or "Đã cập nhật" in chat.text, chat.text


def quiz_of(chat: Chat) -> QuizQuestion | None:
    return next((r.quiz for r in chat.last if r.quiz), None)


def correct_number(store: AnsweringContent, quiz: QuizQuestion) -> int:
    """The displayed number (1-based) of the right option."""
    for bank in store.pack.banks:
        for q in bank.questions:
            if q.text == quiz.question:
                return quiz.options.index(q.options[q.correct - 1]) + 1
    raise AssertionError(f"question not in any bank: {quiz.question}")


async def choose(chat: Chat, number: int) -> None:
    await chat.press(quiz_of(chat).payloads[number - 1])


async def answer_rest(chat: Chat, store: AnsweringContent, clock: Clock, *, right: int | None = None,
                      seconds: float = 3) -> None:
    """Answer every remaining question, `seconds` after each is shown; the first `right`
    answers correctly (all when None), the rest wrongly."""
    done = 0
    while (quiz := quiz_of(chat)) is not None:
        clock.advance(seconds)
        good = correct_number(store, quiz)
        ok = right is None or done < right
        await choose(chat, good if ok else (good % len(quiz.options)) + 1)
        done += 1

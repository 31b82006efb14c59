"""The quiz part of the content pack's schema (`content/quiz/`): question banks of
multiple-choice questions, contests (a window, a draw from one bank, the rules) and practice
mode. Loading and cross-checking them is in `bot/content/quiz.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from bot.content.schema_base import Slug, Strict, Text


def _same_text(text: str) -> str:
    """The form two options or questions are compared in (case and spacing ignored)."""
    return " ".join(text.casefold().split())


OptionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class BankQuestion(Strict):
    """One multiple-choice question of a bank; `correct` is the 1-based option number."""

    id: Slug
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=600)]
    options: list[OptionText] = Field(min_length=2, max_length=6)
    correct: int = Field(ge=1)
    explanation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=1500)]
    source: Text
    topic: Slug
    difficulty: Literal["de", "trung-binh", "kho"]
    # Options that point at other options ("Cả A và B", "Tất cả các phương án trên") must
    # keep their order: set this and the question is never shuffled.
    fixed_order: bool = False

    @field_validator("options")
    @classmethod
    def _distinct_options(cls, options: list[str]) -> list[str]:
        seen = [_same_text(o) for o in options]
        if len(set(seen)) != len(seen):
            raise ValueError("có hai phương án giống nhau")
        return options

    @field_validator("correct")
    @classmethod
    def _correct_is_an_option(cls, correct: int, info: ValidationInfo) -> int:
        options = info.data.get("options")
        if options is not None and correct > len(options):
            raise ValueError(f"đáp án đúng là phương án {correct} nhưng chỉ có {len(options)} phương án")
        return correct


class QuestionBank(Strict):
    id: Slug
    title: Text
    questions: list[BankQuestion] = Field(min_length=1)
    _by_id: dict[str, BankQuestion] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _context: Any) -> None:
        self._by_id.update({q.id: q for q in self.questions})

    def question(self, question_id: str) -> BankQuestion | None:
        return self._by_id.get(question_id)


# Ids that end up in button payloads, which Telegram limits to 64 bytes.
ShortSlug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]


class Contest(Strict):
    """A contest's quiz part: its window (with the UTC offset, e.g. +07:00), its draw and
    its rules. Which units take part and their group come from `units.yaml`."""

    id: ShortSlug
    name: Text
    organiser: Text
    bank: Slug
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    questions_per_attempt: int = Field(ge=1, le=100)
    seconds_per_question: int = Field(ge=5, le=600)
    attempts_allowed: int = Field(ge=1, le=20)
    counts: Literal["best", "last"] = "best"
    shuffle_questions: bool = True
    shuffle_options: bool = True
    units: Literal["all"] | list[Slug] = "all"
    rules: Text
    # Allowance for delivery delay: an answer this many seconds past the limit is on time.
    grace_seconds: int = Field(default=2, ge=0, le=30)
    leaderboard_size: int = Field(default=10, ge=3, le=50)
    # "end": correct answers and explanations after each attempt; "after-close": only once
    # the contest has closed (so answers do not circulate while it runs).
    reveal_answers: Literal["end", "after-close"] = "end"

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and ends_at <= starts_at:
            raise ValueError("thời điểm kết thúc phải sau thời điểm bắt đầu")
        return ends_at

    def takes_part(self, unit_id: str) -> bool:
        return self.units == "all" or unit_id in self.units


class Practice(Strict):
    """Practice mode: any user, any time, never ranked."""

    bank: Slug
    questions_per_attempt: int = Field(default=10, ge=1, le=100)
    seconds_per_question: int = Field(default=30, ge=5, le=600)

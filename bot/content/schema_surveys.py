"""The surveys of the content pack (`surveys/*.yaml`): who is asked, when, and each
question (single choice or a 1–5 scale), with the province target a question measures.
Loading and cross-checking them is in `bot/content/surveys.py`; the report compares the
answers with the targets."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from bot.content.schema_base import Strict, Text

ShortId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=32)]
ButtonLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
SCALE = (1, 2, 3, 4, 5)  # a scale question is answered 1–5


class SurveyOption(Strict):
    id: ShortId  # logged as the answer (engagement `outcome`): keep it once published
    label: ButtonLabel


class SurveyTarget(Strict):
    """A province target the question measures (e.g. 95% of citizens by 2030)."""

    indicator: Text
    percent: float = Field(gt=0, le=100)
    year: int = Field(ge=2000, le=2100)
    options: list[ShortId] = Field(min_length=1)  # the answers that count as meeting it
    source: Text | None = None


class SurveyQuestion(Strict):
    id: ShortId
    kind: Literal["single", "scale"]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=500)]
    options: list[SurveyOption] = []  # single choice: 2–6
    scale_min: ButtonLabel | None = None  # scale: what 1 means
    scale_max: ButtonLabel | None = None  # scale: what 5 means
    target: SurveyTarget | None = None


class Survey(Strict):
    # Short enough for a campaign button's payload `survey:<id>` (Telegram allows 64 bytes).
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
    title: Text
    audience: Literal["citizen", "cadre"]
    period: Literal["quarter", "half", "year"] = "quarter"  # answered once per period
    offer_after_interactions: int = Field(default=0, ge=0)  # 0: only a campaign or /khaosat
    active: bool = True
    intro: Text
    thanks: Text
    questions: list[SurveyQuestion] = Field(min_length=1, max_length=20)

    def question(self, question_id: str) -> SurveyQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)

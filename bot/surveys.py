"""Survey rules: who is asked which survey, once per period, and answers counted once.

A person is known here only by the pseudonymous `user_key` of the engagement log, so
survey answers can never be traced back to a channel identity from the database alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.schema import ContentPack
from bot.content.schema_surveys import Survey
from bot.db.events import EventKind
from bot.db.models import EngagementEvent, Role
from bot.db.models_survey import SurveyResponse
from bot.db.results import rowcount
from bot.kernel.clock import utcnow
from bot.kernel.periods import Period

# Who may answer a survey meant for each audience. Staff (Sở Nội vụ cadres themselves) may
# take either, e.g. to check how it reads; they are never offered one unasked.
ELIGIBLE = {
    "citizen": {Role.CITIZEN, Role.EDITOR, Role.ADMIN},
    "cadre": {Role.CADRE, Role.EDITOR, Role.ADMIN},
}
OFFERED_TO = {Role.CITIZEN: "citizen", Role.CADRE: "cadre"}


def eligible(survey: Survey, role: Role) -> bool:
    return role in ELIGIBLE[survey.audience]


def surveys_for(pack: ContentPack, role: Role) -> list[Survey]:
    return [s for s in pack.surveys if s.active and eligible(s, role)]


def offered_survey(pack: ContentPack, role: Role) -> Survey | None:
    """The survey to offer unasked after enough interactions, if any."""
    audience = OFFERED_TO.get(role)
    return next(
        (
            s
            for s in pack.surveys
            if s.active and s.audience == audience and s.offer_after_interactions > 0
        ),
        None,
    )


def current_period(survey: Survey, now: datetime | None = None) -> Period:
    return Period.containing(now or utcnow(), survey.period)


async def find_response(
    session: AsyncSession, survey: Survey, period: Period, user_key: str
) -> SurveyResponse | None:
    query = select(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id,
        SurveyResponse.period == period.key,
        SurveyResponse.user_key == user_key,
    )
    return (
        await session.execute(query.execution_options(populate_existing=True))
    ).scalar_one_or_none()


async def open_response(
    session: AsyncSession, survey: Survey, period: Period, user_key: str, source: str
) -> tuple[SurveyResponse, bool]:
    """The person's response for this period, creating it if needed; True when created.
    Two processes racing here end with one row (the unique constraint decides)."""
    existing = await find_response(session, survey, period, user_key)
    if existing is not None:
        return existing, False
    try:
        async with session.begin_nested():
            response = SurveyResponse(
                survey_id=survey.id, period=period.key, user_key=user_key, source=source, answered=0
            )
            session.add(response)
        return response, True
    except IntegrityError:
        existing = await find_response(session, survey, period, user_key)
        assert existing is not None  # the row that made the insert fail
        return existing, False


async def take_answer(
    session: AsyncSession, response: SurveyResponse, index: int, last: bool
) -> bool:
    """Accept the answer to question `index` only if it is the one the response waits for
    (compare-and-set), so a double tap or a replayed button is counted once."""
    values: dict = {"answered": index + 1}
    if last:
        values["completed_at"] = utcnow()
    result = await session.execute(
        update(SurveyResponse)
        .where(
            SurveyResponse.id == response.id,
            SurveyResponse.answered == index,
            SurveyResponse.completed_at.is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(response)
    return rowcount(result) == 1


# Built once (it runs after every turn); the values are bound at each execution.
_STANDING = select(
    exists().where(SurveyResponse.survey_id == bindparam("survey_id"),
                   SurveyResponse.period == bindparam("period"),
                   SurveyResponse.user_key == bindparam("user_key")),
    select(func.count()).where(EngagementEvent.user_key == bindparam("user_key"),
                               EngagementEvent.occurred_at >= bindparam("since"),
                               EngagementEvent.kind == EventKind.MESSAGE_IN).scalar_subquery(),
)


async def standing(session: AsyncSession, survey: Survey, period: Period, user_key: str) -> tuple[bool, int]:
    """Whether the person has a response for this period, and the messages and taps they
    sent in it (index on user_key, occurred_at) — what deciding on an offer needs, in one
    query."""
    since, _ = period.bounds()
    found, count = (await session.execute(_STANDING, {
        "survey_id": survey.id, "period": period.key, "user_key": user_key, "since": since})).one()
    return bool(found), count

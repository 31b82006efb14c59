"""The figures of one reporting period, aggregated by the database from the engagement log.

Every figure is a GROUP BY over `engagement_events` bounded by the period's instants (the
`occurred_at` and `kind, occurred_at` indexes); Python only reads the grouped rows, whose
number depends on channels, topics, units and questions, never on how many events there
are. Field conventions per kind are in `docs/events.md`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, distinct, func, literal_column, null, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.events import CONTEST, EVERY_TOPIC, EventKind
from bot.db.models import EngagementEvent
from bot.kernel.clock import utcnow
from bot.kernel.periods import Period

E = EngagementEvent.__table__.c
K = EventKind
TOP_N = 10
# An unanswered question is listed only when at least this many people asked it, so a
# message one person typed (which may hold their own details) never reaches the report.
UNANSWERED_MIN_PEOPLE = 2
# Channels staff use to try the bot (`cchc-bot chat`): not outreach, so left out of the
# official figures unless the report is asked to include them.
TEST_CHANNELS = ("terminal",)


@dataclass
class ChannelReach:
    reached: int = 0  # distinct people with any event but a failed delivery
    interacting: int = 0  # distinct people who sent something
    messages_in: int = 0


@dataclass
class CampaignFigures:
    campaign: str
    delivered: int = 0
    failed: int = 0
    clickers: int = 0  # distinct people who tapped something in it


@dataclass
class UnitContest:
    registered: int = 0  # by the end of the period (their latest registration)
    participants: int = 0  # distinct people who started a contest attempt in the period
    finished: int = 0  # contest attempts finished in the period
    average_score: float | None = None
    best_score: float | None = None


@dataclass
class Ranked:
    key: str
    count: int
    people: int = 0
    wording: str | None = None  # an unanswered question: one wording of it as typed (masked)


@dataclass
class PeriodFigures:
    period: Period
    # The moment the figures stop at, when the period was still running (a partial period).
    cutoff: datetime | None = None
    test_traffic: bool = False  # the test channels' events are counted too
    events: int = 0
    reach: dict[str, ChannelReach] = field(default_factory=dict)
    kinds: dict[tuple[str, str | None], int] = field(default_factory=dict)
    new_subscribers: int = 0
    subscribers: int = 0
    campaigns: list[CampaignFigures] = field(default_factory=list)
    top_topics: list[Ranked] = field(default_factory=list)
    top_answers: list[Ranked] = field(default_factory=list)
    unanswered: list[Ranked] = field(default_factory=list)
    contest: dict[str, UnitContest] = field(default_factory=dict)
    feedback_by_category: list[Ranked] = field(default_factory=list)
    resolution_hours: float | None = None
    # survey id → question id → outcome → answers
    survey_answers: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    # (kind, survey id) → events, for offered / started / completed
    survey_funnel: dict[tuple[str, str], int] = field(default_factory=dict)

    # --- derived ------------------------------------------------------------------------
    def count(self, kind: str) -> int:
        return sum(n for (k, _), n in self.kinds.items() if k == kind)

    def count_outcome(self, kind: str, outcome: str | None) -> int:
        return self.kinds.get((kind, outcome), 0)

    @property
    def reached(self) -> int:
        # user_key is an HMAC of channel + id, so people on different channels never share
        # a key: the channels' distinct counts add up exactly.
        return sum(r.reached for r in self.reach.values())

    @property
    def interacting(self) -> int:
        return sum(r.interacting for r in self.reach.values())

    @property
    def questions_answered(self) -> int:
        """Free-text questions answered at once (a pick from "did you mean" is not a new
        question: the unsure reply was already counted as unanswered)."""
        return self.count(K.QUESTION_ANSWERED) - self.count_outcome(K.QUESTION_ANSWERED, "chosen")

    @property
    def questions_asked(self) -> int:
        return self.questions_answered + self.count(K.QUESTION_UNANSWERED)

    @property
    def answer_rate(self) -> float | None:
        return self.questions_answered / self.questions_asked if self.questions_asked else None

    @property
    def delivered(self) -> int:
        return sum(c.delivered for c in self.campaigns)

    @property
    def clickers(self) -> int:
        return sum(c.clickers for c in self.campaigns)

    @property
    def click_through(self) -> float | None:
        return self.clickers / self.delivered if self.delivered else None


def _in(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(E.occurred_at >= start, E.occurred_at < end)


async def collect(conn: AsyncConnection, period: Period, *, now: datetime | None = None,
                  test_traffic: bool = False) -> PeriodFigures:
    """The period's figures. `now`: the moment of collection (a period that ends later is
    partial: `cutoff`); `test_traffic`: count the test channels' events too."""
    start, end = period.bounds()
    now = now or utcnow()
    f = PeriodFigures(period, cutoff=now if start <= now < end else None, test_traffic=test_traffic)
    scope = _scope(test_traffic)
    window = and_(_in(start, end), scope)
    await _reach_and_kinds(conn, f, window)
    await _subscribers(conn, f, start, end, scope)
    await _campaigns(conn, f, window)
    await _content(conn, f, window)
    await _contest(conn, f, window, end, scope)
    await _feedback(conn, f, window)
    await _surveys(conn, f, window)
    return f


async def glance(conn: AsyncConnection, period: Period, unanswered: int = 5) -> PeriodFigures:
    """The staff dashboard's part of `collect`, by the same queries: reach by channel, every
    kind (questions asked and answered), the most asked unanswered questions."""
    start, end = period.bounds()
    f = PeriodFigures(period)
    window = and_(_in(start, end), _scope(test_traffic=False))
    await _reach_and_kinds(conn, f, window)
    f.unanswered = await _unanswered(conn, window, unanswered)
    return f


def _scope(test_traffic: bool) -> ColumnElement[bool]:
    """Official figures leave the test channels (staff trying the bot) out."""
    return true() if test_traffic else E.channel.not_in(TEST_CHANNELS)


async def _reach_and_kinds(conn: AsyncConnection, f: PeriodFigures, window: ColumnElement[bool]) -> None:
    # Reach per channel: one pass over the period.
    reached = func.count(distinct(E.user_key)).filter(E.kind != K.BROADCAST_FAILED)
    interacting = func.count(distinct(E.user_key)).filter(E.kind == K.MESSAGE_IN)
    messages = func.count().filter(E.kind == K.MESSAGE_IN)
    rows = await conn.execute(
        select(E.channel, reached, interacting, messages).where(window).group_by(E.channel)
    )
    f.reach = {ch: ChannelReach(r, i, m) for ch, r, i, m in rows}

    # Every kind and outcome: a second pass.
    rows = await conn.execute(
        select(E.kind, E.outcome, func.count()).where(window).group_by(E.kind, E.outcome)
    )
    f.kinds = {(k, o): n for k, o, n in rows}
    f.events = sum(f.kinds.values())


async def _subscribers(
    conn: AsyncConnection, f: PeriodFigures, start: datetime, end: datetime, scope: ColumnElement[bool]
) -> None:
    # New: people whose first subscription ever falls in the period.
    first = (
        select(E.user_key, func.min(E.occurred_at).label("first"))
        .where(E.kind == K.SUBSCRIBED, E.occurred_at < end, scope)
        .group_by(E.user_key)
        .subquery()
    )
    f.new_subscribers = (
        await conn.execute(select(func.count()).select_from(first).where(first.c.first >= start))
    ).scalar_one()

    # Total at the end of the period: people with at least one topic whose latest
    # (un)subscription is a subscription made after their latest "unsubscribe from all".
    latest = (
        select(
            E.user_key,
            E.kind,
            E.occurred_at,
            func.row_number()
            .over(partition_by=(E.user_key, E.topic), order_by=(E.occurred_at.desc(), E.id.desc()))
            .label("rn"),
        )
        .where(
            E.kind.in_((K.SUBSCRIBED, K.UNSUBSCRIBED)),
            E.occurred_at < end,
            scope,
            E.topic.is_not(None),
            E.topic != EVERY_TOPIC,
        )
        .subquery()
    )
    wipes = (
        select(E.user_key, func.max(E.occurred_at).label("wiped"))
        .where(
            E.kind == K.UNSUBSCRIBED,
            E.occurred_at < end,
            scope,
            or_(E.topic.is_(None), E.topic == EVERY_TOPIC),
        )
        .group_by(E.user_key)
        .subquery()
    )
    query = (
        select(func.count(distinct(latest.c.user_key)))
        .select_from(latest.outerjoin(wipes, wipes.c.user_key == latest.c.user_key))
        .where(
            latest.c.rn == 1,
            latest.c.kind == K.SUBSCRIBED,
            or_(wipes.c.wiped.is_(None), latest.c.occurred_at > wipes.c.wiped),
        )
    )
    f.subscribers = (await conn.execute(query)).scalar_one()


async def _campaigns(conn: AsyncConnection, f: PeriodFigures, window: ColumnElement[bool]) -> None:
    query = (
        select(
            E.item,
            func.count().filter(E.kind == K.BROADCAST_DELIVERED),
            func.count().filter(E.kind == K.BROADCAST_FAILED),
            func.count(distinct(E.user_key)).filter(E.kind == K.BROADCAST_CLICKED),
        )
        .where(window, E.kind.in_((K.BROADCAST_DELIVERED, K.BROADCAST_FAILED, K.BROADCAST_CLICKED)))
        .group_by(E.item)
        .order_by(E.item)
    )
    f.campaigns = [
        CampaignFigures(item or "?", d, x, c) for item, d, x, c in await conn.execute(query)
    ]


async def _ranked(
    conn: AsyncConnection, column: ColumnElement[Any], where: Iterable[ColumnElement[bool]], *,
    limit: int | None = TOP_N, min_people: int = 0, wording: bool = False,
) -> list[Ranked]:
    n, people = func.count().label("n"), func.count(distinct(E.user_key)).label("people")
    # One of the group's wordings as typed (questions logged before wordings were kept: none).
    said = func.max(E.wording) if wording else null()
    query = select(column, n, people, said).where(*where).group_by(column)
    if min_people:
        query = query.having(func.count(distinct(E.user_key)) >= min_people)
    query = query.order_by(literal_column("n").desc(), column)
    if limit:
        query = query.limit(limit)
    return [Ranked(key or "?", c, p, w) for key, c, p, w in await conn.execute(query)]


async def _content(conn: AsyncConnection, f: PeriodFigures, window: ColumnElement[bool]) -> None:
    f.top_topics = await _ranked(
        conn, E.topic, (window, E.kind.in_((K.TOPIC_VIEWED, K.MESSAGE_VIEWED)))
    )
    f.top_answers = await _ranked(conn, E.item, (window, E.kind == K.QUESTION_ANSWERED))
    f.unanswered = await _unanswered(conn, window)


async def _unanswered(conn: AsyncConnection, window: ColumnElement[bool], limit: int = TOP_N) -> list[Ranked]:
    return await _ranked(conn, E.item, (window, E.kind == K.QUESTION_UNANSWERED), limit=limit,
                         min_people=UNANSWERED_MIN_PEOPLE, wording=True)


async def _contest(conn: AsyncConnection, f: PeriodFigures, window: ColumnElement[bool], end: datetime,
                   scope: ColumnElement[bool]) -> None:
    units: dict[str, UnitContest] = defaultdict(UnitContest)
    latest = (
        select(
            E.topic,
            func.row_number()
            .over(partition_by=E.user_key, order_by=(E.occurred_at.desc(), E.id.desc()))
            .label("rn"),
        )
        .where(E.kind == K.CONTEST_REGISTERED, E.occurred_at < end, scope)
        .subquery()
    )
    query = select(latest.c.topic, func.count()).where(latest.c.rn == 1).group_by(latest.c.topic)
    for unit, registered in await conn.execute(query):
        units[unit or "?"].registered = registered

    finished = E.kind == K.QUIZ_FINISHED
    query = (
        select(
            E.topic,
            func.count(distinct(E.user_key)).filter(E.kind == K.QUIZ_STARTED),
            func.count().filter(finished),
            func.avg(E.value).filter(finished),
            func.max(E.value).filter(finished),
        )
        .where(window, E.kind.in_((K.QUIZ_STARTED, K.QUIZ_FINISHED)), E.outcome == CONTEST)
        .group_by(E.topic)
    )
    for unit, participants, done, average, best in await conn.execute(query):
        u = units[unit or "?"]
        u.participants, u.finished = participants, done
        u.average_score = float(average) if average is not None else None
        u.best_score = float(best) if best is not None else None
    f.contest = dict(units)


async def _feedback(conn: AsyncConnection, f: PeriodFigures, window: ColumnElement[bool]) -> None:
    f.feedback_by_category = await _ranked(
        conn, E.topic, (window, E.kind == K.FEEDBACK_FILED), limit=None
    )
    query = select(func.avg(E.value)).where(
        window, E.kind == K.FEEDBACK_RESOLVED, E.value.is_not(None)
    )
    hours = (await conn.execute(query)).scalar_one()
    f.resolution_hours = float(hours) if hours is not None else None


async def _surveys(conn: AsyncConnection, f: PeriodFigures, window: ColumnElement[bool]) -> None:
    query = (
        select(E.topic, E.item, E.outcome, func.count())
        .where(window, E.kind == K.SURVEY_ANSWERED)
        .group_by(E.topic, E.item, E.outcome)
    )
    answers: dict = defaultdict(lambda: defaultdict(dict))
    for survey, question, outcome, n in await conn.execute(query):
        answers[survey][question][outcome] = n
    f.survey_answers = {s: dict(q) for s, q in answers.items()}
    funnel = (K.SURVEY_OFFERED, K.SURVEY_STARTED, K.SURVEY_COMPLETED)
    query = (
        select(E.kind, E.topic, func.count())
        .where(window, E.kind.in_(funnel))
        .group_by(E.kind, E.topic)
    )
    f.survey_funnel = {(k, s): n for k, s, n in await conn.execute(query)}

"""Content gaps: the questions the bot could not answer, most asked first.

Read from the engagement log: every question the bot was unsure about is one
`question_unanswered` event carrying the normalised question (folded, abbreviations
expanded, phone and ID numbers masked) and the outcome — `suggested` (it offered "did you
mean") or `rejected` (nothing close). Questions that differ only in word order or in
particles ("ạ", "nhé") count as one. When people tapped a suggestion afterwards, the entry
they chose is shown: a phrasing to add to it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.events import EventKind
from bot.db.models import EngagementEvent
from bot.kernel.clock import utcnow
from bot.kernel.text import FILLERS, MASK

CHOICE_WINDOW = timedelta(minutes=10)  # a tap this soon after a suggestion answers it
MAX_ASKED = 2000  # the most recent suggested questions looked at for what people chose


@dataclass
class Gap:
    question: str  # the most frequent wording in the group
    count: int = 0
    people: int = 0
    suggested: int = 0  # of `count`, how many got "did you mean" rather than nothing
    best_score: float = 0.0
    last_asked: datetime | None = None
    chosen: Counter[str] = field(default_factory=Counter)  # entry ids tapped afterwards
    wordings: Counter[str] = field(default_factory=Counter)


# Words that change nothing about what is asked, for grouping wordings only ("cho hỏi",
# "xin", "thế nào", "không"): matching keeps them, they carry some weight there.
_NOISE = FILLERS | {"cho", "hoi", "xin", "cam", "on", "the", "nao", "khong", "duoc", "ko", MASK}


def group_key(question: str) -> str:
    words = question.split()
    return " ".join(sorted({w for w in words if w not in _NOISE} or set(words)))


async def content_gaps(session: AsyncSession, days: int | None = 30, limit: int = 20) -> list[Gap]:
    E = EngagementEvent
    since = utcnow() - timedelta(days=days) if days else None
    where = [E.kind == str(EventKind.QUESTION_UNANSWERED)]
    if since is not None:
        where.append(E.occurred_at >= since)
    rows = await session.execute(
        select(E.item, func.count(), func.count(func.distinct(E.user_key)),
               func.sum(case((E.outcome == "suggested", 1), else_=0)), func.max(E.value),
               func.max(E.occurred_at))
        .where(*where).group_by(E.item).order_by(func.count().desc()).limit(limit * 20)
    )
    groups: dict[str, Gap] = {}
    for item, count, people, suggested, best, last in rows:
        gap = groups.setdefault(group_key(item or ""), Gap(item or ""))
        gap.count += count
        gap.people += people  # an upper bound when one person asked two wordings
        gap.suggested += int(suggested or 0)
        gap.best_score = max(gap.best_score, float(best or 0.0))
        gap.last_asked = max(filter(None, (gap.last_asked, last)), default=None)
        gap.wordings[item or ""] += count
    top = sorted(groups.values(), key=lambda g: (-g.count, -g.people, g.question))[:limit]
    for gap in top:
        gap.question = gap.wordings.most_common(1)[0][0]
    await _attach_choices(session, top, since)
    return top


async def _attach_choices(session: AsyncSession, gaps: list[Gap], since: datetime | None) -> None:
    """For suggested questions: which entry or guide did the person open within a few
    minutes? The first one they opened is taken as what they meant."""
    E = EngagementEvent
    by_wording = {w: g for g in gaps if g.suggested for w in g.wordings}
    if not by_wording:
        return
    where = [E.kind == str(EventKind.QUESTION_UNANSWERED), E.outcome == "suggested",
             E.item.in_(list(by_wording))]
    if since is not None:
        where.append(E.occurred_at >= since)
    asked = (await session.execute(
        select(E.user_key, E.occurred_at, E.item).where(*where)
        .order_by(E.occurred_at.desc()).limit(MAX_ASKED)  # a sample: bounded query parameters
    )).all()
    if not asked:
        return
    people = {a.user_key for a in asked}
    chosen = (await session.execute(
        select(E.user_key, E.occurred_at, E.item)
        .where(or_(and_(E.kind == str(EventKind.QUESTION_ANSWERED), E.outcome == "chosen"),
                   E.kind == str(EventKind.GUIDE_OPENED)),
               E.user_key.in_(people), E.occurred_at >= min(a.occurred_at for a in asked))
        .order_by(E.occurred_at)
    )).all()
    taps: dict[str, list[tuple[datetime, str]]] = {}
    for c in chosen:
        taps.setdefault(c.user_key, []).append((c.occurred_at, c.item))
    for a in asked:
        tap = next((item for at, item in taps.get(a.user_key, [])
                    if a.occurred_at <= at <= a.occurred_at + CHOICE_WINDOW), None)
        if tap:
            by_wording[a.item].chosen[tap] += 1

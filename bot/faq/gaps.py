"""Content gaps: the questions the bot could not answer or was unsure of, grouped, counted,
and marked by editors. One implementation for every surface (the command line, the staff
console); docs/content-gaps.md says which function does what.

Read from the engagement log: every question the bot did not answer is one
`question_unanswered` event whose `wording` is the question as typed, personal data masked
(`logged_question`; rows logged before `wording` existed have only the normalised `item`),
and whose outcome says how unsure it was — `suggested` (low
confidence: it offered "Có phải bạn muốn hỏi…") or `rejected` (nothing close). Grouping is
`bot/faq/gap_groups.py`. When people tapped a suggestion afterwards, the entry they chose
is counted on the group: the entry that probably answers it.

An editor marks a group (`mark_to_write`, `mark_ignored`, `mark_answered`, `clear_mark`);
`mark_answered` adds the group's wordings to the entry's pack file as phrasings, validates
the pack and reloads it, so the bot answers those questions from then on."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.loader import ContentIssue
from bot.content.phrasings import PhrasingError, add_phrasings
from bot.content.schema import FaqEntry
from bot.content.store import ContentStore
from bot.content.watch import request_reload
from bot.db.events import EventKind
from bot.db.models import EngagementEvent
from bot.db.models_gaps import GapMark, GapState
from bot.faq.gap_groups import ID_LENGTH, Asked, Forms, GapGroup, Mark, group, phrasings
from bot.kernel.clock import utcnow
from bot.kernel.periods import Period, PeriodError, PeriodKind, parse_day
from bot.kernel.personal import redact

__all__ = ["GapError", "GapGroup", "GapState", "Answered", "Window", "logged_question", "window",
           "list_gaps", "find_group", "mark_to_write", "mark_ignored", "mark_answered", "clear_mark"]

LOGGED_MAX = 255  # the engagement log's `item`
DEFAULT_DAYS = 30
MAX_PHRASINGS = 10  # wordings added to an entry at most, the most asked first
CHOICE_WINDOW = timedelta(minutes=10)  # a tap this soon after a suggestion answers it
MAX_ASKED = 2000  # the most recent suggested questions looked at for what people chose
_ID = re.compile(rf"^[0-9a-f]{{{ID_LENGTH}}}$")


class GapError(ValueError):
    """A request the gaps cannot carry out, said in Vietnamese for the editor; `issues`: the
    pack's problems when a change was refused."""

    def __init__(self, message: str, issues: list[ContentIssue] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []


def logged_question(text: str) -> str:
    """What is logged of a question the bot did not answer: as typed, on one line, personal
    data masked, at most 255 characters (cut at a word), control characters dropped (a NUL
    cannot be stored in PostgreSQL text)."""
    printable = "".join(c for c in redact(text) if unicodedata.category(c)[0] != "C" or c.isspace())
    line = " ".join(printable.split())
    if len(line) > LOGGED_MAX:
        line = line[:LOGGED_MAX - 1].rsplit(" ", 1)[0] + "…"
    return line


# --- periods ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """The time the gaps are counted over: [since, until), either end open (None)."""

    since: datetime | None
    until: datetime | None
    label: str


def window(text: str | None, now: datetime | None = None) -> Window:
    """`30` or `30d` (the last N days; the default is 30), `all`, a quarter `2026Q3`, a half
    `2026H1`, a year `2026`, or days `2026-07-01..2026-07-31` (Vietnam time, both included)."""
    now = now or utcnow()
    text = (text or "").strip().lower()
    try:
        if not text:
            return Window(now - timedelta(days=DEFAULT_DAYS), None, f"{DEFAULT_DAYS} ngày gần nhất")
        if text in ("all", "tatca", "tất cả", "0"):
            return Window(None, None, "toàn bộ")
        if m := re.fullmatch(r"(\d{1,3})|(\d{1,4})\s*d", text):
            days = int(m.group(1) or m.group(2))
            return Window(now - timedelta(days=days), None, f"{days} ngày gần nhất")
        if ".." in text:
            start, end = (parse_day(part) for part in text.split("..", 1))
            period = Period.days(start, end)
        else:
            kind: PeriodKind = "quarter" if "q" in text else "half" if "h" in text else "year"
            period = Period.parse(kind, text)
    except PeriodError as exc:
        raise GapError(f"{exc}. Kỳ hợp lệ: 30 (số ngày gần nhất), all, 2026Q3, 2026H1, 2026 "
                       "hoặc 2026-07-01..2026-07-31") from exc
    since, until = period.bounds()
    return Window(since, until, f"{_day(period.start)}–{_day(period.end)}")


def _day(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


# --- reading ----------------------------------------------------------------------------

# The question as typed, or (logged before the wording was kept) normalised.
_SAID = func.coalesce(EngagementEvent.wording, EngagementEvent.item)


async def _asked(session: AsyncSession, since: datetime | None, until: datetime | None) -> list[Asked]:
    E = EngagementEvent
    where = [E.kind == str(EventKind.QUESTION_UNANSWERED), _SAID.is_not(None)]
    if since is not None:
        where.append(E.occurred_at >= since)
    if until is not None:
        where.append(E.occurred_at < until)
    rows = await session.execute(
        select(_SAID, E.user_key, func.count(), func.sum(case((E.outcome == "suggested", 1), else_=0)),
               func.min(E.occurred_at), func.max(E.occurred_at))
        .where(*where).group_by(_SAID, E.user_key))
    return [Asked(item, user, count, int(suggested or 0), first, last)
            for item, user, count, suggested, first, last in rows]


async def _marks(session: AsyncSession) -> dict[str, Mark]:
    rows = (await session.execute(select(GapMark))).scalars()
    return {r.wording: Mark(GapState(r.state), r.group_id, r.representative, r.marked_at, r.entry_id, r.marked_by)
            for r in rows}


async def list_gaps(session: AsyncSession, abbreviations: Mapping[str, list[str]], *,
                    since: datetime | None = None, until: datetime | None = None, limit: int = 20,
                    everything: bool = False) -> list[GapGroup]:
    """The groups of questions not answered in [since, until), most asked first: those not
    marked and those marked to write; with `everything`, the ignored and answered too.
    `abbreviations`: the served pack's (`pack.abbreviations`)."""
    groups = group(await _asked(session, since, until), await _marks(session), Forms(abbreviations))
    shown = [g for g in groups if everything or g.listed][:max(limit, 0)]
    await _attach_choices(session, shown, since)
    return shown


async def find_group(session: AsyncSession, abbreviations: Mapping[str, list[str]], group_id: str) -> GapGroup:
    """The group an id names, among every question ever logged (see `GapGroup.ids`), with
    the entries people tapped after a suggestion (`chosen`)."""
    group_id = (group_id or "").strip().lower()
    if not _ID.match(group_id):
        raise GapError(f"Mã nhóm không hợp lệ: {group_id[:40]!r} (mã nhóm gồm {ID_LENGTH} ký tự 0–9, a–f, "
                       "như trong danh sách)")
    groups = group(await _asked(session, None, None), await _marks(session), Forms(abbreviations))
    found = next((g for g in groups if g.id == group_id), None) or next(
        (g for g in groups if group_id in g.ids), None)
    if found is None:
        raise GapError(f"Không có nhóm câu hỏi mã {group_id}: xem lại danh sách (`cchc-bot content gaps`).")
    await _attach_choices(session, [found], None)
    return found


# --- marking ----------------------------------------------------------------------------

async def _mark(session: AsyncSession, found: GapGroup, state: GapState, by: str | None,
                entry_id: str | None = None) -> GapGroup:
    """Keep `state` for every form of the group (replacing the marks it had)."""
    now = utcnow()
    await session.execute(delete(GapMark).where(or_(GapMark.group_id == found.id,
                                                    GapMark.wording.in_(found.forms))))
    session.add_all(GapMark(wording=f, group_id=found.id, representative=found.representative, state=str(state),
                            entry_id=entry_id, marked_at=now, marked_by=(by or None) and by[:128])
                    for f in found.forms)
    found.mark = Mark(state, found.id, found.representative, now, entry_id, by)
    return found


async def mark_to_write(session: AsyncSession, abbreviations: Mapping[str, list[str]], group_id: str, *,
                        by: str | None = None) -> GapGroup:
    """An entry is to be written for this group: it stays listed, marked, with new questions counted."""
    return await _mark(session, await find_group(session, abbreviations, group_id), GapState.TO_WRITE, by)


async def mark_ignored(session: AsyncSession, abbreviations: Mapping[str, list[str]], group_id: str, *,
                       by: str | None = None) -> GapGroup:
    """Not for this bot: hidden from the list, and so are the same questions asked again."""
    return await _mark(session, await find_group(session, abbreviations, group_id), GapState.IGNORED, by)


async def clear_mark(session: AsyncSession, abbreviations: Mapping[str, list[str]], group_id: str) -> GapGroup:
    """Back to an open group (a mark set by mistake)."""
    found = await find_group(session, abbreviations, group_id)
    await session.execute(delete(GapMark).where(or_(GapMark.group_id == found.id,
                                                    GapMark.wording.in_(found.forms))))
    found.mark = None
    return found


@dataclass
class Answered:
    group: GapGroup
    entry_id: str
    file: Path  # the pack file the phrasings were written to
    added: list[str] = field(default_factory=list)  # the phrasings added (none: all were there)


async def mark_answered(session: AsyncSession, store: ContentStore, group_id: str, entry_id: str, *,
                        by: str | None = None) -> Answered:
    """The group is answered by FAQ entry (or guide) `entry_id`: its wordings are added to the
    entry's `phrasings` in its pack file, the pack is validated and reloaded in this process
    and every other serving that folder (`content/.reload-request`), then the group is
    marked. A pack that does not validate is put back as it was, and `GapError` lists why.
    The caller commits the session."""
    pack = store.pack
    entry = pack.faq_entry(entry_id) or pack.guide(entry_id)
    if entry is None:
        raise GapError(f"Không có câu hỏi hay hướng dẫn mã '{entry_id[:64]}' trong nội dung đang dùng.")
    found = await find_group(session, pack.abbreviations, group_id)
    forms = Forms(pack.abbreviations)
    own = [entry.question if isinstance(entry, FaqEntry) else entry.title, *entry.phrasings]
    new = phrasings(found, forms, {forms.form(t) for t in own}, MAX_PHRASINGS)
    try:
        edit = await asyncio.to_thread(add_phrasings, store.directory, entry_id, new)
    except (PhrasingError, OSError) as exc:
        raise GapError(f"Không ghi được câu hỏi vào tệp nội dung: {exc}") from exc
    if edit.added:
        request_reload(store.directory)  # other processes serving the folder
        issues = await store.reload_async()
        if issues:
            await asyncio.to_thread(edit.restore)
            request_reload(store.directory)
            await store.reload_async()
            raise GapError(f"Nội dung sau khi thêm không hợp lệ, đã trả tệp {edit.path.name} về như cũ.", issues)
    await _mark(session, found, GapState.ANSWERED, by, entry_id)
    return Answered(found, entry_id, edit.path, edit.added)


# --- what people chose ------------------------------------------------------------------

async def _attach_choices(session: AsyncSession, groups: list[GapGroup], since: datetime | None) -> None:
    """For suggested questions: which entry or guide did the person open within a few
    minutes? The first one they opened is taken as what they meant."""
    E = EngagementEvent
    by_text = {w.text: g for g in groups if g.suggested for w in g.wordings}
    if not by_text:
        return
    where = [E.kind == str(EventKind.QUESTION_UNANSWERED), E.outcome == "suggested",
             _SAID.in_(list(by_text)[:MAX_ASKED])]
    if since is not None:
        where.append(E.occurred_at >= since)
    asked = (await session.execute(
        select(E.user_key, E.occurred_at, _SAID.label("said")).where(*where)
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
            by_text[a.said].chosen[tap] += 1

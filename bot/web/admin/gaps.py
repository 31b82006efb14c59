"""Content gaps (/admin/gaps): the questions the bot could not answer or was unsure of,
grouped, with the editors' marks — to write, answered by an entry (its phrasings added to
the pack and the pack reloaded), ignore — through `bot/faq/gaps.py`, the functions
`cchc-bot content gaps` calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.faq import gaps
from bot.faq.entry_search import EntryChoice, entry, find_entries
from bot.kernel.periods import Period
from bot.staff.access import Area
from bot.web.admin.context import now, page, record, runtime, staff_of
from bot.web.admin.guard import requires

routes = web.RouteTableDef()
GROUP = r"{group:[0-9a-f]{1,10}}"  # ten hex digits; shorter ones are not found
SHOWN = 100  # groups listed at most
CHOICES = 8  # entries offered by the picker
# The mark filter: value → which groups. "" is the list as the command line shows it.
MARKS = ("", "open", "to_write", "answered", "ignored", "all")
ACTIONS = {"to_write": "gap_to_write", "ignored": "gap_ignored", "clear": "gap_cleared"}


def _presets(moment: datetime) -> list[tuple[str, str]]:
    """The periods offered in the filter: value (as `gaps.window` reads it) → label."""
    quarter = Period.containing(moment, "quarter")
    last = quarter.previous()
    return [("7", "7 ngày gần nhất"), ("30", "30 ngày gần nhất"), ("90", "90 ngày gần nhất"),
            (quarter.key, f"Quý {quarter.roman}/{quarter.start.year} (đang diễn ra)"),
            (last.key, f"Quý {last.roman}/{last.start.year}"), ("all", "Toàn bộ")]


def _period_text(query: Any) -> str:
    start, end = query.get("from", "").strip()[:10], query.get("to", "").strip()[:10]
    if start or end:
        return f"{start}..{end}"
    return query.get("period", "").strip()[:40] or "30"


def _shown(group: gaps.GapGroup, mark: str) -> bool:
    state = group.mark.state if group.mark else None
    if mark == "":
        return group.listed
    if mark == "open":
        return state is None
    return mark == "all" or state == mark


@routes.get("/gaps", name="gaps")
@requires(Area.CONTENT)
async def gap_list(request: web.Request) -> web.StreamResponse:
    services = runtime(request)
    moment = now(request)
    mark = request.query.get("mark", "")
    mark = mark if mark in MARKS else ""
    text = _period_text(request.query)
    error = None
    try:
        period = gaps.window(text, moment)
    except gaps.GapError as exc:
        error, text = str(exc), "30"
        period = gaps.window(text, moment)
    async with services.db.session() as db:
        found = await gaps.list_gaps(db, services.content.pack.abbreviations, since=period.since,
                                     until=period.until, limit=100_000, everything=mark != "")
    shown = [g for g in found if _shown(g, mark)]
    custom = "from" in request.query and not error
    presets = _presets(moment)
    if not custom and text not in dict(presets):  # a period typed in the address: offered as is
        presets.append((text, period.label))
    return page(request, "gaps.html", {
        "groups": shown[:SHOWN], "total": len(shown), "asked": sum(g.count for g in shown), "mark": mark,
        "period": period, "period_value": "" if custom else text, "presets": presets,
        "day_from": request.query.get("from", "")[:10] if custom else "",
        "day_to": request.query.get("to", "")[:10] if custom else "",
        "error": error, "titles": _titles(services, found),
    }, status=400 if error else 200)


def _titles(services: Any, groups: list[gaps.GapGroup]) -> dict[str, str]:
    """The titles of the entries the groups' marks name."""
    pack = services.content.pack
    ids = {g.mark.entry_id for g in groups if g.mark and g.mark.entry_id}
    return {i: c.title for i in ids if (c := entry(pack, i)) is not None}


async def _group(request: web.Request) -> gaps.GapGroup:
    services = runtime(request)
    async with services.db.session() as db:
        try:
            return await gaps.find_group(db, services.content.pack.abbreviations, request.match_info["group"])
        except gaps.GapError:
            raise web.HTTPNotFound() from None


def _choices(request: web.Request, group: gaps.GapGroup, query: str) -> list[EntryChoice]:
    store = runtime(request).content
    return find_entries(store, query or group.question, limit=CHOICES)


def _chosen(request: web.Request, group: gaps.GapGroup) -> list[tuple[EntryChoice, int]]:
    pack = runtime(request).content.pack
    return [(c, n) for entry_id, n in group.chosen.most_common(5) if (c := entry(pack, entry_id)) is not None]


async def _group_page(request: web.Request, group: gaps.GapGroup, *, status: int = 200,
                      **extra: Any) -> web.Response:
    query = request.query.get("q", "")[:200]
    pack = runtime(request).content.pack
    marked = entry(pack, group.mark.entry_id) if group.mark and group.mark.entry_id else None
    return page(request, "gap.html", {
        "g": group, "q": query or group.question, "choices": _choices(request, group, query),
        "chosen": _chosen(request, group), "marked_entry": marked,
        "done": request.query.get("done", ""), "added": request.query.get("added", ""), **extra,
    }, status=status)


@routes.get(f"/gaps/{GROUP}", name="gap")
@requires(Area.CONTENT)
async def gap_page(request: web.Request) -> web.StreamResponse:
    return await _group_page(request, await _group(request))


@routes.get(f"/gaps/{GROUP}/entries", name="gap_entries")
@requires(Area.CONTENT)
async def gap_entries(request: web.Request) -> web.StreamResponse:
    """The picker's choices for what was typed (htmx swaps them in as the editor types)."""
    group = await _group(request)
    query = request.query.get("q", "")[:200]
    return page(request, "_gap_entries.html", {"g": group, "choices": _choices(request, group, query),
                                                "q": query})


@routes.post(f"/gaps/{GROUP}/mark", name="gap_mark")
@requires(Area.CONTENT)
async def gap_mark(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    action = str(form.get("action", ""))
    group_id = request.match_info["group"]
    services = runtime(request)
    by = staff_of(request).name
    abbreviations = services.content.pack.abbreviations
    if action not in (*ACTIONS, "answered"):
        return await _group_page(request, await _group(request), status=400, error="bad_action")
    async with services.db.serialised(), services.db.session() as db:
        try:
            if action == "answered":
                entry_id = str(form.get("entry", "")).strip()[:64]
                if not entry_id:
                    await db.rollback()
                    return await _group_page(request, await _group(request), status=400, error="no_entry")
                done = await gaps.mark_answered(db, services.content, group_id, entry_id, by=by)
                record(request, db, "gap_answered", f"gap:{done.group.id}", entry=entry_id,
                       added=len(done.added), question=done.group.question[:120])
            elif action == "clear":
                found = await gaps.clear_mark(db, abbreviations, group_id)
                record(request, db, ACTIONS[action], f"gap:{found.id}", question=found.question[:120])
            else:
                mark = gaps.mark_to_write if action == "to_write" else gaps.mark_ignored
                found = await mark(db, abbreviations, group_id, by=by)
                record(request, db, ACTIONS[action], f"gap:{found.id}", question=found.question[:120])
            await db.commit()
        except gaps.GapError as exc:
            await db.rollback()
            return await _group_page(request, await _group(request), status=422, error="refused",
                                     message=str(exc), issues=[str(i) for i in exc.issues])
    target = f"/admin/gaps/{group_id}?done={action}"
    if action == "answered":
        target += f"&added={len(done.added)}"
    raise web.HTTPSeeOther(target)


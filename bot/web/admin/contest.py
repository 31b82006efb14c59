"""The contest (/admin/contest): each contest's window with open now / close now, its
figures, the standings by unit and by person, and the organising board's workbook — the
functions `/qlcuocthi` and `cchc-bot contest open|close|export` use (`bot/contest/`)."""

from __future__ import annotations

import asyncio
import io

from aiohttp import web
from openpyxl import Workbook

from bot.content.schema_quiz import Contest
from bot.contest import standings, window
from bot.contest.export import build_workbook
from bot.staff.access import Area
from bot.web.admin.context import now, page, record, runtime, staff_of
from bot.web.admin.guard import requires

routes = web.RouteTableDef()
CONTEST = r"{contest:[a-z0-9-]{1,64}}"
PEOPLE = 200  # people listed on the page (the workbook has everyone)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _contest(request: web.Request) -> Contest:
    contest = runtime(request).content.pack.contest(request.match_info["contest"])
    if contest is None:
        raise web.HTTPNotFound()
    return contest


@routes.get("/contest", name="contest")
@requires(Area.CONTEST)
async def contest_list(request: web.Request) -> web.StreamResponse:
    services = runtime(request)
    moment = now(request)
    async with services.db.session() as db:
        pairs = await window.by_relevance(db, services.content.pack.contests, moment)
        rows = [(c, w, w.status(moment), await standings.figures(db, c, moment)) for c, w in pairs]
    return page(request, "contests.html", {"rows": rows})


@routes.get(f"/contest/{CONTEST}", name="contest_page")
@requires(Area.CONTEST)
async def contest_page(request: web.Request) -> web.StreamResponse:
    contest = _contest(request)
    services = runtime(request)
    moment = now(request)
    units = [u for u in services.content.pack.units if contest.takes_part(u.id)]
    async with services.db.session() as db:
        w = await window.window(db, contest)
        figures = await standings.figures(db, contest, moment)
        by_unit = await standings.unit_standings(db, contest, units)
        people = await standings.leaderboard(db, contest, limit=PEOPLE)
    names = {u.id: u.name for u in services.content.pack.units}
    return page(request, "contest.html", {
        "contest": contest, "w": w, "status": w.status(moment), "figures": figures,
        "by_unit": [u for u in by_unit if u.registered or u.participants],
        "idle_units": [u.unit.name for u in by_unit if not (u.registered or u.participants)],
        "people": people, "names": names, "shown": PEOPLE, "done": request.query.get("done", ""),
        "ended": moment >= contest.ends_at})


async def _confirm(request: web.Request, contest: Contest, action: str) -> web.Response:
    services = runtime(request)
    async with services.db.session() as db:
        w = await window.window(db, contest)
    return page(request, "contest_confirm.html", {"contest": contest, "action": action, "w": w,
                                                  "status": w.status(now(request))})


@routes.post(f"/contest/{CONTEST}/open", name="contest_open")
@requires(Area.CONTEST)
async def contest_open(request: web.Request) -> web.StreamResponse:
    contest = _contest(request)
    if (await request.post()).get("confirm") != "yes":
        return await _confirm(request, contest, "open")
    services = runtime(request)
    async with services.db.serialised(), services.db.session() as db:
        opened = await window.open_now(db, contest, now(request), staff_of(request).user_id)
        if opened is not None:
            record(request, db, "contest_opened", f"contest:{contest.id}", closes=opened.closes_at.isoformat())
        await db.commit()
    raise web.HTTPSeeOther(f"/admin/contest/{contest.id}?done={'opened' if opened else 'too_late'}")


@routes.post(f"/contest/{CONTEST}/close", name="contest_close")
@requires(Area.CONTEST)
async def contest_close(request: web.Request) -> web.StreamResponse:
    contest = _contest(request)
    if (await request.post()).get("confirm") != "yes":
        return await _confirm(request, contest, "close")
    services = runtime(request)
    async with services.db.serialised(), services.db.session() as db:
        closed = await window.close_now(db, contest, now(request), staff_of(request).user_id)
        record(request, db, "contest_closed", f"contest:{contest.id}", closed=closed.closes_at.isoformat())
        await db.commit()
    raise web.HTTPSeeOther(f"/admin/contest/{contest.id}?done=closed")


@routes.post(f"/contest/{CONTEST}/export", name="contest_export")
@requires(Area.CONTEST)
async def contest_export(request: web.Request) -> web.StreamResponse:
    """The board's workbook (names and positions: written to the audit log)."""
    contest = _contest(request)
    services = runtime(request)
    moment = now(request)
    async with services.db.serialised(), services.db.session() as db:
        workbook = await build_workbook(db, services.content.pack, contest, moment)
        record(request, db, "contest_exported", f"contest:{contest.id}")
        await db.commit()
    body = await asyncio.to_thread(_bytes, workbook)
    name = f"ket-qua-{contest.id}-{moment:%Y%m%d-%H%M}.xlsx"
    return web.Response(body=body, headers={"Content-Type": XLSX, "Cache-Control": "no-store",
                                            "Content-Disposition": f'attachment; filename="{name}"'})


def _bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


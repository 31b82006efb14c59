"""Reports (/admin/reports): pick a period (a quarter, a half, a year, or from one day to
another), make the report with the builder `cchc-bot report` uses — in the background, the
page saying "đang tạo" until it is done — then download the .docx and the .xlsx and see
its charts. Test traffic is left out unless asked for; a period still running is reported
as partial (`bot/reports/report.py`)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.kernel.periods import Period, PeriodError, PeriodKind, parse_day
from bot.staff.access import Area
from bot.web.admin import report_jobs
from bot.web.admin.context import now, page, record, runtime, staff_of
from bot.web.admin.guard import requires

routes = web.RouteTableDef()
JOB = r"{job:[0-9a-f]{1,16}}"  # sixteen hex digits; shorter ones are not found
KINDS: dict[str, PeriodKind] = {"Q": "quarter", "H": "half"}
TYPES = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".png": "image/png"}


def _offered(moment: datetime) -> list[tuple[str, list[Period]]]:
    """The periods in the list: the last eight quarters, three halves, three years."""
    out = []
    offered: list[tuple[PeriodKind, str, int]] = [("quarter", "Theo quý", 8), ("half", "Theo 6 tháng", 3),
                                                  ("year", "Theo năm", 3)]
    for kind, label, count in offered:
        period = Period.containing(moment, kind)
        periods = []
        for _ in range(count):
            periods.append(period)
            period = period.previous()
        out.append((label, periods))
    return out


def _period(form: Any) -> Period:
    start, end = str(form.get("from", "")).strip()[:10], str(form.get("to", "")).strip()[:10]
    if start or end:
        if not (start and end):
            raise PeriodError("cần chọn cả từ ngày và đến ngày")
        period = Period.days(parse_day(start), parse_day(end))
        if not (2000 <= period.start.year and period.end.year <= 2100):
            raise PeriodError("ngày phải trong khoảng năm 2000–2100")
        return period
    key = str(form.get("period", "")).strip().upper()[:10]
    match = re.fullmatch(r"\d{4}([QH])[1-4]|\d{4}", key)
    if not match:
        raise PeriodError(f"kỳ không hợp lệ: {key!r}")
    return Period.parse(KINDS.get(match.group(1) or "", "year"), key)


def _list_page(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    moment = now(request)
    services = runtime(request)
    return page(request, "reports.html", {
        "offered": _offered(moment), "default": Period.containing(moment, "quarter").previous().key,
        "jobs": report_jobs.recent(services), "error": error,
    }, status=status)


@routes.get("/reports", name="reports")
@requires(Area.REPORTS)
async def report_list(request: web.Request) -> web.StreamResponse:
    return _list_page(request)


@routes.post("/reports", name="report_make")
@requires(Area.REPORTS)
async def report_make(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        period = _period(form)
    except PeriodError as exc:
        return _list_page(request, error=str(exc), status=400)
    services = runtime(request)
    test_traffic = form.get("include_test") == "yes"
    job_id = report_jobs.start(services, period, test_traffic=test_traffic, by=staff_of(request).name)
    async with services.db.serialised(), services.db.session() as db:
        record(request, db, "report_made", f"report:{job_id}", period=period.key, include_test=test_traffic)
        await db.commit()
    raise web.HTTPSeeOther(f"/admin/reports/{job_id}")


def _job(request: web.Request) -> report_jobs.Job:
    job = report_jobs.find(runtime(request), request.match_info["job"])
    if job is None:
        raise web.HTTPNotFound()
    return job


def _elapsed(request: web.Request, job: report_jobs.Job) -> int:
    return max(0, int((now(request) - job.asked_at).total_seconds()))


@routes.get(f"/reports/{JOB}", name="report")
@requires(Area.REPORTS)
async def report_page(request: web.Request) -> web.StreamResponse:
    job = _job(request)
    return page(request, "report.html", {"job": job, "elapsed": _elapsed(request, job)})


@routes.get(f"/reports/{JOB}/progress", name="report_progress")
@requires(Area.REPORTS)
async def report_progress(request: web.Request) -> web.StreamResponse:
    """While the report is made, htmx asks every second; once it is not, the page reloads."""
    job = _job(request)
    if job.state != "running":
        return web.Response(text="", headers={"HX-Refresh": "true", "Cache-Control": "no-store"})
    return page(request, "_report_progress.html", {"job": job, "elapsed": _elapsed(request, job)})


@routes.get(f"/reports/{JOB}/{{name:[A-Za-z0-9._-]{{1,120}}}}", name="report_file")
@requires(Area.REPORTS)
async def report_file(request: web.Request) -> web.StreamResponse:
    """A file of a finished report: the .docx, the .xlsx (downloaded) or a chart (shown)."""
    job = _job(request)
    name = request.match_info["name"]
    found = report_jobs.path(runtime(request), job, name)
    if found is None or not found.is_file():
        raise web.HTTPNotFound()
    kind = found.suffix.lower()
    disposition = "inline" if kind == ".png" else "attachment"
    return web.FileResponse(found, headers={
        "Content-Type": TYPES.get(kind, "application/octet-stream"), "Cache-Control": "private, no-cache",
        "Content-Disposition": f'{disposition}; filename="{name}"'})

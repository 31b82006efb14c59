"""The staff console at /admin: a sub-application of the bot's web app, server-rendered
Vietnamese pages (Jinja2) with a little htmx. Every route passes the guard
(`bot/web/admin/guard.py`); docs/console.md says how to add a page."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.kernel.timing import local
from bot.reports.cells import vn_number
from bot.runtime import Runtime
from bot.web.admin import (
    campaign_live,
    campaign_pages,
    contest,
    dashboard,
    feedback_desk,
    gaps,
    reports,
    signin,
    staff_pages,
)
from bot.web.admin.campaign_preview import PREVIEWS, Previews
from bot.web.admin.context import RUNTIME, page
from bot.web.admin.guard import guard, public, requires

HERE = Path(__file__).parent
# Each page module's routes, in order (a module added here is guarded like the rest).
PAGES = [signin.routes, dashboard.routes, staff_pages.routes, feedback_desk.routes, campaign_pages.routes,
         campaign_live.routes, gaps.routes, contest.routes, reports.routes]


@public
async def _static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    path = (HERE / "static" / name).resolve()
    if not path.is_file() or (HERE / "static").resolve() not in path.parents:
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


@requires()
async def _not_found(request: web.Request) -> web.StreamResponse:
    return page(request, "error.html", {"problem": "not_found"}, status=404)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")


def build(services: Runtime, previews: Previews | None = None) -> web.Application:
    admin = web.Application(middlewares=[guard], client_max_size=1024 * 1024)
    admin[RUNTIME] = services
    dashboard.setup(admin)
    admin[PREVIEWS] = previews or {}  # each channel's own rendering, for campaign previews
    campaign_live.install(admin)
    env = aiohttp_jinja2.setup(admin, loader=jinja2.FileSystemLoader(HERE / "templates"),
                               autoescape=jinja2.select_autoescape(default=True))
    env.filters["vn_time"] = lambda moment: local(moment) if moment else ""
    env.filters["vn_number"] = vn_number
    for table in PAGES:
        admin.router.add_routes(table)
    admin.router.add_get("/static/{name:[A-Za-z0-9_./-]+}", _static, name="static")
    admin.router.add_get("/{tail:.*}", _not_found, name="not_found")  # last: after every page
    admin.on_response_prepare.append(_security_headers)
    return admin


def install(app: web.Application, services: Runtime, previews: Previews | None = None) -> None:
    app.add_subapp("/admin", build(services, previews))

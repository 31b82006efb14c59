"""The dashboard: today and this period at a glance."""

from __future__ import annotations

from aiohttp import web

from bot.staff.access import Area
from bot.web.admin.context import page
from bot.web.admin.guard import requires

routes = web.RouteTableDef()


@routes.get("/", name="dashboard")
@requires(Area.DASHBOARD)
async def dashboard(request: web.Request) -> web.StreamResponse:
    return page(request, "dashboard.html", {})

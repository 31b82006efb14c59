"""A campaign's progress, live: server-sent events carrying the progress fragment whenever
its figures change (htmx's SSE extension swaps it in; see campaign.html).

The guard checks the session when the stream opens; the stream then checks it again at
every tick and, once the session has ended (signed out, revoked, expired, the role taken
away), sends a last fragment saying so and closes. A stream lives at most `LIFETIME`; the
browser then reconnects through the guard. It ends when the campaign is done or cancelled
with nothing left in flight, when the page is closed, and when the app shuts down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.db.models_campaigns import Campaign, CampaignStatus
from bot.staff import sessions
from bot.staff.access import Area, allows
from bot.web.admin.campaign_preview import words
from bot.web.admin.context import COOKIE, idle, runtime, staff_of
from bot.web.admin.guard import requires
from scheduler import campaigns, progress

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
TICK = 1.0  # seconds between looks at the figures
LIFETIME = 300.0  # seconds; then the browser reconnects (and passes the guard again)
FINISHED = (CampaignStatus.DONE, CampaignStatus.CANCELLED, CampaignStatus.DRAFT)


STOPPING = web.AppKey("campaign_streams_stopping", asyncio.Event)


def install(app: web.Application) -> None:
    """Streams end when the app shuts down (instead of holding it up)."""
    app[STOPPING] = asyncio.Event()

    async def stop(_: web.Application) -> None:
        app[STOPPING].set()
    app.on_shutdown.append(stop)


def _gone(request: web.Request) -> bool:
    """The page was closed, or the app is shutting down."""
    transport = request.transport
    return transport is None or transport.is_closing() or request.config_dict[STOPPING].is_set()


def watching(campaign: Campaign) -> bool:
    """Whether a campaign's page listens for progress (anything not finished or a draft)."""
    return campaign.status not in FINISHED


def state(request: web.Request, campaign: Campaign, fig: progress.Figures) -> dict[str, Any]:
    """What _campaign_progress.html shows: the status, the actions it allows now, the figures."""
    return {"c": campaign, "d": words(runtime(request).content, campaign), "fig": fig,
            "pausable": campaign.status in campaigns.PAUSABLE,
            "cancellable": campaign.status in campaigns.CANCELLABLE and campaign.status != CampaignStatus.DRAFT,
            "csrf_token": staff_of(request).csrf_token}


async def _still_allowed(request: web.Request) -> bool:
    services = runtime(request)
    async with services.db.session() as db:
        found = await sessions.find(db, request.cookies.get(COOKIE, ""), services.clock(), idle(request))
    return found is not None and allows(found[1].role, Area.CAMPAIGNS)


def _event(name: str, data: str) -> bytes:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {name}\n{lines}\n".encode()


@routes.get(r"/campaigns/{id:\d{1,18}}/live", name="campaign_live")
@requires(Area.CAMPAIGNS)
async def live(request: web.Request) -> web.StreamResponse:
    services = runtime(request)
    campaign_id = int(request.match_info["id"])
    async with services.db.session() as db:
        if await campaigns.get(db, campaign_id) is None:
            raise web.HTTPNotFound()
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    until = loop.time() + LIFETIME
    last = None
    try:
        await response.write(b"retry: 3000\n\n")
        while loop.time() < until and not _gone(request):
            if not await _still_allowed(request):
                await response.write(_event("progress", aiohttp_jinja2.render_string(
                    "_campaign_signed_out.html", request, {})))
                await response.write(_event("end", ""))
                break
            async with services.db.session() as db:
                campaign = await campaigns.get(db, campaign_id)
                if campaign is None:
                    break
                fig = await progress.figures(db, campaign_id)
            html = aiohttp_jinja2.render_string("_campaign_progress.html", request, state(request, campaign, fig))
            if html != last:
                await response.write(_event("progress", html))
                last = html
            if not watching(campaign) and not fig.queued:
                await response.write(_event("end", ""))
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(request.config_dict[STOPPING].wait(), TICK)
    except (ConnectionResetError, ConnectionError):
        pass  # the page was closed
    return response

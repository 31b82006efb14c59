"""The campaigns pages: the list, compose and edit a draft, its preview on each channel
with the recipients per channel, confirm (a second time when the audience is empty or very
large), pause / resume / cancel, live progress, and queueing uncertain deliveries again.

Every action is the function chat (`/chiendich`) and the CLI (`cchc-bot campaign …`) call,
in scheduler/campaigns.py; the checks before confirming are `campaigns.readiness`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models_campaigns import Campaign, CampaignStatus
from bot.kernel.limits import MAX_CAPTION, MAX_TEXT
from bot.staff.access import Area
from bot.web.admin import campaign_form, campaign_live, campaign_preview
from bot.web.admin.context import page, record, runtime, staff_of
from bot.web.admin.guard import requires
from scheduler import campaigns, message, progress
from scheduler.senders import PUSH_CHANNELS, push_channels

routes = web.RouteTableDef()
ID = r"{id:\d{1,18}}"
LISTED = 50
Action = Callable[[AsyncSession, Campaign], Awaitable[bool]]
# The lifecycle actions of a campaign's page: (domain function, audit action, done code).
ACTIONS: dict[str, tuple[Action, str, str]] = {
    "pause": (campaigns.pause, "campaign_paused", "paused"),
    "resume": (campaigns.resume, "campaign_resumed", "resumed"),
    "cancel": (campaigns.cancel, "campaign_cancelled", "cancelled"),
}


def _words(request: web.Request, campaign: Campaign) -> dict[str, str]:
    return campaign_preview.words(runtime(request).content, campaign)


@routes.get("/campaigns", name="campaigns")
@requires(Area.CAMPAIGNS)
async def campaign_list(request: web.Request) -> web.StreamResponse:
    rows = []
    async with runtime(request).db.session() as db:
        for c in await campaigns.recent(db, LISTED):
            rows.append((c, _words(request, c), await progress.figures(db, c.id)))
    return page(request, "campaigns.html", {"rows": rows, "listed": LISTED,
                                            "done": request.query.get("done", "")})


def _form_page(request: web.Request, form: campaign_form.Form, campaign: Campaign | None = None,
               status: int = 200) -> web.Response:
    services = runtime(request)
    pack = services.content.pack
    return page(request, "campaign_form.html", {
        "form": form, "v": form.values, "campaign": campaign, "topics": pack.topics,
        "agencies": [u for u in pack.units if not u.is_ward], "wards": [u for u in pack.units if u.is_ward],
        "channels": list(PUSH_CHANNELS), "push": push_channels(services.settings),
        "weekdays": campaign_form.WEEKDAYS, "max_title": message.MAX_TITLE, "max_text": MAX_TEXT,
        "max_caption": MAX_CAPTION, "quiet": services.settings.quiet_hours}, status=status)


@routes.get("/campaigns/new", name="campaign_new")
@requires(Area.CAMPAIGNS)
async def compose(request: web.Request) -> web.StreamResponse:
    return _form_page(request, campaign_form.blank())


@routes.post("/campaigns/new", name="campaign_create")
@requires(Area.CAMPAIGNS)
async def create(request: web.Request) -> web.StreamResponse:
    services = runtime(request)
    form, draft = campaign_form.read(services.content, await request.post())
    if draft is None:
        return _form_page(request, form, status=422)
    async with services.db.serialised(), services.db.session() as db:
        campaign = await campaigns.create(db, draft, created_by=staff_of(request).user_id)
        record(request, db, "campaign_drafted", f"campaign:{campaign.id}", title=campaign.title)
        await db.commit()
    raise web.HTTPSeeOther(f"/admin/campaigns/{campaign.id}")


async def _campaign(db: AsyncSession, request: web.Request, *, lock: bool = False) -> Campaign:
    campaign = await campaigns.get(db, int(request.match_info["id"]), lock=lock)
    if campaign is None:
        raise web.HTTPNotFound()
    return campaign


async def _detail(request: web.Request, db: AsyncSession, campaign: Campaign, *, status: int = 200,
                  **extra: Any) -> web.Response:
    services = runtime(request)
    settings = services.settings
    shown = await campaign_preview.build(db, services, request.config_dict[campaign_preview.PREVIEWS], campaign)
    ready = None
    if campaign.status == CampaignStatus.DRAFT:
        ready = await campaigns.readiness(db, services.content, campaign, push_channels(settings),
                                          settings.campaign_large_audience)
    fig = await progress.figures(db, campaign.id)
    return page(request, "campaign.html", {
        **campaign_live.state(request, campaign, fig), "preview": shown, "ready": ready,
        "live": campaign_live.watching(campaign), "done": request.query.get("done", ""), **extra}, status=status)


@routes.get(f"/campaigns/{ID}", name="campaign")
@requires(Area.CAMPAIGNS)
async def detail(request: web.Request) -> web.StreamResponse:
    async with runtime(request).db.session() as db:
        return await _detail(request, db, await _campaign(db, request))


@routes.get(f"/campaigns/{ID}/edit", name="campaign_edit")
@requires(Area.CAMPAIGNS)
async def edit(request: web.Request) -> web.StreamResponse:
    async with runtime(request).db.session() as db:
        campaign = await _campaign(db, request)
        if campaign.status != CampaignStatus.DRAFT:
            return await _detail(request, db, campaign, status=409, problem="not_draft")
    return _form_page(request, campaign_form.of(campaign), campaign)


@routes.post(f"/campaigns/{ID}/edit", name="campaign_save")
@requires(Area.CAMPAIGNS)
async def save(request: web.Request) -> web.StreamResponse:
    services = runtime(request)
    form, draft = campaign_form.read(services.content, await request.post())
    async with services.db.serialised(), services.db.session() as db:
        campaign = await _campaign(db, request, lock=True)
        if campaign.status != CampaignStatus.DRAFT:
            return await _detail(request, db, campaign, status=409, problem="not_draft")
        if draft is None:
            return _form_page(request, form, campaign, status=422)
        campaigns.apply(campaign, draft)
        record(request, db, "campaign_edited", f"campaign:{campaign.id}", title=campaign.title)
        await db.commit()
    raise web.HTTPSeeOther(f"/admin/campaigns/{campaign.id}?done=saved")


@routes.post(f"/campaigns/{ID}/confirm", name="campaign_confirm")
@requires(Area.CAMPAIGNS)
async def confirm(request: web.Request) -> web.StreamResponse:
    """The same check as chat and the CLI (`campaigns.readiness`): problems stop it; an
    empty or very large audience asks a second time (`sure=yes` is that answer)."""
    services = runtime(request)
    settings = services.settings
    sure = (await request.post()).get("sure") == "yes"
    async with services.db.serialised(), services.db.session() as db:
        campaign = await _campaign(db, request, lock=True)
        if campaign.status != CampaignStatus.DRAFT:
            return await _detail(request, db, campaign, status=409, problem="already")
        ready = await campaigns.readiness(db, services.content, campaign, push_channels(settings),
                                          settings.campaign_large_audience)
        if ready.problems:
            return await _detail(request, db, campaign, status=422, problem="not_ready")
        if ready.needs_second_confirmation and not sure:
            return page(request, "campaign_sure.html", {"c": campaign, "ready": ready,
                                                        "d": _words(request, campaign)})
        if not await campaigns.confirm(db, campaign):
            return await _detail(request, db, campaign, status=409, problem="already")
        record(request, db, "campaign_confirmed", f"campaign:{campaign.id}", title=campaign.title,
               recipients=ready.count, **({"warning": "yes"} if ready.warning else {}))
        await db.commit()
    raise web.HTTPSeeOther(f"/admin/campaigns/{campaign.id}?done=confirmed")


@routes.post(f"/campaigns/{ID}/discard", name="campaign_discard")
@requires(Area.CAMPAIGNS)
async def discard(request: web.Request) -> web.StreamResponse:
    """A draft thrown away: cancelled, as chat's "Bỏ bản nháp" does."""
    services = runtime(request)
    async with services.db.serialised(), services.db.session() as db:
        campaign = await _campaign(db, request, lock=True)
        if campaign.status != CampaignStatus.DRAFT:
            return await _detail(request, db, campaign, status=409, problem="not_draft")
        await campaigns.cancel(db, campaign)
        record(request, db, "campaign_discarded", f"campaign:{campaign.id}", title=campaign.title)
        await db.commit()
    raise web.HTTPSeeOther("/admin/campaigns?done=discarded")


async def _act(request: web.Request, name: str) -> web.StreamResponse:
    action, audit_action, done = ACTIONS[name]
    services = runtime(request)
    async with services.db.serialised(), services.db.session() as db:
        campaign = await _campaign(db, request, lock=True)
        if not await action(db, campaign):
            return await _detail(request, db, campaign, status=409, problem="cannot")
        record(request, db, audit_action, f"campaign:{campaign.id}", title=campaign.title)
        await db.commit()
    raise web.HTTPSeeOther(f"/admin/campaigns/{campaign.id}?done={done}")


@routes.post(f"/campaigns/{ID}/pause", name="campaign_pause")
@requires(Area.CAMPAIGNS)
async def pause(request: web.Request) -> web.StreamResponse:
    return await _act(request, "pause")


@routes.post(f"/campaigns/{ID}/resume", name="campaign_resume")
@requires(Area.CAMPAIGNS)
async def resume(request: web.Request) -> web.StreamResponse:
    return await _act(request, "resume")


@routes.post(f"/campaigns/{ID}/cancel", name="campaign_cancel")
@requires(Area.CAMPAIGNS)
async def cancel(request: web.Request) -> web.StreamResponse:
    return await _act(request, "cancel")


@routes.post(f"/campaigns/{ID}/resend-uncertain", name="campaign_resend")
@requires(Area.CAMPAIGNS)
async def resend_uncertain(request: web.Request) -> web.StreamResponse:
    """`campaigns.resend_uncertain`, as `cchc-bot campaign resend-uncertain`: only once the
    person has ticked that they accept some may get the message twice."""
    services = runtime(request)
    understood = (await request.post()).get("understood") == "yes"
    async with services.db.serialised(), services.db.session() as db:
        campaign = await _campaign(db, request, lock=True)
        if not understood:
            return await _detail(request, db, campaign, status=422, problem="not_understood")
        queued = await campaigns.resend_uncertain(db, campaign)
        if not queued:
            return await _detail(request, db, campaign, status=409, problem="none_uncertain")
        record(request, db, "campaign_resent_uncertain", f"campaign:{campaign.id}", title=campaign.title,
               queued=queued)
        await db.commit()
    raise web.HTTPSeeOther(f"/admin/campaigns/{campaign.id}?done=resent&n={queued}")

"""Staff compose and steer campaigns in chat: title, text (and image), audience, time; a
preview exactly as recipients will see it with the recipient count; confirm; then list,
pause, resume, cancel, and a live progress message. Everyone else is refused.

The compose state is the conversation step plus its data (in the database); from the
preview on, the campaign itself is a draft row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation import places
from bot.conversation.handlers.flows import aside
from bot.conversation.router import Handler, Router
from bot.conversation.turn import Turn
from bot.db.models_campaigns import Campaign, CampaignStatus, CampaignWatcher
from bot.kernel.ids import parse_id
from bot.kernel.limits import MAX_CAPTION, MAX_TEXT
from bot.kernel.messages import Button, Reply
from bot.kernel.text import fold
from bot.kernel.timing import parse_at
from scheduler import audience as audiences
from scheduler import campaigns, message, progress
from scheduler.audience import Audience
from scheduler.senders import push_channels

STEP_TITLE, STEP_TEXT, STEP_AT, STEP_CRON = "cmp_title", "cmp_text", "cmp_at", "cmp_cron"
STEP_PICK = "cmp_pick"  # text given; audience and time are picked with buttons
STEP_REVIEW = "cmp_review"  # a draft previewed, awaiting confirm or discard (data: campaign)
CHANNELS = ("telegram", "zalo")


def _staff(handler: Handler) -> Handler:
    """Payloads reach handlers without the command's staff check: check here too."""
    async def guarded(turn: Turn, arg: str) -> list[Reply]:
        if not turn.role.is_staff:
            return [Reply(turn.t("staff_only"))]
        return await handler(turn, arg)
    return guarded


def _quit_row(turn: Turn) -> list[Button]:
    return [turn.button("btn_campaign_quit", "cmpquit")]


# ---------------------------------------------------------------- list and detail

async def menu(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    rows = [[turn.button("btn_campaign_new", "cmpnew")]]
    for c in await campaigns.recent(turn.session, 10):
        label = turn.t("campaign_row", id=c.id, title=c.title[:40],
                       status=turn.t(f"campaign_status_{c.status}"))
        rows.append([Button(label, payload=f"cmpshow:{c.id}")])
    text = turn.t("campaign_menu") if len(rows) > 1 else f"{turn.t('campaign_menu')}\n{turn.t('campaign_none')}"
    return [Reply(text, buttons=rows + [[turn.button("btn_menu", "menu")]])]


def describe_audience(turn: Turn, a: Audience) -> str:
    return progress.audience_text(turn.services.content, a)


async def show(turn: Turn, arg: str) -> list[Reply]:
    campaign = await campaigns.get(turn.session, parse_id(arg) or 0)
    if campaign is None:
        return [Reply(turn.t("campaign_unknown"))]
    figures = await progress.figures(turn.session, campaign.id)
    text = turn.t("campaign_detail", progress=progress.progress_text(turn.services.content, campaign, figures),
                  when=progress.schedule_text(turn.services.content, campaign),
                  audience=describe_audience(turn, Audience.of(campaign)))
    row = []
    if campaign.status in campaigns.PAUSABLE:
        row.append(turn.button("btn_campaign_pause", f"cmppause:{campaign.id}"))
    if campaign.status == CampaignStatus.PAUSED:
        row.append(turn.button("btn_campaign_resume", f"cmpresume:{campaign.id}"))
    if campaign.status in campaigns.CANCELLABLE and campaign.status != CampaignStatus.DRAFT:
        row.append(turn.button("btn_campaign_cancel", f"cmpstop:{campaign.id}"))
    buttons = [row] if row else []
    if campaign.status == CampaignStatus.DRAFT:  # a draft is confirmed or discarded from its card too
        buttons += [[turn.button("btn_campaign_confirm", f"cmpok:{campaign.id}"),
                     turn.button("btn_campaign_preview", f"cmpprev:{campaign.id}")],
                    [turn.button("btn_campaign_discard", f"cmpdel:{campaign.id}")]]
    buttons.append([turn.button("btn_campaign_refresh", f"cmpshow:{campaign.id}"),
                    turn.button("btn_campaign_list", "cmp")])
    return [Reply(text, buttons=buttons)]


async def _act(turn: Turn, arg: str, action: Callable[[AsyncSession, Campaign], Awaitable[bool]],
               done_key: str) -> list[Reply]:
    campaign = await campaigns.get(turn.session, parse_id(arg) or 0, lock=True)
    if campaign is None:
        return [Reply(turn.t("campaign_unknown"))]
    if not await action(turn.session, campaign):
        return [Reply(turn.t("campaign_cannot", id=campaign.id,
                             status=turn.t(f"campaign_status_{campaign.status}")))]
    await turn.session.flush()
    return [Reply(turn.t(done_key, id=campaign.id)), *await show(turn, str(campaign.id))]


async def pause(turn: Turn, arg: str) -> list[Reply]:
    return await _act(turn, arg, campaigns.pause, "campaign_paused")


async def resume(turn: Turn, arg: str) -> list[Reply]:
    return await _act(turn, arg, campaigns.resume, "campaign_resumed")


async def ask_cancel(turn: Turn, arg: str) -> list[Reply]:
    campaign = await campaigns.get(turn.session, parse_id(arg) or 0)
    if campaign is None:
        return [Reply(turn.t("campaign_unknown"))]
    return [Reply(turn.t("campaign_cancel_ask", id=campaign.id),
                  buttons=[[turn.button("btn_campaign_cancel_yes", f"cmpstopok:{campaign.id}"),
                            turn.button("btn_back", f"cmpshow:{campaign.id}")]])]


async def cancel(turn: Turn, arg: str) -> list[Reply]:
    return await _act(turn, arg, campaigns.cancel, "campaign_cancelled")


# ---------------------------------------------------------------- compose

async def new(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(STEP_TITLE)
    return _ask_title(turn)


def _ask_title(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("campaign_ask_title", limit=message.MAX_TITLE), buttons=[_quit_row(turn)])]


def _ask_text(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("campaign_ask_text", limit=MAX_TEXT, caption=MAX_CAPTION),
                  buttons=[_quit_row(turn)])]


def _asks(turn: Turn, text: str) -> bool:
    return turn.services.content.answerer.is_question(text)


async def resume_composing(turn: Turn, _: str) -> list[Reply]:
    """The composer's current step again (the title and the text are the message itself:
    whatever is typed there is taken as it is, so only later steps get here)."""
    step, data = turn.state.step, turn.state.data or {}
    if step == STEP_TEXT:
        return _ask_text(turn)
    if step == STEP_AT:
        return [Reply(turn.t("campaign_ask_at"), buttons=[_quit_row(turn)])]
    if step == STEP_CRON:
        return [Reply(turn.t("campaign_ask_cron"), buttons=[_quit_row(turn)])]
    if step == STEP_PICK:
        return _ask_when(turn) if "audience" in data else _ask_audience(turn)
    return _ask_title(turn)


async def quit_(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    return [Reply(turn.t("campaign_quit"), buttons=[[turn.button("btn_menu", "menu")]])]


async def got_title(turn: Turn, text: str) -> list[Reply]:
    title = " ".join(text.split())
    if len(title) > message.MAX_TITLE:
        return [Reply(turn.t("campaign_invalid", problems=turn.t("campaign_err_title_long",
                                                                 limit=message.MAX_TITLE)),
                      buttons=[_quit_row(turn)])]
    turn.set_step(STEP_TEXT, title=title)
    return _ask_text(turn)


async def got_text(turn: Turn, text: str) -> list[Reply]:
    data = dict(turn.state.data)
    image = turn.incoming.attachments[0] if turn.incoming.kind == "image" and turn.incoming.attachments else None
    draft = campaigns.Draft(title=data.get("title", ""), text=text.strip(), image=image)
    found = message.problems(turn.services.content, draft.message())
    if found:
        return [Reply(turn.t("campaign_invalid", problems="; ".join(found)), buttons=[_quit_row(turn)])]
    turn.set_step(STEP_PICK, **data, text=text.strip(), image=image, units=[])
    return _ask_audience(turn)


async def typed_while_picking(turn: Turn, text: str) -> list[Reply]:
    data = turn.state.data
    if data.get("audience_kind") == "units" and "audience" not in data and not _asks(turn, text):
        return _unit_typed(turn, text)  # a ward's name, to add it
    if _asks(turn, text):
        return await aside(turn, text)
    return await resume_composing(turn, "")


def _ask_audience(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("campaign_ask_audience"), buttons=[
        [turn.button("btn_aud_all", "cmpaud:all")], [turn.button("btn_aud_topic", "cmpaud:topic")],
        [turn.button("btn_aud_units", "cmpaud:units")], [turn.button("btn_aud_channel", "cmpaud:channel")],
        _quit_row(turn)])]


def _composing(turn: Turn) -> bool:
    return turn.state.step in (STEP_PICK, STEP_AT, STEP_CRON) and "text" in (turn.state.data or {})


async def pick_audience(turn: Turn, arg: str) -> list[Reply]:
    if not _composing(turn):
        return [Reply(turn.t("button_expired")), *await menu(turn, "")]
    kind, _, value = arg.partition(":")
    data = dict(turn.state.data)
    if kind == "topic" and not value:
        rows = [[Button(f"{t.number}. {t.short_title}", payload=f"cmpaud:topic:{t.id}")]
                for t in turn.content.topics]
        return [Reply(turn.t("campaign_pick_topic"), buttons=rows + [_quit_row(turn)])]
    if kind == "channel" and not value:
        rows = [[Button(name.capitalize(), payload=f"cmpaud:channel:{name}")] for name in CHANNELS]
        return [Reply(turn.t("campaign_pick_channel"), buttons=rows + [_quit_row(turn)])]
    if kind == "units" and value != "done":
        return _units_picker(turn, data.get("units", []))
    if kind == "units" and not data.get("units"):
        return [Reply(turn.t("campaign_units_empty")), *_units_picker(turn, [])]
    if kind == "topic" and turn.content.topic(value) is None:
        return [Reply(turn.t("topic_unknown"))]
    if kind == "channel" and value not in CHANNELS:
        return [Reply(turn.t("button_expired"))]
    if kind not in audiences.KINDS:
        return [Reply(turn.t("button_expired"))]
    turn.set_step(STEP_PICK, **data, audience=kind,
                  topic=value if kind == "topic" else None,
                  channel=value if kind == "channel" else None)
    return _ask_when(turn)


def _ask_when(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("campaign_ask_when", quiet=turn.services.settings.quiet_hours or "—"), buttons=[
        [turn.button("btn_when_now", "cmpwhen:now")], [turn.button("btn_when_at", "cmpwhen:at")],
        [turn.button("btn_when_cron", "cmpwhen:cron")], _quit_row(turn)])]


def _units_picker(turn: Turn, chosen: list[str]) -> list[Reply]:
    """Agencies as buttons; wards and communes (~100) only once chosen by typing a name."""
    if turn.state.data.get("audience_kind") != "units":
        turn.set_step(turn.state.step, **(dict(turn.state.data) | {"audience_kind": "units"}))
    rows = [[Button(("✅ " if u.id in chosen else "") + u.name[:60], payload=f"cmpunit:{u.id}")]
            for u in turn.content.units if not u.is_ward or u.id in chosen]
    rows.append([turn.button("btn_units_done", "cmpaud:units:done")])
    rows.append(_quit_row(turn))
    return [Reply(turn.t("campaign_pick_units", count=len(chosen)), buttons=rows)]


def _unit_typed(turn: Turn, text: str) -> list[Reply]:
    chosen = list(turn.state.data.get("units", []))
    found = places.pick(turn, turn.content.units, text)
    if found.chosen is not None:
        if found.chosen.id not in chosen:
            turn.set_step(turn.state.step, **(dict(turn.state.data) | {"units": [*chosen, found.chosen.id]}))
        return _units_picker(turn, turn.state.data["units"])
    if not found.offered:
        return [Reply(turn.t("campaign_unit_none")), *_units_picker(turn, chosen)]
    rows = [[Button(places.button_label(u.name), payload=f"cmpunit:{u.id}")] for u in found.offered]
    note = places.conversion_note(turn, found.conversions)
    return [Reply("\n".join(x for x in (note, turn.t("ct_unit_did_you_mean")) if x), buttons=rows)]


async def toggle_unit(turn: Turn, unit_id: str) -> list[Reply]:
    if not _composing(turn) or turn.content.unit(unit_id) is None:
        return [Reply(turn.t("button_expired"))]
    data = dict(turn.state.data)
    chosen = list(data.get("units", []))
    chosen.remove(unit_id) if unit_id in chosen else chosen.append(unit_id)
    turn.set_step(turn.state.step, **(data | {"units": chosen}))
    return _units_picker(turn, chosen)


async def pick_when(turn: Turn, arg: str) -> list[Reply]:
    if not _composing(turn) or "audience" not in turn.state.data:
        return [Reply(turn.t("button_expired")), *await menu(turn, "")]
    data = dict(turn.state.data)
    if arg == "at":
        turn.set_step(STEP_AT, **data)
        return [Reply(turn.t("campaign_ask_at"), buttons=[_quit_row(turn)])]
    if arg == "cron":
        turn.set_step(STEP_CRON, **data)
        return [Reply(turn.t("campaign_ask_cron"), buttons=[_quit_row(turn)])]
    return await _preview_new(turn, data, "now", None, None)


async def got_at(turn: Turn, text: str) -> list[Reply]:
    try:
        at = parse_at(text)
    except ValueError as exc:
        if _asks(turn, text):
            return await aside(turn, text)
        return [Reply(turn.t("campaign_invalid", problems=str(exc)), buttons=[_quit_row(turn)])]
    return await _preview_new(turn, dict(turn.state.data), "at", at, None)


async def got_cron(turn: Turn, text: str) -> list[Reply]:
    return await _preview_new(turn, dict(turn.state.data), "cron", None, " ".join(text.split()))


async def _preview_new(turn: Turn, data: dict, schedule: str, at: datetime | None, cron: str | None) -> list[Reply]:
    try:
        who = Audience(data["audience"], data.get("topic"), tuple(data.get("units") or ()), data.get("channel"))
    except ValueError as exc:
        return [Reply(turn.t("campaign_invalid", problems=str(exc)), buttons=[_quit_row(turn)])]
    draft = campaigns.Draft(title=data["title"], text=data["text"], image=data.get("image"),
                            audience=who, schedule=schedule, send_at=at, cron=cron)
    found = campaigns.problems(turn.services.content, draft)
    if found:
        return [Reply(turn.t("campaign_invalid", problems="; ".join(found)), buttons=[_quit_row(turn)])]
    campaign = await campaigns.create(turn.session, draft, created_by=turn.user.id)
    turn.set_step(None)
    return await preview(turn, str(campaign.id))


async def preview(turn: Turn, arg: str) -> list[Reply]:
    campaign = await campaigns.get(turn.session, parse_id(arg) or 0)
    if campaign is None:
        return [Reply(turn.t("campaign_unknown"))]
    if campaign.status != CampaignStatus.DRAFT:
        return await show(turn, str(campaign.id))
    turn.set_step(STEP_REVIEW, campaign=campaign.id)
    channels = push_channels(turn.services.settings)
    who = Audience.of(campaign)
    count = await audiences.count(turn.session, who, channels)
    replies = message.render(turn.services.content, message.snapshot(campaign), None)
    summary = turn.t("campaign_summary", id=campaign.id, title=campaign.title,
                     audience=describe_audience(turn, who), count=progress.number(count),
                     when=progress.schedule_text(turn.services.content, campaign),
                     urgent=turn.t("campaign_yes" if campaign.urgent else "campaign_no"))
    if not channels:
        summary += "\n" + turn.t("campaign_no_channels")
    for note in message.notes(turn.services.content, message.snapshot(campaign), who.channels(channels)):
        summary += "\n" + note
    return [*replies, Reply(turn.t("campaign_preview_title") + "\n\n" + summary, buttons=[
        [turn.button("btn_campaign_confirm", f"cmpok:{campaign.id}")],
        [turn.button("btn_campaign_urgent", f"cmpurg:{campaign.id}")],
        [turn.button("btn_campaign_discard", f"cmpdel:{campaign.id}")]])]


def _reviewed(turn: Turn) -> str:
    return str((turn.state.data or {}).get("campaign", ""))


async def typed_in_review(turn: Turn, text: str) -> list[Reply]:
    """A draft awaits its confirmation: "xác nhận" or "hủy" typed act on it (they are not
    questions for the answerer: "xác nhận" would find the marital-status guide)."""
    typed = fold(text)
    if typed in {fold(w) for w in turn.t("campaign_confirm_words").split("|")}:
        return await confirm(turn, _reviewed(turn))
    if typed in {fold(w) for w in turn.t("campaign_discard_words").split("|")}:
        return await discard(turn, _reviewed(turn))
    if _asks(turn, text):
        return await aside(turn, text)
    return await resume_review(turn, "")


async def resume_review(turn: Turn, _: str) -> list[Reply]:
    replies = await preview(turn, _reviewed(turn))
    last = replies[-1]
    last.text = f"{turn.t('campaign_review_waiting', id=_reviewed(turn))}\n\n{last.text}"
    return replies


async def toggle_urgent(turn: Turn, arg: str) -> list[Reply]:
    campaign = await campaigns.get(turn.session, parse_id(arg) or 0, lock=True)
    if campaign is None or campaign.status != CampaignStatus.DRAFT:
        return [Reply(turn.t("button_expired"))]
    campaign.urgent = not campaign.urgent
    await turn.session.flush()
    return await preview(turn, arg)


async def discard(turn: Turn, arg: str) -> list[Reply]:
    campaign = await campaigns.get(turn.session, parse_id(arg) or 0, lock=True)
    if campaign is None or campaign.status != CampaignStatus.DRAFT:
        return [Reply(turn.t("button_expired"))]
    await campaigns.cancel(turn.session, campaign)
    turn.set_step(None)
    return [Reply(turn.t("campaign_discarded", id=campaign.id), buttons=[[turn.button("btn_campaign_list", "cmp")]])]


async def confirm(turn: Turn, arg: str) -> list[Reply]:
    """`cmpok:<id>`; `cmpok:<id>:sure` is the second confirmation, after the warning about
    an empty or very large audience (`campaigns.readiness`, as the CLI asks it)."""
    ref, _, sure = arg.partition(":")
    campaign = await campaigns.get(turn.session, parse_id(ref) or 0, lock=True)
    if campaign is None:
        return [Reply(turn.t("campaign_unknown"))]
    if campaign.status == CampaignStatus.DRAFT:
        settings = turn.services.settings
        ready = await campaigns.readiness(turn.session, turn.services.content, campaign,
                                          push_channels(settings), settings.campaign_large_audience)
        if ready.problems:
            return [Reply(turn.t("campaign_invalid", problems="; ".join(ready.problems)),
                          buttons=[[turn.button("btn_campaign_discard", f"cmpdel:{campaign.id}")]])]
        if ready.needs_second_confirmation and sure != "sure":
            turn.set_step(STEP_REVIEW, campaign=campaign.id)
            return [Reply(ready.warning or "", buttons=[
                [turn.button("btn_campaign_confirm_sure", f"cmpok:{campaign.id}:sure")],
                [turn.button("btn_campaign_back", f"cmpprev:{campaign.id}")],
                [turn.button("btn_campaign_discard", f"cmpdel:{campaign.id}")]])]
    turn.set_step(None)
    if not await campaigns.confirm(turn.session, campaign):
        return [Reply(turn.t("campaign_already", id=campaign.id,
                             status=turn.t(f"campaign_status_{campaign.status}")))]
    when = progress.schedule_text(turn.services.content, campaign)
    if campaign.schedule_kind != "now":
        return [Reply(turn.t("campaign_confirmed_later", id=campaign.id, when=when),
                      buttons=[[turn.button("btn_campaign_list", "cmp")]])]
    figures = progress.Figures(expanded=False)
    live = progress.progress_text(turn.services.content, campaign, figures)
    turn.session.add(CampaignWatcher(campaign_id=campaign.id, user_id=turn.user.id, last_text=live))
    return [Reply(turn.t("campaign_confirmed", id=campaign.id, when=when.capitalize())),
            Reply(live, edit_key=progress.edit_key(campaign.id),
                  buttons=[[turn.button("btn_campaign_refresh", f"cmpshow:{campaign.id}")]])]


def register(router: Router) -> None:
    router.command("chiendich", menu, staff_only=True, description_key="cmd_campaigns")
    for prefix, handler in {
        "cmp": menu, "cmpnew": new, "cmpquit": quit_, "cmpshow": show, "cmppause": pause,
        "cmpresume": resume, "cmpstop": ask_cancel, "cmpstopok": cancel, "cmpaud": pick_audience,
        "cmpunit": toggle_unit, "cmpwhen": pick_when, "cmpok": confirm, "cmpurg": toggle_urgent,
        "cmpdel": discard, "cmpprev": preview,
    }.items():
        router.payload(prefix, _staff(handler))
    router.step(STEP_TITLE, _staff(got_title))
    router.step(STEP_TEXT, _staff(got_text), accepts_images=True)
    router.step(STEP_PICK, _staff(typed_while_picking))
    router.step(STEP_AT, _staff(got_at))
    router.step(STEP_CRON, _staff(got_cron))
    router.step(STEP_REVIEW, _staff(typed_in_review))
    router.flow([STEP_TITLE, STEP_TEXT, STEP_PICK, STEP_AT, STEP_CRON], "flow_campaign",
                resume=_staff(resume_composing), leave=_staff(quit_))
    router.flow([STEP_REVIEW], "flow_campaign", resume=_staff(resume_review), leave=_staff(quit_))

"""The `cchc-bot campaign …` actions: the same lifecycle functions chat uses, printed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models_campaigns import Campaign, CampaignStatus
from bot.kernel.text import fold
from bot.kernel.timing import parse_at
from bot.runtime import Runtime
from scheduler import audience as audiences
from scheduler import campaigns, message, progress
from scheduler.audience import Audience
from scheduler.senders import push_channels


def _err(text: str) -> int:
    print(text, file=sys.stderr)
    return 2


def _print_preview(services: Runtime, campaign: Campaign, count: int) -> None:
    content = services.content
    for reply in message.render(content, message.snapshot(campaign), None):
        print("──── xem trước ────")
        if reply.image_url:
            print(f"[ảnh: {reply.image_url}]")
        print(reply.text)
        for row in reply.buttons:
            print("  " + "  ".join(f"[{b.label}]" for b in row))
        print("───────────────────")
    print(f"Chiến dịch #{campaign.id} «{campaign.title}» — {content.text(f'campaign_status_{campaign.status}')}")
    print(f"Thời gian: {progress.schedule_text(content, campaign)}; khẩn: {'có' if campaign.urgent else 'không'}")
    print(f"Số người nhận hiện tại: {progress.number(count)}")
    channels = push_channels(services.settings)
    if not channels:
        print(content.text("campaign_no_channels"))
    for note in message.notes(content, message.snapshot(campaign), Audience.of(campaign).channels(channels)):
        print(note)


async def _sure(services: Runtime, session: AsyncSession, campaign: Campaign, yes: bool) -> bool | int:
    """The same check chat makes before confirming (`campaigns.readiness`): True to go on;
    otherwise the exit code, the reason printed. An empty or very large audience is
    confirmed a second time: `--yes`, or "có" typed at the prompt of a terminal."""
    settings = services.settings
    ready = await campaigns.readiness(session, services.content, campaign, push_channels(settings),
                                      settings.campaign_large_audience)
    if ready.problems:
        return _err("Chưa xác nhận được:\n  " + "\n  ".join(ready.problems))
    if not ready.needs_second_confirmation or yes:
        return True
    print(ready.warning, file=sys.stderr)
    if sys.stdin.isatty():
        answer = await asyncio.to_thread(input, "Gõ «có» để xác nhận, Enter để thôi: ")
        if fold(answer) == "co":
            return True
    print(f"Chưa xác nhận chiến dịch #{campaign.id} (vẫn là bản nháp). Khi chắc chắn: "
          f"cchc-bot campaign confirm {campaign.id} --yes", file=sys.stderr)
    return 1


async def run(services: Runtime, args: argparse.Namespace) -> int:
    content = services.content
    async with services.db.session() as session:
        if args.action == "create":
            try:
                text = (await asyncio.to_thread(Path(args.text_file).read_text, encoding="utf-8")
                        if args.text_file else args.text)
                who = Audience.parse(args.audience, args.channel)
                at = parse_at(args.at) if args.at else None
            except (OSError, ValueError) as exc:
                return _err(str(exc))
            draft = campaigns.Draft(
                title=args.title, text=text, audience=who,
                schedule="at" if at else "cron" if args.cron else "now", send_at=at, cron=args.cron,
                image=args.image, link_url=args.link, link_label=args.link_label, urgent=args.urgent)
            found = campaigns.problems(content, draft)
            if found:
                return _err("Chưa tạo được chiến dịch:\n  " + "\n  ".join(found))
            created = await campaigns.create(session, draft)
            await session.commit()
            count = await audiences.count(session, who, push_channels(services.settings))
            _print_preview(services, created, count)
            if args.draft:
                return 0
            sure = await _sure(services, session, created, args.yes)
            if sure is not True:
                return sure
            await campaigns.confirm(session, created)
            await session.commit()
            print(f"Đã xác nhận chiến dịch #{created.id}: {progress.schedule_text(content, created)}.")
            return 0
        if args.action == "list":
            for c in await campaigns.recent(session, 50):
                fig = await progress.figures(session, c.id)
                print(f"#{c.id}\t{content.text(f'campaign_status_{c.status}')}\t"
                      f"{progress.number(fig.delivered)}/{progress.number(fig.total)}\t{c.title}")
            return 0
        campaign = await campaigns.get(session, args.id, lock=True)
        if campaign is None:
            return _err(content.text("campaign_unknown"))
        if args.action == "show":
            print(progress.progress_text(content, campaign, await progress.figures(session, campaign.id)))
            print(f"Thời gian: {progress.schedule_text(content, campaign)}")
            return 0
        if args.action == "preview":
            count = await audiences.count(session, Audience.of(campaign), push_channels(services.settings))
            _print_preview(services, campaign, count)
            return 0
        if args.action == "resend-uncertain":
            queued = await campaigns.resend_uncertain(session, campaign)
            await session.commit()
            print(f"Đã xếp lại {queued} tin chưa rõ kết quả của chiến dịch #{campaign.id}.")
            return 0
        action = {"confirm": campaigns.confirm, "pause": campaigns.pause, "resume": campaigns.resume,
                  "cancel": campaigns.cancel}[args.action]
        if campaign.status == CampaignStatus.DRAFT and args.action == "confirm":
            sure = await _sure(services, session, campaign, args.yes)
            if sure is not True:
                return sure
        if not await action(session, campaign):
            return _err(content.text("campaign_cannot", id=campaign.id,
                                     status=content.text(f"campaign_status_{campaign.status}")))
        await session.commit()
        print(progress.progress_text(content, campaign, await progress.figures(session, campaign.id)))
        return 0

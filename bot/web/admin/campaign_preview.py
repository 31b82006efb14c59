"""A campaign's message as each channel will show it, with how many people it reaches there.

The message is `scheduler.message.render` (what every recipient gets, with inert buttons);
each channel's own rendering turns it into that channel's messages. The console does not
import the channel adapters (they sit beside it in the layers): the app hands their
`preview` functions in (`bot/app.py`). Each returns plain data,
[{"image", "text", "buttons": [[{"label", "opens": "link" | "reply" | "call"}]]}]."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.store import ContentStore
from bot.db.models_campaigns import Campaign
from bot.kernel.messages import Reply
from bot.runtime import Runtime
from scheduler import audience as audiences
from scheduler import message, progress
from scheduler.audience import Audience
from scheduler.senders import push_channels

Preview = Callable[[list[Reply], Callable[..., str]], list[dict]]
Previews = dict[str, Preview]
PREVIEWS = web.AppKey("campaign_previews", dict)
# The channels shown side by side, in this order. Broadcasts go out on the channels of
# scheduler/senders.py (not the web chat today); staff see how the message looks on each.
SHOWN = ("telegram", "zalo", "web")


def words(content: ContentStore, campaign: Campaign) -> dict[str, str]:
    """The campaign's status, audience and schedule in the words chat and the CLI use."""
    return {"status": content.text(f"campaign_status_{campaign.status}"),
            "audience": progress.audience_text(content, Audience.of(campaign)),
            "when": progress.schedule_text(content, campaign)}


@dataclass
class ChannelView:
    channel: str
    # "sent": the audience reaches people there; "narrowed": the audience is limited to
    # another channel; "off": the bot is not set up to push there.
    reach: str
    count: int
    bubbles: list[dict] = field(default_factory=list)


@dataclass
class CampaignPreview:
    views: list[ChannelView]
    total: int
    notes: list[str]
    zalo_fallback: str  # Zalo, outside its reply window: "article" or "none"
    zalo_window_days: int


async def build(db: AsyncSession, services: Runtime, previews: Previews, campaign: Campaign) -> CampaignPreview:
    content = services.content
    push = push_channels(services.settings)
    audience = Audience.of(campaign)
    counts = await audiences.count_by_channel(db, audience, push)
    snapshot = message.snapshot(campaign)
    replies = message.render(content, snapshot, None)
    views = []
    for channel in SHOWN:
        if channel in counts:
            reach = "sent"
        elif channel not in push:
            reach = "off"
        else:
            reach = "narrowed"
        render = previews.get(channel)
        views.append(ChannelView(channel, reach, counts.get(channel, 0),
                                 render(replies, content.text) if render else []))
    notes = message.notes(content, snapshot, audience.channels(push))
    if not push:
        notes.append(content.text("campaign_no_channels"))
    settings = services.settings
    return CampaignPreview(views, sum(counts.values()), notes, settings.zalo_broadcast_fallback,
                           settings.zalo_reply_window_days)

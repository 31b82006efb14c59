"""The content pack's campaign calendar (`content/campaigns/*.yaml`): campaigns with their
text (or a curated topic message), an optional image and link, an audience, and when they go
out (once at a time, or on a cron schedule). They are read and cross-checked with the rest
of the pack (`bot/content/loader.py`); the scheduler turns them into campaigns
(`scheduler/calendar.py`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from bot.content.schema_base import Slug, Strict, Text


class CalendarAudience(Strict):
    kind: Literal["all", "topic", "units", "channel"] = "all"
    topic: Slug | None = None
    units: list[Slug] = []
    channel: Literal["telegram", "zalo"] | None = None


class CalendarLink(Strict):
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    url: Text


class CalendarCampaign(Strict):
    """A campaign of the content calendar (content/campaigns/*.yaml), loaded into the
    scheduler; its text is `text`, or the curated topic message named by `message`."""

    id: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] | None = None
    message: Slug | None = None
    image: Text | None = None
    link: CalendarLink | None = None
    audience: CalendarAudience = CalendarAudience()
    at: Text | None = None  # "dd/mm/yyyy hh:mm", Vietnam time
    cron: Text | None = None  # "phút giờ ngày tháng thứ", Vietnam time
    urgent: bool = False
    enabled: bool = True

"""The compose form of a campaign: what staff typed and picked, read into the domain's
`Draft` (scheduler/campaigns.py), which then checks it as chat and the CLI do.

What only a form can get wrong (a date not filled in, a channel that is not offered, an
image that is not a web address) is reported here as codes the template words; what is
wrong with the campaign itself comes from `campaigns.problems`, in the catalogue's words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.content.store import ContentStore
from bot.db.models_campaigns import Campaign
from bot.kernel.clock import VN
from bot.kernel.messages import is_web_url
from bot.kernel.timing import parse_at
from scheduler import campaigns
from scheduler.audience import Audience
from scheduler.senders import PUSH_CHANNELS

KINDS = ("all", "topic", "units")
REPEATS = ("daily", "weekly", "monthly", "custom")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # APScheduler's names
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_FIELD = 5000  # longer than any valid text; a longer one is cut before it is read


@dataclass
class Form:
    """The form's fields as strings (to show them again) and what was wrong."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # codes, worded by the template
    problems: list[str] = field(default_factory=list)  # the domain's own words

    @property
    def ok(self) -> bool:
        return not self.errors and not self.problems


def blank() -> Form:
    return Form({"kind": "all", "channel": "", "when": "now", "repeat": "daily", "weekday": "mon",
                 "monthday": "1", "time": "08:00", "units": [], "link_label": ""})


def of(campaign: Campaign) -> Form:
    """The form filled in from a draft (to edit it)."""
    form = blank()
    v = form.values
    v.update(title=campaign.title, text=campaign.text, image=campaign.image or "",
             link_url=campaign.link_url or "", link_label=campaign.link_label or "",
             topic=campaign.audience_topic or "", units=list(campaign.audience_units or []),
             channel=campaign.audience_channel or "", urgent=campaign.urgent, when=campaign.schedule_kind)
    v["kind"] = "all" if campaign.audience_kind == "channel" else campaign.audience_kind
    if campaign.schedule_kind == "at" and campaign.send_at:
        local = campaign.send_at.astimezone(VN)
        v.update(date=local.strftime("%Y-%m-%d"), time=local.strftime("%H:%M"))
    if campaign.schedule_kind == "cron":
        v.update(repeat="custom", cron=campaign.cron or "")
    return form


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value[:MAX_FIELD].strip() if isinstance(value, str) else ""


def _audience(form: Form, data: Any) -> Audience | None:
    v = form.values
    kind, channel = v["kind"], v["channel"]
    if kind not in KINDS:
        form.errors.append("kind")
        return None
    if channel and channel not in PUSH_CHANNELS:
        form.errors.append("channel")
        return None
    if kind == "topic" and not v["topic"]:
        form.errors.append("topic")
        return None
    if kind == "units" and not v["units"]:
        form.errors.append("units")
        return None
    if kind == "all" and channel:
        return Audience("channel", channel=channel)
    return Audience(kind, topic=v["topic"] if kind == "topic" else None,
                    units=tuple(v["units"]) if kind == "units" else (), channel=channel or None)


def _cron(form: Form) -> str | None:
    v = form.values
    if v["repeat"] == "custom":
        if not v["cron"]:
            form.errors.append("cron")
        return " ".join(v["cron"].split()) or None
    match = _TIME.match(v["time"])
    if v["repeat"] not in REPEATS or not match:
        form.errors.append("repeat_time")
        return None
    minute, hour = int(match[2]), int(match[1])
    if v["repeat"] == "daily":
        return f"{minute} {hour} * * *"
    if v["repeat"] == "weekly":
        if v["weekday"] not in WEEKDAYS:
            form.errors.append("weekday")
            return None
        return f"{minute} {hour} * * {v['weekday']}"
    day = v["monthday"]
    if not day.isdigit() or not 1 <= int(day) <= 28:
        form.errors.append("monthday")
        return None
    return f"{minute} {hour} {int(day)} * *"


def read(content: ContentStore, data: Any) -> tuple[Form, campaigns.Draft | None]:
    """The posted form (a MultiDict) → the form to show again and, when it reads, a Draft
    the domain has checked (`form.ok`)."""
    form = blank()
    v = form.values
    for name in ("title", "text", "image", "link_url", "link_label", "topic", "kind", "channel", "when",
                 "date", "time", "repeat", "weekday", "monthday", "cron"):
        v[name] = _text(data, name) or v.get(name, "")
    v["units"] = list(dict.fromkeys(u for u in data.getall("units", []) if isinstance(u, str)))[:1000]
    v["urgent"] = data.get("urgent") == "yes"
    audience = _audience(form, data)
    if v["image"] and not is_web_url(v["image"]):
        form.errors.append("image")
    if v["link_label"] and not v["link_url"]:
        form.errors.append("link_label")
    at, cron = None, None
    if v["when"] == "at":
        if not _DATE.match(v["date"]) or not _TIME.match(v["time"]):
            form.errors.append("at")
        else:
            try:
                at = parse_at(f"{v['date']} {v['time']}")
            except ValueError:
                form.errors.append("at")
    elif v["when"] == "cron":
        cron = _cron(form)
    elif v["when"] != "now":
        form.errors.append("when")
    if form.errors or audience is None:
        return form, None
    draft = campaigns.Draft(title=" ".join(v["title"].split()), text=v["text"], audience=audience,
                            schedule=v["when"], send_at=at, cron=cron, image=v["image"] or None,
                            link_url=v["link_url"] or None, link_label=v["link_label"] or None,
                            urgent=v["urgent"])
    form.problems = campaigns.problems(content, draft)
    return form, draft if form.ok else None

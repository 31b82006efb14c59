"""Pydantic schema of the content pack. Every citizen-facing text lives here, as data.

The docs for editors are in `content/README.md`; keep the two in step."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# A value the province's documents do not give (a phone number, a URL): the operator
# fills it in; `cchc-bot content validate` lists every one; replies never show it.
OPERATOR_FILL = "<cần điền>"

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def filled(value: str | None) -> str | None:
    """The value, or None while it still waits for the operator."""
    if value is None or value.strip() == OPERATOR_FILL:
        return None
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackInfo(Strict):
    province: Text
    province_full: Text
    agency: Text
    superior_agency: Text
    bot_name: Text
    portal_url: Text
    public_service_portal_url: Text
    national_public_service_portal_url: Text
    service_center_name: Text
    service_center_address: Text
    service_center_hours: Text


class TopicMessage(Strict):
    id: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=90)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=3500)]
    source: Text | None = None
    link: Text | None = None


class Topic(Strict):
    id: Slug
    number: int = Field(ge=1)
    title: Text
    short_title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    description: Text
    keywords: list[Text] = []
    messages: list[TopicMessage] = Field(min_length=1)


class Unit(Strict):
    id: Slug
    name: Text
    aliases: list[Text] = []
    kind: Literal["so", "ban-nganh", "su-nghiep", "huyen", "xa", "trung-uong", "khac"]
    contest_group: Literal["dvc", "khong-dvc"] | None = None


class Hotline(Strict):
    id: Slug
    name: Text
    agency: Text
    subjects: list[
        Literal["thu-tuc-hanh-chinh", "dich-vu-cong-truc-tuyen", "thai-do-can-bo", "cuoc-thi", "chung"]
    ] = Field(min_length=1)
    phone: Text
    email: Text | None = None
    hours: Text
    note: Text | None = None


class FaqEntry(Strict):
    id: Slug
    topic: Slug
    question: Text
    phrasings: list[Text] = []
    keywords: list[Text] = []
    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=3500)]
    source: Text | None = None
    guide: Slug | None = None


class GuideWays(Strict):
    online: Text | None = None
    one_stop: Text | None = None
    post: Text | None = None


class Guide(Strict):
    id: Slug
    title: Text
    summary: Text
    phrasings: list[Text] = []
    keywords: list[Text] = []
    agency: Text
    where: GuideWays
    documents: list[Text] = Field(min_length=1)
    steps: list[Text] = Field(min_length=1)
    fee: Text
    processing_time: Text
    legal_basis: list[Text] = []
    source: Text | None = None


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


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class ContentPack(Strict):
    """The whole pack, after every file and cross-reference was checked."""

    info: PackInfo
    messages: dict[str, str]
    topics: list[Topic]
    units: list[Unit]
    hotlines: list[Hotline]
    faq: list[FaqEntry] = []
    guides: list[Guide] = []
    abbreviations: dict[str, list[str]] = {}
    campaigns: list[CalendarCampaign] = []

    def message_by_id(self, message_id: str) -> TopicMessage | None:
        return next((m for t in self.topics for m in t.messages if m.id == message_id), None)

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def faq_entry(self, entry_id: str) -> FaqEntry | None:
        return next((e for e in self.faq if e.id == entry_id), None)

    def guide(self, guide_id: str) -> Guide | None:
        return next((g for g in self.guides if g.id == guide_id), None)

    def text(self, key: str, **values: object) -> str:
        """A catalogue string with its `{placeholders}` filled."""
        template = self.messages[key]
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)

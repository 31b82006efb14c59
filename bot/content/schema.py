"""Pydantic schema of the content pack. Every citizen-facing text lives here, as data.

This module holds the pack itself (`ContentPack`, which composes every part) and its core:
the province, topics and their messages, units, hotlines, FAQ entries, guides and intents.
The other parts have a module each: the quiz (`schema_quiz`), surveys (`schema_surveys`),
the report's template (`schema_report`) and the campaign calendar (`schema_calendar`), all
built on `schema_base`.

The docs for editors are in `content/README.md`; keep the two in step."""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints

from bot.content.schema_base import Slug, Strict, Text
from bot.content.schema_calendar import CalendarCampaign
from bot.content.schema_quiz import Contest, Practice, QuestionBank
from bot.content.schema_report import ReportTemplate
from bot.content.schema_surveys import Survey
from bot.content.schema_web import WebBranding

# A value the province's documents do not give (a phone number, a URL): the operator
# fills it in; `cchc-bot content validate` lists every one; replies never show it.
OPERATOR_FILL = "<cần điền>"


def filled(value: str | None) -> str | None:
    """The value, or None while it still waits for the operator."""
    if value is None or value.strip() == OPERATOR_FILL:
        return None
    return value


class PackInfo(Strict):
    # The province's official code (e.g. 92 for Thành phố Cần Thơ): its wards and communes
    # come from the administrative map, not from the pack.
    province_code: int | None = Field(default=None, ge=1, le=99)
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
    # Dated history (e.g. the former province's results before the 2025 merger): the text
    # states its own time; the stale-name check does not apply to it.
    history: bool = False


class Topic(Strict):
    id: Slug
    number: int = Field(ge=1)
    title: Text
    short_title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    description: Text
    keywords: list[Text] = []
    messages: list[TopicMessage] = Field(min_length=1)


# Kinds of the commune level. The pack's wards and communes come from the official list
# (bot/content/official.py) when pack.yaml gives `province_code`; units.yaml lists agencies.
WARD_KINDS: tuple[str, ...] = ("xa", "phuong", "dac-khu")


class Unit(Strict):
    id: Slug
    name: Text
    aliases: list[Text] = []
    kind: Literal["so", "ban-nganh", "su-nghiep", "xa", "phuong", "dac-khu", "trung-uong", "khac"]
    contest_group: Literal["dvc", "khong-dvc"] | None = None
    code: int | None = None  # a ward's or commune's official code

    @property
    def is_ward(self) -> bool:
        return self.kind in WARD_KINDS


# What a hotline covers, and what a citizen's feedback is about (the same list): labels
# are the catalogue keys `subject_<id>` in messages.yaml.
Subject = Literal["thu-tuc-hanh-chinh", "dich-vu-cong-truc-tuyen", "thai-do-can-bo", "cuoc-thi", "chung"]
SUBJECTS: tuple[str, ...] = get_args(Subject)


class Hotline(Strict):
    id: Slug
    name: Text
    agency: Text
    subjects: list[Subject] = Field(min_length=1)
    phone: Text
    email: Text | None = None
    hours: Text
    url: Text | None = None  # a web page of the line (a support portal), when it has one
    note: Text | None = None
    # A national line (the national public-service portal, VNeID): offered too wherever one
    # of the province's own lines has no number yet.
    national: bool = False


class FaqEntry(Strict):
    id: Slug
    topic: Slug
    question: Text
    phrasings: list[Text] = []
    keywords: list[Text] = []
    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=3500)]
    source: Text | None = None
    guide: Slug | None = None
    history: bool = False  # dated history: see TopicMessage.history


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


# What an intent makes the bot do: a short friendly reply (chit-chat), or a screen of the
# bot's own (the hotline list, the feedback form…). The conversation maps each to a handler.
IntentAction = Literal["chitchat", "feedback", "hotline", "subscribe", "contest", "track", "erase",
                       "address", "menu"]
INTENT_ACTIONS: tuple[str, ...] = get_args(IntentAction)


class Intent(Strict):
    """A message that asks the bot to DO something, or is chit-chat, rather than a question
    for the FAQ. Phrases are matched ignoring diacritics and case, word by word:
    - `whole`: the whole message is one of these (or several, "ok cảm ơn, tạm biệt");
    - `asks`: a request found anywhere in the message ("tôi muốn phản ánh"): the intent wins;
    - `mentions`: found anywhere, but a confident FAQ answer comes first ("số điện thoại"
      is the hotline, unless the question is about changing one's number on VNeID)."""

    id: Slug
    action: IntentAction
    reply: Text | None = None  # chit-chat: the catalogue key of the reply
    whole: list[Text] = []
    asks: list[Text] = []
    mentions: list[Text] = []
    # When set, a request or mention counts only if what follows its phrase is empty or
    # names one of these ("số điện thoại của xã" yes, "số điện thoại bệnh viện" no).
    about: list[Text] = []


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
    # Action words that tell procedures about one object apart ("mất", "cấp lại", "đổi"):
    # group name → the words and phrases that say it.
    actions: dict[str, list[str]] = {}
    intents: list[Intent] = []
    banks: list[QuestionBank] = []
    contests: list[Contest] = []
    practice: Practice | None = None
    surveys: list[Survey] = []
    report: ReportTemplate | None = None
    campaigns: list[CalendarCampaign] = []
    web: WebBranding = WebBranding()

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

    def bank(self, bank_id: str) -> QuestionBank | None:
        return next((b for b in self.banks if b.id == bank_id), None)

    def contest(self, contest_id: str) -> Contest | None:
        return next((c for c in self.contests if c.id == contest_id), None)

    def survey(self, survey_id: str) -> Survey | None:
        return next((s for s in self.surveys if s.id == survey_id), None)

    def text(self, key: str, **values: object) -> str:
        """A catalogue string with its `{placeholders}` filled."""
        template = self.messages[key]
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)

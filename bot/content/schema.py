"""Pydantic schema of the content pack. Every citizen-facing text lives here, as data.

The docs for editors are in `content/README.md`; keep the two in step."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

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
# (bot/places/official.py) when pack.yaml gives `province_code`; units.yaml lists agencies.
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


def _same_text(text: str) -> str:
    """The form two options or questions are compared in (case and spacing ignored)."""
    return " ".join(text.casefold().split())


OptionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class BankQuestion(Strict):
    """One multiple-choice question of a bank; `correct` is the 1-based option number."""

    id: Slug
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=600)]
    options: list[OptionText] = Field(min_length=2, max_length=6)
    correct: int = Field(ge=1)
    explanation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=1500)]
    source: Text
    topic: Slug
    difficulty: Literal["de", "trung-binh", "kho"]
    # Options that point at other options ("Cả A và B", "Tất cả các phương án trên") must
    # keep their order: set this and the question is never shuffled.
    fixed_order: bool = False

    @field_validator("options")
    @classmethod
    def _distinct_options(cls, options: list[str]) -> list[str]:
        seen = [_same_text(o) for o in options]
        if len(set(seen)) != len(seen):
            raise ValueError("có hai phương án giống nhau")
        return options

    @field_validator("correct")
    @classmethod
    def _correct_is_an_option(cls, correct: int, info: ValidationInfo) -> int:
        options = info.data.get("options")
        if options is not None and correct > len(options):
            raise ValueError(f"đáp án đúng là phương án {correct} nhưng chỉ có {len(options)} phương án")
        return correct


class QuestionBank(Strict):
    id: Slug
    title: Text
    questions: list[BankQuestion] = Field(min_length=1)
    _by_id: dict[str, BankQuestion] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _context) -> None:
        self._by_id.update({q.id: q for q in self.questions})

    def question(self, question_id: str) -> BankQuestion | None:
        return self._by_id.get(question_id)


# Ids that end up in button payloads, which Telegram limits to 64 bytes.
ShortSlug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]


class Contest(Strict):
    """A contest's quiz part: its window (with the UTC offset, e.g. +07:00), its draw and
    its rules. Which units take part and their group come from `units.yaml`."""

    id: ShortSlug
    name: Text
    organiser: Text
    bank: Slug
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    questions_per_attempt: int = Field(ge=1, le=100)
    seconds_per_question: int = Field(ge=5, le=600)
    attempts_allowed: int = Field(ge=1, le=20)
    counts: Literal["best", "last"] = "best"
    shuffle_questions: bool = True
    shuffle_options: bool = True
    units: Literal["all"] | list[Slug] = "all"
    rules: Text
    # Allowance for delivery delay: an answer this many seconds past the limit is on time.
    grace_seconds: int = Field(default=2, ge=0, le=30)
    leaderboard_size: int = Field(default=10, ge=3, le=50)
    # "end": correct answers and explanations after each attempt; "after-close": only once
    # the contest has closed (so answers do not circulate while it runs).
    reveal_answers: Literal["end", "after-close"] = "end"

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and ends_at <= starts_at:
            raise ValueError("thời điểm kết thúc phải sau thời điểm bắt đầu")
        return ends_at

    def takes_part(self, unit_id: str) -> bool:
        return self.units == "all" or unit_id in self.units


class Practice(Strict):
    """Practice mode: any user, any time, never ranked."""

    bank: Slug
    questions_per_attempt: int = Field(default=10, ge=1, le=100)
    seconds_per_question: int = Field(default=30, ge=5, le=600)


ShortId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=32)]
ButtonLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
SCALE = (1, 2, 3, 4, 5)  # a scale question is answered 1–5


class SurveyOption(Strict):
    id: ShortId  # logged as the answer (engagement `outcome`): keep it once published
    label: ButtonLabel


class SurveyTarget(Strict):
    """A province target the question measures (e.g. 95% of citizens by 2030)."""

    indicator: Text
    percent: float = Field(gt=0, le=100)
    year: int = Field(ge=2000, le=2100)
    options: list[ShortId] = Field(min_length=1)  # the answers that count as meeting it
    source: Text | None = None


class SurveyQuestion(Strict):
    id: ShortId
    kind: Literal["single", "scale"]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=500)]
    options: list[SurveyOption] = []  # single choice: 2–6
    scale_min: ButtonLabel | None = None  # scale: what 1 means
    scale_max: ButtonLabel | None = None  # scale: what 5 means
    target: SurveyTarget | None = None


class Survey(Strict):
    # Short enough for a campaign button's payload `survey:<id>` (Telegram allows 64 bytes).
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
    title: Text
    audience: Literal["citizen", "cadre"]
    period: Literal["quarter", "half", "year"] = "quarter"  # answered once per period
    offer_after_interactions: int = Field(default=0, ge=0)  # 0: only a campaign or /khaosat
    active: bool = True
    intro: Text
    thanks: Text
    questions: list[SurveyQuestion] = Field(min_length=1, max_length=20)

    def question(self, question_id: str) -> SurveyQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)


class ReportDocument(Strict):
    """The administrative-document frame of the report (Decree 30/2020/NĐ-CP)."""

    superior_agency: Text  # printed upper-case, as given
    agency: Text
    number_suffix: Text  # "BC-SNV" in "Số: …/BC-SNV"
    place: Text
    addressee: Text
    signer_title: list[Text] = Field(min_length=1)
    signer_name: Text | None = None
    recipients: list[Text] = Field(min_length=1)


class ReportTemplate(Strict):
    """`report.yaml`: the document frame, display names of logged ids, and every sentence,
    heading and column name of the report (keys listed in bot/content/report.py)."""

    document: ReportDocument
    names: dict[str, Text] = {}
    texts: dict[str, Text]


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

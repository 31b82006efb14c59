"""Load a content pack directory, validating every file and every cross-reference.

All problems are collected (not just the first) and reported as file + field + what is
wrong, so an editor can fix a whole pack in one pass."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content.quiz import QuizContent, load_quiz
from bot.content.reading import ContentError as ContentError  # re-exported: callers import it from here
from bot.content.reading import ContentIssue as ContentIssue  # re-exported, as ContentError
from bot.content.reading import Reader
from bot.content.report import load_report
from bot.content.schema import (
    OPERATOR_FILL,
    SUBJECTS,
    WARD_KINDS,
    ContentPack,
    FaqEntry,
    Guide,
    Hotline,
    Intent,
    PackInfo,
    Topic,
    Unit,
)
from bot.content.schema_calendar import CalendarCampaign
from bot.content.surveys import load_surveys
from bot.content.web import load_web
from bot.kernel.limits import MAX_CAPTION, MAX_TEXT


@dataclass
class LoadedPack:
    pack: ContentPack
    operator_fields: list[ContentIssue]  # fields still holding OPERATOR_FILL


def _duplicates(reader: Reader, located: list[tuple[Any, Path, str]], label: str) -> None:
    counts = Counter(item.id for item, _, _ in located)
    for item, file, field in located:
        if counts[item.id] > 1:
            reader.issues.append(ContentIssue(reader.rel(file), f"{field}.id", f"{label} '{item.id}' bị trùng"))


def _as_str_dict(reader: Reader, file: Path, raw: dict, key: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in raw.items():
        if not isinstance(v, str) or not v.strip():
            reader.issues.append(ContentIssue(reader.rel(file), f"{key}.{k}", "phải là một chuỗi không rỗng"))
        else:
            out[str(k)] = v.strip()
    return out


def _check_calendar(r: Reader, campaigns: list[tuple[CalendarCampaign, Path, str]],
                    topics: list[tuple[Topic, Path, str]], units: list[tuple[Unit, Path, str]]) -> None:
    """Cross-checks of the campaign calendar: what it names exists, times parse, the
    message fits one platform message."""
    from bot.kernel.messages import is_web_url
    from bot.kernel.timing import cron_trigger, parse_at

    topic_ids = {t.id for t, _, _ in topics}
    message_ids = {m.id for t, _, _ in topics for m in t.messages}
    messages = {m.id: m for t, _, _ in topics for m in t.messages}
    unit_ids = {u.id for u, _, _ in units}
    for c, path, field in campaigns:
        file = r.rel(path)

        def issue(name: str, text: str, c: CalendarCampaign = c, file: str = file, field: str = field) -> None:
            r.issues.append(ContentIssue(file, f"{field}.{name}", text))

        if (c.text is None) == (c.message is None):
            issue("text", "cần đúng một trong hai: text (nội dung) hoặc message (mã tin có sẵn)")
        if c.message and c.message not in message_ids:
            issue("message", f"không có tin '{c.message}' trong các chủ đề")
        if (c.at is None) == (c.cron is None):
            issue("at", "cần đúng một trong hai: at (một lần) hoặc cron (định kỳ)")
        if c.at:
            try:
                parse_at(c.at)
            except ValueError as exc:
                issue("at", str(exc))
        if c.cron:
            try:
                cron_trigger(c.cron)
            except ValueError as exc:
                issue("cron", str(exc))
        a = c.audience
        if a.kind == "topic" and (not a.topic or (a.topic != "all" and a.topic not in topic_ids)):
            issue("audience.topic", f"không có chủ đề '{a.topic}'" if a.topic else "thiếu chủ đề")
        if a.kind == "units" and not a.units:
            issue("audience.units", "cần ít nhất một đơn vị")
        for i, unit in enumerate(a.units):
            if unit not in unit_ids:
                issue(f"audience.units[{i}]", f"không có đơn vị '{unit}'")
        if a.kind == "channel" and not a.channel:
            issue("audience.channel", "cần chọn kênh")
        if c.link and not is_web_url(c.link.url) and c.link.url.strip() != OPERATOR_FILL:
            issue("link.url", "phải là địa chỉ http(s)://")
        text = c.text or (messages[c.message].text if c.message in messages else "")
        limit = MAX_CAPTION if c.image else MAX_TEXT
        if len(text) + len(c.title) + 8 > limit:
            issue("text", f"dài {len(text)} ký tự, quá giới hạn {limit} của một tin (kể cả tiêu đề)")


def _add_wards(r: Reader, root: Path, info: PackInfo | None, units: list) -> list:
    """The province's wards and communes from the official list, after the agencies that
    units.yaml lists (which must not list wards itself: they would drift from the list)."""
    if info is None or info.province_code is None:
        return units
    from bot.content import official

    for unit, path, field in units:
        if unit.kind in WARD_KINDS:
            r.add(path, f"{field}.kind", f"xã, phường lấy từ danh mục chính thức (province_code {info.province_code} "
                                         "trong pack.yaml); units.yaml chỉ liệt kê cơ quan")
    try:
        wards = official.wards(info.province_code)
    except LookupError as exc:
        r.add(root / "pack.yaml", "province_code", str(exc))
        return units
    listed = [(Unit(id=w.slug, name=w.name, aliases=[w.short_name], kind=w.kind, code=w.code),
               root / "pack.yaml", f"province_code[{w.code}]") for w in wards]
    return units + listed


def load(root: Path) -> LoadedPack:
    """Load and validate the pack in `root`; raise ContentError listing every problem."""
    root = Path(root).resolve()
    r = Reader(root)
    if not root.is_dir():
        raise ContentError([ContentIssue(str(root), "", "không có thư mục nội dung")])

    info_data = r.read(root / "pack.yaml")
    info = r.model(PackInfo, info_data, root / "pack.yaml") if info_data is not None else None

    messages = _as_str_dict(r, root / "messages.yaml", r.mapping(root / "messages.yaml", "messages"), "messages")

    topics = []
    for path in sorted((root / "topics").glob("*.yaml")):
        data = r.read(path)
        topic = r.model(Topic, data, path) if data is not None else None
        if topic:
            topics.append((topic, path, ""))
    if not topics:
        r.issues.append(ContentIssue("topics/", "", "chưa có chủ đề nào"))

    units = _add_wards(r, root, info, r.listed(Unit, root / "units.yaml", "units"))
    hotlines = r.listed(Hotline, root / "hotlines.yaml", "hotlines")
    faq = [x for path in sorted((root / "faq").glob("*.yaml")) for x in r.listed(FaqEntry, path, "entries")]
    guides = []
    for path in sorted((root / "guides").glob("*.yaml")):
        data = r.read(path)
        guide = r.model(Guide, data, path) if data is not None else None
        if guide:
            guides.append((guide, path, ""))
    abbreviations = r.mapping(root / "abbreviations.yaml", "abbreviations", optional=True)
    actions = r.mapping(root / "actions.yaml", "actions", optional=True)
    intents = r.listed(Intent, root / "intents.yaml", "intents") if (root / "intents.yaml").exists() else []
    quiz: QuizContent = load_quiz(r, root / "quiz", {u.id for u, _, _ in units})
    surveys = load_surveys(r, root)
    report = load_report(r, root)
    web = load_web(r, root, {h.id for h, _, _ in hotlines})
    campaigns = [x for path in sorted((root / "campaigns").glob("*.yaml"))
                 for x in r.listed(CalendarCampaign, path, "campaigns")]

    _duplicates(r, topics, "mã chủ đề")
    _duplicates(r, [(m, p, f"messages[{i}]") for t, p, _ in topics for i, m in enumerate(t.messages)], "mã tin")
    _duplicates(r, units, "mã đơn vị")
    _duplicates(r, hotlines, "mã đường dây nóng")
    _duplicates(r, faq + guides, "mã câu hỏi/hướng dẫn")
    numbers = Counter(t.number for t, _, _ in topics)
    for t, p, _ in topics:
        if numbers[t.number] > 1:
            r.issues.append(ContentIssue(r.rel(p), "number", f"số thứ tự {t.number} bị trùng"))
    guide_ids = {g.id for g, _, _ in guides}
    for e, p, field in faq:
        if e.guide and e.guide not in guide_ids:
            r.issues.append(ContentIssue(r.rel(p), f"{field}.guide", f"không có hướng dẫn '{e.guide}'"))
    # Hotline subjects (also the feedback categories) and unit kinds are shown by label.
    for key in [f"subject_{s}" for s in SUBJECTS] + [f"unit_kind_{u.kind}" for u, _, _ in units]:
        if messages and key not in messages:
            r.issues.append(ContentIssue("messages.yaml", f"messages.{key}", "thiếu nhãn hiển thị"))
    _duplicates(r, campaigns, "mã chiến dịch")
    _check_calendar(r, campaigns, topics, units)
    for file, table in (("abbreviations", abbreviations), ("actions", actions)):
        for token, expansions in table.items():
            if not isinstance(expansions, list) or not all(isinstance(x, str) and x for x in expansions):
                r.issues.append(ContentIssue(f"{file}.yaml", f"{file}.{token}", "phải là danh sách chuỗi"))
    _duplicates(r, intents, "mã ý định")
    for intent, p, field in intents:
        if intent.action == "chitchat" and (not intent.reply or (messages and intent.reply not in messages)):
            r.issues.append(ContentIssue(r.rel(p), f"{field}.reply", "cần một khóa có trong messages.yaml"))
        if not (intent.whole or intent.asks or intent.mentions):
            r.issues.append(ContentIssue(r.rel(p), field, "cần ít nhất một cụm từ (whole, asks hoặc mentions)"))
    _require_sources(r, faq, guides)

    if r.issues or info is None:
        raise ContentError(r.issues)
    pack = ContentPack(
        info=info,
        messages=messages,
        topics=sorted((t for t, _, _ in topics), key=lambda t: t.number),
        units=[u for u, _, _ in units],
        hotlines=[h for h, _, _ in hotlines],
        faq=[e for e, _, _ in faq],
        guides=[g for g, _, _ in guides],
        abbreviations={str(k): list(v) for k, v in abbreviations.items()},
        actions={str(k): list(v) for k, v in actions.items()},
        intents=[i for i, _, _ in intents],
        banks=quiz.banks,
        contests=quiz.contests,
        practice=quiz.practice,
        surveys=surveys,
        report=report,
        campaigns=[c for c, _, _ in campaigns],
        web=web,
    )
    return LoadedPack(pack=pack, operator_fields=r.operator_fields)


# The assistant's own entries describe the bot itself: their source is the bot.
SELF_TOPIC = "tro-ly"


def _require_sources(r: Reader, faq: list[tuple[FaqEntry, Path, str]],
                     guides: list[tuple[Guide, Path, str]]) -> None:
    """Every fact carries its source: a FAQ entry (but those about the assistant itself)
    and every guide must name the rule or document it states."""
    for e, p, field in faq:
        if not e.source and e.topic != SELF_TOPIC:
            r.issues.append(ContentIssue(r.rel(p), f"{field}.source", "thiếu nguồn (văn bản quy định, số, ngày)"))
    for g, p, _ in guides:
        if not g.source:
            r.issues.append(ContentIssue(r.rel(p), "source", "thiếu nguồn (văn bản quy định, số, ngày)"))


def load_pack(root: Path) -> ContentPack:
    return load(root).pack

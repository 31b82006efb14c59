"""The report's content as a list of blocks (headings, paragraphs, tables, charts), built
from two periods' figures and the content pack's names and wording (`report.yaml`).

Both writers render the same blocks: the .docx all of them, the .xlsx every table, so the
workbook always holds exactly the tables behind the document and its charts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.content.schema import ContentPack, Survey, SurveyQuestion
from bot.core.events import EventKind as K
from bot.core.periods import Period
from bot.reports.cells import Change, Percent, Score, vn_number
from bot.reports.figures import UNANSWERED_MIN_PEOPLE, PeriodFigures, Ranked

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Whatever could identify someone in a question typed to the bot: e-mail addresses, links,
# and runs of 3+ digits (phone numbers, ID and dossier numbers).
_SENSITIVE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|\d[\d .-]{1,}\d")


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Paragraph:
    text: str
    italic: bool = False


@dataclass
class Chart:
    """What to draw from a table's figures (bot.reports.charts)."""

    kind: str  # "bars" (grouped, vertical), "hbars" (horizontal, ranked), "targets"
    title: str
    categories: list[str]
    series: list[
        tuple[str, list[float | None]]
    ]  # (legend, one value per category; None: no figure)
    percent: bool = False
    stacked: bool = False
    targets: list[float] | None = None  # for "targets": the goal per category (a share)
    target_legend: str = ""


@dataclass
class Table:
    sheet: str  # the .xlsx sheet it becomes (≤ 31 characters)
    title: str
    columns: list[str]
    rows: list[list]
    widths: list[float] | None = None  # relative column widths in the .docx
    bold_rows: set[int] = field(default_factory=set)  # e.g. a total, a question heading
    chart: Chart | None = None  # drawn from the same figures, below the table


@dataclass
class Outline:
    title: str  # "Kết quả công tác … quý III năm 2026"
    period: Period
    previous: Period
    blocks: list = field(default_factory=list)
    facts: list[tuple[str, str | int]] = field(default_factory=list)  # the workbook's first sheet

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


def scrub(text: str) -> str:
    return _SENSITIVE.sub("***", text).strip()


def vn_date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


class Builder:
    def __init__(self, pack: ContentPack, current: PeriodFigures, previous: PeriodFigures) -> None:
        if pack.report is None:
            raise ValueError("gói nội dung thiếu report.yaml")
        self.pack, self.template = pack, pack.report
        self.cur, self.prev = current, previous
        self.blocks: list = []
        self.sheets: set[str] = set()

    # --- wording ------------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        info = self.pack.info
        defaults = {
            "agency": info.agency,
            "bot_name": info.bot_name,
            "province": info.province_full,
        }
        values = defaults | values
        return _PLACEHOLDER.sub(
            lambda m: str(values.get(m.group(1), m.group(0))), self.template.texts[key]
        )

    def name(self, key: str) -> str:
        return self.template.names.get(key, key)

    def period_label(self, period: Period) -> str:
        if period.kind == "quarter":
            return self.t("period_quarter", roman=period.roman, year=period.start.year)
        if period.kind == "half":
            return self.t(f"period_half_{period.number}", year=period.start.year)
        if period.kind == "year":
            return self.t("period_year", year=period.start.year)
        return self.t("period_range", start=vn_date(period.start), end=vn_date(period.end))

    # --- blocks -------------------------------------------------------------------------
    def heading(self, key: str, level: int = 1, **values) -> None:
        self.blocks.append(Heading(self.t(key, **values), level))

    def para(self, key: str, italic: bool = False, **values) -> None:
        self.blocks.append(Paragraph(self.t(key, **values), italic))

    def table(self, sheet: str, title: str, columns: list[str], rows: list[list], **kw) -> Table:
        sheet = re.sub(r"[\[\]:*?/\\]", " ", sheet)[:31]  # what Excel allows in a sheet name
        assert sheet not in self.sheets, sheet
        self.sheets.add(sheet)
        title = self.t("table_caption", n=len(self.sheets), title=title)
        table = Table(sheet, title, columns, rows, **kw)
        self.blocks.append(table)
        return table

    def compare(
        self,
        sheet_key: str,
        title_key: str,
        rows: list[tuple[str, float | None, float | None]],
        chart: Chart | None = None,
    ) -> Table:
        """A "this period against the previous one" table of indicators."""
        t = self.t
        return self.table(
            t(sheet_key),
            t(title_key),
            [t("col_indicator"), t("col_current"), t("col_previous"), t("col_change")],
            [[label, cur, prev, Change(cur, prev)] for label, cur, prev in rows],
            widths=[5.2, 1.7, 1.7, 2.2],
            chart=chart,
        )

    def build(self) -> Outline:
        cur, prev = self.cur, self.prev
        label, previous = self.period_label(cur.period), self.period_label(prev.period)
        outline = Outline(self.t("title", period=label), cur.period, prev.period)
        self.para(
            "intro",
            period=label,
            previous=previous,
            start=vn_date(cur.period.start),
            end=vn_date(cur.period.end),
        )
        self.para("data_note", italic=True)
        if cur.events == 0:
            self.para("no_data")
        self.reach()
        self.campaigns()
        self.questions()
        self.contest()
        self.feedback()
        self.surveys()
        self.heading("h_assessment")
        self.para("assessment_placeholder", italic=True)
        self.para("closing", period=label)
        outline.blocks = self.blocks
        outline.facts = [
            (self.t("fact_title"), outline.title),
            (self.t("fact_period"), label),
            (self.t("fact_from"), vn_date(cur.period.start)),
            (self.t("fact_to"), vn_date(cur.period.end)),
            (
                self.t("fact_previous"),
                f"{previous} ({vn_date(prev.period.start)} – {vn_date(prev.period.end)})",
            ),
            (self.t("fact_events"), cur.events),
            (self.t("fact_source"), self.t("data_note")),
        ]
        return outline

    # --- sections -----------------------------------------------------------------------
    def reach(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_reach")
        self.heading("h_reach_channels", 2)
        self.para(
            "reach_summary",
            reached=_n(cur.reached),
            previous=_n(prev.reached),
            interacting=_n(cur.interacting),
            messages=_n(cur.count(K.MESSAGE_IN)),
        )
        channels = sorted(
            set(cur.reach) | set(prev.reach),
            key=lambda c: (-(cur.reach[c].reached if c in cur.reach else 0), c),
        )
        rows = []
        for ch in channels:
            c, p = cur.reach.get(ch), prev.reach.get(ch)
            now, before = (c.reached if c else 0), (p.reached if p else 0)
            rows.append(
                [
                    self.name(ch),
                    now,
                    before,
                    Change(now, before),
                    c.interacting if c else 0,
                    c.messages_in if c else 0,
                ]
            )
        rows.append(
            [
                t("total"),
                cur.reached,
                prev.reached,
                Change(cur.reached, prev.reached),
                cur.interacting,
                cur.count(K.MESSAGE_IN),
            ]
        )
        self.table(
            t("sheet_reach"),
            t("t_reach"),
            [
                t("col_channel"),
                t("col_reached_current"),
                t("col_reached_previous"),
                t("col_change"),
                t("col_interacting"),
                t("col_messages_in"),
            ],
            rows,
            widths=[3.2, 1.8, 1.8, 2.2, 1.8, 1.8],
            bold_rows={len(rows) - 1},
            chart=Chart(
                "bars",
                t("chart_reach"),
                [r[0] for r in rows[:-1]],
                [
                    (t("legend_current"), [r[1] for r in rows[:-1]]),
                    (t("legend_previous"), [r[2] for r in rows[:-1]]),
                ],
            )
            if channels
            else None,
        )
        self.heading("h_subscribers", 2)
        self.compare(
            "sheet_subscribers",
            "t_subscribers",
            [
                (t("row_new_subscribers"), cur.new_subscribers, prev.new_subscribers),
                (t("row_subscribers"), cur.subscribers, prev.subscribers),
                (t("row_unsubscribed"), cur.count(K.UNSUBSCRIBED), prev.count(K.UNSUBSCRIBED)),
            ],
        )

    def campaigns(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_campaigns")
        self.compare(
            "sheet_campaigns",
            "t_campaigns",
            [
                (t("row_campaigns"), len(cur.campaigns), len(prev.campaigns)),
                (t("row_delivered"), cur.delivered, prev.delivered),
                (t("row_failed"), cur.count(K.BROADCAST_FAILED), prev.count(K.BROADCAST_FAILED)),
                (t("row_clickers"), cur.clickers, prev.clickers),
                (t("row_click_through"), _pct(cur.click_through), _pct(prev.click_through)),
            ],
        )
        if not cur.campaigns:
            self.para("no_campaigns", italic=True)
            return
        rows = [
            [
                t("campaign_label", id=c.campaign),
                c.delivered,
                c.failed,
                c.clickers,
                _pct(c.clickers / c.delivered if c.delivered else None),
            ]
            for c in cur.campaigns
        ]
        self.table(
            t("sheet_campaign_list"),
            t("t_campaign_list"),
            [
                t("col_campaign"),
                t("col_delivered"),
                t("col_failed"),
                t("col_clickers"),
                t("col_click_through"),
            ],
            rows,
            widths=[3.6, 1.8, 1.8, 1.8, 1.8],
        )

    def questions(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_questions")
        self.compare(
            "sheet_questions",
            "t_questions",
            [
                (t("row_questions_asked"), cur.questions_asked, prev.questions_asked),
                (t("row_questions_answered"), cur.questions_answered, prev.questions_answered),
                (t("row_answer_rate"), _pct(cur.answer_rate), _pct(prev.answer_rate)),
                (
                    t("row_questions_unanswered"),
                    cur.count(K.QUESTION_UNANSWERED),
                    prev.count(K.QUESTION_UNANSWERED),
                ),
                (
                    t("row_topic_views"),
                    cur.count(K.TOPIC_VIEWED) + cur.count(K.MESSAGE_VIEWED),
                    prev.count(K.TOPIC_VIEWED) + prev.count(K.MESSAGE_VIEWED),
                ),
                (t("row_guides_opened"), cur.count(K.GUIDE_OPENED), prev.count(K.GUIDE_OPENED)),
                (
                    t("row_hotline_viewed"),
                    cur.count(K.HOTLINE_VIEWED),
                    prev.count(K.HOTLINE_VIEWED),
                ),
            ],
            chart=Chart(
                "bars",
                t("chart_questions"),
                [t("legend_previous"), t("legend_current")],
                [
                    (t("legend_answered"), [prev.questions_answered, cur.questions_answered]),
                    (
                        t("legend_unanswered"),
                        [prev.count(K.QUESTION_UNANSWERED), cur.count(K.QUESTION_UNANSWERED)],
                    ),
                ],
                stacked=True,
            )
            if cur.questions_asked or prev.questions_asked
            else None,
        )

        self.heading("h_top_topics", 2)
        self._ranked(
            "sheet_top_topics",
            "t_top_topics",
            cur.top_topics,
            self._topic_name,
            [t("col_no"), t("col_topic"), t("col_views"), t("col_people")],
            people=True,
            chart_key="chart_topics",
            short=self._topic_short,
        )
        self.heading("h_top_questions", 2)
        self._ranked(
            "sheet_top_questions",
            "t_top_questions",
            cur.top_answers,
            self._answer_name,
            [t("col_no"), t("col_question"), t("col_answers")],
        )
        self.heading("h_unanswered", 2)
        self._ranked(
            "sheet_unanswered",
            "t_unanswered",
            cur.unanswered,
            scrub,
            [t("col_no"), t("col_unanswered"), t("col_asked"), t("col_askers")],
            people=True,
        )
        if cur.unanswered:
            self.para("unanswered_note", italic=True, people=_n(UNANSWERED_MIN_PEOPLE))

    def _ranked(
        self,
        sheet_key: str,
        title_key: str,
        ranked: list[Ranked],
        name,
        columns,
        people: bool = False,
        chart_key: str | None = None,
        short=None,
    ) -> None:
        if not ranked:
            self.para("none_in_period", italic=True)
            return
        rows = [
            [i, name(r.key), r.count] + ([r.people] if people else [])
            for i, r in enumerate(ranked, 1)
        ]
        widths = [1.1, 7.0, 1.7] + ([1.7] if people else [])
        chart = None
        if chart_key:
            labels = [(short or name)(r.key) for r in ranked]
            chart = Chart(
                "hbars",
                self.t(chart_key),
                labels,
                [(self.t("legend_current"), [r[2] for r in rows])],
            )
        self.table(self.t(sheet_key), self.t(title_key), columns, rows, widths=widths, chart=chart)

    def _topic_name(self, topic_id: str) -> str:
        topic = self.pack.topic(topic_id)
        return topic.title if topic else self.name(topic_id)

    def _topic_short(self, topic_id: str) -> str:
        topic = self.pack.topic(topic_id)
        return topic.short_title if topic else self.name(topic_id)

    def _answer_name(self, entry_id: str) -> str:
        entry, guide = self.pack.faq_entry(entry_id), self.pack.guide(entry_id)
        if entry:
            return entry.question
        return self.t("guide_label", title=guide.title) if guide else self.name(entry_id)

    def contest(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_contest")
        units = {u: c for u, c in cur.contest.items() if c.registered or c.participants}
        total_registered = sum(c.registered for c in cur.contest.values())
        participants = sum(c.participants for c in cur.contest.values())
        self.compare(
            "sheet_contest",
            "t_contest",
            [
                (
                    t("row_registered"),
                    total_registered,
                    sum(c.registered for c in prev.contest.values()),
                ),
                (
                    t("row_participants"),
                    participants,
                    sum(c.participants for c in prev.contest.values()),
                ),
                (
                    t("row_units_participating"),
                    sum(1 for c in cur.contest.values() if c.participants),
                    sum(1 for c in prev.contest.values() if c.participants),
                ),
                (
                    t("row_attempts"),
                    sum(c.finished for c in cur.contest.values()),
                    sum(c.finished for c in prev.contest.values()),
                ),
                (
                    t("row_practice"),
                    cur.count_outcome(K.QUIZ_STARTED, "practice"),
                    prev.count_outcome(K.QUIZ_STARTED, "practice"),
                ),
            ],
        )
        if not units:
            self.para("no_contest", italic=True)
            return

        def unit_name(unit_id: str) -> str:
            unit = self.pack.unit(unit_id)
            return unit.name if unit else self.name(unit_id)

        order = sorted(
            units, key=lambda u: (-units[u].participants, -units[u].registered, unit_name(u))
        )
        rows = []
        for i, u in enumerate(order, 1):
            c = units[u]
            rows.append(
                [
                    i,
                    unit_name(u),
                    c.registered,
                    c.participants,
                    _pct(c.participants / c.registered if c.registered else None),
                    c.finished,
                    _score(c.average_score),
                    _score(c.best_score),
                ]
            )
        self.para(
            "contest_units",
            units=_n(sum(1 for c in units.values() if c.participants)),
            total=_n(len(self.pack.units)),
        )
        self.table(
            t("sheet_contest_units"),
            t("t_contest_units"),
            [
                t("col_no"),
                t("col_unit"),
                t("col_registered"),
                t("col_participants"),
                t("col_participation"),
                t("col_attempts"),
                t("col_average"),
                t("col_best"),
            ],
            rows,
            widths=[1.0, 4.6, 1.3, 1.2, 1.8, 1.4, 1.5, 1.4],
            chart=Chart(
                "hbars",
                t("chart_contest"),
                [r[1] for r in rows[:15]],
                [(t("legend_current"), [r[3] for r in rows[:15]])],
            ),
        )

    def feedback(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_feedback")
        self.compare(
            "sheet_feedback",
            "t_feedback",
            [
                (
                    t("row_feedback_filed"),
                    cur.count(K.FEEDBACK_FILED),
                    prev.count(K.FEEDBACK_FILED),
                ),
                (
                    t("row_feedback_answered"),
                    cur.count(K.FEEDBACK_ANSWERED),
                    prev.count(K.FEEDBACK_ANSWERED),
                ),
                (
                    t("row_feedback_resolved"),
                    cur.count(K.FEEDBACK_RESOLVED),
                    prev.count(K.FEEDBACK_RESOLVED),
                ),
                (
                    t("row_resolution_hours"),
                    _score(cur.resolution_hours),
                    _score(prev.resolution_hours),
                ),
            ],
        )
        if cur.feedback_by_category:
            self._ranked(
                "sheet_feedback_categories",
                "t_feedback_categories",
                cur.feedback_by_category,
                self.name,
                [t("col_no"), t("col_category"), t("col_filed")],
            )

    # --- surveys ------------------------------------------------------------------------
    def surveys(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_surveys")
        targets = [(s, q) for s in self.pack.surveys for q in s.questions if q.target]
        rows, chart_rows = [], []
        for i, (survey, q) in enumerate(targets, 1):
            now, answered = _target_share(cur, survey, q)
            before, _ = _target_share(prev, survey, q)
            if now is None:
                verdict = t("target_no_data")
            else:
                verdict = (
                    t("target_met") if now * 100 >= q.target.percent - 1e-9 else t("target_not_met")
                )
            rows.append(
                [
                    i,
                    q.target.indicator,
                    Percent(q.target.percent / 100),
                    now,
                    before,
                    answered,
                    verdict,
                ]
            )
            chart_rows.append(now)
        self.para("surveys_intro")
        self.table(
            t("sheet_targets"),
            t("t_targets", year=max((q.target.year for _, q in targets), default="")),
            [
                t("col_no"),
                t("col_indicator"),
                t("col_target"),
                t("col_result_current"),
                t("col_result_previous"),
                t("col_respondents"),
                t("col_assessment"),
            ],
            rows,
            widths=[1.0, 4.8, 1.6, 1.6, 1.5, 1.4, 1.7],
            chart=Chart(
                "targets",
                t("chart_targets"),
                [r[1] for r in rows],
                [
                    (t("legend_current"), [r[3] for r in rows]),
                    (t("legend_previous"), [r[4] for r in rows]),
                ],
                percent=True,
                targets=[r[2] for r in rows],
                target_legend=t("legend_target"),
            )
            if any(r is not None for r in chart_rows)
            else None,
        )
        funnel = []
        for s in self.pack.surveys:
            for kind, key in (
                (K.SURVEY_OFFERED, "row_survey_offered"),
                (K.SURVEY_STARTED, "row_survey_started"),
                (K.SURVEY_COMPLETED, "row_survey_completed"),
            ):
                funnel.append(
                    (
                        t(key, survey=s.title),
                        cur.survey_funnel.get((kind, s.id), 0),
                        prev.survey_funnel.get((kind, s.id), 0),
                    )
                )
        self.compare("sheet_survey_funnel", "t_survey_funnel", funnel)
        for n, survey in enumerate(self.pack.surveys, 1):
            self._survey_results(n, survey)

    def _survey_results(self, n: int, survey: Survey) -> None:
        t = self.t
        answers = self.cur.survey_answers.get(survey.id, {})
        rows, bold = [], set()
        for q in survey.questions:
            counts = answers.get(q.id, {})
            total = sum(counts.values())
            bold.add(len(rows))
            rows.append([q.text, total, None])
            for outcome, label in _options(q, t):
                rows.append(
                    [
                        f"    {label}",
                        counts.get(outcome, 0),
                        _pct(counts.get(outcome, 0) / total if total else None),
                    ]
                )
            known = {o for o, _ in _options(q, t)}
            for outcome in sorted(set(counts) - known):  # an option since removed from content
                rows.append([f"    {outcome}", counts[outcome], _pct(counts[outcome] / total)])
            if q.kind == "scale":
                mean = (
                    (sum(int(o) * c for o, c in counts.items() if o.isdigit()) / total)
                    if total
                    else None
                )
                rows.append([f"    {t('row_scale_mean')}", None, _score(mean)])
        self.table(
            t("sheet_survey", n=n),
            t("t_survey_results", survey=survey.title),
            [t("col_question_option"), t("col_answers"), t("col_share")],
            rows,
            widths=[8.0, 1.6, 1.6],
            bold_rows=bold,
        )


def _options(q: SurveyQuestion, t) -> list[tuple[str, str]]:
    if q.kind == "scale":
        return [
            ("1", t("scale_level", level=1, meaning=f" ({q.scale_min})")),
            *((str(v), t("scale_level", level=v, meaning="")) for v in (2, 3, 4)),
            ("5", t("scale_level", level=5, meaning=f" ({q.scale_max})")),
        ]
    return [(o.id, o.label) for o in q.options]


def _target_share(
    f: PeriodFigures, survey: Survey, q: SurveyQuestion
) -> tuple[Percent | None, int]:
    counts = f.survey_answers.get(survey.id, {}).get(q.id, {})
    total = sum(counts.values())
    if not total:
        return None, 0
    return Percent(sum(counts.get(o, 0) for o in q.target.options) / total), total


def _n(value: int) -> str:
    return vn_number(value)


def _pct(value: float | None) -> Percent | None:
    return Percent(value) if value is not None else None


def _score(value: float | None) -> Score | None:
    return Score(value) if value is not None else None


def build_outline(pack: ContentPack, current: PeriodFigures, previous: PeriodFigures) -> Outline:
    return Builder(pack, current, previous).build()

"""Building the report's outline: the introduction and the note on the data, each section
in turn (one module each in `bot.reports.sections`), the assessment (a placeholder the
department writes) and the closing, then the facts of the workbook's first sheet.
`build_outline` is what `bot.reports.report` calls."""

from __future__ import annotations

from bot.content.schema import ContentPack
from bot.kernel.clock import VN
from bot.reports.drafting import vn_date
from bot.reports.figures import TEST_CHANNELS, PeriodFigures
from bot.reports.outline import Outline
from bot.reports.sections.campaigns import CampaignsSection
from bot.reports.sections.contest import ContestSection
from bot.reports.sections.feedback import FeedbackSection
from bot.reports.sections.questions import QuestionsSection
from bot.reports.sections.reach import ReachSection
from bot.reports.sections.surveys import SurveysSection


class Builder(ReachSection, CampaignsSection, QuestionsSection, ContestSection, FeedbackSection,
              SurveysSection):
    """Every section of the report, and the frame around them."""

    def build(self) -> Outline:
        cur, prev = self.cur, self.prev
        label, previous = self.period_label(cur.period), self.period_label(prev.period)
        cutoff = cur.cutoff.astimezone(VN) if cur.cutoff else None
        title = self.t("title", period=label)
        if cutoff:  # a period still running: its figures are partial, up to the cut-off
            title = self.t("title_partial", title=title, cutoff=vn_date(cutoff.date()))
        outline = Outline(title, cur.period, prev.period)
        self.para(
            "intro",
            period=label,
            previous=previous,
            start=vn_date(cur.period.start),
            end=vn_date(cur.period.end),
        )
        if cutoff:
            self.para("partial_note", time=f"{cutoff:%H:%M}", cutoff=vn_date(cutoff.date()),
                      end=vn_date(cur.period.end))
        self.para("data_note", italic=True)
        if cur.test_traffic:
            self.para("test_traffic_note", italic=True, channels=", ".join(self.name(c) for c in TEST_CHANNELS))
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
        if cutoff:
            outline.facts.append((self.t("fact_cutoff"), f"{cutoff:%H:%M} {vn_date(cutoff.date())}"))
        if cur.test_traffic:
            outline.facts.append((self.t("fact_test_traffic"), self.t(
                "test_traffic_note", channels=", ".join(self.name(c) for c in TEST_CHANNELS))))
        return outline


def build_outline(pack: ContentPack, current: PeriodFigures, previous: PeriodFigures) -> Outline:
    return Builder(pack, current, previous).build()

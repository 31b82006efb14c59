"""What every section of the report is written with (`Drafter`): the template's wording
(`report.yaml` texts with their placeholders filled, display names of logged ids, period
labels), the blocks a section appends to the outline (headings, paragraphs, numbered tables
with their .xlsx sheet names), and the two table shapes sections share: this period against
the previous one (`compare`), and a ranked list (`_ranked`). The sections themselves are in
`bot.reports.sections`; `bot.reports.builder` puts them together."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from bot.content.schema import ContentPack
from bot.kernel.periods import Period
from bot.reports.cells import Change
from bot.reports.figures import PeriodFigures, Ranked
from bot.reports.outline import Chart, Heading, Paragraph, Table

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def vn_date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


class Drafter:
    """The state of one outline being written (the pack, both periods' figures, the blocks
    so far) and the means to write it."""

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
    def heading(self, key: str, level: int = 1, **values: Any) -> None:
        self.blocks.append(Heading(self.t(key, **values), level))

    def para(self, key: str, italic: bool = False, **values: Any) -> None:
        self.blocks.append(Paragraph(self.t(key, **values), italic))

    def table(self, sheet: str, title: str, columns: list[str], rows: list[list], **kw: Any) -> Table:
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

    def _ranked(
        self,
        sheet_key: str,
        title_key: str,
        ranked: list[Ranked],
        name: Callable[[str], str],
        columns: list[str],
        people: bool = False,
        chart_key: str | None = None,
        short: Callable[[str], str] | None = None,
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
                [(self.t("legend_current"), [r.count for r in ranked])],
            )
        self.table(self.t(sheet_key), self.t(title_key), columns, rows, widths=widths, chart=chart)

"""The report's content as a list of blocks (headings, paragraphs, tables, charts): the
`Outline` that `bot.reports.builder` fills, section by section, from two periods' figures
and the content pack's names and wording (`report.yaml`).

Both writers render the same blocks: the .docx all of them, the .xlsx every table, so the
workbook always holds exactly the tables behind the document and its charts."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.kernel.periods import Period


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

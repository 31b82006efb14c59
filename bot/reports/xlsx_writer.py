"""The workbook behind the report: a sheet of general facts, then every table of the
document as its own sheet, with numbers as numbers (percentages formatted as such)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.content.schema_report import ReportTemplate
from bot.reports.cells import Change, Percent, Score
from bot.reports.outline import Outline

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def _value(cell: Cell, value: Any) -> None:
    if isinstance(value, Change):
        value = value.delta
    cell.value = float(value) if isinstance(value, Percent | Score) else value


def _format(cell: Cell, value: object) -> None:
    percent = isinstance(value, Percent) or (isinstance(value, Change) and value.percent)
    if percent:
        cell.number_format = "0.0%"
    elif isinstance(value, Score) or (
        isinstance(value, Change) and isinstance(value.current, Score)
    ):
        cell.number_format = "0.0"
    elif isinstance(value, int) or isinstance(value, Change):
        cell.number_format = "#,##0"


def write_xlsx(outline: Outline, template: ReportTemplate, path: Path) -> Path:
    book = Workbook()
    facts = book.active
    assert isinstance(facts, Worksheet)  # a new workbook opens on one empty worksheet
    facts.title = template.texts["sheet_facts"][:31]
    for label, value in outline.facts:
        facts.append([label, value])
    facts.column_dimensions["A"].width = 34
    facts.column_dimensions["B"].width = 100
    for cells in facts.iter_rows():
        cells[0].font = BOLD
        cells[1].alignment = WRAP
    for table in outline.tables:
        sheet = book.create_sheet(table.sheet)
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append(table.columns)
        for cell in sheet[2]:
            cell.font, cell.alignment = BOLD, WRAP
        for r, row in enumerate(table.rows):
            sheet.append([None] * len(row))
            for c, value in enumerate(row, 1):
                cell = sheet.cell(row=r + 3, column=c)
                _value(cell, value)
                _format(cell, value)
                if r in table.bold_rows:
                    cell.font = BOLD
        widths = table.widths or [1] * len(table.columns)
        for c, w in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(c)].width = max(10, min(80, w * 9))
        sheet.freeze_panes = "A3"
    book.properties.creator = template.document.agency
    book.properties.title = outline.title
    book.save(path)
    return path

"""The report as a .docx laid out as a Vietnamese administrative report, following the
presentation rules of Decree 30/2020/NĐ-CP (Appendix I): A4, margins 20/20/30/15 mm, Times
New Roman; the issuing agency under its superior on the left and the national title and
motto on the right, each underlined by a short rule; number and place-date lines; the
document type and its summary in bold; page numbers at the top centre from page 2; and the
recipients block ("Nơi nhận:") beside the signer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_PARAGRAPH_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Mm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from bot.content.schema import OPERATOR_FILL
from bot.content.schema_report import ReportTemplate
from bot.reports.cells import Change, fmt
from bot.reports.fonts import serif
from bot.reports.outline import Heading, Outline, Paragraph, Table

FONT = "Times New Roman"
BODY_PT, TABLE_PT = 14, 12
TEXT_WIDTH_CM = 21.0 - 3.0 - 1.5  # A4 minus the left and right margins
INDENT = Cm(1.27)
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"  # fixed by the decree, not content
MOTTO = "Độc lập - Tự do - Hạnh phúc"
LEFT_CM, LEFT_MAX_CM = 6.0, 7.5  # the header's left column: at least, at most
CELL_MARGINS_CM = 0.4


def text_width_cm(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of a line set in a Times-compatible font (for the rules under header lines)."""
    from matplotlib import ft2font

    font = ft2font.FT2Font(serif(bold)[1])
    font.set_size(size_pt, 7200)  # at a high resolution, so per-glyph rounding vanishes
    font.set_text(text, 0.0)
    width_pt = font.get_width_height()[0] / 64 / 100
    return width_pt / 72 * 2.54


def vn_place_date(place: str, day: date, template: str) -> str:
    """Decree 30: a day below 10 and the months January and February take a leading 0."""
    d = f"{day.day:02d}"
    m = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return template.format(place=place, day=d, month=m, year=day.year)


def number_text(number: str | None) -> str:
    if not number:
        return "…"
    return f"{int(number):02d}" if number.isdigit() else number


class DocxWriter:
    def __init__(self, template: ReportTemplate, charts: dict[int, Path]) -> None:
        self.template, self.texts = template, template.texts
        self.charts = charts  # table index in the outline → its PNG
        self.doc = Document()
        self._chart_no = 0

    # --- page and styles ----------------------------------------------------------------
    def _setup(self) -> None:
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.header_distance = Mm(10)
        style = self.doc.styles["Normal"]
        style.font.name, style.font.size = FONT, Pt(BODY_PT)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), FONT)
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(0), Pt(0)
        style.paragraph_format.line_spacing = 1.0
        self._page_numbers(section)

    def _page_numbers(self, section: Section) -> None:
        """Arabic page number at the top centre, not on the first page."""
        section.different_first_page_header_footer = True
        p = section.header.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run()
        run.font.size = Pt(13)
        for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            else:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = text
            run._r.append(el)

    # --- helpers ------------------------------------------------------------------------
    @staticmethod
    def _run(p: DocxParagraph, text: str, size: float = BODY_PT, bold: bool = False, italic: bool = False) -> Run:
        run = p.add_run(text)
        run.font.size, run.font.bold, run.font.italic = Pt(size), bold, italic
        return run

    def _line(
        self,
        container: DocxDocument | _Cell,
        text: str,
        size: float = BODY_PT,
        *,
        bold: bool = False,
        italic: bool = False,
        align: WD_PARAGRAPH_ALIGNMENT = WD_ALIGN_PARAGRAPH.CENTER,
        before: float = 0,
        after: float = 0,
    ) -> DocxParagraph:
        p = (
            container.add_paragraph()
            if not isinstance(container, _Cell)
            or container.paragraphs[0].text
            or container.paragraphs[0].runs
            else container.paragraphs[0]
        )
        p.alignment = align
        p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(before), Pt(after)
        self._run(p, text, size, bold, italic)
        return p

    @staticmethod
    def _rule(container: DocxDocument | _Cell, length_cm: float, box_cm: float, before: float = 0) -> None:
        """A short solid rule centred under the previous line (a bottom border on an empty
        2-pt paragraph, narrowed by indents to the rule's length)."""
        p = container.add_paragraph()
        side = max((box_cm - length_cm) / 2, 0)
        p.paragraph_format.left_indent = p.paragraph_format.right_indent = Cm(side)
        p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(before), Pt(0)
        p.paragraph_format.line_spacing = Pt(3)
        p.add_run().font.size = Pt(3)
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
            bottom.set(qn(k), v)
        borders.append(bottom)
        p._p.get_or_add_pPr().append(borders)

    @staticmethod
    def _widths(table: DocxTable, widths_cm: list[float]) -> None:
        """Column widths in both places: the grid (LibreOffice) and each cell (Word)."""
        table.autofit = False
        for column, w in zip(table.columns, widths_cm, strict=True):
            column.width = Cm(w)
        for row in table.rows:
            for cell, w in zip(row.cells, widths_cm, strict=True):
                cell.width = Cm(w)

    @staticmethod
    def _no_borders(table: DocxTable) -> None:
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            el = OxmlElement(f"w:{edge}")
            el.set(qn("w:val"), "nil")
            borders.append(el)
        table._tbl.tblPr.append(borders)

    # --- the parts ----------------------------------------------------------------------
    def _header(self, today: date, number: str | None) -> None:
        doc, d, t = self.doc, self.template.document, self.texts
        table = doc.add_table(rows=2, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        self._no_borders(table)
        # The left column as wide as the superior agency's name needs at 13 pt (a merged
        # city's "UBND THÀNH PHỐ CẦN THƠ"), within limits; the national title takes the rest.
        superior = d.superior_agency.upper()
        needed = text_width_cm(superior, 13) * 1.03 + CELL_MARGINS_CM
        left_cm = min(max(LEFT_CM, needed), LEFT_MAX_CM)
        self._widths(table, [left_cm, TEXT_WIDTH_CM - left_cm])
        left, right = table.cell(0, 0), table.cell(0, 1)
        box_left, box_right = left_cm - CELL_MARGINS_CM, TEXT_WIDTH_CM - left_cm - CELL_MARGINS_CM
        self._line(left, superior, 13 if text_width_cm(superior, 13) * 1.03 <= box_left else 12)
        self._line(left, d.agency.upper(), 13, bold=True)
        self._rule(left, text_width_cm(d.agency.upper(), 13, True) * 0.5, box_left)
        # 12–13 pt by the decree: 13 when it fits on one line with room to spare.
        title_pt = 13 if text_width_cm(NATIONAL_TITLE, 13, True) * 1.03 <= box_right else 12
        self._line(right, NATIONAL_TITLE, title_pt, bold=True)
        self._line(right, MOTTO, 14, bold=True)
        self._rule(right, text_width_cm(MOTTO, 14, True), box_right)
        self._line(
            table.cell(1, 0),
            t["number"].format(number=number_text(number), suffix=d.number_suffix),
            13,
            before=6,
        )
        self._line(
            table.cell(1, 1),
            vn_place_date(d.place, today, t["place_date"]),
            14,
            italic=True,
            before=6,
        )

    def _title(self, title: str) -> None:
        d, t = self.template.document, self.texts
        self._line(self.doc, t["doc_type"], 14, bold=True, before=18)
        self._line(self.doc, title, 14, bold=True)
        self._rule(
            self.doc,
            min(text_width_cm(title, 14, True), TEXT_WIDTH_CM) * 0.4,
            TEXT_WIDTH_CM,
            before=2,
        )
        self._line(self.doc, t["addressee"].format(addressee=d.addressee), 14, before=12, after=12)

    def _paragraph(self, text: str, *, bold: bool = False, italic: bool = False) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.first_line_indent = INDENT
        p.paragraph_format.space_after = Pt(6)
        self._run(p, text, BODY_PT, bold, italic)

    def _table(self, index: int, table: Table) -> None:
        caption = self._line(self.doc, table.title, 13, bold=True, before=6, after=3)
        caption.paragraph_format.keep_with_next = True
        grid = self.doc.add_table(rows=1, cols=len(table.columns))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        total = sum(table.widths or [1] * len(table.columns))
        widths = [w / total * TEXT_WIDTH_CM for w in (table.widths or [1] * len(table.columns))]
        header = grid.rows[0]
        header_pr = header._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")  # repeat the header row on each page
        header_pr.append(repeat)
        for cell, name in zip(header.cells, table.columns, strict=True):
            self._line(cell, name, TABLE_PT, bold=True)
        points = self.texts["points"]
        for r, row in enumerate(table.rows):
            cells = grid.add_row().cells
            for c, (cell, value) in enumerate(zip(cells, row, strict=True)):
                numeric = c > 0 and (isinstance(value, int | float | Change) or value is None)
                align = WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.LEFT
                if c == 0 and isinstance(value, int):
                    align = WD_ALIGN_PARAGRAPH.CENTER  # an ordinal (STT)
                self._line(
                    cell, fmt(value, points), TABLE_PT, bold=r in table.bold_rows, align=align
                )
        self._widths(grid, widths)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(3)
        if index in self.charts and table.chart is not None:  # drawn for a table with a chart
            self._chart(self.charts[index], table.chart.title)

    def _chart(self, png: Path, title: str) -> None:
        self._chart_no += 1
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_with_next = True
        p.add_run().add_picture(str(png), width=Cm(15.5))
        caption = self.texts["chart_caption"].format(n=self._chart_no, title=title)
        self._line(self.doc, caption, 12, italic=True, after=9)

    def _signature(self) -> None:
        d, t = self.template.document, self.texts
        table = self.doc.add_table(rows=1, cols=2)
        self._no_borders(table)
        self._widths(table, [8.0, TEXT_WIDTH_CM - 8.0])
        left, right = table.cell(0, 0), table.cell(0, 1)
        self._line(
            left,
            t["recipients_heading"],
            12,
            bold=True,
            italic=True,
            align=WD_ALIGN_PARAGRAPH.LEFT,
            before=6,
        )
        for line in d.recipients:
            self._line(left, f"- {line}", 11, align=WD_ALIGN_PARAGRAPH.LEFT)
        for i, line in enumerate(d.signer_title):
            self._line(right, line.upper(), 14, bold=True, before=6 if i == 0 else 0)
        name = d.signer_name if d.signer_name and d.signer_name.strip() != OPERATOR_FILL else ""
        self._line(right, name, 14, bold=True, before=72)

    # --- all ----------------------------------------------------------------------------
    def write(self, outline: Outline, path: Path, today: date, number: str | None) -> Path:
        self._setup()
        props = self.doc.core_properties
        props.author = props.last_modified_by = self.template.document.agency
        props.title, props.comments = outline.title, ""
        self._header(today, number)
        self._title(outline.title)
        table_index = 0
        for block in outline.blocks:
            if isinstance(block, Heading):
                p = self.doc.add_paragraph()
                p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
                p.paragraph_format.first_line_indent = INDENT
                p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(6), Pt(6)
                p.paragraph_format.keep_with_next = True
                self._run(p, block.text, BODY_PT, bold=True)
            elif isinstance(block, Paragraph):
                self._paragraph(block.text, italic=block.italic)
            elif isinstance(block, Table):
                self._table(table_index, block)
                table_index += 1
        self._signature()
        self.doc.save(str(path))
        return path

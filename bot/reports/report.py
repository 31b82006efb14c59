"""Producing a report: figures for the period and the one before it, then the charts, the
.docx and the .xlsx, all from the same outline."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.schema import ContentPack, filled
from bot.kernel.clock import VN, utcnow
from bot.kernel.periods import Period
from bot.reports.builder import build_outline
from bot.reports.charts import draw
from bot.reports.docx_writer import DocxWriter
from bot.reports.figures import PeriodFigures, collect
from bot.reports.outline import Outline
from bot.reports.xlsx_writer import write_xlsx


class ReportError(Exception):
    pass


def unsigned(pack: ContentPack) -> bool:
    """The signer's name is not filled in yet (report.yaml, document.signer_name): the
    report leaves the place to sign empty."""
    return pack.report is None or filled(pack.report.document.signer_name) is None


@dataclass
class ReportFiles:
    docx: Path
    xlsx: Path
    outline: Outline
    current: PeriodFigures
    previous: PeriodFigures
    charts: list[Path] = field(default_factory=list)


async def gather(engine: AsyncEngine, period: Period, *, test_traffic: bool = False,
                 now: datetime | None = None) -> tuple[PeriodFigures, PeriodFigures]:
    """Both periods' figures from one consistent view of the log."""
    now = now or utcnow()
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        current = await collect(conn, period, now=now, test_traffic=test_traffic)
        previous = await collect(conn, period.previous(), now=now, test_traffic=test_traffic)
    return current, previous


async def generate(
    engine: AsyncEngine,
    pack: ContentPack,
    period: Period,
    out_dir: Path,
    *,
    today: date | None = None,
    number: str | None = None,
    test_traffic: bool = False,
    now: datetime | None = None,
) -> ReportFiles:
    """`test_traffic`: count the test channels (the terminal chat) too, and say so in the
    report; official figures leave them out. `now`: the moment the figures stop at (a
    period still running is reported as partial up to it)."""
    if pack.report is None:
        raise ReportError("gói nội dung không có report.yaml (câu chữ và phần đầu của báo cáo)")
    current, previous = await gather(engine, period, test_traffic=test_traffic, now=now)
    outline = build_outline(pack, current, previous)
    today = today or utcnow().astimezone(VN).date()
    # Drawing and writing files is CPU and disk work: off the event loop.
    docx, xlsx, charts = await asyncio.to_thread(write, outline, pack, out_dir, today, number)
    return ReportFiles(docx, xlsx, outline, current, previous, charts)


def write(
    outline: Outline, pack: ContentPack, out_dir: Path, today: date, number: str | None
) -> tuple[Path, Path, list[Path]]:
    """The charts, the .docx and the .xlsx of one outline."""
    assert pack.report is not None  # generate() turns a pack without one away
    out_dir.mkdir(parents=True, exist_ok=True)
    base = f"bao-cao-cchc-{outline.period.key}"
    charts: dict[int, Path] = {}
    for i, table in enumerate(outline.tables):
        if table.chart is not None:
            charts[i] = draw(table.chart, out_dir / f"{base}-bieu-do-{len(charts) + 1}.png")
    docx = DocxWriter(pack.report, charts).write(outline, out_dir / f"{base}.docx", today, number)
    xlsx = write_xlsx(outline, pack.report, out_dir / f"{base}.xlsx")
    return docx, xlsx, list(charts.values())

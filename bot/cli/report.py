"""`report`: the outreach report (.docx + .xlsx); `report bench`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import Subparsers, _settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.content.schema import ContentPack
    from bot.kernel.periods import Period


def register(subparsers: Subparsers) -> None:
    report = subparsers.add_parser("report",
                            help="lập báo cáo kết quả tuyên truyền CCHC (.docx và .xlsx)")
    report.add_argument("--quarter", metavar="NĂMQn", help="theo quý, ví dụ 2026Q3")
    report.add_argument("--half", metavar="NĂMHn", help="6 tháng, ví dụ 2026H1")
    report.add_argument("--year", metavar="NĂM", help="cả năm, ví dụ 2026")
    report.add_argument("--from", dest="date_from", metavar="NGÀY",
                        help="từ ngày (YYYY-MM-DD hoặc DD/MM/YYYY)")
    report.add_argument("--to", dest="date_to", metavar="NGÀY", help="đến ngày (tính cả ngày này)")
    report.add_argument("--out", default="reports-out",
                        help="thư mục ghi báo cáo (mặc định: reports-out)")
    report.add_argument("--number", help="số văn bản (để trống: Số: …/BC-SNV)")
    report.add_argument("--date", help="ngày ghi trên báo cáo (mặc định: hôm nay)")
    report.add_argument("--include-test", action="store_true",
                        help="tính cả các phiên thử nghiệm trên dòng lệnh (cchc-bot chat); "
                             "báo cáo ghi rõ đây không phải số liệu chính thức")
    report.set_defaults(func=cmd_report)
    report_sub = report.add_subparsers(dest="action")
    bench = report_sub.add_parser("bench",
                                  help="đo thời gian lập báo cáo trên 1.000.000 sự kiện")
    bench.add_argument("--events", type=int, default=1_000_000, help="số sự kiện sinh ra")
    bench.add_argument("--year", type=int, default=2026, help="năm của dữ liệu sinh ra")
    bench.add_argument("--postgres-url",
                       help="cơ sở dữ liệu PostgreSQL để đo (dùng một schema tạm riêng)")
    bench.add_argument("--no-sqlite", action="store_true", help="không đo trên SQLite")
    bench.add_argument("--no-postgres", action="store_true", help="không đo trên PostgreSQL")
    bench.set_defaults(func=cmd_report_bench)


def _report_period(args: argparse.Namespace) -> Period:
    from bot.kernel.periods import Period, PeriodError, PeriodKind, parse_day

    chosen = [k for k in ("quarter", "half", "year", "date_from") if getattr(args, k)]
    if len(chosen) != 1 or (args.date_to and not args.date_from) or (args.date_from and not args.date_to):
        raise PeriodError("chọn đúng một kỳ: --quarter 2026Q3, --half 2026H1, --year 2026, "
                          "hoặc --from NGÀY --to NGÀY")
    if args.date_from:
        return Period.days(parse_day(args.date_from), parse_day(args.date_to))
    kind: PeriodKind = "quarter" if args.quarter else "half" if args.half else "year"
    return Period.parse(kind, getattr(args, kind))


def cmd_report(args: argparse.Namespace) -> int:
    import time

    from bot.content.loader import ContentError, load_pack
    from bot.db import migrate
    from bot.db.session import Database
    from bot.kernel.clock import VN
    from bot.kernel.periods import PeriodError, parse_day
    from bot.reports.fonts import times_compatible
    from bot.reports.report import ReportError, ReportFiles, generate, unsigned

    settings = _settings(args)
    try:
        period = _report_period(args)
        today = parse_day(args.date) if args.date else None
        pack = load_pack(settings.content_dir)
    except PeriodError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"Nội dung không hợp lệ:\n{exc}", file=sys.stderr)
        return 1
    migrate.upgrade(settings.database_url)

    async def main() -> ReportFiles:
        db = Database(settings.database_url)
        try:
            return await generate(db.engine, pack, period, Path(args.out), today=today,
                                  number=args.number, test_traffic=args.include_test)
        finally:
            await db.dispose()

    began = time.perf_counter()
    try:
        files = asyncio.run(main())
    except ReportError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    cur = files.current
    print(f"Đã lập báo cáo {files.outline.title} trong {time.perf_counter() - began:.1f} giây:")
    print(f"  {files.docx}")
    print(f"  {files.xlsx}")
    print(f"  {len(files.charts)} biểu đồ; {cur.events} sự kiện trong kỳ, {cur.reached} người được tiếp cận.")
    if cur.cutoff is not None:
        print(f"Lưu ý: kỳ báo cáo chưa kết thúc; số liệu tính đến {cur.cutoff.astimezone(VN):%H:%M %d/%m/%Y}.")
    if cur.test_traffic:
        print("Lưu ý: có tính cả các phiên thử nghiệm trên dòng lệnh (không phải số liệu chính thức).")
    if not times_compatible():
        print("Lưu ý: máy chủ chưa có phông chữ cùng cỡ với Times New Roman có đủ chữ tiếng Việt "
              "(Debian: gói fonts-liberation2); phần đầu báo cáo có thể xuống dòng khi mở bằng Word.")
    if unsigned(pack):
        print("Lưu ý: chưa điền họ tên người ký (report.yaml, document.signer_name); "
              "chỗ ký để trống. Xem: cchc-bot content todo.")
    return 0


def cmd_report_bench(args: argparse.Namespace) -> int:
    import os
    import tempfile

    from bot.content.loader import load_pack
    from bot.reports import bench
    from bot.reports.cells import vn_number
    from bot.reports.report import generate

    settings = _settings(args)
    pack = load_pack(settings.content_dir)
    pg_url = args.postgres_url or os.environ.get("TEST_POSTGRES_URL")
    if not pg_url and settings.database_url.startswith("postgresql"):
        pg_url = settings.database_url

    async def render(engine: AsyncEngine, pack_: ContentPack, period: Period, out_dir: Path) -> None:
        await generate(engine, pack_, period, out_dir)

    async def main() -> list:
        results = []
        with tempfile.TemporaryDirectory(prefix="cchc-bench-out-") as out:
            if not args.no_sqlite:
                print(f"SQLite: nạp {vn_number(args.events)} sự kiện…", flush=True)
                results.append(await bench.bench_sqlite(pack, args.events, args.year, Path(out),
                                                        render))
            if pg_url and not args.no_postgres:
                print(f"PostgreSQL: nạp {vn_number(args.events)} sự kiện…", flush=True)
                results.append(await bench.bench_postgres(pack, pg_url, args.events, args.year,
                                                          Path(out), render))
            elif not args.no_postgres:
                print("PostgreSQL: bỏ qua (không có --postgres-url, TEST_POSTGRES_URL "
                      "hay DATABASE_URL PostgreSQL).")
        return results

    for t in asyncio.run(main()):
        print(f"{t.backend}: {vn_number(t.events)} sự kiện nạp trong {t.load_s:.1f} s "
              f"({vn_number(t.events / t.load_s)} sự kiện/s)")
        for key, seconds in t.reports:
            print(f"  báo cáo {key} (kèm kỳ trước, .docx + .xlsx + biểu đồ): {seconds:.2f} s")
    return 0

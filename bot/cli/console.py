"""`console bench`: the staff console's pages timed over HTTP on a loaded PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import sys

import asyncpg
from sqlalchemy.exc import DBAPIError

from bot.cli.common import Subparsers, _settings


def register(subparsers: Subparsers) -> None:
    console = subparsers.add_parser("console", help="trang quản trị trên web (/admin)")
    sub = console.add_subparsers(dest="action", required=True)
    bench = sub.add_parser("bench", help="đo thời gian trả các trang quản trị trên dữ liệu lớn (PostgreSQL)")
    bench.add_argument("--postgres", required=True, metavar="URL",
                       help="máy chủ PostgreSQL, ví dụ postgresql+asyncpg://cchc:cchc@127.0.0.1/cchc "
                            "(tạo một cơ sở dữ liệu tạm riêng rồi xóa)")
    bench.add_argument("--subscribers", type=int, default=100_000, help="số người đăng ký nhận tin")
    bench.add_argument("--events", type=int, default=1_000_000, help="số sự kiện tương tác")
    bench.add_argument("--requests", type=int, default=50, help="số lần tải mỗi trang")
    bench.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    from bot.bench import console
    from bot.faq.served import AnsweringContent

    settings = _settings(args)
    if args.subscribers < 1 or args.events < 1 or args.requests < 1:
        print("Số người, số sự kiện và số lần tải phải lớn hơn 0.", file=sys.stderr)
        return 2
    content = AnsweringContent(settings.content_dir)
    try:
        result = asyncio.run(console.run(settings, args.postgres, content, args.subscribers, args.events,
                                         args.requests))
    except (OSError, DBAPIError, asyncpg.PostgresError) as exc:  # no server, no database, refused
        print(f"Không kết nối được PostgreSQL tại {args.postgres}: {str(exc).splitlines()[0][:200]} "
              "(cần một cơ sở dữ liệu đã có và quyền tạo cơ sở dữ liệu mới).", file=sys.stderr)
        return 1
    for line in console.report_lines(result):
        print(line, flush=True)
    return 0

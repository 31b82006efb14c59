"""`cchc-bot`: run the bot, chat in the terminal, migrate, validate content, manage staff."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from bot.config import Settings, get_settings
from bot.logs import setup_logging


def _settings(args: argparse.Namespace) -> Settings:
    settings = get_settings()
    updates = {}
    if getattr(args, "database_url", None):
        updates["database_url"] = args.database_url
    if getattr(args, "content_dir", None):
        updates["content_dir"] = Path(args.content_dir)
    return settings.model_copy(update=updates) if updates else settings


def cmd_run(args) -> int:
    from bot.app import serve

    settings = _settings(args)
    if args.port:
        settings = settings.model_copy(update={"web_port": args.port})
    asyncio.run(serve(settings))
    return 0


def cmd_chat(args) -> int:
    from bot.app import build_services
    from bot.channels.terminal import run_chat
    from bot.core.conversation import Conversation
    from bot.db import migrate

    settings = _settings(args)

    async def main() -> None:
        await asyncio.to_thread(migrate.upgrade, settings.database_url)
        services = build_services(settings)
        try:
            await run_chat(Conversation(services), args.user, args.json)
        finally:
            await services.db.dispose()

    asyncio.run(main())
    return 0


def cmd_migrate(args) -> int:
    from bot.db import migrate

    settings = _settings(args)
    if args.down:
        migrate.downgrade(settings.database_url, args.down)
    else:
        migrate.upgrade(settings.database_url)
    print("Cơ sở dữ liệu đã cập nhật.")
    return 0


def cmd_content_validate(args) -> int:
    from bot.content.loader import ContentError, load

    settings = _settings(args)
    try:
        loaded = load(settings.content_dir)
    except ContentError as exc:
        print(f"Nội dung KHÔNG hợp lệ — {len(exc.issues)} lỗi:", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return 1
    pack = loaded.pack
    print(
        f"Nội dung hợp lệ ({settings.content_dir}): {len(pack.topics)} chủ đề, "
        f"{sum(len(t.messages) for t in pack.topics)} tin, {len(pack.units)} đơn vị, "
        f"{len(pack.hotlines)} đường dây nóng, {len(pack.faq)} câu hỏi, {len(pack.guides)} hướng dẫn."
    )
    if loaded.operator_fields:
        print(f"Các trường người vận hành cần điền ({len(loaded.operator_fields)}):")
        for field in loaded.operator_fields:
            print(f"  {field.file}: {field.field}")
    return 0


def cmd_staff(args) -> int:
    from bot.core import staff
    from bot.db import migrate
    from bot.db.models import Role
    from bot.db.session import Database

    settings = _settings(args)
    migrate.upgrade(settings.database_url)

    async def main() -> int:
        db = Database(settings.database_url)
        try:
            async with db.session() as session:
                if args.action == "grant":
                    channel, user_id = staff.parse_identity(args.identity)
                    await staff.grant(session, channel, user_id, Role(args.role))
                    print(f"Đã cấp quyền {args.role} cho {channel}:{user_id}.")
                elif args.action == "revoke":
                    channel, user_id = staff.parse_identity(args.identity)
                    if not await staff.revoke(session, channel, user_id):
                        print(f"{channel}:{user_id} không phải cán bộ quản trị.", file=sys.stderr)
                        return 1
                    print(f"Đã thu hồi quyền của {channel}:{user_id}.")
                elif args.action == "invite":
                    code = await staff.create_invite(session, Role(args.role), args.days)
                    print(f"Mã mời ({args.role}, dùng một lần, hạn {args.days} ngày): {code}")
                    print(f"Người được mời gửi cho trợ lý: /kichhoat {code}")
                else:
                    for user in await staff.list_staff(session):
                        print(f"{user.channel}:{user.channel_user_id}\t{user.role}")
                await session.commit()
            return 0
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        finally:
            await db.dispose()

    return asyncio.run(main())


def _report_period(args):
    from bot.core.periods import Period, PeriodError, parse_day

    chosen = [k for k in ("quarter", "half", "year", "date_from") if getattr(args, k)]
    if len(chosen) != 1 or (args.date_to and not args.date_from) or (args.date_from and not args.date_to):
        raise PeriodError("chọn đúng một kỳ: --quarter 2026Q3, --half 2026H1, --year 2026, "
                          "hoặc --from NGÀY --to NGÀY")
    if args.date_from:
        return Period.days(parse_day(args.date_from), parse_day(args.date_to))
    kind = chosen[0]
    return Period.parse(kind, getattr(args, kind))


def cmd_report(args) -> int:
    import time

    from bot.content.loader import ContentError, load_pack
    from bot.core.periods import PeriodError, parse_day
    from bot.db import migrate
    from bot.db.session import Database
    from bot.reports.report import ReportError, generate

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

    async def main():
        db = Database(settings.database_url)
        try:
            return await generate(db.engine, pack, period, Path(args.out), today=today,
                                  number=args.number)
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
    return 0


def cmd_report_bench(args) -> int:
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

    async def render(engine, pack_, period, out_dir):
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cchc-bot", description="Trợ lý tuyên truyền cải cách hành chính")
    parser.add_argument("--database-url", help="thay cho DATABASE_URL")
    parser.add_argument("--content-dir", help="thư mục gói nội dung (mặc định: content/)")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="chạy trợ lý (web chat, và Telegram nếu có token)")
    run.add_argument("--port", type=int)
    run.set_defaults(func=cmd_run)

    chat = sub.add_parser("chat", help="trò chuyện với trợ lý trong cửa sổ dòng lệnh")
    chat.add_argument("--json", action="store_true", help="mỗi câu trả lời một dòng JSON")
    chat.add_argument("--user", default=getpass.getuser(), help="giữ danh tính giữa các lần chạy")
    chat.set_defaults(func=cmd_chat)

    mig = sub.add_parser("migrate", help="cập nhật cấu trúc cơ sở dữ liệu")
    mig.add_argument("--down", metavar="REVISION", help="hạ về phiên bản (vd. base)")
    mig.set_defaults(func=cmd_migrate)

    content = sub.add_parser("content", help="gói nội dung").add_subparsers(dest="action", required=True)
    content.add_parser("validate", help="kiểm tra gói nội dung").set_defaults(func=cmd_content_validate)

    staff = sub.add_parser("staff", help="quyền cán bộ quản trị").add_subparsers(dest="action", required=True)
    grant = staff.add_parser("grant", help="cấp quyền: staff grant telegram:123 editor")
    grant.add_argument("identity")
    grant.add_argument("role", choices=["editor", "admin"])
    revoke = staff.add_parser("revoke", help="thu hồi quyền")
    revoke.add_argument("identity")
    invite = staff.add_parser("invite", help="tạo mã mời dùng một lần")
    invite.add_argument("role", choices=["editor", "admin"])
    invite.add_argument("--days", type=int, default=7)
    staff.add_parser("list", help="liệt kê cán bộ quản trị")
    for p in (grant, revoke, invite):
        p.set_defaults(func=cmd_staff)
    staff.choices["list"].set_defaults(func=cmd_staff)

    report = sub.add_parser("report",
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The terminal chat is for people reading replies: only warnings and errors there.
    setup_logging("WARNING" if args.command == "chat" else get_settings().log_level)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

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
        f"{len(pack.hotlines)} đường dây nóng, {len(pack.faq)} câu hỏi, {len(pack.guides)} hướng dẫn, "
        f"{len(pack.banks)} ngân hàng câu hỏi thi ({sum(len(b.questions) for b in pack.banks)} câu), "
        f"{len(pack.contests)} cuộc thi."
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


def _contest_command(args, work) -> int:
    """Run `work(session, pack, contest, now)` for the contest named on the command line."""
    from bot.content.loader import ContentError, load
    from bot.db import migrate
    from bot.db.base import utcnow
    from bot.db.session import Database

    settings = _settings(args)
    try:
        pack = load(settings.content_dir).pack
    except ContentError as exc:
        print(f"Nội dung KHÔNG hợp lệ:\n{exc}", file=sys.stderr)
        return 1
    contest = pack.contest(args.contest)
    if contest is None:
        known = ", ".join(c.id for c in pack.contests) or "(chưa có)"
        print(f"Không có cuộc thi '{args.contest}'. Các cuộc thi: {known}", file=sys.stderr)
        return 2
    migrate.upgrade(settings.database_url)

    async def main() -> int:
        db = Database(settings.database_url)
        try:
            async with db.session() as session:
                code = await work(session, pack, contest, utcnow())
                await session.commit()
                return code
        finally:
            await db.dispose()

    return asyncio.run(main())


def cmd_contest_export(args) -> int:
    from bot.contest.export import export

    async def work(session, pack, contest, now) -> int:
        stamp = now.strftime("%Y%m%d-%H%M")
        path = Path(args.output) if args.output else Path(f"ket-qua-{contest.id}-{stamp}.xlsx")
        await export(session, pack, contest, now, path)
        print(f"Đã xuất kết quả cuộc thi {contest.id}: {path}")
        return 0

    return _contest_command(args, work)


def cmd_contest_window(args) -> int:
    from bot.contest import window

    async def work(session, pack, contest, now) -> int:
        if args.action == "open":
            w = await window.open_now(session, contest, now, None)
            if w is None:
                print(f"Thời gian thi của {contest.id} đã kết thúc ({window.vn_time(contest.ends_at)}); "
                      "muốn kéo dài hãy sửa ends_at trong contests.yaml.", file=sys.stderr)
                return 1
            print(f"Đã mở {contest.id}; đóng lúc {window.vn_time(w.closes_at)}.")
        else:
            w = await window.close_now(session, contest, now, None)
            print(f"Đã đóng {contest.id} lúc {window.vn_time(w.closes_at)}.")
        return 0

    return _contest_command(args, work)


def cmd_contest_erase(args) -> int:
    from sqlalchemy import select

    from bot.contest import registration
    from bot.core import staff
    from bot.db.models import User

    async def work(session, pack, contest, now) -> int:
        if args.all:
            touched = await registration.erase_contest(session, contest.id, now)
        else:
            channel, user_id = staff.parse_identity(args.identity)
            user = (await session.execute(select(User).where(
                User.channel == channel, User.channel_user_id == user_id))).scalar_one_or_none()
            touched = await registration.erase(session, user.id, now, contest.id) if user else 0
        print(f"Đã xóa họ tên, chức vụ của {touched} đăng ký trong cuộc thi {contest.id}.")
        return 0

    if not args.all and not args.identity:
        print("Cần <kênh>:<mã người dùng> hoặc --all.", file=sys.stderr)
        return 2
    return _contest_command(args, work)


def cmd_contest_rescore(args) -> int:
    from bot.contest.rescore import rescore

    async def work(session, pack, contest, now) -> int:
        recount = await rescore(session, contest, pack.bank(contest.bank))
        print(f"Đã chấm lại {contest.id}: {recount.answers_changed} câu trả lời và "
              f"{recount.attempts_changed} lượt thi thay đổi điểm.")
        if recount.missing_questions:
            print("Câu hỏi không còn trong ngân hàng (giữ nguyên kết quả): "
                  + ", ".join(sorted(recount.missing_questions)))
        return 0

    return _contest_command(args, work)


def cmd_contest_bench(args) -> int:
    from bot.contest.bench import run_cli

    return run_cli(args, _settings(args))


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

    contest = sub.add_parser("contest", help="cuộc thi trực tuyến").add_subparsers(dest="action", required=True)
    export = contest.add_parser("export", help="xuất kết quả ra tệp .xlsx cho Ban Tổ chức")
    export.add_argument("contest", help="mã cuộc thi")
    export.add_argument("--output", "-o", help="đường dẫn tệp .xlsx")
    export.set_defaults(func=cmd_contest_export)
    for action, text in (("open", "mở cuộc thi ngay"), ("close", "đóng cuộc thi ngay")):
        p = contest.add_parser(action, help=text)
        p.add_argument("contest", help="mã cuộc thi")
        p.set_defaults(func=cmd_contest_window)
    erase = contest.add_parser("erase", help="xóa họ tên, chức vụ (một người, hoặc mọi người với --all)")
    erase.add_argument("contest", help="mã cuộc thi")
    erase.add_argument("identity", nargs="?", help="<kênh>:<mã người dùng>, ví dụ telegram:123456")
    erase.add_argument("--all", action="store_true", help="mọi người dự thi (sau khi đã gửi kết quả)")
    erase.set_defaults(func=cmd_contest_erase)
    rescore = contest.add_parser("rescore", help="chấm lại sau khi sửa đáp án trong ngân hàng câu hỏi")
    rescore.add_argument("contest", help="mã cuộc thi")
    rescore.set_defaults(func=cmd_contest_rescore)
    bench = contest.add_parser("bench", help="đo tải: nhiều cán bộ cùng trả lời (SQLite và PostgreSQL)")
    bench.add_argument("--cadres", type=int, default=2000, help="số cán bộ mô phỏng đồng thời")
    bench.add_argument("--questions", type=int, default=10, help="số câu mỗi lượt")
    bench.add_argument("--think", type=float, default=15.0,
                       help="thời gian suy nghĩ trung bình giữa hai câu (giây); 0 = trả lời liên tục")
    bench.add_argument("--duplicates", type=float, default=0.05, help="tỉ lệ câu bấm hai lần / gửi lại")
    bench.add_argument("--ramp", type=float, default=30.0, help="các cán bộ bắt đầu rải đều trong bấy nhiêu giây")
    bench.add_argument("--in-flight", type=int, default=32,
                       help="số lượt xử lý cùng lúc mỗi tiến trình (như concurrent_updates của kênh Telegram)")
    bench.add_argument("--processes", type=int, default=1,
                       help="số tiến trình trợ lý cùng phục vụ (chỉ PostgreSQL; SQLite luôn một tiến trình)")
    bench.add_argument("--postgres-url", help="cơ sở dữ liệu PostgreSQL riêng cho đo tải (bị ghi dữ liệu thử)")
    bench.add_argument("--backend", choices=["both", "sqlite", "postgres"], default="both",
                       help="đo trên cơ sở dữ liệu nào (mặc định: cả hai)")
    bench.set_defaults(func=cmd_contest_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The terminal chat is for people reading replies: only warnings and errors there.
    setup_logging("WARNING" if args.command == "chat" else get_settings().log_level)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

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


def cmd_feedback(args) -> int:
    from bot.core.services import ContentStore
    from bot.db import migrate
    from bot.db.session import Database
    from bot.feedback import codes, tickets, views

    settings = _settings(args)
    migrate.upgrade(settings.database_url)
    content = ContentStore(settings.content_dir)

    async def main() -> int:
        db = Database(settings.database_url)
        try:
            async with db.session() as session:
                if args.action == "list":
                    found = await (tickets.all_tickets(session) if args.all else tickets.open_tickets(session, 500))
                    for t in found:
                        print("\t".join([t.code, views.status(content, t), views.category(content, t.category),
                                         views.when(t.created_at), views.place(content, t.unit_id, t.place)]))
                    return 0
                code = codes.find_code(args.code)
                ticket = await tickets.by_code(session, code) if code else None
                if ticket is None:
                    print(f"Không tìm thấy phản ánh {args.code}.", file=sys.stderr)
                    return 1
                if args.action == "answer":
                    text = " ".join(args.text).strip()
                    notice = content.text("fb_notice_answer", code=ticket.code, text=text)
                    outcome = await tickets.answer(session, ticket, None, notice)
                else:
                    notice = content.text("fb_notice_resolved", code=ticket.code)
                    outcome = await tickets.resolve(session, ticket, None, notice)
                await session.commit()
                messages = {
                    "done": f"Đã ghi nhận cho {ticket.code}; trợ lý đang chạy sẽ gửi đến người phản ánh.",
                    "already": f"{ticket.code} đã được giải quyết trước đó.",
                    "erased": f"Người gửi {ticket.code} đã yêu cầu xoá dữ liệu; không thể gửi trả lời.",
                }
                print(messages[outcome.value] if outcome.value in messages else outcome.value)
                return 0 if outcome.value == "done" else 1
        finally:
            await db.dispose()

    return asyncio.run(main())


def cmd_zalo_token(args) -> int:
    import aiohttp

    from bot.db import migrate
    from bot.db.session import Database
    from bot.zalo.tokens import TokenError, TokenManager

    settings = _settings(args)
    if not settings.zalo_app_id or not settings.zalo_app_secret:
        print("Chưa cấu hình Zalo: cần ZALO_APP_ID và ZALO_APP_SECRET.", file=sys.stderr)
        return 2
    migrate.upgrade(settings.database_url)

    async def main() -> int:
        db = Database(settings.database_url)
        http = aiohttp.ClientSession()

        async def session() -> aiohttp.ClientSession:
            return http

        tokens = TokenManager(db, settings, session)
        try:
            if args.token_action == "set":
                access = args.access_token or getpass.getpass("Access token: ")
                refresh = args.refresh_token or getpass.getpass("Refresh token: ")
                if not access.strip() or not refresh.strip():
                    print("Cần cả access token và refresh token.", file=sys.stderr)
                    return 2
                await tokens.store(access.strip(), refresh.strip())
                print("Đã lưu cặp token mới; trợ lý sẽ tự làm mới trước khi hết hạn.")
            elif args.token_action == "refresh":
                status = await tokens.status()
                if status is None:
                    print("Chưa có cặp token nào trong cơ sở dữ liệu.", file=sys.stderr)
                    return 1
                await tokens.refresh(stale=None, force=True)
                print("Đã làm mới access token.")
            status = await tokens.status()
            if status is None:
                print("Chưa có cặp token nào: dùng `cchc-bot zalo token set`.")
                return 1
            print(f"Access token hết hạn lúc: {status.access_expires_at:%Y-%m-%d %H:%M} (UTC)")
            if status.refresh_expires_at:
                print(f"Refresh token hết hạn lúc: {status.refresh_expires_at:%Y-%m-%d %H:%M} (UTC)")
            if status.refreshed_at:
                print(f"Làm mới lần cuối: {status.refreshed_at:%Y-%m-%d %H:%M} (UTC)")
            return 0
        except TokenError as exc:
            print(f"Không làm mới được token: {exc}", file=sys.stderr)
            return 1
        finally:
            await http.close()
            await db.dispose()

    return asyncio.run(main())


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

    feedback = sub.add_parser("feedback", help="phản ánh, kiến nghị của người dân").add_subparsers(
        dest="action", required=True)
    listing = feedback.add_parser("list", help="liệt kê phản ánh chưa giải quyết (mã, tình trạng, lĩnh vực…)")
    listing.add_argument("--all", action="store_true", help="cả những phản ánh đã giải quyết")
    answer = feedback.add_parser("answer", help="trả lời người phản ánh: feedback answer PA-2026-000001 nội dung")
    answer.add_argument("code")
    answer.add_argument("text", nargs="+")
    resolve = feedback.add_parser("resolve", help="đánh dấu đã giải quyết và báo người phản ánh")
    resolve.add_argument("code")
    for p in (listing, answer, resolve):
        p.set_defaults(func=cmd_feedback)
    zalo = sub.add_parser("zalo", help="kênh Zalo OA").add_subparsers(dest="action", required=True)
    token = zalo.add_parser("token", help="cặp token truy cập của OA").add_subparsers(
        dest="token_action", required=True)
    token.add_parser("status", help="xem hạn của token (không in token ra)")
    token_set = token.add_parser("set", help="lưu cặp token mới lấy từ trang Zalo for Developers")
    token_set.add_argument("--access-token", help="bỏ trống để nhập ẩn")
    token_set.add_argument("--refresh-token", help="bỏ trống để nhập ẩn")
    token.add_parser("refresh", help="làm mới access token ngay")
    for p in token.choices.values():
        p.set_defaults(func=cmd_zalo_token)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The terminal chat is for people reading replies: only warnings and errors there.
    setup_logging("WARNING" if args.command == "chat" else get_settings().log_level)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

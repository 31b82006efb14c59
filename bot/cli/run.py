"""`run`, `chat`, `migrate`: the bot itself; `scheduler`, `worker`: the campaign processes."""

from __future__ import annotations

import argparse
import asyncio
import getpass

from bot.cli.common import Subparsers, _settings


def register(subparsers: Subparsers) -> None:
    run = subparsers.add_parser("run", help="chạy trợ lý (web chat, và Telegram nếu có token)")
    run.add_argument("--port", type=int)
    run.set_defaults(func=cmd_run)

    chat = subparsers.add_parser(
        "chat", help="trò chuyện với trợ lý trong cửa sổ dòng lệnh",
        description="Trò chuyện như người dân. Danh tính trong cuộc trò chuyện là terminal:<tên> "
                    "(--user, mặc định tên đăng nhập máy); để dùng lệnh cán bộ: "
                    "cchc-bot staff grant terminal:<tên> editor.")
    chat.add_argument("--json", action="store_true", help="mỗi câu trả lời một dòng JSON")
    chat.add_argument("--user", default=getpass.getuser(),
                      help="tên của danh tính terminal:<tên>, giữ nguyên giữa các lần chạy "
                           "(mặc định: tên đăng nhập máy)")
    chat.set_defaults(func=cmd_chat)

    mig = subparsers.add_parser("migrate", help="cập nhật cấu trúc cơ sở dữ liệu")
    mig.add_argument("--down", metavar="REVISION", help="hạ về phiên bản (vd. base)")
    mig.set_defaults(func=cmd_migrate)


def register_processes(subparsers: Subparsers) -> None:
    sched = subparsers.add_parser("scheduler", help="chạy bộ lập lịch chiến dịch (một tiến trình cho cả hệ thống)")
    sched.add_argument("--workers", type=int, default=1, help="số tiến trình gửi chạy kèm (mặc định 1)")
    sched.set_defaults(func=cmd_scheduler)
    worker = subparsers.add_parser("worker", help="chạy thêm tiến trình gửi tin (PostgreSQL)")
    worker.add_argument("--workers", type=int, default=1, help="số bộ gửi trong tiến trình này")
    worker.set_defaults(func=cmd_worker)


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import serve

    settings = _settings(args)
    if args.port:
        settings = settings.model_copy(update={"web_port": args.port})
    return asyncio.run(serve(settings))


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.app import build_services
    from bot.channels.terminal import run_chat
    from bot.conversation.conversation import Conversation
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


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.db import migrate

    settings = _settings(args)
    if args.down:
        migrate.downgrade(settings.database_url, args.down)
    else:
        migrate.upgrade(settings.database_url)
    print("Cơ sở dữ liệu đã cập nhật.")
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    from bot.processes import run_process

    settings = _settings(args)
    return asyncio.run(run_process(settings, scheduler=True, workers=args.workers))


def cmd_worker(args: argparse.Namespace) -> int:
    from bot.processes import run_process

    settings = _settings(args)
    return asyncio.run(run_process(settings, scheduler=False, workers=args.workers))

"""`feedback list | answer | resolve`: citizens' feedback tickets."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.common import Subparsers, _settings


def register(subparsers: Subparsers) -> None:
    feedback = subparsers.add_parser("feedback", help="phản ánh, kiến nghị của người dân").add_subparsers(
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


def cmd_feedback(args: argparse.Namespace) -> int:
    from bot.db import migrate
    from bot.db.session import Database
    from bot.faq.served import AnsweringContent
    from bot.feedback import actions, codes, tickets, views

    settings = _settings(args)
    migrate.upgrade(settings.database_url)
    content = AnsweringContent(settings.content_dir)

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
                    outcome = await actions.answer(session, content, ticket, None, text)
                else:
                    outcome = await actions.resolve(session, content, ticket, None)
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

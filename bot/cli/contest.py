"""`contest export | open | close | erase | rescore | bench`: the online contest."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import Subparsers, _settings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.content.schema import ContentPack
    from bot.content.schema_quiz import Contest

    # What a contest command does with the contest named; returns the exit code.
    Work = Callable[[AsyncSession, ContentPack, Contest, datetime], Awaitable[int]]


def register(subparsers: Subparsers) -> None:
    contest = subparsers.add_parser("contest", help="cuộc thi trực tuyến").add_subparsers(dest="action", required=True)
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
    bench = contest.add_parser("bench", help="đo tải từ bên ngoài: nhiều người cùng nhắn qua API khung chat "
                                            "(SQLite và PostgreSQL)")
    bench.add_argument("--scenario", choices=["contest", "questions"], default="contest",
                       help="contest: cán bộ thi trắc nghiệm; questions: người dân gõ câu hỏi tự do")
    bench.add_argument("--cadres", type=int, default=2000, help="số cán bộ mô phỏng đồng thời")
    bench.add_argument("--citizens", type=int, default=200, help="số người dân mô phỏng (kịch bản questions)")
    bench.add_argument("--questions", type=int, default=10, help="số câu mỗi lượt thi / mỗi người dân hỏi")
    bench.add_argument("--think", type=float, default=15.0,
                       help="thời gian suy nghĩ trung bình giữa hai câu (giây); 0 = trả lời liên tục")
    bench.add_argument("--duplicates", type=float, default=0.05, help="tỉ lệ câu bấm hai lần / gửi lại")
    bench.add_argument("--ramp", type=float, default=30.0, help="các cán bộ bắt đầu rải đều trong bấy nhiêu giây")
    bench.add_argument("--processes", type=int, default=1,
                       help="số tiến trình trợ lý cùng phục vụ (chỉ PostgreSQL; SQLite luôn một tiến trình)")
    bench.add_argument("--postgres-url", help="cơ sở dữ liệu PostgreSQL riêng cho đo tải (bị ghi dữ liệu thử)")
    bench.add_argument("--backend", choices=["both", "sqlite", "postgres"], default="both",
                       help="đo trên cơ sở dữ liệu nào (mặc định: cả hai)")
    bench.set_defaults(func=cmd_contest_bench)


def _contest_command(args: argparse.Namespace, work: Work) -> int:
    """Run `work(session, pack, contest, now)` for the contest named on the command line."""
    from bot.content.loader import ContentError, load
    from bot.db import migrate
    from bot.db.session import Database
    from bot.kernel.clock import utcnow

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


def cmd_contest_export(args: argparse.Namespace) -> int:
    from bot.contest.export import export

    async def work(session: AsyncSession, pack: ContentPack, contest: Contest, now: datetime) -> int:
        stamp = now.strftime("%Y%m%d-%H%M")
        path = Path(args.output) if args.output else Path(f"ket-qua-{contest.id}-{stamp}.xlsx")
        await export(session, pack, contest, now, path)
        print(f"Đã xuất kết quả cuộc thi {contest.id}: {path}")
        return 0

    return _contest_command(args, work)


def cmd_contest_window(args: argparse.Namespace) -> int:
    from bot.contest import window

    async def work(session: AsyncSession, pack: ContentPack, contest: Contest, now: datetime) -> int:
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


def cmd_contest_erase(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot import staff
    from bot.contest import registration
    from bot.db.models import User

    async def work(session: AsyncSession, pack: ContentPack, contest: Contest, now: datetime) -> int:
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


def cmd_contest_rescore(args: argparse.Namespace) -> int:
    from bot.contest.rescore import rescore

    async def work(session: AsyncSession, pack: ContentPack, contest: Contest, now: datetime) -> int:
        bank = pack.bank(contest.bank)
        assert bank is not None  # the loader checks that a contest's bank exists
        recount = await rescore(session, contest, bank)
        print(f"Đã chấm lại {contest.id}: {recount.answers_changed} câu trả lời và "
              f"{recount.attempts_changed} lượt thi thay đổi điểm.")
        if recount.missing_questions:
            print("Câu hỏi không còn trong ngân hàng (giữ nguyên kết quả): "
                  + ", ".join(sorted(recount.missing_questions)))
        return 0

    return _contest_command(args, work)


def cmd_contest_bench(args: argparse.Namespace) -> int:
    from bot.bench.load import run_cli

    return run_cli(args, _settings(args))

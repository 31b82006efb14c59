"""`content gaps [mark | bench]`: the questions the bot could not answer, grouped, and the
editors' marks on them (the domain functions are in `bot/faq/gaps.py`)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from bot.cli.common import Subparsers, _settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.faq.gaps import GapGroup

T = TypeVar("T")

STATES = {"to_write": "cần viết", "answered": "đã trả lời bằng", "ignored": "bỏ qua"}


def register(content: Subparsers) -> None:
    gaps = content.add_parser(
        "gaps", help="các câu hỏi trợ lý chưa trả lời được hoặc chưa chắc, gộp theo nhóm, hỏi nhiều nhất trước")
    gaps.add_argument("--period", help="khoảng thời gian: 30 (số ngày gần nhất, mặc định), all, 2026Q3, 2026H1, "
                                       "2026 hoặc 2026-07-01..2026-07-31")
    gaps.add_argument("--limit", type=int, default=20, help="số nhóm in ra (mặc định 20)")
    gaps.add_argument("--all", action="store_true", help="cả các nhóm đã bỏ qua hoặc đã trả lời")
    gaps.set_defaults(func=cmd_gaps)
    actions = gaps.add_subparsers(dest="gaps_action")
    mark = actions.add_parser("mark", help="đánh dấu một nhóm: cần viết, đã trả lời bằng một mục, hoặc bỏ qua")
    mark.add_argument("group", help="mã nhóm (cột đầu của danh sách)")
    how = mark.add_mutually_exclusive_group(required=True)
    how.add_argument("--write", action="store_true", help="cần viết câu trả lời mới (vẫn hiện, vẫn đếm)")
    how.add_argument("--ignore", action="store_true", help="bỏ qua: không hiện nữa, kể cả khi được hỏi lại")
    how.add_argument("--answered-by", metavar="MÃ_MỤC",
                     help="đã có câu trả lời: thêm các cách hỏi vào mục này trong gói nội dung và nạp lại")
    how.add_argument("--clear", action="store_true", help="bỏ đánh dấu")
    mark.add_argument("--by", help="người đánh dấu (mặc định cli:<tên người dùng máy>)")
    mark.set_defaults(func=cmd_gaps_mark)
    bench = actions.add_parser("bench", help="đo thời gian CPU gộp nhóm các câu hỏi đã ghi")
    bench.add_argument("--questions", type=int, default=20_000, help="số câu hỏi sinh ra (mặc định 20000)")
    bench.set_defaults(func=cmd_gaps_bench)


def _in_session(args: argparse.Namespace, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from bot.db import migrate
    from bot.db.session import Database

    settings = _settings(args)
    migrate.upgrade(settings.database_url)

    async def main() -> T:
        db = Database(settings.database_url)
        try:
            async with db.session() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await db.dispose()

    return asyncio.run(main())


def _day(moment: datetime | None) -> str:
    from bot.kernel.clock import VN

    return f"{moment.astimezone(VN):%d/%m/%Y}" if moment else "–"


def _mark_line(group: GapGroup) -> str | None:
    mark = group.mark
    if mark is None:
        return None
    what = STATES[mark.state] + (f" {mark.entry_id}" if mark.entry_id else "")
    by = f"{mark.marked_by}, " if mark.marked_by else ""
    return f"đánh dấu: {what} ({by}{_day(mark.marked_at)})"


def cmd_gaps(args: argparse.Namespace) -> int:
    from bot.content.loader import ContentError, load_pack
    from bot.faq.gaps import GapError, list_gaps, window

    settings = _settings(args)
    try:
        period = window(args.period)
        abbreviations = load_pack(settings.content_dir).abbreviations
    except GapError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"Nội dung KHÔNG hợp lệ — {len(exc.issues)} lỗi; chạy `cchc-bot content validate`.", file=sys.stderr)
        return 1
    groups = _in_session(args, lambda s: list_gaps(s, abbreviations, since=period.since, until=period.until,
                                                   limit=args.limit, everything=args.all))
    if not groups:
        print(f"Không có câu hỏi nào chưa trả lời được ({period.label}).")
        return 0
    print(f"Câu hỏi chưa trả lời được hoặc chưa chắc, gộp theo nhóm, hỏi nhiều nhất trước ({period.label}):")
    print("  mã nhóm      lần  người  gợi ý  lần đầu     lần cuối    câu hỏi")
    pad = " " * 15
    for g in groups:
        print(f"  {g.id}  {g.count:4d}  {g.people:5d}  {g.suggested:5d}  {_day(g.first_seen)}  "
              f"{_day(g.last_seen)}  {g.question}")
        others = [f"{w.text} ({w.count})" for w in g.wordings if w.text != g.question][:4]
        if others:
            print(f"{pad}cách hỏi khác: " + "; ".join(others)
                  + (f"; … và {len(g.wordings) - 5} cách khác" if len(g.wordings) > 5 else ""))
        if g.chosen:
            print(f"{pad}người hỏi đã chọn: " + ", ".join(f"{e} ({n})" for e, n in g.chosen.most_common(3)))
        if line := _mark_line(g):
            print(pad + line)
    print("Đánh dấu một nhóm: cchc-bot content gaps mark <mã nhóm> --write | --ignore | --answered-by <mã mục>")
    return 0


def _who(args: argparse.Namespace) -> str:
    if args.by:
        return str(args.by)
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in this environment
        return "cli"


def cmd_gaps_mark(args: argparse.Namespace) -> int:
    from bot.content.loader import ContentError
    from bot.content.store import ContentStore
    from bot.faq import gaps

    settings = _settings(args)
    try:
        store = ContentStore(settings.content_dir)
    except ContentError as exc:
        print(f"Nội dung KHÔNG hợp lệ — {len(exc.issues)} lỗi; chạy `cchc-bot content validate`.", file=sys.stderr)
        return 1
    abbreviations, by = store.pack.abbreviations, _who(args)

    async def work(session: AsyncSession) -> gaps.GapGroup | gaps.Answered:
        if args.answered_by:
            return await gaps.mark_answered(session, store, args.group, args.answered_by, by=by)
        if args.write:
            return await gaps.mark_to_write(session, abbreviations, args.group, by=by)
        if args.ignore:
            return await gaps.mark_ignored(session, abbreviations, args.group, by=by)
        return await gaps.clear_mark(session, abbreviations, args.group)

    try:
        done = _in_session(args, work)
    except gaps.GapError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return 2
    if isinstance(done, gaps.Answered):
        g = done.group
        file = done.file.relative_to(settings.content_dir.resolve()) if done.file.is_relative_to(
            settings.content_dir.resolve()) else done.file
        if done.added:
            print(f"Đã thêm {len(done.added)} cách hỏi vào mục {done.entry_id} ({file}):")
            for text in done.added:
                print(f"  - {text}")
            print("Nội dung hợp lệ, đã nạp lại; trợ lý đang chạy áp dụng ở lần kiểm tra tệp kế tiếp.")
        else:
            print(f"Mục {done.entry_id} đã có sẵn mọi cách hỏi của nhóm; không sửa tệp nào.")
        print(f"Nhóm {g.id} «{g.question}» đã đánh dấu: đã trả lời bằng {done.entry_id}.")
    elif done.mark is None:
        print(f"Đã bỏ đánh dấu nhóm {done.id} «{done.question}».")
    elif done.mark.state == gaps.GapState.IGNORED:
        print(f"Đã bỏ qua nhóm {done.id} «{done.question}»: các câu hỏi này không hiện lại, kể cả khi được hỏi lại.")
    else:
        print(f"Nhóm {done.id} «{done.question}» đã đánh dấu: cần viết. Câu hỏi mới của nhóm vẫn được đếm.")
    return 0


def cmd_gaps_bench(args: argparse.Namespace) -> int:
    from bot.bench.gaps import run

    for line in run(args.questions):
        print(line)
    return 0

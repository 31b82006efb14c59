"""`cchc-bot`: run the bot, chat in the terminal, migrate, validate and reload content, manage
staff, evaluate and benchmark the question answerer, list content gaps."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
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
        f"{len(pack.campaigns)} chiến dịch trong lịch, "
        f"{len(pack.banks)} ngân hàng câu hỏi thi ({sum(len(b.questions) for b in pack.banks)} câu), "
        f"{len(pack.contests)} cuộc thi."
    )
    if loaded.operator_fields:
        print(f"Các trường người vận hành cần điền ({len(loaded.operator_fields)}) — "
              f"xem `cchc-bot content todo`:")
        for field in loaded.operator_fields:
            print(f"  {field.file}: {field.field}")
    stale = _stale_mentions(settings.content_dir, pack.info.province_code)
    if stale:
        print(f"Cảnh báo — tên đơn vị hành chính, cơ quan không còn từ năm 2025 ({len(stale)}):")
        for mention in stale:
            print(f"  {mention}")
    return 0


def _stale_mentions(root: Path, province_code: int | None) -> list:
    """Names that no longer exist in citizen-facing text: the pack's `stale.yaml`, and the
    former provinces and districts of the administrative map ("Huyện Châu Thành", "TP Sóc Trăng")."""
    from bot.content import stale
    from bot.places.former import former_names

    names = stale.stale_names(root)
    for former in former_names(province_code) if province_code else ():
        names.append(former.name)
        if former.level == "district":
            names += [f"{abbr} {former.short}" for abbr in stale.ABBREVIATIONS.get(former.kind, ())]
    return stale.check(root, names)


def cmd_content_todo(args) -> int:
    """The go-live checklist: every operator field with its file, line and what to put there."""
    from bot.content.loader import ContentError, load
    from bot.content.todo import operator_fields

    settings = _settings(args)
    try:
        messages = load(settings.content_dir).pack.messages
    except ContentError as exc:
        print(f"Nội dung KHÔNG hợp lệ — {len(exc.issues)} lỗi; chạy `cchc-bot content validate`.", file=sys.stderr)
        return 2
    items = operator_fields(settings.content_dir)
    if not items:
        print("Không còn trường nào chờ người vận hành điền: gói nội dung sẵn sàng.")
        return 0
    print(f"Trước khi đưa trợ lý vào sử dụng: {len(items)} trường còn ghi \"<cần điền>\" "
          f"(trợ lý không bao giờ hiển thị các trường này cho người dân).")
    for item in items:
        hint = item.note or messages.get(f"todo_{item.name}") or messages.get("todo_default", "")
        print(f"  {item.file}:{item.line}  {item.field} — {hint}")
    return 1 if args.strict else 0


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


def cmd_campaign(args) -> int:
    from bot.app import build_services
    from bot.db import migrate

    settings = _settings(args)
    if args.action == "bench":
        from scheduler import bench

        return bench.main(args, settings)
    migrate.upgrade(settings.database_url)

    async def main() -> int:
        from scheduler import cli_ops

        services = build_services(settings)
        try:
            return await cli_ops.run(services, args)
        finally:
            await services.db.dispose()

    return asyncio.run(main())


def _served_version(url: str) -> str | None:
    """The content version a running bot reports on /healthz; None when none answers."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return str(json.loads(resp.read()).get("content", {}).get("version"))
    except (OSError, ValueError, AttributeError):
        return None


def cmd_content_reload(args) -> int:
    """Validate, then ask every bot process serving this pack to reload it, and confirm."""
    import time

    from bot.content.watch import content_version, request_reload

    settings = _settings(args)
    if cmd_content_validate(args) != 0:
        print("Không áp dụng: trợ lý đang chạy vẫn dùng nội dung cũ.", file=sys.stderr)
        return 1
    version = content_version(settings.content_dir)
    request_reload(settings.content_dir)
    url = args.url or f"http://{settings.web_host}:{settings.web_port}/healthz"
    served = _served_version(url)
    if served is None:
        print(f"Không thấy trợ lý đang chạy tại {url}: nội dung mới (phiên bản {version}) "
              "sẽ được dùng khi khởi động.")
        return 0
    deadline = time.monotonic() + args.wait
    while served != version:
        if time.monotonic() >= deadline:
            print(f"Trợ lý tại {url} vẫn phục vụ phiên bản {served}, chưa nhận phiên bản {version}. "
                  "Kiểm tra CONTENT_POLL_SECONDS (0 là tắt) hoặc khởi động lại.", file=sys.stderr)
            return 2
        time.sleep(0.25)
        served = _served_version(url) or served
    print(f"Trợ lý đang chạy đã áp dụng nội dung mới (phiên bản {version}).")
    return 0


DATA = Path("tests") / "data"


def _data_files(args, default: list[str]) -> list[Path]:
    """The labelled sets named with --file, or the default ones that exist."""
    from bot.config import ROOT

    if args.file:
        return [Path(f) for f in args.file]
    found: list[Path] = []
    for pattern in default:
        found += sorted((ROOT / DATA).glob(pattern))
    return found


EVAL_SETS = ["faq_eval.yaml", "eval_citizens.yaml"]
DEV_SETS = ["faq_dev.yaml", "dev_*.yaml"]


def _labelled(args, default: list[str]):
    """The pack, its answerer and the queries of the labelled sets, or an exit code."""
    from bot.content.loader import ContentError, load_pack
    from bot.faq.answerer import QuestionAnswerer
    from bot.faq.evaluation import EvalSetError, load_eval_set

    settings = _settings(args)
    files = _data_files(args, default)
    try:
        pack = load_pack(settings.content_dir)
        ids = {e.id for e in pack.faq} | {g.id for g in pack.guides}
        queries = [q for f in files for q in load_eval_set(f, ids)]
    except (ContentError, EvalSetError) as exc:
        print(str(exc), file=sys.stderr)
        return None
    return QuestionAnswerer(pack), files, queries


def _intents():
    """The intents the conversation carries out, as the bot's router has them."""
    from bot.core.features import build_router

    router = build_router()
    return frozenset(router.intents), dict(router.detectors)


def cmd_faq_eval(args) -> int:
    from bot.faq.answerer import Thresholds
    from bot.faq.evaluation import TARGETS, evaluate, sweep

    loaded = _labelled(args, EVAL_SETS)
    if loaded is None:
        return 2
    answerer, files, queries = loaded
    actions, detectors = _intents()
    if args.sweep:
        print("tin cậy  gợi ý   top-1   giúp được  từ chối NPV  sai chắc chắn  hỏi lại")
        grid = [Thresholds(confident=c, plausible=p) for c in (40, 50, 60, 70)
                for p in (20, 25, 30, 35, 40, 45) if p <= c]
        for t, f in sweep(answerer, queries, grid, actions, detectors):
            print(f"{t.confident:6.0f}  {t.plausible:5.0f}   {f['top1']:6.1%}  {f['helped']:8.1%}  "
                  f"{f['declined']:10.1%}  {f['confidently_wrong']:12.1%}  {f['suggested']:8.1%}")
        return 0
    report = evaluate(answerer, queries, actions, detectors)
    f = report.figures
    names = ", ".join(str(p.relative_to(p.parents[2])) if len(p.parents) > 2 else str(p) for p in files)
    print(f"Bộ câu hỏi đánh giá: {names} — {len(report.in_scope)} trong phạm vi, "
          f"{len(report.out_of_scope)} ngoài phạm vi, {len(report.not_covered)} chưa có nội dung")
    rows = [("top-1 (trong phạm vi):", "top1", "≥"),
            ("giúp được (đúng chủ đề ở câu trả lời hoặc nút):", "helped", "≥"),
            ("ngoài phạm vi được từ chối:", "declined", "≥"),
            ("trả lời chắc chắn mà sai (ngoài phạm vi, chưa có nội dung):", "confidently_wrong", "≤")]
    for label, key, sign in rows:
        print(f"  {label:60s} {f[key]:6.1%}  (mục tiêu {sign} {TARGETS[key]:.0%})")
    print(f"  {'top-3:':60s} {f['top3']:6.1%}")
    print(f"  {'trả lời thẳng, đúng:':60s} {f['answered_right']:6.1%}")
    print(f"  {'trả lời thẳng, sai (trong phạm vi):':60s} {f['answered_wrong']:6.1%}")
    asked_back = 'hỏi lại "Có phải bạn muốn hỏi…":'
    print(f"  {asked_back:60s} {f['suggested']:6.1%}")
    print(f"  {'chưa có nội dung được từ chối:':60s} {f['nc_declined']:6.1%}")
    print("  top-1 theo kiểu câu hỏi: " + ", ".join(
        f"{style} {rate:.0%} ({n})" for style, (n, rate) in report.by_style().items()))
    failures = report.failures()
    if args.failures and failures:
        print(f"Các câu chưa đạt ({len(failures)}):")
        for why, o in failures:
            got = o.intent or ", ".join(f"{c.id} {c.score:.0f}" for c in o.answer.ranked[:3]) or "—"
            print(f"  [{why}] {o.query.q!r} → cần {o.query.expect or 'từ chối'}; được {got}")
    below = report.below_targets()
    if below:
        print("CHƯA ĐẠT mục tiêu: " + ", ".join(below), file=sys.stderr)
        return 1
    print("Đạt mọi mục tiêu.")
    return 0


def cmd_faq_calibrate(args) -> int:
    """Fit the match models on labelled questions; print the weights for bot/faq/model.py."""
    from bot.faq import calibrate
    from bot.faq.evaluation import EvalSetError, load_eval_set
    from bot.faq.model import NAMES, TOP_NAMES

    loaded = _labelled(args, DEV_SETS)
    if loaded is None:
        return 2
    answerer, files, queries = loaded
    try:
        ids = {e.id for e in answerer.index.entries}
        held_out = load_eval_set(Path(args.check), ids) if args.check else []
    except EvalSetError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    searched = calibrate.search_all(answerer, queries)
    model = calibrate.fit_models(searched)
    print(f"Trọng số khớp trên {', '.join(f.name for f in files)} ({len(searched)} câu):")
    for label, names, weights, bias in (("xếp hạng", NAMES, model.weights, model.bias),
                                        ("độ tin cậy", TOP_NAMES, model.top_weights, model.top_bias)):
        print(f"  {label}: " + ", ".join(f"{n} {w:.3f}" for n, w in zip(names, weights, strict=True))
              + f", bias {bias:.3f}")
    print(f"WEIGHTS = {model.weights}\nBIAS = {model.bias}")
    print(f"TOP_WEIGHTS = {model.top_weights}\nTOP_BIAS = {model.top_bias}")
    t = answerer.thresholds
    _print_figures("kiểm tra chéo 5 phần", calibrate.cross_validated(searched, t))
    if held_out:
        _print_figures(f"trên {args.check}",
                       calibrate.figures(calibrate.search_all(answerer, held_out), model, t))
    return 0


def _print_figures(label: str, f: dict[str, float]) -> None:
    print(f"{label}: top-1 {f['top1']:.1%}, giúp được {f['helped']:.1%}, ngoài phạm vi được từ chối "
          f"{f['declined']:.1%}, trả lời chắc chắn mà sai {f['confidently_wrong']:.1%}, "
          f"trong phạm vi trả lời sai {f['answered_wrong']:.1%}")


def cmd_faq_gaps(args) -> int:
    from bot.db import migrate
    from bot.db.session import Database
    from bot.faq.gaps import content_gaps

    settings = _settings(args)
    migrate.upgrade(settings.database_url)

    async def main() -> list:
        db = Database(settings.database_url)
        try:
            async with db.session() as session:
                return await content_gaps(session, args.days or None, args.limit)
        finally:
            await db.dispose()

    gaps = asyncio.run(main())
    period = f"{args.days} ngày qua" if args.days else "toàn bộ thời gian"
    if not gaps:
        print(f"Không có câu hỏi nào chưa trả lời được trong {period}.")
        return 0
    print(f"Câu hỏi chưa trả lời được, hỏi nhiều nhất trước ({period}):")
    print("  lần  người  gợi ý  câu hỏi (đã chuẩn hóa)")
    for gap in gaps:
        print(f"  {gap.count:4d}  {gap.people:5d}  {gap.suggested:5d}  {gap.question}")
        others = [w for w, _ in gap.wordings.most_common(4) if w != gap.question][:3]
        if others:
            print("                     cách hỏi khác: " + "; ".join(others))
        if gap.chosen:
            print("                     người hỏi đã chọn: " + ", ".join(
                f"{entry} ({n})" for entry, n in gap.chosen.most_common(3)))
    return 0


def cmd_faq_bench(args) -> int:
    from bot.content.loader import ContentError, load_pack
    from bot.faq import bench
    from bot.faq.evaluation import EvalSetError, load_eval_set

    settings = _settings(args)
    try:
        pack = load_pack(settings.content_dir)
    except ContentError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        queries = [q.q for f in _data_files(args, EVAL_SETS) for q in load_eval_set(f)]
    except EvalSetError:
        from bot.core.text import strip_marks

        queries = [strip_marks(e.question).lower() for e in pack.faq]
    if not queries or not pack.faq:
        print("Gói nội dung chưa có câu hỏi nào để đo.", file=sys.stderr)
        return 2
    core = bench.pin_to_one_core()
    print(f"Đo trên {core}; {len(queries)} câu hỏi mỗi lượt, {args.rounds} lượt.")
    print("  gói                 mục   dựng chỉ mục  bộ nhớ chỉ mục  p50/câu   p99/câu   chậm nhất"
          "  p99 thô")
    for label, p in (("nội dung đang dùng", pack),
                     (f"mở rộng {args.entries}", bench.scaled_pack(pack, args.entries))):
        r = bench.run(label, p, queries, args.rounds)
        print(f"  {r.label:18s} {r.entries:5d}  {r.build_ms:9.1f} ms  {r.index_mib:10.1f} MiB"
              f"  {r.p50_ms:6.2f} ms  {r.p99_ms:6.2f} ms  {r.max_ms:7.2f} ms  {r.raw_p99_ms:6.2f} ms")
    print("(thời gian một câu: lượt nhanh nhất trong các lượt, mỗi lượt một chỉ mục mới; "
          "p99 thô: mọi lần đo, gồm cả nhiễu do tiến trình khác)")
    return 0


def cmd_places_bench(args) -> int:
    from bot.content.loader import ContentError, load_pack
    from bot.faq.bench import pin_to_one_core
    from bot.places import bench

    settings = _settings(args)
    try:
        code = args.province or load_pack(settings.content_dir).info.province_code
    except ContentError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if code is None:
        print("Gói nội dung chưa có province_code (pack.yaml); dùng --province.", file=sys.stderr)
        return 2
    core = pin_to_one_core()
    startup_ms, book = bench.start_up(code)
    sets = bench.query_sets(book, national=args.national)
    total = sum(len(q) for q in sets.values())
    print(f"Tra địa chỉ — {book.province.name} (mã {code}); đo trên {core}; {total} câu mỗi lượt, "
          f"{args.rounds} lượt.")
    print(f"  khởi động (đọc dữ liệu thư viện, dựng sổ địa chỉ): {startup_ms:.0f} ms")
    print("  nhóm câu tra                 số câu  tìm được   p50/câu   p99/câu  chậm nhất   p99 thô")
    timings = [bench.run(book, label, queries, args.rounds) for label, queries in sets.items()]
    every = bench.run(book, "tất cả", [q for queries in sets.values() for q in queries], 1)
    for t in [*timings, every]:
        print(f"  {t.label:26s} {t.queries:7d} {t.found:9d}  {t.p50_ms:6.2f} ms  {t.p99_ms:6.2f} ms"
              f"  {t.max_ms:6.2f} ms  {t.raw_p99_ms:6.2f} ms")
    print("(thời gian một câu: lượt nhanh nhất, không dùng bộ nhớ đệm của phép tra; "
          "dòng “tất cả”: một lượt; p99 thô: mọi lần đo; mục tiêu p99 ≤ 20 ms)")
    return 0


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


def cmd_scheduler(args) -> int:
    from scheduler.processes import run_process

    settings = _settings(args)
    return asyncio.run(run_process(settings, scheduler=True, workers=args.workers))


def cmd_worker(args) -> int:
    from scheduler.processes import run_process

    settings = _settings(args)
    return asyncio.run(run_process(settings, scheduler=False, workers=args.workers))


def _campaign_parser(sub) -> None:
    campaign = sub.add_parser("campaign", help="chiến dịch truyền thông: soạn, lên lịch, theo dõi")
    actions = campaign.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="tạo chiến dịch (mặc định: gửi ngay sau khi tạo)")
    create.add_argument("--title", required=True, help="tiêu đề")
    text = create.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="nội dung tin")
    text.add_argument("--text-file", help="đọc nội dung từ tệp (UTF-8)")
    create.add_argument("--image", help="ảnh kèm theo (địa chỉ http(s) hoặc mã tệp của kênh)")
    create.add_argument("--link", help="đường dẫn cho nút «Xem chi tiết»")
    create.add_argument("--link-label", help="nhãn nút đường dẫn")
    create.add_argument("--audience", default="all",
                        help="all | topic:<mã chủ đề> | units:<mã>,<mã> | channel:<kênh> (mặc định all)")
    create.add_argument("--channel", help="chỉ gửi trên kênh này (telegram, zalo)")
    when = create.add_mutually_exclusive_group()
    when.add_argument("--at", help="thời điểm gửi, giờ Việt Nam: \"25/12/2026 08:00\"")
    when.add_argument("--cron", help="lịch định kỳ, giờ Việt Nam: \"0 8 * * mon\"")
    create.add_argument("--urgent", action="store_true", help="khẩn: gửi cả trong giờ yên tĩnh")
    create.add_argument("--draft", action="store_true", help="chỉ lưu bản nháp, chưa lên lịch")
    actions.add_parser("list", help="các chiến dịch gần đây")
    for name, help_text in (("show", "tiến độ và số liệu"), ("preview", "xem trước như người nhận thấy"),
                            ("confirm", "xác nhận bản nháp"), ("pause", "tạm dừng"), ("resume", "tiếp tục"),
                            ("cancel", "hủy"),
                            ("resend-uncertain", "gửi lại các tin chưa rõ đã tới chưa (có thể trùng)")):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("id", type=int)
    bench = actions.add_parser("bench", help="đo hiệu năng gửi với máy chủ Telegram giả lập")
    bench.add_argument("--only", default="abcd", help="các phép đo: a, b, c, d (mặc định abcd)")
    bench.add_argument("--recipients", type=int, default=100_000, help="số người nhận cho (c) và (d)")
    bench.add_argument("--seconds", type=float, default=60.0, help="cửa sổ đo cho (b)")
    bench.add_argument("--postgres", help="URL PostgreSQL để đo thêm trên PostgreSQL")
    campaign.set_defaults(func=cmd_campaign)

    sched = sub.add_parser("scheduler", help="chạy bộ lập lịch chiến dịch (một tiến trình cho cả hệ thống)")
    sched.add_argument("--workers", type=int, default=1, help="số tiến trình gửi chạy kèm (mặc định 1)")
    sched.set_defaults(func=cmd_scheduler)
    worker = sub.add_parser("worker", help="chạy thêm tiến trình gửi tin (PostgreSQL)")
    worker.add_argument("--workers", type=int, default=1, help="số bộ gửi trong tiến trình này")
    worker.set_defaults(func=cmd_worker)


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
    todo = content.add_parser("todo", help="việc cần làm trước khi đưa vào sử dụng: các trường người vận hành cần điền")
    todo.add_argument("--strict", action="store_true", help="trả mã lỗi 1 khi còn trường chưa điền")
    todo.set_defaults(func=cmd_content_todo)
    reload = content.add_parser(
        "reload", help="kiểm tra rồi áp dụng nội dung mới cho trợ lý đang chạy, không cần khởi động lại")
    reload.add_argument("--url", help="địa chỉ /healthz của trợ lý đang chạy (mặc định từ WEB_HOST, WEB_PORT)")
    reload.add_argument("--wait", type=float, default=15.0, help="số giây chờ trợ lý xác nhận (mặc định 15)")
    reload.set_defaults(func=cmd_content_reload)

    faq = sub.add_parser("faq", help="hỏi đáp: đánh giá, câu hỏi chưa trả lời được, đo tốc độ")
    faq = faq.add_subparsers(dest="action", required=True)
    ev = faq.add_parser("eval", help="đo độ chính xác trên bộ câu hỏi có nhãn")
    ev.add_argument("--file", action="append",
                    help="bộ câu hỏi (nhắc lại để dùng nhiều bộ; mặc định tests/data/faq_eval.yaml "
                         "và eval_citizens.yaml)")
    ev.add_argument("--failures", action="store_true", help="liệt kê các câu chưa đạt")
    ev.add_argument("--sweep", action="store_true", help="in kết quả theo từng ngưỡng tin cậy")
    ev.set_defaults(func=cmd_faq_eval)
    cal = faq.add_parser("calibrate", help="khớp trọng số mô hình đối sánh trên bộ câu hỏi phát triển")
    cal.add_argument("--file", action="append",
                     help="bộ câu hỏi để khớp (mặc định tests/data/faq_dev.yaml và dev_*.yaml)")
    cal.add_argument("--check", help="bộ câu hỏi để kiểm tra (không dùng để khớp)")
    cal.set_defaults(func=cmd_faq_calibrate)
    gaps = faq.add_parser("gaps", help="các câu hỏi chưa trả lời được, hỏi nhiều nhất trước")
    gaps.add_argument("--days", type=int, default=30, help="số ngày gần nhất (0 = tất cả; mặc định 30)")
    gaps.add_argument("--limit", type=int, default=20, help="số câu hỏi in ra (mặc định 20)")
    gaps.set_defaults(func=cmd_faq_gaps)
    bn = faq.add_parser("bench", help="đo thời gian dựng chỉ mục, thời gian mỗi câu hỏi và bộ nhớ")
    bn.add_argument("--entries", type=int, default=2000, help="số mục của gói mở rộng (mặc định 2000)")
    bn.add_argument("--rounds", type=int, default=3, help="số lượt đo (mặc định 3)")
    bn.add_argument("--file", action="append", help="các câu hỏi để đo (mặc định các bộ câu hỏi đánh giá)")
    bn.set_defaults(func=cmd_faq_bench)

    places = sub.add_parser("places", help="địa chỉ sau sắp xếp đơn vị hành chính")
    places = places.add_subparsers(dest="action", required=True)
    pb = places.add_parser("bench", help="đo thời gian tra địa chỉ cũ → xã, phường mới (một lõi CPU)")
    pb.add_argument("--province", type=int, help="mã tỉnh, thành phố (mặc định: province_code của gói nội dung)")
    pb.add_argument("--rounds", type=int, default=3, help="số lượt đo (mặc định 3)")
    pb.add_argument("--national", type=int, default=500, help="số địa chỉ cũ lấy mẫu trên cả nước (mặc định 500)")
    pb.set_defaults(func=cmd_places_bench)

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
    _campaign_parser(sub)

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

"""`faq eval | calibrate | bench`: how well, and how fast, free text is answered (the
questions it could not answer: `content gaps`, `bot/cli/gaps.py`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import Subparsers, _settings

if TYPE_CHECKING:
    from bot.conversation.router import Detector
    from bot.faq.answerer import QuestionAnswerer
    from bot.faq.evaluation import EvalQuery


def register(subparsers: Subparsers) -> None:
    faq = subparsers.add_parser("faq", help="hỏi đáp: đánh giá, khớp mô hình, đo tốc độ")
    actions = faq.add_subparsers(dest="action", required=True)
    ev = actions.add_parser("eval", help="đo độ chính xác trên bộ câu hỏi có nhãn")
    ev.add_argument("--file", action="append",
                    help="bộ câu hỏi (nhắc lại để dùng nhiều bộ; mặc định tests/data/faq_eval.yaml "
                         "và eval_citizens.yaml)")
    ev.add_argument("--failures", action="store_true", help="liệt kê các câu chưa đạt")
    ev.add_argument("--sweep", action="store_true", help="in kết quả theo từng ngưỡng tin cậy")
    ev.set_defaults(func=cmd_faq_eval)
    cal = actions.add_parser("calibrate", help="khớp trọng số mô hình đối sánh trên bộ câu hỏi phát triển")
    cal.add_argument("--file", action="append",
                     help="bộ câu hỏi để khớp (mặc định tests/data/faq_dev.yaml và dev_*.yaml)")
    cal.add_argument("--check", help="bộ câu hỏi để kiểm tra (không dùng để khớp)")
    cal.set_defaults(func=cmd_faq_calibrate)
    bn = actions.add_parser("bench", help="đo thời gian dựng chỉ mục, thời gian mỗi câu hỏi và bộ nhớ")
    bn.add_argument("--entries", type=int, default=2000, help="số mục của gói mở rộng (mặc định 2000)")
    bn.add_argument("--rounds", type=int, default=3, help="số lượt đo (mặc định 3)")
    bn.add_argument("--file", action="append", help="các câu hỏi để đo (mặc định các bộ câu hỏi đánh giá)")
    bn.set_defaults(func=cmd_faq_bench)


DATA = Path("tests") / "data"


def _data_files(args: argparse.Namespace, default: list[str]) -> list[Path]:
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


def _labelled(args: argparse.Namespace,
              default: list[str]) -> tuple[QuestionAnswerer, list[Path], list[EvalQuery]] | None:
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


def _intents() -> tuple[frozenset[str], dict[str, Detector]]:
    """The intents the conversation carries out, as the bot's router has them."""
    from bot.conversation.features import build_router

    router = build_router()
    return frozenset(router.intents), dict(router.detectors)


def cmd_faq_eval(args: argparse.Namespace) -> int:
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


def cmd_faq_calibrate(args: argparse.Namespace) -> int:
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


def cmd_faq_bench(args: argparse.Namespace) -> int:
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
        from bot.kernel.text import strip_marks

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

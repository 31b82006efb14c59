"""`places bench`: the address look-up (old address → ward now)."""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import Subparsers, _settings


def register(subparsers: Subparsers) -> None:
    places = subparsers.add_parser("places", help="địa chỉ sau sắp xếp đơn vị hành chính")
    actions = places.add_subparsers(dest="action", required=True)
    pb = actions.add_parser("bench", help="đo thời gian tra địa chỉ cũ → xã, phường mới (một lõi CPU)")
    pb.add_argument("--province", type=int, help="mã tỉnh, thành phố (mặc định: province_code của gói nội dung)")
    pb.add_argument("--rounds", type=int, default=3, help="số lượt đo (mặc định 3)")
    pb.add_argument("--national", type=int, default=500, help="số địa chỉ cũ lấy mẫu trên cả nước (mặc định 500)")
    pb.set_defaults(func=cmd_places_bench)


def cmd_places_bench(args: argparse.Namespace) -> int:
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
    assert book.province is not None  # a book built for a province
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

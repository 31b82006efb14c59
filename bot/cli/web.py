"""`web push-keys | bench`: the web chat's Web Push keys, and its benchmark."""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import Subparsers, _settings


def register(subparsers: Subparsers) -> None:
    web = subparsers.add_parser("web", help="khung chat trên cổng thông tin")
    actions = web.add_subparsers(dest="action", required=True)
    keys = actions.add_parser("push-keys", help="tạo cặp khóa VAPID cho thông báo trên trình duyệt (Web Push)")
    keys.add_argument("--subject", default="mailto:<cần điền>",
                      help="địa chỉ liên hệ cho dịch vụ push: mailto:email-cua-bo-phan-CNTT hoặc https://…")
    bench = actions.add_parser("bench", help="đo tải khung chat: nhiều phiên cùng hỏi, và gửi một chiến dịch")
    bench.add_argument("--sessions", type=int, default=1000, help="số phiên trình duyệt cùng lúc (mặc định 1000)")
    bench.add_argument("--questions", type=int, default=3, help="số câu hỏi mỗi phiên (mặc định 3)")
    bench.add_argument("--think", type=float, default=20.0,
                       help="giây giữa hai câu hỏi của một phiên, trung bình (mặc định 20: đọc trả lời, gõ câu sau)")
    bench.add_argument("--ramp", type=float, default=20.0,
                       help="các phiên bắt đầu rải trong bấy nhiêu giây (mặc định 20)")
    bench.add_argument("--subscribers", type=int, default=10_000,
                       help="số người đăng ký nhận tin trên khung chat cho phép đo gửi chiến dịch (mặc định 10000)")
    bench.add_argument("--postgres", help="URL PostgreSQL (một cơ sở dữ liệu riêng để đo) để đo thêm trên PostgreSQL")
    web.set_defaults(func=cmd_web)


def cmd_web(args: argparse.Namespace) -> int:
    if args.action == "push-keys":
        return push_keys(args.subject)
    from bot.bench import web as bench

    return bench.run_cli(args, _settings(args))


def push_keys(subject: str) -> int:
    from bot.channels.webpush import vapid_keys

    private, public = vapid_keys()
    print("# Thông báo trên trình duyệt (Web Push): chép ba dòng này vào tệp .env rồi khởi động lại trợ lý.")
    print("# Giữ kín khóa riêng (PRIVATE). Đổi cặp khóa thì các trình duyệt đã đăng ký phải đăng ký lại.")
    print(f"WEBPUSH_VAPID_PRIVATE_KEY={private}")
    print(f"WEBPUSH_VAPID_PUBLIC_KEY={public}")
    print(f"WEBPUSH_VAPID_SUBJECT={subject}")
    if "<cần điền>" in subject:
        print("Nhớ điền WEBPUSH_VAPID_SUBJECT: mailto:địa-chỉ-email của bộ phận CNTT (dịch vụ push dùng để liên hệ).",
              file=sys.stderr)
    return 0

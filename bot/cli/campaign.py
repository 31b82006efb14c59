"""`campaign create | list | show | preview | confirm | pause | resume | cancel | resend-uncertain | bench`."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import Subparsers, _settings


def register(subparsers: Subparsers) -> None:
    campaign = subparsers.add_parser("campaign", help="chiến dịch truyền thông: soạn, lên lịch, theo dõi")
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
    create.add_argument("--channel", help="chỉ gửi trên kênh này (telegram, zalo, web)")
    when = create.add_mutually_exclusive_group()
    when.add_argument("--at", help="thời điểm gửi, giờ Việt Nam: \"25/12/2026 08:00\"")
    when.add_argument("--cron", help="lịch định kỳ, giờ Việt Nam: \"0 8 * * mon\"")
    create.add_argument("--urgent", action="store_true", help="khẩn: gửi cả trong giờ yên tĩnh")
    create.add_argument("--draft", action="store_true", help="chỉ lưu bản nháp, chưa lên lịch")
    create.add_argument("--yes", action="store_true",
                        help="xác nhận luôn cả khi không có người nhận nào hoặc rất nhiều người nhận")
    actions.add_parser("list", help="các chiến dịch gần đây")
    for name, help_text in (("show", "tiến độ và số liệu"), ("preview", "xem trước như người nhận thấy"),
                            ("confirm", "xác nhận bản nháp"), ("pause", "tạm dừng"), ("resume", "tiếp tục"),
                            ("cancel", "hủy"),
                            ("resend-uncertain", "gửi lại các tin chưa rõ đã tới chưa (có thể trùng)")):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("id", type=int)
        if name == "confirm":
            action.add_argument("--yes", action="store_true",
                                help="xác nhận cả khi không có người nhận nào hoặc rất nhiều người nhận")
    bench = actions.add_parser("bench", help="đo hiệu năng gửi với máy chủ Telegram giả lập")
    bench.add_argument("--only", default="abcd",
                       help="các phép đo: a, b, c, d, e (e: nhiều tiến trình gửi, cần --postgres; mặc định abcd)")
    bench.add_argument("--recipients", type=int, default=100_000, help="số người nhận cho (c) và (d)")
    bench.add_argument("--seconds", type=float, default=60.0, help="cửa sổ đo cho (b)")
    bench.add_argument("--postgres", help="URL PostgreSQL để đo thêm trên PostgreSQL")
    campaign.set_defaults(func=cmd_campaign)


def cmd_campaign(args: argparse.Namespace) -> int:
    from bot.app import build_services
    from bot.db import migrate

    settings = _settings(args)
    if args.action == "bench":
        from bot.bench import campaign as bench

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

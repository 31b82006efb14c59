"""`zalo token status | set | refresh`: the Zalo OA's token pair."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from bot.cli.common import Subparsers, _settings


def register(subparsers: Subparsers) -> None:
    zalo = subparsers.add_parser("zalo", help="kênh Zalo OA").add_subparsers(dest="action", required=True)
    token = zalo.add_parser("token", help="cặp token truy cập của OA").add_subparsers(
        dest="token_action", required=True)
    token.add_parser("status", help="xem hạn của token (không in token ra)")
    token_set = token.add_parser("set", help="lưu cặp token mới lấy từ trang Zalo for Developers")
    token_set.add_argument("--access-token", help="bỏ trống để nhập ẩn")
    token_set.add_argument("--refresh-token", help="bỏ trống để nhập ẩn")
    token.add_parser("refresh", help="làm mới access token ngay")
    for p in token.choices.values():
        p.set_defaults(func=cmd_zalo_token)


def cmd_zalo_token(args: argparse.Namespace) -> int:
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

"""`staff grant | revoke | invite | list`: staff roles."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.common import Subparsers, _settings

# Who a staff identity names, on each channel (also in the README, section Staff).
IDENTITIES = """Danh tính cán bộ có dạng <kênh>:<mã người dùng>:
  telegram:<chat id>   mã số người dùng Telegram (ví dụ telegram:123456789)
  zalo:<user id>       mã người theo dõi Zalo OA
  web:<phiên>          phiên trò chuyện trên trang web
  terminal:<tên>       cchc-bot chat --user <tên> (không có --user: tên đăng nhập máy)
Ví dụ: cchc-bot staff grant terminal:an editor, rồi cchc-bot chat --user an."""


def register(subparsers: Subparsers) -> None:
    staff = subparsers.add_parser("staff", help="quyền cán bộ quản trị", description=IDENTITIES,
                                  formatter_class=argparse.RawDescriptionHelpFormatter,
                                  ).add_subparsers(dest="action", required=True)
    staff_parser = staff.add_parser  # the identities, in every action's help
    grant = staff_parser("grant", help="cấp quyền: staff grant telegram:123 editor",
                         description=IDENTITIES, formatter_class=argparse.RawDescriptionHelpFormatter)
    grant.add_argument("identity", help="<kênh>:<mã người dùng>, ví dụ telegram:123456, terminal:an")
    grant.add_argument("role", choices=["editor", "admin"])
    revoke = staff_parser("revoke", help="thu hồi quyền",
                          description=IDENTITIES, formatter_class=argparse.RawDescriptionHelpFormatter)
    revoke.add_argument("identity", help="<kênh>:<mã người dùng>, như khi cấp quyền")
    invite = staff.add_parser("invite", help="tạo mã mời dùng một lần")
    invite.add_argument("role", choices=["editor", "admin"])
    invite.add_argument("--days", type=int, default=7)
    staff.add_parser("list", help="liệt kê cán bộ quản trị")
    for p in (grant, revoke, invite):
        p.set_defaults(func=cmd_staff)
    staff.choices["list"].set_defaults(func=cmd_staff)


def cmd_staff(args: argparse.Namespace) -> int:
    from bot import staff
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
                    people = await staff.list_staff(session)
                    for user in people:
                        print(f"{user.channel}:{user.channel_user_id}\t{user.role}")
                    if not people:
                        print("Chưa có cán bộ quản trị nào. Cấp quyền: cchc-bot staff grant "
                              "<kênh>:<mã> editor|admin (ví dụ terminal:an), hoặc tạo mã mời: "
                              "cchc-bot staff invite admin.", file=sys.stderr)
                await session.commit()
            return 0
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        finally:
            await db.dispose()

    return asyncio.run(main())

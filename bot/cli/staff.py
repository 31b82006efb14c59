"""`staff grant | revoke | invite | list | signin | sessions | signout`: staff roles, one-time
codes and the console's sessions."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.common import Subparsers, _settings

ROLES = ["editor", "admin", "feedback", "contest"]
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
    grant.add_argument("role", choices=ROLES)
    grant.add_argument("--name", help="họ tên cán bộ (hiện trong trang quản trị)")
    revoke = staff_parser("revoke", help="thu hồi quyền (và kết thúc các phiên đăng nhập)",
                          description=IDENTITIES, formatter_class=argparse.RawDescriptionHelpFormatter)
    revoke.add_argument("identity", help="<kênh>:<mã người dùng>, như khi cấp quyền")
    invite = staff.add_parser("invite", help="tạo mã mời dùng một lần")
    invite.add_argument("role", choices=ROLES)
    invite.add_argument("--days", type=int, default=7)
    invite.add_argument("--name", help="họ tên người được mời (hiện trong trang quản trị)")
    signin = staff.add_parser("signin", help="mã đăng nhập trang quản trị cho một cán bộ: staff signin telegram:123")
    signin.add_argument("identity")
    staff.add_parser("list", help="liệt kê cán bộ quản trị")
    staff.add_parser("sessions", help="các phiên đăng nhập trang quản trị đang mở")
    signout = staff.add_parser("signout", help="kết thúc phiên đăng nhập: của một cán bộ, hoặc --session SỐ")
    signout.add_argument("identity", nargs="?")
    signout.add_argument("--session", type=int, help="số phiên (xem staff sessions)")
    for p in (grant, revoke, invite, signin, signout):
        p.set_defaults(func=cmd_staff)
    staff.choices["list"].set_defaults(func=cmd_staff)
    staff.choices["sessions"].set_defaults(func=cmd_staff)


def _link(public_url: str | None, code: str) -> str:
    return f"{public_url.rstrip('/')}/admin/login?code={code}" if public_url else f"/admin/login?code={code}"


def cmd_staff(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot import staff
    from bot.db import migrate
    from bot.db.models import Role, User
    from bot.db.session import Database
    from bot.kernel.clock import utcnow
    from bot.kernel.timing import local
    from bot.staff import audit, sessions

    settings = _settings(args)
    migrate.upgrade(settings.database_url)

    def log(session: AsyncSession, action: str, target: str | None = None, **detail: str | int) -> None:
        audit.record(session, actor="dòng lệnh", action=action, target=target, surface=audit.CLI, detail=detail)

    async def person(session: AsyncSession, identity: str) -> User | None:
        channel, user_id = staff.parse_identity(identity)
        return (await session.execute(select(User).where(
            User.channel == channel, User.channel_user_id == user_id))).scalar_one_or_none()

    async def main() -> int:
        db = Database(settings.database_url)
        now = utcnow()
        try:
            async with db.session() as session:
                if args.action == "grant":
                    channel, user_id = staff.parse_identity(args.identity)
                    granted = await staff.grant(session, channel, user_id, Role(args.role), name=args.name)
                    await session.flush()
                    log(session, "role_granted", f"user:{granted.id}", role=args.role)
                    print(f"Đã cấp quyền {args.role} cho {channel}:{user_id}.")
                elif args.action == "revoke":
                    channel, user_id = staff.parse_identity(args.identity)
                    former = await person(session, args.identity)
                    if former is None or not await staff.revoke(session, channel, user_id):
                        print(f"{channel}:{user_id} không phải cán bộ quản trị.", file=sys.stderr)
                        return 1
                    await sessions.revoke_all(session, former.id, now)
                    log(session, "role_revoked", f"user:{former.id}")
                    print(f"Đã thu hồi quyền của {channel}:{user_id}.")
                elif args.action == "invite":
                    code = await staff.create_invite(session, Role(args.role), args.days, name=args.name)
                    log(session, "invite", f"role:{args.role}", name=args.name or "")
                    print(f"Mã mời ({args.role}, dùng một lần, hạn {args.days} ngày): {code}")
                    print(f"Người được mời đăng nhập trang quản trị: {_link(settings.public_url, code)}")
                    print(f"hoặc gửi cho trợ lý: /kichhoat {code}")
                elif args.action == "signin":
                    member = await person(session, args.identity)
                    if member is None or not Role(member.role).is_console_staff:
                        print(f"{args.identity} không phải cán bộ quản trị.", file=sys.stderr)
                        return 1
                    code = await staff.create_sign_in_code(session, member)
                    log(session, "sign_in_code", f"user:{member.id}")
                    print(f"Mã đăng nhập cho {args.identity} (dùng một lần, hạn {staff.SIGN_IN_CODE_MINUTES} phút): "
                          f"{code}")
                    print(f"Đăng nhập: {_link(settings.public_url, code)}")
                elif args.action == "sessions":
                    idle = timedelta(minutes=settings.console_idle_minutes)
                    live = await sessions.live(session, now, idle)
                    if not live:
                        print("Không có phiên đăng nhập nào đang mở.")
                    for row, user in live:
                        print(f"{row.id}\t{staff.display_name(user)}\t{user.role}\tbắt đầu {local(row.created_at)}"
                              f"\tdùng lần cuối {local(row.last_seen_at)}")
                elif args.action == "signout":
                    if args.session is not None:
                        if not await sessions.revoke(session, args.session, now):
                            print(f"Không có phiên số {args.session} đang mở.", file=sys.stderr)
                            return 1
                        log(session, "session_revoked", f"session:{args.session}")
                        print(f"Đã kết thúc phiên số {args.session}.")
                    elif args.identity:
                        whose = await person(session, args.identity)
                        ended = await sessions.revoke_all(session, whose.id, now) if whose is not None else 0
                        if whose is not None:
                            log(session, "sessions_revoked", f"user:{whose.id}", sessions=ended)
                        print(f"Đã kết thúc {ended} phiên đăng nhập của {args.identity}.")
                    else:
                        print("Cần chỉ rõ cán bộ (ví dụ telegram:123) hoặc --session SỐ.", file=sys.stderr)
                        return 2
                else:
                    people = await staff.list_staff(session)
                    for user in people:
                        print(f"{user.channel}:{user.channel_user_id}\t{user.role}"
                              + (f"\t{user.staff_name}" if user.staff_name else ""))
                    if not people:
                        print("Chưa có cán bộ quản trị nào. Cấp quyền: cchc-bot staff grant "
                              "<kênh>:<mã> editor|admin|feedback|contest (ví dụ terminal:an), hoặc tạo mã mời: "
                              "cchc-bot staff invite admin.", file=sys.stderr)
                await session.commit()
            return 0
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        finally:
            await db.dispose()

    return asyncio.run(main())

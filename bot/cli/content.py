"""`content validate | todo | reload | gaps`: the content pack."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli import gaps
from bot.cli.common import Subparsers, _settings


def register(subparsers: Subparsers) -> None:
    content = subparsers.add_parser("content", help="gói nội dung").add_subparsers(dest="action", required=True)
    content.add_parser("validate", help="kiểm tra gói nội dung").set_defaults(func=cmd_content_validate)
    todo = content.add_parser("todo", help="việc cần làm trước khi đưa vào sử dụng: các trường người vận hành cần điền")
    todo.add_argument("--strict", action="store_true", help="trả mã lỗi 1 khi còn trường chưa điền")
    todo.set_defaults(func=cmd_content_todo)
    reload = content.add_parser(
        "reload", help="kiểm tra rồi áp dụng nội dung mới cho trợ lý đang chạy, không cần khởi động lại")
    reload.add_argument("--url", help="địa chỉ /healthz của trợ lý đang chạy (mặc định từ WEB_HOST, WEB_PORT)")
    reload.add_argument("--wait", type=float, default=15.0, help="số giây chờ trợ lý xác nhận (mặc định 15)")
    reload.set_defaults(func=cmd_content_reload)
    gaps.register(content)


def cmd_content_validate(args: argparse.Namespace) -> int:
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


def cmd_content_todo(args: argparse.Namespace) -> int:
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


def _served_version(url: str) -> str | None:
    """The content version a running bot reports on /healthz; None when none answers."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return str(json.loads(resp.read()).get("content", {}).get("version"))
    except (OSError, ValueError, AttributeError):
        return None


def cmd_content_reload(args: argparse.Namespace) -> int:
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

"""Loading `web.yaml`, the web chat page's look (optional: without it the page uses the
default colours and a plain chat icon)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.content.schema_web import AA_CONTRAST, EMBLEM_MAX_BYTES, EMBLEM_TYPES, WebBranding, contrast

if TYPE_CHECKING:
    from bot.content.reading import Reader

WHITE = "#ffffff"


def load_web(r: Reader, root: Path, hotline_ids: set[str]) -> WebBranding:
    path = root / "web.yaml"
    if not path.exists():
        return WebBranding()
    data = r.read(path)
    web = r.model(WebBranding, data, path) if data is not None else None
    if web is None:
        return WebBranding()
    if web.emblem is not None:
        emblem = (root / web.emblem).resolve()
        if not emblem.is_relative_to(root) or not emblem.is_file():
            r.add(path, "emblem", f"không có tệp '{web.emblem}' trong gói nội dung")
        elif emblem.suffix.lower() not in EMBLEM_TYPES:
            r.add(path, "emblem", "phải là tệp ảnh " + ", ".join(EMBLEM_TYPES))
        elif emblem.stat().st_size > EMBLEM_MAX_BYTES:
            r.add(path, "emblem", f"tệp ảnh lớn quá {EMBLEM_MAX_BYTES // 1024} KB")
    ratio = contrast(web.colours.primary, WHITE)
    if ratio < AA_CONTRAST:
        r.add(path, "colours.primary", f"chữ trắng trên màu này chỉ tương phản {ratio:.1f}:1, "
                                       f"cần ít nhất {AA_CONTRAST}:1 (WCAG AA): chọn màu đậm hơn")
    if web.footer_hotline is not None and web.footer_hotline not in hotline_ids:
        r.add(path, "footer_hotline", f"không có đường dây nóng '{web.footer_hotline}' trong hotlines.yaml")
    return web

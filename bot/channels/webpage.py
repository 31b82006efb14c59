"""What the browser loads for the web chat: the chat page, branded from the content pack
(`web.yaml`, `pack.yaml`, the `web_*` sentences of the catalogue), its script and style, the
embed script that puts a launcher on the portal's pages, the service worker that shows
Web Push notifications, the emblem and the favicon.

GET /                 the chat page (`?embed=1&origin=<host page origin>` inside the launcher's frame)
GET /static/<name>    chat.js, chat.css (versioned by a hash in the query: cached for a year)
GET /embed.js         the one <script> tag of the portal (README, "Nhúng khung chat")
GET /sw.js            the service worker (scope /)
GET /emblem           the pack's emblem (web.yaml `emblem`)
GET /favicon.ico      the same emblem

Only the portal pages in `settings.webchat_allowed_origins` may frame the page: it answers
with `Content-Security-Policy: frame-ancestors 'self' <allowed origins>`."""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from aiohttp import web

from bot.channels import weborigin
from bot.content.schema import ContentPack, filled
from bot.content.schema_web import EMBLEM_TYPES
from bot.kernel.messages import is_web_url

if TYPE_CHECKING:
    from bot.runtime import Runtime

STATIC = "bot.web.static"
# The page's own files that /static/ serves, with their types.
ASSETS = {"chat.js": "application/javascript", "chat.css": "text/css"}
ERASE_COMMAND = "/xoadulieu"
_SLOT = re.compile(r"\{\{(\w+)\}\}")
YEAR = 365 * 24 * 3600


def _static(name: str) -> str:
    return resources.files(STATIC).joinpath(name).read_text(encoding="utf-8")


def _fill(template: str, values: dict[str, str]) -> str:
    """`{{name}}` slots filled with values already escaped for where they go."""
    return _SLOT.sub(lambda m: values[m.group(1)], template)


def _script_json(value: object) -> str:
    """JSON safe inside a <script> element (no `</script>`, no `<!--`)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def _version(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:12]


# Sentences the script shows, by catalogue key (web_<name>).
SCRIPT_TEXTS = ("typing", "offline", "older", "you_said", "bot_said", "announce_reply", "new_tab",
                "bell_on", "bell_off", "push_on", "push_off", "push_denied", "push_failed", "close")
EMBED_TEXTS = ("launcher", "launcher_label", "unread", "close", "page_title")


@dataclass(frozen=True)
class _Emblem:
    data: bytes
    content_type: str
    version: str


@dataclass(frozen=True)
class _Built:
    """What is rendered once per content version."""

    page: str  # the page with every slot filled but the per-request ones
    embed: str
    emblem: _Emblem


class WebPage:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._assets = {name: _static(name) for name in ASSETS}
        self._asset_versions = {name: _version(text) for name, text in self._assets.items()}
        self._built: tuple[str, _Built] | None = None

    def install(self, app: web.Application) -> None:
        app.router.add_get("/", self.page)
        app.router.add_get("/static/{name}", self.asset)
        app.router.add_get("/embed.js", self.embed)
        app.router.add_get("/sw.js", self.service_worker)
        app.router.add_get("/emblem", self.emblem)
        app.router.add_get("/favicon.ico", self.emblem)

    # -- what is built from the pack ---------------------------------------------------

    def _current(self) -> _Built:
        store = self.runtime.content
        if self._built is None or self._built[0] != store.version:
            self._built = (store.version, self._build(store.pack))
        return self._built[1]

    def _load_emblem(self, pack: ContentPack) -> _Emblem:
        name = pack.web.emblem
        if name is not None:
            path = (self.runtime.content.directory / name).resolve()
            if path.is_file():  # the loader checked it; a file removed since is not served
                data = path.read_bytes()
                return _Emblem(data, EMBLEM_TYPES[path.suffix.lower()], _version(data))
        data = _static("icon.svg").encode("utf-8")
        return _Emblem(data, "image/svg+xml", _version(data))

    def _build(self, pack: ContentPack) -> _Built:
        info, text = pack.info, pack.text
        emblem = self._load_emblem(pack)
        names = {"agency": info.agency, "bot_name": info.bot_name}
        e = html.escape
        portal = filled(info.portal_url)
        portal_link = ""
        if portal and is_web_url(portal):
            portal_link = (f'<a class="tool" href="{e(portal)}" target="_blank" rel="noopener">'
                           f'<svg class="i" aria-hidden="true"><use href="#i-home"/></svg>'
                           f'<span>{e(text("web_portal_link"))}</span>'
                           f'<span class="sr">{e(text("web_new_tab"))}</span></a>')
        texts = {key: text(f"web_{key}", **names) for key in SCRIPT_TEXTS}
        values = {
            "page_title": e(text("web_page_title", **names)),
            "primary": pack.web.colours.primary,  # validated #rrggbb
            "accent": pack.web.colours.accent,
            "emblem_url": f"emblem?v={emblem.version}",
            "emblem_type": emblem.content_type,
            "emblem_alt": e(text("web_emblem_alt", **names)),
            "superior_agency": e(info.superior_agency),
            "agency": e(info.agency),
            "bot_name": e(info.bot_name),
            "portal_link": portal_link,
            "log_label": e(text("web_log_label")),
            "skip": e(text("web_skip")),
            "input_label": e(text("web_input_label")),
            "placeholder": e(text("web_input_placeholder")),
            "send": e(text("web_send")),
            "close": e(text("web_close")),
            "bell_on": e(text("web_bell_on")),
            "hotline": self._hotline(pack),
            "privacy_link": e(text("web_privacy_link")),
            "privacy_title": e(text("web_privacy_title")),
            "privacy_text": "".join(f"<p>{e(line)}</p>" for line in text(
                "web_privacy_text", days=self.runtime.settings.webchat_history_days,
                command=ERASE_COMMAND).splitlines() if line.strip()),
            "erase": e(text("web_privacy_erase")),
            "css_url": f"static/chat.css?v={self._asset_versions['chat.css']}",
            "js_url": f"static/chat.js?v={self._asset_versions['chat.js']}",
            "texts": _script_json(texts | {"erase_command": ERASE_COMMAND}),
        }
        page = _fill(_static("chat.html"), values | {"body_class": "{{body_class}}", "config": "{{config}}"})
        embed_config: dict[str, object] = {key: text(f"web_{key}", **names) for key in EMBED_TEXTS}
        embed_config |= {"primary": pack.web.colours.primary, "emblem": values["emblem_url"],
                         "origins": self.runtime.settings.webchat_allowed_origins}
        embed = _static("embed.js").replace("__CONFIG__", _script_json(embed_config))
        return _Built(page, embed, emblem)

    def _hotline(self, pack: ContentPack) -> str:
        """The footer's hotline: its number as a call link, or "being updated" while the
        pack still waits for the operator to fill it."""
        line = next((h for h in pack.hotlines if h.id == pack.web.footer_hotline), None)
        phone = filled(line.phone) if line else None
        icon = '<svg class="i" aria-hidden="true"><use href="#i-phone"/></svg>'
        if line is None or phone is None:
            return f"{icon}{html.escape(pack.text('web_hotline_pending'))}"
        dial = re.sub(r"[^0-9+]", "", phone)
        label = html.escape(pack.text("web_hotline", name=line.name, phone=phone))
        return f'<a href="tel:{dial}">{icon}{label}</a>'

    # -- handlers ------------------------------------------------------------------------

    def _embed_origin(self, request: web.Request) -> str | None:
        """The host page's origin, when it may frame the page: the frame talks only to it."""
        origin = request.query.get("origin", "").strip().rstrip("/").lower()
        if weborigin.is_allowed(self.runtime.settings.webchat_allowed_origins, origin):
            return origin
        own = f"{request.scheme}://{request.host}".lower()
        return origin if origin == own else None

    async def page(self, request: web.Request) -> web.Response:
        built = self._current()
        embed = request.query.get("embed") == "1"
        config = {"embed": embed, "hostOrigin": self._embed_origin(request) if embed else None}
        body = built.page.replace("{{body_class}}", "embed" if embed else "full", 1).replace(
            "{{config}}", _script_json(config), 1)
        response = web.Response(text=body, content_type="text/html", charset="utf-8")
        allowed = self.runtime.settings.webchat_allowed_origins
        response.headers["Content-Security-Policy"] = weborigin.frame_ancestors(allowed)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Referrer-Policy"] = "same-origin"
        response.enable_compression()
        return response

    async def asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ASSETS:
            raise web.HTTPNotFound()
        response = web.Response(text=self._assets[name], content_type=ASSETS[name], charset="utf-8")
        fresh = request.query.get("v") == self._asset_versions[name]
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if fresh else "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.enable_compression()
        return response

    async def embed(self, _: web.Request) -> web.Response:
        response = web.Response(text=self._current().embed, content_type="application/javascript", charset="utf-8")
        # The portal's pages load it on every view: cached a little, so a change shows soon.
        response.headers["Cache-Control"] = "public, max-age=300"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.enable_compression()
        return response

    async def service_worker(self, _: web.Request) -> web.Response:
        response = web.Response(text=_static("sw.js"), content_type="application/javascript", charset="utf-8")
        response.headers["Service-Worker-Allowed"] = "/"
        response.headers["Cache-Control"] = "no-cache"
        return response

    async def emblem(self, request: web.Request) -> web.Response:
        emblem = self._current().emblem
        response = web.Response(body=emblem.data, content_type=emblem.content_type)
        fresh = request.query.get("v") == emblem.version
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if fresh else "public, max-age=3600"
        response.headers["X-Content-Type-Options"] = "nosniff"
        # An SVG opened on its own is a document: it runs nothing here.
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return response

"""Which pages may use the web chat.

The chat runs in a frame served by the bot itself, so its API is same-origin: no CORS.
Portal pages on the allow-list (`WEBCHAT_ALLOWED_ORIGINS`) may frame it — the
`Content-Security-Policy: frame-ancestors` header says so to the browser — and no other
site may call the API from a visitor's browser: a request whose `Origin` is another site
is refused (it could only be a page using the visitor's session without them)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def frame_ancestors(allowed: list[str]) -> str:
    """The CSP value: the bot's own pages and the allowed portal origins."""
    return "frame-ancestors " + " ".join(["'self'", *allowed])


def is_allowed(allowed: list[str], origin: str) -> bool:
    """Is `origin` (scheme://host[:port], as a browser sends it) on the allow-list?"""
    return origin.rstrip("/").lower() in {o.lower() for o in allowed}


def same_origin(request: web.Request) -> bool:
    """No `Origin` header (not a cross-site browser request), or the bot's own address
    (as the browser reached it: Host, or X-Forwarded-Host behind a reverse proxy)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    host = urlsplit(origin).netloc.lower()
    ours = {h.strip().lower() for h in (request.host, request.headers.get("X-Forwarded-Host", "")) if h}
    return bool(host) and host in ours


def install(app: web.Application, allowed: list[str], refuse: Callable[[], web.Response]) -> None:
    """On /api/*: refuse requests from other sites (403, `refuse()`, one log line), and
    mark every answer as framable only by the allowed pages."""
    policy = frame_ancestors(allowed)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/api/") and not same_origin(request):
            log.warning("web chat request from another site refused",
                        extra={"path": request.path, "origin": request.headers.get("Origin", "")[:200]})
            return refuse()
        return await handler(request)

    async def mark(request: web.Request, response: web.StreamResponse) -> None:
        if request.path.startswith("/api/"):
            response.headers.setdefault("Content-Security-Policy", policy)

    app.middlewares.append(guard)
    app.on_response_prepare.append(mark)

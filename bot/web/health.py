"""GET /healthz: is the database reachable, what each channel is doing, and which content
version is served (`cchc-bot content reload` reads it to confirm a reload)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.db.session import Database


def install(app: web.Application, db: Database, channels: Callable[[], dict[str, str]],
            content: Callable[[], dict] | None = None) -> None:
    async def healthz(_: web.Request) -> web.Response:
        database = "ok" if await db.ping() else "unreachable"
        status = 200 if database == "ok" else 503
        body = {"status": "ok" if status == 200 else "degraded", "database": database,
                "channels": channels()}
        if content is not None:
            body["content"] = content()
        return web.json_response(body, status=status)

    app.router.add_get("/healthz", healthz)

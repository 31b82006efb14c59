"""GET /healthz: is the database reachable, what each channel is doing, which content
version is served (`cchc-bot content reload` reads it to confirm a reload), and the turns
handled and database round trips since start."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.db.session import Database


def install(app: web.Application, db: Database, channels: Callable[[], dict[str, str]],
            content: Callable[[], dict] | None = None, turns: Callable[[], int] | None = None) -> None:
    async def healthz(_: web.Request) -> web.Response:
        database = "ok" if await db.ping() else "unreachable"
        status = 200 if database == "ok" else 503
        body: dict[str, object] = {"status": "ok" if status == 200 else "degraded", "database": database,
                "channels": channels()}
        if content is not None:
            body["content"] = content()
        if turns is not None:  # since start: what a turn costs (the load benchmark reads it)
            body["load"] = {"turns": turns(), "database_round_trips": db.round_trips}
        return web.json_response(body, status=status)

    app.router.add_get("/healthz", healthz)

"""Helpers for the web chat page's browser tests: the bot on one local port, a portal page
that embeds it on another (a second origin), Debian's Chromium, and axe-core."""

from __future__ import annotations

import gzip
import os
import socket
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import BotApp
from tests.test_webchat_browser import CHROMIUM, HAVE_CHROMIUM

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).parent / ".artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_chromium() -> None:
    if not HAVE_CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: Debian's chromium is not installed")
        pytest.skip("Debian's chromium is not installed locally; runs in CI")


@asynccontextmanager
async def bot_server(services, request: pytest.FixtureRequest | None = None):
    """The bot's app on a free port of 127.0.0.1; yields (app, base url)."""
    app = BotApp(services)
    port = free_port()
    await app.start("127.0.0.1", port)
    try:
        yield app, f"http://127.0.0.1:{port}/"
    finally:
        await app.stop()


@asynccontextmanager
async def portal(pages: dict[str, str]):
    """A stand-in for the province's portal: HTML pages by path, on another port (another
    origin); yields its origin."""
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=pages[request.path], content_type="text/html")

    app = web.Application()
    for path in pages:
        app.router.add_get(path, page)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def chromium():
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def axe_violations(page, context: str = "document") -> list[dict]:
    """axe-core's serious and critical violations on the page (WCAG 2.x A and AA rules and
    best practices), each as {id, impact, help, targets}."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the console's CSP allows no inline script.
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    result = await page.evaluate(
        """async (context) => {
            const r = await axe.run(context === 'document' ? document : context,
                {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           targets: v.nodes.map(n => n.target.join(' '))}));
        }""", context)
    return [v for v in result if v["impact"] in ("serious", "critical")]


def gzipped_size(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


def artifact(name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    return str(ARTIFACTS / name)

"""Zalo webhook benchmark: many people talking to the bot at once through the real webhook,
signature check, conversation core, database and OA API client, against the local fake.

    PYTHONPATH=. python -m benchmarks.zalo_webhook [--users 200] [--database-url URL]

Prints turns per second and the latency of a turn (event posted → its last answer
received by the fake) at p50/p95/p99, and checks that every turn was answered once."""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import time

from bot.app import BotApp, build_services
from bot.config import Settings
from bot.db import migrate
from tests.fakes.zalo_api import FakeZaloOA


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def person(fake: FakeZaloOA, uid: str, script: list[tuple[str, int]], latencies: list[float]) -> None:
    for text, answers in script:
        before = len(fake.messages_to(uid))
        started = time.monotonic()
        await fake.user_says(uid, text)
        while len(fake.messages_to(uid)) < before + answers:  # noqa: ASYNC110 (5 ms polling)
            await asyncio.sleep(0.005)
        latencies.append(fake.messages_to(uid)[-1].at - started)


async def main(users: int, database_url: str) -> None:
    fake = FakeZaloOA()
    await fake.start()
    access, refresh = fake.issue_pair()
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        pseudonym_salt="bench",
        zalo_app_id=fake.app_id,
        zalo_app_secret=fake.app_secret,
        zalo_oa_secret_key=fake.oa_secret_key,
        zalo_access_token=access,
        zalo_refresh_token=refresh,
        zalo_api_base_url=fake.base_url,
        zalo_oauth_base_url=fake.base_url,
        zalo_rate_per_second=0,  # the bot's own speed, not the pace it keeps for a real OA
        log_level="WARNING",
    )
    await asyncio.to_thread(migrate.upgrade, database_url)
    services = build_services(settings)
    pack = services.content.pack
    script = [("/start", 2), ("/tintuc", 1), (pack.faq[0].question, 1), ("/menu", 1)]  # (text, answers)
    app = BotApp(services)
    port = _port()
    await app.start("127.0.0.1", port)
    fake.webhook_url = f"http://127.0.0.1:{port}{settings.zalo_webhook_path}"
    latencies: list[float] = []
    started = time.monotonic()
    await asyncio.gather(*(person(fake, f"9{i:018d}", script, latencies) for i in range(users)))
    elapsed = time.monotonic() - started
    await app.stop()
    await fake.close()
    turns = users * len(script)
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    expected = users * sum(a for _, a in script)
    print(
        f"{database_url.split('+')[0]}: {users} people × {len(script)} turns = {turns} turns in {elapsed:.1f} s "
        f"→ {turns / elapsed:.0f} turns/s; latency p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, "
        f"p99 {q[98] * 1000:.0f} ms; messages sent {len(fake.sent)} (expected {expected})"
    )
    assert len(fake.sent) == expected


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    asyncio.run(main(args.users, url))

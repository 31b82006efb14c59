"""The local Bot API fake in a process of its own (for benchmarks, so the fake's work
does not share a CPU core with the code measured). Prints one JSON line with its URLs,
then answers commands on standard input, one JSON line each:
  stats                      ok sends, 429s, most messages one chat got
  window <skip> <seconds>    ok sends per second in [first send + skip, + seconds]
  fleet                      the most ok sends in any one second, and the average rate
  fail429 <retry_after> <min_chat>   the next sendMessage to a chat id ≥ min_chat answers 429
Exits when standard input closes."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

from tests.fakes.telegram_api import ApiError, FakeTelegramAPI, RateLimit


class TargetedFake(FakeTelegramAPI):
    """Can answer a 429 to the next message for a chosen range of chats (a broadcast's)."""

    armed: tuple[int, int] | None = None

    async def _m_sendmessage(self, p, files):
        if self.armed and int(p.get("chat_id", 0)) >= self.armed[1]:
            retry, self.armed = self.armed[0], None
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        return await super()._m_sendmessage(p, files)


def _ok_sends(fake: FakeTelegramAPI) -> list:
    return [c for c in fake.sent if c.method in ("sendMessage", "sendPhoto") and c.ok]


async def main(limited: bool) -> None:
    fake = TargetedFake(strict_chats=False)
    if limited:
        fake.rate_limit = RateLimit()
    await fake.start()
    print(json.dumps({"token": fake.token, "base_url": fake.base_url,
                      "base_file_url": fake.base_file_url}), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().split():
        command, args = line[0], line[1:]
        if command == "stats":
            sends = _ok_sends(fake)
            per_chat = Counter(int(c.params["chat_id"]) for c in sends)
            out = {"ok": len(sends), "429": sum(1 for c in fake.sent if c.status == 429),
                   "max_per_chat": max(per_chat.values(), default=0), "chats": len(per_chat)}
        elif command == "window":
            sends = sorted(c.at for c in _ok_sends(fake))
            start = sends[0] + float(args[0]) if sends else 0.0
            end = start + float(args[1])
            inside = sum(1 for t in sends if start <= t < end)
            out = {"per_second": inside / float(args[1]), "sends": inside}
        elif command == "fleet":
            sends, busiest, first = sorted(c.at for c in _ok_sends(fake)), 0, 0
            for last, at in enumerate(sends):
                while at - sends[first] >= 1.0:
                    first += 1
                busiest = max(busiest, last - first + 1)
            span = sends[-1] - sends[0] if len(sends) > 1 else 0.0
            out = {"busiest": busiest, "per_second": (len(sends) - 1) / span if span else 0.0}
        elif command == "fail429":
            fake.armed = (int(args[0]), int(args[1]))
            out = {"armed": True}
        else:
            out = {"error": command}
        print(json.dumps(out), flush=True)
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(main("--rate-limit" in sys.argv))

"""Noticing content changes while the bot runs.

The running bot polls the pack's files (names, sizes, modification times: a cheap `stat`
per file) and reloads when they changed and then stayed put for one more poll, so a
half-saved file is not read. `cchc-bot content reload`, a separate process, validates the
pack and touches `.reload-request` in the pack directory: every bot process serving that
directory sees it at its next poll — no socket, no signal, and it works with several
processes. Each process reports the version it serves on /healthz."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.content.store import ContentStore

log = logging.getLogger(__name__)

RELOAD_REQUEST = ".reload-request"
ContentStamp = tuple[tuple[str, int, int], ...]


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).rglob("*")
                  if p.is_file() and (not p.name.startswith(".") or p.name == RELOAD_REQUEST))


def content_stamp(directory: Path) -> ContentStamp:
    out = []
    for path in _files(directory):
        try:
            st = path.stat()
        except FileNotFoundError:  # deleted between listing and stat: the next poll sees it
            continue
        out.append((str(path.relative_to(directory)), st.st_size, st.st_mtime_ns))
    return tuple(out)


def content_version(directory: Path) -> str:
    """A hash of the pack's files (the reload request excluded): equal packs, equal versions."""
    digest = hashlib.sha256()
    for path in _files(directory):
        if path.name == RELOAD_REQUEST:
            continue
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + data + b"\0")
    return digest.hexdigest()[:12]


def request_reload(directory: Path) -> None:
    (Path(directory) / RELOAD_REQUEST).write_text(f"{time.time_ns()}\n", encoding="ascii")


class ContentWatcher:
    """Reloads `store` when its files change; an invalid change is refused once (logged
    with its problems) and the old content keeps serving until the files change again."""

    def __init__(self, store: ContentStore, interval: float) -> None:
        self.store, self.interval = store, interval
        self._pending: ContentStamp | None = None

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # a watcher that dies silently would be worse than a log line
                log.exception("content watch failed")

    async def check(self) -> bool:
        """One poll; True when new content was swapped in."""
        stamp = await asyncio.to_thread(content_stamp, self.store.directory)
        refused = self.store.refused[0] if self.store.refused else None
        if stamp in (self.store.stamp, refused):
            self._pending = None
            return False
        if stamp != self._pending:  # changed since the last poll: wait until it settles
            self._pending = stamp
            return False
        self._pending = None
        return not await self.store.reload_async()

"""The content pack being served: read, validated and swapped in as a whole on reload."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.content.loader import ContentError, ContentIssue, load
from bot.content.schema import ContentPack
from bot.content.watch import ContentStamp, content_stamp, content_version

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServedContent:
    """One loaded pack and everything derived from it, swapped in as a whole."""

    pack: ContentPack
    derived: object  # what the serving layer builds from the pack (the FAQ index), or None
    operator_fields: list[ContentIssue]
    version: str  # a hash of the pack's files: the same in every process serving them
    stamp: ContentStamp  # the files' names, sizes and times when they were read


class ContentStore:
    """The pack being served and what is derived from it. A reload reads and indexes the
    new pack first and swaps it in at once; when the new pack is invalid it keeps the old
    one and returns the problems. `ContentWatcher` reloads when the files change.

    What is derived from a pack (the question answerer's index, `bot/faq/served.py`) is
    built by `derive`, in the same worker thread as the read, and swapped in with it."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._served = self._prepare(content_stamp(self.directory))
        # The files' stamp when a change was refused, and why: not retried until they change.
        self.refused: tuple[ContentStamp, list[ContentIssue]] | None = None

    def _prepare(self, stamp: ContentStamp) -> ServedContent:
        # Stamped before reading: a save during the read is seen at the next poll.
        version = content_version(self.directory)
        loaded = load(self.directory)
        return ServedContent(loaded.pack, self.derive(loaded.pack), loaded.operator_fields, version, stamp)

    def derive(self, pack: ContentPack) -> object:
        """What to build from a newly read pack before it is served (nothing here)."""
        return None

    @property
    def pack(self) -> ContentPack:
        return self._served.pack

    @property
    def derived(self) -> object:
        return self._served.derived

    @property
    def operator_fields(self) -> list[ContentIssue]:
        return self._served.operator_fields

    @property
    def version(self) -> str:
        return self._served.version

    @property
    def stamp(self) -> ContentStamp:
        return self._served.stamp

    def reload(self) -> list[ContentIssue]:
        stamp = content_stamp(self.directory)
        try:
            served = self._prepare(stamp)
        except ContentError as exc:
            return self._refuse(stamp, exc)
        self._install(served)
        return []

    async def reload_async(self) -> list[ContentIssue]:
        """Read and index in a worker thread; swap on the event loop, between turns."""
        stamp = await asyncio.to_thread(content_stamp, self.directory)
        try:
            served = await asyncio.to_thread(self._prepare, stamp)
        except ContentError as exc:
            return self._refuse(stamp, exc)
        self._install(served)
        return []

    def _install(self, served: ServedContent) -> None:
        self._served = served
        self.refused = None
        log.info("content reloaded", extra={"version": served.version, "entries": len(served.pack.faq),
                                            "guides": len(served.pack.guides)})

    def _refuse(self, stamp: ContentStamp, exc: ContentError) -> list[ContentIssue]:
        self.refused = (stamp, exc.issues)
        log.error("content reload refused; the previous content keeps serving",
                  extra={"version": self.version, "problems": [str(i) for i in exc.issues[:50]]})
        return exc.issues

    def text(self, key: str, **values: object) -> str:
        info = self.pack.info
        defaults = {"bot_name": info.bot_name, "agency": info.agency, "province": info.province}
        try:
            return self.pack.text(key, **(defaults | values))
        except KeyError:
            log.error("message catalogue key missing", extra={"key": key})
            return self.pack.messages.get("error_generic", key)

"""One broadcast budget per channel for the whole fleet of delivery workers.

Every broadcast send claims the channel's next slot in the database, in one statement on
one row per channel (the database's clock is the only clock), and reports when the
platform answered it. Two rules decide the slot of send number `s`:

  * pace (GCRA, a token bucket without burst): one interval after the previous slot;
  * the platform's own count: at least one second after send `s - rate` was ANSWERED.

The second rule is what holds at every moment, however workers join, leave or die and
however sends are delayed on the way: an answer proves the platform had counted that send
by then, so sends `s - rate` and `s` reach it more than a second apart, and of any
`rate + 1` sends two are a multiple of `rate` apart, so no second, as the platform sees
it, holds more than `rate` of them. At an even pace the answers come back long before they
matter and the rule costs nothing.

Nobody holds a share: a worker that joins takes slots from its first send, and a dead
worker's budget is everyone's at once. Its sends that were never answered count as
answered `IN_FLIGHT` seconds after their slot, so they hold the fleet back at most that
long. Two short statements per send (the claim, and the report in the background): at 30
messages a second, 60 for the fleet.

PostgreSQL only: several workers need it (SQLite runs one worker, paced in-process)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import text

from bot.db.session import Database

log = logging.getLogger(__name__)

IN_FLIGHT = 3.0  # seconds after its slot that an unanswered send stops holding the fleet

_CREATE = text("""INSERT INTO delivery_pace (channel, seq, next_at, ring)
VALUES (:channel, 0, clock_timestamp(), '{}') ON CONFLICT (channel) DO NOTHING""")

# In SET every expression reads the row as it was: `slot` is the old next_at, now, and the
# end of the second of the send `size` claims back (its ring entry), whichever is latest.
_SLOT = ("GREATEST(next_at, clock_timestamp(), "
         "COALESCE(ring[seq % :size + 1], '-infinity'::timestamptz))")
_CLAIM = text(f"""UPDATE delivery_pace SET
    seq = seq + 1,
    next_at = {_SLOT} + make_interval(secs => :interval),
    ring[seq % :size + 1] = {_SLOT} + make_interval(secs => :in_flight)
WHERE channel = :channel
RETURNING seq - 1 AS claimed,
          EXTRACT(EPOCH FROM (next_at - clock_timestamp()))::float8 - :interval AS wait""")

# The send's second ends one second after its answer; only while its ring entry is still
# its own (`size` claims later the entry belongs to another send).
_ANSWERED = text("""UPDATE delivery_pace
SET ring[CAST(:claimed AS bigint) % CAST(:size AS integer) + 1] = clock_timestamp() + interval '1 second'
WHERE channel = :channel AND seq <= CAST(:claimed AS bigint) + CAST(:size AS integer)""")


class FleetPace:
    """The fleet's slots for one channel at `per_second` (> 0)."""

    def __init__(self, db: Database, channel: str, per_second: float) -> None:
        self.db, self.channel = db, channel
        self.interval = 1.0 / per_second
        self.size = max(1, int(per_second))  # sends in any one second
        self._created = False
        self._reports: set[asyncio.Task] = set()

    async def slot(self) -> Callable[[], None]:
        """Wait for this worker's next slot; returns what to call once the platform has
        answered the send (or refused it)."""
        values = {"channel": self.channel, "interval": self.interval, "size": self.size,
                  "in_flight": IN_FLIGHT}
        async with self.db.engine.begin() as conn:
            if not self._created:
                await conn.execute(_CREATE, {"channel": self.channel})
                self._created = True
            claimed, wait = (await conn.execute(_CLAIM, values)).one()
        if wait > 0:
            await asyncio.sleep(wait)
        return lambda: self._answered(claimed)

    def _answered(self, claimed: int) -> None:
        task = asyncio.get_running_loop().create_task(self._report(claimed))
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    async def _report(self, claimed: int) -> None:
        try:
            async with self.db.engine.begin() as conn:
                await conn.execute(_ANSWERED, {"channel": self.channel, "claimed": claimed, "size": self.size})
        except Exception as exc:  # the send then holds the fleet until IN_FLIGHT: slower, never faster
            log.warning("could not report an answered send", extra={"error": str(exc)[:200]})

"""How fast this machine runs Python right now: the yardstick printed beside benchmark
figures (a shared virtual machine's speed drifts by a third from one hour to the next)."""

from __future__ import annotations

import time


def loop_seconds() -> float:
    """Seconds for a pure-Python loop of 10,000,000 additions."""
    started, total = time.perf_counter(), 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started

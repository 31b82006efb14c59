"""An asyncio event loop on a clock of its own, for tests whose subject is timing itself
(the send pacer): when every task waits on a timer, the clock jumps to the next timer at
once. Intervals are then measured exactly, not as a busy machine happens to wake the
process, and the tests take no time. Only for code that keeps time with the loop's clock
(`loop.time()`, `asyncio.sleep`) and does no I/O of its own."""

from __future__ import annotations

import asyncio
import functools
import selectors


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self, loop: VirtualClockLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None):
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # nothing scheduled: only another thread can wake the loop
            return super().select(None)
        self._loop.advance(timeout)  # nothing to do until the next timer: be there now
        return []


class VirtualClockLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._now = 0.0
        super().__init__(_JumpingSelector(self))

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


def on_virtual_clock(test):
    """Run an `async def` test on a `VirtualClockLoop`."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        with asyncio.Runner(loop_factory=VirtualClockLoop) as runner:
            return runner.run(test(*args, **kwargs))

    return run

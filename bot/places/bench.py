"""How fast the address look-up answers, after start-up, on one core.

The queries: every ward of the province by its name now, and "… gồm những xã cũ nào"
(the reverse); every former ward of its former provinces as written on papers, as typed
on a phone (no diacritics), and without the province (the slowest path: the text is
parsed again with each former province added); and a sample of old addresses from the
whole country. Each query is timed without the look-up's cache, once per round; a query's
time is its best round (the noise of a shared machine removed), and the raw p99 of every
timing is printed too. Prints figures, asserts nothing."""

from __future__ import annotations

import gc
import random
import statistics
import time
from dataclasses import dataclass

from bot.kernel.text import strip_marks
from bot.places.legacy import legacy_map
from bot.places.lookup import AddressBook, book_for


@dataclass(frozen=True)
class Timing:
    label: str
    queries: int
    found: int  # how many the look-up resolved (anything but "unknown")
    p50_ms: float
    p99_ms: float
    max_ms: float
    raw_p99_ms: float


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def start_up(province_code: int) -> tuple[float, AddressBook]:
    """Milliseconds to read the library's tables and build the province's book (the first
    call in this process; later ones are cached)."""
    start = time.perf_counter()
    book = book_for(province_code)
    return (time.perf_counter() - start) * 1000, book


def query_sets(book: AddressBook, national: int = 500, seed: int = 7) -> dict[str, list[str]]:
    legacy = legacy_map()
    former = [w for p in book.context for d in legacy.districts_of(p) for w in legacy.wards_of(d) if w.key]
    country = [w for w in legacy.wards.values() if w.key]
    sample = random.Random(seed).sample(country, min(national, len(country)))
    return {
        "xã, phường hiện nay": [w.name for w in book.wards],
        "… gồm những xã cũ nào": [f"{w.name} gồm những xã, phường cũ nào" for w in book.wards],
        "địa chỉ cũ đủ 3 cấp": [f"{w.name}, {w.district.name}, {w.province.name}" for w in former],
        "không dấu, chữ thường": [strip_marks(f"{w.name} {w.district.name} {w.province.short}").lower()
                                  for w in former],
        "thiếu tỉnh": [f"{w.name}, {w.district.name}" for w in former],
        "cả nước (mẫu)": [f"{w.name}, {w.district.name}, {w.province.name}" for w in sample],
    }


def run(book: AddressBook, label: str, queries: list[str], rounds: int = 3) -> Timing:
    times: list[list[float]] = [[] for _ in queries]
    found = 0
    gc.collect()
    for r in range(rounds):
        for i, q in enumerate(queries):
            start = time.perf_counter_ns()
            result = book._lookup(q, None)  # uncached: every round does the whole work
            times[i].append((time.perf_counter_ns() - start) / 1e6)
            found += r == 0 and result.found
    best = [min(t) for t in times]
    return Timing(label, len(queries), found, statistics.median(best), _p99(best), max(best),
                  _p99([x for t in times for x in t]))

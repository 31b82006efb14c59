"""How fast the question answerer is: index build time, time per query, memory.

Run against the shipped pack and against the pack scaled to many entries. The scaled
pack repeats the shipped entries with their phrasings recombined and one made-up syllable
pair each, so the index grows in entries, postings and vocabulary as a real pack would;
its answers mean nothing, only its timings do."""

from __future__ import annotations

import gc
import os
import random
import statistics
import time
import tracemalloc
from dataclasses import dataclass

from bot.content.schema import ContentPack
from bot.faq.answerer import QuestionAnswerer

_ONSETS = "b c ch d g gh h k kh l m n ng nh p ph qu r s t th tr v x".split()
_RHYMES = "a ai am an ang anh ao au ay e em en eng i ia im in inh iu o oi om on ong u ui um un ung uy".split()


@dataclass(frozen=True)
class BenchResult:
    label: str
    entries: int
    build_ms: float
    index_mib: float  # memory the index keeps (tracemalloc)
    p50_ms: float  # over each question's best round (fresh index each round)
    p99_ms: float
    max_ms: float
    raw_p99_ms: float  # over every timing, other processes' noise included
    queries: int


def scaled_pack(pack: ContentPack, entries: int, seed: int = 7) -> ContentPack:
    rng = random.Random(seed)
    faq = list(pack.faq)
    if not faq:
        raise ValueError("the pack has no FAQ entries to scale")
    extra = []
    for i in range(max(0, entries - len(pack.faq) - len(pack.guides))):
        base, other = faq[i % len(faq)], rng.choice(faq)
        made_up = " ".join(rng.choice(_ONSETS) + rng.choice(_RHYMES) for _ in range(2))
        phrasings = [f"{p} {made_up}" for p in base.phrasings] + [f"{other.question} {made_up}"]
        extra.append(base.model_copy(update={
            "id": f"{base.id}-{i}", "question": f"{base.question} {made_up}",
            "phrasings": phrasings, "keywords": [*base.keywords, made_up],
        }))
    return pack.model_copy(update={"faq": faq + extra})


def pin_to_one_core() -> str:
    """Measure on one core, as the target says; returns which, or why not."""
    if not hasattr(os, "sched_setaffinity"):
        return "không ghim được lõi CPU trên hệ điều hành này"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"lõi CPU {core}"


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def run(label: str, pack: ContentPack, queries: list[str], rounds: int = 3) -> BenchResult:
    """Median build time over `rounds` builds. Every question is timed once per round on a
    fresh index (typo corrections never come from a warm cache); a question's time is its
    best round, which removes the scheduler noise of a shared machine — the raw p99 of all
    timings is reported too."""
    builds: list[float] = []
    times: list[list[float]] = [[] for _ in queries]
    warm_up = [e.question for e in pack.faq[:20]]
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        answerer = QuestionAnswerer(pack)
        builds.append((time.perf_counter() - start) * 1000)
        for q in warm_up:
            answerer.answer(q)
        for i, q in enumerate(queries):
            start_ns = time.perf_counter_ns()
            answerer.answer(q)
            times[i].append((time.perf_counter_ns() - start_ns) / 1e6)
    del answerer
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    answerer = QuestionAnswerer(pack)
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    best = [min(t) for t in times]
    return BenchResult(label, len(answerer.index), statistics.median(builds), kept / 2**20,
                       statistics.median(best), _p99(best), max(best),
                       _p99([x for t in times for x in t]), len(queries))

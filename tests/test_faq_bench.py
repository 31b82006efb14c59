"""`cchc-bot faq bench` prints its figures; the scaled pack is a valid, bigger pack.
(Speed is read from the printed figures, never asserted in a timed test.)"""

from __future__ import annotations

import re

from bot.cli import main
from bot.content.schema import ContentPack
from bot.faq.bench import scaled_pack


def test_scaled_pack_has_the_entries_asked_for(faq_store):
    pack = faq_store.pack
    scaled = scaled_pack(pack, 500)
    assert len(scaled.faq) + len(scaled.guides) == 500
    assert len({e.id for e in scaled.faq}) == len(scaled.faq)
    ContentPack.model_validate(scaled.model_dump())  # still a valid pack


def test_bench_prints_build_time_latency_and_memory(faq_store, tmp_path, capsys):
    queries = tmp_path / "queries.yaml"
    queries.write_text('queries:\n  - {q: "cchc la gi", expect: cchc-la-gi}\n'
                       '  - {q: "giá vàng", expect: null}\n', encoding="utf-8")
    argv = ["--content-dir", str(faq_store.directory), "faq", "bench", "--entries", "300",
            "--rounds", "1", "--file", str(queries)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if "MiB" in line]
    assert len(rows) == 2, out
    assert re.search(r"\b300\s+[\d.]+ ms\s+[\d.]+ MiB(\s+[\d.]+ ms){4}$", rows[1]), rows[1]

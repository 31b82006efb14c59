"""Measuring the question answerer on a labelled set of queries.

The set (`tests/data/faq_eval.yaml`) lists queries as citizens type them, each with the
id of the entry that answers it, or `null` when the question is outside what the bot
covers. The figures:

- top-1 / top-3: an in-scope query's expected entry is ranked first / among the first
  three (ranking quality, whatever the bot then decides);
- out-of-scope rejected: an out-of-scope query gets the honest fallback — no answer and
  no "did you mean" suggestions;
- in-scope falsely rejected: an in-scope query gets that fallback.

Also shown: in-scope queries answered directly with the right / a wrong entry, and
out-of-scope queries answered as if they were in scope (the worst outcome)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.answerer import Answer, QuestionAnswerer, Thresholds, decide

TARGETS = {"top1": 0.90, "top3": 0.97, "oos_rejected": 0.90, "false_rejection": 0.05}


@dataclass(frozen=True)
class EvalQuery:
    q: str
    expect: str | None
    style: tuple[str, ...] = ()


class EvalSetError(ValueError):
    pass


def load_eval_set(path: Path, known_ids: set[str] | None = None) -> list[EvalQuery]:
    """Read and check the labelled set; every problem is reported at once."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EvalSetError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("queries"), list):
        raise EvalSetError(f"{path}: queries: phải là một danh sách")
    problems, out = [], []
    for i, item in enumerate(data["queries"]):
        where = f"{path}: queries[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not item["q"].strip():
            problems.append(f"{where}.q: thiếu câu hỏi")
            continue
        expect = item.get("expect")
        if expect is not None and not isinstance(expect, str):
            problems.append(f"{where}.expect: phải là mã câu hỏi/hướng dẫn hoặc null")
            continue
        if expect is not None and known_ids is not None and expect not in known_ids:
            problems.append(f"{where}.expect: không có câu hỏi/hướng dẫn '{expect}'")
        style = item.get("style") or []
        out.append(EvalQuery(item["q"], expect, tuple(style if isinstance(style, list) else [style])))
    if problems:
        raise EvalSetError("\n".join(problems))
    return out


@dataclass
class Outcome:
    query: EvalQuery
    answer: Answer

    @property
    def ranked_ids(self) -> list[str]:
        return [c.id for c in self.answer.ranked]

    def at(self, k: int) -> bool:
        return self.query.expect in self.ranked_ids[:k]


@dataclass
class Report:
    outcomes: list[Outcome]
    in_scope: list[Outcome] = field(init=False)
    out_of_scope: list[Outcome] = field(init=False)

    def __post_init__(self) -> None:
        self.in_scope = [o for o in self.outcomes if o.query.expect is not None]
        self.out_of_scope = [o for o in self.outcomes if o.query.expect is None]

    @staticmethod
    def _rate(items: list[Outcome], test) -> float:
        return sum(1 for o in items if test(o)) / len(items) if items else 0.0

    @property
    def figures(self) -> dict[str, float]:
        ins, oos = self.in_scope, self.out_of_scope
        return {
            "top1": self._rate(ins, lambda o: o.at(1)),
            "top3": self._rate(ins, lambda o: o.at(3)),
            "oos_rejected": self._rate(oos, lambda o: o.answer.outcome == "rejected"),
            "false_rejection": self._rate(ins, lambda o: o.answer.outcome == "rejected"),
            "answered_right": self._rate(
                ins, lambda o: o.answer.best is not None and o.answer.best.id == o.query.expect),
            "answered_wrong": self._rate(
                ins, lambda o: o.answer.best is not None and o.answer.best.id != o.query.expect),
            "suggested": self._rate(ins, lambda o: o.answer.outcome == "suggested"),
            "oos_answered": self._rate(oos, lambda o: o.answer.best is not None),
        }

    def failures(self) -> list[tuple[str, Outcome]]:
        """What went wrong, worst first: wrong answers, then misses, then the rest."""
        out = []
        for o in self.in_scope:
            if o.answer.best is not None and o.answer.best.id != o.query.expect:
                out.append(("trả lời sai", o))
            elif not o.at(1):
                out.append(("xếp hạng sai" if o.at(3) else "không tìm thấy", o))
            elif o.answer.outcome == "rejected":
                out.append(("từ chối nhầm", o))
        for o in self.out_of_scope:
            if o.answer.outcome != "rejected":
                out.append(("ngoài phạm vi nhưng " + ("trả lời" if o.answer.best else "gợi ý"), o))
        return out

    def by_style(self) -> dict[str, tuple[int, float]]:
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.in_scope:
            for s in o.query.style or ("-",):
                groups[s].append(o)
        return {s: (len(g), self._rate(g, lambda o: o.at(1))) for s, g in sorted(groups.items())}

    def below_targets(self) -> list[str]:
        f = self.figures
        out = [k for k in ("top1", "top3", "oos_rejected") if f[k] < TARGETS[k]]
        if f["false_rejection"] > TARGETS["false_rejection"]:
            out.append("false_rejection")
        return out


def evaluate(answerer: QuestionAnswerer, queries: list[EvalQuery]) -> Report:
    return Report([Outcome(q, answerer.answer(q.q)) for q in queries])


def sweep(answerer: QuestionAnswerer, queries: list[EvalQuery],
          grid: list[Thresholds]) -> list[tuple[Thresholds, dict[str, float]]]:
    """The figures for each set of thresholds; the index is searched once per query."""
    searched = [(q, answerer.search(q.q)[1]) for q in queries]
    return [(t, Report([Outcome(q, decide(hits, t)) for q, hits in searched]).figures)
            for t in grid]

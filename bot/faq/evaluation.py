"""Measuring free-text understanding on labelled queries.

Each set (`tests/data/faq_eval.yaml`, `tests/data/eval_citizens.yaml`) lists queries as
citizens type them, each labelled with what the bot should do:

- `expect: <entry or guide id>` — in scope: that entry answers it;
- `expect: "intent:<action>"` — in scope: a request the bot carries out itself
  (`content/intents.yaml`: feedback, hotline, chit-chat…);
- `expect: null` — the bot must decline: `class: out-of-scope` (the default: weather,
  prices…) or `class: not-covered` (a question a citizen of the province would ask this
  bot, but that no entry answers).
`also: [...]` lists other labels that are just as right.

The figures:
- top-1 / top-3: an in-scope query's expected entry is ranked first / among the first
  three (an intent query: the intent is recognised);
- helped: the right subject is anywhere in the reply or its buttons (answered, recognised,
  or among the "did you mean" suggestions, or the guide an answer offers);
- declined: a query the bot must decline gets the honest fallback (no answer, no intent
  carried out — suggestions are allowed);
- confidently wrong: a query answered, or an intent carried out, that is not what was
  asked — the worst outcome, counted on the queries the bot must decline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.content.schema import INTENT_ACTIONS
from bot.faq.answerer import Answer, Detectors, QuestionAnswerer, Thresholds, Understanding

TARGETS = {"top1": 0.85, "helped": 0.92, "declined": 0.95, "confidently_wrong": 0.03}
CLASSES = ("in-scope", "out-of-scope", "not-covered")
INTENT = "intent:"


@dataclass(frozen=True)
class EvalQuery:
    q: str
    expect: str | None
    style: tuple[str, ...] = ()
    klass: str = "in-scope"
    also: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return ((self.expect,) if self.expect else ()) + self.also


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
        also = item.get("also") or []
        if expect is not None and not isinstance(expect, str) or not isinstance(also, list):
            problems.append(f"{where}.expect: phải là mã câu hỏi/hướng dẫn, intent:<việc> hoặc null")
            continue
        for label in ([expect] if expect else []) + also:
            problems += _label_problems(f"{where}.expect", label, known_ids)
        klass = item.get("class") or ("in-scope" if expect else "out-of-scope")
        if klass not in CLASSES or (klass == "in-scope") != (expect is not None):
            problems.append(f"{where}.class: '{klass}' không hợp với expect "
                            "(in-scope cần expect; out-of-scope, not-covered cần expect: null)")
            continue
        style = item.get("style") or []
        out.append(EvalQuery(item["q"], expect, tuple(style if isinstance(style, list) else [style]),
                             klass, tuple(also)))
    if problems:
        raise EvalSetError("\n".join(problems))
    return out


def _label_problems(where: str, label: str, known_ids: set[str] | None) -> list[str]:
    if label.startswith(INTENT):
        return [] if label[len(INTENT):] in INTENT_ACTIONS else [f"{where}: không có ý định '{label}'"]
    if known_ids is not None and label not in known_ids:
        return [f"{where}: không có câu hỏi/hướng dẫn '{label}'"]
    return []


@dataclass
class Outcome:
    query: EvalQuery
    understood: Understanding

    @property
    def answer(self) -> Answer:
        return self.understood.answer

    @property
    def intent(self) -> str | None:
        """The intent carried out, as a label ("intent:hotline"), or None."""
        return INTENT + self.understood.action if self.understood.action else None

    @property
    def ranked_ids(self) -> list[str]:
        return [self.intent] if self.intent else [c.id for c in self.answer.ranked]

    def at(self, k: int) -> bool:
        return any(label in self.ranked_ids[:k] for label in self.query.labels)

    @property
    def acted(self) -> str | None:
        """What the bot did with confidence: the intent, or the entry it answered with."""
        if self.intent:
            return self.intent
        return self.answer.best.id if self.answer.best else None

    @property
    def right(self) -> bool:
        return self.acted in self.query.labels

    @property
    def helped(self) -> bool:
        shown = {self.acted, *(c.id for c in self.answer.candidates)} - {None}
        return bool(shown & set(self.query.labels)) or self._offers_guide()

    def _offers_guide(self) -> bool:
        best = self.answer.best
        return best is not None and best.related is not None and bool(best.related & set(self.query.labels))

    @property
    def declined(self) -> bool:
        return self.acted is None


@dataclass
class Report:
    outcomes: list[Outcome]
    in_scope: list[Outcome] = field(init=False)
    out_of_scope: list[Outcome] = field(init=False)
    not_covered: list[Outcome] = field(init=False)

    def __post_init__(self) -> None:
        self.in_scope = [o for o in self.outcomes if o.query.klass == "in-scope"]
        self.out_of_scope = [o for o in self.outcomes if o.query.klass == "out-of-scope"]
        self.not_covered = [o for o in self.outcomes if o.query.klass == "not-covered"]

    @staticmethod
    def _rate(items: list[Outcome], test: Callable[[Outcome], bool]) -> float:
        return sum(1 for o in items if test(o)) / len(items) if items else 0.0

    @property
    def figures(self) -> dict[str, float]:
        ins, oos, nc = self.in_scope, self.out_of_scope, self.not_covered
        return {
            "top1": self._rate(ins, lambda o: o.at(1)),
            "top3": self._rate(ins, lambda o: o.at(3)),
            "helped": self._rate(ins, lambda o: o.helped),
            "answered_right": self._rate(ins, lambda o: o.right),
            "answered_wrong": self._rate(ins, lambda o: o.acted is not None and not o.right),
            "suggested": self._rate(ins, lambda o: o.acted is None and bool(o.answer.candidates)),
            "false_rejection": self._rate(ins, lambda o: o.declined and not o.answer.candidates),
            "declined": self._rate(oos, lambda o: o.declined),
            "nc_declined": self._rate(nc, lambda o: o.declined),
            "confidently_wrong": self._rate(oos + nc, lambda o: not o.declined),
            "oos_rejected": self._rate(oos, lambda o: o.declined and not o.answer.candidates),
        }

    def failures(self) -> list[tuple[str, Outcome]]:
        """What went wrong, worst first: confident mistakes, then misses, then the rest."""
        out = []
        for o in self.in_scope:
            if o.acted is not None and not o.right:
                out.append(("trả lời sai", o))
            elif not o.at(1):
                out.append(("xếp hạng sai" if o.at(3) else "không tìm thấy", o))
            elif not o.helped:
                out.append(("từ chối nhầm", o))
        for o in self.out_of_scope + self.not_covered:
            if not o.declined:
                out.append((f"{o.query.klass} nhưng vẫn trả lời", o))
        return out

    def by_style(self) -> dict[str, tuple[int, float]]:
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.in_scope:
            for s in o.query.style or ("-",):
                groups[s].append(o)
        return {s: (len(g), self._rate(g, lambda o: o.at(1))) for s, g in sorted(groups.items())}

    def below_targets(self) -> list[str]:
        f = self.figures
        out = [k for k in ("top1", "helped", "declined") if f[k] < TARGETS[k]]
        if f["confidently_wrong"] > TARGETS["confidently_wrong"]:
            out.append("confidently_wrong")
        return out


def evaluate(answerer: QuestionAnswerer, queries: Iterable[EvalQuery],
             actions: frozenset[str] | None = None, detectors: Detectors | None = None) -> Report:
    """Every query through `understand`, as the bot takes free text (`actions` and
    `detectors`: the intents the conversation carries out, as its router lists them)."""
    return Report([Outcome(q, answerer.understand(q.q, actions, detectors)) for q in queries])


def sweep(answerer: QuestionAnswerer, queries: list[EvalQuery], grid: list[Thresholds],
          actions: frozenset[str] | None = None,
          detectors: Detectors | None = None) -> list[tuple[Thresholds, dict[str, float]]]:
    """The figures for each set of thresholds."""
    return [(t, Report([Outcome(q, answerer.understand(q.q, actions, detectors, t)) for q in queries]).figures)
            for t in grid]

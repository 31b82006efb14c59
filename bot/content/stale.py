"""The stale-name check: citizen-facing text that names a unit or an agency that no longer
exists (a former province or district, a department merged in 2025) outside dated history.

A sentence may name one when it says it is history ("(trước ngày 01/7/2025)", "trước đây",
"(cũ)"); an entry or topic message marked `history: true` is history as a whole. Sources
and legal bases are citations, not advice: they are not checked. The names come from the
caller: the former units of the administrative map, and the pack's `stale.yaml` (agencies
merged or renamed, generic terms such as "cấp huyện")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

# Fields that cite rather than advise, and fields that are not prose.
SKIPPED_FIELDS = frozenset({"source", "legal_basis", "id", "topic", "guide", "reply", "kind", "contest_group",
                            "aliases", "keywords", "phrasings", "url", "link", "image", "cron", "at"})
# Files that are not citizen-facing prose.
SKIPPED_FILES = frozenset({"abbreviations.yaml", "actions.yaml", "intents.yaml", "stale.yaml"})
DATED = re.compile(r"01/0?7/2025|1/7/2025|trước đây|\(cũ\)|\bcũ\b|trước khi sáp nhập|trước sáp nhập|đã giải thể"
                   r"|đã hợp nhất|đã sáp nhập|nay là|nay thuộc", re.I)
# Short forms of the former district-level kinds people write ("TP Sóc Trăng", "TX Vĩnh Châu").
ABBREVIATIONS = {"Thành phố": ("TP", "TP.", "Tp"), "Thị xã": ("TX", "TX."), "Huyện": ("H.",), "Quận": ("Q.",)}
_SENTENCE = re.compile(r"[^.!?\n;]+[.!?;]?")


@dataclass(frozen=True)
class StaleMention:
    file: str
    line: int
    field: str
    name: str

    def __str__(self) -> str:
        return (f"{self.file}:{self.line}: {self.field}: \"{self.name}\" — "
                "câu không ghi rõ là thông tin trước ngày 01/7/2025")


def stale_names(root: Path) -> list[str]:
    """The pack's own list of merged or renamed agencies and generic terms (`stale.yaml`)."""
    path = Path(root) / "stale.yaml"
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [str(n) for group in data.values() if isinstance(group, list) for n in group]


def check(root: Path, names: Iterable[str]) -> list[StaleMention]:
    root = Path(root)
    pattern = _names_pattern(names)
    if pattern is None:
        return []
    found: list[StaleMention] = []
    for path in sorted(root.rglob("*.yaml")):
        if path.name in SKIPPED_FILES:
            continue
        raw = path.read_text(encoding="utf-8")
        try:
            node = yaml.compose(raw)
        except yaml.YAMLError:
            continue  # `content validate` reports it
        for field, scalar in _prose(node, "", history=False):
            cursor = scalar.start_mark.index  # where in the file to look for the next mention
            for sentence in _SENTENCE.findall(scalar.value):
                if DATED.search(sentence):
                    continue
                for match in pattern.finditer(sentence):
                    at = raw.lower().find(match.group(0).lower(), cursor, scalar.end_mark.index)
                    cursor = at + 1 if at >= 0 else cursor
                    line = raw.count("\n", 0, at) + 1 if at >= 0 else scalar.start_mark.line + 1
                    found.append(StaleMention(str(path.relative_to(root)), line, field, match.group(0)))
    return found


def _names_pattern(names: Iterable[str]) -> re.Pattern | None:
    unique = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
    if not unique:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in unique) + r")(?!\w)", re.I)


def _prose(node: yaml.Node | None, path: str, history: bool) -> Iterator[tuple[str, yaml.ScalarNode]]:
    if isinstance(node, yaml.MappingNode):
        marked = history or any(k.value == "history" and str(v.value).lower() == "true" for k, v in node.value)
        if marked:
            return
        # The options of a quiz question that says it is about the past share its time.
        dated_question = any(k.value == "text" and isinstance(v, yaml.ScalarNode) and DATED.search(str(v.value))
                             for k, v in node.value)
        for key, value in node.value:
            if key.value in SKIPPED_FIELDS or (dated_question and key.value == "options"):
                continue
            yield from _prose(value, f"{path}.{key.value}" if path else str(key.value), False)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            yield from _prose(value, f"{path}[{i}]", False)
    elif isinstance(node, yaml.ScalarNode) and isinstance(node.value, str) and node.tag.endswith(":str"):
        yield path, node

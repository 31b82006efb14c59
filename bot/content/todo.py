"""The go-live checklist: every field of the pack still waiting for the operator
(`"<cần điền>"`), with its file, line and what to put there.

What to put there is the comment written after the value on the same line
(`phone: "<cần điền>"  # số tổng đài của Trung tâm`), or else a general hint for fields of
that name from the message catalogue (`todo_<field>`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.content.schema import OPERATOR_FILL

_INDEX = re.compile(r"\[\d+\]$")


@dataclass(frozen=True)
class TodoItem:
    file: str  # relative to the pack
    line: int
    field: str  # the path inside the file ("hotlines[2].phone")
    note: str  # the comment on that line, if any

    @property
    def name(self) -> str:
        """The field's own name ("phone"), for the general hint."""
        last = self.field.rsplit(".", 1)[-1]
        return _INDEX.sub("", last)


def operator_fields(root: Path) -> list[TodoItem]:
    root = Path(root)
    found: list[TodoItem] = []
    for path in sorted(root.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if OPERATOR_FILL not in text:
            continue
        lines = text.splitlines()
        try:
            node = yaml.compose(text)
        except yaml.YAMLError:
            continue  # `content validate` reports it
        for field, line in _placeholders(node, ""):
            found.append(TodoItem(str(path.relative_to(root)), line, field, _comment(lines[line - 1])))
    return found


def _placeholders(node: yaml.Node | None, path: str) -> Iterator[tuple[str, int]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _placeholders(value, f"{path}.{key.value}" if path else str(key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            yield from _placeholders(value, f"{path}[{i}]")
    elif isinstance(node, yaml.ScalarNode) and str(node.value).strip() == OPERATOR_FILL:
        yield path, node.start_mark.line + 1


def _comment(line: str) -> str:
    """The comment after the value: text after a `#` that is outside quotes."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            quote = None if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i + 1:].strip()
    return ""

"""Adding phrasings to a FAQ entry or a guide in its pack file, the file otherwise as the
editor wrote it: comments, key order, quoting, flow or block lists and blank lines are kept
(ruamel.yaml's round trip; the shipped pack's FAQ files come back byte for byte).

The file is written whole, atomically (a temporary file renamed over it), so the content
watcher never reads half of it. The caller validates the pack and reloads it; `restore`
puts the file back as it was when that fails."""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

FLOW_WIDTH = 120  # a one-line list of phrasings longer than this becomes a block list


class PhrasingError(ValueError):
    """The entry is not in the pack's files, or its file cannot be edited."""


@dataclass(frozen=True)
class PhrasingEdit:
    path: Path
    added: list[str]
    original: str = field(repr=False)  # the file's text before the edit

    def restore(self) -> None:
        _write(self.path, self.original)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap an editor's long line
    yaml.indent(mapping=2, sequence=4, offset=2)  # the pack's style: "  - id: …"
    return yaml


def entry_file(root: Path, entry_id: str) -> Path:
    """The file under `faq/` or `guides/` that defines `entry_id` (a line `id: <entry_id>`)."""
    line = re.compile(rf"^\s*(?:-\s+)?id:\s*[\"']?{re.escape(entry_id)}[\"']?\s*(?:#.*)?$", re.MULTILINE)
    for folder in ("faq", "guides"):
        for path in sorted((Path(root) / folder).glob("*.yaml")):
            if line.search(path.read_text(encoding="utf-8")):
                return path
    raise PhrasingError(f"không có câu hỏi hay hướng dẫn mã '{entry_id}' trong gói nội dung")


def _find(data: Any, entry_id: str) -> CommentedMap:
    """The entry's mapping: a FAQ file's `entries` item, or a guide file's top level."""
    if isinstance(data, CommentedMap) and data.get("id") == entry_id:
        return data
    entries = data.get("entries") if isinstance(data, CommentedMap) else None
    for item in entries if isinstance(entries, list) else []:
        if isinstance(item, CommentedMap) and item.get("id") == entry_id:
            return item
    raise PhrasingError(f"không tìm thấy mã '{entry_id}' trong tệp")


def add_phrasings(root: Path, entry_id: str, phrasings: list[str]) -> PhrasingEdit:
    """Append `phrasings` (those not already there, compared exactly) to the entry's list."""
    path = entry_file(root, entry_id)
    original = path.read_text(encoding="utf-8")
    yaml = _yaml()
    data = yaml.load(original)
    entry = _find(data, entry_id)
    existing = entry.get("phrasings")
    if existing is None:
        existing = CommentedSeq()
        existing.fa.set_flow_style()
        keys = list(entry)
        after = keys.index("question") + 1 if "question" in keys else keys.index("id") + 1
        entry.insert(after, "phrasings", existing)
    if not isinstance(existing, CommentedSeq):
        raise PhrasingError(f"{path.name}: phrasings của '{entry_id}' không phải danh sách")
    added = [p for p in dict.fromkeys(phrasings) if p not in existing]
    if not added:
        return PhrasingEdit(path, [], original)
    existing.extend(DoubleQuotedScalarString(p) for p in added)
    if existing.fa.flow_style():
        one_line = ", ".join(f'"{p}"' for p in existing)
        if len(one_line) + len("    phrasings: []") > FLOW_WIDTH:
            existing.fa.set_block_style()
    out = io.StringIO()
    yaml.dump(data, out)
    _write(path, out.getvalue())
    return PhrasingEdit(path, added, original)


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

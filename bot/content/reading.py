"""Reading a pack's files: YAML and pydantic models, every problem collected as file +
field + what is wrong, and the fields still waiting for the operator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.content.schema import OPERATOR_FILL

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ContentIssue:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field or '(tệp)'}: {self.message}"


class ContentError(Exception):
    def __init__(self, issues: list[ContentIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class Reader:
    """Reads the pack's YAML files, collecting every problem (file, field, message) and the
    fields still waiting for the operator."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.issues: list[ContentIssue] = []
        self.operator_fields: list[ContentIssue] = []

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def add(self, path: Path, field: str, message: str) -> None:
        self.issues.append(ContentIssue(self.rel(path), field, message))

    def read(self, path: Path) -> Any:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.issues.append(ContentIssue(self.rel(path), "", "thiếu tệp"))
            return None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            self.issues.append(ContentIssue(self.rel(path), "", f"không đọc được YAML: {exc}"))
            return None
        self._find_operator_fields(self.rel(path), data, "")
        return data

    def _find_operator_fields(self, file: str, data: Any, path: str) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                self._find_operator_fields(file, value, f"{path}.{key}" if path else str(key))
        elif isinstance(data, list):
            for i, value in enumerate(data):
                self._find_operator_fields(file, value, f"{path}[{i}]")
        elif isinstance(data, str) and data.strip() == OPERATOR_FILL:
            self.operator_fields.append(ContentIssue(file, path, "cần người vận hành điền"))

    def model(self, model: type[M], data: Any, file: Path, prefix: str = "") -> M | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
                field = (prefix + loc).lstrip(".")
                self.issues.append(ContentIssue(self.rel(file), field, err["msg"]))
            return None

    def listed(self, model: type[M], file: Path, key: str) -> list[tuple[M, Path, str]]:
        data = self.read(file)
        if data is None:
            return []
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            self.issues.append(ContentIssue(self.rel(file), key, "phải là một danh sách"))
            return []
        items = [self.model(model, item, file, f"{key}[{i}]") for i, item in enumerate(data[key])]
        return [(item, file, f"{key}[{i}]") for i, item in enumerate(items) if item is not None]

    def mapping(self, file: Path, key: str, optional: bool = False) -> dict:
        if optional and not file.exists():
            return {}
        data = self.read(file)
        if data is None:
            return {}
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, dict):
            self.issues.append(ContentIssue(self.rel(file), key, "phải là một bảng khóa: giá trị"))
            return {}
        return value

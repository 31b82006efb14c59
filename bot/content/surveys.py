"""Loading and cross-checking the surveys of a content pack (`surveys/*.yaml`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from bot.content.schema_surveys import Survey

if TYPE_CHECKING:
    from bot.content.reading import Reader


def load_surveys(r: Reader, root: Path) -> list[Survey]:
    """One survey per file; every problem is added to the reader's issues."""
    from bot.content.reading import ContentIssue

    located: list[tuple[Survey, str]] = []
    for path in sorted((root / "surveys").glob("*.yaml")):
        data = r.read(path)
        survey = r.model(Survey, data, path) if data is not None else None
        if survey:
            located.append((survey, r.rel(path)))

    def issue(file: str, field: str, message: str) -> None:
        r.issues.append(ContentIssue(file, field, message))

    ids = Counter(s.id for s, _ in located)
    active = Counter(s.audience for s, _ in located if s.active)
    for survey, file in located:
        if ids[survey.id] > 1:
            issue(file, "id", f"mã khảo sát '{survey.id}' bị trùng")
        if survey.active and active[survey.audience] > 1:
            issue(
                file,
                "active",
                f"chỉ được có một khảo sát đang dùng cho đối tượng '{survey.audience}'",
            )
        question_ids = Counter(q.id for q in survey.questions)
        for i, q in enumerate(survey.questions):
            field = f"questions[{i}]"
            if question_ids[q.id] > 1:
                issue(file, f"{field}.id", f"mã câu hỏi '{q.id}' bị trùng")
            if q.kind == "single":
                if not 2 <= len(q.options) <= 6:
                    issue(file, f"{field}.options", "câu hỏi một lựa chọn cần từ 2 đến 6 phương án")
                option_ids = Counter(o.id for o in q.options)
                for j, o in enumerate(q.options):
                    if option_ids[o.id] > 1:
                        issue(file, f"{field}.options[{j}].id", f"mã phương án '{o.id}' bị trùng")
                if q.scale_min or q.scale_max:
                    issue(
                        file,
                        f"{field}.scale_min",
                        "chỉ câu hỏi thang điểm (scale) mới có scale_min/scale_max",
                    )
                if q.target:
                    for k, option in enumerate(q.target.options):
                        if option not in option_ids:
                            issue(
                                file,
                                f"{field}.target.options[{k}]",
                                f"không có phương án '{option}'",
                            )
            else:
                if q.options:
                    issue(
                        file,
                        f"{field}.options",
                        "câu hỏi thang điểm 1–5 không có danh sách phương án",
                    )
                if not (q.scale_min and q.scale_max):
                    issue(
                        file,
                        f"{field}.scale_min",
                        "câu hỏi thang điểm cần scale_min và scale_max (nghĩa của 1 và 5)",
                    )
                if q.target:
                    issue(file, f"{field}.target", "chỉ tiêu chỉ gắn với câu hỏi một lựa chọn")
    return [s for s, _ in located]

"""Loading and cross-checking question banks and contests (`content/quiz/`).

Every `quiz/*.yaml` except `contests.yaml` is a bank. Beyond the schema, a bank must not
hold the same question twice, and an option that points at other options ("Cả A và B",
"Tất cả các phương án trên") must be marked `fixed_order`, or shuffling would change its
meaning. A contest must name an existing bank with enough questions for its draw, and
units that exist."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.content.schema_quiz import BankQuestion, Contest, Practice, QuestionBank
from bot.kernel.text import fold

if TYPE_CHECKING:
    from bot.content.reading import Reader

CONTESTS_FILE = "contests.yaml"
MAX_UNIT_ID = 57  # "ctunit:" + the id must fit Telegram's 64-byte button payload

# Folded option texts that refer to other options by letter, number or position.
_POSITIONAL = [
    re.compile(r"\b(phuong an|dap an|y|cau)\s+[a-f1-6]\b"),
    re.compile(r"\bca\s+[a-f1-6](\s+[a-f1-6])*\s+(va|lan)\s+[a-f1-6]\b"),
    re.compile(r"\b(cac|nhung|tat ca|ca)\b.*\b(phuong an|dap an|y)\b.*\b(tren|neu tren)\b"),
    re.compile(r"^(ca hai|ca ba|ca bon|tat ca|khong)\b.*\b(deu|dung|sai)\b"),
]


def refers_to_other_options(option: str) -> bool:
    folded = fold(option)
    return any(p.search(folded) for p in _POSITIONAL)


@dataclass
class QuizContent:
    banks: list[QuestionBank] = field(default_factory=list)
    contests: list[Contest] = field(default_factory=list)
    practice: Practice | None = None


def _check_bank(r: Reader, located: list[tuple[int, BankQuestion]], path: Path) -> None:
    ids = Counter(q.id for _, q in located)
    texts = Counter(fold(q.text) for _, q in located)
    for i, q in located:
        where = f"questions[{i}]"
        if ids[q.id] > 1:
            r.add(path, f"{where}.id", f"mã câu hỏi '{q.id}' bị trùng")
        if texts[fold(q.text)] > 1:
            r.add(path, f"{where}.text", "câu hỏi trùng nội dung với một câu khác trong ngân hàng")
        _check_options(r, q, path, where)


def _check_options(r: Reader, q: BankQuestion, path: Path, where: str) -> None:
    if q.fixed_order:
        return
    for j, option in enumerate(q.options):
        if refers_to_other_options(option):
            r.add(path, f"{where}.options[{j}]",
                  "phương án nhắc tới phương án khác: thêm 'fixed_order: true' để không bị xáo trộn")


def _bank(r: Reader, path: Path) -> QuestionBank | None:
    """One bank file; each question is checked on its own, so one bad question neither
    hides the others' problems nor makes the whole bank look missing."""
    data = r.read(path)
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or not data["questions"]:
        r.add(path, "questions", "phải là một danh sách có ít nhất một câu hỏi")
        return None
    located = []
    for i, raw in enumerate(data["questions"]):
        question = r.model(BankQuestion, raw, path, f"questions[{i}]")
        if question is not None:
            located.append((i, question))
    _check_bank(r, located, path)
    header = {k: v for k, v in data.items() if k != "questions"}
    return r.model(QuestionBank, header | {"questions": [q for _, q in located] or data["questions"]}, path)


def _banks(r: Reader, quiz_dir: Path) -> list[tuple[QuestionBank, Path]]:
    banks = []
    for path in sorted(quiz_dir.glob("*.yaml")):
        if path.name != CONTESTS_FILE and (bank := _bank(r, path)) is not None:
            banks.append((bank, path))
    ids = Counter(b.id for b, _ in banks)
    for bank, path in banks:
        if ids[bank.id] > 1:
            r.add(path, "id", f"mã ngân hàng câu hỏi '{bank.id}' bị trùng")
    return banks


def _check_draw(r: Reader, path: Path, where: str, bank_id: str, needed: int,
                banks: dict[str, QuestionBank]) -> None:
    bank = banks.get(bank_id)
    if bank is None:
        r.add(path, f"{where}.bank", f"không có ngân hàng câu hỏi '{bank_id}'")
    elif len(bank.questions) < needed:
        r.add(path, f"{where}.questions_per_attempt",
              f"cần {needed} câu mỗi lượt nhưng ngân hàng '{bank_id}' chỉ có {len(bank.questions)} câu")


def load_quiz(r: Reader, quiz_dir: Path, unit_ids: set[str]) -> QuizContent:
    if not quiz_dir.is_dir():
        return QuizContent()
    located = _banks(r, quiz_dir)
    banks = {b.id: b for b, _ in located}
    out = QuizContent(banks=[b for b, _ in located])
    path = quiz_dir / CONTESTS_FILE
    if not path.exists():
        out.practice = Practice(bank=out.banks[0].id) if out.banks else None
        return out
    data = r.read(path)
    if data is None:
        return out
    if not isinstance(data, dict) or not isinstance(data.get("contests", []), list):
        r.add(path, "contests", "phải là một danh sách")
        return out
    unknown = set(data) - {"contests", "practice"}
    for key in sorted(unknown):
        r.add(path, key, "khóa không được hỗ trợ (chỉ có contests và practice)")
    located_contests = []
    for i, item in enumerate(data.get("contests") or []):
        contest = r.model(Contest, item, path, f"contests[{i}]")
        if contest is None:
            continue
        where = f"contests[{i}]"
        located_contests.append((contest, where))
        _check_draw(r, path, where, contest.bank, contest.questions_per_attempt, banks)
        if contest.units != "all":
            for j, unit_id in enumerate(contest.units):
                if unit_id not in unit_ids:
                    r.add(path, f"{where}.units[{j}]", f"không có đơn vị '{unit_id}' trong units.yaml")
    if located_contests:
        for unit_id in sorted(u for u in unit_ids if len(u) > MAX_UNIT_ID):
            r.add(path, "contests", f"mã đơn vị '{unit_id}' dài quá {MAX_UNIT_ID} ký tự, không dùng được trên nút bấm")
    ids = Counter(c.id for c, _ in located_contests)
    for contest, where in located_contests:
        if ids[contest.id] > 1:
            r.add(path, f"{where}.id", f"mã cuộc thi '{contest.id}' bị trùng")
    out.contests = [c for c, _ in located_contests]
    if data.get("practice") is not None:
        out.practice = r.model(Practice, data["practice"], path, "practice")
        if out.practice is not None:
            _check_draw(r, path, "practice", out.practice.bank, out.practice.questions_per_attempt, banks)
    elif out.banks:
        out.practice = Practice(bank=out.banks[0].id)
    return out

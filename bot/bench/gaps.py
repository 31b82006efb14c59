"""`cchc-bot content gaps bench`: the CPU time of grouping the logged unanswered questions.

Generates N questions as citizens type them — about 1,600 subjects (an action, a thing, a
way of asking) asked with a long-tail frequency, each time with or without diacritics,
with or without a greeting or a particle, sometimes with a typo — and measures, in CPU
time of this process (`time.process_time`, every thread counted):

- **grouping**: `gap_groups.group` over the N rows (one per question: the worst case of
  the database's aggregation), with the shipped pack's abbreviations; cold (new caches)
  and the best of three;
- **list**: `gaps.list_gaps` over the whole period on a SQLite database holding the N
  `question_unanswered` events: the query, the grouping and the top 20, as the console
  and the command line call it."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bot.config import ROOT
from bot.content.loader import load_pack
from bot.db import events, migrate
from bot.db.events import EventKind
from bot.db.session import Database
from bot.faq import gaps
from bot.faq.gap_groups import Asked, Forms, group
from bot.kernel.clock import utcnow
from bot.kernel.text import strip_marks

ACTIONS = ["làm", "cấp lại", "đổi", "đăng ký", "xin", "gia hạn", "nộp hồ sơ", "tra cứu", "hủy"]
THINGS = ["giấy phép xây dựng", "sổ đỏ", "bằng lái xe quốc tế", "lương hưu", "trợ cấp thất nghiệp",
          "hộ chiếu cho con", "thẻ bảo hiểm y tế", "giấy phép kinh doanh", "thuế thu nhập cá nhân",
          "giấy chứng nhận quyền sử dụng đất", "biển số xe", "giấy xác nhận độc thân", "hộ khẩu giấy",
          "học bạ", "bằng tốt nghiệp", "giấy phép lao động", "chứng chỉ hành nghề", "sổ hồng chung cư",
          "điện kế", "nước máy", "giấy phép karaoke", "trợ cấp người cao tuổi", "thẻ người khuyết tật",
          "giấy chứng tử", "đất nông nghiệp", "hợp đồng thuê nhà", "giấy khám sức khỏe", "visa đi Hàn",
          "bảo hiểm xã hội một lần", "phạt nguội"]
ASKS = ["ở đâu", "mất bao lâu", "cần giấy tờ gì", "lệ phí bao nhiêu", "online được không", "khi nào có kết quả"]
BEFORE = ["", "", "", "cho hỏi ", "ad ơi ", "xin hỏi ", "mình muốn hỏi "]
AFTER = ["", "", "?", " ạ", " vậy", " nhé", " ad"]


def questions(n: int, seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    subjects = [f"{a} {t} {q}" for a in ACTIONS for t in THINGS for q in ASKS]
    rng.shuffle(subjects)
    weights = [1 / (i + 1) ** 0.8 for i in range(len(subjects))]  # a long tail
    out = []
    for subject in rng.choices(subjects, weights, k=n):
        text = rng.choice(BEFORE) + subject + rng.choice(AFTER)
        if rng.random() < 0.45:
            text = strip_marks(text)
        if rng.random() < 0.15:
            words = text.split()
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 3:
                j = rng.randrange(len(w) - 1)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            text = " ".join(words)
        out.append(text[0].upper() + text[1:] if rng.random() < 0.3 else text)
    return out


def _cpu_ms(work: object) -> float:
    start = time.process_time()
    if asyncio.iscoroutine(work):
        asyncio.run(work)
    elif callable(work):
        work()
    return (time.process_time() - start) * 1000


def run(n: int) -> list[str]:
    abbreviations = load_pack(ROOT / "content").abbreviations
    asked_texts = questions(n)
    now = utcnow()
    rows = [Asked(t, f"person-{i % 8000}", 1, i % 3 == 0, now - timedelta(minutes=i), now - timedelta(minutes=i))
            for i, t in enumerate(asked_texts)]
    result: list = []
    cold = _cpu_ms(lambda: result.append(group(rows, {}, Forms(abbreviations))))
    best = min(_cpu_ms(lambda: group(rows, {}, Forms(abbreviations))) for _ in range(3))
    found = result[0]
    lines = [f"gaps grouping: {n} questions, {len({r.text for r in rows})} distinct wordings → {len(found)} groups "
             f"(largest {found[0].count}): {cold:.0f} ms CPU cold, {best:.0f} ms best of 3"]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'gaps.sqlite3'}"
        migrate.upgrade(url)
        asyncio.run(_fill(url, asked_texts))
        timings = [_cpu_ms(_list(url, abbreviations)) for _ in range(3)]
    lines.append(f"gaps list (SQLite, {n} events, whole period, top 20): {timings[0]:.0f} ms CPU first, "
                 f"{min(timings):.0f} ms best of 3")
    return lines


async def _fill(url: str, texts: list[str]) -> None:
    db = Database(url)
    now = utcnow()
    rows = [dict(user_key=f"person-{i % 8000}", channel="web", kind=EventKind.QUESTION_UNANSWERED,
                 item=gaps.logged_question(t), outcome="suggested" if i % 3 == 0 else "rejected", value=10.0,
                 at=now - timedelta(minutes=i)) for i, t in enumerate(texts)]
    async with db.session() as session:
        await events.record_many(session, rows)
        await session.commit()
    await db.dispose()


async def _list(url: str, abbreviations: dict[str, list[str]]) -> None:
    db = Database(url)
    async with db.session() as session:
        await gaps.list_gaps(session, abbreviations, limit=20)
    await db.dispose()

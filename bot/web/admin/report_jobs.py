"""Reports made on the console: each in a folder of its own under CONSOLE_REPORTS_DIR,
named by a random id, made in the background by `bot.reports.report.generate` (the
builder `cchc-bot report` uses; the drawing and the files are written in a worker thread),
so the page answers at once and shows "đang tạo" until the files are there.

A folder holds `request.json` (what was asked, by whom), then either `report.json` (the
title, the files, the charts and the notes) or `failed.json` (why). A folder with only
the request, whose job is not running in this process, was interrupted (a restart)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from bot.kernel.clock import VN
from bot.kernel.periods import Period
from bot.reports.report import ReportError, generate, unsigned
from bot.runtime import Runtime

log = logging.getLogger(__name__)
JOB_ID = re.compile(r"^[0-9a-f]{16}$")
REQUEST, DONE, FAILED = "request.json", "report.json", "failed.json"
KEPT = 30  # reports listed on the page
State = Literal["running", "done", "failed", "interrupted"]

# Jobs running in this process, by id (held so they are not collected mid-way).
_running: dict[str, asyncio.Task[None]] = {}


@dataclass
class Job:
    id: str
    state: State
    asked: dict[str, Any]
    report: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    @property
    def period(self) -> Period:
        a = self.asked
        return Period(a["kind"], date.fromisoformat(a["start"]), date.fromisoformat(a["end"]), a["number"])

    @property
    def asked_at(self) -> datetime:
        return datetime.fromisoformat(self.asked["at"])

    @property
    def cutoff(self) -> datetime | None:
        cutoff = self.report.get("cutoff")
        return datetime.fromisoformat(cutoff) if cutoff else None

    @property
    def files(self) -> set[str]:
        """The file names this report may serve."""
        if self.state != "done":
            return set()
        return {self.report["docx"], self.report["xlsx"], *(c["file"] for c in self.report["charts"])}


def _folder(services: Runtime) -> Path:
    return Path(services.settings.console_reports_dir)


def _write(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(path)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def start(services: Runtime, period: Period, *, test_traffic: bool, by: str) -> str:
    """Begin making the report of `period`; returns the job's id at once. The same report
    asked again while it is being made is the same job."""
    for job_id, task in _running.items():
        asked = _read(_folder(services) / job_id / REQUEST) or {}
        if not task.done() and asked.get("period") == period.key and asked.get("test_traffic") == test_traffic:
            return job_id
    job_id = secrets.token_hex(8)
    folder = _folder(services) / job_id
    folder.mkdir(parents=True)
    now = services.clock()
    _write(folder / REQUEST, {"period": period.key, "kind": period.kind, "number": period.number,
                              "start": period.start.isoformat(), "end": period.end.isoformat(),
                              "test_traffic": test_traffic, "by": by, "at": now.isoformat()})
    task = asyncio.get_running_loop().create_task(_make(services, period, folder, test_traffic, now))
    _running[job_id] = task
    task.add_done_callback(lambda _: _running.pop(job_id, None))
    return job_id


async def _make(services: Runtime, period: Period, folder: Path, test_traffic: bool, now: datetime) -> None:
    pack = services.content.pack
    try:
        files = await generate(services.db.engine, pack, period, folder, today=now.astimezone(VN).date(),
                               test_traffic=test_traffic, now=now)
    except ReportError as exc:
        await asyncio.to_thread(_write, folder / FAILED, {"error": str(exc)})
        return
    except Exception:  # a bug or the database gone: said on the page, the trace in the log
        log.exception("console report failed", extra={"period": period.key})
        await asyncio.to_thread(_write, folder / FAILED, {"error": ""})
        return
    titles = [t.chart.title for t in files.outline.tables if t.chart is not None]
    cur = files.current
    await asyncio.to_thread(_write, folder / DONE, {
        "title": files.outline.title, "docx": files.docx.name, "xlsx": files.xlsx.name,
        "charts": [{"file": p.name, "title": title} for p, title in zip(files.charts, titles, strict=True)],
        "cutoff": cur.cutoff.isoformat() if cur.cutoff else None, "test_traffic": cur.test_traffic,
        "events": cur.events, "reached": cur.reached, "unsigned": unsigned(pack),
    })


def find(services: Runtime, job_id: str) -> Job | None:
    if not JOB_ID.match(job_id):
        return None
    folder = _folder(services) / job_id
    asked = _read(folder / REQUEST)
    if asked is None or not _whole(asked):
        return None
    if (report := _read(folder / DONE)) is not None:
        return Job(job_id, "done", asked, report)
    if (failed := _read(folder / FAILED)) is not None:
        return Job(job_id, "failed", asked, error=str(failed.get("error", "")))
    return Job(job_id, "running" if job_id in _running else "interrupted", asked)


def _whole(asked: dict[str, Any]) -> bool:
    """A request this version wrote (a file edited by hand or cut short is left out)."""
    try:
        Job("", "done", asked).period  # noqa: B018 - reading it checks it
        datetime.fromisoformat(asked["at"])
    except (KeyError, TypeError, ValueError):
        return False
    return True


def path(services: Runtime, job: Job, name: str) -> Path | None:
    """A file of a finished report, by its name as listed in the report."""
    return _folder(services) / job.id / name if name in job.files else None


def recent(services: Runtime) -> list[Job]:
    """The reports made, newest first."""
    folder = _folder(services)
    if not folder.is_dir():
        return []
    asked = [p / REQUEST for p in folder.iterdir() if JOB_ID.match(p.name) and (p / REQUEST).is_file()]
    folders = [r.parent for r in sorted(asked, key=lambda r: r.stat().st_mtime, reverse=True)]
    return [job for p in folders[:KEPT] if (job := find(services, p.name)) is not None]


"""Reporting periods in Vietnam time: quarter, half year, year, or a range of days.

Units report to Sở Nội vụ quarterly, 6-monthly and yearly; a survey is answered once per
such period. A period is whole days in Asia/Ho_Chi_Minh; `bounds()` turns it into the UTC
instants the engagement log is stored in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from bot.kernel.clock import VN

PeriodKind = Literal["quarter", "half", "year", "range"]
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
_HALF = re.compile(r"^\s*(\d{4})\s*-?\s*[Hh]([12])\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


class PeriodError(ValueError):
    pass


def parse_day(text: str) -> date:
    """`2026-07-01` or `01/07/2026`."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise PeriodError(f"ngày không hợp lệ: {text!r} (dùng YYYY-MM-DD hoặc DD/MM/YYYY)")


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date  # first day
    end: date  # last day, inclusive
    number: int = 0  # the quarter (1–4) or half (1–2); 0 otherwise

    # --- construction -------------------------------------------------------------------
    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        start = date(year, 3 * (q - 1) + 1, 1)
        return cls("quarter", start, _month_after(start, 3) - timedelta(days=1), q)

    @classmethod
    def half(cls, year: int, h: int) -> Period:
        start = date(year, 6 * (h - 1) + 1, 1)
        return cls("half", start, _month_after(start, 6) - timedelta(days=1), h)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls("year", date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def days(cls, start: date, end: date) -> Period:
        if end < start:
            raise PeriodError("ngày kết thúc phải sau ngày bắt đầu")
        return cls("range", start, end)

    @classmethod
    def parse(cls, kind: PeriodKind, text: str) -> Period:
        """`quarter` 2026Q3, `half` 2026H1, `year` 2026."""
        patterns = {"quarter": _QUARTER, "half": _HALF, "year": _YEAR}
        match = patterns[kind].match(text or "")
        if not match:
            examples = {"quarter": "2026Q3", "half": "2026H1", "year": "2026"}
            raise PeriodError(f"kỳ không hợp lệ: {text!r} (ví dụ {examples[kind]})")
        year = int(match.group(1))
        if not 2000 <= year <= 2100:
            raise PeriodError(f"năm không hợp lệ: {year}")
        if kind == "quarter":
            return cls.quarter(year, int(match.group(2)))
        if kind == "half":
            return cls.half(year, int(match.group(2)))
        return cls.year(year)

    @classmethod
    def containing(cls, moment: datetime, kind: PeriodKind) -> Period:
        """The quarter, half or year (Vietnam time) that `moment` falls in."""
        day = moment.astimezone(VN).date()
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == "half":
            return cls.half(day.year, 1 if day.month <= 6 else 2)
        if kind == "year":
            return cls.year(day.year)
        raise PeriodError(f"không có kỳ '{kind}' chứa một thời điểm")

    # --- use ----------------------------------------------------------------------------
    @property
    def key(self) -> str:
        if self.kind == "quarter":
            return f"{self.start.year}Q{self.number}"
        if self.kind == "half":
            return f"{self.start.year}H{self.number}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    @property
    def roman(self) -> str:
        return ROMAN.get(self.number, "")

    @property
    def length_days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC datetimes: midnight Vietnam time on the first day and on
        the day after the last."""
        start = datetime.combine(self.start, time.min, VN).astimezone(UTC)
        end = datetime.combine(self.end + timedelta(days=1), time.min, VN).astimezone(UTC)
        return start, end

    def previous(self) -> Period:
        if self.kind == "quarter":
            return Period.quarter(
                self.start.year - (self.number == 1), 4 if self.number == 1 else self.number - 1
            )
        if self.kind == "half":
            return Period.half(self.start.year - (self.number == 1), 2 if self.number == 1 else 1)
        if self.kind == "year":
            return Period.year(self.start.year - 1)
        end = self.start - timedelta(days=1)
        return Period.days(end - timedelta(days=self.length_days - 1), end)


def _month_after(first: date, months: int) -> date:
    index = first.month - 1 + months
    return date(first.year + index // 12, index % 12 + 1, 1)

"""Times as staff and the province think of them: Asia/Ho_Chi_Minh. "At" times, cron
expressions and quiet hours are read here; everything stored is UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.kernel.clock import VN

_AT_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %Hh%M", "%d/%m/%Y %Hh", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")


def parse_at(text: str) -> datetime:
    """A local time such as "25/12/2026 08:00" (or 2026-12-25 08:00) as aware UTC."""
    cleaned = re.sub(r"\s+", " ", text.strip())
    for fmt in _AT_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).replace(tzinfo=VN).astimezone(UTC)
        except ValueError:
            continue
    raise ValueError(f"không đọc được thời điểm '{text[:40]}' (dạng dd/mm/yyyy hh:mm)")


def cron_trigger(expression: str) -> CronTrigger:
    """A five-field cron expression (minute hour day month weekday), Vietnam time."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError("biểu thức cron cần đúng 5 trường: phút giờ ngày tháng thứ")
    try:
        return CronTrigger.from_crontab(expression, timezone=VN)
    except (ValueError, KeyError) as exc:
        raise ValueError(f"biểu thức cron không hợp lệ: {exc}") from None


def next_cron_time(expression: str, after: datetime) -> datetime | None:
    trigger = cron_trigger(expression)
    found = trigger.get_next_fire_time(None, after.astimezone(VN))
    return found.astimezone(UTC) if found else None


def cron_occurrence(expression: str, now: datetime, lookback: timedelta = timedelta(hours=6)) -> datetime:
    """The scheduled time this firing belongs to: the latest fire time not after `now`
    (a late firing after a restart still names the occurrence it was due for)."""
    trigger = cron_trigger(expression)
    current = trigger.get_next_fire_time(None, (now - lookback).astimezone(VN))
    last = None
    while current is not None and current <= now:
        last = current
        current = trigger.get_next_fire_time(current, current + timedelta(seconds=1))
    return (last or now.replace(second=0, microsecond=0)).astimezone(UTC)


def local(moment: datetime) -> str:
    return moment.astimezone(VN).strftime("%H:%M %d/%m/%Y")


class QuietHours:
    """A daily window (e.g. "21:00-07:00", Vietnam time) when non-urgent pushes wait."""

    def __init__(self, spec: str) -> None:
        self.spec = spec.strip()
        self.window: tuple[time, time] | None = None
        if self.spec:
            match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", self.spec)
            if not match:
                raise ValueError(f"QUIET_HOURS phải có dạng HH:MM-HH:MM, không phải '{spec}'")
            h1, m1, h2, m2 = (int(x) for x in match.groups())
            self.window = (time(h1, m1), time(h2, m2))

    def active(self, moment: datetime) -> bool:
        if self.window is None:
            return False
        start, end = self.window
        now = moment.astimezone(VN).time()
        return start <= now < end if start < end else (now >= start or now < end)

    def ends_after(self, moment: datetime) -> datetime:
        """When the quiet window containing `moment` ends (UTC)."""
        assert self.window is not None
        end = self.window[1]
        day = moment.astimezone(VN)
        candidate = day.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        if candidate <= day:
            candidate += timedelta(days=1)
        return candidate.astimezone(UTC)

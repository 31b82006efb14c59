"""Typed table cells and their Vietnamese formatting (1.234 for thousands, 12,5 for
decimals), shared by the .docx (formatted text) and the .xlsx (numbers with formats)."""

from __future__ import annotations

from dataclasses import dataclass


class Percent(float):
    """A share between 0 and 1, shown as a percentage."""


class Score(float):
    """An average or a mean score, shown with one decimal."""


@dataclass(frozen=True)
class Change:
    """This period against the previous one."""

    current: float | None
    previous: float | None

    @property
    def delta(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def percent(self) -> bool:
        return isinstance(self.current, Percent) or isinstance(self.previous, Percent)


DASH = "–"


def vn_number(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt(value: object, points: str = "pp") -> str:
    """A cell as the report prints it; `points` names percentage points (content text)."""
    if value is None:
        return DASH
    if isinstance(value, Change):
        return fmt_change(value, points)
    if isinstance(value, Percent):
        return vn_number(value * 100, 1) + "%"
    if isinstance(value, Score):
        return vn_number(value, 1)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return vn_number(value)
    if isinstance(value, float):
        return vn_number(value, 1)
    return str(value)


def fmt_change(change: Change, points: str = "pp") -> str:
    delta = change.delta
    if delta is None:
        return DASH
    sign = "+" if delta > 0 else ("−" if delta < 0 else "")
    if change.percent:
        return f"{sign}{vn_number(abs(delta) * 100, 1)} {points}" if delta else "0"
    if isinstance(change.current, Score) or isinstance(change.previous, Score):
        return f"{sign}{vn_number(abs(delta), 1)}"
    text = f"{sign}{vn_number(abs(delta))}"
    relative = (
        vn_number(abs(delta) / change.previous * 100, 1) if change.previous and delta else "0,0"
    )
    return text if relative == "0,0" else f"{text} ({sign}{relative}%)"


def as_percent(value: float | None) -> Percent | None:
    """A share as a percentage cell; no figure stays None (a dash)."""
    return Percent(value) if value is not None else None


def as_score(value: float | None) -> Score | None:
    """An average as a one-decimal cell; no figure stays None (a dash)."""
    return Score(value) if value is not None else None

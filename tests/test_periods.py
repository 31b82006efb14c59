"""Reporting periods in Vietnam time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.kernel.periods import Period, PeriodError


def test_quarter_bounds_are_vietnam_midnights():
    q3 = Period.parse("quarter", "2026Q3")
    assert (q3.start, q3.end, q3.key, q3.roman) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
        "2026Q3",
        "III",
    )
    assert q3.bounds() == (
        datetime(2026, 6, 30, 17, tzinfo=UTC),
        datetime(2026, 9, 30, 17, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "period, previous",
    [
        (Period.quarter(2026, 1), Period.quarter(2025, 4)),
        (Period.quarter(2026, 3), Period.quarter(2026, 2)),
        (Period.half(2026, 1), Period.half(2025, 2)),
        (Period.half(2026, 2), Period.half(2026, 1)),
        (Period.year(2026), Period.year(2025)),
        (
            Period.days(date(2026, 7, 1), date(2026, 7, 10)),
            Period.days(date(2026, 6, 21), date(2026, 6, 30)),
        ),
    ],
)
def test_previous_period(period, previous):
    assert period.previous() == previous
    assert previous.length_days <= 366


def test_containing_a_moment_uses_vietnam_time():
    # 23:30 UTC on 30 June is already 1 July in Vietnam
    moment = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert Period.containing(moment, "quarter").key == "2026Q3"
    assert Period.containing(moment, "half").key == "2026H2"
    assert Period.containing(moment, "year").key == "2026"


@pytest.mark.parametrize(
    "kind, text",
    [
        ("quarter", "2026Q5"),
        ("quarter", "Q3"),
        ("half", "2026H3"),
        ("year", "26"),
        ("year", "1800"),
        ("quarter", ""),
    ],
)
def test_bad_periods(kind, text):
    with pytest.raises(PeriodError):
        Period.parse(kind, text)


def test_spellings_people_type():
    assert Period.parse("quarter", " 2026q3 ").key == "2026Q3"
    assert Period.parse("half", "2026-H1").key == "2026H1"

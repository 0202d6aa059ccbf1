"""Whether a household visited once every few months is due a visit in a sheet's month
(visit_planner.export.due): reckoned from its last visit, never from the plan."""

from __future__ import annotations

from datetime import date

import pytest

from visit_planner.export.due import DUE, NO_RECORD, NOT_DUE, OVERDUE, add_months, next_visit


def test_months_are_added_on_the_calendar() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)  # a shorter month: its last day
    assert add_months(date(2026, 8, 31), 3) == date(2026, 11, 30)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2026, 9, 1), 3) == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, NOT_DUE),  # visited 2026-11-30: next by 2027-02-28
        (60, NOT_DUE),  # 2026-10-01: next by 2027-01-01
        (61, DUE),  # 2026-09-30: next by 2026-12-30
        (90, DUE),  # 2026-09-01: next by 2026-12-01
        (91, OVERDUE),  # 2026-08-31: was due by 2026-11-30
        (365, OVERDUE),
    ],
)
def test_a_quarterly_household_is_due_three_calendar_months_after_its_last_visit(
    days: int, expected: object
) -> None:
    """December 2026: the last visit is counted back from 2026-11-30."""
    assert next_visit(1 / 3, days, "2026-12") == expected


def test_every_two_months_and_a_year_boundary() -> None:
    # 2027-01: counted to 2026-12-31; every 2 months due in January for a visit in November.
    assert next_visit(0.5, 31, "2027-01") == DUE  # 2026-11-30 -> 2027-01-30
    assert next_visit(0.5, 30, "2027-01") == NOT_DUE  # 2026-12-01 -> 2027-02-01
    assert next_visit(0.5, 62, "2027-01") == OVERDUE  # 2026-10-30 -> 2026-12-30


def test_monthly_cadences_and_unknowns_claim_nothing() -> None:
    """One or more visits a month are due every month (the cadence says it); a cadence that
    is no 'once every k months' gives no reckoning; without a last visit the sheet says so."""
    for per_month in (1.0, 2.0, 1.5, 0.4):
        assert next_visit(per_month, 200, "2026-12") is None
    assert next_visit(1 / 3, None, "2026-12") == NO_RECORD
    assert DUE.now and OVERDUE.now and not NOT_DUE.now and not NO_RECORD.now

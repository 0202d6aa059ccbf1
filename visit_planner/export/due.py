"""Whether a household visited once every few months is due a visit in the month of a sheet.

The plan does not decide it. A month's plan pairs every household with a worker and counts
its share of a visit in the worker's hours (a quarterly household: a third of a visit a month,
``assignment.constraints``); it says nothing of the month in which the quarter's visit falls.
A grid worker's sheet said ``每季度 1 次 quarterly`` under the header ``本月应走访 Visits due``,
which read as "visit this month" for every household on it. What the month's data does say is
the last visit: ``last_visit_days`` is counted to the last day of the month before
(:func:`labels.last_visit_as_of`), so the day of the last visit is known, and the policy's
cadence gives the day the next one is due (the last visit plus k calendar months). This module
works that out and says it as what it is, a reckoning from the last visit; on the demo's
December run, 23 % of the tier-3 households on the sheets come out due (a third of a visit a
month is budgeted for each).

For one or more visits a month, every month is due and nothing is added (the cadence says
it); for a cadence that is not one visit every k months, or a household without a last visit,
the sheet claims nothing either way.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from visit_planner.export.labels import last_visit_as_of, months_between_visits


@dataclass(frozen=True)
class Due:
    """A household's next visit as its sheet says it: ``zh`` and ``en``; ``now``: it is to be
    visited this month (due in it, or overdue)."""

    zh: str
    en: str
    now: bool


DUE: Final = Due("本月应走访", "due this month", now=True)
"""The next visit falls due in the month (the last visit plus k months)."""
OVERDUE: Final = Due("已逾期", "overdue", now=True)
"""The next visit fell due before the month began: to be visited this month too."""
NOT_DUE: Final = Due("本月未到期", "not due this month", now=False)
"""The next visit falls due after the month (the sheet of that month says so)."""
NO_RECORD: Final = Due("无上次走访记录", "no last visit on record", now=False)
"""A household with a k-monthly cadence whose last visit the data does not give."""


def add_months(day: date, k: int) -> date:
    """``day`` k calendar months later, on the month's last day where it is shorter
    (2026-11-30 + 3 months = 2027-02-28)."""
    index = day.year * 12 + day.month - 1 + k
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def next_visit(per_month: float, last_visit_days: int | None, month: str) -> Due | None:
    """The next visit of a household visited ``per_month`` times a month, last visited
    ``last_visit_days`` days before the end of the month before ``month`` (YYYY-MM): the
    last visit plus k months falls in the month (:data:`DUE`), before it (:data:`OVERDUE`) or
    after it (:data:`NOT_DUE`); :data:`NO_RECORD` without a last visit. The day itself is not
    printed: a worker plans by the month, and a cell of a narrow A4 column with a date in
    both languages made a grid worker's sheet a page longer.

    None where the cadence is one or more visits a month (due every month) or is no cadence of
    one visit every k months."""
    k = months_between_visits(per_month)
    if k is None:
        return None
    if last_visit_days is None:
        return NO_RECORD
    as_of = date.fromisoformat(last_visit_as_of(month))
    due = add_months(as_of - timedelta(days=last_visit_days), k)
    first = as_of + timedelta(days=1)
    last = add_months(first, 1) - timedelta(days=1)
    if due < first:
        return OVERDUE
    if due <= last:
        return DUE
    return NOT_DUE

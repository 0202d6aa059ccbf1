"""``explain`` in words: the previous worker is last month's, or in a township an amendment
re-solved, that of the month's previous version."""

from __future__ import annotations

from rich.cells import cell_len

from visit_planner.cli.explain_text import household_lines

HOUSEHOLD = {
    "household_id": "H0000002",
    "tier": 2,
    "township_id": "532622001",
    "worker_id": "W000194",
    "role": "village_official",
    "travel_minutes": 12.0,
    "hours_per_month": 1.5,
    "kept_previous": True,
    "previous_worker_id": "W000194",
    "up_cover": False,
}


def test_a_monthly_plan_names_last_months_worker() -> None:
    text = "\n".join(household_lines(HOUSEHOLD))
    assert "延续上月人员 same as last month: 是 yes (上月 last month W000194)" in text
    assert "previous version" not in text


def test_an_amendment_names_the_previous_version_of_the_month() -> None:
    lines = household_lines({**HOUSEHOLD, "previous_this_month": True})
    text = "\n".join(lines)
    assert "延续本月上一版本人员 same as this month's previous version: 是 yes" in text
    assert "本月上一版本 previous version of this month: W000194" in text
    assert "上月" not in text and "last month" not in text
    assert max(cell_len(line) for line in "\n".join(lines).splitlines()) <= 80


def test_a_carried_over_township_of_an_amendment_keeps_last_month() -> None:
    # Townships an amendment carried over keep their explanations (no column, or null).
    text = "\n".join(household_lines({**HOUSEHOLD, "previous_this_month": None}))
    assert "上月 last month W000194" in text

"""Worker loads: the same plan gives the same loads to the last bit, in any row order."""

from __future__ import annotations

import polars as pl

from assignment.loads import worker_loads


def test_hours_do_not_depend_on_the_order_of_the_plan_rows() -> None:
    # Terms whose plain float sum depends on their order: 0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1.
    hours = [0.1, 0.2, 0.3, 1e-17, 7.25]
    plan = pl.DataFrame(
        {
            "household_id": [f"h{i}" for i in range(5)],
            "worker_id": ["w1", "w1", "w1", "w1", None],
            "hours_per_month": hours,
            "travel_minutes": [1.1, 2.2, 3.3, 0.0, 9.0],
            "up_cover": [False, True, False, False, False],
            "kept_previous": [True, True, False, False, False],
        }
    )
    workers = pl.DataFrame(
        {
            "worker_id": ["w1", "w2"],
            "role": ["cadre", "cadre"],
            "township_id": ["t", "t"],
            "village_id": ["v", "v"],
            "grid_id": ["g", "g"],
            "active": [True, True],
            "monthly_hours": [10.0, 10.0],
            "max_households": [15, 15],
        }
    )
    forward = worker_loads(plan, workers)
    backward = worker_loads(plan.reverse(), workers)
    assert forward.equals(backward)
    w1 = forward.row(0, named=True)
    assert w1["households"] == 4 and w1["up_cover_households"] == 1
    assert w1["kept_previous_households"] == 2
    # Correctly rounded, where 0.1 + 0.2 + 0.3 in this order gives 0.6000000000000001.
    assert w1["hours_used"] == 0.6
    idle = forward.row(1, named=True)
    assert idle["households"] == 0 and idle["hours_used"] == 0.0

"""The tier-1 households' shared rules: which households are top, the merge of a tier-1
assignment into a plan."""

from __future__ import annotations

import numpy as np
import pytest

from assignment.problem import ArcArrays
from assignment.solver.priority import TopSolution, merge_top, top_items, top_part
from assignment.solver.township import solve_arrays
from tests.assignment.helpers import brute_force, feasible


def short_township() -> ArcArrays:
    """Two workers of 10 h each; four top households needing 4-6 h each (not all fit, so the
    top plan must choose) and two lower households of 2 h that fill what is left."""
    item = np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    agent = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    return ArcArrays(
        arc_item=item,
        arc_agent=agent,
        arc_cost=np.array([30.0, 40, 20, 30, 25, 25, 35, 30, 10, 10, 10, 10]),
        arc_hours=np.array([6.0, 6, 4, 5, 4, 4, 5, 6, 2, 2, 2, 2]),
        arc_pinned=np.zeros(12, dtype=bool),
        penalty=np.array([150000.0, 120000, 180000, 110000, 1500, 1200]),
        tier=np.array([1, 1, 1, 1, 3, 3], dtype=np.int8),
        cap_hours=np.array([10.0, 10.0]),
        cap_count=np.array([4, 4]),
    )


def test_top_items_are_the_tier_1_households() -> None:
    assert top_items(short_township()).tolist() == [0, 1, 2, 3]


def best_top(arr: ArcArrays) -> TopSolution:
    """The cheapest cover of the four top households of :func:`short_township`, all four:
    worker 0 takes households 0 and 1 (6 + 4 h), worker 1 households 2 and 3 (4 + 6 h)."""
    items = top_items(arr)
    choice = np.array([0, 2, 5, 7])
    full = np.full(arr.n_items, -1)
    full[items] = choice
    return TopSolution(items, choice, top_part(arr, full), optimal=True)


def test_the_best_top_cover_is_the_brute_force_optimum_of_the_top_part() -> None:
    arr = short_township()
    top = best_top(arr)
    sub, _ = arr.subset(top.items, np.zeros(2), np.zeros(2, dtype=np.int64))
    assert top.objective == pytest.approx(brute_force(sub)) == 105.0


def test_merge_top_moves_lower_households_out_lowest_penalty_first() -> None:
    arr = short_township()
    # Current plan: worker 0 holds top 2 (4 h) and both lower ones (2 + 2 h); worker 1 top 0.
    choice = np.array([1, -1, 4, -1, 8, 10])
    top = best_top(arr)
    merged = merge_top(arr, choice, top)
    assert feasible(arr, merged)
    assert np.array_equal(merged[top.items], top.choice)
    assert top_part(arr, merged) == pytest.approx(top.objective)
    # A lower household that had to leave is the lower-penalty one (5) before household 4.
    assert not (merged[4] < 0 <= merged[5])


def test_township_solve_reaches_the_optimum() -> None:
    arr = short_township()
    sol = solve_arrays(arr)
    assert feasible(arr, sol.choice)
    assert sol.objective == pytest.approx(brute_force(arr))

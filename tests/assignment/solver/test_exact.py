"""The repair's exact MIP: optimal at its default gap, within the gap it is given otherwise."""

from __future__ import annotations

import pytest

from assignment.solver.exact import solve_exact
from tests.assignment.helpers import exact, feasible, random_township


@pytest.mark.parametrize("seed", range(8))
def test_the_default_gap_gives_the_optimum(seed: int) -> None:
    arr = random_township(seed)
    got, status, bound = solve_exact(arr, node_limit=10_000, time_limit=60)
    assert got is not None and status == "optimal" and bound is not None
    assert feasible(arr, got)
    assert arr.objective_of(got) == pytest.approx(exact(arr), rel=1e-7)
    assert bound <= arr.objective_of(got) + 1e-6


@pytest.mark.parametrize("seed", range(8))
def test_a_wider_gap_stops_within_it_and_its_bound_stays_valid(seed: int) -> None:
    arr = random_township(seed, n_items=60, n_agents=8)
    best = exact(arr)
    got, _, bound = solve_exact(arr, node_limit=10_000, time_limit=60, rel_gap=0.01)
    assert got is not None and bound is not None
    assert feasible(arr, got)
    obj = arr.objective_of(got)
    assert bound <= best + 1e-6 <= obj + 2e-6
    # HiGHS' gap is relative to the MIP's own objective (arc cost minus the penalties of
    # the households covered), which is the plan's objective less every penalty.
    mip_obj = obj - float(arr.penalty.sum())
    assert obj - bound <= 0.01 * abs(mip_obj) + 1e-6

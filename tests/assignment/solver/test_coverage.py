"""The proven tier-1 coverage: its bound against exhaustive solves, its plans, its use."""

from __future__ import annotations

import numpy as np
import pytest

from assignment.problem import ArcArrays
from assignment.solver.coverage import max_coverage
from assignment.solver.top_model import covered_top
from assignment.solver.township import solve_arrays
from tests.assignment.helpers import arc_arrays, feasible, most_tier1, random_township


def short_of_cadres(seed: int, n_top: int = 8, n_cadres: int = 3) -> ArcArrays:
    """A township whose tier-1 households do not all fit: cadres of 4-7 h and 2-4 households,
    tier-1 households of 1.3-3.1 h (non-round hours), two tier-2 households for the cadres
    too, and (for some seeds) a pinned tier-2 household that takes part of a cadre."""
    rng = np.random.default_rng(seed)
    arcs: list[tuple[int, int, float, float]] = []
    for i in range(n_top + 2):
        for w in range(n_cadres):
            if rng.random() < 0.75:
                arcs.append((i, w, float(rng.uniform(5, 90)), float(rng.uniform(1.3, 3.1))))
    penalty = [100_000.0 * (1 + rng.random()) for _ in range(n_top)] + [15_000.0, 12_000.0]
    pinned = ()
    low = [k for k, a in enumerate(arcs) if a[0] == n_top]
    if seed % 2 and low:
        pinned = (low[0],)
    return arc_arrays(
        arcs,
        penalty,
        cap_hours=[float(rng.uniform(4, 7)) for _ in range(n_cadres)],
        cap_count=[int(rng.integers(2, 5)) for _ in range(n_cadres)],
        pinned=pinned,
    )


@pytest.mark.parametrize("seed", range(8))
def test_the_bound_is_never_below_a_feasible_plan_and_proven_means_exact(seed: int) -> None:
    arr = short_of_cadres(seed)
    exact = most_tier1(arr)
    cov = max_coverage(arr, np.full(arr.n_items, -1, dtype=np.int64))
    assert cov.upper >= exact  # valid: no plan covers more than the bound
    assert cov.best <= exact
    # Its plan is real: the tier-1 assignment with every pin fits every worker in floats.
    plan = np.full(arr.n_items, -1, dtype=np.int64)
    plan[cov.items] = cov.choice
    plan[arr.arc_item[arr.arc_pinned]] = np.flatnonzero(arr.arc_pinned)
    assert feasible(arr, plan)
    assert covered_top(arr, plan) == cov.best
    assert cov.proven  # these are small: closed within the default work limit
    assert cov.best == exact


@pytest.mark.parametrize("seed", range(6))
def test_the_township_solve_covers_the_proven_maximum(seed: int) -> None:
    arr = short_of_cadres(seed)
    exact = most_tier1(arr)
    sol = solve_arrays(arr)
    assert feasible(arr, sol.choice)
    assert sol.coverage is not None
    assert sol.coverage.upper >= exact
    assert sol.coverage.proven
    assert covered_top(arr, sol.choice) == exact == sol.coverage.best
    assert sol.bound is not None and sol.objective is not None
    assert sol.bound <= sol.objective + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_random_townships_bound_against_exhaustive(seed: int) -> None:
    arr = random_township(seed, n_items=9, n_agents=3)
    exact = most_tier1(arr)
    sol = solve_arrays(arr)
    assert sol.coverage is not None
    assert sol.coverage.upper >= exact >= covered_top(arr, sol.choice)
    if sol.coverage.proven:
        assert covered_top(arr, sol.choice) == exact


def test_a_plan_that_covers_every_tier1_household_is_proven_without_a_solve() -> None:
    arr = arc_arrays(
        [(0, 0, 10.0, 2.0), (1, 0, 12.0, 2.0), (2, 1, 5.0, 1.0)],
        [150_000.0, 120_000.0, 2_000.0],
        cap_hours=[10.0, 10.0],
        cap_count=[5, 5],
    )
    cov = max_coverage(arr, np.array([0, 1, -1]))
    assert cov.proven and cov.best == cov.upper == 2 and cov.message == "all covered"


def test_hours_that_just_fit_in_floats_are_not_lost_to_rounding() -> None:
    # 0.1 + 0.2 h > 0.3 in floats by 5.6e-17: within the solvers' tolerance, so both fit.
    arr = arc_arrays(
        [(0, 0, 1.0, 0.1), (1, 0, 1.0, 0.2)],
        [110_000.0, 120_000.0],
        cap_hours=[0.3],
        cap_count=[2],
    )
    cov = max_coverage(arr, np.full(2, -1, dtype=np.int64))
    assert cov.proven and cov.best == 2


@pytest.mark.parametrize("seed", [0, 2, 4, 6])
def test_from_a_plan_one_short_the_stage_finds_and_proves_the_maximum(seed: int) -> None:
    arr = short_of_cadres(seed)
    exact = most_tier1(arr)
    full = max_coverage(arr, np.full(arr.n_items, -1, dtype=np.int64))
    start = np.full(arr.n_items, -1, dtype=np.int64)
    start[full.items] = full.choice
    start[full.items[np.flatnonzero(full.choice >= 0)[0]]] = -1  # one household fewer
    cov = max_coverage(arr, start)
    assert cov.best == cov.upper == exact

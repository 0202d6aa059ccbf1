"""The township solver: bound validity, optimality on small instances, presolve, knapsack."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from assignment.problem import ArcArrays
from assignment.solver.coverage import max_coverage
from assignment.solver.knapsack import knapsack_min
from assignment.solver.lp import (
    _greedy_start,
    fractional_top_limit,
    solve_lp_relaxation,
)
from assignment.solver.options import SolverOptions
from assignment.solver.priority import top_mask
from assignment.solver.repair import presolve
from assignment.solver.township import _cover_limit, solve_arrays
from tests.assignment.helpers import (
    exact,
    feasible,
    plan_of_cover,
    random_short,
    random_township,
    tiers_of,
    township_shaped,
)


@pytest.mark.parametrize("seed", range(8))
def test_bound_below_optimum_and_plan_feasible(seed: int) -> None:
    arr = random_township(seed)
    sol = solve_arrays(arr, SolverOptions(prune_k=2))
    opt = exact(arr)
    assert feasible(arr, sol.choice)
    assert sol.objective == pytest.approx(arr.objective_of(sol.choice))
    assert sol.objective >= opt - 1e-6
    assert sol.lp_bound <= sol.bound + 1e-6  # Lagrangian never below the LP
    assert sol.bound <= opt * (1 + 1e-9) + 1e-6  # and a proven lower bound
    assert sol.gap is not None and sol.gap >= 0


def test_pruning_costs_nothing_on_the_lp_bound() -> None:
    arr = random_township(3, n_items=60)
    a = solve_arrays(arr, SolverOptions(prune_k=1))
    b = solve_arrays(arr, SolverOptions(prune_k=100))
    assert a.lp_bound == pytest.approx(b.lp_bound, rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("row", ["none", "at most k", "exactly k"])
def test_the_priced_lp_is_the_lp_over_every_arc(seed: int, row: str) -> None:
    # Column generation (one arc per household first, the rest priced in) ends at the
    # optimum of the LP that has every arc from the start: with the balance term, and with
    # the coverage row in either form (whose dual may have either sign when it is "exactly").
    base = random_township(seed, n_items=60)
    cap = base.cap_hours * 0.6
    arr = replace(base, cap_hours=cap, soft_hours=0.5 * cap, overload_weight=20.0)
    is_top = arr.tier == 1
    every = SolverOptions(prune_k=arr.n_arcs, lp_start_arcs=0)
    free = solve_lp_relaxation(arr, every)
    mass = float(free.x[is_top[arr.arc_item]].sum())
    cover = None if row == "none" else (is_top, max(0, int(mass) - 1))
    exact_row = row == "exactly k"
    priced = solve_lp_relaxation(arr, SolverOptions(), cover, cover_exact=exact_row)
    full = solve_lp_relaxation(arr, every, cover, cover_exact=exact_row)
    assert priced.ok and full.ok
    assert priced.rounds > 1  # arcs were priced in
    assert priced.objective == pytest.approx(full.objective, rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_the_lps_greedy_start_is_a_plan_and_changes_only_the_path(seed: int) -> None:
    # Tight capacities, so that workers refuse proposals and households move to later arcs.
    base = random_township(seed, n_items=60)
    arr = replace(base, cap_hours=base.cap_hours * 0.6, arc_pinned=np.arange(base.n_arcs) == 0)
    start = _greedy_start(arr, 4)
    assert feasible(arr, start)  # hours, counts and the pin hold
    c_tilde = arr.arc_cost - arr.penalty[arr.arc_item]
    assert np.all(c_tilde[start[start >= 0]] < 0)
    assert (start >= 0).sum() > 1  # more than the pin
    with_start = solve_lp_relaxation(arr, SolverOptions(lp_start_arcs=4, prune_k=1))
    without = solve_lp_relaxation(arr, SolverOptions(lp_start_arcs=0, prune_k=2))
    assert with_start.ok and without.ok
    assert with_start.objective == pytest.approx(without.objective, rel=1e-9)


def test_the_greedy_start_gives_each_worker_its_cheapest_proposals_that_fit() -> None:
    # Three households all prefer worker 0 (2 h left); the cheapest two fit, the third
    # moves to its second arc (worker 1).
    arr = ArcArrays(
        arc_item=np.array([0, 0, 1, 1, 2, 2]),
        arc_agent=np.array([0, 1, 0, 1, 0, 1]),
        arc_cost=np.array([1.0, 9.0, 2.0, 9.0, 3.0, 9.0]),
        arc_hours=np.ones(6),
        arc_pinned=np.zeros(6, dtype=bool),
        penalty=np.full(3, 100.0),
        tier=np.full(3, 3, dtype=np.int8),
        cap_hours=np.array([2.0, 5.0]),
        cap_count=np.array([5, 5]),
    )
    assert _greedy_start(arr, 2).tolist() == [0, 2, 5]
    assert _greedy_start(arr, 1).tolist() == [0, 2, -1]  # no second arc to move to


def test_presolve_fixes_only_safe_households() -> None:
    # Worker 0 can take everything it is offered; worker 1 is tight.
    arr = ArcArrays(
        arc_item=np.array([0, 0, 1, 2]),
        arc_agent=np.array([0, 1, 1, 1]),
        arc_cost=np.array([1.0, 5.0, 2.0, 3.0]),
        arc_hours=np.array([1.0, 1.0, 1.0, 1.0]),
        arc_pinned=np.zeros(4, dtype=bool),
        penalty=np.array([100.0, 100.0, 100.0]),
        tier=np.array([3, 3, 3], dtype=np.int8),
        cap_hours=np.array([10.0, 1.0]),
        cap_count=np.array([10, 10]),
    )
    fixed = presolve(arr)
    assert fixed[0] == 0  # cheapest arc at a never-binding worker
    # once item 0 is fixed, worker 1 still has two arcs for one hour: nothing else is safe
    assert fixed[1] == -1 and fixed[2] == -1
    sol = solve_arrays(arr)
    assert sol.objective == pytest.approx(1.0 + 2.0 + 100.0)


def test_pins_are_kept() -> None:
    arr = random_township(1, n_items=20)
    pinned = np.zeros(arr.n_arcs, dtype=bool)
    first = int(np.flatnonzero(arr.arc_item == 0)[-1])
    pinned[first] = True
    arr2 = replace(arr, arc_pinned=pinned, cap_hours=arr.cap_hours + 5, cap_count=arr.cap_count + 2)
    sol = solve_arrays(arr2)
    assert sol.choice[0] == first


def test_knapsack_against_enumeration() -> None:
    rng = np.random.default_rng(0)
    for _ in range(150):
        n = int(rng.integers(1, 8))
        v = rng.normal(-5, 5, n)
        h = np.round(rng.uniform(0.1, 3, n), 2)
        cap_h, cap_n = float(rng.uniform(0, 8)), int(rng.integers(0, 5))
        best = 0.0
        for r in range(n + 1):
            for s in itertools.combinations(range(n), r):
                idx = list(s)
                if h[idx].sum() <= cap_h + 1e-9 and len(idx) <= cap_n:
                    best = min(best, float(v[idx].sum()))
        # hours on a 0.01 grid: the DP is exact
        assert knapsack_min(v, h, cap_h, cap_n, delta=0.01) == pytest.approx(best, abs=1e-9)
        # coarser grid: a relaxation, never above the optimum
        assert knapsack_min(v, h, cap_h, cap_n, delta=0.5) <= best + 1e-9


def short_of_top_capacity(seed: int) -> ArcArrays:
    """A random instance whose tier-1 households exceed the workers' hours."""
    arr = random_township(seed, n_items=30, n_agents=4)
    rng = np.random.default_rng(seed)
    penalty = np.where(rng.random(arr.n_items) < 0.6, 100000.0, 1000.0) * (1 + rng.random(30))
    return replace(
        arr,
        penalty=penalty,
        tier=tiers_of(penalty),
        cap_hours=np.full(4, 6.0),
        cap_count=np.full(4, 6),
    )


@pytest.mark.parametrize("seed", range(10))
def test_coverage_cut_keeps_the_bound_valid(seed: int) -> None:
    arr = short_of_top_capacity(seed)
    sol = solve_arrays(arr)
    opt = exact(arr)
    assert feasible(arr, sol.choice)
    assert sol.bound is not None and sol.bound <= opt * (1 + 1e-9) + 1e-6
    assert sol.objective >= opt - 1e-6


def test_coverage_cut_raises_the_bound_where_top_households_are_left_out() -> None:
    lifted = 0
    for seed in range(10):  # seeds 7 and 8 leave tier-1 households out fractionally
        arr = short_of_top_capacity(seed)
        lp = solve_lp_relaxation(arr, SolverOptions())
        # The solver's cut: "at most K covered", K the proven maximum, where the LP covers more.
        cov = max_coverage(arr, np.full(arr.n_items, -1, dtype=np.int64), work=0.0)
        k = _cover_limit(arr, lp, cov, SolverOptions())
        if k is None:
            continue
        with_cut = solve_lp_relaxation(arr, SolverOptions(), (top_mask(arr), k))
        assert with_cut.objective >= lp.objective - 1e-6
        lifted += with_cut.objective > lp.objective + 1e-6
        assert with_cut.objective <= exact(arr) + 1e-6
    assert lifted >= 1


@pytest.mark.parametrize("shape", ["township", "random"])
@pytest.mark.parametrize("seed", range(4))
def test_the_tier1_lp_limit_is_the_same_from_the_best_cover(shape: str, seed: int) -> None:
    # The solver warm-starts the tier-1 LP from the best cover found (a speed-up where
    # every arc costs the same); the limit, the floor of the LP's optimum, does not move.
    arr = (
        township_shaped(seed, n_top=150, n_cadres=8) if shape == "township" else random_short(seed)
    )
    opts = SolverOptions()
    cov = max_coverage(arr, np.full(arr.n_items, -1, dtype=np.int64), work=0.0)
    best = plan_of_cover(arr, cov)
    cold = fractional_top_limit(arr, opts)
    warm = fractional_top_limit(arr, opts, start=best)
    assert cold is not None and warm == cold
    assert warm >= cov.best


@pytest.mark.parametrize("seed", range(4))
def test_a_start_plan_changes_the_lp_speed_not_its_optimum(seed: int) -> None:
    # The crash basis (from the greedy, or from a given plan) is a warm start only.
    arr = random_township(seed, n_items=60)
    opts = SolverOptions(prune_k=1)
    cold = solve_lp_relaxation(arr, opts)
    plan = solve_arrays(arr, opts).choice
    warm = solve_lp_relaxation(arr, opts, start=plan)
    assert cold.ok and warm.ok
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9, abs=1e-9)
    # Also with the coverage cut, started from the plan (as the solver does).
    k = int(np.sum(plan[arr.tier == 1] >= 0))
    cut = (arr.tier == 1, k)
    a = solve_lp_relaxation(arr, opts, cut)
    b = solve_lp_relaxation(arr, opts, cut, start=plan)
    assert a.ok and b.ok
    assert b.objective == pytest.approx(a.objective, rel=1e-9, abs=1e-9)
    assert b.objective >= cold.objective - 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_ejection_is_deterministic_and_never_worse(seed: int) -> None:
    from assignment.solver.repair import eject_improve

    arr = random_township(seed, n_items=60)
    plan = solve_arrays(arr, SolverOptions(prune_k=1)).choice.copy()
    plan[::3] = -1  # uncover a third of the households
    a, moved = eject_improve(arr, plan)
    b, _ = eject_improve(arr, plan)
    assert np.array_equal(a, b)
    assert feasible(arr, a)
    assert moved > 0
    assert arr.objective_of(a) <= arr.objective_of(plan) + 1e-9


@pytest.mark.parametrize("k", [1, 3, 100])
def test_the_ejections_arcs_are_each_households_cheapest(k: int) -> None:
    # The ejection step reads each household's k cheapest arcs (ties by arc index), from arcs
    # in any order, households without arcs included.
    from assignment.solver.repair import _cheapest_arcs

    base = random_township(5, n_items=50)
    rng = np.random.default_rng(0)
    perm = rng.permutation(np.flatnonzero(base.arc_item != 7))  # household 7: no arcs
    cost = np.round(base.arc_cost[perm], 0)  # rounded: ties
    arr = replace(
        base,
        arc_item=base.arc_item[perm],
        arc_agent=base.arc_agent[perm],
        arc_cost=cost,
        arc_hours=base.arc_hours[perm],
        arc_pinned=base.arc_pinned[perm],
    )
    got = _cheapest_arcs(arr, k)
    assert len(got.starts) == arr.n_items + 1
    assert got.starts[7] == got.starts[8]
    for i in range(arr.n_items):
        own = np.flatnonzero(arr.arc_item == i)
        want = own[np.lexsort((own, arr.arc_cost[own]))][:k]
        assert np.array_equal(got.arcs[got.starts[i] : got.starts[i + 1]], want)

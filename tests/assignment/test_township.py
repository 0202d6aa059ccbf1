"""The township solver: bound validity, optimality on small instances, presolve, knapsack."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from assignment.core import CoreProblem, solve_core
from assignment.knapsack import knapsack_min
from assignment.problem import ArcArrays
from assignment.township import (
    SolverOptions,
    coverage_cut,
    presolve,
    solve_arrays,
    solve_lp_relaxation,
)


def random_township(seed: int, n_items: int = 40, n_agents: int = 6) -> ArcArrays:
    """A random capacitated assignment with two resources (hours, count) and penalties."""
    rng = np.random.default_rng(seed)
    pairs = [(i, a) for i in range(n_items) for a in range(n_agents) if rng.random() < 0.5]
    item = np.array([i for i, _ in pairs])
    agent = np.array([a for _, a in pairs])
    order = np.lexsort((agent, item))
    item, agent = item[order], agent[order]
    return ArcArrays(
        arc_item=item,
        arc_agent=agent,
        arc_cost=rng.uniform(1, 60, len(item)),
        arc_hours=rng.uniform(0.5, 3, len(item)),
        arc_pinned=np.zeros(len(item), dtype=bool),
        penalty=rng.choice([1000.0, 10000.0, 100000.0], n_items) * (1 + rng.random(n_items)),
        cap_hours=rng.uniform(4, 14, n_agents),
        cap_count=rng.integers(2, 8, n_agents),
    )


def exact(arr: ArcArrays) -> float:
    p = CoreProblem(
        arr.n_items,
        arr.n_agents,
        arr.arc_item,
        arr.arc_agent,
        arr.arc_cost,
        np.column_stack([arr.arc_hours, np.ones(arr.n_arcs)]),
        np.column_stack([arr.cap_hours, arr.cap_count]),
        arr.penalty,
    )
    res = solve_core(p, method="highs", time_limit=30)
    assert res.status.value == "optimal"
    return float(res.objective)  # type: ignore[arg-type]


def feasible(arr: ArcArrays, choice: np.ndarray) -> bool:
    hours, count = arr.loads(choice)
    ok_item = all(arr.arc_item[c] == i for i, c in enumerate(choice) if c >= 0)
    return (
        ok_item
        and bool(np.all(hours <= arr.cap_hours + 1e-6))
        and bool(np.all(count <= arr.cap_count))
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


def test_presolve_fixes_only_safe_households() -> None:
    # Worker 0 can take everything it is offered; worker 1 is tight.
    arr = ArcArrays(
        arc_item=np.array([0, 0, 1, 2]),
        arc_agent=np.array([0, 1, 1, 1]),
        arc_cost=np.array([1.0, 5.0, 2.0, 3.0]),
        arc_hours=np.array([1.0, 1.0, 1.0, 1.0]),
        arc_pinned=np.zeros(4, dtype=bool),
        penalty=np.array([100.0, 100.0, 100.0]),
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
    arr2 = ArcArrays(
        arr.arc_item,
        arr.arc_agent,
        arr.arc_cost,
        arr.arc_hours,
        pinned,
        arr.penalty,
        arr.cap_hours + 5,
        arr.cap_count + 2,
    )
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
    """A random instance whose top (highest-penalty) households exceed the workers' hours."""
    arr = random_township(seed, n_items=30, n_agents=4)
    rng = np.random.default_rng(seed)
    penalty = np.where(rng.random(arr.n_items) < 0.6, 100000.0, 1000.0) * (1 + rng.random(30))
    return replace(arr, penalty=penalty, cap_hours=np.full(4, 6.0), cap_count=np.full(4, 6))


@pytest.mark.parametrize("seed", range(6))
def test_coverage_cut_keeps_the_bound_valid(seed: int) -> None:
    arr = short_of_top_capacity(seed)
    sol = solve_arrays(arr)
    opt = exact(arr)
    assert feasible(arr, sol.choice)
    assert sol.bound is not None and sol.bound <= opt * (1 + 1e-9) + 1e-6
    assert sol.objective >= opt - 1e-6


def test_coverage_cut_raises_the_bound_where_top_households_are_left_out() -> None:
    lifted = 0
    for seed in range(6):
        arr = short_of_top_capacity(seed)
        lp = solve_lp_relaxation(arr, SolverOptions())
        cover = coverage_cut(arr, lp, SolverOptions())
        if cover is None:
            continue
        with_cut = solve_lp_relaxation(arr, SolverOptions(), cover)
        assert with_cut.objective >= lp.objective - 1e-6
        lifted += with_cut.objective > lp.objective + 1e-6
        assert with_cut.objective <= exact(arr) + 1e-6
    assert lifted >= 1

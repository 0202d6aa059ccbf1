"""Tier-1 coverage first: the floor rule in packing and ejection, the cost bound with coverage
fixed against exhaustive solves, and determinism (same plan twice, with 1 and 2 processes).

The policy's penalties (tier 1 about 100,000 x (1 + risk), tier 2 about 10,000 x (1 + risk))
let a cost step trade one tier-1 household for several tier-2 ones; once the coverage stage
has a plan covering ``best`` tier-1 households, no later step may (the floor rule), while it
stays free to change which tier-1 households are covered.
"""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from assignment.bounds import relative_gap
from assignment.domain import AssignmentSettings
from assignment.problem import ArcArrays
from assignment.solver.lagrange import lagrangian_bound
from assignment.solver.lp import solve_lp_relaxation
from assignment.solver.options import SolverOptions
from assignment.solver.packing import improve_packing
from assignment.solver.priority import keeps_top_floor, top_mask
from assignment.solver.repair import eject_improve
from assignment.solver.top_model import covered_top
from assignment.solver.township import solve_arrays
from tests.assignment.helpers import arc_arrays, feasible, scored_households


def one_cadre_trade() -> ArcArrays:
    """One cadre of 3 hours: a tier-1 household of 3 hours (penalty 110,000), covered, and
    six tier-2 households of 0.5 hours (penalty 20,000 each, 120,000 together), uncovered.
    By penalties alone the six are worth more than the one."""
    arcs = [(0, 0, 10.0, 3.0)] + [(i, 0, 10.0, 0.5) for i in range(1, 7)]
    return arc_arrays(arcs, [110_000.0] + [20_000.0] * 6, cap_hours=[3.0], cap_count=[10])


def test_packing_without_a_floor_gives_the_tier1_household_back() -> None:
    arr = one_cadre_trade()
    plan = np.array([0, -1, -1, -1, -1, -1, -1])
    got, _ = improve_packing(arr, plan)
    assert feasible(arr, got)
    assert covered_top(arr, got) == 0  # the trade the weighted objective prefers
    assert arr.objective_of(got) < arr.objective_of(plan)


def test_packing_keeps_the_floor() -> None:
    arr = one_cadre_trade()
    plan = np.array([0, -1, -1, -1, -1, -1, -1])
    got, _ = improve_packing(arr, plan, floor=1)
    assert feasible(arr, got)
    assert covered_top(arr, got) == 1
    assert keeps_top_floor(arr, got, 1)


def test_packing_under_the_floor_still_swaps_which_tier1_household_is_covered() -> None:
    # Two tier-1 households of 3 hours each for one 3-hour cadre: the less risky one
    # (penalty 105,000) is covered; the floor 1 allows covering the riskier one instead.
    arcs = [(0, 0, 10.0, 3.0), (1, 0, 10.0, 3.0)] + [(i, 0, 10.0, 0.5) for i in range(2, 8)]
    arr = arc_arrays(arcs, [105_000.0, 190_000.0] + [20_000.0] * 6, cap_hours=[3.0], cap_count=[10])
    plan = np.full(arr.n_items, -1)
    plan[0] = 0
    got, _ = improve_packing(arr, plan, floor=1)
    assert covered_top(arr, got) == 1
    assert got[1] == 1 and got[0] == -1


def test_ejection_keeps_the_floor() -> None:
    # Tier comes from the arrays, not the penalty: a tier-1 household whose penalty is below a
    # tier-2 one's (as a stand-in for several tier-2 households) is ejected without a floor.
    arcs = [(0, 0, 1.0, 1.0), (1, 0, 1.0, 1.0)]
    arr = arc_arrays(arcs, [100.0, 500.0], cap_hours=[1.0], cap_count=[5], tier=[1, 2])
    plan = np.array([0, -1])
    free, _ = eject_improve(arr, plan)
    assert covered_top(arr, free) == 0 and free[1] == 1
    kept, _ = eject_improve(arr, plan, floor=1)
    assert covered_top(arr, kept) == 1 and kept[0] == 0


def random_trade(seed: int) -> ArcArrays:
    """A small cadre-short township: 2 low-risk tier-1 households of 2.6-3.2 hours and 8
    high-risk tier-2 ones of 0.3-0.5 hours on 2 cadres of 3-3.6 hours, so that a tier-1
    household is often worth less than the tier-2 households its hours would serve."""
    rng = np.random.default_rng(500 + seed)
    arcs: list[tuple[int, int, float, float]] = []
    for i in range(10):
        for w in range(2):
            if rng.random() < (0.8 if i < 2 else 0.9 if w == 0 else 0.3):
                hours = rng.uniform(2.6, 3.2) if i < 2 else rng.uniform(0.3, 0.5)
                arcs.append((i, w, float(rng.uniform(5, 60)), float(hours)))
    penalty = [100_000.0 * (1 + 0.05 * rng.random()) for _ in range(2)]
    penalty += [10_000.0 * (1.8 + 0.2 * rng.random()) for _ in range(8)]
    return arc_arrays(
        arcs,
        penalty,
        cap_hours=[float(rng.uniform(3.0, 3.6)) for _ in range(2)],
        cap_count=[int(rng.integers(5, 10)) for _ in range(2)],
    )


def exhaustive(arr: ArcArrays) -> tuple[float, int, float, float]:
    """Every plan: (least objective, most tier-1 households covered, least objective of the
    plans covering that many, least penalty paid by those plans)."""
    options = [[-1, *np.flatnonzero(arr.arc_item == i).tolist()] for i in range(arr.n_items)]
    best, k_max, best_k, paid_k = np.inf, -1, np.inf, np.inf
    for combo in itertools.product(*options):
        choice = np.array(combo, dtype=np.int64)
        if not feasible(arr, choice):
            continue
        obj, k = arr.objective_of(choice), covered_top(arr, choice)
        paid = float(arr.penalty[choice < 0].sum())
        best = min(best, obj)
        if k > k_max:
            k_max, best_k, paid_k = k, obj, paid
        elif k == k_max:
            best_k, paid_k = min(best_k, obj), min(paid_k, paid)
    return float(best), k_max, float(best_k), float(paid_k)


@pytest.mark.parametrize("seed", range(12))
def test_the_plan_covers_the_maximum_and_the_bound_with_coverage_fixed_is_valid(
    seed: int,
) -> None:
    arr = random_trade(seed)
    best, k_max, best_k, paid_k = exhaustive(arr)
    sol = solve_arrays(arr)
    assert feasible(arr, sol.choice)
    assert sol.coverage is not None and sol.coverage.upper >= k_max
    assert covered_top(arr, sol.choice) == k_max  # coverage first: the maximum is reached
    assert sol.objective is not None and sol.objective >= best_k - 1e-6
    assert sol.bound is not None and sol.bound <= best + 1e-6  # the weighted model's bound
    if sol.coverage.proven:
        assert sol.cost_bound is not None and sol.cost_gap is not None
        assert sol.cost_bound <= best_k + 1e-6  # never above a plan covering the maximum
        assert sol.cost_bound >= sol.bound - 1e-6  # and never weaker than the bound
        # The penalties no plan covering the maximum avoids: at most what the cheapest such
        # plan pays in penalties, and the cost gap is measured against the rest.
        assert sol.unavoidable is not None and sol.unavoidable <= paid_k + 1e-6
        assert sol.unavoidable <= sol.cost_bound + 1e-6
        assert sol.cost_gap == pytest.approx(
            relative_gap(sol.objective - sol.unavoidable, sol.cost_bound - sol.unavoidable)
        )


def test_the_exact_cover_cut_bound_against_exhaustive_solves() -> None:
    """The LP with "exactly K tier-1 households covered" and its Lagrangian bound, K the
    maximum: never above the cheapest plan covering K, and in some cases above the weighted
    optimum (so the cut does work here)."""
    opts = SolverOptions()
    raised = 0
    for seed in range(12):
        arr = random_trade(seed)
        best, k_max, best_k, _ = exhaustive(arr)
        lp = solve_lp_relaxation(arr, opts, (top_mask(arr), k_max), cover_exact=True)
        assert lp.ok
        lagr, _ = lagrangian_bound(arr, lp, opts.knapsack_delta)
        assert lp.objective <= best_k + 1e-6
        assert lagr <= best_k + 1e-6
        # Above the weighted optimum itself (no bound of that model can say as much): only
        # where covering the maximum costs more than the cheapest plan.
        if max(lagr, lp.objective) > best + 1.0:
            raised += 1
    assert raised > 0


def test_the_township_reports_the_bound_with_coverage_fixed_where_it_is_tighter() -> None:
    """Where covering the maximum costs more than the weighted optimum, the cost bound with
    coverage fixed is above the weighted model's bound (which stays as proven, unclamped)."""
    tighter = 0
    for seed in range(12):
        arr = random_trade(seed)
        sol = solve_arrays(arr)
        assert sol.bound is not None and sol.cost_bound is not None
        assert sol.objective is not None and sol.bound <= sol.objective + 1e-6
        tighter += sol.cost_bound > sol.bound + 1.0
    assert tighter > 0


def test_the_cover_repacked_on_tier1_alone_keeps_the_count_and_costs_no_more() -> None:
    from assignment.solver.cheapest_cover import cheapest_cover
    from assignment.solver.coverage import max_coverage

    for seed in range(8):
        arr = random_trade(seed)
        cov = max_coverage(arr, np.full(arr.n_items, -1, dtype=np.int64))
        price = np.full(arr.n_arcs, 1_000.0) * arr.arc_hours  # an hour is worth 1,000
        plain = cheapest_cover(arr, cov, price=price)
        packed = cheapest_cover(arr, cov, price=price, effort=200)
        assert plain is not None and packed is not None
        for top in (plain, packed):
            full = np.full(arr.n_items, -1, dtype=np.int64)
            full[top.items] = top.choice
            assert covered_top(arr, full) >= cov.best
            assert feasible(arr, full)
        a, b = plain.choice, packed.choice
        priced_plain = plain.objective + float(price[a[a >= 0]].sum())
        assert packed.objective + float(price[b[b >= 0]].sum()) <= priced_plain + 1e-6


def test_the_township_solve_is_deterministic() -> None:
    for seed in range(4):
        arr = random_trade(seed)
        a, b = solve_arrays(arr), solve_arrays(arr)
        assert np.array_equal(a.choice, b.choice)
        assert a.objective == b.objective and a.cost_bound == b.cost_bound


def test_plans_do_not_depend_on_the_number_of_processes() -> None:
    # The demo's data (generate --scale 0.01 --seed 1): township 532626001 is cadre-short.
    from assignment.plan import solve_prefecture
    from visit_planner.synthetic import generate

    p = generate(scale=0.01, seed=1)
    hh = scored_households(p)
    towns = ["532626001", *sorted(set(hh["township_id"].unique().to_list()) - {"532626001"})[:2]]
    runs = [
        solve_prefecture(
            hh,
            p.workers,
            AssignmentSettings(),
            previous=p.previous_assignment,
            conflicts=p.conflicts,
            townships=towns,
            processes=n,
        )
        for n in (1, 2)
    ]
    one, two = runs
    assert one.plan.equals(two.plan)
    cols = ["township_id", "objective", "bound", "cost_bound", "cost_gap", "tier1_covered"]
    assert (
        one.diagnostics.select(cols)
        .sort("township_id")
        .equals(two.diagnostics.select(cols).sort("township_id"))
    )
    short = one.diagnostics.filter(pl.col("township_id") == "532626001").row(0, named=True)
    assert short["unassigned_tier1"] > 0 and short["tier1_coverage_proven"]
    assert short["tier1_covered"] == short["tier1_max_coverable"]
    assert short["cost_bound"] is not None and short["cost_gap"] is not None

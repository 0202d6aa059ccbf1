"""The tier-1 coverage bound of the MIP stage: never below a feasible plan, exact where proven.

Small random townships are solved exhaustively (a depth-first search over every tier-1
assignment, pruned by capacity) and compared with :func:`max_coverage`, with and without the
CP-SAT fallback; a township-shaped instance (every cadre eligible for every tier-1 household,
hours from distances) shows the MIP stage closing what CP-SAT alone left open (the tabu
search that runs first, tested in test_count_search.py, off). Townships too
large for the MIP have the searches (and CP-SAT on small models) alone: the bound stays
valid there.
"""

from __future__ import annotations

import numpy as np
import pytest

from assignment.solver import cheapest_cover, count_search, coverage, top_model, township
from assignment.solver.coverage import Coverage, _cpsat, max_coverage
from assignment.solver.options import SolverOptions
from assignment.solver.priority import top_part
from assignment.solver.top_model import covered_top
from tests.assignment.helpers import (
    feasible,
    most_tier1,
    plan_of_cover,
    random_short,
    township_shaped,
)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("work", [0.0, 2.0])
def test_the_bound_holds_against_exhaustive_search(seed: int, work: float) -> None:
    arr = random_short(seed)
    exact = most_tier1(arr)
    if exact < 0:
        pytest.skip("the random pin does not fit its worker")  # never for these seeds
    cov = max_coverage(arr, np.full(arr.n_items, -1, dtype=np.int64), work=work)
    assert cov.upper >= exact  # valid: no plan covers more than the bound
    assert cov.best <= exact
    plan = plan_of_cover(arr, cov)
    assert feasible(arr, plan)  # its plan is real, in floats, with every pin
    assert covered_top(arr, plan) == cov.best
    assert cov.proven and cov.best == exact  # small: the MIP closes it


def test_no_random_pin_is_skipped() -> None:
    # The skip above guards a generator change only: today every seed's pin fits.
    assert all(most_tier1(random_short(s)) >= 0 for s in range(40))


def test_the_mip_closes_a_township_cp_sat_alone_left_open(monkeypatch: pytest.MonkeyPatch) -> None:
    # CP-SAT on the relaxed model (the stage before the MIP) within 2 units of deterministic
    # time leaves a gap here; the MIP proves the maximum. Both bounds are valid, so the old
    # plan never beats the new bound, and the new plan reaches it. (The tabu search, which
    # runs first, is off: it is tested in test_count_search.py.)
    monkeypatch.setattr(count_search, "WORK", 0)
    arr = township_shaped(2, n_top=150, n_cadres=8)
    tm = top_model.top_model(arr)
    empty = np.full(len(tm.items), -1, dtype=np.int64)
    old_best, _, old_upper = _cpsat(arr, tm, empty, 2.0, 120.0)
    assert old_best < old_upper  # the old stage could not say "no plan covers more"
    cov = max_coverage(arr, np.full(arr.n_items, -1, dtype=np.int64), work=0.0)
    assert cov.proven
    assert old_best <= cov.best == cov.upper <= old_upper
    assert feasible(arr, plan_of_cover(arr, cov))


@pytest.mark.parametrize("max_arcs", [coverage.MIP_MAX_ARCS, 0])
def test_the_stage_is_deterministic(max_arcs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Work limits, not clocks: two runs give the same plan and bound, on the MIP's path and
    # on the large townships' (the searches, then CP-SAT on small models).
    monkeypatch.setattr(coverage, "MIP_MAX_ARCS", max_arcs)
    arr = township_shaped(4, n_top=150, n_cadres=8)
    empty = np.full(arr.n_items, -1, dtype=np.int64)
    a, b = max_coverage(arr, empty), max_coverage(arr, empty)
    assert (a.best, a.upper) == (b.best, b.upper)
    assert np.array_equal(a.choice, b.choice)


@pytest.mark.parametrize("seed", range(40))
def test_above_the_mip_size_the_bound_still_holds_and_plans_are_real(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every township takes the large-township path (no count MIP: the searches, then
    # CP-SAT on small models): the bound stays valid and the plan real.
    monkeypatch.setattr(coverage, "MIP_MAX_ARCS", 0)
    arr = random_short(seed)
    exact = most_tier1(arr)
    cov = max_coverage(arr, np.full(arr.n_items, -1, dtype=np.int64), work=2.0)
    assert "count MIP" not in cov.message
    assert cov.upper >= exact >= cov.best
    plan = plan_of_cover(arr, cov)
    assert feasible(arr, plan)
    assert covered_top(arr, plan) == cov.best


@pytest.mark.parametrize("max_arcs", [coverage.MIP_MAX_ARCS, 0])
def test_effort_multiplies_the_stages_work_limits(
    max_arcs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tabu search's limits, the count MIP's nodes (townships up to MIP_MAX_ARCS) and
    # CP-SAT's deterministic time, each times the effort; the bound holds at every effort.
    monkeypatch.setattr(coverage, "MIP_MAX_ARCS", max_arcs)
    seen: list[tuple[str, float]] = []
    fitting, cpsat = coverage._fitting_mip, coverage._cpsat

    def fitting_spy(arr, tm, best, nodes, clock):  # type: ignore[no-untyped-def]
        seen.append(("nodes", nodes))
        return fitting(arr, tm, best, nodes, clock)

    def cpsat_spy(arr, tm, start, work, time_limit):  # type: ignore[no-untyped-def]
        seen.append(("cpsat", work))
        return cpsat(arr, tm, start, work, time_limit)

    def search_spy(*args, target, effort, lightest=False):  # type: ignore[no-untyped-def]
        seen.append(("search", effort))
        return args[3]  # its start: nothing found, so every later step runs

    monkeypatch.setattr(coverage, "search_count", search_spy)
    monkeypatch.setattr(coverage, "_fitting_mip", fitting_spy)
    monkeypatch.setattr(coverage, "_cpsat", cpsat_spy)
    arr = township_shaped(5, n_top=150, n_cadres=8)  # left open at effort 1
    empty = np.full(arr.n_items, -1, dtype=np.int64)
    arcs = len(top_model.top_model(arr).arcs)
    monkeypatch.setattr(coverage, "MIP_WORK", 5 * arcs)  # 5 nodes at effort 1: a quick test
    exact_upper = max_coverage(arr, empty, work=0.0).upper
    seen.clear()
    cov = max_coverage(arr, empty, work=0.5, effort=3.0)
    cp = [w for k, w in seen if k == "cpsat"]
    assert ("search", 3.0) in seen
    assert all(w == 1.5 for w in cp)
    assert cp or max_arcs  # the large townships' path always runs CP-SAT
    if max_arcs:
        assert ("nodes", 15) in seen
    else:
        assert not [k for k, _ in seen if k == "nodes"]  # no MIP above MIP_MAX_ARCS
    assert cov.best <= exact_upper  # either path's bound holds
    plan = plan_of_cover(arr, cov)
    assert feasible(arr, plan)
    assert covered_top(arr, plan) == cov.best <= cov.upper


@pytest.mark.parametrize("seed", range(0, 40, 5))
def test_the_bound_holds_at_a_larger_effort(seed: int) -> None:
    arr = random_short(seed)
    exact = most_tier1(arr)
    cov = max_coverage(arr, np.full(arr.n_items, -1, dtype=np.int64), work=2.0, effort=4.0)
    assert cov.upper >= exact >= cov.best
    assert cov.proven and feasible(arr, plan_of_cover(arr, cov))


def test_the_solver_option_reaches_the_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    # SolverOptions.coverage_effort is what the township solver hands to max_coverage.
    seen: list[float] = []

    def spy(*args: object, effort: float = 1.0, **kwargs: object) -> Coverage:
        seen.append(effort)
        return max_coverage(*args, effort=effort, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(township, "max_coverage", spy)
    # Cadre-short (67 of 80 coverable) and small: the 150 x 8 township took 30 s of the suite.
    arr = township_shaped(3, n_top=80, n_cadres=4)
    sol = township.solve_arrays(arr, SolverOptions(coverage_effort=3.0))
    assert seen == [3.0]
    assert sol.coverage is not None and sol.coverage.proven
    assert sol.coverage.best == sol.coverage.upper < 80


@pytest.mark.parametrize("seed", range(12))
def test_cpsat_runs_on_small_tier1_models_only_and_the_bound_holds_without_it(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Above CPSAT_MAX_ARCS neither the count's CP-SAT nor the cheapest cover's runs; the
    # bound stays valid, the plans real, and the cover no dearer than the one it starts from.
    calls: list[int] = []
    solver = top_model.cp_solver

    def solver_spy(work: float, time_limit: float):  # type: ignore[no-untyped-def]
        calls.append(1)
        return solver(work, time_limit)

    monkeypatch.setattr(top_model, "cp_solver", solver_spy)
    arr = random_short(seed)
    exact = most_tier1(arr)
    empty = np.full(arr.n_items, -1, dtype=np.int64)
    cheapest_cover.cheapest_cover(arr, max_coverage(arr, empty, work=2.0))
    assert calls  # on these small models the cheapest cover's CP-SAT runs by default
    monkeypatch.setattr(coverage, "CPSAT_MAX_ARCS", 0)
    calls.clear()
    cov = max_coverage(arr, empty, work=2.0)
    top = cheapest_cover.cheapest_cover(arr, cov)
    assert calls == []
    assert cov.upper >= exact >= cov.best
    assert feasible(arr, plan_of_cover(arr, cov))
    assert top is not None
    assert int((top.choice >= 0).sum()) >= cov.best
    start = np.full(arr.n_items, -1, dtype=np.int64)
    start[cov.items] = cov.choice
    assert top.objective <= top_part(arr, start) + 1e-6

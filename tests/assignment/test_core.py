"""The generic core against brute force on small constructed instances."""

from __future__ import annotations

import numpy as np
import pytest

from assignment.core import CoreProblem, Method, evaluate, gap_problem, solve_core
from assignment.domain import Status
from assignment.errors import InputError, SolverInternalError
from tests.assignment.helpers import brute_force_core


def random_problem(
    seed: int, n_items: int = 6, n_agents: int = 3, grid: float | None = None
) -> CoreProblem:
    """Random core problem; ``grid`` rounds uses, capacities and penalties to multiples of it
    (0.001: exactly representable in CP-SAT's fixed-point scale)."""
    rng = np.random.default_rng(seed)
    pairs = [(i, a) for i in range(n_items) for a in range(n_agents) if rng.random() < 0.7]
    item = np.array([i for i, _ in pairs])
    agent = np.array([a for _, a in pairs])

    def snap(a: np.ndarray) -> np.ndarray:
        return a if grid is None else np.round(a / grid) * grid

    return CoreProblem(
        n_items=n_items,
        n_agents=n_agents,
        arc_item=item,
        arc_agent=agent,
        arc_cost=rng.integers(1, 30, len(pairs)).astype(float),
        arc_use=np.column_stack([snap(rng.uniform(1, 6, len(pairs))), np.ones(len(pairs))]),
        capacity=np.column_stack(
            [snap(rng.uniform(4, 10, n_agents)), rng.integers(1, 3, n_agents)]
        ),
        unassigned_penalty=snap(rng.uniform(20, 60, n_items)),
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("method", "grid"), [("cpsat", 0.001), ("highs", 0.001), ("highs", None)])
def test_matches_brute_force_core(seed: int, method: Method, grid: float | None) -> None:
    p = random_problem(seed, grid=grid)
    res = solve_core(p, time_limit=10, method=method)
    assert res.status == Status.OPTIMAL
    cost, ok = evaluate(p, res.choice)
    assert ok
    assert res.objective == pytest.approx(cost)
    assert res.objective == pytest.approx(brute_force_core(p), abs=1e-6)
    assert res.bound is not None and res.bound <= res.objective + 1e-6


@pytest.mark.parametrize("seed", range(6))
def test_cpsat_on_data_it_must_round_claims_no_optimum_and_no_bound(seed: int) -> None:
    p = random_problem(seed)  # uses, capacities, penalties not on a 1/1000 grid
    res = solve_core(p, time_limit=10, method="cpsat")
    assert res.status == Status.FEASIBLE
    assert res.bound is None and res.gap is None
    assert "rounded model" in res.message
    cost, ok = evaluate(p, res.choice)
    assert ok and res.objective == pytest.approx(cost)
    assert res.objective >= brute_force_core(p) - 1e-6


def test_rounding_would_have_lost_the_optimum() -> None:
    # The example: capacity 1.0005 holds both items (0.5 + 0.5005) exactly; CP-SAT's
    # rounded model (uses up, capacity down at 1/1000: 0.5 + 0.501 > 1.0) fits only one.
    p = CoreProblem(
        n_items=2,
        n_agents=1,
        arc_item=np.array([0, 1]),
        arc_agent=np.array([0, 0]),
        arc_cost=np.array([1.0, 1.0]),
        arc_use=np.array([[0.5], [0.5005]]),
        capacity=np.array([[1.0005]]),
        unassigned_penalty=np.array([100.0, 100.0]),
    )
    cp = solve_core(p, method="cpsat")
    assert cp.status == Status.FEASIBLE and cp.bound is None
    assert int((cp.choice >= 0).sum()) == 1
    hi = solve_core(p, method="highs")
    assert hi.status == Status.OPTIMAL
    assert int((hi.choice >= 0).sum()) == 2 and hi.objective == pytest.approx(2.0)
    assert hi.bound is not None and hi.bound <= hi.objective + 1e-9


def test_a_bound_above_the_objective_is_an_error_not_gap_zero() -> None:
    from assignment.bounds import relative_gap

    assert relative_gap(100.0, 99.0) == pytest.approx(0.01)
    assert relative_gap(100.0, 100.0 + 1e-7) == 0.0  # floating-point noise
    with pytest.raises(SolverInternalError, match="above the plan's objective"):
        relative_gap(100.0, 101.0)


def test_known_gap_optimum_and_maximize() -> None:
    # 2 agents with capacity 2, 3 unit jobs: agent 0 is cheaper for all, so it takes the two
    # jobs where it saves most (jobs 0, 1 save 9 and 5; job 2 saves 1): 1 + 2 + 4 = 7.
    cost = np.array([[1, 2, 3], [10, 7, 4]])
    use = np.ones((2, 3))
    p = gap_problem(cost, use, np.array([2, 2]))
    res = solve_core(p)
    assert res.objective == 7 and res.gap == 0
    best = solve_core(p, maximize=True)
    assert best.objective == 10 + 7 + 3  # profits: agent 1 takes two, agent 0 the third
    assert best.bound == best.objective


def test_infeasible_is_a_result() -> None:
    p = gap_problem(np.array([[1, 1]]), np.array([[3, 3]]), np.array([5]))
    for method in ("cpsat", "highs"):
        res = solve_core(p, method=method)
        assert res.status == Status.INFEASIBLE
        assert res.objective is None


def test_pins_and_forbids() -> None:
    cost = np.array([[1, 1], [5, 5]])
    p0 = gap_problem(cost, np.ones((2, 2)), np.array([2, 2]))
    pinned = np.zeros(p0.n_arcs, dtype=bool)
    pinned[2] = True  # agent 1 must take item 0
    forbidden = np.zeros(p0.n_arcs, dtype=bool)
    forbidden[1] = True  # agent 0 may not take item 1
    p = CoreProblem(
        p0.n_items,
        p0.n_agents,
        p0.arc_item,
        p0.arc_agent,
        p0.arc_cost,
        p0.arc_use,
        p0.capacity,
        p0.unassigned_penalty,
        pinned,
        forbidden,
    )
    for method in ("cpsat", "highs"):
        res = solve_core(p, method=method)
        assert res.choice.tolist() == [2, 3]
        assert res.objective == 10


def test_unassigned_when_cheaper() -> None:
    p = gap_problem(np.array([[50.0]]), np.ones((1, 1)), np.array([1]))
    p = CoreProblem(
        p.n_items,
        p.n_agents,
        p.arc_item,
        p.arc_agent,
        p.arc_cost,
        p.arc_use,
        p.capacity,
        np.array([20.0]),
    )
    res = solve_core(p)
    assert res.choice.tolist() == [-1] and res.objective == 20


def test_data_too_large_for_cpsat_says_so_and_highs_solves_it() -> None:
    """A cost of 1e30 made CP-SAT answer "invalid" with no word why, and a capacity of 1e30
    raised (ArithmeticError: INT_MIN, a traceback in gap-solve): the costs are now refused
    for CP-SAT with the reason and the way out; a capacity that large binds nothing."""
    cost = np.array([[1.0, 2.0, 1e30], [3.0, 2.0, 1.0]])
    use, cap = np.full((2, 3), 2.0), np.array([4.0, 4.0])
    res = solve_core(gap_problem(cost, use, cap), method="cpsat")
    assert res.status == Status.INVALID and res.objective is None and res.bound is None
    assert "数据过大" in res.message and "method 'highs' solves it" in res.message
    res = solve_core(gap_problem(cost, use, cap), method="highs")
    assert res.status == Status.OPTIMAL and res.objective == 4.0
    res = solve_core(gap_problem(cost[:, :2], use[:, :2], np.array([1e30, 4.0])))
    assert res.status == Status.OPTIMAL and res.objective == 3.0 and res.bound == 3.0


def test_nan_or_infinite_data_is_refused() -> None:
    cost = np.array([[1.0, np.nan], [3.0, 2.0]])
    with pytest.raises(InputError, match=r"not a finite number \(NaN or infinity\) in arc_cost"):
        solve_core(gap_problem(cost, np.ones((2, 2)), np.array([2.0, 2.0])))
    with pytest.raises(InputError, match="in capacity"):
        solve_core(gap_problem(np.ones((2, 2)), np.ones((2, 2)), np.array([np.inf, 2.0])))

"""The generic core against brute force on small constructed instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from assignment.core import CoreProblem, evaluate, gap_problem, solve_core
from assignment.domain import Status


def brute_force(p: CoreProblem) -> float:
    """Enumerate every choice (item -> arc or none) and return the best feasible cost."""
    options = [[-1, *np.flatnonzero(p.arc_item == i).tolist()] for i in range(p.n_items)]
    best = np.inf
    for combo in itertools.product(*options):
        cost, ok = evaluate(p, np.array(combo))
        if ok:
            best = min(best, cost)
    return best


def random_problem(seed: int, n_items: int = 6, n_agents: int = 3) -> CoreProblem:
    rng = np.random.default_rng(seed)
    pairs = [(i, a) for i in range(n_items) for a in range(n_agents) if rng.random() < 0.7]
    item = np.array([i for i, _ in pairs])
    agent = np.array([a for _, a in pairs])
    return CoreProblem(
        n_items=n_items,
        n_agents=n_agents,
        arc_item=item,
        arc_agent=agent,
        arc_cost=rng.integers(1, 30, len(pairs)).astype(float),
        arc_use=np.column_stack([rng.uniform(1, 6, len(pairs)), np.ones(len(pairs))]),
        capacity=np.column_stack([rng.uniform(4, 10, n_agents), rng.integers(1, 3, n_agents)]),
        unassigned_penalty=rng.uniform(20, 60, n_items),
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("method", ["cpsat", "highs"])
def test_matches_brute_force(seed: int, method: str) -> None:
    p = random_problem(seed)
    res = solve_core(p, time_limit=10, method=method)
    assert res.status == Status.OPTIMAL
    cost, ok = evaluate(p, res.choice)
    assert ok
    assert res.objective == pytest.approx(cost)
    assert res.objective == pytest.approx(brute_force(p), abs=1e-6)
    assert res.bound is not None and res.bound <= res.objective + 1e-6


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

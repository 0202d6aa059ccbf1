"""Shared helpers of the assignment tests: frame builders (contract columns), problem arrays,
and exact optima by enumeration or HiGHS to check solvers and bounds against."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl

from assignment.core import CoreProblem, evaluate, solve_core
from assignment.domain import Status
from assignment.problem import ArcArrays
from visit_planner.synthetic import SyntheticPrefecture


def households(rows: list[dict]) -> pl.DataFrame:
    """Households frame; defaults fill every column not given."""
    base = {
        "township_id": "T1",
        "village_id": "V1",
        "grid_id": "G1",
        "county_id": "532621",
        "lon": 104.0,
        "lat": 23.5,
        "tier": 3,
        "risk": 0.1,
    }
    full = [{**base, **r} for r in rows]
    return pl.DataFrame(full).with_columns(pl.col("tier").cast(pl.Int8))


def workers(rows: list[dict]) -> pl.DataFrame:
    """Workers frame; defaults fill every column not given (role decides area columns)."""
    out = []
    for r in rows:
        role = r.get("role", "grid_worker")
        base = {
            "county_id": "532621",
            "township_id": "T1",
            "village_id": None if role == "cadre" else "V1",
            "grid_id": "G1" if role == "grid_worker" else None,
            "lon": 104.0,
            "lat": 23.5,
            "monthly_hours": 40.0,
            "max_households": 100,
            "own_household_id": None,
            "active": True,
            "role": role,
        }
        out.append({**base, **r})
    return pl.DataFrame(
        out,
        schema_overrides={
            "village_id": pl.String,
            "grid_id": pl.String,
            "own_household_id": pl.String,
        },
    )


# ----------------------------------------------------------------------------- arrays


def tiers_of(penalty: np.ndarray) -> np.ndarray:
    """Tiers of test households from their penalty class (the policy's bases 1e5 / 1e4 / 1e3,
    times 1 + risk): the tier-1 stages use the tier, so test arrays carry one."""
    return np.select([penalty >= 100_000.0, penalty >= 10_000.0], [1, 2], 3).astype(np.int8)


def arc_arrays(
    arcs: list[tuple[int, int, float, float]],
    penalty: list[float],
    cap_hours: list[float],
    cap_count: list[int],
    *,
    pinned: tuple[int, ...] = (),
    tier: list[int] | None = None,
) -> ArcArrays:
    """ArcArrays from (item, agent, cost, hours) arcs; ``pinned`` lists arc indices that must
    be chosen; ``tier`` defaults to the penalty class (:func:`tiers_of`)."""
    pin = np.zeros(len(arcs), dtype=bool)
    pin[list(pinned)] = True
    pen = np.array(penalty, dtype=float)
    return ArcArrays(
        arc_item=np.array([a[0] for a in arcs], dtype=np.int64),
        arc_agent=np.array([a[1] for a in arcs], dtype=np.int64),
        arc_cost=np.array([a[2] for a in arcs], dtype=float),
        arc_hours=np.array([a[3] for a in arcs], dtype=float),
        arc_pinned=pin,
        penalty=pen,
        tier=tiers_of(pen) if tier is None else np.array(tier, dtype=np.int8),
        cap_hours=np.array(cap_hours, dtype=float),
        cap_count=np.array(cap_count, dtype=np.int64),
    )


def random_township(seed: int, n_items: int = 40, n_agents: int = 6) -> ArcArrays:
    """A random capacitated assignment with two resources (hours, count) and penalties."""
    rng = np.random.default_rng(seed)
    pairs = [(i, a) for i in range(n_items) for a in range(n_agents) if rng.random() < 0.5]
    item = np.array([i for i, _ in pairs])
    agent = np.array([a for _, a in pairs])
    order = np.lexsort((agent, item))
    item, agent = item[order], agent[order]
    penalty = rng.choice([1000.0, 10000.0, 100000.0], n_items) * (1 + rng.random(n_items))
    return ArcArrays(
        arc_item=item,
        arc_agent=agent,
        arc_cost=rng.uniform(1, 60, len(item)),
        arc_hours=rng.uniform(0.5, 3, len(item)),
        arc_pinned=np.zeros(len(item), dtype=bool),
        penalty=penalty,
        tier=tiers_of(penalty),
        cap_hours=rng.uniform(4, 14, n_agents),
        cap_count=rng.integers(2, 8, n_agents),
    )


def feasible(arr: ArcArrays, choice: np.ndarray) -> bool:
    """Arcs belong to their households, capacities hold and every pin is chosen."""
    chosen = choice[choice >= 0]
    if not np.all(arr.arc_item[chosen] == np.flatnonzero(choice >= 0)):
        return False
    hours, count = arr.loads(choice)
    pins = np.flatnonzero(arr.arc_pinned)
    return (
        bool(np.all(hours <= arr.cap_hours + 1e-9))
        and bool(np.all(count <= arr.cap_count))
        and bool(np.all(choice[arr.arc_item[pins]] == pins))
    )


def brute_force(arr: ArcArrays) -> float:
    """The exact optimum of a tiny instance by enumerating every plan (balance term included)."""
    options = [[-1, *np.flatnonzero(arr.arc_item == i).tolist()] for i in range(arr.n_items)]
    best = np.inf
    for combo in itertools.product(*options):
        choice = np.array(combo, dtype=np.int64)
        if feasible(arr, choice):
            best = min(best, arr.objective_of(choice))
    return float(best)


def core_problem(arr: ArcArrays) -> CoreProblem:
    """The same problem for the generic core (hours and count as two resources)."""
    return CoreProblem(
        n_items=arr.n_items,
        n_agents=arr.n_agents,
        arc_item=arr.arc_item,
        arc_agent=arr.arc_agent,
        arc_cost=arr.arc_cost,
        arc_use=np.column_stack([arr.arc_hours, np.ones(arr.n_arcs)]),
        capacity=np.column_stack([arr.cap_hours, arr.cap_count]),
        unassigned_penalty=arr.penalty,
        pinned=arr.arc_pinned,
    )


def exact(arr: ArcArrays) -> float:
    """The exact optimum by HiGHS branch-and-bound (no balance term)."""
    res = solve_core(core_problem(arr), method="highs", time_limit=30)
    assert res.status == Status.OPTIMAL
    assert res.objective is not None
    return float(res.objective)


def brute_force_core(p: CoreProblem) -> float:
    """Enumerate every choice (item -> arc or none) of a core problem; the best feasible cost."""
    options = [[-1, *np.flatnonzero(p.arc_item == i).tolist()] for i in range(p.n_items)]
    best = np.inf
    for combo in itertools.product(*options):
        cost, ok = evaluate(p, np.array(combo))
        if ok:
            best = min(best, cost)
    return float(best)


def scored_households(prefecture: SyntheticPrefecture) -> pl.DataFrame:
    """A generated prefecture's households with the solver's ``tier`` and ``risk`` columns
    (the truth-based scores, assessed tiers preferred), as the optimizer reads them."""
    from visit_planner.synthetic.scores import truth_scores

    scores = truth_scores(prefecture, prefer_assessed=True)
    return prefecture.households.join(
        scores.select(
            "household_id", pl.col("final_tier").alias("tier"), pl.col("p_tier1").alias("risk")
        ),
        on="household_id",
    )

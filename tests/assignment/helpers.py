"""Shared helpers of the assignment tests: frame builders (contract columns), problem arrays,
and exact optima by enumeration or HiGHS to check solvers and bounds against."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl

from assignment.core import CoreProblem, evaluate, solve_core
from assignment.domain import Status
from assignment.problem import ArcArrays
from assignment.solver.coverage import Coverage
from assignment.solver.top_model import top_model
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


def random_short(seed: int) -> ArcArrays:
    """A random cadre-short township: 6-9 tier-1 and 2 tier-2 households, 2-4 cadres with
    non-round hours and capacities, count limits that sometimes bind, and (odd seeds) a
    pinned tier-1 or tier-2 household."""
    rng = np.random.default_rng(1000 + seed)
    n_top = int(rng.integers(6, 10))
    n_cadres = int(rng.integers(2, 5))
    arcs: list[tuple[int, int, float, float]] = []
    for i in range(n_top + 2):
        for w in range(n_cadres):
            if rng.random() < 0.7:
                arcs.append((i, w, float(rng.uniform(5, 90)), float(rng.uniform(0.9, 3.3))))
    penalty = [100_000.0 * (1 + rng.random()) for _ in range(n_top)] + [15_000.0, 12_000.0]
    pinned: tuple[int, ...] = ()
    if seed % 2 and arcs:
        pinned = (int(rng.integers(len(arcs))),)
    return arc_arrays(
        arcs,
        penalty,
        cap_hours=[float(rng.uniform(2.5, 7.5)) for _ in range(n_cadres)],
        cap_count=[int(rng.integers(1, 5)) for _ in range(n_cadres)],
        pinned=pinned,
    )


def most_tier1(arr: ArcArrays) -> int:
    """The most tier-1 households of any feasible plan (pins kept; other households left
    out, which never makes a plan infeasible), by a depth-first search over the tier-1
    households with the capacities left; -1 when the pins alone do not fit."""
    tm = top_model(arr)
    pins = np.flatnonzero(arr.arc_pinned)
    hours = arr.cap_hours.astype(float).copy()
    count = arr.cap_count.astype(int).copy()
    for a in pins:
        hours[arr.arc_agent[a]] -= arr.arc_hours[a]
        count[arr.arc_agent[a]] -= 1
    if np.any(hours < -1e-9) or np.any(count < 0):
        return -1
    pinned_items = set(arr.arc_item[pins].tolist())
    free = [int(i) for i in tm.items if int(i) not in pinned_items]
    options = [np.flatnonzero(arr.arc_item == i).tolist() for i in free]
    n_pinned_top = len(pinned_items & set(tm.items.tolist()))
    best = 0

    def dfs(k: int, got: int) -> None:
        nonlocal best
        best = max(best, got)
        if k == len(free) or got + len(free) - k <= best:
            return
        for a in options[k]:
            w, h = arr.arc_agent[a], arr.arc_hours[a]
            if count[w] >= 1 and h <= hours[w] + 1e-9:
                hours[w] -= h
                count[w] -= 1
                dfs(k + 1, got + 1)
                hours[w] += h
                count[w] += 1
        dfs(k + 1, got)

    dfs(0, 0)
    return best + n_pinned_top


def plan_of_cover(arr: ArcArrays, cov: Coverage) -> np.ndarray:
    """The plan of a tier-1 cover: its arcs, and every pinned household on its pin."""
    return plan_of_choice(arr, cov.items, cov.choice)


def plan_of_choice(arr: ArcArrays, items: np.ndarray, choice: np.ndarray) -> np.ndarray:
    """The plan of an arc per household of ``items`` (-1 none), every pinned household on
    its pin."""
    plan = np.full(arr.n_items, -1, dtype=np.int64)
    plan[items] = choice
    plan[arr.arc_item[arr.arc_pinned]] = np.flatnonzero(arr.arc_pinned)
    return plan


def township_shaped(seed: int, n_top: int, n_cadres: int) -> ArcArrays:
    """Like a cadre-short township: every cadre eligible for every tier-1 household, hours
    = visits x (on-site + travel from the cadre's home), 20-32 h and 20 households per cadre,
    more tier-1 hours than the cadres have."""
    rng = np.random.default_rng(seed)
    hh = rng.uniform(0, 14, (n_top, 2))
    home = rng.uniform(0, 14, (n_cadres, 2))
    km = np.linalg.norm(hh[:, None, :] - home[None, :, :], axis=2)
    hours = 2 * (30 + km * 1.3 / 30 * 60 * 2) / 60
    arcs = [
        (i, w, float(km[i, w]), float(hours[i, w])) for i in range(n_top) for w in range(n_cadres)
    ]
    return arc_arrays(
        arcs,
        [100_000.0 * (1 + r) for r in rng.random(n_top)],
        cap_hours=[float(c) for c in rng.choice([20.0, 24.0, 28.0, 32.0], n_cadres)],
        cap_count=[20] * n_cadres,
    )


# ----------------------------------------------------------------------------- dense covers


def cover_cost(cost: np.ndarray, penalty: np.ndarray, asg: np.ndarray) -> float:
    """A dense cover's cost (cadre x household ``cost``, a cadre per household or -1): arc
    costs of the covered households plus the penalties of the others."""
    on = np.flatnonzero(asg >= 0)
    return float(cost[asg[on], on].sum() + penalty[asg < 0].sum())


def cover_fits(hours: np.ndarray, cap: np.ndarray, cap_n: np.ndarray, asg: np.ndarray) -> bool:
    """Whether a dense cover (a cadre per household or -1) keeps every cadre within its
    hours and its household limit."""
    on = np.flatnonzero(asg >= 0)
    load = np.bincount(asg[on], hours[asg[on], on], len(cap))
    return bool(
        np.all(load <= cap + 1e-9) and np.all(np.bincount(asg[on], minlength=len(cap)) <= cap_n)
    )


def listening_here() -> set[tuple[str, int]]:
    """(address, port) of every socket this process and its children (a local Dask cluster's
    scheduler and workers) listen on."""
    import psutil

    me = psutil.Process()
    return {
        (c.laddr.ip, c.laddr.port)
        for p in (me, *me.children(recursive=True))
        for c in p.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    }

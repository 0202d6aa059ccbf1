"""The Lagrangian knapsacks give the plain DP's results to the last bit, and so does the bound."""

from __future__ import annotations

import struct
from dataclasses import replace

import numpy as np
import pytest

from assignment.problem import ArcArrays
from assignment.solver.knapsack import knapsack_min, knapsack_min_overload
from assignment.solver.lagrange import lagrangian_bound
from assignment.solver.lp import solve_lp_relaxation
from assignment.solver.options import FRAC_TOL, SolverOptions
from tests.assignment.helpers import random_township


def bits(x: float) -> bytes:
    """The float's bytes: equal only when equal to the last bit (and in sign)."""
    return struct.pack("<d", x)


def plain_dp(
    values: np.ndarray,
    hours: np.ndarray,
    cap_hours: float,
    cap_count: int,
    delta: float,
    *,
    overload: tuple[float, float] | None = None,
) -> float:
    """The plain DP over (count, rounded hours), items by value: the reference.

    ``overload`` = (soft_hours, weight) adds the overload term, as knapsack_min_overload.
    """
    base = 0.0 if overload is None else overload[1] * max(0.0, -overload[0])
    keep = values < 0
    v = values[keep]
    if len(v) == 0 or cap_count <= 0 or cap_hours < 0:
        return base
    w = np.floor(hours[keep] / delta + 1e-9).astype(np.int64)
    cap = int(np.floor(cap_hours / delta + 1e-9))
    v, w = v[w <= cap], w[w <= cap]
    if len(v) == 0:
        return base
    if overload is None and w.sum() <= cap and len(v) <= cap_count:
        return float(v.sum())
    order = np.lexsort((w, v))
    v, w = v[order], w[order]
    k_max = int(min(cap_count, len(v)))
    dp = np.full((k_max + 1, cap + 1), np.inf)
    dp[0, 0] = 0.0  # exact counts and hours
    for vi, wi in zip(v, w, strict=True):
        cand = dp[:-1, : cap + 1 - wi] + vi
        np.minimum(dp[1:, wi:], cand, out=dp[1:, wi:])
    best_at = dp.min(axis=0)
    if overload is None:
        return float(best_at.min())
    soft, weight = overload
    return float(np.min(best_at + weight * np.maximum(np.arange(cap + 1) * delta - soft, 0.0)))


def random_knapsack(
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, float, int, float]:
    """Values with ties and a wide range of magnitudes, hours with ties and zeros; the count,
    the hours or both binding."""
    n = int(rng.integers(0, 70))
    pool = -rng.lognormal(0, 2, 12)  # few distinct values: ties between items
    values = np.where(rng.random(n) < 0.5, rng.choice(pool, n), -rng.lognormal(0, 3, n))
    values[rng.random(n) < 0.2] *= -1  # some useless items
    hours = rng.choice(np.r_[0.0, rng.uniform(0, 3, 8)], n)  # few distinct weights
    hours = np.where(rng.random(n) < 0.3, rng.uniform(0, 4, n), hours)
    cap_hours = float(rng.uniform(-0.5, 25))
    cap_count = int(rng.integers(0, 20))
    delta = float(rng.choice([0.05, 0.1, 0.25]))
    return values, hours, cap_hours, cap_count, delta


@pytest.mark.parametrize("seed", range(4))
def test_knapsack_min_equals_the_plain_dp_to_the_last_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(250):
        values, hours, cap_h, cap_n, delta = random_knapsack(rng)
        want = plain_dp(values, hours, cap_h, cap_n, delta)
        assert bits(knapsack_min(values, hours, cap_h, cap_n, delta)) == bits(want)


@pytest.mark.parametrize("seed", range(4))
def test_knapsack_with_overload_equals_the_plain_dp_to_the_last_bit(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for _ in range(250):
        values, hours, cap_h, cap_n, delta = random_knapsack(rng)
        soft, weight = float(rng.uniform(-2, cap_h + 1)), float(rng.choice([0.0, 0.5, 30.0]))
        want = plain_dp(values, hours, cap_h, cap_n, delta, overload=(soft, weight))
        got = knapsack_min_overload(values, hours, cap_h, cap_n, soft, weight, delta)
        assert bits(got) == bits(want)


def plain_bound(arr: ArcArrays, delta: float) -> float:
    """The Lagrangian bound with every knapsack built from all the worker's arcs: the
    reference for the grouping of lagrangian_bound."""
    lp = solve_lp_relaxation(arr, SolverOptions())
    v = arr.arc_cost - arr.penalty[arr.arc_item] + lp.u[arr.arc_item]
    if lp.cover_arc is not None:
        v = v + lp.mu * lp.cover_arc
    contrib = np.bincount(arr.arc_agent, v * lp.x, arr.n_agents).astype(float)
    contrib = contrib + arr.overload_weight * lp.overload
    k_w = contrib.copy()
    frac = (lp.x > FRAC_TOL) & (lp.x < 1 - FRAC_TOL)
    for w in np.unique(arr.arc_agent[frac]):
        arcs = np.flatnonzero(arr.arc_agent == w)
        pinned, free = arcs[arr.arc_pinned[arcs]], arcs[~arr.arc_pinned[arcs]]
        cap_h = arr.cap_hours[w] - float(arr.arc_hours[pinned].sum())
        cap_n = int(arr.cap_count[w]) - len(pinned)
        dp = float(v[pinned].sum()) + plain_dp(v[free], arr.arc_hours[free], cap_h, cap_n, delta)
        k_w[w] = max(dp, contrib[w])
    return float(arr.penalty.sum() - lp.u.sum() - lp.mu * lp.cover_k + k_w.sum())


def test_lagrangian_bound_with_pins_equals_the_plain_one() -> None:
    solved = 0
    for seed in range(8):
        arr = random_township(seed, n_items=40)
        rng = np.random.default_rng(seed)
        pinned = np.zeros(arr.n_arcs, dtype=bool)
        for item in rng.choice(np.unique(arr.arc_item), 4, replace=False):  # pin a few items
            pinned[rng.choice(np.flatnonzero(arr.arc_item == item))] = True
        arr = replace(
            arr, arc_pinned=pinned, cap_hours=arr.cap_hours + 4, cap_count=arr.cap_count + 2
        )
        lp = solve_lp_relaxation(arr, SolverOptions())
        bound, n_knapsacks = lagrangian_bound(arr, lp, 0.05)
        assert bits(bound) == bits(plain_bound(arr, 0.05))
        solved += n_knapsacks
    assert solved > 0

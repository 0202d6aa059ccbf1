"""Exact two-constraint knapsack by dynamic programming, used for Lagrangian lower bounds.

Weights are rounded *down* to a grid of ``delta`` hours and the capacity is rounded down in
the same units: every truly feasible subset stays feasible after rounding, so the DP optimum
is a relaxation (never above the true minimum) and any bound built from it stays valid.
"""

from __future__ import annotations

import numpy as np


def knapsack_min(
    values: np.ndarray,
    hours: np.ndarray,
    cap_hours: float,
    cap_count: int,
    delta: float = 0.02,
) -> float:
    """Min of ``sum(values[S])`` over subsets S with hours <= cap_hours and |S| <= cap_count.

    Only negative values can help, so others are ignored. Returns a value <= the exact optimum
    (equal to it when the hours are multiples of ``delta``).
    """
    keep = values < 0
    v = values[keep]
    if len(v) == 0 or cap_count <= 0 or cap_hours < 0:
        return 0.0
    w = np.floor(hours[keep] / delta + 1e-9).astype(np.int64)
    cap = int(np.floor(cap_hours / delta + 1e-9))
    fits = w <= cap
    v, w = v[fits], w[fits]
    if len(v) == 0:
        return 0.0
    # Items that fit together without rounding trouble: if all fit, take all.
    if w.sum() <= cap and len(v) <= cap_count:
        return float(v.sum())
    k_max = int(min(cap_count, len(v)))
    order = np.lexsort((w, v))  # most valuable first: a stable, deterministic order
    v, w = v[order], w[order]
    if k_max == len(v):
        # The count limit cannot bind: a one-dimensional DP over hours.
        dp = np.zeros(cap + 1)
        for vi, wi in zip(v, w, strict=True):
            if wi == 0:
                dp += vi
                continue
            cand = dp[: cap + 1 - wi] + vi
            np.minimum(dp[wi:], cand, out=dp[wi:])
        return float(dp[cap])
    dp2 = np.zeros((k_max + 1, cap + 1))
    for vi, wi in zip(v, w, strict=True):
        cand = dp2[:-1, : cap + 1 - wi] + vi
        np.minimum(dp2[1:, wi:], cand, out=dp2[1:, wi:])
    return float(dp2[k_max, cap])


def knapsack_min_overload(  # noqa: PLR0917  (the knapsack's data)
    values: np.ndarray,
    hours: np.ndarray,
    cap_hours: float,
    cap_count: int,
    soft_hours: float,
    weight: float,
    delta: float = 0.02,
) -> float:
    """Min of ``sum(values[S]) + weight * max(0, hours(S) - soft_hours)`` over feasible S.

    The knapsack of a worker with a workload-balance threshold: a DP over the *exact* rounded
    hours of the subset. Hours are rounded down, so each subset's hours - and so its overload -
    are never overestimated: the result is a relaxation (never above the true minimum).
    """
    base = weight * max(0.0, -soft_hours)  # overload already incurred at zero hours
    keep = values < 0
    v = values[keep]
    if len(v) == 0 or cap_count <= 0 or cap_hours < 0:
        return base
    w = np.floor(hours[keep] / delta + 1e-9).astype(np.int64)
    cap = int(np.floor(cap_hours / delta + 1e-9))
    fits = w <= cap
    v, w = v[fits], w[fits]
    if len(v) == 0:
        return base
    k_max = int(min(cap_count, len(v)))
    order = np.lexsort((w, v))
    v, w = v[order], w[order]
    dp = np.full((k_max + 1, cap + 1), np.inf)
    dp[0, 0] = 0.0
    for vi, wi in zip(v, w, strict=True):
        cand = dp[:-1, : cap + 1 - wi] + vi
        np.minimum(dp[1:, wi:], cand, out=dp[1:, wi:])
    best_at = dp.min(axis=0)
    over = weight * np.maximum(np.arange(cap + 1) * delta - soft_hours, 0.0)
    return float(np.min(best_at + over))

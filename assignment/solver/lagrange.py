"""The proven lower bound of a township: a Lagrangian relaxation at the LP duals.

Relax "each household at most once" (and the coverage cut) with the LP duals ``u`` (and
``mu``); the problem splits into one two-constraint knapsack per worker. A worker whose LP
arcs are all integral has its integer knapsack equal to its LP knapsack (the LP restriction is
feasible and LP-optimal), so only workers with fractional arcs need an exact knapsack
(:mod:`assignment.solver.knapsack`). The bound is never below the LP and is a proven bound of
the integer problem; tests check it against exact optima.
"""

from __future__ import annotations

import numpy as np

from assignment.problem import ArcArrays
from assignment.solver.knapsack import knapsack_min, knapsack_min_overload
from assignment.solver.lp import LPResult
from assignment.solver.options import FRAC_TOL


def lagrangian_bound(arr: ArcArrays, lp: LPResult, delta: float) -> tuple[float, int]:
    """Proven lower bound L(u, mu) at the LP duals; returns (bound, exact knapsacks solved)."""
    # L = sum(penalty) - sum(u) - mu k + sum_w K_w, K_w = min over w's feasible subsets of
    # sum(c~_a + u_i + mu [a serves a top household]) (the item rows and the coverage cut are
    # relaxed). For a worker with integral LP arcs, K_w equals its LP contribution.
    c_tilde = arr.arc_cost - arr.penalty[arr.arc_item]
    v = c_tilde + lp.u[arr.arc_item]
    if lp.cover_arc is not None:
        v = v + lp.mu * lp.cover_arc
    contrib = np.bincount(arr.arc_agent, v * lp.x, arr.n_agents).astype(float)
    contrib = contrib + arr.overload_weight * lp.overload
    soft = arr.soft()
    overloadable = arr.overloadable()
    frac = (lp.x > FRAC_TOL) & (lp.x < 1 - FRAC_TOL)
    frac_workers = np.unique(arr.arc_agent[frac])
    k_w = contrib.copy()
    # A knapsack reads its worker's pinned arcs and those with a negative value (the others
    # never help, and the knapsacks ignore them): only those arcs of the fractional workers
    # are grouped by worker, each group in arc order.
    fractional = np.zeros(arr.n_agents, dtype=bool)
    fractional[frac_workers] = True
    read = np.flatnonzero(fractional[arr.arc_agent] & ((v < 0) | arr.arc_pinned))
    read = read[np.argsort(arr.arc_agent[read], kind="stable")]
    starts = np.searchsorted(arr.arc_agent[read], np.arange(arr.n_agents + 1))
    for w in frac_workers:
        arcs = read[starts[w] : starts[w + 1]]
        pinned = arcs[arr.arc_pinned[arcs]]
        free = arcs[~arr.arc_pinned[arcs]]
        fixed_v = float(v[pinned].sum())
        cap_h = arr.cap_hours[w] - float(arr.arc_hours[pinned].sum())
        cap_n = int(arr.cap_count[w]) - len(pinned)
        if overloadable[w]:
            soft_w = soft[w] - float(arr.arc_hours[pinned].sum())
            dp = fixed_v + knapsack_min_overload(
                v[free], arr.arc_hours[free], cap_h, cap_n, soft_w, arr.overload_weight, delta
            )
        else:
            dp = fixed_v + knapsack_min(v[free], arr.arc_hours[free], cap_h, cap_n, delta)
        # Both the rounded DP and the LP knapsack value are relaxations of the integer
        # knapsack, so the larger of the two is still a valid (and tighter) value.
        k_w[w] = max(dp, contrib[w])
    bound = float(arr.penalty.sum() - lp.u.sum() - lp.mu * lp.cover_k + k_w.sum())
    return bound, len(frac_workers)

"""A cheaper tier-1 cover of the same size, a few cadres at a time (large-neighbourhood search).

Where cadres are short, a cover of the proven maximum is tight: every cadre full to minutes.
Which tier-1 households it leaves out then costs the most (their penalties grow with risk),
and a cheaper choice usually needs a long chain of moves across many cadres at once, which
the one- and two-household moves of the tabu search
(:func:`~assignment.solver.count_search.search_cost`) do not reach. This search re-solves
the households of a few cadres and every uncovered one exactly, a small MIP, keeping the
same number covered:

* a round picks a cadre at random and :data:`CADRES` - 1 others that share eligible
  households with it (the more they share, the likelier), frees every household those
  cadres hold and the :data:`UNCOVERED` dearest uncovered ones they may visit (pinned
  households stay);
* the MIP assigns them to those cadres within their hours and household limits, as many as
  were covered among them, at least cost (arc cost per covered household, penalty per
  uncovered one), from the current assignment, within :data:`NODES` branch-and-bound
  nodes (HiGHS, :func:`assignment.solver.highs.solve_mip`);
* a cheaper result is kept.

Deterministic: the rounds (a work limit) and the node limit bound the work, and the random
picks draw from a fixed seed. At scale 1 it took the cost gap with coverage fixed of seed
1's default run from 2.50 to 2.05 % (532626004, 481 tier-1 households and 58 cadres: from
22.3 to 18.7 %) for 24 more CPU seconds (`bench/bench_assign.py --scale 1 --processes 2
--skip-greedy --solver-only`, README).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assignment.constraints import CAPACITY_TOL, fits_capacity
from assignment.solver.highs import solve_mip
from assignment.solver.rows import assignment_rows

CADRES = 3  # cadres re-solved together in a round
ROUNDS = 60  # rounds per search (times ``effort``)
NODES = 50  # branch-and-bound nodes per round's MIP
UNCOVERED = 24  # uncovered households a round may bring in (the dearest the cadres reach)
SEED = 13


def improve_cover(  # noqa: PLR0917  (the cover's data, as search_cost takes them)
    hours: np.ndarray,
    cost: np.ndarray,
    penalty: np.ndarray,
    cap_hours: np.ndarray,
    cap_count: np.ndarray,
    start: np.ndarray,
    fixed: np.ndarray,
    *,
    effort: float = 1.0,
) -> np.ndarray:
    """A cover of as many households as ``start`` and no dearer: a cadre per household (-1
    uncovered) that fits.

    ``hours`` and ``cost`` are cadre x household (inf where the cadre may not visit the
    household); ``penalty`` per household; ``start`` a fitting cover (cadre per household);
    ``fixed`` marks households that keep their cadre (pins). ``effort`` multiplies the
    rounds (see the module docstring).
    """
    m = hours.shape[0]
    cur = start.astype(np.int64).copy()
    rounds = int(effort * ROUNDS)
    if m < 2 or rounds <= 0 or not np.any((cur < 0) & ~fixed):
        return cur
    eligible = np.isfinite(hours)
    share = eligible.astype(float) @ eligible.T.astype(float)
    np.fill_diagonal(share, 0.0)
    rng = np.random.default_rng(SEED)
    for _ in range(rounds):
        cadres = _neighbourhood(share, rng)
        if cadres is None:
            continue
        better = _resolved(hours, cost, penalty, cap_hours, cap_count, cur, fixed, cadres)
        if better is not None:
            cur = better
    return cur


def _neighbourhood(share: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """A random cadre and up to CADRES - 1 others drawn by how many households they share
    with it (None when it shares none)."""
    w = int(rng.integers(share.shape[0]))
    weight = share[w]
    others = np.flatnonzero(weight > 0)
    if len(others) == 0:
        return None
    k = min(CADRES - 1, len(others))
    picked = rng.choice(others, size=k, replace=False, p=weight[others] / weight[others].sum())
    return np.sort(np.r_[w, picked])


def _resolved(  # noqa: PLR0917  (the cover's data)
    hours: np.ndarray,
    cost: np.ndarray,
    penalty: np.ndarray,
    cap_hours: np.ndarray,
    cap_count: np.ndarray,
    cur: np.ndarray,
    fixed: np.ndarray,
    cadres: np.ndarray,
) -> np.ndarray | None:
    """The households of ``cadres`` and the uncovered ones re-assigned to ``cadres`` at least
    cost, as many covered as before (see the module docstring); None unless cheaper."""
    on = np.isin(cur, cadres)
    reach = np.isfinite(hours[cadres]).any(axis=0)
    left_out = np.flatnonzero((cur < 0) & ~fixed & reach)
    # The uncovered ones these cadres may take, dearest first, at most UNCOVERED of them:
    # the MIP stays small where hundreds are left out (ties by household).
    left_out = left_out[np.lexsort((left_out, -penalty[left_out]))][:UNCOVERED]
    free = np.union1d(np.flatnonzero(on & ~fixed), left_out)
    sub_h = hours[np.ix_(cadres, free)]
    w_idx, i_idx = np.nonzero(np.isfinite(sub_h))
    if len(i_idx) == 0:
        return None
    k = int((cur[free] >= 0).sum())
    stay = np.flatnonzero(on & fixed)  # pinned households keep their place and hours
    pos = np.searchsorted(cadres, cur[stay])
    used_h = np.bincount(pos, hours[cur[stay], stay], len(cadres))
    used_n = np.bincount(pos, minlength=len(cadres))
    n_free, n_w, n_x = len(free), len(cadres), len(i_idx)
    h_x = sub_h[w_idx, i_idx]
    # One household per row, hours and households per cadre, then "as many covered" (k).
    a = sp.vstack(
        [assignment_rows(i_idx, w_idx, h_x, n_free, n_w), sp.csr_matrix(np.ones((1, n_x)))],
        format="csr",
    )
    lo = np.r_[np.full(n_free + 2 * n_w, -np.inf), k]
    hi = np.r_[
        np.ones(n_free),
        cap_hours[cadres] - used_h + CAPACITY_TOL,
        (cap_count[cadres] - used_n).astype(float),
        k,
    ]
    c = cost[cadres[w_idx], free[i_idx]] - penalty[free[i_idx]]
    x0 = (cur[free[i_idx]] == cadres[w_idx]).astype(float)
    sol = solve_mip(
        c, a, lo, hi, np.zeros(n_x), np.ones(n_x), node_limit=NODES, rens=False, start=x0
    )
    if sol.x is None or float(c @ sol.x) >= float(c @ x0) - 1e-6:
        return None
    out = cur.copy()
    out[free] = -1
    chosen = np.flatnonzero(sol.x > 0.5)
    out[free[i_idx[chosen]]] = cadres[w_idx[chosen]]
    # In floats, as every step of the solver checks (the MIP's own tolerance is looser).
    mine = np.flatnonzero(np.isin(out, cadres))
    load = np.bincount(out[mine], hours[out[mine], mine], len(cap_hours))[cadres]
    count = np.bincount(out[mine], minlength=len(cap_hours))[cadres]
    ok = fits_capacity(load, cap_hours[cadres], count, cap_count[cadres])
    return out if bool(np.all(ok)) else None

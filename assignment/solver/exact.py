"""Exact solves of small capacitated-assignment problems (HiGHS MIP, node-limited).

Used where a problem is small enough to solve to optimality: the repair of the LP's split
households (:mod:`assignment.solver.repair`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assignment.problem import ArcArrays
from assignment.solver.highs import solve_mip
from assignment.solver.rows import assignment_rows


def solve_exact(
    arr: ArcArrays, node_limit: int, time_limit: float, rel_gap: float = 1e-9
) -> tuple[np.ndarray | None, str, float | None]:
    """Exact (node-limited) HiGHS MIP of a small problem: (arc index per item or None, status,
    proven lower bound of the objective or None). ``rel_gap``: HiGHS stops once its plan is
    proven within that relative gap ("optimal" then means optimal to that gap).

    HiGHS' default search, strong branching included. Commit 0eb307c ran it with
    ``primal_focus`` (no strong branching, no restart): the repairs of the tight variant at
    scale 1 (seed 1) took 81 instead of 127 CPU s, but the changed plans changed where the
    tier-1 searches start, and township 532626004 (default, seed 1) lost its proven cover
    of 460 (459, one short of the bound): not kept (``bench/bench_assign.py --scale 1
    --processes 2 --skip-greedy --solver-only [--tight]`` on both commits). What made the
    repair cheaper instead is a smaller MIP: 5 arcs per split household, not 8
    (:attr:`~assignment.solver.options.SolverOptions.repair_arcs_per_item`), with the later
    steps covering what it leaves.

    With the balance term, each worker below its cap gets a continuous overload variable:
    hours - overload <= soft, 0 <= overload <= cap - soft, at ``overload_weight`` per hour.
    """
    n, m, k = arr.n_items, arr.n_agents, arr.n_arcs
    if k == 0:
        return np.full(n, -1, dtype=np.int64), "optimal", arr.objective_of(np.full(n, -1))
    used = np.unique(arr.arc_agent)
    w_pos = np.full(m, -1)
    w_pos[used] = np.arange(len(used))
    ww = w_pos[arr.arc_agent]
    nw = len(used)
    soft = arr.soft()[used]
    cap = arr.cap_hours[used]
    ovl = np.flatnonzero(arr.overloadable()[used])
    n_ovl = len(ovl)
    # The shared rows over the arcs, then an overload column per overloadable worker (-1 in
    # its hours row).
    overload = sp.csr_matrix(
        (-np.ones(n_ovl), (n + ovl, np.arange(n_ovl))), shape=(n + 2 * nw, n_ovl)
    )
    a = sp.hstack([assignment_rows(arr.arc_item, ww, arr.arc_hours, n, nw), overload], format="csr")
    lo = np.full(n + 2 * nw, -np.inf)
    hi = np.concatenate([np.ones(n), np.minimum(soft, cap), arr.cap_count[used].astype(float)])
    c = np.concatenate(
        [arr.arc_cost - arr.penalty[arr.arc_item], np.full(n_ovl, arr.overload_weight)]
    )
    sol = solve_mip(
        c,
        a,
        lo,
        hi,
        np.concatenate([arr.arc_pinned.astype(float), np.maximum(-soft[ovl], 0.0)]),
        np.concatenate([np.ones(k), cap[ovl] - soft[ovl]]),
        time_limit=time_limit,
        node_limit=node_limit,
        rel_gap=rel_gap,
        integrality=np.r_[np.ones(k, dtype=np.int8), np.zeros(n_ovl, dtype=np.int8)],
    )
    # The MIP minimises arc cost - penalty: add the penalties back for the plan's objective.
    bound = None if sol.bound is None else sol.bound + float(arr.penalty.sum())
    if sol.x is None:
        return None, sol.status, bound
    out = np.full(n, -1, dtype=np.int64)
    chosen = np.flatnonzero(sol.x[:k] > 0.5)
    out[arr.arc_item[chosen]] = chosen
    return out, sol.status, bound

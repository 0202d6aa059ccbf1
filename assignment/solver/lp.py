"""The township LP: pruning, column generation, cardinality cuts and the coverage cut.

The LP starts from each household's ``prune_k`` cheapest arcs, pins, and the arcs of a
quick greedy plan (:func:`_greedy_start`, which also gives the simplex its first basis), and
grows by *column generation*: every pruned arc is priced with the LP duals and added back while its
reduced cost is negative, so the final LP is the LP of the *unpruned* problem (pruning costs
nothing, provably). Cardinality cuts per worker (:func:`cardinality_cuts`) and, where the LP
covers more tier-1 households than any plan can, a coverage cut (the row below, with ``k``
the tier-1 stage's proven maximum) make it fit the integer problem. With a workload-balance
term each overloadable worker gets an overload column.

The coverage row is "at most k tier-1 households covered" (valid for every plan when k is
the proven maximum: the bound of the user's weighted model) or, with ``cover_exact``,
"exactly k" (valid for every plan that covers the proven maximum k: the cost bound with
coverage fixed, of the lexicographic model in which tier-1 coverage comes first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from assignment.constraints import CAPACITY_TOL
from assignment.problem import ArcArrays
from assignment.solver.highs import IncrementalLP
from assignment.solver.options import RC_TOL, SolverOptions
from assignment.solver.priority import top_mask


@dataclass(frozen=True)
class LPResult:
    """The township LP at its optimum: values, duals, the cuts it carries."""

    ok: bool
    message: str
    cols: np.ndarray  # arc indices in the LP
    x: np.ndarray  # value per arc (full length)
    u: np.ndarray  # item duals >= 0
    lam_h: np.ndarray  # worker hours duals >= 0
    lam_n: np.ndarray  # worker count duals >= 0
    objective: float
    rounds: int
    overload: np.ndarray  # per worker: hours above its balance threshold (0 when off)
    cover_arc: np.ndarray | None = None  # arcs in the coverage cut (None: no cut)
    cover_k: int = 0
    mu: float = 0.0  # the coverage cut's dual (>= 0 for "at most k", any sign for "exactly k")


def _cheapest_first(arr: ArcArrays) -> tuple[np.ndarray, np.ndarray]:
    """Arcs grouped by household, cheapest first (ties by arc index), and each one's rank
    within its household: (order, rank of ``order[j]``). One sort serves the first columns
    and the greedy start."""
    order = arr.cheapest_order
    item_sorted = arr.arc_item[order]
    starts = np.r_[0, np.flatnonzero(np.diff(item_sorted)) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return order, rank


def _initial_columns(arr: ArcArrays, k: int, ranked: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    # Each household's k cheapest arcs (ties by arc index), plus every pinned arc.
    order, rank = ranked
    keep = np.zeros(arr.n_arcs, dtype=bool)
    keep[order[rank < k]] = True
    keep |= arr.arc_pinned
    return np.flatnonzero(keep)


def _pins_taken(arr: ArcArrays, pinned: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The plan of the ``pinned`` arcs alone and what it leaves each worker: (arc per
    household or -1, hours up to the balance threshold, count), as both greedies start."""
    choice = np.full(arr.n_items, -1, dtype=np.int64)
    choice[arr.arc_item[pinned]] = pinned
    room_h = np.maximum(arr.soft(), 0.0) + CAPACITY_TOL
    room_n = arr.cap_count.astype(np.int64).copy()
    np.subtract.at(room_h, arr.arc_agent[pinned], arr.arc_hours[pinned])
    np.subtract.at(room_n, arr.arc_agent[pinned], 1)
    return choice, room_h, room_n


def _greedy_start(
    arr: ArcArrays, r: int, ranked: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """A quick plan to start the LP from: arc per household or -1 (vectorised, no LP rows).

    Rounds of proposals: each household still free proposes its cheapest arc not yet
    refused among its ``r`` cheapest (c~ < 0 only); each worker accepts the proposals that
    fit its hours (up to the balance threshold) and count, cheapest first, and refuses the
    rest. Where cheap workers are full (a tight month), each household's cheapest arcs
    alone give the first LP little to cover them with; this plan gives it arcs that fit.
    The cardinality cuts and the coverage row are :func:`_crash`'s to respect.
    """
    c_tilde = arr.arc_cost - arr.penalty[arr.arc_item]
    order, rank = _cheapest_first(arr) if ranked is None else ranked
    keep = (rank < r) & (c_tilde[order] < 0) & ~arr.arc_pinned[order]
    cand = order[keep]  # grouped by household, cheapest first
    choice, room_h, room_n = _pins_taken(arr, np.flatnonzero(arr.arc_pinned))
    refused = np.zeros(len(cand), dtype=bool)
    for _ in range(r):
        item = arr.arc_item[cand]
        live = np.flatnonzero(~refused & (choice[item] < 0))
        if len(live) == 0:
            break
        first = live[np.r_[True, item[live][1:] != item[live][:-1]]]  # one per household
        arcs = cand[first]
        agent = arr.arc_agent[arcs]
        by = np.lexsort((arcs, c_tilde[arcs], agent))
        arcs, agent, first = arcs[by], agent[by], first[by]
        group = np.r_[0, np.flatnonzero(np.diff(agent)) + 1]
        size = np.diff(np.r_[group, len(arcs)])
        hours = np.cumsum(arr.arc_hours[arcs])
        hours -= np.repeat(np.r_[0.0, hours][group], size)
        count = np.arange(1, len(arcs) + 1) - np.repeat(group, size)
        ok = (hours <= room_h[agent]) & (count <= room_n[agent])  # each worker's cheapest prefix
        taken = arcs[ok]
        choice[arr.arc_item[taken]] = taken
        np.subtract.at(room_h, arr.arc_agent[taken], arr.arc_hours[taken])
        np.subtract.at(room_n, arr.arc_agent[taken], 1)
        refused[first[~ok]] = True
    return choice


def _crash(  # noqa: PLR0917  (the LP's rows, as the greedy needs them)
    arr: ArcArrays,
    cols: np.ndarray,
    cut_arc: np.ndarray,
    k_cut: np.ndarray,
    cover_arc: np.ndarray | None,
    cover_k: int,
    first: np.ndarray,
) -> np.ndarray:
    """A feasible integral point of the LP on ``cols``: arc per household or -1 (a crash basis).

    Greedy: the arcs of ``first`` (a plan to start from), then every arc of ``cols`` cheapest
    first (c~ = cost - penalty < 0), each taken when its household is still free and its
    worker's hours (up to the balance threshold, so no overload is needed), count,
    cardinality cut and the coverage cut all have room. Starting the simplex from it instead
    of from the empty plan saves most of the first solve's iterations; the optimum does not
    depend on it.
    """
    c_tilde = arr.arc_cost[cols] - arr.penalty[arr.arc_item[cols]]
    order = np.lexsort((cols, c_tilde))
    cand = cols[order[c_tilde[order] < 0]]
    cand = np.concatenate([first[np.isin(first, cols)], cand])
    room_c = np.where(k_cut >= 0, k_cut, np.iinfo(np.int64).max).astype(np.int64)
    room_top = cover_k if cover_arc is not None else np.iinfo(np.int64).max
    pinned = cols[arr.arc_pinned[cols]]  # at their lower bound 1 whatever the basis
    choice, room_h, room_n = _pins_taken(arr, pinned)
    np.subtract.at(room_c, arr.arc_agent[pinned], cut_arc[pinned].astype(np.int64))
    if cover_arc is not None:
        room_top -= int(cover_arc[pinned].sum())
    # Plain lists: this loop runs once per candidate arc.
    rh, rn, rc = room_h.tolist(), room_n.tolist(), room_c.tolist()
    out = choice.tolist()
    in_cover = np.zeros(len(cand), dtype=bool) if cover_arc is None else cover_arc[cand]
    for a, i, w, h, cut, top in zip(
        cand.tolist(),
        arr.arc_item[cand].tolist(),
        arr.arc_agent[cand].tolist(),
        arr.arc_hours[cand].tolist(),
        cut_arc[cand].tolist(),
        in_cover.tolist(),
        strict=True,
    ):
        if (
            out[i] >= 0
            or h > rh[w]
            or rn[w] <= 0
            or (cut and rc[w] <= 0)
            or (top and room_top <= 0)
        ):
            continue
        out[i] = a
        rh[w] -= h
        rn[w] -= 1
        rc[w] -= cut
        room_top -= top
    return np.asarray(out, dtype=np.int64)


def cardinality_cuts(arr: ArcArrays) -> tuple[np.ndarray, np.ndarray]:
    """Valid cuts ``sum(x over w's top arcs) <= k_w``; returns (arc in a cut, k per worker).

    A worker's *top* arcs are those of its highest-penalty households (penalty at least half
    its largest; for a cadre: its tier-1 households). No integer plan gives the worker more of
    them than fit in its hours when the smallest are taken first, so the cut is valid; the LP
    violates it when it fills a packed worker with a fraction of one more household - the
    reason the plain LP is weak on tight instances. ``k`` is -1 where the cut is redundant.
    """
    m = arr.n_agents
    pen = arr.penalty[arr.arc_item]
    maxpen = np.zeros(m)
    np.maximum.at(maxpen, arr.arc_agent, pen)
    top = pen >= 0.5 * maxpen[arr.arc_agent]
    idx = np.flatnonzero(top)
    order = idx[np.lexsort((idx, arr.arc_hours[idx], arr.arc_agent[idx]))]
    agent = arr.arc_agent[order]
    starts = np.searchsorted(agent, np.arange(m + 1))
    csum = np.cumsum(arr.arc_hours[order])
    before = np.r_[0.0, csum][starts[:-1]]
    within = csum - np.repeat(before, np.diff(starts))
    fits = within <= np.repeat(arr.cap_hours, np.diff(starts)) + CAPACITY_TOL
    k = np.bincount(agent[fits], minlength=m)
    k = np.minimum(k, arr.cap_count)
    n_top = np.diff(starts)
    k = np.where(k < n_top, k, -1)
    return top & (k[arr.arc_agent] >= 0), k


def _columns(  # noqa: PLR0917  (the LP's row layout)
    arr: ArcArrays,
    cols: np.ndarray,
    cut_arc: np.ndarray,
    cut_pos: np.ndarray,
    n_cuts: int,
    cover_arc: np.ndarray | None = None,
) -> sp.csc_matrix:
    # Column of arc a: 1 in its item row, hours in its worker's hours row, 1 in its count row,
    # 1 in its worker's cardinality-cut row when it is one of the worker's top arcs, and 1 in
    # the coverage-cut row (the last) when it serves a top household.
    n, m = arr.n_items, arr.n_agents
    k = len(cols)
    j = np.arange(k)
    in_cut = cut_arc[cols]
    in_cover = np.zeros(k, dtype=bool) if cover_arc is None else cover_arc[cols]
    n_rows = n + 2 * m + n_cuts + (0 if cover_arc is None else 1)
    rows = np.concatenate(
        [
            arr.arc_item[cols],
            n + arr.arc_agent[cols],
            n + m + arr.arc_agent[cols],
            n + 2 * m + cut_pos[arr.arc_agent[cols[in_cut]]],
            np.full(int(in_cover.sum()), n_rows - 1),
        ]
    )
    vals = np.concatenate(
        [
            np.ones(k),
            arr.arc_hours[cols],
            np.ones(k),
            np.ones(in_cut.sum()),
            np.ones(in_cover.sum()),
        ]
    )
    colx = np.concatenate([j, j, j, j[in_cut], j[in_cover]])
    return sp.csc_matrix((vals, (rows, colx)), shape=(n_rows, k))


def _most_negative(items: np.ndarray, rc: np.ndarray, arcs: np.ndarray, k: int) -> np.ndarray:
    # Up to k arcs of negative reduced cost per household, most negative first (ties by arc).
    neg = rc < -RC_TOL
    items, rc, arcs = items[neg], rc[neg], arcs[neg]
    if len(arcs) == 0:
        return arcs
    order = np.lexsort((arcs, rc, items))
    items_sorted = items[order]
    starts = np.r_[0, np.flatnonzero(np.diff(items_sorted)) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return np.sort(arcs[order[rank < k]])


def solve_lp_relaxation(
    arr: ArcArrays,
    opts: SolverOptions,
    cover: tuple[np.ndarray, int] | None = None,
    start: np.ndarray | None = None,
    *,
    cover_exact: bool = False,
) -> LPResult:
    """LP optimum of the unpruned township problem, by pruning + column generation.

    ``cover`` = (top-household mask, k) adds the valid cut "at most k top households covered"
    (k a proven maximum: see the module docstring); with ``cover_exact`` the row is "exactly
    k" instead (valid only for plans that cover k: the lexicographic model when k is the
    proven maximum; pass a ``start`` plan covering k: without one, every arc of a top
    household joins the first columns instead, since the pruned ones alone may not admit k).
    ``start`` (arc per household or -1, a feasible plan) joins
    the first columns and the crash basis (:func:`_crash`): a warm start only, the optimum
    is the same.
    """
    n, m = arr.n_items, arr.n_agents
    cover_arc = None if cover is None else cover[0][arr.arc_item]
    n_cover = 0 if cover is None else 1
    cut_arc, k_cut = cardinality_cuts(arr)
    cut_workers = np.flatnonzero(k_cut >= 0)
    cut_pos = np.full(m, -1)
    cut_pos[cut_workers] = np.arange(len(cut_workers))
    n_cuts = len(cut_workers)
    # Balance: hours - overload <= soft, 0 <= overload <= cap - soft, overload costs its weight.
    soft = arr.soft()
    ovl = np.flatnonzero(arr.overloadable())
    upper = np.concatenate(
        [
            np.ones(n),
            soft,
            arr.cap_count.astype(float),
            k_cut[cut_workers].astype(float),
            np.zeros(0) if cover is None else np.array([float(cover[1])]),
        ]
    )
    n_rows = n + 2 * m + n_cuts + n_cover
    lower = np.full(n_rows, -np.inf)
    if cover is not None and cover_exact:
        lower[-1] = float(cover[1])
    lp = IncrementalLP(lower, upper)
    n_ovl = len(ovl)
    if n_ovl:
        lp.add_columns(
            np.full(n_ovl, arr.overload_weight),
            np.maximum(-soft[ovl], 0.0),
            arr.cap_hours[ovl] - soft[ovl],
            sp.csc_matrix((-np.ones(n_ovl), (n + ovl, np.arange(n_ovl))), shape=(n_rows, n_ovl)),
        )
    c_tilde = arr.arc_cost - arr.penalty[arr.arc_item]
    in_lp = np.zeros(arr.n_arcs, dtype=bool)
    order: list[np.ndarray] = []

    def add(new: np.ndarray) -> None:
        in_lp[new] = True
        order.append(new)
        # x <= 1 is implied by the household row; no column upper bound keeps duals on rows.
        lp.add_columns(
            c_tilde[new],
            arr.arc_pinned[new].astype(float),
            np.full(len(new), np.inf),
            _columns(arr, new, cut_arc, cut_pos, n_cuts, cover_arc),
        )

    given = start is not None
    ranked = _cheapest_first(arr)
    if start is None and opts.lp_start_arcs > 0:
        start = _greedy_start(arr, opts.lp_start_arcs, ranked)
    first = np.zeros(0, dtype=np.int64) if start is None else start[start >= 0]
    cols0 = np.union1d(_initial_columns(arr, opts.prune_k, ranked), first)
    if cover_arc is not None and cover_exact and not given:
        # Some plan covers k with top households alone (drop the others' arcs from any plan
        # covering k): with all their arcs the first LP can meet the row.
        cols0 = np.union1d(cols0, np.flatnonzero(cover_arc))
    add(cols0)
    crash = _crash(arr, cols0, cut_arc, k_cut, cover_arc, 0 if cover is None else cover[1], first)
    taken = crash[crash >= 0]
    # Basic: the crash plan's arcs (pinned ones sit at their lower bound 1 instead) and the
    # slacks of every row but the households they cover.
    col_basic = np.zeros(n_ovl + len(cols0), dtype=bool)
    col_basic[n_ovl + np.searchsorted(cols0, taken[~arr.arc_pinned[taken]])] = True
    row_basic = np.ones(n_rows, dtype=bool)
    row_basic[arr.arc_item[taken[~arr.arc_pinned[taken]]]] = False
    lp.set_basis(col_basic, row_basic)
    rounds = 0
    while True:
        rounds += 1
        sol = lp.solve(opts.lp_time_limit)
        cols = np.concatenate(order)
        if not sol.ok:
            return LPResult(
                ok=False,
                message=sol.message,
                cols=cols,
                x=np.zeros(arr.n_arcs),
                u=np.zeros(n),
                lam_h=np.zeros(m),
                lam_n=np.zeros(m),
                objective=float("nan"),
                rounds=rounds,
                overload=np.zeros(m),
            )
        d = -sol.row_duals
        u = np.maximum(d[:n], 0.0)
        lam_h = np.maximum(d[n : n + m], 0.0)
        lam_n = np.maximum(d[n + m : n + 2 * m], 0.0)
        lam_c = np.zeros(m)
        lam_c[cut_workers] = np.maximum(d[n + 2 * m : n + 2 * m + n_cuts], 0.0)
        mu = 0.0
        if cover is not None:  # an equality row's dual has either sign
            mu = float(d[-1]) if cover_exact else max(float(d[-1]), 0.0)
        # Price every arc left out: reduced cost c~ + u_i + lam_h * hours + lam_n (+ cut).
        out = np.flatnonzero(~in_lp)
        rc = c_tilde[out] + u[arr.arc_item[out]]
        if mu >= 0.0:
            # The other terms are >= 0 and a float sum never falls when a term >= 0 is
            # added: an arc not negative by now never is. Only the rest are priced on (in
            # the same order of additions: the same values, the same columns).
            keep = rc < -RC_TOL
            out, rc = out[keep], rc[keep]
        agent = arr.arc_agent[out]
        rc += lam_h[agent] * arr.arc_hours[out]
        rc += lam_n[agent]
        rc += lam_c[agent] * cut_arc[out]
        if cover_arc is not None:
            rc += mu * cover_arc[out]
        # After max_pricing_rounds, every negative arc enters at once: the loop still ends
        # (finitely many arcs) and the final LP is exact over the unpruned arc set.
        per_item = opts.pricing_per_item if rounds < opts.max_pricing_rounds else len(out) + 1
        neg = _most_negative(arr.arc_item[out], rc, out, per_item)
        if len(neg) == 0:
            x = np.zeros(arr.n_arcs)
            x[cols] = np.clip(sol.x[n_ovl:], 0.0, 1.0)
            overload = np.zeros(m)
            overload[ovl] = sol.x[:n_ovl]
            objective = sol.objective + float(arr.penalty.sum())
            return LPResult(
                ok=True,
                message="optimal",
                cols=cols,
                x=x,
                u=u,
                lam_h=lam_h,
                lam_n=lam_n,
                objective=objective,
                rounds=rounds,
                overload=overload,
                cover_arc=cover_arc,
                cover_k=0 if cover is None else cover[1],
                mu=mu,
            )
        add(neg)


def fractional_top_limit(
    arr: ArcArrays, opts: SolverOptions, start: np.ndarray | None = None
) -> int | None:
    """The most top (tier-1) households any plan covers, bounded by the LP of the top
    households alone (full capacities, each counting 1, cardinality cuts): the floor of its
    optimum. None when that LP fails.

    ``start`` (arc per household of ``arr``, -1 none; e.g. the best cover found) warm-starts
    the LP with its top households' arcs (:func:`solve_lp_relaxation`'s ``start``): the
    optimum, and so the limit, is the same. Without it, every arc costs the same, so the
    first columns are arbitrary and pricing brings in nearly every arc: in the largest
    township of the monthly run of ``bench/bench_plan.py --scale 1`` (532627002: 1,495
    tier-1 households, 243,679 arcs) the LP took 20.3 CPU s cold, 3.2 s from the best cover
    (as the solver starts it) and 2.2 s from the count LP's whole arcs, to the same optimum.
    """
    is_top = top_mask(arr)
    top = np.flatnonzero(is_top)
    zero = np.zeros(arr.n_agents)
    sub, sub_arcs = arr.subset(top, zero, np.zeros(arr.n_agents, dtype=np.int64))
    count = replace(
        sub,
        arc_cost=np.zeros(sub.n_arcs),
        penalty=np.ones(sub.n_items),
        soft_hours=None,
        overload_weight=0.0,
    )
    first = None if start is None else arr.arcs_in_subset(start[top], sub_arcs)
    # Fewest top households left out, fractionally.
    least = solve_lp_relaxation(count, opts, start=first)
    if not least.ok:
        return None
    return len(top) - int(np.ceil(least.objective - 1e-6))

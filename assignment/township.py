"""The household problem of one township: LP with column generation, Lagrangian bound, repair.

Why this shape (see issue 4's prototype facts): a township is many small local problems
(a grid's workers, a village's officials) coupled through a few shared workers (cadres).
One MIP per township is too big; the plain LP is integral almost everywhere but too weak as a
yardstick where small groups of workers are packed. So:

1. **LP** over a pruned arc set (each household's ``prune_k`` cheapest arcs plus pins), grown by
   *column generation*: every pruned arc is priced with the LP duals and added back while its
   reduced cost is negative. The final LP is therefore the LP of the *unpruned* problem:
   pruning costs nothing, provably. Cardinality cuts per worker, and a coverage cut where the
   LP leaves tier-1 households out (:func:`coverage_cut`), make it fit the integer problem.
2. **Lagrangian bound**: relax "each household at most once" with the LP duals ``u``; the
   problem splits into one two-constraint knapsack per worker. A worker whose LP arcs are all
   integral has its integer knapsack equal to its LP knapsack (the LP restriction is feasible
   and LP-optimal), so only workers with fractional arcs need an exact knapsack
   (:mod:`assignment.knapsack`). The bound is never below the LP and is a proven bound of the
   integer problem.
3. **Repair**: keep every integral LP decision, and solve the few fractional (and uncovered)
   households exactly as a small MIP (HiGHS) on the workers' residual capacity; then single
   ejections, then the packing search (:mod:`assignment.packing`) for full workers with
   uncovered households they could serve (the cadres of a cadre-short township), then, where
   a tier-1 household is still uncovered and tier 1 is small, the exact tier-1 stage
   (:mod:`assignment.priority`).

With a workload-balance term (``ArcArrays.overload_weight``) every step carries it exactly: an
overload variable per worker in the LP and MIPs, an overload-aware knapsack in the bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from assignment.domain import Status
from assignment.exact import solve_exact
from assignment.highs import IncrementalLP
from assignment.knapsack import knapsack_min, knapsack_min_overload
from assignment.packing import improve_packing
from assignment.priority import merge_top, needs_top_stage, solve_top, top_mask, top_part
from assignment.problem import ArcArrays

FRAC_TOL = 1e-6
RC_TOL = 1e-7


@dataclass(frozen=True)
class SolverOptions:
    """Tuning of the township solver (defaults chosen by bench/bench_assign.py)."""

    prune_k: int = 3
    max_pricing_rounds: int = 50
    pricing_per_item: int = 2
    knapsack_delta: float = 0.05
    repair_arcs_per_item: int = 8
    repair_free_workers: bool = False
    repair_node_limit: int = 2000
    repair_time_limit: float = 20.0
    lp_time_limit: float = 120.0
    packing_effort: int = 600  # work units of assignment.packing (deterministic, not seconds)
    top_max_arcs: int = 4000  # exact tier-1 stage only when its MIP has at most this many arcs
    top_work: float = 2.0  # CP-SAT deterministic time of the exact tier-1 stage
    top_time_limit: float = 30.0  # safety only: a stage stopped by it is not used


@dataclass
class TownshipSolution:
    """Solver outcome on arrays: status, choice per household, objective, bounds, stats."""

    status: Status
    choice: np.ndarray
    objective: float | None
    bound: float | None
    lp_bound: float | None
    gap: float | None
    seconds: float
    stats: dict[str, float] = field(default_factory=dict)
    message: str = ""


@dataclass(frozen=True)
class _LP:
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
    mu: float = 0.0  # the coverage cut's dual >= 0


def _initial_columns(arr: ArcArrays, k: int) -> np.ndarray:
    # Each household's k cheapest arcs (ties by arc index), plus every pinned arc.
    order = np.lexsort((np.arange(arr.n_arcs), arr.arc_cost, arr.arc_item))
    item_sorted = arr.arc_item[order]
    starts = np.r_[0, np.flatnonzero(np.diff(item_sorted)) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    keep = np.zeros(arr.n_arcs, dtype=bool)
    keep[order[rank < k]] = True
    keep |= arr.arc_pinned
    return np.flatnonzero(keep)


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
    fits = within <= np.repeat(arr.cap_hours, np.diff(starts)) + 1e-9
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
    arr: ArcArrays, opts: SolverOptions, cover: tuple[np.ndarray, int] | None = None
) -> _LP:
    """LP optimum of the unpruned township problem, by pruning + column generation.

    ``cover`` = (top-household mask, k) adds the valid cut "at most k top households covered"
    (see :func:`coverage_cut`).
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
    lp = IncrementalLP(np.full(n_rows, -np.inf), upper)
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

    add(_initial_columns(arr, opts.prune_k))
    rounds = 0
    while True:
        rounds += 1
        sol = lp.solve(opts.lp_time_limit)
        cols = np.concatenate(order)
        if not sol.ok:
            z = np.zeros(n)
            return _LP(
                False,
                sol.message,
                cols,
                np.zeros(arr.n_arcs),
                z,
                np.zeros(m),
                np.zeros(m),
                float("nan"),
                rounds,
                np.zeros(m),
            )
        d = -sol.row_duals
        u = np.maximum(d[:n], 0.0)
        lam_h = np.maximum(d[n : n + m], 0.0)
        lam_n = np.maximum(d[n + m : n + 2 * m], 0.0)
        lam_c = np.zeros(m)
        lam_c[cut_workers] = np.maximum(d[n + 2 * m : n + 2 * m + n_cuts], 0.0)
        mu = max(float(d[-1]), 0.0) if cover is not None else 0.0
        # Price every arc left out: reduced cost c~ + u_i + lam_h * hours + lam_n (+ cut).
        out = np.flatnonzero(~in_lp)
        rc = (
            c_tilde[out]
            + u[arr.arc_item[out]]
            + lam_h[arr.arc_agent[out]] * arr.arc_hours[out]
            + lam_n[arr.arc_agent[out]]
            + lam_c[arr.arc_agent[out]] * cut_arc[out]
            + (0.0 if cover_arc is None else mu * cover_arc[out])
        )
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
            return _LP(
                True,
                "optimal",
                cols,
                x,
                u,
                lam_h,
                lam_n,
                objective,
                rounds,
                overload,
                cover_arc,
                0 if cover is None else cover[1],
                mu,
            )
        add(neg)


def coverage_cut(arr: ArcArrays, lp: _LP, opts: SolverOptions) -> tuple[np.ndarray, int] | None:
    """A valid cut "at most k top (tier-1) households covered" when the LP breaks it.

    ``k`` is the floor of the most top households any *fractional* plan covers (the LP of the
    top households alone, on full capacities, counting each as 1): no integer plan covers more.
    Where cadres are short, the LP spreads the last hours over fractions of households; this
    cut makes it pay for the whole household it cannot cover. None when the LP already
    respects it (or no top household is left out).
    """
    is_top = top_mask(arr)
    top = np.flatnonzero(is_top)
    mass = float(lp.x[is_top[arr.arc_item]].sum())
    if len(top) == 0 or mass >= len(top) - 1e-6:
        return None
    zero = np.zeros(arr.n_agents)
    sub, _ = arr.subset(top, zero, np.zeros(arr.n_agents, dtype=np.int64))
    count = replace(
        sub,
        arc_cost=np.zeros(sub.n_arcs),
        penalty=np.ones(sub.n_items),
        soft_hours=None,
        overload_weight=0.0,
    )
    least = solve_lp_relaxation(count, opts)  # fewest top households left out, fractionally
    if not least.ok:
        return None
    k = len(top) - int(np.ceil(least.objective - 1e-6))
    return (is_top, k) if mass > k + 1e-6 else None


def lagrangian_bound(arr: ArcArrays, lp: _LP, delta: float) -> tuple[float, int]:
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
    order = np.argsort(arr.arc_agent, kind="stable")
    starts = np.searchsorted(arr.arc_agent[order], np.arange(arr.n_agents + 1))
    for w in frac_workers:
        arcs = order[starts[w] : starts[w + 1]]
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


def repair(arr: ArcArrays, lp: _LP, opts: SolverOptions) -> tuple[np.ndarray, int, str]:
    """Integral plan: LP's integral decisions kept, the rest solved exactly as a small MIP."""
    n = arr.n_items
    choice = np.full(n, -1, dtype=np.int64)
    integral = lp.x >= 1 - FRAC_TOL
    choice[arr.arc_item[integral]] = np.flatnonzero(integral)
    assigned_mass = np.bincount(arr.arc_item, lp.x, n)
    frac_arc = (lp.x > FRAC_TOL) & (lp.x < 1 - FRAC_TOL)
    free_item = np.zeros(n, dtype=bool)
    free_item[arr.arc_item[frac_arc]] = True
    if opts.repair_free_workers:
        # Also free what fractional workers hold integrally: a household split across two
        # workers needs a whole slot, which the residual fragments rarely offer.
        frac_worker = np.zeros(arr.n_agents, dtype=bool)
        frac_worker[arr.arc_agent[frac_arc]] = True
        free_item[arr.arc_item[integral & frac_worker[arr.arc_agent]]] = True
    has_arc = np.bincount(arr.arc_item, minlength=n) > 0
    free_item |= (assigned_mass < FRAC_TOL) & has_arc  # uncovered: give them every chance
    choice[free_item] = -1
    free = np.flatnonzero(free_item)
    if len(free) == 0:
        return choice, 0, "integral LP"
    hours_used, count_used = arr.loads(choice)
    sub, sub_arcs = arr.subset(free, hours_used, count_used)
    fit = (sub.arc_hours <= sub.cap_hours[sub.arc_agent] + 1e-9) & (
        sub.cap_count[sub.arc_agent] > 0
    )
    arcs = np.flatnonzero(fit)
    # A heuristic: each household's arcs with the lowest LP reduced cost (pins always kept).
    full = sub_arcs[arcs]
    rc = (
        arr.arc_cost[full]
        - arr.penalty[arr.arc_item[full]]
        + lp.u[arr.arc_item[full]]
        + lp.lam_h[arr.arc_agent[full]] * arr.arc_hours[full]
        + lp.lam_n[arr.arc_agent[full]]
    )
    order = np.lexsort((arcs, rc, sub.arc_item[arcs]))
    items_sorted = sub.arc_item[arcs][order]
    starts = np.r_[0, np.flatnonzero(np.diff(items_sorted)) + 1] if len(order) else np.zeros(0, int)
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    keep = np.zeros(len(arcs), dtype=bool)
    keep[order[rank < opts.repair_arcs_per_item]] = True
    keep |= sub.arc_pinned[arcs]
    arcs = arcs[keep]
    if len(arcs) == 0:
        return choice, len(free), "no residual capacity"
    t0 = time.perf_counter()
    got, status, _ = solve_exact(sub.restrict(arcs), opts.repair_node_limit, opts.repair_time_limit)
    if time.perf_counter() - t0 >= 0.95 * opts.repair_time_limit:
        # Stopped by wall time: not used, so that the plan never depends on machine load
        # (the ejection step then covers what it can, deterministically).
        return choice, len(free), "repair MIP: time limit, not used"
    if got is None:
        return choice, len(free), f"repair MIP: {status}"
    ok = got >= 0
    choice[free[ok]] = sub_arcs[arcs[got[ok]]]
    return choice, len(free), f"repair MIP: {status}"


def presolve(arr: ArcArrays) -> np.ndarray:
    """Households whose decision is provably optimal in advance; arc index per item or -1.

    Pinned households take their pin. Then, repeatedly: a worker *never binds* when its fixed
    load plus every arc still open to it fits its capacity; a household whose cheapest arc
    (cheaper than leaving it unassigned) goes to such a worker takes that arc. Exchange
    argument: moving the household there in any optimal plan costs nothing more and frees
    capacity elsewhere, so an optimal plan with these decisions exists.
    """
    fixed = np.full(arr.n_items, -1, dtype=np.int64)
    soft = arr.soft()  # below its balance threshold a worker's extra hours cost nothing
    pinned = np.flatnonzero(arr.arc_pinned)
    fixed[arr.arc_item[pinned]] = pinned
    c_tilde = arr.arc_cost - arr.penalty[arr.arc_item]
    order = np.lexsort((np.arange(arr.n_arcs), arr.arc_cost, arr.arc_item))
    _, first = np.unique(arr.arc_item[order], return_index=True)
    best = order[first]  # each item's cheapest arc
    best = best[c_tilde[best] < 0]
    while True:
        open_arc = fixed[arr.arc_item] < 0
        chosen = fixed[fixed >= 0]
        tot_h = np.bincount(arr.arc_agent[open_arc], arr.arc_hours[open_arc], arr.n_agents).astype(
            float
        )
        tot_h += np.bincount(arr.arc_agent[chosen], arr.arc_hours[chosen], arr.n_agents)
        tot_n = np.bincount(arr.arc_agent[open_arc], minlength=arr.n_agents)
        tot_n += np.bincount(arr.arc_agent[chosen], minlength=arr.n_agents)
        slack = (tot_h <= soft + 1e-9) & (tot_n <= arr.cap_count)
        cand = best[(fixed[arr.arc_item[best]] < 0) & slack[arr.arc_agent[best]]]
        if len(cand) == 0:
            return fixed
        fixed[arr.arc_item[cand]] = cand


def solve_arrays(arr: ArcArrays, opts: SolverOptions | None = None) -> TownshipSolution:
    """Presolve, then LP (+pricing), Lagrangian bound and repair on the rest. Never raises."""
    opts = opts or SolverOptions()
    start = time.perf_counter()
    fixed = presolve(arr)
    has_arc = np.bincount(arr.arc_item, minlength=arr.n_items) > 0
    rest = np.flatnonzero((fixed < 0) & has_arc)
    h_used, n_used = arr.loads(fixed)
    sub, sub_arcs = arr.subset(rest, h_used, n_used)
    sol = _solve_core(sub, opts)
    choice = fixed.copy()
    if sol.objective is not None:
        got = sol.choice >= 0
        choice[rest[got]] = sub_arcs[sol.choice[got]]
    objective = arr.objective_of(choice) if sol.objective is not None else None
    # The sub-problem's bound covers its households and every worker's balance cost (its
    # thresholds are shifted by the fixed load); add the fixed arcs and the arc-less households.
    const = float(arr.arc_cost[fixed[fixed >= 0]].sum())
    const += float(arr.penalty[(fixed < 0) & ~has_arc].sum())
    bound = None if sol.bound is None else sol.bound + const
    lp_bound = None if sol.lp_bound is None else sol.lp_bound + const
    gap = None
    if objective is not None and bound is not None:
        bound = min(bound, objective)
        gap = 0.0 if objective <= bound + 1e-9 else (objective - bound) / max(abs(objective), 1e-9)
    stats = dict(sol.stats)
    stats["presolved_households"] = float((fixed >= 0).sum())
    status = sol.status
    if status == Status.OPTIMAL and gap is not None and gap > 1e-9:
        status = Status.FEASIBLE
    return TownshipSolution(
        status,
        choice,
        objective,
        bound,
        lp_bound,
        gap,
        time.perf_counter() - start,
        stats,
        sol.message,
    )


def _solve_core(arr: ArcArrays, opts: SolverOptions) -> TownshipSolution:
    start = time.perf_counter()
    empty = np.full(arr.n_items, -1, dtype=np.int64)
    if arr.n_items == 0:
        return TownshipSolution(Status.OPTIMAL, empty, 0.0, 0.0, 0.0, 0.0, 0.0)
    if arr.n_arcs == 0:
        obj = float(arr.penalty.sum())
        return TownshipSolution(
            Status.OPTIMAL,
            empty,
            obj,
            obj,
            obj,
            0.0,
            time.perf_counter() - start,
            message="no candidate arcs",
        )
    t0 = time.perf_counter()
    lp = solve_lp_relaxation(arr, opts)
    cover = coverage_cut(arr, lp, opts) if lp.ok else None
    if cover is not None:
        with_cut = solve_lp_relaxation(arr, opts, cover)
        lp = with_cut if with_cut.ok else lp
    t_lp = time.perf_counter() - t0
    if not lp.ok:
        return TownshipSolution(
            Status.INFEASIBLE,
            empty,
            None,
            None,
            None,
            None,
            time.perf_counter() - start,
            message=f"LP: {lp.message}",
        )
    t0 = time.perf_counter()
    bound, n_knap = lagrangian_bound(arr, lp, opts.knapsack_delta)
    t_bound = time.perf_counter() - t0
    bound = max(bound, lp.objective)
    t0 = time.perf_counter()
    choice, n_free, msg = repair(arr, lp, opts)
    t_repair = time.perf_counter() - t0
    t0 = time.perf_counter()
    choice, n_eject = eject_improve(arr, choice)
    t_eject = time.perf_counter() - t0
    t0 = time.perf_counter()
    choice, n_pack = improve_packing(arr, choice, effort=opts.packing_effort)
    t_pack = time.perf_counter() - t0
    t0 = time.perf_counter()
    choice, msg_top = _top_stage(arr, choice, opts)
    t_top = time.perf_counter() - t0
    msg = f"{msg}; {msg_top}" if msg_top else msg
    objective = arr.objective_of(choice)
    bound = min(bound, objective)
    gap = 0.0 if objective <= bound + 1e-9 else (objective - bound) / max(abs(objective), 1e-9)
    stats = {
        "lp_seconds": t_lp,
        "bound_seconds": t_bound,
        "repair_seconds": t_repair,
        "lp_columns": float(len(lp.cols)),
        "arcs": float(arr.n_arcs),
        "pricing_rounds": float(lp.rounds),
        "exact_knapsacks": float(n_knap),
        "repaired_households": float(n_free),
        "ejection_moves": float(n_eject),
        "ejection_seconds": t_eject,
        "packing_moves": float(n_pack),
        "packing_seconds": t_pack,
        "top_stage_seconds": t_top,
    }
    status = Status.OPTIMAL if gap <= 1e-9 else Status.FEASIBLE
    return TownshipSolution(
        status, choice, objective, bound, lp.objective, gap, time.perf_counter() - start, stats, msg
    )


def _top_stage(arr: ArcArrays, choice: np.ndarray, opts: SolverOptions) -> tuple[np.ndarray, str]:
    """Exact tier-1 stage (:mod:`assignment.priority`): the plan built on CP-SAT's tier-1
    assignment when it is better. No-op when no top household is uncovered or it is too big."""
    if not needs_top_stage(arr, choice, opts.top_max_arcs):
        return choice, ""
    top = solve_top(arr, opts.top_work, opts.top_time_limit)
    if top is None:
        return choice, "tier-1 exact stage: no plan within its limits"
    msg = "tier-1 exact stage: " + ("optimal" if top.optimal else "work limit")
    if top.objective < top_part(arr, choice) - 1e-6:
        cand = merge_top(arr, choice, top)
        cand, _ = eject_improve(arr, cand)
        cand, _ = improve_packing(arr, cand, effort=opts.packing_effort)
        if arr.objective_of(cand) < arr.objective_of(choice) - 1e-9:
            choice = cand
            msg += ", plan improved"
    return choice, msg


def eject_improve(
    arr: ArcArrays, choice: np.ndarray, max_arcs: int = 12, max_eject: int = 6
) -> tuple[np.ndarray, int]:
    """Cover uncovered households by moving one household out of a full worker (ejection).

    For each uncovered household (highest penalty first) and each of its cheapest arcs: take
    the arc if it fits; otherwise try moving one of that worker's households (lowest penalty
    first) to another worker with room - or leaving it uncovered when its penalty is lower -
    and keep the move only if the objective drops. Deterministic; never worsens the plan.
    """
    choice = choice.copy()
    hours, count = arr.loads(choice)
    hours = hours.astype(float)
    order = np.lexsort((np.arange(arr.n_arcs), arr.arc_cost, arr.arc_item))
    starts = np.searchsorted(arr.arc_item[order], np.arange(arr.n_items + 1))
    held: dict[int, list[int]] = {}
    for i in np.flatnonzero(choice >= 0):
        held.setdefault(int(arr.arc_agent[choice[i]]), []).append(int(i))

    soft = arr.soft()
    weight = arr.overload_weight

    def ovl(w: int, dh: float) -> float:
        # Change of worker w's balance cost when its hours change by dh.
        if weight <= 0:
            return 0.0
        h = hours[w]
        return weight * (max(0.0, h + dh - soft[w]) - max(0.0, h - soft[w]))

    def fits(a: int, free_h: float = 0.0, free_n: int = 0) -> bool:
        w = arr.arc_agent[a]
        return bool(
            hours[w] - free_h + arr.arc_hours[a] <= arr.cap_hours[w] + 1e-9
            and count[w] - free_n + 1 <= arr.cap_count[w]
        )

    def move(i: int, a: int) -> None:
        old = choice[i]
        if old >= 0:
            w0 = int(arr.arc_agent[old])
            hours[w0] -= arr.arc_hours[old]
            count[w0] -= 1
            held[w0].remove(i)
        choice[i] = a
        if a >= 0:
            w = int(arr.arc_agent[a])
            hours[w] += arr.arc_hours[a]
            count[w] += 1
            held.setdefault(w, []).append(i)

    moved = 0
    has_arc = np.diff(starts) > 0
    todo = np.flatnonzero((choice < 0) & has_arc)
    for i in todo[np.argsort(-arr.penalty[todo], kind="stable")]:
        arcs = order[starts[i] : starts[i + 1]][:max_arcs]
        arcs = arcs[arr.arc_cost[arcs] < arr.penalty[i]]
        direct = [
            (arr.arc_cost[a] + ovl(int(arr.arc_agent[a]), arr.arc_hours[a]), int(a))
            for a in arcs
            if fits(int(a))
        ]
        if direct:
            delta, a_best = min(direct)
            if delta < arr.penalty[i] - 1e-9:
                move(int(i), a_best)
                moved += 1
                continue
        best: tuple[float, int, int, int] | None = None
        for a in arcs:
            w = int(arr.arc_agent[a])
            victims = sorted(held.get(w, []), key=lambda j: (arr.penalty[j], j))[:max_eject]
            for j in victims:
                aj = int(choice[j])
                if arr.arc_pinned[aj]:
                    continue
                if not fits(int(a), arr.arc_hours[aj], 1):
                    continue
                gain_i = (
                    arr.arc_cost[a] - arr.penalty[i] + ovl(w, arr.arc_hours[a] - arr.arc_hours[aj])
                )
                # j: best other arc with room, or uncovered.
                alt, alt_delta = -1, arr.penalty[j] - arr.arc_cost[aj]
                for b in order[starts[j] : starts[j + 1]][:max_arcs]:
                    wb = int(arr.arc_agent[b])
                    if wb == w:
                        continue
                    d = arr.arc_cost[b] - arr.arc_cost[aj] + ovl(wb, arr.arc_hours[b])
                    if d < alt_delta and fits(int(b)):
                        alt, alt_delta = int(b), d
                delta = gain_i + alt_delta
                if delta < -1e-9 and (best is None or delta < best[0]):
                    best = (delta, int(a), j, alt)
        if best is not None:
            _, a, j, alt = best
            move(j, -1)
            move(int(i), a)
            if alt >= 0 and fits(alt):
                move(j, alt)
            moved += 1
    return choice, moved

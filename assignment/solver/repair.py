"""From the LP to an integral plan: presolve, repair of the split households, ejections.

* :func:`presolve` fixes households whose decision is provably optimal in advance;
* :func:`repair` keeps every integral LP decision and solves the fractional (and uncovered)
  households exactly as a small MIP on the workers' residual capacity;
* :func:`eject_improve` covers uncovered households by moving one household out of a full
  worker. Every step is deterministic and never worsens the plan it is given.
"""

from __future__ import annotations

import time

import numpy as np

from assignment import constraints as rules
from assignment.problem import ArcArrays
from assignment.solver.exact import solve_exact
from assignment.solver.lp import LPResult
from assignment.solver.options import FRAC_TOL, SolverOptions


def repair(arr: ArcArrays, lp: LPResult, opts: SolverOptions) -> tuple[np.ndarray, int, str]:
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
    fit = rules.fits_capacity(
        sub.arc_hours, sub.cap_hours[sub.arc_agent], 1, sub.cap_count[sub.arc_agent]
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
        slack = rules.fits_capacity(tot_h, soft, tot_n, arr.cap_count)
        cand = best[(fixed[arr.arc_item[best]] < 0) & slack[arr.arc_agent[best]]]
        if len(cand) == 0:
            return fixed
        fixed[arr.arc_item[cand]] = cand


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
        return float(rules.overload_change(hours[w], dh, soft[w], weight))

    def fits(a: int, free_h: float = 0.0, free_n: int = 0) -> bool:
        w = arr.arc_agent[a]
        return bool(
            rules.fits_capacity(
                hours[w] - free_h + arr.arc_hours[a],
                arr.cap_hours[w],
                count[w] - free_n + 1,
                arr.cap_count[w],
            )
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

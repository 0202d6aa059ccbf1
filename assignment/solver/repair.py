"""From the LP to an integral plan: presolve, repair of the split households, ejections.

* :func:`presolve` fixes households whose decision is provably optimal in advance;
* :func:`repair` keeps every integral LP decision and solves the fractional (and uncovered)
  households exactly as a small MIP on the workers' residual capacity;
* :func:`eject_improve` covers uncovered households by moving one household out of a full
  worker. Every step is deterministic and never worsens the plan it is given.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from assignment import constraints as rules
from assignment.problem import ArcArrays
from assignment.solver.exact import solve_exact
from assignment.solver.lp import LPResult
from assignment.solver.options import FRAC_TOL, SolverOptions
from assignment.solver.priority import top_mask


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
    # A heuristic: each household's arcs with the lowest LP reduced cost (pins always kept):
    # the LP's own arcs (reduced cost 0) and the next cheapest; few, for speed, since the
    # ejection and packing steps after it cover what it leaves (see
    # SolverOptions.repair_arcs_per_item).
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
    got, status, _ = solve_exact(
        sub.restrict(arcs), opts.repair_node_limit, opts.repair_time_limit, opts.repair_rel_gap
    )
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
    best = arr.cheapest_arc()
    best = best[best >= 0]
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
    arr: ArcArrays, choice: np.ndarray, max_arcs: int = 12, max_eject: int = 6, floor: int = 0
) -> tuple[np.ndarray, int]:
    """Cover uncovered households by moving one household out of a full worker (ejection).

    For each uncovered household (highest penalty first) and each of its cheapest arcs: take
    the arc if it fits; otherwise try moving one of that worker's households (lowest penalty
    first) to another worker with room - or leaving it uncovered when its penalty is lower -
    and keep the move only if the objective drops. Deterministic; never worsens the plan.
    ``floor``: a move never leaves fewer tier-1 households covered than that (the tier-1
    floor rule, :func:`assignment.solver.priority.keeps_top_floor`; ``choice`` must meet it).
    """
    has_arc = np.bincount(arr.arc_item, minlength=arr.n_items) > 0
    todo = np.flatnonzero((choice < 0) & has_arc)
    if len(todo) == 0:  # nothing to cover: spare the lists of a township's arcs
        return choice.astype(np.int64), 0
    # Plain Python lists and floats: this loop runs per household and candidate, and numpy's
    # per-scalar overhead dominated it. The arithmetic is the same, in the same order, as
    # rules.fits_capacity and rules.overload_change, so the results are identical.
    # The loop reads only each household's ``max_arcs`` cheapest arcs and the plan's own:
    # those alone become lists, numbered in the order of their arc indices (so that ties,
    # broken by arc, break the same way) and mapped back at the end.
    first = _cheapest_arcs(arr, max_arcs)
    used = np.union1d(first.arcs, choice[choice >= 0])
    choice_l = np.where(choice >= 0, np.searchsorted(used, choice), -1).tolist()
    hours_a, count_a = arr.loads(choice)
    hours = hours_a.astype(float).tolist()
    count = count_a.tolist()
    order_l, starts_l = np.searchsorted(used, first.arcs).tolist(), first.starts.tolist()
    agent = arr.arc_agent[used].tolist()
    a_hours = arr.arc_hours[used].tolist()
    a_cost = arr.arc_cost[used].tolist()
    pinned = arr.arc_pinned[used].tolist()
    penalty = arr.penalty.tolist()
    cap_h = arr.cap_hours.tolist()
    cap_n = arr.cap_count.tolist()
    held: dict[int, list[int]] = {}
    for i in np.flatnonzero(choice >= 0).tolist():
        held.setdefault(agent[choice_l[i]], []).append(i)

    soft = arr.soft().tolist()
    weight = float(arr.overload_weight)
    is_top = top_mask(arr).tolist()
    n_top = int(((choice >= 0) & top_mask(arr)).sum())
    tol = rules.CAPACITY_TOL

    def ovl(w: int, dh: float) -> float:
        if weight <= 0:
            return 0.0
        h, s = hours[w], soft[w]
        return weight * (max(h + dh - s, 0.0) - max(h - s, 0.0))

    def fits(a: int, free_h: float = 0.0, free_n: int = 0) -> bool:
        w = agent[a]
        return (
            hours[w] - free_h + a_hours[a] <= cap_h[w] + tol and count[w] - free_n + 1 <= cap_n[w]
        )

    def move(i: int, a: int) -> None:
        old = choice_l[i]
        if old >= 0:
            w0 = agent[old]
            hours[w0] -= a_hours[old]
            count[w0] -= 1
            held[w0].remove(i)
        choice_l[i] = a
        if a >= 0:
            w = agent[a]
            hours[w] += a_hours[a]
            count[w] += 1
            held.setdefault(w, []).append(i)

    moved = 0
    for i in todo[np.argsort(-arr.penalty[todo], kind="stable")].tolist():
        pen_i = penalty[i]
        arcs = [a for a in order_l[starts_l[i] : starts_l[i + 1]] if a_cost[a] < pen_i]
        direct = [(a_cost[a] + ovl(agent[a], a_hours[a]), a) for a in arcs if fits(a)]
        if direct:
            delta, a_best = min(direct)
            if delta < pen_i - 1e-9:
                move(i, a_best)
                moved += 1
                n_top += int(is_top[i])
                continue
        best: tuple[float, int, int, int] | None = None
        for a in arcs:
            w = agent[a]
            victims = sorted(held.get(w, []), key=lambda j: (penalty[j], j))[:max_eject]
            for j in victims:
                aj = choice_l[j]
                if pinned[aj]:
                    continue
                if not fits(a, a_hours[aj], 1):
                    continue
                gain_i = a_cost[a] - pen_i + ovl(w, a_hours[a] - a_hours[aj])
                # j: best other arc with room, or uncovered.
                alt, alt_delta = -1, penalty[j] - a_cost[aj]
                for b in order_l[starts_l[j] : starts_l[j + 1]]:
                    wb = agent[b]
                    if wb == w:
                        continue
                    d = a_cost[b] - a_cost[aj] + ovl(wb, a_hours[b])
                    if d < alt_delta and fits(b):
                        alt, alt_delta = b, d
                delta = gain_i + alt_delta
                if alt < 0 and is_top[j] and not is_top[i] and n_top <= floor:
                    continue  # the floor rule: j would leave the tier-1 cover for i
                if delta < -1e-9 and (best is None or delta < best[0]):
                    best = (delta, a, j, alt)
        if best is not None:
            _, a, j, alt = best
            move(j, -1)
            move(i, a)
            if alt >= 0 and fits(alt):
                move(j, alt)
            moved += 1
            n_top += int(is_top[i]) - int(is_top[j] and choice_l[j] < 0)
    local = np.asarray(choice_l, dtype=np.int64)
    return np.where(local >= 0, used[np.maximum(local, 0)], -1), moved


class _FirstArcs(NamedTuple):
    """Each household's cheapest arcs, grouped by household: household ``i``'s are
    ``arcs[starts[i]:starts[i + 1]]``, cheapest first (ties by arc index)."""

    arcs: np.ndarray
    starts: np.ndarray


def _cheapest_arcs(arr: ArcArrays, k: int) -> _FirstArcs:
    """The first ``k`` arcs of each household in :attr:`ArcArrays.cheapest_order`."""
    order = arr.cheapest_order
    starts = np.searchsorted(arr.arc_item[order], np.arange(arr.n_items + 1))
    counts = np.minimum(np.diff(starts), k)
    ends = np.cumsum(counts)
    rank = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - counts, counts)
    arcs = order[np.repeat(starts[:-1], counts) + rank]
    return _FirstArcs(arcs, np.r_[0, ends])

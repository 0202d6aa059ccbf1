"""The cheapest tier-1 cover of the proven size: the tier-1 stage's second step.

:func:`cheapest_cover` - among tier-1 assignments covering at least ``k`` households (``k``
the count's maximum, :func:`~assignment.solver.coverage.max_coverage`), one of least
tier-1 cost (arc costs plus the penalties of those left out): which households to leave
out matters, since their penalties grow with risk. Priced with the township LP's worker
duals, each arc also pays for the hours and the place it takes from the lower tiers (what
the LP says an hour of that worker is worth to them), so the cover chosen is one the rest
of the plan can live with. The count's cover is first made cheaper by the cost form of the
tabu search (never fewer than ``k`` covered), then by the same search gathering free hours
on few cadres so that a riskier household left out can take a lighter one's place
(:data:`~assignment.solver.count_search.CONSOLIDATE`), CP-SAT (on small models,
:data:`~assignment.solver.coverage.CPSAT_MAX_ARCS`) is hinted with that, the best is made
cheaper a few cadres at a time by the large-neighbourhood search of
:mod:`assignment.solver.cover_lns` (as many covered) and the gathering search in turn,
while a round gains enough (:data:`IMPROVE_ROUNDS`, :data:`IMPROVE_MIN`), and then
improved by the packing search (:mod:`assignment.solver.packing`) on the tier-1 households
alone, under the floor rule: it swaps which tier-1 households are covered and by whom,
never covering fewer.

Where the count is proven at its true maximum, the cover is tight (every cadre full to
minutes): a cheaper choice of whom to leave out needs chains of moves across many cadres
(which the large-neighbourhood search finds, the tabu search not), and the LP bound of the
cost "with exactly K covered" is weak: at scale 1 the cost gap with coverage fixed of such
townships is still 0.5-19 % (`bench/bench_assign.py`, README). The pattern (Dantzig-Wolfe)
bound of the tier-1 part - a branch-and-price's root - would close at most about a fifth of
it in the three such townships of seeds 1 and 2 small enough to measure (before the
large-neighbourhood search) and at most a third in the most cadre-short one measured
(532628003, seed 1), and a general MIP solver's branching (HiGHS, 5,000 nodes from
the plan) raises the bound by less than a tenth, and reduced-cost fixing from the count
LP's duals fixes none of the households the LP leaves out (`bench/bench_cost_bound.py`,
README): closing it needs a search that branches on whom to leave out with the pattern
bound at every node.

The searches stop at work limits and draw their randomness from fixed seeds, and CP-SAT
runs on deterministic work units (:mod:`assignment.solver.top_model`): the cover depends
neither on machine load nor on the number of processes.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from assignment.problem import ArcArrays
from assignment.solver import coverage
from assignment.solver import cpsat as cp_model
from assignment.solver.count_search import CONSOLIDATE, search_cost
from assignment.solver.cover_lns import improve_cover
from assignment.solver.coverage import Coverage
from assignment.solver.packing import improve_packing
from assignment.solver.priority import TopSolution, top_mask, top_part
from assignment.solver.top_model import (
    Dense,
    TopModel,
    build_model,
    dense_form,
    fits,
    set_hint,
    solved,
    top_model,
)

COST_SCALE = 100.0  # the cost stage's objective in hundredths of a minute-equivalent
# Rounds of the large-neighbourhood search and the gathering cost search, each from the
# other's cover, at most: each finds covers the other cannot reach from its own. A round
# must gain IMPROVE_MIN times the least penalty for the next to run (the later rounds' tiny
# gains cost several CPU seconds each).
IMPROVE_ROUNDS = 4
IMPROVE_MIN = 0.05


def cheapest_cover(
    arr: ArcArrays,
    cov: Coverage,
    work: float = 2.0,
    time_limit: float = 60.0,
    *,
    price: np.ndarray | None = None,
    effort: int = 0,
) -> TopSolution | None:
    """A tier-1 assignment covering at least ``cov.best`` households at least tier-1 cost.

    ``price`` (per arc of the full arrays, >= 0) is added to each arc's cost in the search:
    the opportunity cost of the worker's hours and place for the lower tiers (the LP's
    duals). The cost form of the tabu search, then (with at most
    :data:`~assignment.solver.coverage.CPSAT_MAX_ARCS`
    tier-1 arcs) CP-SAT hinted with its cover. Starts from (and is never worse, so priced,
    than) ``cov.choice``; the best found is then re-packed on the tier-1 households alone
    (``effort`` work units of :func:`~assignment.solver.packing.improve_packing`, floor
    ``cov.best``; 0: not). Costs are rounded to hundredths in the model only, the returned
    objective is the exact tier-1 cost (unpriced). None without tier-1 households to place.
    """
    tm = top_model(arr)
    if len(tm.items) == 0:
        return None
    is_top = top_mask(arr)
    top = np.flatnonzero(is_top)
    tabu = _cost_searched(arr, tm, cov.choice, floor=cov.best, price=price)
    # Gathering free hours pays only where a household left out is worth more on a cadre
    # than one it holds (whom to leave out).
    worth_gathering = _worth_a_place(arr, tm, tabu, price)
    gathered = (
        _cost_searched(arr, tm, tabu, floor=cov.best, price=price, gather=CONSOLIDATE)
        if worth_gathering
        else tabu
    )
    candidates = [cov.choice, tabu, gathered]
    code = cp_model.UNKNOWN
    if len(tm.arcs) <= coverage.CPSAT_MAX_ARCS:
        t0 = time.perf_counter()
        model, x = build_model(arr, tm, relaxed=False)
        model.add(sum(x) >= cov.best)
        gain = arr.arc_cost[tm.arcs] - arr.penalty[arr.arc_item[tm.arcs]]
        if price is not None:
            gain = gain + price[tm.arcs]
        model.minimize(sum(round(g * COST_SCALE) * v for g, v in zip(gain, x, strict=True)))
        hint = np.full(arr.n_items, -1, dtype=np.int64)
        hint[cov.items] = gathered
        set_hint(model, x, tm, hint)
        _, code, got = solved(model, x, tm, work, time_limit, started=t0)
        if got is not None and int((got >= 0).sum()) >= cov.best and fits(arr, tm, got):
            candidates.append(got)

    def top_cost(ch: np.ndarray, priced: bool = False) -> float:
        full = np.full(arr.n_items, -1, dtype=np.int64)
        full[tm.items] = ch
        c = full[top]
        extra = float(price[c[c >= 0]].sum()) if priced and price is not None else 0.0
        return top_part(arr, full) + extra

    best = min(candidates, key=lambda ch: top_cost(ch, priced=True))
    # The large-neighbourhood search and the gathering cost search each start the other
    # from a cover it cannot improve: alternate them while a round gains enough.
    enough = IMPROVE_MIN * float(arr.penalty[tm.items].min())
    for _ in range(IMPROVE_ROUNDS):
        before = top_cost(best, priced=True)
        best = _lns_searched(arr, tm, best, price=price)
        if not worth_gathering:
            break
        best = _cost_searched(arr, tm, best, floor=cov.best, price=price, gather=CONSOLIDATE)
        if top_cost(best, priced=True) > before - enough:
            break
    if effort > 0:
        best = _repacked(arr, tm, best, floor=cov.best, price=price, effort=effort)
    full = np.full(arr.n_items, -1, dtype=np.int64)
    full[tm.items] = best
    return TopSolution(
        items=top,
        choice=full[top],
        objective=top_cost(best),
        optimal=code == cp_model.OPTIMAL,
    )


def _worth_a_place(
    arr: ArcArrays, tm: TopModel, choice: np.ndarray, price: np.ndarray | None
) -> bool:
    """Whether some household left out by ``choice`` (arc per household of ``tm.items``)
    would save more on a cadre that may take it than a household that cadre holds saves
    there (penalty less its priced arc cost). Without such a pair no single replace of a
    held household by one left out pays, and the gathering search (whose purpose is such
    replaces) is not run. Pins never leave."""
    dn, cost = _priced(arr, tm, price)
    cadre = dn.cadre_of(arr, choice)
    penalty = arr.penalty[tm.items]
    out = np.flatnonzero(cadre < 0)
    held = np.flatnonzero((cadre >= 0) & ~dn.fixed)
    if len(out) == 0 or len(held) == 0:
        return False
    least = np.full(len(dn.cadres), np.inf)  # per cadre: the least saving it holds
    np.minimum.at(least, cadre[held], penalty[held] - cost[cadre[held], held])
    saving = penalty[out][None, :] - cost[:, out]  # cadre x household left out (-inf: no arc)
    return bool(np.any(saving > least[:, None] + 1e-9))


def _repacked(
    arr: ArcArrays,
    tm: TopModel,
    choice: np.ndarray,
    *,
    floor: int,
    price: np.ndarray | None,
    effort: int,
) -> np.ndarray:
    """``choice`` (arc per household of ``tm.items``, a fitting cover of at least ``floor``)
    improved by the packing search on the tier-1 households alone, each arc's cost plus its
    ``price``, never covering fewer than ``floor`` (the floor rule). Deterministic."""
    sub, sub_arcs = arr.subset(tm.items, arr.cap_hours - tm.cap_hours, arr.cap_count - tm.cap_count)
    extra = np.zeros(sub.n_arcs) if price is None else price[sub_arcs]
    sub = replace(sub, arc_cost=sub.arc_cost + extra, overload_weight=0.0, soft_hours=None)
    start = arr.arcs_in_subset(choice, sub_arcs)
    got, _ = improve_packing(sub, start, effort=effort, floor=floor)
    out = np.where(got >= 0, sub_arcs[np.maximum(got, 0)], -1)
    return out if int((out >= 0).sum()) >= floor and fits(arr, tm, out) else choice


def _priced(arr: ArcArrays, tm: TopModel, price: np.ndarray | None) -> tuple[Dense, np.ndarray]:
    """The dense tier-1 model and its cadre x household cost: arc cost plus ``price`` (inf
    where the cadre has no arc), as the cost searches take it."""
    dn = dense_form(arr, tm)
    extra = np.zeros(arr.n_arcs) if price is None else price
    at = np.maximum(dn.arc_at, 0)
    return dn, np.where(dn.arc_at >= 0, arr.arc_cost[at] + extra[at], np.inf)


def _cost_searched(
    arr: ArcArrays,
    tm: TopModel,
    start: np.ndarray,
    *,
    floor: int,
    price: np.ndarray | None,
    effort: float = 1.0,
    gather: float = 0.0,
) -> np.ndarray:
    """``start`` (arc per household of ``tm.items``, a fitting cover of at least ``floor``)
    made cheaper by :func:`~assignment.solver.count_search.search_cost`: arc costs plus
    ``price`` per covered household, penalties per uncovered one; never fewer than
    ``floor`` covered, pins kept. With ``gather`` > 0 its moves also gather free hours,
    at that share of the least penalty per squared hour (``consolidate`` of
    :func:`~assignment.solver.count_search.search_cost`; :data:`CONSOLIDATE`). ``start``
    itself when nothing cheaper fits."""
    dn, cost = _priced(arr, tm, price)
    penalty = arr.penalty[tm.items]
    weight = gather * float(penalty.min()) if gather > 0 and len(penalty) else 0.0
    got = search_cost(
        dn.hours,
        cost,
        penalty,
        cap_hours=tm.cap_hours[dn.cadres],
        cap_count=tm.cap_count[dn.cadres],
        start=dn.cadre_of(arr, start),
        fixed=dn.fixed,
        floor=floor,
        effort=effort,
        consolidate=weight,
    )
    found = dn.arcs_of(got)
    ok = int((found >= 0).sum()) >= floor and fits(arr, tm, found)
    return found if ok else start


def _lns_searched(
    arr: ArcArrays,
    tm: TopModel,
    start: np.ndarray,
    *,
    price: np.ndarray | None,
    effort: float = 1.0,
) -> np.ndarray:
    """``start`` (arc per household of ``tm.items``, a fitting cover) made cheaper by
    :func:`~assignment.solver.cover_lns.improve_cover` (a few cadres at a time, exactly, as
    many covered): arc costs plus ``price`` per covered household, penalties per uncovered
    one, pins kept. ``start`` itself when nothing cheaper fits."""
    dn, cost = _priced(arr, tm, price)
    got = improve_cover(
        dn.hours,
        cost,
        arr.penalty[tm.items],
        tm.cap_hours[dn.cadres],
        tm.cap_count[dn.cadres],
        dn.cadre_of(arr, start),
        dn.fixed,
        effort=effort,
    )
    found = dn.arcs_of(got)
    ok = int((found >= 0).sum()) >= int((start >= 0).sum()) and fits(arr, tm, found)
    return found if ok else start

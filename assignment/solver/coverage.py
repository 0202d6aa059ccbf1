"""The most tier-1 households a township can cover, proven: a lexicographic first stage.

Leaving a tier-1 household uncovered is the one failure a supervisor must be able to justify
("no plan covers more than K of our N tier-1 households with these cadres"). The cost
objective alone does not say that: its penalties differ by risk, so covering one more
household is not always cheaper, and the LP-guided plan can miss a cover that needs many
households reshuffled. So the count is solved on its own, exactly:

* :func:`max_coverage` - the tier-1 households alone on every worker's capacity (less what
  its pinned lower households take), maximising the *number* covered. Plans first: a tabu
  search (:mod:`assignment.solver.count_search`) from the township's plan; then the bound,
  the floor of the count's LP on a *relaxed* integer model (hours rounded down, capacities
  up, so every real plan stays feasible in it). Where the search falls short of it, the
  search again from the LP's whole arcs and with lightest-first insertion, then from the
  LP's whole arcs and from the plan covering only households the LP covers (the LP chooses
  whom to leave out, the search only packs them); in the cadre-short townships at scale 1
  that reaches the floor, which is the proof, in all but zero to two townships a run. Only
  where a gap is left the exact solvers run as before: a HiGHS MIP on the relaxed model
  (its bound can go below the LP's floor) and CP-SAT (on small models only,
  :data:`CPSAT_MAX_ARCS`); townships too large for the MIP (:data:`MIP_MAX_ARCS`) have
  the searches alone. Plans are checked in floats; where a relaxed plan does not fit exactly
  a *conservative* model (hours up, capacities down) gives one that does.
  ``best == upper`` proves the maximum.

The cheapest cover of the proven size, the stage's second step, is
:mod:`assignment.solver.cheapest_cover`; the tier-1 model both take is
:mod:`assignment.solver.top_model`.

The searches stop at work limits (iterations, cells evaluated) and draw their randomness
from a fixed seed; CP-SAT runs with one worker, a fixed seed and a limit in its
*deterministic* work units: results depend neither on machine load nor on the number of
processes. A solve stopped by the safety clock instead is not used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from assignment.problem import ArcArrays
from assignment.solver.count_search import search_count
from assignment.solver.highs import solve_lp, solve_mip
from assignment.solver.priority import top_mask
from assignment.solver.rows import assignment_rows
from assignment.solver.top_model import (
    TopModel,
    build_model,
    dense_form,
    fits,
    scaled,
    set_hint,
    solved,
    top_model,
)

# The tier-1 count MIP's deterministic work limit: branch-and-bound nodes x tier-1 arcs
# (about 580 nodes at 2,600 arcs, 150 at 10,000), and the size above which it is not tried.
# Its root (cut rounds, the root's sub-MIPs) costs most of it whatever the node limit: 2.3
# of 5.2 CPU s at 2,589 arcs, 6.3 of 7.6 s at 9,790. In the six runs of `bench/bench_assign.py
# --scale 1 [--seed N] [--tight] --processes 2 --skip-greedy --solver-only` it ran in six
# townships and closed one, the smallest (532625011, seed 2, tight: 2,589 arcs, the plan
# meeting the LP's floor); in the five of 4,427 to 11,152 arcs it found neither a plan nor
# a bound better than the searches' and the LP's, for 5 to 12.5 CPU s each, as it did with
# four times the nodes (9,790 arcs). So it runs up to 4,000 arcs (16,000 before).
MIP_WORK = 1_500_000
MIP_MAX_ARCS = 4_000
# Above MIP_MAX_ARCS no MIP runs. The MIP on the count LP's support (a few arcs per
# household) and the plan's arcs ran there once, a primal step: it covered no household more
# than the searches in any of its calls (7 in the six runs of `bench/bench_coverage_steps.py
# [--tight]`, commit de03eb3; 2 in the monthly runs of `bench/bench_plan.py --scale 1`,
# where it took 11 CPU s of the largest township's 119), so it was removed.
# CP-SAT (the count's and the cheapest cover's) runs only on tier-1 models of at most this
# many arcs (the demo's townships are well below it). At scale 1 the count's CP-SAT
# gained nothing in any of its 10 calls in the six runs of `bench/bench_coverage_steps.py
# [--tight]`, and the cadre-short townships' models are larger; without CP-SAT there (and
# with the count MIP's primal focus, :func:`_mip`) the six runs of `bench/bench_assign.py
# --scale 1 [--seed N] [--tight] --processes 2 --skip-greedy --solver-only` kept every proof
# and every plan but two townships' (README), and the tier-1 stage of seed 1 took 70 instead
# of 103 CPU s (default) and 68 instead of 119 (tight) against the code before (commit
# d7384f9, `bench/results/assign_scale1_solver_{default,tight}_d7384f9.md`).
CPSAT_MAX_ARCS = 2_000
# Rounds of the large-neighbourhood search and the gathering cost search, each from the
# other's cover, at most: each finds covers the other cannot reach from its own. A round
# must gain IMPROVE_MIN times the least penalty for the next to run (the later rounds' tiny
# gains cost several CPU seconds each).
SUPPORT_TOL = 1e-7  # an LP value above this puts its arc in the support
MIP_CLOCK_FACTOR = 5.0  # its safety clock: this many times the stage's, far above its work
_PROVEN_BY = "proven by "  # Coverage.message of a proven count, then the step that closed it


@dataclass(frozen=True)
class Coverage:
    """What is known about a township's tier-1 coverage.

    ``best`` households are covered by ``choice`` (arc index in the full arrays per household
    of ``items``, -1 uncovered), a plan of the tier-1 households that fits every worker;
    ``upper`` is proven: no plan covers more. ``proven`` when the two meet.
    """

    households: int  # tier-1 households in the township
    reachable: int  # of them, those with at least one candidate worker
    best: int
    upper: int
    items: np.ndarray
    choice: np.ndarray
    message: str = ""

    @property
    def proven(self) -> bool:
        """Whether ``best`` is proven to be the maximum (it meets the upper bound)."""
        return self.best >= self.upper

    def plan(self, n_items: int) -> np.ndarray:
        """The cover as an arc per household of the township's ``n_items`` (-1 uncovered,
        every household not in ``items`` included)."""
        out = np.full(n_items, -1, dtype=np.int64)
        out[self.items] = self.choice
        return out

    @property
    def uncertainty(self) -> int:
        """At most this many more tier-1 households may be coverable than ``best``."""
        return max(self.upper - self.best, 0)


def _count_rows(
    arr: ArcArrays, tm: TopModel, hours: np.ndarray, caps: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray]:
    """The count model's rows ``a x <= hi`` over the tier-1 arcs of ``tm``: one household
    per item, then hours and households per worker that has an arc (``hours`` per arc,
    ``caps`` per worker, in any unit)."""
    n = len(tm.items)
    agent = arr.arc_agent[tm.arcs]
    n_agents = arr.n_agents
    used = np.unique(agent)
    w_pos = np.full(n_agents, -1)
    w_pos[used] = np.arange(len(used))
    nw = len(used)
    a = assignment_rows(tm.item_of, w_pos[agent], hours, n, nw)
    hi = np.concatenate(
        [np.ones(n), np.maximum(caps[used], 0).astype(float), tm.cap_count[used].astype(float)]
    )
    return a, hi


def _mip(
    arr: ArcArrays, tm: TopModel, relaxed: bool, node_limit: int, time_limit: float
) -> tuple[np.ndarray | None, int | None]:
    """The tier-1 count as a HiGHS MIP on the integer-scaled model of :func:`scaled`:
    (its plan as an arc per household of ``tm.items`` or None, its proven upper bound or
    None). ``node_limit`` is the deterministic work limit; a solve stopped by the safety
    clock ``time_limit`` is not used (None, None).

    HiGHS runs with ``primal_focus`` (no strong branching, no restart): within its few
    hundred nodes the MIP closes a township by finding the plan that meets the bound, not by
    raising the bound. At scale 1 it ran in the tight variant's open townships and in one it
    closed (532625011, seed 2: the same proof, with another cover); see
    :data:`CPSAT_MAX_ARCS` for what the two changes did to the stage's CPU.

    Without HiGHS's RENS sub-MIP (``rens=False``): in the open townships of the scale-1 runs
    its time went into the root's sub-MIPs, and RINS (kept) is the one that found the cover
    of 532625011 on seed 2's tight instance of commit fb355b2, with or without RENS."""
    n, k = len(tm.items), len(tm.arcs)
    hours, caps = scaled(arr, tm, relaxed)
    a, hi = _count_rows(arr, tm, hours, caps)
    pinned = arr.arc_pinned[tm.arcs]
    t0 = time.perf_counter()
    sol = solve_mip(
        -np.ones(k),
        a,
        np.full(len(hi), -np.inf),
        hi,
        pinned.astype(float),
        np.ones(k),
        time_limit=time_limit,
        node_limit=node_limit,
        primal_focus=True,
        rens=False,
    )
    if time.perf_counter() - t0 >= 0.95 * time_limit:
        return None, None  # stopped by the safety clock: machine-dependent, not used
    upper = None if sol.bound is None else int(np.floor(-sol.bound + 1e-6))
    if sol.status == "infeasible":  # only pins that do not fit: nothing is provable here
        return None, None
    if sol.x is None:
        return None, upper
    got = np.full(n, -1, dtype=np.int64)
    chosen = np.flatnonzero(sol.x > 0.5)
    got[tm.item_of[chosen]] = tm.arcs[chosen]
    return got, upper


def _fitting_mip(
    arr: ArcArrays, tm: TopModel, best: int, nodes: int, clock: float
) -> tuple[np.ndarray | None, int | None]:
    """The count MIP (:func:`_mip`) on the relaxed model: (a plan covering more than
    ``best`` that fits in floats, or None; the relaxed model's proven bound, or None). When
    the relaxed plan covers more but uses its rounding, the conservative model's plan
    (which always fits) is taken if it covers more too."""
    got, bound = _mip(arr, tm, True, nodes, clock)
    if got is None or int((got >= 0).sum()) <= best:
        return None, bound
    if fits(arr, tm, got):
        return got, bound
    got2, _ = _mip(arr, tm, False, nodes, clock)
    if got2 is not None and int((got2 >= 0).sum()) > best and fits(arr, tm, got2):
        return got2, bound
    return None, bound


def _searched(  # noqa: PLR0917  (the search's data)
    arr: ArcArrays,
    tm: TopModel,
    start: np.ndarray,
    target: int,
    effort: float,
    lightest: bool = False,
    only: np.ndarray | None = None,
) -> np.ndarray | None:
    """A cover of more tier-1 households than ``start`` (arc per household of ``tm.items``,
    a fitting plan or all -1) by the tabu search of :mod:`assignment.solver.count_search`,
    as an arc per household, or None. Pinned households keep their arc (placed first when
    ``start`` lacks them; no search when the pins alone do not fit). ``only`` (per household
    of ``tm.items``): the households the search may cover besides the pinned ones; ``start``
    keeps only those (None: all)."""
    choice = start.copy() if only is None else np.where(only, start, -1)
    pinned = np.flatnonzero(arr.arc_pinned[tm.arcs])
    choice[tm.item_of[pinned]] = tm.arcs[pinned]
    if not fits(arr, tm, choice):
        return None
    dn = dense_form(arr, tm)
    hours = dn.hours
    if only is not None:
        hours = np.where((only | (choice >= 0))[None, :], hours, np.inf)
    got = search_count(
        hours,
        tm.cap_hours[dn.cadres],
        tm.cap_count[dn.cadres],
        dn.cadre_of(arr, choice),
        dn.fixed,
        target=target,
        effort=effort,
        lightest=lightest,
    )
    found = dn.arcs_of(got)
    if int((found >= 0).sum()) <= int((choice >= 0).sum()):  # choice: start and the pins
        return None
    return found if fits(arr, tm, found) else None


@dataclass(frozen=True)
class _CountLP:
    """The count's LP relaxation, as the searches use it."""

    limit: int  # the floor of its optimum: no plan covers more
    whole: np.ndarray  # its whole arcs, an arc per household of ``tm.items`` (-1 none)
    chosen: np.ndarray  # per household of ``tm.items``: the LP covers some of it


def _lp_limit(arr: ArcArrays, tm: TopModel) -> _CountLP | None:
    """The count's LP relaxation on the relaxed integer model (hours down, capacities up;
    the count MIP's root), whose floor no plan exceeds. None when the LP fails."""
    hours, caps = scaled(arr, tm, relaxed=True)
    a, hi = _count_rows(arr, tm, hours, caps)
    k = len(tm.arcs)
    lp = solve_lp(-np.ones(k), a, hi, np.ones(k), lower=arr.arc_pinned[tm.arcs] * 1.0)
    if not lp.ok:
        return None
    whole = np.flatnonzero(lp.x > 1 - SUPPORT_TOL)
    start = np.full(len(tm.items), -1, dtype=np.int64)
    start[tm.item_of[whole]] = tm.arcs[whole]
    chosen = np.bincount(tm.item_of, lp.x, len(tm.items)) > SUPPORT_TOL
    return _CountLP(int(np.floor(-lp.objective + 1e-6)), start, chosen)


def max_coverage(
    arr: ArcArrays,
    plan: np.ndarray,
    work: float = 5.0,
    time_limit: float = 120.0,
    node_limit: int | None = None,
    *,
    effort: float = 1.0,
) -> Coverage:
    """The most tier-1 households any plan covers, with a plan reaching it when proven.

    ``plan`` (arc per household, -1 uncovered; feasible) is the starting point: when it
    covers every tier-1 household that has a candidate worker, that is the maximum and no
    solve runs. Then the tabu search of :func:`~assignment.solver.count_search.search_count`
    from ``plan``; the floor of the count's LP on the *relaxed* integer model (hours down,
    capacities up) bounds every real plan; short of it, the search again from the LP's
    whole arcs, then both starts with lightest-first insertion, then from both covering
    only households the LP covers, until one meets the floor.
    Only where a gap is left: with at most :data:`MIP_MAX_ARCS` tier-1 arcs the relaxed
    model as a HiGHS MIP within ``node_limit`` nodes (default :data:`MIP_WORK` / arcs),
    whose dual bound holds for every real plan and whose plan is kept when it fits in
    floats (else the *conservative* model's plan, which always fits); with at most
    :data:`CPSAT_MAX_ARCS` arcs CP-SAT on the relaxed model (``work`` deterministic time,
    hinted with the best plan), which may close it from either side. The smallest bound is
    kept.

    ``effort`` multiplies every work limit of the stage (the searches', the MIP's nodes,
    CP-SAT's ``work``): still deterministic, only larger.
    """
    work *= effort
    is_top = top_mask(arr)
    tm = top_model(arr)
    n_top = int(is_top.sum())
    reachable = len(tm.items)
    start_choice = plan[tm.items].copy()
    covered = int((start_choice >= 0).sum())
    if covered >= reachable:
        return Coverage(n_top, reachable, covered, reachable, tm.items, start_choice, "all covered")
    if len(tm.pinned_items) and np.any(start_choice[tm.pinned_items] < 0):
        start_choice = np.full(len(tm.items), -1, dtype=np.int64)  # not a plan: no hint
        covered = 0
    best, best_choice = covered, start_choice
    upper = reachable
    steps = ["tabu search"]
    first = best_choice
    got = _searched(arr, tm, first, upper, effort)
    if got is not None:
        best, best_choice = int((got >= 0).sum()), got
    lp = _lp_limit(arr, tm) if best < upper else None
    if lp is not None:
        upper = min(upper, max(lp.limit, best))
        # Until proven: the search from the LP's whole arcs, then both starts with
        # lightest-first insertion, then both covering only households the LP covers (which
        # to leave out is the LP's choice, the search only packs them). Each closed townships
        # the ones before left open at scale 1.
        for lightest, from_lp, only in (
            (False, True, None),
            (True, False, None),
            (True, True, None),
            (False, True, lp.chosen),
            (False, False, lp.chosen),
        ):
            if best >= upper:
                break
            start = lp.whole if from_lp else first
            got = _searched(arr, tm, start, upper, effort, lightest, only)
            if got is not None and int((got >= 0).sum()) > best:
                best, best_choice = int((got >= 0).sum()), got
    if best >= upper:
        proof = _PROVEN_BY + "tabu search"
        return Coverage(n_top, reachable, best, upper, tm.items, best_choice, proof)
    clock = MIP_CLOCK_FACTOR * time_limit
    small = len(tm.arcs) <= MIP_MAX_ARCS
    if small:
        default_nodes = max(1, int(effort * MIP_WORK) // len(tm.arcs))
        nodes = node_limit if node_limit is not None else default_nodes
        got, bound = _fitting_mip(arr, tm, best, nodes, clock)
        steps.append("count MIP")
        if bound is not None:
            upper = min(upper, bound)
        if got is not None:
            best, best_choice = int((got >= 0).sum()), got
    if best < upper and work > 0 and len(tm.arcs) <= CPSAT_MAX_ARCS:
        cp_best, cp_choice, cp_upper = _cpsat(arr, tm, best_choice, work, time_limit)
        upper = min(upper, cp_upper)
        if cp_best > best:
            best, best_choice = cp_best, cp_choice
        steps.append("CP-SAT")
    # The step that ran last is the one that closed it (each runs only while a gap is left).
    msg = _PROVEN_BY + steps[-1] if best >= upper else ", ".join(steps) + " within their limits"
    return Coverage(n_top, reachable, best, max(upper, best), tm.items, best_choice, msg)


def _cpsat(
    arr: ArcArrays, tm: TopModel, start: np.ndarray, work: float, time_limit: float
) -> tuple[int, np.ndarray, int]:
    """CP-SAT on the relaxed model hinted with ``start`` (arc per household of ``tm.items``,
    a fitting plan): (best count, its plan, proven upper bound); a plan that does not fit in
    floats is replaced by the conservative model's. Returns ``start`` and the trivial bound
    when stopped by the safety clock."""
    best, best_choice = int((start >= 0).sum()), start
    t0 = time.perf_counter()
    model, x = build_model(arr, tm, relaxed=True)
    model.maximize(sum(x))
    hint = np.full(arr.n_items, -1, dtype=np.int64)
    hint[tm.items] = start
    set_hint(model, x, tm, hint)
    solver, _, got = solved(model, x, tm, work, time_limit, started=t0)
    if got is None:
        return best, best_choice, len(tm.items)
    upper = min(len(tm.items), int(np.floor(solver.best_objective_bound + 1e-6)))
    if int((got >= 0).sum()) > best and fits(arr, tm, got):
        best, best_choice = int((got >= 0).sum()), got
    if best < upper and int((got >= 0).sum()) > best:
        t1 = time.perf_counter()
        cons, y = build_model(arr, tm, relaxed=False)
        cons.maximize(sum(y))
        hint[tm.items] = got
        set_hint(cons, y, tm, hint)
        _, _, got2 = solved(cons, y, tm, work, time_limit, started=t1)
        if got2 is not None and int((got2 >= 0).sum()) > best and fits(arr, tm, got2):
            best, best_choice = int((got2 >= 0).sum()), got2
    return best, best_choice, upper

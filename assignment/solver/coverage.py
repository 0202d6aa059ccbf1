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
* :func:`cheapest_cover` - among tier-1 assignments covering at least ``k`` households, one
  of least tier-1 cost (arc costs plus the penalties of those left out): which households
  to leave out matters, since their penalties grow with risk. Priced with the township LP's
  worker duals, each arc also pays for the hours and the place it takes from the lower
  tiers (what the LP says an hour of that worker is worth to them), so the cover chosen is
  one the rest of the plan can live with. The count's cover is first made cheaper by the
  cost form of the tabu search (never fewer than ``k`` covered), then by the same search
  gathering free hours on few cadres so that a riskier household left out can take a
  lighter one's place (:data:`~assignment.solver.count_search.CONSOLIDATE`), CP-SAT (on
  small models) is hinted with that, the best is made cheaper a few cadres at a time by
  the large-neighbourhood search of :mod:`assignment.solver.cover_lns` (as many covered)
  and the gathering search in turn, while a round gains enough (:data:`IMPROVE_ROUNDS`,
  :data:`IMPROVE_MIN`), and then improved by the packing search
  (:mod:`assignment.solver.packing`) on the tier-1 households alone, under the floor
  rule: it swaps which tier-1 households are covered and by whom, never covering fewer.

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

The searches stop at work limits (iterations, cells evaluated) and draw their randomness
from a fixed seed; CP-SAT runs with one worker, a fixed seed and a limit in its
*deterministic* work units: results depend neither on machine load nor on the number of
processes. A solve stopped by the safety clock instead is not used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from assignment.constraints import CAPACITY_TOL, fits_capacity
from assignment.problem import ArcArrays
from assignment.solver import cpsat as cp_model
from assignment.solver.count_search import CONSOLIDATE, search_cost, search_count
from assignment.solver.cover_lns import improve_cover
from assignment.solver.highs import solve_lp, solve_mip
from assignment.solver.packing import improve_packing
from assignment.solver.priority import TopSolution, top_mask, top_part
from assignment.solver.rows import assignment_rows

HOURS_SCALE = 100_000  # CP-SAT works on integers: hours in units of 1e-5 h
COST_SCALE = 100.0  # the cost stage's objective in hundredths of a minute-equivalent
SEED = 11
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
IMPROVE_ROUNDS = 4
IMPROVE_MIN = 0.05
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


@dataclass(frozen=True)
class _TopModel:
    """The tier-1 sub-problem's arrays: arcs (full-array indices) and residual capacities."""

    items: np.ndarray  # tier-1 households with an arc
    arcs: np.ndarray  # their arcs, full-array indices
    item_of: np.ndarray  # per arc: position in ``items``
    cap_hours: np.ndarray  # per worker, less pinned lower households
    cap_count: np.ndarray
    pinned_items: np.ndarray  # positions in ``items`` whose household is pinned


def _top_model(arr: ArcArrays) -> _TopModel:
    is_top = top_mask(arr)
    top_arc = is_top[arr.arc_item]
    arcs = np.flatnonzero(top_arc)
    items = np.unique(arr.arc_item[arcs])
    pos = np.full(arr.n_items, -1)
    pos[items] = np.arange(len(items))
    low_pinned = np.flatnonzero(arr.arc_pinned & ~top_arc)
    used_h = np.bincount(arr.arc_agent[low_pinned], arr.arc_hours[low_pinned], arr.n_agents)
    used_n = np.bincount(arr.arc_agent[low_pinned], minlength=arr.n_agents)
    pinned_items = np.unique(pos[arr.arc_item[arcs[arr.arc_pinned[arcs]]]])
    return _TopModel(
        items=items,
        arcs=arcs,
        item_of=pos[arr.arc_item[arcs]],
        cap_hours=arr.cap_hours - used_h,
        cap_count=arr.cap_count - used_n,
        pinned_items=pinned_items,
    )


def _scaled(arr: ArcArrays, tm: _TopModel, relaxed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Integer hours per tier-1 arc and capacity per worker, in units of 1/HOURS_SCALE h.

    ``relaxed``: hours rounded down and capacities (plus the solvers' tolerance) up, so every
    real plan fits (the model's optimum bounds the real one); otherwise hours up and
    capacities down, so every plan of the model fits in floats.
    """
    if relaxed:
        hours = np.floor(arr.arc_hours[tm.arcs] * HOURS_SCALE).astype(np.int64)
        caps = np.ceil((tm.cap_hours + CAPACITY_TOL) * HOURS_SCALE).astype(np.int64)
    else:
        hours = np.ceil(arr.arc_hours[tm.arcs] * HOURS_SCALE).astype(np.int64)
        caps = np.floor(tm.cap_hours * HOURS_SCALE).astype(np.int64)
    return hours, caps


def _build(
    arr: ArcArrays, tm: _TopModel, relaxed: bool
) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    """Variables (one per tier-1 arc), one-arc-per-household rows, pins and capacities.

    ``relaxed``: hours rounded down and capacities (plus the solvers' tolerance) up, so every
    real plan is feasible (the model's optimum bounds the real one); otherwise the reverse,
    so every plan of the model is real.
    """
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{a}") for a in tm.arcs]
    by_item: list[list[int]] = [[] for _ in range(len(tm.items))]
    for j, i in enumerate(tm.item_of):
        by_item[int(i)].append(j)
    for lits in by_item:
        model.add_at_most_one([x[j] for j in lits])
    for p in np.flatnonzero(arr.arc_pinned[tm.arcs]).tolist():
        model.add(x[p] == 1)
    hours, caps = _scaled(arr, tm, relaxed)
    agent = arr.arc_agent[tm.arcs]
    order = np.argsort(agent, kind="stable")
    starts = np.searchsorted(agent[order], np.arange(arr.n_agents + 1))
    for w in range(arr.n_agents):
        mine = order[starts[w] : starts[w + 1]]
        if len(mine) == 0:
            continue
        if int(hours[mine].sum()) > caps[w]:
            model.add(sum(int(hours[j]) * x[int(j)] for j in mine) <= max(int(caps[w]), 0))
        if len(mine) > tm.cap_count[w]:
            model.add(sum(x[int(j)] for j in mine) <= max(int(tm.cap_count[w]), 0))
    return model, x


def _solver(work: float, time_limit: float) -> cp_model.CpSolver:
    # Full LP relaxation with cuts at every node: it proves these counts at once where the
    # default level leaves the last household open (measured on the demo's short township).
    return cp_model.new_solver(
        seed=SEED, work=work, time_limit=time_limit, params=(("linearization_level", 2),)
    )


def _hint(
    model: cp_model.CpModel, x: list[cp_model.IntVar], tm: _TopModel, chosen: np.ndarray
) -> None:
    """Hint the arcs of ``chosen`` (a full-array arc per household, -1 none)."""
    model.clear_hints()
    picked = chosen[tm.items]
    for j, a in enumerate(tm.arcs):
        model.add_hint(x[j], bool(picked[tm.item_of[j]] == a))


def _fits(arr: ArcArrays, tm: _TopModel, choice: np.ndarray) -> bool:
    """Whether a tier-1 assignment (arc per household of ``tm.items``) fits in floats."""
    got = choice[choice >= 0]
    hours = np.bincount(arr.arc_agent[got], arr.arc_hours[got], arr.n_agents)
    count = np.bincount(arr.arc_agent[got], minlength=arr.n_agents)
    return bool(np.all(fits_capacity(hours, tm.cap_hours, count, tm.cap_count)))


def _values(solver: cp_model.CpSolver, x: list[cp_model.IntVar], tm: _TopModel) -> np.ndarray:
    out = np.full(len(tm.items), -1, dtype=np.int64)
    for j, v in enumerate(x):
        if solver.boolean_value(v):
            out[tm.item_of[j]] = tm.arcs[j]
    return out


def _count_rows(
    arr: ArcArrays, tm: _TopModel, hours: np.ndarray, caps: np.ndarray
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
    arr: ArcArrays, tm: _TopModel, relaxed: bool, node_limit: int, time_limit: float
) -> tuple[np.ndarray | None, int | None]:
    """The tier-1 count as a HiGHS MIP on the integer-scaled model of :func:`_scaled`:
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
    hours, caps = _scaled(arr, tm, relaxed)
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
    arr: ArcArrays, tm: _TopModel, best: int, nodes: int, clock: float
) -> tuple[np.ndarray | None, int | None]:
    """The count MIP (:func:`_mip`) on the relaxed model: (a plan covering more than
    ``best`` that fits in floats, or None; the relaxed model's proven bound, or None). When
    the relaxed plan covers more but uses its rounding, the conservative model's plan
    (which always fits) is taken if it covers more too."""
    got, bound = _mip(arr, tm, True, nodes, clock)
    if got is None or int((got >= 0).sum()) <= best:
        return None, bound
    if _fits(arr, tm, got):
        return got, bound
    got2, _ = _mip(arr, tm, False, nodes, clock)
    if got2 is not None and int((got2 >= 0).sum()) > best and _fits(arr, tm, got2):
        return got2, bound
    return None, bound


@dataclass(frozen=True)
class _Dense:
    """The tier-1 sub-problem as the tabu searches take it: cadre x household matrices."""

    cadres: np.ndarray  # workers with a tier-1 arc
    arc_at: np.ndarray  # full-array arc of (cadre, household of ``tm.items``), -1 none
    hours: np.ndarray  # its hours, inf where no arc
    fixed: np.ndarray  # per household of ``tm.items``: pinned

    def cadre_of(self, arr: ArcArrays, choice: np.ndarray) -> np.ndarray:
        """A cadre row per household of ``choice`` (arc per household, -1 uncovered)."""
        pos = np.full(arr.n_agents, -1, dtype=np.int64)
        pos[self.cadres] = np.arange(len(self.cadres))
        return np.where(choice >= 0, pos[arr.arc_agent[np.maximum(choice, 0)]], -1)

    def arcs_of(self, cadre: np.ndarray) -> np.ndarray:
        """The arc per household of a cadre row per household (-1 uncovered)."""
        return np.where(cadre >= 0, self.arc_at[np.maximum(cadre, 0), np.arange(len(cadre))], -1)


def _dense(arr: ArcArrays, tm: _TopModel) -> _Dense:
    agent = arr.arc_agent[tm.arcs]
    cadres = np.unique(agent)
    arc_at = np.full((len(cadres), len(tm.items)), -1, dtype=np.int64)
    arc_at[np.searchsorted(cadres, agent), tm.item_of] = tm.arcs
    hours = np.where(arc_at >= 0, arr.arc_hours[np.maximum(arc_at, 0)], np.inf)
    fixed = np.zeros(len(tm.items), dtype=bool)
    fixed[tm.pinned_items] = True
    return _Dense(cadres, arc_at, hours, fixed)


def _searched(  # noqa: PLR0917  (the search's data)
    arr: ArcArrays,
    tm: _TopModel,
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
    if not _fits(arr, tm, choice):
        return None
    dn = _dense(arr, tm)
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
    return found if _fits(arr, tm, found) else None


def _priced(arr: ArcArrays, tm: _TopModel, price: np.ndarray | None) -> tuple[_Dense, np.ndarray]:
    """The dense tier-1 model and its cadre x household cost: arc cost plus ``price`` (inf
    where the cadre has no arc), as the cost searches take it."""
    dn = _dense(arr, tm)
    extra = np.zeros(arr.n_arcs) if price is None else price
    at = np.maximum(dn.arc_at, 0)
    return dn, np.where(dn.arc_at >= 0, arr.arc_cost[at] + extra[at], np.inf)


def _cost_searched(
    arr: ArcArrays,
    tm: _TopModel,
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
    ok = int((found >= 0).sum()) >= floor and _fits(arr, tm, found)
    return found if ok else start


def _lns_searched(
    arr: ArcArrays,
    tm: _TopModel,
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
    ok = int((found >= 0).sum()) >= int((start >= 0).sum()) and _fits(arr, tm, found)
    return found if ok else start


@dataclass(frozen=True)
class _CountLP:
    """The count's LP relaxation, as the searches use it."""

    limit: int  # the floor of its optimum: no plan covers more
    whole: np.ndarray  # its whole arcs, an arc per household of ``tm.items`` (-1 none)
    chosen: np.ndarray  # per household of ``tm.items``: the LP covers some of it


def _lp_limit(arr: ArcArrays, tm: _TopModel) -> _CountLP | None:
    """The count's LP relaxation on the relaxed integer model (hours down, capacities up;
    the count MIP's root), whose floor no plan exceeds. None when the LP fails."""
    hours, caps = _scaled(arr, tm, relaxed=True)
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
    tm = _top_model(arr)
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
    arr: ArcArrays, tm: _TopModel, start: np.ndarray, work: float, time_limit: float
) -> tuple[int, np.ndarray, int]:
    """CP-SAT on the relaxed model hinted with ``start`` (arc per household of ``tm.items``,
    a fitting plan): (best count, its plan, proven upper bound); a plan that does not fit in
    floats is replaced by the conservative model's. Returns ``start`` and the trivial bound
    when stopped by the safety clock."""
    best, best_choice = int((start >= 0).sum()), start
    t0 = time.perf_counter()
    model, x = _build(arr, tm, relaxed=True)
    model.maximize(sum(x))
    hint = np.full(arr.n_items, -1, dtype=np.int64)
    hint[tm.items] = start
    _hint(model, x, tm, hint)
    solver, _, got = _solved(model, x, tm, work, time_limit, started=t0)
    if got is None:
        return best, best_choice, len(tm.items)
    upper = min(len(tm.items), int(np.floor(solver.best_objective_bound + 1e-6)))
    if int((got >= 0).sum()) > best and _fits(arr, tm, got):
        best, best_choice = int((got >= 0).sum()), got
    if best < upper and int((got >= 0).sum()) > best:
        t1 = time.perf_counter()
        cons, y = _build(arr, tm, relaxed=False)
        cons.maximize(sum(y))
        hint[tm.items] = got
        _hint(cons, y, tm, hint)
        _, _, got2 = _solved(cons, y, tm, work, time_limit, started=t1)
        if got2 is not None and int((got2 >= 0).sum()) > best and _fits(arr, tm, got2):
            best, best_choice = int((got2 >= 0).sum()), got2
    return best, best_choice, upper


def _solved(
    model: cp_model.CpModel,
    x: list[cp_model.IntVar],
    tm: _TopModel,
    work: float,
    time_limit: float,
    *,
    started: float,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus, np.ndarray | None]:
    """CP-SAT on ``model`` within ``work`` deterministic time: (the solver, its status, its
    plan as an arc per household of ``tm.items``, or None when it found none or its safety
    clock, ``time_limit`` from ``started``, stopped it: a result that depends on the
    machine's load is not used)."""
    solver = _solver(work, time_limit)
    code = solver.solve(model)
    late = time.perf_counter() - started >= 0.95 * time_limit
    if late or code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver, code, None
    return solver, code, _values(solver, x, tm)


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
    duals). The cost form of the tabu search, then (with at most :data:`CPSAT_MAX_ARCS`
    tier-1 arcs) CP-SAT hinted with its cover. Starts from (and is never worse, so priced,
    than) ``cov.choice``; the best found is then re-packed on the tier-1 households alone
    (``effort`` work units of :func:`~assignment.solver.packing.improve_packing`, floor
    ``cov.best``; 0: not). Costs are rounded to hundredths in the model only, the returned
    objective is the exact tier-1 cost (unpriced). None without tier-1 households to place.
    """
    tm = _top_model(arr)
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
    if len(tm.arcs) <= CPSAT_MAX_ARCS:
        t0 = time.perf_counter()
        model, x = _build(arr, tm, relaxed=False)
        model.add(sum(x) >= cov.best)
        gain = arr.arc_cost[tm.arcs] - arr.penalty[arr.arc_item[tm.arcs]]
        if price is not None:
            gain = gain + price[tm.arcs]
        model.minimize(sum(round(g * COST_SCALE) * v for g, v in zip(gain, x, strict=True)))
        hint = np.full(arr.n_items, -1, dtype=np.int64)
        hint[cov.items] = gathered
        _hint(model, x, tm, hint)
        _, code, got = _solved(model, x, tm, work, time_limit, started=t0)
        if got is not None and int((got >= 0).sum()) >= cov.best and _fits(arr, tm, got):
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
    arr: ArcArrays, tm: _TopModel, choice: np.ndarray, price: np.ndarray | None
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
    tm: _TopModel,
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
    return out if int((out >= 0).sum()) >= floor and _fits(arr, tm, out) else choice


def covered_top(arr: ArcArrays, choice: np.ndarray) -> int:
    """Tier-1 households covered by ``choice``."""
    return int(((choice >= 0) & top_mask(arr)).sum())

"""The household problem of one township: the steps in order, and what each step proves.

Why this shape: a township is many small local problems (a grid's workers, a village's
officials) coupled through a few shared workers (cadres). One MIP per township is too big; the
plain LP is integral almost everywhere but too weak as a yardstick where small groups of
workers are packed. So, after :func:`~assignment.solver.repair.presolve`:

1. **LP** (:mod:`assignment.solver.lp`) with column generation, cardinality cuts and, where
   tier-1 households are left out, the coverage cut;
2. **Lagrangian bound** (:mod:`assignment.solver.lagrange`) at the LP duals: the proven lower
   bound, never below the LP;
3. **plan** (:mod:`assignment.solver.repair`): the LP's integral decisions kept, the split
   households solved exactly as a small MIP, then single ejections, then the packing search
   (:mod:`assignment.solver.packing`) for full workers with uncovered households they could
   serve, then, where a tier-1 household is still uncovered, the tier-1 stage: the most
   tier-1 households any plan covers (:mod:`assignment.solver.coverage`), and the plan
   rebuilt on a cheap cover of that many (:mod:`assignment.solver.cheapest_cover`). From
   there on tier-1 coverage comes first (lexicographic): every later step keeps at least
   the stage's ``best`` tier-1 households covered (the floor rule,
   :func:`~assignment.solver.priority.keeps_top_floor`), free to change which ones and
   everything else to lower the cost; the plan published covers ``best``.
4. **cost bound with coverage fixed**: where the plan's coverage is proven maximal (``K``
   households, no plan covers more) and the LP of step 1 covers less tier-1 mass than K, the
   LP and Lagrangian bound again with the cut "exactly K tier-1 households covered": a bound valid
   for every plan that covers the maximum (the lexicographic model), reported as
   ``cost_bound`` / ``cost_gap`` beside the unconditional ``bound`` / ``gap`` of the user's
   weighted model (LP with "at most K"), which is never clamped. ``cost_gap`` is relative
   to what the plan's decisions can still change: the objective less ``unavoidable``
   (:func:`unavoidable_penalty`), the penalties every plan covering K pays whatever else it
   does. Against the whole objective, those penalties (100,000 or more per tier-1 household
   no plan covers) would make the same distance to the bound read several times smaller.

With a workload-balance term (``ArcArrays.overload_weight``) every step carries it exactly: an
overload variable per worker in the LP and MIPs, an overload-aware knapsack in the bound.

Statuses are honest: OPTIMAL only when the plan meets its proven bound of the weighted model
(``bound``); the cost gap with coverage fixed is reported beside it; an LP that stops on a
limit gives UNKNOWN and one that fails numerically gives ERROR (the caller still gets a plan:
every household unassigned, which is always feasible); a bound is never clamped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from assignment.bounds import OPTIMAL_GAP, relative_gap, relative_gap_net, status_from_gap
from assignment.domain import Status
from assignment.errors import SolverInternalError
from assignment.problem import ArcArrays
from assignment.solver.cheapest_cover import cheapest_cover
from assignment.solver.coverage import Coverage, max_coverage
from assignment.solver.lagrange import lagrangian_bound
from assignment.solver.lp import LPResult, fractional_top_limit, solve_lp_relaxation
from assignment.solver.options import SolverOptions
from assignment.solver.packing import improve_packing
from assignment.solver.priority import keeps_top_floor, merge_top, top_mask, top_part
from assignment.solver.repair import eject_improve, presolve, repair
from assignment.solver.top_model import covered_top


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
    coverage: Coverage | None = None  # tier-1 coverage: best found, proven upper bound
    # The lexicographic model's: a lower bound of every plan that covers the proven maximum
    # of tier-1 households, and the plan's gap to it; None where coverage is not proven.
    cost_bound: float | None = None
    cost_gap: float | None = None
    # The penalties every plan covering the proven maximum pays (unavoidable_penalty); the
    # cost gap is relative to the objective less this. None where coverage is not proven.
    unavoidable: float | None = None


def unavoidable_penalty(arr: ArcArrays, has_arc: np.ndarray, coverable: int) -> float:
    """The least penalty of any plan that covers exactly ``coverable`` tier-1 households.

    Every such plan leaves out each household without a candidate worker (its whole
    penalty) and, of the tier-1 households with one, all but ``coverable``: at least the
    smallest of their penalties, that many. This much of the objective no decision avoids
    once coverage is fixed, so the cost gap with coverage fixed is measured against the
    objective less it (:func:`cost_gap`); it is at most the cost bound (whose left-out
    tier-1 mass is the same) and so at most the objective of any such plan. ``has_arc``:
    per household, whether it has a candidate worker.
    """
    paid = float(arr.penalty[~has_arc].sum())
    reachable_top = np.sort(arr.penalty[top_mask(arr) & has_arc])
    left_out = len(reachable_top) - coverable
    if left_out > 0:
        paid += float(reachable_top[:left_out].sum())
    return paid


def cost_gap(
    objective: float | None, cost_bound: float | None, unavoidable: float | None
) -> float | None:
    """The plan's gap to the cost bound with coverage fixed, relative to the objective less
    the penalties no plan covering the maximum avoids (:func:`unavoidable_penalty`)."""
    return relative_gap_net(objective, cost_bound, unavoidable or 0.0)


def solve_arrays(arr: ArcArrays, opts: SolverOptions | None = None) -> TownshipSolution:
    """Presolve, then LP (+pricing), Lagrangian bound and repair on the rest.

    Infeasibility and solver limits are statuses, not exceptions; only an impossible result
    (a bound above the objective: :class:`~assignment.errors.SolverInternalError`) raises.
    """
    opts = opts or SolverOptions()
    start = time.perf_counter()
    fixed = presolve(arr)
    has_arc = np.bincount(arr.arc_item, minlength=arr.n_items) > 0
    rest = np.flatnonzero((fixed < 0) & has_arc)
    h_used, n_used = arr.loads(fixed)
    sub, sub_arcs = arr.subset(rest, h_used, n_used)
    sol = _solve_rest(sub, opts)
    choice = fixed.copy()
    got = sol.choice >= 0
    choice[rest[got]] = sub_arcs[sol.choice[got]]
    objective = arr.objective_of(choice)
    # The sub-problem's bound covers its households and every worker's balance cost (its
    # thresholds are shifted by the fixed load); add the fixed arcs and the arc-less households.
    const = float(arr.arc_cost[fixed[fixed >= 0]].sum())
    const += float(arr.penalty[(fixed < 0) & ~has_arc].sum())
    bound = None if sol.bound is None else sol.bound + const
    lp_bound = None if sol.lp_bound is None else sol.lp_bound + const
    cost_bound = None if sol.cost_bound is None else sol.cost_bound + const
    gap = relative_gap(objective, bound)
    status = sol.status
    if status in (Status.OPTIMAL, Status.FEASIBLE):
        status = status_from_gap(gap)
    stats = dict(sol.stats)
    stats["presolved_households"] = float((fixed >= 0).sum())
    coverage = _full_coverage(arr, choice, fixed, rest, sol.coverage)
    unavoidable = (
        None
        if cost_bound is None or not coverage.proven
        else unavoidable_penalty(arr, has_arc, coverage.best)
    )
    return TownshipSolution(
        coverage=coverage,
        status=status,
        choice=choice,
        objective=objective,
        bound=bound,
        lp_bound=lp_bound,
        gap=gap,
        seconds=time.perf_counter() - start,
        stats=stats,
        message=sol.message,
        cost_bound=cost_bound,
        cost_gap=cost_gap(objective, cost_bound, unavoidable),
        unavoidable=unavoidable,
    )


def _full_coverage(
    arr: ArcArrays,
    choice: np.ndarray,
    fixed: np.ndarray,
    rest: np.ndarray,
    sub: Coverage | None,
) -> Coverage:
    """The township's tier-1 coverage from the sub-problem's after presolve.

    Presolve fixes a household only to a worker that no plan can fill, so some maximum-
    coverage plan agrees with it: the maximum is the fixed tier-1 households plus the
    sub-problem's. Tier-1 households without a candidate worker are never coverable.
    """
    is_top = top_mask(arr)
    has_arc = np.bincount(arr.arc_item, minlength=arr.n_items) > 0
    reachable = int((is_top & has_arc).sum())
    n_fixed = int((is_top & (fixed >= 0)).sum())
    items = np.flatnonzero(is_top & has_arc)
    covered = covered_top(arr, choice)
    if sub is None:  # nothing solved (nothing open, or the LP failed): the trivial bound
        return Coverage(int(is_top.sum()), reachable, covered, reachable, items, choice[items])
    upper = n_fixed + sub.upper
    if covered > upper:
        raise SolverInternalError(
            f"the plan covers {covered} tier-1 households, above the proven maximum {upper}"
        )
    return Coverage(
        households=int(is_top.sum()),
        reachable=reachable,
        best=covered,
        upper=upper,
        items=items,
        choice=choice[items],
        message=sub.message,
    )


def _lp_failure_status(message: str) -> Status:
    """UNKNOWN when the LP stopped on a limit (time, iterations), ERROR otherwise (numerics,
    a solver error): never INFEASIBLE, since leaving every household out is always feasible."""
    return Status.UNKNOWN if "limit" in message.lower() else Status.ERROR


def _solve_rest(arr: ArcArrays, opts: SolverOptions) -> TownshipSolution:
    """The steps after presolve on the households it left open (see the module docstring)."""
    start = time.perf_counter()
    empty = np.full(arr.n_items, -1, dtype=np.int64)
    if arr.n_items == 0 or arr.n_arcs == 0:
        obj = float(arr.penalty.sum())
        return TownshipSolution(
            status=Status.OPTIMAL,
            choice=empty,
            objective=obj,
            bound=obj,
            lp_bound=obj,
            gap=0.0,
            seconds=time.perf_counter() - start,
            message="" if arr.n_items == 0 else "no candidate arcs",
            cost_bound=obj,  # the only plan: optimal for either model
            cost_gap=0.0,
        )
    t0 = time.process_time()
    lp = solve_lp_relaxation(arr, opts)
    t_lp = time.process_time() - t0
    if not lp.ok:
        return TownshipSolution(
            status=_lp_failure_status(lp.message),
            choice=empty,
            objective=arr.objective_of(empty),
            bound=None,
            lp_bound=None,
            gap=None,
            seconds=time.perf_counter() - start,
            message=f"LP: {lp.message}",
        )
    t0 = time.process_time()
    choice, n_free, msg = repair(arr, lp, opts)
    t_repair = time.process_time() - t0
    t0 = time.process_time()
    choice, n_eject = eject_improve(arr, choice)
    t_eject = time.process_time() - t0
    t0 = time.process_time()
    choice, n_pack = improve_packing(arr, choice, effort=opts.packing_effort)
    t_pack = time.process_time() - t0
    t0 = time.process_time()
    cov = max_coverage(
        arr, choice, opts.coverage_work, opts.coverage_time_limit, effort=opts.coverage_effort
    )
    if not cov.proven:
        # The LP of the tier-1 households alone (with cardinality cuts) may bound it tighter.
        k = fractional_top_limit(arr, opts, start=cov.plan(arr.n_items))
        if k is not None and k < cov.upper:
            if k < cov.best:
                raise SolverInternalError(
                    f"{cov.best} tier-1 households covered, above the LP's limit {k}"
                )
            proof = "proven by the tier-1 LP with cardinality cuts" if k <= cov.best else ""
            cov = replace(cov, upper=k, message=proof or cov.message)
    choice, msg_top = _top_stage(arr, choice, cov, opts, _hour_prices(arr, lp))
    covered = covered_top(arr, choice)
    if covered > cov.best:  # the floor-kept steps covered more: the stage's best was not max
        closed = "proven by the rebuilt plan's steps" if covered >= cov.upper else cov.message
        cov = replace(cov, best=covered, choice=choice[cov.items], message=closed)
    t_top = time.process_time() - t0
    msg = f"{msg}; {msg_top}" if msg_top else msg
    # The bound: the LP again with the cut "at most `upper` tier-1 households covered" where
    # the LP covers more (valid for every plan, so the bound stays one of the user's model).
    t0 = time.process_time()
    k_cut = _cover_limit(arr, lp, cov, opts)
    if k_cut is not None:
        with_cut = solve_lp_relaxation(arr, opts, (top_mask(arr), k_cut), start=choice)
        lp = with_cut if with_cut.ok else lp
    t_lp += time.process_time() - t0
    t0 = time.process_time()
    bound, n_knap = lagrangian_bound(arr, lp, opts.knapsack_delta)
    t_bound = time.process_time() - t0
    bound = max(bound, lp.objective)  # both are proven lower bounds: the larger is tighter
    objective = arr.objective_of(choice)
    gap = relative_gap(objective, bound)
    t0 = time.process_time()
    cost_bound = _coverage_fixed_bound(arr, choice, cov, lp, bound, gap=gap, opts=opts)
    t_fixed = time.process_time() - t0
    # Stage figures are CPU seconds of this process (solver threads included): under load
    # the wall clock says more about the machine than about the step.
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
        "coverage_fixed_bound_seconds": t_fixed,
    }
    return TownshipSolution(
        status=status_from_gap(gap),
        choice=choice,
        objective=objective,
        bound=bound,
        lp_bound=lp.objective,
        gap=gap,
        seconds=time.perf_counter() - start,
        stats=stats,
        message=msg,
        coverage=cov,
        cost_bound=cost_bound,
        cost_gap=relative_gap(objective, cost_bound),
    )


def _coverage_fixed_bound(
    arr: ArcArrays,
    choice: np.ndarray,
    cov: Coverage,
    lp: LPResult,
    bound: float,
    *,
    gap: float | None,
    opts: SolverOptions,
) -> float | None:
    """The cost bound with coverage fixed: valid for every plan covering ``cov.upper`` tier-1
    households, the proven maximum (None when ``choice`` does not reach it: not proven).

    The unconditional ``bound`` holds for all plans, so for these too; the LP again with the
    cut "exactly K covered" (warm-started from the plan) and its Lagrangian bound can only
    raise it where ``lp`` (the weighted model's) covers less tier-1 mass than K, and run only
    there and where the plan does not already meet ``bound`` (in most townships the LP
    covers every tier-1 household: no extra work). The largest bound is kept.
    """
    k = covered_top(arr, choice)
    if k < cov.upper:
        return None
    mass = float(lp.x[top_mask(arr)[arr.arc_item]].sum())
    if mass >= k - 1e-6 or gap is None or gap <= OPTIMAL_GAP:
        return bound
    fixed = solve_lp_relaxation(arr, opts, (top_mask(arr), k), start=choice, cover_exact=True)
    if not fixed.ok:
        return bound
    lagr, _ = lagrangian_bound(arr, fixed, opts.knapsack_delta)
    return max(bound, lagr, fixed.objective)


def _cover_limit(arr: ArcArrays, lp: LPResult, cov: Coverage, opts: SolverOptions) -> int | None:
    """The cut's ``k`` (the proven upper bound of the tier-1 coverage, ``cov.upper``) when
    the LP covers more tier-1 mass than any plan can, else None."""
    is_top = top_mask(arr)
    mass = float(lp.x[is_top[arr.arc_item]].sum())
    k = cov.upper
    return k if mass > k + 1e-6 else None


def _hour_prices(arr: ArcArrays, lp: LPResult) -> np.ndarray:
    """Per arc: what its hours and its place are worth to the rest of the plan, by the LP's
    worker duals (hours and count rows). A tier-1 cover priced with them leaves the lower
    tiers the workers they need (:func:`cheapest_cover`)."""
    return lp.lam_h[arr.arc_agent] * arr.arc_hours + lp.lam_n[arr.arc_agent]


def _top_stage(
    arr: ArcArrays,
    choice: np.ndarray,
    cov: Coverage,
    opts: SolverOptions,
    price: np.ndarray | None = None,
) -> tuple[np.ndarray, str]:
    """Tier-1 coverage first (lexicographic): a plan covering at least ``cov.best`` tier-1
    households, the cheapest found.

    Candidates: ``choice`` itself when it already covers ``cov.best``, and the plan rebuilt on
    the cheapest tier-1 cover found of that many (:func:`cheapest_cover`, each arc priced with
    ``price``, the hours' worth to the lower tiers; merged into ``choice``), then improved by
    ejections and packing under the floor rule
    (:func:`keeps_top_floor`: they may swap which tier-1 households are covered, a riskier one
    for a less risky one, but never cover fewer). The cheaper candidate is kept. No-op when
    every reachable tier-1 household is covered.
    """
    have = covered_top(arr, choice)
    if have >= cov.reachable:
        return choice, ""
    proof = (
        f"tier-1 coverage proven maximal ({cov.best}; {cov.message})"
        if cov.proven
        else f"tier-1 coverage {cov.best}, at most {cov.uncertainty} more may be coverable"
    )
    floor = cov.best
    top = cheapest_cover(
        arr,
        cov,
        opts.coverage_cost_work,
        opts.coverage_time_limit,
        price=price,
        effort=opts.packing_effort,
    )
    if top is None:  # no tier-1 household to place (then floor is 0 and choice meets it)
        return choice, proof
    if have >= floor:
        mine = choice[top.items]
        theirs = top.choice
        extra = 0.0 if price is None else float(price[theirs[theirs >= 0]].sum())
        extra -= 0.0 if price is None else float(price[mine[mine >= 0]].sum())
        if top.objective + extra >= top_part(arr, choice) - 1e-6:
            return choice, proof  # the plan's own cover is as many and no dearer (priced)
    cand = merge_top(arr, choice, top)
    cand, _ = eject_improve(arr, cand, floor=floor)
    cand, _ = improve_packing(arr, cand, effort=opts.packing_effort, floor=floor)
    if not keeps_top_floor(arr, cand, floor):
        raise SolverInternalError(
            f"the rebuilt plan covers {covered_top(arr, cand)} tier-1 households, "
            f"below the floor {floor}"
        )
    if have < floor or arr.objective_of(cand) < arr.objective_of(choice) - 1e-9:
        return cand, f"{proof}; plan rebuilt on it"
    return choice, proof

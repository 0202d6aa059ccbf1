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
   serve, then, where a tier-1 household is still uncovered and tier 1 is small, the exact
   tier-1 stage (:mod:`assignment.solver.priority`).

With a workload-balance term (``ArcArrays.overload_weight``) every step carries it exactly: an
overload variable per worker in the LP and MIPs, an overload-aware knapsack in the bound.

Statuses are honest: OPTIMAL only when the plan meets its proven bound; an LP that stops on a
limit gives UNKNOWN and one that fails numerically gives ERROR (the caller still gets a plan:
every household unassigned, which is always feasible); a bound is never clamped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from assignment.bounds import relative_gap, status_from_gap
from assignment.domain import Status
from assignment.problem import ArcArrays
from assignment.solver.lagrange import lagrangian_bound
from assignment.solver.lp import coverage_cut, solve_lp_relaxation
from assignment.solver.options import SolverOptions
from assignment.solver.packing import improve_packing
from assignment.solver.priority import merge_top, needs_top_stage, solve_top, top_part
from assignment.solver.repair import eject_improve, presolve, repair


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
    gap = relative_gap(objective, bound)
    status = sol.status
    if status in (Status.OPTIMAL, Status.FEASIBLE):
        status = status_from_gap(gap)
    stats = dict(sol.stats)
    stats["presolved_households"] = float((fixed >= 0).sum())
    return TownshipSolution(
        status=status,
        choice=choice,
        objective=objective,
        bound=bound,
        lp_bound=lp_bound,
        gap=gap,
        seconds=time.perf_counter() - start,
        stats=stats,
        message=sol.message,
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
            status=_lp_failure_status(lp.message),
            choice=empty,
            objective=arr.objective_of(empty),
            bound=None,
            lp_bound=None,
            gap=None,
            seconds=time.perf_counter() - start,
            message=f"LP: {lp.message}",
        )
    t0 = time.perf_counter()
    bound, n_knap = lagrangian_bound(arr, lp, opts.knapsack_delta)
    t_bound = time.perf_counter() - t0
    bound = max(bound, lp.objective)  # both are proven lower bounds: the larger is tighter
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
    gap = relative_gap(objective, bound)
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
    )


def _top_stage(arr: ArcArrays, choice: np.ndarray, opts: SolverOptions) -> tuple[np.ndarray, str]:
    """Exact tier-1 stage (:mod:`assignment.solver.priority`): the plan built on CP-SAT's tier-1
    assignment when it is better. No-op when no tier-1 household is uncovered or it is too big."""
    if not needs_top_stage(arr, choice, opts.top_max_arcs):
        return choice, ""
    top = solve_top(arr, opts.top_work, opts.top_time_limit)
    if top is None:
        return choice, "tier-1 exact stage: no plan within its limits"
    msg = "tier-1 exact stage: " + ("optimal" if top.optimal else "not proven optimal")
    if top.objective < top_part(arr, choice) - 1e-6:
        cand = merge_top(arr, choice, top)
        cand, _ = eject_improve(arr, cand)
        cand, _ = improve_packing(arr, cand, effort=opts.packing_effort)
        if arr.objective_of(cand) < arr.objective_of(choice) - 1e-9:
            choice = cand
            msg += ", plan improved"
    return choice, msg

"""Public solve API: :func:`solve_township` and :func:`solve_prefecture`.

They take polars frames and :class:`~assignment.domain.AssignmentSettings` and return result
dataclasses with the status, objective, proven bound, gap, seconds, the plan frame and the
diagnostics. Infeasibility and bad input are results (statuses and issues), never exceptions;
nothing prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from assignment import constraints as rules
from assignment.candidates import build_candidates
from assignment.diagnostics import shortfall, utilisation_by_role
from assignment.domain import PLAN_COLUMNS, AssignmentSettings, Status
from assignment.executor import Executor, default_executor
from assignment.greedy import greedy_plan
from assignment.inputs import (
    InputIssue,
    capacity_pins,
    check_coverage,
    check_previous,
    check_workers,
    clean_pins,
)
from assignment.priority import top_items
from assignment.problem import TownshipArrays, township_arrays
from assignment.township import SolverOptions, TownshipSolution, eject_improve, solve_arrays

SAFEGUARD_GAP = 0.005  # the greedy safeguard runs only above this proven gap (or tier 1 short)


@dataclass(frozen=True)
class TownshipResult:
    """One township's solve: status, objective, proven bound (Lagrangian), gap, plan."""

    township_id: str
    status: Status
    objective: float | None
    bound: float | None
    lp_bound: float | None
    gap: float | None
    seconds: float
    plan: pl.DataFrame
    diagnostics: dict[str, object]
    issues: tuple[InputIssue, ...] = ()

    @property
    def unassigned_tier1(self) -> int:
        """Tier-1 households left without a worker."""
        return int(self.diagnostics.get("unassigned_tier1", 0))  # type: ignore[call-overload]


@dataclass(frozen=True)
class PrefectureResult:
    """All townships: totals, the concatenated plan and one diagnostics row per township."""

    status: Status
    objective: float
    bound: float
    gap: float
    seconds: float
    plan: pl.DataFrame
    diagnostics: pl.DataFrame
    issues: tuple[InputIssue, ...] = field(default_factory=tuple)

    @property
    def unassigned_tier1(self) -> int:
        """Tier-1 households left without a worker, prefecture-wide."""
        return int(self.diagnostics["unassigned_tier1"].sum()) if self.diagnostics.height else 0


def _subset(frame: pl.DataFrame | None, ids: pl.Series, col: str) -> pl.DataFrame | None:
    if frame is None:
        return None
    return frame.filter(pl.col(col).is_in(ids.implode()))


def solve_township(
    households: pl.DataFrame,
    workers: pl.DataFrame,
    settings: AssignmentSettings,
    *,
    previous: pl.DataFrame | None = None,
    conflicts: pl.DataFrame | None = None,
    pins: pl.DataFrame | None = None,
    forbids: pl.DataFrame | None = None,
    options: SolverOptions | None = None,
    issues: tuple[InputIssue, ...] = (),
) -> TownshipResult:
    """Solve one township (``households`` all of one ``township_id``; its workers).

    ``households`` needs ``household_id, township_id, village_id, grid_id, county_id, lon,
    lat, tier, risk``; pins must already be cleaned (see :func:`solve_prefecture`).
    """
    start = time.perf_counter()
    tw = str(households["township_id"][0]) if households.height else ""
    workers = workers.filter(pl.col("township_id") == tw) if households.height else workers
    arcs = build_candidates(
        households, workers, previous, conflicts, settings, pins=pins, forbids=forbids
    )
    arcs, pin_issues = capacity_pins(arcs, workers)
    all_issues = (*issues, *pin_issues, *check_coverage(arcs, households))
    arr = township_arrays(tw, households, workers, arcs, settings)
    sol = solve_arrays(arr, options)
    sol = _no_worse_than_greedy(arr, sol, pins)
    plan = _plan_frame(arr, sol.choice)
    hours_used, count_used = arr.loads(sol.choice)
    loads = _loads(arr, hours_used, count_used)
    uncovered = arr.households.filter(pl.Series(sol.choice < 0))
    short = shortfall(uncovered, arr.workers, settings)
    tiers = arr.households["tier"].to_numpy()
    seconds = time.perf_counter() - start
    diag: dict[str, object] = {
        "township_id": tw,
        "status": sol.status.value,
        "objective": sol.objective,
        "bound": sol.bound,
        "lp_bound": sol.lp_bound,
        "gap": sol.gap,
        "seconds": seconds,
        "households": arr.n_items,
        "workers": arr.n_agents,
        **{f"unassigned_tier{t}": int(((sol.choice < 0) & (tiers == t)).sum()) for t in (1, 2, 3)},
        **utilisation_by_role(loads),
        "balance_cost": arr.overload(hours_used),
        "overloaded_workers": int((arr.overloadable() & (hours_used > arr.soft() + 1e-6)).sum()),
        "travel_minutes_month": float(
            plan.select((pl.col("travel_minutes") * rules.visits_per_month(settings)).sum()).item()
            or 0.0
        ),
        "shortfall": "; ".join(str(s["text"]) for s in short),
        "extra_cadres": sum(int(s["extra_workers"]) for s in short if s["tier"] == 1),  # type: ignore[call-overload]
        "issues": "; ".join(i.message for i in all_issues),
        "message": sol.message,
        **{k: float(v) for k, v in sol.stats.items()},
    }
    return TownshipResult(
        tw,
        sol.status,
        sol.objective,
        sol.bound,
        sol.lp_bound,
        sol.gap,
        seconds,
        plan,
        diag,
        tuple(all_issues),
    )


def _no_worse_than_greedy(
    arr: TownshipArrays, sol: TownshipSolution, pins: pl.DataFrame | None
) -> TownshipSolution:
    """Keep the greedy baseline's plan (then improved by ejection) when it is better.

    On tight townships the LP-guided plan can lose to greedy when its repair steps stop on
    the clock (their results are then discarded for determinism); this guarantees the
    optimizer's plan is never worse than the baseline. Skipped (it costs ~15 % of a township's
    time) when the plan is proven within ``SAFEGUARD_GAP`` of optimal and covers every tier-1
    household: greedy cannot then beat it by more than that gap, nor cover more tier 1.
    Deterministic.
    """
    if arr.n_arcs == 0:
        return sol
    top_uncovered = bool(np.any(sol.choice[top_items(arr)] < 0))
    if sol.gap is not None and sol.gap <= SAFEGUARD_GAP and not top_uncovered:
        return sol
    g = greedy_plan(arr.arcs, arr.households, arr.workers, pins=pins)
    idx = arr.arcs.select("household_id", "worker_id").with_row_index("_arc")
    picked = (
        arr.households.select("household_id")
        .join(g.select("household_id", "worker_id"), on="household_id", how="left")
        .join(idx, on=["household_id", "worker_id"], how="left")
    )
    choice = picked["_arc"].fill_null(-1).cast(pl.Int64).to_numpy()
    if ((choice < 0) & picked["worker_id"].is_not_null().to_numpy()).any():
        return sol  # greedy picked a pair that is not an arc: do not trust it
    hours, count = arr.loads(choice)
    pinned = np.flatnonzero(arr.arc_pinned)
    if (
        np.any(hours > arr.cap_hours + 1e-6)
        or np.any(count > arr.cap_count)
        or np.any(choice[arr.arc_item[pinned]] != pinned)
    ):
        return sol
    choice, _moved = eject_improve(arr, choice)
    objective = arr.objective_of(choice)
    if sol.objective is not None and objective >= sol.objective - 1e-9:
        return sol
    bound = sol.bound
    gap = None
    if bound is not None:
        bound = min(bound, objective)
        gap = 0.0 if objective <= bound + 1e-9 else (objective - bound) / max(abs(objective), 1e-9)
    msg = f"{sol.message}; greedy+ejection plan kept (better)"
    status = Status.OPTIMAL if gap == 0.0 else Status.FEASIBLE
    return replace(
        sol, choice=choice, objective=objective, bound=bound, gap=gap, status=status, message=msg
    )


def _plan_frame(arr: object, choice: np.ndarray) -> pl.DataFrame:
    hh = arr.households  # type: ignore[attr-defined]
    arcs = arr.arcs  # type: ignore[attr-defined]
    got = choice >= 0
    picked = arcs[choice[got].tolist()] if got.any() else arcs.clear()
    base = hh.select("household_id", "township_id", pl.col("tier").cast(pl.Int8), "risk")
    cols = [
        "household_id",
        "worker_id",
        "role",
        "travel_minutes",
        "hours_per_month",
        "kept_previous",
        "up_cover",
        "cost",
        "pinned",
    ]
    plan = base.join(picked.select(cols), on="household_id", how="left").with_columns(
        pl.col("kept_previous").fill_null(False),
        pl.col("up_cover").fill_null(False),
        pl.col("pinned").fill_null(False),
    )
    return plan.select(*PLAN_COLUMNS, "cost", "pinned", "risk").sort("household_id")


def _loads(arr: TownshipArrays, hours: np.ndarray, count: np.ndarray) -> pl.DataFrame:
    return arr.workers.select(
        "worker_id", "role", "monthly_hours", "max_households", "active", "fair_share"
    ).with_columns(pl.Series("hours_used", hours), pl.Series("households", count))


def _township_task(task: tuple) -> TownshipResult:
    hh, ws, prev, conf, pins, forbids, settings, options, issues = task
    return solve_township(
        hh,
        ws,
        settings,
        previous=prev,
        conflicts=conf,
        pins=pins,
        forbids=forbids,
        options=options,
        issues=issues,
    )


def solve_prefecture(
    households: pl.DataFrame,
    workers: pl.DataFrame,
    settings: AssignmentSettings,
    *,
    previous: pl.DataFrame | None = None,
    conflicts: pl.DataFrame | None = None,
    pins: pl.DataFrame | None = None,
    forbids: pl.DataFrame | None = None,
    options: SolverOptions | None = None,
    townships: list[str] | None = None,
    executor: Executor | None = None,
    processes: int | None = None,
    progress: Callable[[TownshipResult], None] | None = None,
) -> PrefectureResult:
    """Solve every township independently (in parallel over ``executor``); deterministic.

    Input problems (zero-capacity workers, unknown previous workers, duplicate / unknown /
    ineligible / over-capacity pins, households with no eligible worker) are reported in
    ``issues`` and the diagnostics, and everything else is still solved.
    """
    start = time.perf_counter()
    issues: list[InputIssue] = [*check_workers(workers), *check_previous(previous, workers)]
    pins, pin_issues = clean_pins(pins, households, workers, conflicts, forbids, settings)
    issues += pin_issues
    if townships is not None:
        households = households.filter(pl.col("township_id").is_in(townships))
    sizes = (
        households.group_by("township_id")
        .len()
        .sort(["len", "township_id"], descending=[True, False])
    )
    tasks = []
    for tw in sizes["township_id"].to_list():
        hh = households.filter(pl.col("township_id") == tw)
        ids = hh["household_id"]
        ws = workers.filter(pl.col("township_id") == tw)
        tw_issues = tuple(i for i in issues if i.township_id == tw)
        tasks.append(
            (
                hh,
                ws,
                _subset(previous, ids, "household_id"),
                _subset(conflicts, ids, "household_id"),
                _subset(pins, ids, "household_id"),
                _subset(forbids, ids, "household_id"),
                settings,
                options,
                tw_issues,
            )
        )
    executor = executor or default_executor(processes)
    results: list[TownshipResult] = []
    for res in executor.run(_township_task, tasks):
        results.append(res)
        if progress is not None:
            progress(res)
    results.sort(key=lambda r: r.township_id)
    plan = (
        pl.concat([r.plan for r in results], how="vertical_relaxed").sort("household_id")
        if results
        else pl.DataFrame()
    )
    diagnostics = pl.DataFrame([r.diagnostics for r in results], infer_schema_length=None)
    if diagnostics.height:
        diagnostics = diagnostics.sort("township_id")
    objective = float(sum(r.objective or 0.0 for r in results))
    bound = float(sum(r.bound or 0.0 for r in results))
    gap = 0.0 if objective <= bound + 1e-9 else (objective - bound) / max(abs(objective), 1e-9)
    statuses = {r.status for r in results}
    status = Status.OPTIMAL
    for s in (Status.ERROR, Status.INFEASIBLE, Status.UNKNOWN, Status.FEASIBLE):
        if s in statuses:
            status = s
            break
    all_issues = tuple(issues) + tuple(i for r in results for i in r.issues if i not in issues)
    return PrefectureResult(
        status, objective, bound, gap, time.perf_counter() - start, plan, diagnostics, all_issues
    )

"""Public solve API: :func:`solve_township` and :func:`solve_prefecture`.

They take polars frames and :class:`~assignment.domain.AssignmentSettings` and return result
dataclasses with the status, objective, proven bound, gap, seconds, the plan frame and the
diagnostics. Infeasibility and bad input are results (statuses and issues), never exceptions;
nothing prints.

Townships are independent. :func:`solve_prefecture` cuts the inputs into one
:class:`TownshipTask` per township (one ``partition_by`` per frame) and runs
:func:`run_township_task` over an executor; a township whose solve raises becomes a
:class:`TownshipResult` with status ERROR, its households in the plan unassigned and the error
in its diagnostics, while every other township is still solved. Results are sorted by township,
so the plan never depends on the executor or the number of processes.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from assignment import constraints as rules
from assignment.bounds import relative_gap, status_from_gap
from assignment.candidates import build_candidates, latest_previous
from assignment.diagnostics import coverage_figures, shortfall, utilisation_by_role
from assignment.domain import PLAN_COLUMNS, AssignmentSettings, Status
from assignment.errors import SolverInternalError
from assignment.executor import Executor, default_executor
from assignment.greedy import greedy_plan
from assignment.inputs import (
    InputIssue,
    capacity_pins,
    check_coverage,
    check_policy_counties,
    check_previous,
    check_workers,
    clean_pins,
)
from assignment.problem import TownshipArrays, township_arrays
from assignment.schedule import solve_order, township_pressures
from assignment.solver.options import SolverOptions
from assignment.solver.priority import keeps_top_floor, top_items
from assignment.solver.repair import eject_improve
from assignment.solver.township import TownshipSolution, cost_gap, solve_arrays

SAFEGUARD_GAP = 0.005  # the greedy safeguard runs only above this proven gap (or tier 1 short)
# The previous assignment is tried as a plan only when it leaves out at most this many
# households more than the solver's plan (of those with a candidate worker): the ejection
# that would have to fill a larger difference costs 0.05-0.7 CPU s a township and never
# beat the solver's plan where tried (seed 1 at scale 1: the previous plan fits in 85 of
# 104 townships, leaving out 1,237-7,549 households more; 10.9 CPU s in all, no plan
# changed). An amendment's previous plan is the township's current plan: about as many.
PREVIOUS_SLACK = 100
PREVIOUS_SLACK_SHARE = 0.02

_STATUS_ORDER = (Status.ERROR, Status.INFEASIBLE, Status.UNKNOWN, Status.FEASIBLE)
"""The prefecture's status is the first of these that any township has (else OPTIMAL)."""


def worst_status(statuses: Iterable[Status]) -> Status:
    """A run's status from its townships': the worst of them, so that a run is ``optimal``
    only when every township is proven optimal."""
    present = set(statuses)
    return next((s for s in _STATUS_ORDER if s in present), Status.OPTIMAL)


@dataclass(frozen=True)
class TownshipResult:
    """One township's solve: status, objective, proven bound (Lagrangian), gap, plan.

    ``error`` is set (and ``status`` is ERROR) when the township's solve raised: its plan then
    lists every household unassigned, and nothing about it is proven.

    ``thresholds`` (``township_id, worker_id, soft_hours``, one row per worker of the
    township; None after an error or when the solve priced no threshold) are the
    workload-balance thresholds the solve priced
    (:func:`assignment.constraints.balance_threshold`): the explanations of the plan's
    trade-offs read them instead of building the township's arcs again
    (:func:`assignment.explain.explain_plan`).
    """

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
    error: str | None = None
    thresholds: pl.DataFrame | None = None

    @property
    def unassigned_tier1(self) -> int:
        """Tier-1 households left without a worker."""
        return int(self.diagnostics.get("unassigned_tier1", 0))  # type: ignore[call-overload]


@dataclass(frozen=True)
class TownshipTask:
    """Everything one township's solve needs; picklable, so any executor can run it.

    ``households`` are the township's households (with ``tier`` and ``risk``), ``workers`` its
    workers; the optional frames hold only rows of the township's households. Pins must
    already be cleaned (:func:`assignment.inputs.clean_pins`).
    """

    township_id: str
    households: pl.DataFrame
    workers: pl.DataFrame
    settings: AssignmentSettings
    previous: pl.DataFrame | None = None
    conflicts: pl.DataFrame | None = None
    pins: pl.DataFrame | None = None
    forbids: pl.DataFrame | None = None
    options: SolverOptions | None = None
    issues: tuple[InputIssue, ...] = ()


@dataclass(frozen=True)
class PrefectureResult:
    """All townships: totals, the concatenated plan and one diagnostics row per township.

    ``bound`` and ``gap`` are None when any township has no proven bound (an error or a solver
    limit): a sum over the others would overstate what is proven. ``thresholds``: the
    townships' workload-balance thresholds (:attr:`TownshipResult.thresholds`) of those
    solved without an error, or None when there are none.
    """

    status: Status
    objective: float
    bound: float | None
    gap: float | None
    seconds: float
    plan: pl.DataFrame
    diagnostics: pl.DataFrame
    issues: tuple[InputIssue, ...] = field(default_factory=tuple)
    thresholds: pl.DataFrame | None = None

    @property
    def unassigned_tier1(self) -> int:
        """Tier-1 households left without a worker, prefecture-wide."""
        return int(self.diagnostics["unassigned_tier1"].sum()) if self.diagnostics.height else 0

    @property
    def failed_townships(self) -> tuple[str, ...]:
        """Townships whose solve raised (status ERROR with an ``error`` text)."""
        if "error" not in self.diagnostics.columns:
            return ()
        failed = self.diagnostics.filter(pl.col("error").is_not_null())
        return tuple(failed["township_id"].to_list())


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
    cpu_start = time.process_time()
    tw = str(households["township_id"][0]) if households.height else ""
    workers = workers.filter(pl.col("township_id") == tw) if households.height else workers
    arcs = build_candidates(
        households, workers, previous, conflicts, settings, pins=pins, forbids=forbids
    )
    arcs, pin_issues = capacity_pins(arcs, workers)
    all_issues = (*issues, *pin_issues, *check_coverage(arcs, households, workers))
    arr = township_arrays(tw, households, workers, arcs, settings)
    sol = solve_arrays(arr, options)
    sol = _no_worse_than_greedy(arr, sol, pins)
    sol = _no_worse_than_previous(arr, sol)
    plan = _plan_frame(arr, sol.choice)
    hours_used, count_used = arr.loads(sol.choice)
    loads = _loads(arr, hours_used, count_used)
    uncovered = arr.households.filter(pl.Series(sol.choice < 0))
    cov = sol.coverage
    short = shortfall(uncovered, arr.workers, settings, coverage=cov, arcs=arcs)
    tiers = arr.households["tier"].to_numpy()
    seconds = time.perf_counter() - start
    diag: dict[str, object] = {
        "township_id": tw,
        "status": sol.status.value,
        "objective": sol.objective,
        "bound": sol.bound,
        "lp_bound": sol.lp_bound,
        "gap": sol.gap,
        **coverage_figures(cov),
        # With coverage fixed (tier-1 coverage proven maximal, the lexicographic model): the
        # bound of every plan covering that many, and the plan's gap to it; `bound`/`gap` are
        # the user's weighted model's. None where coverage is not proven.
        "cost_bound": sol.cost_bound if cov is not None and cov.proven else None,
        "cost_gap": sol.cost_gap if cov is not None and cov.proven else None,
        # What every plan covering that many pays (penalties no decision avoids): the cost
        # gap is relative to the objective less this.
        "unavoidable_penalty": sol.unavoidable if cov is not None and cov.proven else None,
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu_start,
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
        "error": None,
        **{k: float(v) for k, v in sol.stats.items()},
    }
    return TownshipResult(
        township_id=tw,
        status=sol.status,
        objective=sol.objective,
        bound=sol.bound,
        lp_bound=sol.lp_bound,
        gap=sol.gap,
        seconds=seconds,
        plan=plan,
        diagnostics=diag,
        issues=tuple(all_issues),
        thresholds=_thresholds(arr),
    )


def _thresholds(arr: TownshipArrays) -> pl.DataFrame | None:
    """The workload-balance threshold of each of the township's workers, as the solve priced
    it (``soft_hours`` of :func:`assignment.constraints.balance_threshold`); None when the
    arrays carry none (the explanations then build them)."""
    if arr.soft_hours is None:
        return None
    return arr.workers.select(
        pl.lit(arr.township_id, dtype=pl.String).alias("township_id"),
        pl.col("worker_id").cast(pl.String),
        pl.Series("soft_hours", arr.soft_hours, dtype=pl.Float64),
    )


def _no_worse_than_greedy(
    arr: TownshipArrays, sol: TownshipSolution, pins: pl.DataFrame | None
) -> TownshipSolution:
    """Keep the greedy baseline's plan (then improved by ejection) when it is better.

    On tight townships the LP-guided plan can lose to greedy when its repair steps stop on
    the clock (their results are then discarded for determinism), and where the LP failed the
    plan is empty; this guarantees the optimizer's plan is never worse than the baseline.
    Skipped (it costs ~15 % of a township's time) when the plan is proven within
    ``SAFEGUARD_GAP`` of optimal and covers every tier-1 household: greedy cannot then beat it
    by more than that gap, nor cover more tier 1. Deterministic. The status stays what the
    solver proved: UNKNOWN or ERROR from a failed LP are kept (the greedy plan is feasible,
    but nothing about it is proven).
    """
    if arr.n_arcs == 0:
        return sol
    cov = sol.coverage
    all_top = cov is not None and cov.proven and cov.best >= cov.reachable
    if sol.gap is not None and sol.gap <= SAFEGUARD_GAP and all_top:
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
    return _keep_if_better(arr, sol, choice, "greedy")


def _no_worse_than_previous(arr: TownshipArrays, sol: TownshipSolution) -> TownshipSolution:
    """Keep the previous assignment's pairs (then improved by ejection) when they are better.

    The previous plan is a candidate the solver never sees whole: continuity is only a cost
    on each arc. Re-solving a township whose data did not change (an amendment, whose
    previous assignment is the current run's plan) then moved 13-15 of 1,319 households for
    a plan 419 minutes-equivalent dearer than keeping every pair, since each move costs the
    continuity penalty. Here every household keeps its previous worker where that pair is
    still a candidate, the rest start uncovered; the plan is used only when it fits every
    capacity and pin, and, after ejection fills what it can, covers as many tier-1
    households and costs less. Deterministic; skipped where the pairs no longer fit or leave
    out many more households than the solver's plan (``PREVIOUS_SLACK``: a new month, whose
    tiers, households and workers changed).
    """
    if arr.n_arcs == 0 or "kept_previous" not in arr.arcs.columns:
        return sol
    kept = np.flatnonzero(arr.arcs["kept_previous"].fill_null(False).to_numpy())
    if kept.size == 0:
        return sol
    items = arr.arc_item[kept]
    if np.unique(items).size != items.size:
        return sol  # a household with two previous workers: no single previous plan
    choice = np.full(arr.n_items, -1, dtype=np.int64)
    choice[items] = kept
    has_arc = np.bincount(arr.arc_item, minlength=arr.n_items) > 0
    more_left_out = int(((choice < 0) & has_arc).sum()) - int(((sol.choice < 0) & has_arc).sum())
    if more_left_out > max(PREVIOUS_SLACK, PREVIOUS_SLACK_SHARE * arr.n_items):
        return sol
    return _keep_if_better(arr, sol, choice, "previous assignment")


def _keep_if_better(
    arr: TownshipArrays, sol: TownshipSolution, choice: np.ndarray, source: str
) -> TownshipSolution:
    """``choice`` improved by ejection in place of the solver's plan when it fits every
    capacity and pin, covers as many tier-1 households and costs less; else ``sol``.

    Tier-1 coverage comes first (lexicographic): the ejection never trades a covered tier-1
    household for cost, and a plan covering fewer is never kept (the floor rule, as in the
    township solve). The bounds stay the solver's; the gaps are recomputed.
    """
    hours, count = arr.loads(choice)
    pinned = np.flatnonzero(arr.arc_pinned)
    if not np.all(rules.fits_capacity(hours, arr.cap_hours, count, arr.cap_count)) or np.any(
        choice[arr.arc_item[pinned]] != pinned
    ):
        return sol
    top = top_items(arr)
    had = int((sol.choice[top] >= 0).sum())
    choice, _moved = eject_improve(arr, choice, floor=min(had, int((choice[top] >= 0).sum())))
    objective = arr.objective_of(choice)
    covered = int((choice[top] >= 0).sum())
    if not keeps_top_floor(arr, choice, had) or (
        covered == had and sol.objective is not None and objective >= sol.objective - 1e-9
    ):
        return sol
    gap = relative_gap(objective, sol.bound)
    status = sol.status
    if status in (Status.OPTIMAL, Status.FEASIBLE):
        status = status_from_gap(gap)
    coverage = sol.coverage
    if coverage is not None and covered > coverage.upper:
        raise SolverInternalError(
            f"the {source} plan covers {covered} tier-1 households, above the proven maximum "
            f"{coverage.upper}"
        )
    if coverage is not None:
        coverage = replace(coverage, best=covered, choice=choice[coverage.items])
    # The cost bound with coverage fixed holds for every plan covering the proven maximum.
    fixed = coverage is not None and coverage.proven and sol.cost_bound is not None
    return replace(
        sol,
        choice=choice,
        objective=objective,
        gap=gap,
        status=status,
        coverage=coverage,
        cost_bound=sol.cost_bound if fixed else None,
        cost_gap=cost_gap(objective, sol.cost_bound, sol.unavoidable) if fixed else None,
        unavoidable=sol.unavoidable if fixed else None,
        message=f"{sol.message}; {source}+ejection plan kept (better)",
    )


def _plan_frame(arr: TownshipArrays, choice: np.ndarray) -> pl.DataFrame:
    hh = arr.households
    arcs = arr.arcs
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


def _unassigned_plan(households: pl.DataFrame) -> pl.DataFrame:
    """Every household of ``households`` unassigned, in the plan's columns."""
    return (
        households.select(
            pl.col("household_id").cast(pl.String),
            pl.lit(None, dtype=pl.String).alias("worker_id"),
            pl.col("tier").cast(pl.Int8),
            pl.lit(None, dtype=pl.String).alias("role"),
            pl.lit(None, dtype=pl.Float64).alias("travel_minutes"),
            pl.lit(None, dtype=pl.Float64).alias("hours_per_month"),
            pl.lit(False).alias("kept_previous"),
            pl.lit(False).alias("up_cover"),
            pl.col("township_id").cast(pl.String),
            pl.lit(None, dtype=pl.Float64).alias("cost"),
            pl.lit(False).alias("pinned"),
            pl.col("risk").cast(pl.Float64),
        )
        .select(*PLAN_COLUMNS, "cost", "pinned", "risk")
        .sort("household_id")
    )


def failed_township(task: TownshipTask, error: BaseException, seconds: float) -> TownshipResult:
    """The result of a township whose solve raised: status ERROR, every household unassigned
    (so none is silently missing from the plan), the error and where it arose in diagnostics."""
    hh = task.households
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    text = f"{type(error).__name__}: {error}" + (
        f" (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})" if where else ""
    )
    tiers = hh["tier"].to_numpy() if hh.height else np.zeros(0)
    diag: dict[str, object] = {
        "township_id": task.township_id,
        "status": Status.ERROR.value,
        "objective": None,
        "bound": None,
        "lp_bound": None,
        "gap": None,
        "seconds": seconds,
        "households": hh.height,
        "workers": task.workers.height,
        **{f"unassigned_tier{t}": int((tiers == t).sum()) for t in (1, 2, 3)},
        "shortfall": "",
        "issues": "; ".join(i.message for i in task.issues),
        "message": f"乡镇求解失败 / township solve failed: {text}",
        "error": text,
    }
    return TownshipResult(
        township_id=task.township_id,
        status=Status.ERROR,
        objective=None,
        bound=None,
        lp_bound=None,
        gap=None,
        seconds=seconds,
        plan=_unassigned_plan(hh),
        diagnostics=diag,
        issues=task.issues,
        error=text,
    )


def run_township_task(task: TownshipTask) -> TownshipResult:
    """Solve one task; an exception becomes that township's ERROR result, never an abort.

    Top-level and picklable: the function every executor runs.
    """
    start = time.perf_counter()
    try:
        return solve_township(
            task.households,
            task.workers,
            task.settings,
            previous=task.previous,
            conflicts=task.conflicts,
            pins=task.pins,
            forbids=task.forbids,
            options=task.options,
            issues=task.issues,
        )
    except Exception as exc:  # isolate: one township's failure is reported, not fatal
        return failed_township(task, exc, time.perf_counter() - start)


def _by_township(frame: pl.DataFrame | None, township_of: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Rows of ``frame`` (keyed by ``household_id``) per township, in one pass."""
    if frame is None or frame.height == 0:
        return {}
    tagged = frame.join(township_of, on="household_id", how="inner", maintain_order="left")
    parts = tagged.partition_by("_township", as_dict=True, include_key=False)
    return {str(k[0]): v for k, v in parts.items()}


def township_tasks(
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
) -> list[TownshipTask]:
    """One task per township of ``households``, in :func:`~assignment.schedule.solve_order`
    (the tier-1-pressed townships, then the largest, first: the longest solves start early);
    every frame is cut with one ``partition_by``."""
    township_of = households.select("household_id", pl.col("township_id").alias("_township"))
    hh_parts = {
        str(k[0]): v for k, v in households.partition_by("township_id", as_dict=True).items()
    }
    w_parts = {str(k[0]): v for k, v in workers.partition_by("township_id", as_dict=True).items()}
    extra = {
        name: _by_township(frame, township_of)
        for name, frame in (
            ("previous", previous),
            ("conflicts", conflicts),
            ("pins", pins),
            ("forbids", forbids),
        )
    }
    given = {"previous": previous, "conflicts": conflicts, "pins": pins, "forbids": forbids}

    def part(name: str, tw: str) -> pl.DataFrame | None:
        frame = given[name]
        if frame is None:
            return None
        return extra[name].get(tw, frame.clear())

    tops = {tw: int((frame["tier"] == 1).sum()) for tw, frame in hh_parts.items()}
    order = solve_order(
        {tw: frame.height for tw, frame in hh_parts.items()},
        township_pressures(tops, workers, settings),
    )
    return [
        TownshipTask(
            township_id=tw,
            households=hh_parts[tw],
            workers=w_parts.get(tw, workers.clear()),
            settings=settings,
            previous=part("previous", tw),
            conflicts=part("conflicts", tw),
            pins=part("pins", tw),
            forbids=part("forbids", tw),
            options=options,
            issues=tuple(i for i in issues if i.township_id == tw),
        )
        for tw in order
    ]


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
    ``issues`` and the diagnostics, and everything else is still solved. An ambiguous previous
    assignment (two workers for one household and month) is refused up front
    (:class:`~assignment.errors.InputError`). A township whose solve raises is reported with
    status ERROR and its error (:attr:`PrefectureResult.failed_townships`).
    """
    start = time.perf_counter()
    latest_previous(previous)  # refuses an ambiguous previous assignment before any work
    issues: list[InputIssue] = [
        *check_workers(workers),
        *check_previous(previous, workers),
        *check_policy_counties(settings, households["county_id"]),
    ]
    pins, pin_issues = clean_pins(pins, households, workers, conflicts, forbids, settings)
    issues += pin_issues
    if townships is not None:
        households = households.filter(pl.col("township_id").is_in(townships))
    tasks = township_tasks(
        households,
        workers,
        settings,
        previous=previous,
        conflicts=conflicts,
        pins=pins,
        forbids=forbids,
        options=options,
        issues=tuple(issues),
    )
    executor = executor or default_executor(processes)
    results: list[TownshipResult] = []
    for res in executor.run(run_township_task, tasks):
        results.append(res)
        if progress is not None:
            progress(res)
    return combine_results(results, issues, time.perf_counter() - start)


def combine_results(
    results: list[TownshipResult], issues: list[InputIssue], seconds: float
) -> PrefectureResult:
    """The prefecture's result from its townships' (in any order): sorted by township."""
    results = sorted(results, key=lambda r: r.township_id)
    plan = (
        pl.concat([r.plan for r in results], how="vertical_relaxed").sort("household_id")
        if results
        else pl.DataFrame()
    )
    diagnostics = pl.DataFrame([r.diagnostics for r in results], infer_schema_length=None)
    if diagnostics.height:
        diagnostics = diagnostics.sort("township_id")
    objective = float(sum(r.objective or 0.0 for r in results))
    proven = all(r.bound is not None and r.objective is not None for r in results)
    bound = float(sum(r.bound or 0.0 for r in results)) if proven else None
    gap = relative_gap(objective, bound)
    status = worst_status(r.status for r in results)
    all_issues = tuple(issues) + tuple(i for r in results for i in r.issues if i not in issues)
    given = [r.thresholds for r in results if r.thresholds is not None]
    return PrefectureResult(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        seconds=seconds,
        plan=plan,
        diagnostics=diagnostics,
        issues=all_issues,
        thresholds=pl.concat(given) if given else None,
    )

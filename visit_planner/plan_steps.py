"""What the month's plan and an amendment share (:mod:`visit_planner.plan_job`,
:mod:`visit_planner.amend_job`; a published what-if, :mod:`visit_planner.whatif_publish`).

``visit-planner plan`` plans the month or amends some of its townships. Both take the same
request, report the same outcome, time their stages on one clock and end alike: the standing
overrides' outcomes, the independent check (a plan with any violation is refused, never
published), the run's headline figures (the whole run's status, objective and bound; the churn
against the run before), its provenance, and publication (the run written under a staging
name, moved into ``<workspace>/runs/<month>/<run_id>``, and only then recorded in the store in
one transaction). These live here, apart from both jobs, so that neither imports the other.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import polars as pl

from assignment.bounds import relative_gap
from assignment.domain import PLAN_COLUMNS, AssignmentSettings, Status
from assignment.plan import PrefectureResult, worst_status
from assignment.validator import Violation, summarize_violations, validate_plan
from visit_planner.actor import current_actor
from visit_planner.assign_job import AssignInputs, SolvedPlan
from visit_planner.contracts.report import Problem
from visit_planner.contracts.tables import find_table
from visit_planner.errors import VisitPlannerError
from visit_planner.months import parse_month
from visit_planner.overrides import NOT_APPLIED, AppliedOverrides, Outcome, Override, pin_outcomes
from visit_planner.paths import Workspace
from visit_planner.plan_townships import accepted_pins
from visit_planner.policy import policy_text
from visit_planner.runs import DirectoryRunWriter, Provenance, RunContent, RunManifest
from visit_planner.runs.staged import staging_dir
from visit_planner.store import OverrideRow, RunRow, Store, records_from_run_dir

EXIT_PLAN_REFUSED = 4
"""``plan`` exit code when the independent check found violations (nothing was published)."""

Stage = Callable[[str, float], None]


class PlanRefusedError(VisitPlannerError):
    """The plan broke a rule the independent validator checks; it was not published."""

    exit_code = EXIT_PLAN_REFUSED


@dataclass(frozen=True)
class PlanRequest:
    """What ``plan`` is asked to do."""

    month: str
    data: Path
    policy_path: Path | None = None
    home: Path | None = None
    store_url: str | None = None
    mlflow_uri: str | None = None
    actor: str | None = None
    processes: int | None = None
    time_limit: float | None = None
    amend_townships: tuple[str, ...] = ()
    executor: str = "local"  # or "dask": township solves on a Dask cluster
    scheduler: str | None = None  # tcp://HOST:PORT of a Dask scheduler; None: local cluster


@dataclass
class PlanOutcome:
    """What ``plan`` published and what it found on the way."""

    run: RunRow
    run_dir: Path
    solved: SolvedPlan
    previous_run: RunRow | None
    outcomes: list[Outcome]
    stages: list[tuple[str, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the scoring's checks
    versus_previous: dict[str, float] | None = None  # diff_totals against previous_run
    notices: list[str] = field(default_factory=list)  # about the data and the workspace
    # What validating the inputs warned of (columns dropped, rows left out), as `validate`
    # reports it: a run never leaves rows out without saying so.
    input_warnings: tuple[Problem, ...] = ()
    amended: tuple[str, ...] = ()  # an amendment's re-solved townships (codes); a plan: ()

    @property
    def not_applied(self) -> list[Outcome]:
        """Overrides that could not apply this month (each with its reason)."""
        return [o for o in self.outcomes if o.outcome == NOT_APPLIED]


class StageClock:
    """Times the stages and reports each as it ends."""

    def __init__(self, report: Stage | None) -> None:
        self.report = report
        self.stages: list[tuple[str, float]] = []
        self._t = time.perf_counter()

    def done(self, name: str) -> None:
        """Stage ``name`` ended now: record and report the time since the last one ended."""
        now = time.perf_counter()
        self.stages.append((name, now - self._t))
        if self.report is not None:
            self.report(name, now - self._t)
        self._t = now

    def split(self, parts: list[tuple[str, float]]) -> None:
        """Report stages that ran interleaved (their measured seconds each); the time they
        do not account for counts towards the next stage."""
        for name, seconds in parts:
            self.stages.append((name, seconds))
            if self.report is not None:
                self.report(name, seconds)
            self._t += seconds


def first_day(month: str) -> date:
    """The first day of ``YYYY-MM``."""
    year, mon = parse_month(month)
    return date(year, mon, 1)


def as_override(row: OverrideRow) -> Override:
    """The store's override row as :mod:`visit_planner.overrides` takes it."""
    return Override(
        id=row.id,
        kind=row.kind,
        household_id=row.household_id,
        reason=row.reason,
        author=row.author,
        worker_id=row.worker_id,
        tier=row.tier,
        field=row.field,
        value=row.value,
        evidence=row.evidence,
        expires_on=row.expires_on,
    )


def inputs_files(data: Path, *, previous_file: bool = True) -> dict[str, Path | None]:
    """The month's input files (those present), for the run's provenance hashes. Without
    ``previous_file`` the data's previous assignment is left out: a run that continued a
    published plan (last month's run, or for an amendment the current one) was not made from
    it, and check-plan must not ask for it nor judge the kept pairs by it."""
    names = ("households", "workers", "previous_assignment", "conflicts")
    return {
        name: find_table(data, name) if previous_file or name != "previous_assignment" else None
        for name in names
    }


def unused_file_warnings(
    warnings: Sequence[Problem], data: Path, continued: RunRow | None
) -> tuple[tuple[Problem, ...], list[str]]:
    """``warnings`` without those of the data's previous assignment file when the run
    continued the published run ``continued`` (last month's; for an amendment, the month's
    current one) and so never read that file, and a notice saying so (none when the file
    had no warning). ``plan`` printed "884 rows ... left out" of a file it did not use,
    beside the run's own count of last month's pairs with a worker who has left (1,079)."""
    path = find_table(data, "previous_assignment") if continued is not None else None
    dropped = [p for p in warnings if path is not None and p.file == str(path)]
    if continued is None or not dropped:
        return tuple(warnings), []
    run = f"{continued.month} v{continued.version} ({continued.run_id[:12]})"
    return tuple(p for p in warnings if p not in dropped), [
        f"{path}: 未使用该文件: 本次沿用方案 {run} 的分配, 该文件的 {len(dropped)} 条警告不适用 "
        f"(not used: this run continues the assignment of run {run}; the file's "
        f"{len(dropped)} warning(s) do not apply)"
    ]


def run_provenance(
    req: PlanRequest,
    files: dict[str, Path | None],
    model_version: int | str | None,
    previous_run: RunRow | None,
) -> Provenance:
    """The run's provenance: the policy, the input files (hashed when the run is written),
    the model version, the month, who planned it and the run it follows."""
    return Provenance(
        policy_text=policy_text(req.policy_path),
        input_files=files,
        model_version=None if model_version is None else str(model_version),
        month=req.month,
        created_by=current_actor(req.actor),
        previous_run_id=None if previous_run is None else previous_run.run_id,
    )


def check_solved(
    solved: SolvedPlan,
    inputs: AssignInputs,
    settings: AssignmentSettings,
    townships: list[str] | None,
) -> None:
    """The independent validator on the plan; any violation refuses the publication.

    Pins the assignment refused (ineligible, unknown, duplicate, beyond capacity: reported as
    input issues, and as overrides not applied) are not held against the plan.
    """
    checked = replace(inputs.plan_inputs(), pins=accepted_pins(inputs.pins, solved.result.issues))
    violations = validate_plan(
        solved.result.plan.select(PLAN_COLUMNS), checked, settings, townships=townships
    )
    refuse(violations)


def refuse(violations: list[Violation]) -> None:
    """Refuse the publication when the independent check found any violation."""
    if violations:
        summary = summarize_violations(violations)
        lines = [f"{r[0]}: {r[1]}" for r in summary.head(10).iter_rows()]
        raise PlanRefusedError(
            f"方案未通过独立校验, 未发布 (the independent check found {len(violations)} "
            "violation(s); the plan was NOT published):\n  " + "\n  ".join(lines)
        )


def override_outcomes(
    standing: list[Override],
    applied: AppliedOverrides,
    result: PrefectureResult,
    pairs: pl.DataFrame | None = None,
) -> tuple[list[Outcome], dict[str, list[str]]]:
    """Every standing override's outcome: decided ones, then the pins judged by the plan
    (``pairs``: the pinned households' rows of it, when ``result`` carries no plan)."""
    decided = list(applied.outcomes)
    issues = [i.message for i in result.issues]
    plan = result.plan if pairs is None else pairs
    pins, pin_notes = pin_outcomes(standing, plan, issues, {o.override_id for o in decided})
    notes: dict[str, list[str]] = {}
    for source in (applied.notes, pin_notes):
        for hid, texts in source.items():
            notes.setdefault(hid, []).extend(texts)
    return sorted(decided + pins, key=lambda o: o.override_id), notes


def with_notes(explanations: pl.DataFrame, notes: dict[str, list[str]]) -> pl.DataFrame:
    """The explanations with an ``overrides`` column: what supervisors' overrides did here."""
    frame = pl.DataFrame(
        {"household_id": list(notes), "overrides": ["; ".join(v) for v in notes.values()]},
        schema={"household_id": pl.String, "overrides": pl.String},
    )
    return explanations.join(frame, on="household_id", how="left", maintain_order="left")


def publish_run(
    store: Store,
    workspace: Workspace,
    content: RunContent,
    month: str,
    *,
    actor: str,
    outcomes: list[Outcome],
    kind: str,
    parent_run_id: str | None = None,
) -> tuple[RunRow, Path]:
    """Write the run under a staging name, move it into place, then record it (one transaction)."""
    runs_dir = workspace.runs_dir / month
    runs_dir.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(runs_dir)
    try:
        manifest = DirectoryRunWriter(staging).write(content)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # refused or failed: no run, nothing left
        raise
    return record_run(
        store,
        workspace,
        staging,
        manifest,
        actor=actor,
        outcomes=outcomes,
        kind=kind,
        parent_run_id=parent_run_id,
    )


def record_run(
    store: Store,
    workspace: Workspace,
    staging: Path,
    manifest: RunManifest,
    *,
    actor: str,
    outcomes: list[Outcome],
    kind: str,
    parent_run_id: str | None = None,
) -> tuple[RunRow, Path]:
    """Move the written run ``staging`` into place as ``<month>/<run_id>``, then record it in
    the store (one transaction); a failure removes it (a directory the store does not name is
    not a run)."""
    final = staging.parent / manifest.run_id
    try:
        staging.rename(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    try:
        record, townships = records_from_run_dir(final, workspace)
        row = store.publish_run(
            record,
            actor=actor,
            townships=townships,
            kind=kind,
            parent_run_id=parent_run_id,
            outcomes=[(o.override_id, o.outcome, o.reason) for o in outcomes],
        )
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)  # never published: not a run
        raise
    return row, final


def whole_run_result(result: PrefectureResult, diagnostics: pl.DataFrame) -> PrefectureResult:
    """``result`` with the whole run's diagnostics (one row per township) and the status,
    objective, bound and gap that follow from them, by the rule of
    :func:`assignment.plan.combine_results`: the status is the worst of the townships'
    (``optimal`` only when every township is proven optimal), the bound and gap only when
    every township has a proven bound.

    ``plan`` and an amendment both take the run's headline figures from here, so that an
    amendment, whose solve covers only the re-solved townships, still reports the run it
    publishes: the townships carried over count with their own status and bound.
    """
    if diagnostics.height == 0:  # no township: nothing to take the figures from
        return replace(result, diagnostics=diagnostics)
    status = worst_status(Status(s) for s in diagnostics["status"].to_list())
    objectives, bounds = diagnostics["objective"].to_list(), diagnostics["bound"].to_list()
    objective = float(sum(o or 0.0 for o in objectives))  # summed in township order, as there
    proven = all(o is not None and b is not None for o, b in zip(objectives, bounds, strict=True))
    bound = float(sum(bounds)) if proven else None
    return replace(
        result,
        status=status,
        diagnostics=diagnostics,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
    )


def with_churn(metrics: Mapping[str, object], versus: dict[str, float] | None) -> dict[str, object]:
    """The headline metrics with the churn against the previous run, where there is one."""
    out = dict(metrics)
    if versus is not None:
        out["churn_tier_unchanged"] = versus["churn_tier_unchanged"]
        out["worker_changed"] = int(versus["worker_changed"])
        out["tier_changed"] = int(versus["tier_changed"])
    return out

"""The monthly planning cycle: ``visit-planner plan --month M --data DIR``.

One command for the month, in stages (each timed and reported):

1. **validate** the month's input tables against the contracts (the households table in
   chunks: :mod:`visit_planner.contracts.stream`);
2. **overrides**: the standing tier overrides, pins, forbids and data corrections from the
   store (:mod:`visit_planner.overrides`); each applies or is reported with its reason;
3. **score** every household with the champion model (corrected data; tier overrides);
4. **assign**, with the *current run of the previous month* as the previous assignment (the
   data's ``previous_assignment`` file only when the store has no such run: a programme's first
   month), the standing pins and forbids; the townships are solved on the executor of
   ``PlanRequest.executor`` (local processes by default, or a Dask cluster: opened before
   any other work, so an unreachable scheduler is reported at once);
5. **check** the plan with the independent validator: a plan with any violation is never
   published;
6. **publish**: the run directory is written under a staging name, moved into
   ``<workspace>/runs/<month>/<run_id>``, and only then recorded in the store in one
   transaction that makes it the month's current run. A crash at any point leaves the previous
   current run current: a directory the store does not name is not a run.

``--amend --township T`` re-solves only the named townships of the month's current run (its
plan is their previous assignment: minimal churn) with today's data and overrides, carries
every other township's files over byte for byte, and publishes the next version of the month.

The whole command holds the store's lock of the month, so two ``plan`` runs of one month never
interleave: the second is refused with the month and the holder named.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import polars as pl

from assignment.bounds import relative_gap
from assignment.domain import PLAN_COLUMNS, AssignmentSettings, Status
from assignment.executor import Executor
from assignment.plan import PrefectureResult, worst_status
from assignment.validator import Violation, summarize_violations, validate_plan
from visit_planner.actor import current_actor
from visit_planner.assign_job import (
    AssignInputs,
    SolvedPlan,
    headline_metrics,
    solve_and_explain,
    solver_options,
    township_executor,
)
from visit_planner.contracts.places import read_places_beside
from visit_planner.contracts.report import Problem
from visit_planner.contracts.stream import stream_inputs
from visit_planner.contracts.tables import Inputs, check_tables_present, find_table
from visit_planner.errors import ContractError, PlanFileError, VisitPlannerError
from visit_planner.overrides import (
    NOT_APPLIED,
    AppliedOverrides,
    Outcome,
    Override,
    apply_overrides,
    pin_outcomes,
)
from visit_planner.paths import Workspace, resolve_workspace
from visit_planner.plan_townships import (
    CHUNK_ROWS,
    INPUT_KIND,
    Checked,
    WorkDir,
    accepted_pins,
    solve_townships,
    split_and_score,
    township_frames,
    whole_loads,
)
from visit_planner.policy import load_policy, policy_text, settings_from_policy
from visit_planner.risk_job import Scored, score_frame, scoring_context
from visit_planner.runs import (
    DirectoryRunWriter,
    Provenance,
    RunContent,
    RunManifest,
    RunReader,
    diff_plans,
    diff_totals,
)
from visit_planner.runs.diff import diff_totals_in_parts
from visit_planner.runs.staged import StagedRun, remove_stale_staging, staging_dir
from visit_planner.store import OverrideRow, RunRow, Store, records_from_run_dir
from visit_planner.synthetic.next_month import MONTH_FILE, MonthInfo, month_before, parse_month
from visit_planner.vocabulary import plan_stage
from visit_planner.whatif import WhatIf

EXIT_PLAN_REFUSED = 4
"""``plan`` exit code when the independent check found violations (nothing was published)."""

AMEND_CHUNK_ROWS = 4 * CHUNK_ROWS
"""Households per chunk when an amendment validates the month's inputs. The rules and their
messages do not depend on the chunks (:mod:`visit_planner.contracts.stream` merges them into
the whole table's; ``tests/visit_planner/test_plan_job.py`` compares), but each chunk costs
pandera the same fixed price (a query per column rule), and at ``plan``'s :data:`CHUNK_ROWS`
that price was much of an amendment's validation. A chunk four times larger is held while it
is checked; an amendment holds more than that later anyway (the run-wide frames it
publishes). ``plan`` keeps :data:`CHUNK_ROWS`, which bounds the peak of a whole month."""

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

    @property
    def not_applied(self) -> list[Outcome]:
        """Overrides that could not apply this month (each with its reason)."""
        return [o for o in self.outcomes if o.outcome == NOT_APPLIED]


def first_day(month: str) -> date:
    """The first day of ``YYYY-MM``."""
    year, mon = parse_month(month)
    return date(year, mon, 1)


def check_data_month(data: Path, month: str) -> list[str]:
    """Refuse a data directory whose ``month.json`` names another month than ``month``
    (planning December from November's data would publish a wrong plan as December's), before
    any work. A directory without ``month.json`` (data not made by ``generate``: an office's
    export) cannot be checked; that is said in the notice returned, and the plan goes on."""
    info = MonthInfo.read(data)
    if info is None:
        if not data.is_dir():
            return []  # the input check names the missing directory
        return [
            f"{data}: 数据目录无 {MONTH_FILE}, 未核对数据月份 (no {MONTH_FILE}, so the data's "
            f"month was not checked against --month {month})"
        ]
    if info.month != month:
        raise ContractError([
            f"{data / MONTH_FILE}: 数据月份 {info.month} 与 --month {month} 不符, 未计划, 未发布 "
            f"(field 'month' is {info.month}, but --month is {month}: the data is not the "
            "month being planned; nothing was planned or published)"
        ])  # fmt: skip
    return []


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


def previous_from_run(
    store: Store, workspace: Workspace, month: str
) -> tuple[pl.DataFrame | None, RunRow | None]:
    """Last month's plan from the store (its current run) as a previous assignment."""
    prev = store.current_run(month_before(month))
    if prev is None:
        return None, None
    pairs = (
        pl.scan_parquet(workspace.root / prev.path / "plan.parquet")
        .select("household_id", "worker_id")
        .filter(pl.col("worker_id").is_not_null())
        .with_columns(pl.lit(prev.month).alias("month"))
        .collect(engine="in-memory")
    )
    return pairs, prev


class _Clock:
    """Times the stages and reports each as it ends."""

    def __init__(self, report: Stage | None) -> None:
        self.report = report
        self.stages: list[tuple[str, float]] = []
        self._t = time.perf_counter()

    def done(self, name: str) -> None:
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


def run_plan(req: PlanRequest, *, report: Stage | None = None) -> PlanOutcome:
    """Plan (or amend) the month and publish it as a new run (see the module docstring)."""
    try:
        parse_month(req.month)
    except ValueError as exc:
        raise PlanFileError(f"--month: {exc}") from None
    notices = check_data_month(req.data, req.month)
    check_tables_present(req.data)  # before the workspace: a wrong --data creates nothing
    workspace = resolve_workspace(req.home).ensure()
    actor = current_actor(req.actor)
    with (
        township_executor(req.executor, req.scheduler, req.processes) as executor,
        Store.for_workspace(workspace, req.store_url) as store,
        store.month_lock(req.month),
    ):
        notices += _clear_stale_staging(workspace.runs_dir / req.month)
        if req.amend_townships:
            outcome = _amend(req, store, workspace, actor, _Clock(report), executor)
        else:
            outcome = _plan(req, store, workspace, actor, _Clock(report), executor)
    outcome.notices[:0] = notices
    return outcome


def _clear_stale_staging(runs_dir: Path) -> list[str]:
    """Remove what killed runs of the month left under ``runs_dir`` (their staging and work
    directories: never runs, as the store does not name them), in a notice of one line.
    Called with the month's lock held."""
    names, size = remove_stale_staging(runs_dir)
    if not names:
        return []
    return [
        f"{runs_dir}: 已清理中断运行留下的临时目录 {len(names)} 个 (removed {len(names)} "
        f"staging/work director(ies) of interrupted runs, {size / 1024:,.0f} KB)"
    ]


# --------------------------------------------------------------------------- the month


def _plan(  # noqa: PLR0917
    req: PlanRequest,
    store: Store,
    workspace: Workspace,
    actor: str,
    clock: _Clock,
    executor: Executor,
) -> PlanOutcome:
    """The month, one township at a time (:mod:`visit_planner.plan_townships`)."""
    runs_dir = workspace.runs_dir / req.month
    runs_dir.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(runs_dir)
    work = WorkDir(staging.with_name(staging.name + "-work"))
    try:
        return _plan_townships(req, store, workspace, actor, clock, executor, staging, work)
    finally:
        work.remove()
        shutil.rmtree(staging, ignore_errors=True)  # moved into place unless it failed
        if not any(runs_dir.iterdir()):  # the month's first run failed: no empty directory
            runs_dir.rmdir()


def _plan_townships(  # noqa: PLR0917  (the stages, in order)
    req: PlanRequest,
    store: Store,
    workspace: Workspace,
    actor: str,
    clock: _Clock,
    executor: Executor,
    staging: Path,
    work: WorkDir,
) -> PlanOutcome:
    inputs = stream_inputs(req.data, work.root / INPUT_KIND, CHUNK_ROWS)
    clock.done(plan_stage("validate"))
    settings = settings_from_policy(load_policy(req.policy_path))
    day = first_day(req.month)
    standing = [as_override(o) for o in store.list_overrides(active_on=day)]
    concerned = sorted({o.household_id for o in standing})
    applied = apply_overrides(
        standing,
        inputs.households.filter(pl.col("household_id").is_in(concerned)),
        inputs.workers,
        on=day,
    )
    previous, previous_run = previous_from_run(store, workspace, req.month)
    if previous is None:
        previous = inputs.previous_assignment if inputs.previous_assignment.height else None
    clock.done(plan_stage("overrides"))
    context = scoring_context(
        home=workspace.root,
        policy_path=req.policy_path,
        mlflow_uri=req.mlflow_uri,
        source=str(req.data),
    )
    month = split_and_score(
        inputs.households,
        inputs.workers,
        previous,
        inputs.conflicts if inputs.conflicts.height else None,
        applied,
        context,
        work,
    )
    files = inputs_files(req.data)
    input_warnings = inputs.warnings
    del inputs  # from here on, one township at a time
    shutil.rmtree(work.root / INPUT_KIND, ignore_errors=True)  # the validated chunks
    clock.done(plan_stage("score"))
    solved = solve_townships(month, previous, settings, solver_options(req.time_limit), executor)
    del previous
    clock.done(plan_stage("assign"))
    result = whole_run_result(solved.result, solved.result.diagnostics)
    outcomes, notes = _outcomes(standing, applied, result, solved.pinned_pairs)
    loads = whole_loads(month)
    run = StagedRun(staging)
    checked = Checked()
    diagnostics = {str(r["township_id"]): r for r in result.diagnostics.iter_rows(named=True)}
    for tw in month.townships:
        frames, township_inputs = township_frames(
            month, tw, solved, loads, settings, lambda e: _with_notes(e, notes), checked
        )
        if not checked.violations:  # a refused plan is not written any further
            run.add_township(tw, frames, township_inputs, diagnostics.get(tw, {}))
    clock.split([
        (plan_stage("explain"), checked.seconds.get("explain", 0.0)),
        (plan_stage("check"), checked.seconds.get("check", 0.0)),
    ])  # fmt: skip
    _refuse(checked.violations)
    versus = None
    if previous_run is not None:  # the township plans against last month's, in parts
        versus = diff_totals_in_parts(
            workspace.root / previous_run.path / "plan.parquet",
            [month.work.path("plan", tw) for tw in month.townships],
            sum(month.sizes.values()),
        )
    metrics = headline_metrics(result, checked.tiers)
    provenance = _provenance(req, files, month.model_version, previous_run)
    households_file = files.get("households")
    manifest = run.finish(
        diagnostics=result.diagnostics,
        worker_loads=loads,
        provenance=provenance,
        metrics=_with_churn(metrics, versus),
        places=None if households_file is None else read_places_beside(households_file),
    )
    row, run_dir = _record(
        store, workspace, staging, manifest, actor=actor, outcomes=outcomes, kind="plan"
    )
    clock.done(plan_stage("publish"))
    return PlanOutcome(
        row,
        run_dir,
        SolvedPlan(result, pl.DataFrame(), loads),
        previous_run,
        outcomes,
        clock.stages,
        list(month.warnings),
        versus,
        input_warnings=input_warnings,
    )


def _override_and_score(  # noqa: PLR0917  (the stage's inputs)
    req: PlanRequest,
    store: Store,
    workspace: Workspace,
    households: pl.DataFrame,
    workers: pl.DataFrame,
    clock: _Clock,
    only: set[str] | None = None,
    version: int | None = None,
) -> tuple[list[Override], AppliedOverrides, Scored]:
    """The overrides and score stages: the standing overrides applied (all of them - one whose
    household is gone is reported - or, for an amendment, those of the households ``only``),
    then every household scored with the champion, or model ``version`` (corrected data,
    tier overrides)."""
    day = first_day(req.month)
    standing = [
        as_override(o)
        for o in store.list_overrides(active_on=day)
        if only is None or o.household_id in only
    ]
    applied = apply_overrides(standing, households, workers, on=day)
    clock.done(plan_stage("overrides"))
    scored = score_frame(
        applied.households,
        overrides=applied.tier_overrides,
        version=version,
        home=workspace.root,
        policy_path=req.policy_path,
        mlflow_uri=req.mlflow_uri,
        source=str(req.data),
    )
    clock.done(plan_stage("score"))
    return standing, applied, scored


def _assign_inputs(
    applied: AppliedOverrides,
    scores: pl.DataFrame,
    inputs: Inputs,
    previous: pl.DataFrame | None,
    model_version: str,
) -> AssignInputs:
    """The solver's inputs: corrected households with their final tier and risk, workers,
    the previous assignment, conflicts, and the standing pins and forbids."""
    hh = applied.households
    tiers = scores.select(
        pl.col("household_id").cast(pl.String),
        pl.col("final_tier").cast(pl.Int8).alias("tier"),
        pl.col("p_tier1").cast(pl.Float64).fill_null(0.0).alias("risk"),
    )
    conflicts = inputs.conflicts
    return AssignInputs(
        households=hh.join(tiers, on="household_id", how="inner"),
        workers=inputs.workers,
        previous=previous,
        conflicts=conflicts if conflicts.height else None,
        pins=applied.pins,
        forbids=applied.forbids,
        model_version=model_version,
    )


def inputs_files(data: Path) -> dict[str, Path | None]:
    """The month's input files (those present), for the run's provenance hashes."""
    return {
        name: find_table(data, name)
        for name in ("households", "workers", "previous_assignment", "conflicts")
    }


def _provenance(
    req: PlanRequest,
    files: dict[str, Path | None],
    model_version: int | str | None,
    previous_run: RunRow | None,
) -> Provenance:
    return Provenance(
        policy_text=policy_text(req.policy_path),
        input_files=files,
        model_version=None if model_version is None else str(model_version),
        month=req.month,
        created_by=current_actor(req.actor),
        previous_run_id=None if previous_run is None else previous_run.run_id,
    )


def _check(
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
    _refuse(violations)


def _refuse(violations: list[Violation]) -> None:
    """Refuse the publication when the independent check found any violation."""
    if violations:
        summary = summarize_violations(violations)
        lines = [f"{r[0]}: {r[1]}" for r in summary.head(10).iter_rows()]
        raise PlanRefusedError(
            f"方案未通过独立校验, 未发布 (the independent check found {len(violations)} "
            "violation(s); the plan was NOT published):\n  " + "\n  ".join(lines)
        )


def _outcomes(
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


def _with_notes(explanations: pl.DataFrame, notes: dict[str, list[str]]) -> pl.DataFrame:
    """The explanations with an ``overrides`` column: what supervisors' overrides did here."""
    frame = pl.DataFrame(
        {"household_id": list(notes), "overrides": ["; ".join(v) for v in notes.values()]},
        schema={"household_id": pl.String, "overrides": pl.String},
    )
    return explanations.join(frame, on="household_id", how="left", maintain_order="left")


def _publish(
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
    manifest = DirectoryRunWriter(staging).write(content)
    return _record(
        store,
        workspace,
        staging,
        manifest,
        actor=actor,
        outcomes=outcomes,
        kind=kind,
        parent_run_id=parent_run_id,
    )


def _record(
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


# --------------------------------------------------------------------------- amendments


def _amend(  # noqa: PLR0917
    req: PlanRequest,
    store: Store,
    workspace: Workspace,
    actor: str,
    clock: _Clock,
    executor: Executor,
) -> PlanOutcome:
    current = store.current_run(req.month)
    if current is None:
        raise PlanFileError(
            f"本月尚无已发布方案 (month {req.month} has no published run to amend; run "
            f"`visit-planner plan --month {req.month} --data DIR` first)"
        )
    base_dir = workspace.root / current.path
    req = replace(req, policy_path=_months_policy(req.policy_path, base_dir, current))
    base = RunReader(base_dir)
    known = set(base.townships())
    named = sorted(set(req.amend_townships))
    missing = [t for t in named if t not in known]
    if missing:
        raise PlanFileError(
            f"乡镇不在本月方案中 (township(s) {', '.join(missing)} are not in run "
            f"{current.run_id[:12]} of {req.month})"
        )
    inputs = _named_townships(req.data, workspace.runs_dir / req.month, named)
    hh = inputs.households
    clock.done(plan_stage("validate"))
    settings = settings_from_policy(load_policy(req.policy_path))
    ids = set(hh["household_id"].to_list())
    standing, applied, scored = _override_and_score(
        req, store, workspace, hh, inputs.workers, clock, only=ids, version=_months_model(current)
    )
    previous = (
        pl.concat([base.plan(tw) for tw in named])
        .filter(pl.col("worker_id").is_not_null())
        .select("household_id", "worker_id", pl.lit(req.month).alias("month"))
    )
    conflicts = inputs.conflicts.filter(pl.col("household_id").is_in(list(ids)))
    local = replace(inputs, conflicts=conflicts)
    assign_inputs = _assign_inputs(
        applied, scored.scores, local, previous, str(scored.model_version)
    )
    solved = solve_and_explain(
        assign_inputs,
        settings,
        options=solver_options(req.time_limit),
        townships=named,
        processes=req.processes,
        executor=executor,
    )
    clock.done(plan_stage("assign"))
    _check(solved, assign_inputs, settings, townships=named)
    clock.done(plan_stage("check"))
    outcomes, notes = _outcomes(standing, applied, solved.result)
    content = _amended_content(
        base,
        named,
        solved=solved,
        inputs=assign_inputs,
        scores=scored.scores,
        notes=notes,
        provenance=_provenance(req, inputs_files(req.data), scored.model_version, None),
    )
    versus = _versus(workspace, current, content.plan)
    content = replace(content, metrics=_with_churn(content.metrics, versus))
    run, run_dir = _publish(
        store,
        workspace,
        content,
        req.month,
        actor=actor,
        outcomes=outcomes,
        kind="amend",
        parent_run_id=current.run_id,
    )
    clock.done(plan_stage("publish"))
    return PlanOutcome(
        run,
        run_dir,
        solved,
        current,
        outcomes,
        clock.stages,
        list(scored.warnings),
        versus,
        input_warnings=inputs.warnings,
    )


def _months_policy(given: Path | None, run_dir: Path, run: RunRow) -> Path:
    """The policy an amendment solves and scores under: the one the month's current run was
    made with (``policy.toml`` in its folder), whatever ``--policy`` is or is not given.

    The townships an amendment carries over were made under that policy; re-solving the
    named ones under another would publish a run that breaks its own policy (with the
    built-in one, where the month was planned with a file, `check-plan` found 1,208
    violations). A ``--policy`` that differs from it is refused: a policy change is a new
    plan of the month. Policies are compared as parsed, so formatting and comments do not
    count.
    """
    stored = run_dir / "policy.toml"
    if given is not None and load_policy(given) != load_policy(stored):
        raise PlanFileError(
            f"--policy {given}: 修订沿用本月方案的政策; 更改政策须重新编制本月方案 (differs "
            f"from the policy of the month's current run {run.run_id[:12]}, {run.month} "
            f"v{run.version}; an amendment re-solves townships under the month's own policy; "
            "to change the policy, plan the month again)"
        )
    return stored


def _months_model(run: RunRow) -> int | None:
    """The model version an amendment scores with: the one the month's current run was
    scored with, not a champion promoted since, so that the run it publishes is scored by
    one model (its manifest names one). None (the champion) for a run that names none."""
    if run.model_version is None or not run.model_version.isdigit():
        return None
    return int(run.model_version)


def _named_townships(data: Path, runs_dir: Path, named: list[str]) -> Inputs:
    """The month's inputs validated as ``plan`` validates them (the households in chunks, in
    a work directory removed afterwards), with the households of the ``named`` townships
    only."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(runs_dir)
    work = WorkDir(staging.with_name(staging.name + "-work"))
    try:
        streamed = stream_inputs(data, work.root / INPUT_KIND, AMEND_CHUNK_ROWS)
        households = streamed.households.filter(pl.col("township_id").is_in(named))
    finally:
        work.remove()
    return Inputs(
        households,
        streamed.workers,
        streamed.previous_assignment,
        streamed.conflicts,
        streamed.warnings,
        places=streamed.places,
    )


def _versus(
    workspace: Workspace, before: RunRow | None, plan: pl.DataFrame
) -> dict[str, float] | None:
    """Churn, coverage and tier changes of ``plan`` against the run ``before`` (totals); of
    the earlier plan only the columns the comparison needs are read."""
    if before is None:
        return None
    old = pl.read_parquet(
        workspace.root / before.path / "plan.parquet",
        columns=["household_id", "worker_id", "tier", "township_id"],
    )
    return diff_totals(diff_plans(old, plan))


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


def _with_churn(
    metrics: Mapping[str, object], versus: dict[str, float] | None
) -> dict[str, object]:
    """The headline metrics with the churn against the previous run, where there is one."""
    out = dict(metrics)
    if versus is not None:
        out["churn_tier_unchanged"] = versus["churn_tier_unchanged"]
        out["worker_changed"] = int(versus["worker_changed"])
        out["tier_changed"] = int(versus["tier_changed"])
    return out


def _replace_rows(base: pl.DataFrame, new: pl.DataFrame, key: str, drop: pl.Expr) -> pl.DataFrame:
    """``base`` without the rows ``drop`` selects, plus ``new`` (same columns), sorted by key."""
    kept = base.filter(~drop)
    return pl.concat([kept, new.select(kept.columns)], how="vertical_relaxed").sort(key)


def _amended_content(
    base: RunReader,
    named: list[str],
    *,
    solved: SolvedPlan,
    inputs: AssignInputs,
    scores: pl.DataFrame | None,
    notes: dict[str, list[str]],
    provenance: Provenance,
) -> RunContent:
    """The whole-run frames of the base run with the named townships replaced; the other
    townships' folders are carried over byte for byte."""
    in_named = pl.col("township_id").is_in(named)
    root = base.root
    plan = _replace_rows(
        pl.read_parquet(root / "plan.parquet"), solved.result.plan, "household_id", in_named
    )
    diagnostics = _replace_rows(
        base.diagnostics(), solved.result.diagnostics, "township_id", in_named
    )
    explanations = _replace_rows(
        pl.read_parquet(root / "explanations.parquet"),
        _with_notes(solved.explanations, notes),
        "household_id",
        in_named,
    )
    loads = pl.read_parquet(root / "worker_loads.parquet")
    new_loads = solved.worker_loads.filter(in_named)
    loads = _replace_rows(loads, new_loads, "worker_id", in_named)
    whole_scores = root / "scores.parquet"
    if scores is not None and whole_scores.is_file():
        old = pl.read_parquet(whole_scores)
        named_ids = solved.result.plan["household_id"].implode()
        scores = _replace_rows(old, scores, "household_id", pl.col("household_id").is_in(named_ids))
    others = frozenset(set(base.townships()) - set(named))
    result = replace(whole_run_result(solved.result, diagnostics), plan=plan)
    return replace(
        SolvedPlan(result, explanations, loads).content(inputs, provenance, named),
        scores=scores,
        reuse=root,
        reuse_townships=others,
    )


def publish_what_if(
    what: WhatIf,
    *,
    month: str,
    based_on: str,
    home: Path | None = None,
    store_url: str | None = None,
    actor: str | None = None,
) -> RunRow:
    """Publish a what-if (:mod:`visit_planner.whatif`) as the month's next version.

    Only capacity changes (hours, workers added or leaving) are published: they are data, and
    the township's stored inputs carry them. A cadence change is a policy change (edit the
    policy and plan the month), so it is refused here. ``based_on`` is the run the what-if
    was computed from; if the month's current run is another one by now, the what-if is stale
    and refused.
    """
    if what.changes.visits_per_month:
        raise VisitPlannerError(
            "走访频次属于政策, 请修改政策后重新计划 "
            "(a cadence change is a policy change: edit the policy file and plan the month)"
        )
    workspace = resolve_workspace(home).ensure()
    who = current_actor(actor)
    with Store.for_workspace(workspace, store_url) as store, store.month_lock(month):
        current = store.current_run(month)
        if current is None or current.run_id != based_on:
            raise VisitPlannerError(
                f"方案已更新, 请重新试算 (the what-if was computed on run {based_on[:12]}, but "
                f"{month}'s current run is {'none' if current is None else current.run_id[:12]} "
                "now: compute it again)"
            )
        base = RunReader(workspace.root / current.path)
        tw = what.township_id
        content = _amended_content(
            base,
            [tw],
            solved=what.solved,
            inputs=what.inputs,
            scores=base.scores(tw),
            notes={},
            provenance=Provenance(
                policy_text=(base.root / "policy.toml").read_text("utf-8"),
                month=month,
                created_by=who,
                model_version=current.model_version,
                previous_run_id=current.run_id,
            ),
        )
        versus = _versus(workspace, current, content.plan)
        content = replace(
            content,
            metrics={**_with_churn(content.metrics, versus), "what_if": what.changes.describe()},
        )
        run, _ = _publish(
            store,
            workspace,
            content,
            month,
            actor=who,
            outcomes=[],
            kind="amend",
            parent_run_id=current.run_id,
        )
    return run

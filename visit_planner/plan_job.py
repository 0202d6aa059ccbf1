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

``--amend --township T`` (re-solve only the named townships of the month's current run) is
:mod:`visit_planner.amend_job`; what the two share (the request and outcome, the stage clock,
the independent check, publishing and recording the run) is :mod:`visit_planner.plan_steps`.

The whole command holds the store's lock of the month, so two ``plan`` runs of one month never
interleave: the second is refused with the month and the holder named.

The work directory holds the validated households (sensitive fields included) while the month
is planned. It is removed when the command ends, also on Ctrl-C and SIGTERM (raised as
exceptions that unwind the command). A ``SIGKILL`` (or a power loss) runs no clean-up: every
``plan`` therefore first removes what killed runs left, of its own month and of every other
month whose lock it can take (:func:`visit_planner.interrupted.clear_interrupted_runs`),
each month in a one-line notice, printed at once (also when the plan then fails).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import polars as pl

from assignment.executor import Executor
from visit_planner.actor import current_actor
from visit_planner.amend_job import amend
from visit_planner.assign_job import SolvedPlan, headline_metrics, solver_options
from visit_planner.contracts.places import read_places_beside
from visit_planner.contracts.stream import stream_inputs
from visit_planner.contracts.tables import check_tables_present
from visit_planner.errors import PlanFileError
from visit_planner.interrupted import clear_interrupted_runs
from visit_planner.job_executor import township_executor
from visit_planner.months import month_before, parse_month
from visit_planner.overrides import apply_overrides
from visit_planner.paths import Workspace, resolve_workspace
from visit_planner.plan_files import check_data_month
from visit_planner.plan_steps import (
    PlanOutcome,
    PlanRequest,
    Stage,
    StageClock,
    as_override,
    first_day,
    inputs_files,
    override_outcomes,
    record_run,
    refuse,
    run_provenance,
    unused_file_warnings,
    whole_run_result,
    with_churn,
    with_notes,
)
from visit_planner.plan_townships import (
    CHUNK_ROWS,
    INPUT_KIND,
    Checked,
    WorkDir,
    solve_townships,
    split_and_score,
    township_frames,
    whole_loads,
)
from visit_planner.policy import load_policy, settings_from_policy
from visit_planner.risk_job import scoring_context
from visit_planner.runs.continuity import (
    file_month_note,
    missing_previous_note,
    next_month_note,
)
from visit_planner.runs.diff import diff_totals_in_parts
from visit_planner.runs.reader import RunReader
from visit_planner.runs.staged import StagedRun, staging_dir
from visit_planner.store import RunRow, Store, published_run_dir
from visit_planner.vocabulary import plan_stage


def previous_from_run(
    store: Store, workspace: Workspace, month: str
) -> tuple[pl.DataFrame | None, RunRow | None]:
    """Last month's plan from the store (its current run) as a previous assignment; read
    by :class:`RunReader`, which refuses a damaged plan file, naming it and what to do."""
    prev = store.current_run(month_before(month))
    if prev is None:
        return None, None
    plan = RunReader(published_run_dir(workspace, prev), remember=False).frame(
        "plan.parquet", ["household_id", "worker_id"]
    )
    pairs = plan.filter(pl.col("worker_id").is_not_null()).with_columns(
        pl.lit(prev.month).alias("month")
    )
    return pairs, prev


def run_plan(
    req: PlanRequest,
    *,
    report: Stage | None = None,
    cleared: Callable[[str], None] | None = None,
    runner: Executor | None = None,
    waiting: Callable[[float], None] | None = None,
) -> PlanOutcome:
    """Plan (or amend) the month and publish it as a new run (see the module docstring).

    ``cleared``: told each notice of what killed runs left and this one removed, as soon as
    it is removed (``plan`` prints it at once: also when the plan then fails, e.g. on its
    data); without it the notices are the outcome's, and lost with it if the plan fails.
    ``runner``: an executor the caller opened already (the CLI opens it before importing
    this module, so that an unreachable scheduler is refused at once); else the request's.
    ``waiting``: told (the most seconds it will wait) when the month's lock is held by a
    clean-up of what killed runs left and the plan waits for it (``plan`` says so at once:
    without it, up to half a minute of silence read as a hung command)."""
    try:
        parse_month(req.month)
    except ValueError as exc:
        raise PlanFileError(f"--month: {exc}") from None
    notices = check_data_month(req.data, req.month)
    check_tables_present(req.data)  # before the workspace: a wrong --data creates nothing
    workspace = resolve_workspace(req.home).ensure()
    actor = current_actor(req.actor)
    with (
        (
            nullcontext(runner)
            if runner is not None
            else township_executor(req.executor, req.scheduler, req.processes)
        ) as executor,
        Store.for_workspace(workspace, req.store_url) as store,
        store.month_lock(req.month, waiting=waiting),
    ):
        removed = clear_interrupted_runs(store, workspace, held=req.month)
        if cleared is None:
            notices += removed
        else:
            for note in removed:
                cleared(note)
        if req.amend_townships:
            outcome = amend(req, store, workspace, actor, StageClock(report), executor)
        else:
            outcome = _plan(req, store, workspace, actor, StageClock(report), executor)
        following = next_month_note(store, workspace.root, outcome.run)
    outcome.notices[:0] = notices
    outcome.notices.extend([] if following is None else [following])
    return outcome


# --------------------------------------------------------------------------- the month


def _plan(  # noqa: PLR0917
    req: PlanRequest,
    store: Store,
    workspace: Workspace,
    actor: str,
    clock: StageClock,
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
    clock: StageClock,
    executor: Executor,
    staging: Path,
    work: WorkDir,
) -> PlanOutcome:
    """The month's stages in order, the run written in ``staging`` and the month's frames
    in ``work`` (both removed by :func:`_plan`, whatever happens)."""
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
    files = inputs_files(req.data, previous_file=previous_run is None)
    input_warnings, notices = unused_file_warnings(inputs.warnings, req.data, previous_run)
    if previous_run is None:  # the data's file, or nothing: said when it is no first month
        file = files.get("previous_assignment") if previous is not None else None
        months = inputs.previous_assignment["month"].cast(pl.String).unique().to_list()
        months = [str(m) for m in months if m is not None]
        for note in (
            missing_previous_note(store, req.month, file, months),
            file_month_note(req.month, file, months),
        ):
            notices += [] if note is None else [note]
    del inputs  # from here on, one township at a time
    shutil.rmtree(work.root / INPUT_KIND, ignore_errors=True)  # the validated chunks
    clock.done(plan_stage("score"))
    solved = solve_townships(month, previous, settings, solver_options(req.time_limit), executor)
    del previous
    clock.done(plan_stage("assign"))
    result = whole_run_result(solved.result, solved.result.diagnostics)
    outcomes, notes = override_outcomes(standing, applied, result, solved.pinned_pairs)
    loads = whole_loads(month)
    run = StagedRun(staging)
    checked = Checked()
    diagnostics = {str(r["township_id"]): r for r in result.diagnostics.iter_rows(named=True)}
    for tw in month.townships:
        frames, township_inputs = township_frames(
            month, tw, solved, loads, settings, lambda e: with_notes(e, notes), checked
        )
        if not checked.violations:  # a refused plan is not written any further
            run.add_township(tw, frames, township_inputs, diagnostics.get(tw, {}))
    clock.split([
        (plan_stage("explain"), checked.seconds.get("explain", 0.0)),
        (plan_stage("check"), checked.seconds.get("check", 0.0)),
    ])  # fmt: skip
    refuse(checked.violations)
    versus = None
    if previous_run is not None:  # the township plans against last month's, in parts
        versus = diff_totals_in_parts(
            workspace.root / previous_run.path / "plan.parquet",
            [month.work.path("plan", tw) for tw in month.townships],
            sum(month.sizes.values()),
        )
    metrics = headline_metrics(result, checked.tiers)
    provenance = run_provenance(req, files, month.model_version, previous_run)
    households_file = files.get("households")
    manifest = run.finish(
        diagnostics=result.diagnostics,
        worker_loads=loads,
        provenance=provenance,
        metrics=with_churn(metrics, versus),
        places=None if households_file is None else read_places_beside(households_file),
    )
    row, run_dir = record_run(
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
        notices,
        input_warnings=input_warnings,
    )

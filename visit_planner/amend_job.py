"""A mid-month amendment: ``visit-planner plan --month M --data DIR --amend --township T``.

The named townships of the month's current run are re-solved with today's data and overrides,
under the month's own policy and model, with that run's plan as their previous assignment
(minimal churn); every other township's files are carried over byte for byte, and the result
is published as the month's next version (kind ``amend``, the current run its parent).
:func:`visit_planner.plan_job.run_plan` calls :func:`amend` with the month's lock held;
:mod:`visit_planner.whatif_publish` publishes a what-if through :func:`amended_content` too.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl

from assignment.domain import AssignmentSettings
from assignment.executor import Executor
from assignment.inputs import check_policy_counties
from visit_planner.assign_job import AssignInputs, SolvedPlan, solve_and_explain, solver_options
from visit_planner.contracts.stream import stream_inputs
from visit_planner.contracts.tables import Inputs
from visit_planner.errors import PlanFileError
from visit_planner.overrides import AppliedOverrides, Outcome, Override, apply_overrides
from visit_planner.paths import Workspace
from visit_planner.plan_steps import (
    PlanOutcome,
    PlanRequest,
    StageClock,
    as_override,
    check_solved,
    first_day,
    inputs_files,
    override_outcomes,
    publish_run,
    run_provenance,
    unused_file_warnings,
    whole_run_result,
    with_churn,
    with_notes,
)
from visit_planner.plan_townships import CHUNK_ROWS, INPUT_KIND, WorkDir
from visit_planner.policy import load_policy, settings_from_policy
from visit_planner.risk_job import Scored, score_frame
from visit_planner.runs import Provenance, RunContent, RunReader, diff_plans, diff_totals
from visit_planner.runs.reader import POLICY_FILE
from visit_planner.runs.staged import staging_dir
from visit_planner.runs.townships import township_codes
from visit_planner.runs.writer import carried_files
from visit_planner.store import RunRow, Store, published_run_dir
from visit_planner.vocabulary import plan_stage

AMEND_CHUNK_ROWS = 4 * CHUNK_ROWS
"""Households per chunk when an amendment validates the month's inputs. The rules and their
messages do not depend on the chunks (:mod:`visit_planner.contracts.stream` merges them into
the whole table's; ``tests/visit_planner/test_amend_job.py`` compares), but each chunk costs
pandera the same fixed price (a query per column rule), and at ``plan``'s :data:`CHUNK_ROWS`
that price was much of an amendment's validation. A chunk four times larger is held while it
is checked; an amendment holds more than that later anyway (the run-wide frames it
publishes). ``plan`` keeps :data:`CHUNK_ROWS`, which bounds the peak of a whole month."""

BASE_FRAMES = ("plan.parquet", "explanations.parquet", "worker_loads.parquet", "scores.parquet")
"""The month's run's whole-run files an amendment carries its other townships' rows of
(:func:`amended_content`), read through the run's reader."""

POLICY_UNKNOWN_COUNTY = "policy_unknown_county"
"""The kind of the solver's input issue of :func:`assignment.inputs.check_policy_counties`."""


def amend(  # noqa: PLR0917
    req: PlanRequest,
    store: Store,
    workspace: Workspace,
    actor: str,
    clock: StageClock,
    executor: Executor,
) -> PlanOutcome:
    """Re-solve ``req.amend_townships`` of the month's current run and publish the month's
    next version (see the module docstring); called with the month's lock held."""
    current = store.current_run(req.month)
    if current is None:
        raise PlanFileError(
            f"{req.month} 尚无已发布方案, 无可修订 (month {req.month} has no published run to "
            "amend; run "
            f"`visit-planner plan --month {req.month} --data DIR` first)"
        )
    base_dir = published_run_dir(workspace, current)
    base = RunReader(base_dir)  # every file of the month's run read through it, checked
    req = replace(req, policy_path=_months_policy(req.policy_path, base, current))
    named = township_codes(
        req.amend_townships,
        base.townships(),
        base.places(),
        f"{current.run_id[:12]} of {req.month}",
    )
    carried_files(base_dir, set(base.townships()) - set(named))  # intact, before any work
    base.require_intact(*BASE_FRAMES)  # read after the re-solve (amended_content): check now
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
    solved = _month_county_issues(solved, settings, inputs.workers)
    clock.done(plan_stage("assign"))
    check_solved(solved, assign_inputs, settings, townships=named)
    clock.done(plan_stage("check"))
    outcomes, notes = override_outcomes(standing, applied, solved.result)
    content = amended_content(
        base,
        named,
        solved=solved,
        inputs=assign_inputs,
        scores=scored.scores,
        notes=notes,
        provenance=run_provenance(
            req, inputs_files(req.data, previous_file=False), scored.model_version, None
        ),
    )
    versus = versus_run(workspace, current, content.plan, run=base)
    content = replace(content, metrics=with_churn(content.metrics, versus))
    run, run_dir = publish_run(
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
    input_warnings, notices = unused_file_warnings(inputs.warnings, req.data, current)
    return PlanOutcome(
        run,
        run_dir,
        whole_run_solved(solved, content),
        current,
        whole_run_outcomes(store, run.run_id),
        clock.stages,
        list(scored.warnings),
        versus,
        notices,
        input_warnings=input_warnings,
        amended=tuple(named),
    )


def _month_county_issues(
    solved: SolvedPlan, settings: AssignmentSettings, workers: pl.DataFrame
) -> SolvedPlan:
    """``solved`` with the policy's unknown road-factor counties checked against the whole
    month's counties (``workers``: the month's, every township's), as ``plan`` checks them.

    The solver checks them against the households it is given, which for an amendment are
    the named townships' only: amending one township of 锦屏镇 named every other county of
    the policy's ``travel.road_factor_by_county`` (西畴县, 麻栗坡县, 富宁县) as a code that is
    no county of the data, a typo that is not there."""
    issues = tuple(i for i in solved.result.issues if i.kind != POLICY_UNKNOWN_COUNTY)
    issues += tuple(check_policy_counties(settings, workers["county_id"]))
    return replace(solved, result=replace(solved.result, issues=issues))


def whole_run_solved(solved: SolvedPlan, content: RunContent) -> SolvedPlan:
    """The amendment's outcome as the run it publishes: the re-solved townships' ``solved``
    with the whole run's plan, diagnostics, explanations and loads (the solver's input
    issues stay the re-solve's). ``plan`` reports what it publishes; with the re-solve's
    diagnostics alone an amendment said "tier-1 coverage proven maximal in 1 of 1
    townships" under the whole run's tier table, and a carried-over township's shortfall
    (the run's exit 3) went unnamed."""
    result = replace(whole_run_result(solved.result, content.diagnostics), plan=content.plan)
    return SolvedPlan(result, content.explanations, content.worker_loads)


def _months_policy(given: Path | None, base: RunReader, run: RunRow) -> Path:
    """The policy an amendment solves and scores under: the one the month's current run was
    made with (``policy.toml`` in its folder), whatever ``--policy`` is or is not given.

    The townships an amendment carries over were made under that policy; re-solving the
    named ones under another would publish a run that breaks its own policy (with the
    built-in one, where the month was planned with a file, `check-plan` found 1,208
    violations). A ``--policy`` that differs from it is refused: a policy change is a new
    plan of the month. Policies are compared as parsed, so formatting and comments do not
    count. The run's policy text is read through its reader: one changed since the run was
    written is refused (:attr:`RunReader.policy`), never solved under.
    """
    stored = base.policy  # checked against the manifest's policy_sha256
    if given is not None and load_policy(given) != stored:
        raise PlanFileError(
            f"--policy {given}: 修订沿用本月方案的政策; 更改政策须重新编制本月方案 (differs "
            f"from the policy of the month's current run {run.run_id[:12]}, {run.month} "
            f"v{run.version}; an amendment re-solves townships under the month's own policy; "
            "to change the policy, plan the month again)"
        )
    return base.root / POLICY_FILE


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


def _override_and_score(  # noqa: PLR0917  (the stage's inputs)
    req: PlanRequest,
    store: Store,
    workspace: Workspace,
    households: pl.DataFrame,
    workers: pl.DataFrame,
    clock: StageClock,
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


def versus_run(
    workspace: Workspace,
    before: RunRow | None,
    plan: pl.DataFrame,
    *,
    run: RunReader | None = None,
) -> dict[str, float] | None:
    """Churn, coverage and tier changes of ``plan`` against the run ``before`` (totals); of
    the earlier plan only the columns the comparison needs are read, through ``run`` (the
    reader of ``before``'s directory, when the caller holds one: its files are hashed once)
    or a reader of its own (a damaged plan is refused, never compared)."""
    if before is None:
        return None
    if run is None:
        run = RunReader(workspace.root / before.path, remember=False)
    old = run.frame("plan.parquet", ["household_id", "worker_id", "tier", "township_id"])
    return diff_totals(diff_plans(old, plan))


def _replace_rows(base: pl.DataFrame, new: pl.DataFrame, key: str, drop: pl.Expr) -> pl.DataFrame:
    """``base`` without the rows ``drop`` selects, plus ``new``, sorted by key; in ``base``'s
    columns, then any that only ``new`` has. A column one side lacks is null in its rows:
    the diagnostics of a township solved without any worker have no LP figures (there was
    no LP), and an amendment of such a township failed on them with a traceback."""
    kept = base.filter(~drop)
    return pl.concat([kept, new], how="diagonal_relaxed").sort(key)


def whole_run_outcomes(store: Store, run_id: str) -> list[Outcome]:
    """The overrides' outcomes in the published amendment, as the store records them: the
    re-solved townships' and, carried over with their townships, the parent's others. The
    summary said only the re-solved townships' ('0 已生效 applied, 0 未生效 not applied' for
    an amendment of a township without overrides, while the run carried the month's)."""
    return [Outcome(o.override_id, o.outcome, o.reason or "") for o in store.outcomes(run_id)]


def amended_content(
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
    townships' folders are carried over byte for byte. Its provenance names the base run as
    the parent (id and plan hash, from the base's own manifest) and the ``named`` townships
    as re-solved, so that the amendment's manifest says which published plan it replaced,
    and where."""
    in_named = pl.col("township_id").is_in(named)
    root = base.root
    plan = _replace_rows(base.frame("plan.parquet"), solved.result.plan, "household_id", in_named)
    diagnostics = _replace_rows(
        base.diagnostics(), solved.result.diagnostics, "township_id", in_named
    )
    explanations = _replace_rows(
        base.frame("explanations.parquet"),
        with_notes(solved.explanations, notes),
        "household_id",
        in_named,
    )
    loads = base.frame("worker_loads.parquet")
    new_loads = solved.worker_loads.filter(in_named)
    loads = _replace_rows(loads, new_loads, "worker_id", in_named)
    old = None if scores is None else base.frame_if_any("scores.parquet")
    if scores is not None and old is not None:
        named_ids = solved.result.plan["household_id"].implode()
        scores = _replace_rows(old, scores, "household_id", pl.col("household_id").is_in(named_ids))
    others = frozenset(set(base.townships()) - set(named))
    result = replace(whole_run_result(solved.result, diagnostics), plan=plan)
    provenance = replace(
        provenance,
        parent_run_id=base.manifest.run_id,
        parent_plan_sha256=base.manifest.plan_sha256,
        amended_townships=tuple(named),
    )
    return replace(
        SolvedPlan(result, explanations, loads).content(inputs, provenance, named),
        scores=scores,
        reuse=root,
        reuse_townships=others,
    )

"""The ``assign`` job: Policy -> AssignmentSettings, read inputs, solve, write atomically.

I/O lives here, at the edge; :mod:`assignment` only sees frames and plain settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from assignment.domain import AssignmentSettings, PlanInputs
from assignment.executor import Executor
from assignment.explain import explain_plan
from assignment.inputs import binding_pins
from assignment.plan import PrefectureResult, TownshipResult, solve_prefecture
from assignment.solver.options import SolverOptions
from visit_planner.check_plan_job import township_ids
from visit_planner.contracts import Problem
from visit_planner.job_executor import township_executor
from visit_planner.outputs import check_output_dir
from visit_planner.plan_files import PlanFileError, PlanPaths
from visit_planner.policy import load_policy, policy_text, settings_from_policy
from visit_planner.previous_run import PreviousRun, read_inputs
from visit_planner.runs import DirectoryRunWriter, Provenance, RunContent, RunManifest

EXIT_TIER1_UNCOVERED = 3
"""``assign`` exit code when a tier-1 household is left uncovered (the plan is still written)."""
EXIT_TOWNSHIP_FAILED = 5
"""``assign`` exit code when a township's solve failed (reported; its households unassigned)."""


@dataclass(frozen=True)
class AssignInputs:
    """Frames ready for :func:`assignment.plan.solve_prefecture`."""

    households: pl.DataFrame  # contract columns + tier (final tier) + risk (p_tier1)
    workers: pl.DataFrame
    previous: pl.DataFrame | None
    conflicts: pl.DataFrame | None
    pins: pl.DataFrame | None
    forbids: pl.DataFrame | None
    model_version: str | None = None  # the scores' model version(s), when they carry one
    warnings: tuple[Problem, ...] = ()  # reading the files (columns outside a contract, ...)
    # each table's content fingerprint, for the run's manifest (PlanTables.fingerprints)
    fingerprints: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # the run whose plan is the previous assignment (--previous RUN or its plan file)
    previous_run: PreviousRun | None = None

    def plan_inputs(self) -> PlanInputs:
        """The same inputs in the form the validator and the explainer take."""
        return PlanInputs(
            households=self.households,
            workers=self.workers,
            scores=self.households.select(
                "household_id", pl.col("tier").alias("final_tier"), pl.col("risk").alias("p_tier1")
            ),
            previous=self.previous,
            conflicts=self.conflicts,
            pins=self.pins,
            forbids=self.forbids,
        )


def _first(ids: pl.Series, n: int = 5) -> str:
    head = ", ".join(ids.sort().head(n).to_list())
    return head + (" …" if ids.len() > n else "")


def check_scores_match(households: pl.DataFrame, scores: pl.DataFrame, paths: PlanPaths) -> None:
    """Refuse a households table without rows, and scores that do not belong to it (e.g. of
    another prefecture or month): every household needs its score, every score its household.
    Never a plan that silently leaves households out."""
    if households.height == 0:
        raise PlanFileError(f"{paths.households}: 没有农户 (the households table has no rows)")
    no_household = scores.join(households.select("household_id"), on="household_id", how="anti")
    no_score = households.join(scores.select("household_id"), on="household_id", how="anti")
    problems = []
    if no_household.height:
        problems.append(
            f"评分对应的农户不存在 ({no_household.height:,} score(s) for households not in "
            f"{paths.households.name}, e.g. {_first(no_household['household_id'])})"
        )
    if no_score.height:
        problems.append(
            f"农户缺少评分 ({no_score.height:,} household(s) without a score in "
            f"{paths.scores.name}, e.g. {_first(no_score['household_id'])})"
        )
    if problems:
        raise PlanFileError(
            f"{paths.scores}: 评分与农户数据不一致 (the scores do not match the households file "
            f"{paths.households}; were they scored from the same data?): " + "; ".join(problems)
        )


def load_assign_inputs(paths: PlanPaths) -> AssignInputs:
    """Read and check every input through its contract (the problems of every file raised
    together), then that the scores belong to the households. ``paths.previous`` may also
    name a run (its directory or plan file): its plan is the previous assignment."""
    tables, previous_run = read_inputs(paths)
    scores = tables.tier_and_risk()
    versions = sorted(str(v) for v in tables.scores["model_version"].drop_nulls().unique())
    check_scores_match(tables.households, scores, paths)
    hh = tables.households.join(scores, on="household_id", how="inner")
    return AssignInputs(
        households=hh,
        workers=tables.workers,
        previous=tables.previous,
        conflicts=tables.conflicts,
        pins=tables.pins,
        forbids=tables.forbids,
        model_version=",".join(versions) or None,
        warnings=tables.warnings,
        fingerprints=tables.fingerprints(),
        previous_run=previous_run,
    )


@dataclass(frozen=True)
class SolvedPlan:
    """A solved and explained plan, before it is written anywhere."""

    result: PrefectureResult
    explanations: pl.DataFrame
    worker_loads: pl.DataFrame

    def content(
        self, inputs: AssignInputs, provenance: Provenance, townships: list[str] | None = None
    ) -> RunContent:
        """What a run writer stores: outputs, the planned townships' inputs, provenance."""
        planned = inputs.households
        if townships:
            planned = planned.filter(pl.col("township_id").is_in(townships))
        return RunContent(
            plan=self.result.plan,
            diagnostics=self.result.diagnostics,
            explanations=self.explanations,
            worker_loads=self.worker_loads,
            inputs={
                "households": planned,
                "workers": inputs.workers,
                "previous": inputs.previous,
                "conflicts": inputs.conflicts,
                "pins": inputs.pins,
                "forbids": inputs.forbids,
            },
            provenance=provenance,
            metrics=headline_metrics(self.result),
        )


def solver_options(time_limit: float | None) -> SolverOptions:
    """The solver's options; ``time_limit`` (seconds) caps the LP and the repair MIP."""
    if time_limit is None:
        return SolverOptions()
    return SolverOptions(repair_time_limit=time_limit, lp_time_limit=time_limit)


def solve_and_explain(
    inputs: AssignInputs,
    settings: AssignmentSettings,
    *,
    options: SolverOptions | None = None,
    townships: list[str] | None = None,
    processes: int | None = None,
    progress: Callable[[TownshipResult], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> SolvedPlan:
    """Solve every (or the named) township and explain every household: frames in, frames out.

    ``executor`` runs the township solves (default: ``processes`` local processes)."""
    if townships:
        known = set(inputs.households["township_id"].unique().to_list())
        missing = sorted(set(townships) - known)
        if missing:
            raise PlanFileError(f"乡镇不存在 (unknown township id(s): {', '.join(missing)})")
    if on_total is not None:
        hh = inputs.households
        if townships:
            hh = hh.filter(pl.col("township_id").is_in(townships))
        on_total(hh["township_id"].n_unique())
    result = solve_prefecture(
        inputs.households,
        inputs.workers,
        settings,
        previous=inputs.previous,
        conflicts=inputs.conflicts,
        pins=inputs.pins,
        forbids=inputs.forbids,
        options=options,
        townships=townships,
        processes=processes,
        progress=progress,
        executor=executor,
    )
    explained = with_binding_pins(inputs, settings).plan_inputs()
    explanations, loads = explain_plan(
        result.plan, None, explained, settings, thresholds=result.thresholds
    )
    return SolvedPlan(result, explanations, loads)


def with_binding_pins(inputs: AssignInputs, settings: AssignmentSettings) -> AssignInputs:
    """``inputs`` with only the pins the plan must honour (the solver's rule,
    :func:`assignment.inputs.binding_pins`). A pin the solve released (forbidden, of a role or
    place the worker may not serve, beyond capacity, ...) is named among its input issues; it
    must not read as a pin afterwards, in the explanations ("a supervisor pinned another
    worker", "breaks a supervisor's pin") or in the inputs a run keeps for ``explain --run``."""
    if inputs.pins is None or inputs.pins.height == 0:
        return inputs
    pins, _ = binding_pins(
        inputs.pins,
        inputs.households,
        inputs.workers,
        inputs.previous,
        inputs.conflicts,
        inputs.forbids,
        settings,
    )
    return replace(inputs, pins=pins)


def run_assign(
    paths: PlanPaths,
    policy_path: Path | None,
    out: Path,
    *,
    time_limit: float | None = None,
    townships: list[str] | None = None,
    processes: int | None = None,
    progress: Callable[[TownshipResult], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    overwrite: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    runner: Executor | None = None,
) -> tuple[PrefectureResult, AssignInputs, RunManifest]:
    """Solve, explain and write the run to ``out`` (all files or none; see
    :mod:`visit_planner.runs.writer`): plan, diagnostics, explanations, worker loads, the
    township inputs, the policy text and a manifest with the input hashes.

    ``executor`` (``local`` or ``dask``, with ``scheduler`` an address or None for a loopback
    cluster) runs the township solves; it is opened before the inputs are read, so that an
    unreachable scheduler is reported at once. ``runner``: one the caller opened already
    (:func:`~visit_planner.job_executor.township_executor`, before importing this module),
    used instead and left open."""
    check_output_dir(out, overwrite=overwrite, marker="manifest.json")
    text = policy_text(policy_path)
    settings = settings_from_policy(load_policy(policy_path))
    opened = (
        township_executor(executor, scheduler, processes) if runner is None else nullcontext(runner)
    )
    with opened as open_runner:
        inputs = load_assign_inputs(paths)
        if townships:  # by code or name; one of no township of the households is refused
            townships = township_ids(townships, inputs.households, paths.households)
        solved = solve_and_explain(
            inputs,
            settings,
            options=solver_options(time_limit),
            townships=townships,
            processes=processes,
            progress=progress,
            on_total=on_total,
            executor=open_runner,
        )
    previous_run = inputs.previous_run
    provenance = Provenance(
        policy_text=text,
        input_files={
            "scores": paths.scores,
            "households": paths.households,
            "workers": paths.workers,
            # a run given as the previous assignment is recorded by its plan file
            "previous_assignment": paths.previous
            if previous_run is None
            else previous_run.plan_file,
            "conflicts": paths.conflicts,
            "pins": paths.pins,
            "forbids": paths.forbids,
        },
        input_fingerprints=inputs.fingerprints,
        model_version=inputs.model_version,
        previous_run_id=None if previous_run is None else previous_run.run_id,
    )
    # With --overwrite (checked above: our own earlier run) nothing of the old run is kept.
    writer = DirectoryRunWriter(out, replace_all=overwrite)
    manifest = writer.write(
        solved.content(with_binding_pins(inputs, settings), provenance, townships)
    )
    return solved.result, inputs, manifest


def tier_counts(plan: pl.DataFrame) -> dict[str, int]:
    """Households, and households and uncovered households by tier (``tier1_households``,
    ``tier1_uncovered``, ...) of ``plan``; counts of parts of a plan add up to the whole plan's."""
    out: dict[str, int] = {"households": plan.height}
    for t in (1, 2, 3):
        tier = plan.filter(pl.col("tier") == t)
        out[f"tier{t}_households"] = tier.height
        out[f"tier{t}_uncovered"] = int(tier["worker_id"].null_count())
    return out


def headline_metrics(
    result: PrefectureResult, tiers: Mapping[str, int] | None = None
) -> dict[str, object]:
    """The run's headline figures for its manifest: coverage by tier, travel, objective,
    bound, gap, status, seconds, failed townships (``partial`` when there is any: the plan
    is published with their households unassigned, never silently missing).

    ``tiers`` (:func:`tier_counts` summed over the townships) stands for the plan when
    ``result`` carries none (``plan`` keeps the plan in township files)."""
    plan, diag = result.plan, result.diagnostics
    counts = dict(tier_counts(plan) if tiers is None else tiers)
    out: dict[str, object] = {
        "status": result.status.value,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "seconds": round(result.seconds, 3),
        "townships": diag.height,
        "failed_townships": list(result.failed_townships),
        "partial": bool(result.failed_townships),  # some townships' households unassigned
        **counts,
    }
    if diag.height and "travel_minutes_month" in diag.columns:
        out["travel_minutes_month"] = float(diag["travel_minutes_month"].fill_null(0.0).sum())
    return out

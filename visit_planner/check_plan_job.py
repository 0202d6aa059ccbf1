"""Wiring of ``check-plan`` and ``explain``: files and the Policy in, library calls, data out.

Reads the plan, the scores, the contract inputs (through :mod:`visit_planner.contracts`),
and the optional pins / forbids; converts the Policy into the assignment package's plain
settings; calls :func:`assignment.validator.validate_plan` or the explainer. No printing here:
the CLI module lays the results out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from assignment.alternatives import alternatives
from assignment.candidates import build_candidates
from assignment.domain import PLAN_COLUMNS, PlanInputs
from assignment.errors import PlanFormatError
from assignment.explain import explain_plan
from assignment.validator import Violation, summarize_violations, validate_plan
from visit_planner.contracts import read_table
from visit_planner.hashing import file_sha256
from visit_planner.plan_files import PlanFileError, PlanPaths, read_file, read_pairs
from visit_planner.policy import Policy, settings_from_policy
from visit_planner.runs import RunManifest, RunReader
from visit_planner.runs.manifest import MANIFEST

__all__ = [
    "CheckResult",
    "ExplainResult",
    "PlanPaths",
    "explain_from_run",
    "load_plan_inputs",
    "run_check_plan",
    "run_explain",
]


@dataclass(frozen=True)
class CheckResult:
    """Outcome of ``check-plan``: every violation and the count by kind."""

    violations: list[Violation]
    summary: pl.DataFrame
    plan_rows: int

    @property
    def valid(self) -> bool:
        """True iff the plan breaks no rule."""
        return not self.violations


@dataclass(frozen=True)
class ExplainResult:
    """Outcome of ``explain`` for one household: its explanation row and ranked alternatives."""

    household: dict[str, object]
    alternatives: pl.DataFrame


def _read_plan(path: Path) -> pl.DataFrame:
    plan = read_file(path, "plan", PLAN_COLUMNS)
    try:
        return plan.with_columns(
            pl.col("household_id").cast(pl.String),
            pl.col("worker_id").cast(pl.String),
            pl.col("township_id").cast(pl.String),
            pl.col("role").cast(pl.String),
            pl.col("tier").cast(pl.Int64),
            pl.col("travel_minutes").cast(pl.Float64),
            pl.col("hours_per_month").cast(pl.Float64),
            _as_bool("kept_previous"),
            _as_bool("up_cover"),
        ).with_columns(
            # CSV writes nulls as empty strings.
            pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
            for c in ("worker_id", "role")
        )
    except pl.exceptions.PolarsError as exc:
        raise PlanFileError(f"{path}: plan column with a wrong type: {exc}") from None


def _as_bool(col: str) -> pl.Expr:
    c = pl.col(col)
    return (
        pl.when(c.cast(pl.String).str.to_lowercase().is_in(["true", "1", "t", "yes"]))
        .then(True)
        .otherwise(False)
        .alias(col)
    )


def load_plan_inputs(paths: PlanPaths) -> PlanInputs:
    """Read and check every input file; contract tables go through the contract readers."""
    households, _ = read_table(paths.households, "households")
    workers, _ = read_table(paths.workers, "workers")
    previous = read_table(paths.previous, "previous_assignment")[0] if paths.previous else None
    conflicts = read_table(paths.conflicts, "conflicts")[0] if paths.conflicts else None
    scores = read_file(paths.scores, "scores", ("household_id", "final_tier"))
    try:
        scores = scores.with_columns(
            pl.col("household_id").cast(pl.String), pl.col("final_tier").cast(pl.Int64)
        )
        if "p_tier1" in scores.columns:
            scores = scores.with_columns(pl.col("p_tier1").cast(pl.Float64))
    except pl.exceptions.PolarsError as exc:
        raise PlanFileError(f"{paths.scores}: scores column with a wrong type: {exc}") from None
    return PlanInputs(
        households=households,
        workers=workers,
        scores=scores,
        previous=previous,
        conflicts=conflicts,
        pins=read_pairs(paths.pins, "pins"),
        forbids=read_pairs(paths.forbids, "forbids"),
    )


_RECORDED = (
    ("scores", "scores", "--scores"),
    ("households", "households", "--households"),
    ("workers", "workers", "--workers"),
    ("previous_assignment", "previous", "--previous"),
    ("conflicts", "conflicts", "--conflicts"),
    ("pins", "pins", "--pins"),
    ("forbids", "forbids", "--forbids"),
)
"""(name in a run's manifest, field of PlanPaths, command-line option)."""


def check_inputs_belong(plan_path: Path, paths: PlanPaths) -> None:
    """When the plan lies in a run directory, the given files must be the ones it was made
    from (by content hash), and none it was made with may be missing: a plan judged or
    explained against other inputs gives silently wrong answers."""
    if not (plan_path.parent / MANIFEST).is_file():
        return
    recorded = RunManifest.read(plan_path.parent).inputs
    problems = []
    for name, attr, option in _RECORDED:
        given: Path | None = getattr(paths, attr)
        made_with = recorded.get(name)
        if made_with is None:
            continue
        if given is None:
            problems.append(
                f"this plan was made with a {name.replace('_', ' ')} ({made_with['path']}); "
                f"pass it with {option} (方案生成时使用了该文件, 请提供)"
            )
        elif given.is_file() and file_sha256(given) != made_with["sha256"]:
            problems.append(
                f"{given}: not the {name.replace('_', ' ')} this plan was made from "
                f"({made_with['path']}; content differs) (与生成方案时的文件不一致)"
            )
    if problems:
        raise PlanFileError(f"{plan_path}: " + "; ".join(problems))


def run_check_plan(
    plan_path: Path,
    paths: PlanPaths,
    policy: Policy,
    *,
    townships: Collection[str] | None = None,
) -> CheckResult:
    """Validate the plan at ``plan_path`` against the inputs and the policy."""
    plan = _read_plan(plan_path)
    check_inputs_belong(plan_path, paths)
    inputs = load_plan_inputs(paths)
    try:
        violations = validate_plan(
            plan, inputs, settings_from_policy(policy), townships=townships or None
        )
    except PlanFormatError as exc:
        raise PlanFileError(f"{plan_path}: {exc}") from None
    return CheckResult(violations, summarize_violations(violations), plan.height)


def run_explain(
    plan_path: Path, paths: PlanPaths, policy: Policy, household_id: str
) -> ExplainResult:
    """Explain one household: its reason row and its ranked alternative workers.

    Candidates are built for the household's township only (townships are independent).
    """
    plan = _read_plan(plan_path)
    check_inputs_belong(plan_path, paths)
    inputs = load_plan_inputs(paths)
    settings = settings_from_policy(policy)
    row = plan.filter(pl.col("household_id") == household_id)
    if row.height == 0:
        raise PlanFileError(f"{plan_path}: household {household_id!r} is not in the plan")
    township = row["township_id"][0]
    hh = inputs.households.filter(pl.col("township_id") == township)
    local_plan = plan.filter(pl.col("household_id").is_in(hh["household_id"].implode()))
    risk = pl.col("p_tier1") if "p_tier1" in inputs.scores.columns else pl.lit(0.0)
    hh_scored = hh.join(
        inputs.scores.select("household_id", pl.col("final_tier").cast(pl.Int8).alias("tier"),
                             risk.alias("risk")),
        on="household_id", how="inner",
    ).filter(pl.col("tier").is_in([1, 2, 3]))  # fmt: skip
    workers = inputs.workers.filter(pl.col("township_id") == township)
    candidates = build_candidates(
        hh_scored, workers, inputs.previous, inputs.conflicts, settings, inputs.pins,
        inputs.forbids,
    )  # fmt: skip
    one = PlanInputs(
        households=hh, workers=inputs.workers, scores=inputs.scores, previous=inputs.previous,
        conflicts=inputs.conflicts, pins=inputs.pins, forbids=inputs.forbids,
    )  # fmt: skip
    # Loads (for "at capacity") come from the whole township's plan.
    expl, _ = explain_plan(local_plan, None, one, settings)
    expl = expl.filter(pl.col("household_id") == household_id)
    alts = alternatives(household_id, local_plan, candidates, one, settings)
    return ExplainResult(expl.row(0, named=True), alts)


def explain_from_run(run: Path, household_id: str) -> ExplainResult:
    """Explain one household from a run directory: its township's files and the run's policy
    only (see :class:`visit_planner.runs.RunReader`)."""
    reader = RunReader(run)
    return ExplainResult(reader.explanation(household_id), reader.alternatives(household_id))

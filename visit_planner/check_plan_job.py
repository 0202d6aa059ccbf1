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
from types import MappingProxyType

import polars as pl

from assignment.candidates import build_candidates
from assignment.domain import AssignmentSettings, Role, TierSettings
from assignment.explain import alternatives, explain_plan
from assignment.validator import (
    PLAN_COLUMNS,
    PlanFormatError,
    PlanInputs,
    Violation,
    summarize_violations,
    validate_plan,
)
from visit_planner.contracts import read_table
from visit_planner.contracts.reader import read_raw
from visit_planner.errors import VisitPlannerError
from visit_planner.policy import Policy
from visit_planner.policy import Role as PolicyRole

__all__ = [
    "CheckPlanError",
    "CheckResult",
    "ExplainResult",
    "InputPaths",
    "load_plan_inputs",
    "run_check_plan",
    "run_explain",
    "settings_from_policy",
]


class CheckPlanError(VisitPlannerError):
    """A plan, scores, pins or forbids file that cannot be used (names the file and column)."""


@dataclass(frozen=True)
class InputPaths:
    """Files a plan is checked or explained against (optional ones may be None)."""

    scores: Path
    households: Path
    workers: Path
    previous: Path | None = None
    conflicts: Path | None = None
    pins: Path | None = None
    forbids: Path | None = None


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


def settings_from_policy(policy: Policy) -> AssignmentSettings:
    """The assignment package's plain settings from the application's Policy."""
    obj = policy.objective
    return AssignmentSettings(
        tiers=MappingProxyType(
            {
                t: TierSettings(Role(p.role.value), p.visits_per_month, p.minutes_on_site)
                for t, p in policy.tiers.items()
            }
        ),
        jurisdiction=MappingProxyType(
            {Role(r.value): policy.jurisdiction.area_of(r) for r in PolicyRole}
        ),
        speed_kmh=policy.travel.speed_kmh,
        road_factor=policy.travel.road_factor,
        road_factor_by_county=MappingProxyType(dict(policy.travel.road_factor_by_county)),
        round_trip=policy.travel.round_trip,
        cadre_takes_tier2=policy.up_cover.cadre_takes_tier2,
        village_official_takes_tier3=policy.up_cover.village_official_takes_tier3,
        up_cover_penalty=policy.up_cover.penalty_minutes,
        continuity_penalty=obj.continuity_penalty_minutes,
        unassigned_penalty_tier1=obj.unassigned_penalty_tier1,
        unassigned_penalty_tier2=obj.unassigned_penalty_tier2,
        unassigned_penalty_tier3=obj.unassigned_penalty_tier3,
        balance_weight=obj.balance_weight,
    )


def _read(path: Path, name: str, required: Collection[str]) -> pl.DataFrame:
    """Read a non-contract table (plan, scores, pins, forbids) and check its columns."""
    if not path.is_file():
        raise CheckPlanError(f"{path}: file not found (找不到文件)")
    try:
        frame = read_raw(path)
    except Exception as exc:  # polars raises many kinds on corrupt files
        raise CheckPlanError(f"{path}: cannot read the {name} file: {exc}") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise CheckPlanError(
            f"{path}: the {name} file lacks column(s) {', '.join(missing)} (缺少列)"
        )
    return frame


def _read_plan(path: Path) -> pl.DataFrame:
    plan = _read(path, "plan", PLAN_COLUMNS)
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
        raise CheckPlanError(f"{path}: plan column with a wrong type: {exc}") from None


def _as_bool(col: str) -> pl.Expr:
    c = pl.col(col)
    return (
        pl.when(c.cast(pl.String).str.to_lowercase().is_in(["true", "1", "t", "yes"]))
        .then(True)
        .otherwise(False)
        .alias(col)
    )


def _read_pairs(path: Path | None, name: str) -> pl.DataFrame | None:
    if path is None:
        return None
    frame = _read(path, name, ("household_id", "worker_id"))
    return frame.select(pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String))


def load_plan_inputs(paths: InputPaths) -> PlanInputs:
    """Read and check every input file; contract tables go through the contract readers."""
    households, _ = read_table(paths.households, "households")
    workers, _ = read_table(paths.workers, "workers")
    previous = read_table(paths.previous, "previous_assignment")[0] if paths.previous else None
    conflicts = read_table(paths.conflicts, "conflicts")[0] if paths.conflicts else None
    scores = _read(paths.scores, "scores", ("household_id", "final_tier"))
    try:
        scores = scores.with_columns(
            pl.col("household_id").cast(pl.String), pl.col("final_tier").cast(pl.Int64)
        )
        if "p_tier1" in scores.columns:
            scores = scores.with_columns(pl.col("p_tier1").cast(pl.Float64))
    except pl.exceptions.PolarsError as exc:
        raise CheckPlanError(f"{paths.scores}: scores column with a wrong type: {exc}") from None
    return PlanInputs(
        households=households,
        workers=workers,
        scores=scores,
        previous=previous,
        conflicts=conflicts,
        pins=_read_pairs(paths.pins, "pins"),
        forbids=_read_pairs(paths.forbids, "forbids"),
    )


def run_check_plan(
    plan_path: Path,
    paths: InputPaths,
    policy: Policy,
    *,
    townships: Collection[str] | None = None,
) -> CheckResult:
    """Validate the plan at ``plan_path`` against the inputs and the policy."""
    plan = _read_plan(plan_path)
    inputs = load_plan_inputs(paths)
    try:
        violations = validate_plan(
            plan, inputs, settings_from_policy(policy), townships=townships or None
        )
    except PlanFormatError as exc:
        raise CheckPlanError(f"{plan_path}: {exc}") from None
    return CheckResult(violations, summarize_violations(violations), plan.height)


def run_explain(
    plan_path: Path, paths: InputPaths, policy: Policy, household_id: str
) -> ExplainResult:
    """Explain one household: its reason row and its ranked alternative workers.

    Candidates are built for the household's township only (townships are independent).
    """
    plan = _read_plan(plan_path)
    inputs = load_plan_inputs(paths)
    settings = settings_from_policy(policy)
    row = plan.filter(pl.col("household_id") == household_id)
    if row.height == 0:
        raise CheckPlanError(f"{plan_path}: household {household_id!r} is not in the plan")
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

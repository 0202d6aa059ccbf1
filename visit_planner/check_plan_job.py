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
from assignment.domain import PlanInputs
from assignment.errors import PlanFormatError
from assignment.explain import explain_plan
from assignment.inputs import InputIssue, binding_pins
from assignment.validator import Violation, summarize_violations, validate_plan
from visit_planner.contracts import Problem, read_table
from visit_planner.contracts.plan_tables import read_plan_tables
from visit_planner.hashing import file_sha256
from visit_planner.plan_files import PlanFileError, PlanPaths
from visit_planner.policy import Policy, load_policy, settings_from_policy
from visit_planner.runs import RunManifest, RunReader
from visit_planner.runs.manifest import MANIFEST

__all__ = [
    "CheckResult",
    "CheckedInputs",
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
    warnings: tuple[Problem, ...] = ()  # reading the files
    issues: tuple[InputIssue, ...] = ()  # pins not binding, forbids of unknown ids

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
    """The plan file through its contract (types only: its content is what is judged)."""
    plan, _ = read_table(path, "plan")
    return plan.with_columns(pl.col("tier").cast(pl.Int64))


@dataclass(frozen=True)
class CheckedInputs:
    """The inputs a plan is judged against, with the pins it must honour (the rule the
    solver applies, :func:`assignment.inputs.binding_pins`) and what was left out and why."""

    inputs: PlanInputs
    warnings: tuple[Problem, ...]  # reading the files (columns outside a contract)
    issues: tuple[InputIssue, ...]  # pins released and forbids naming unknown ids


def load_plan_inputs(paths: PlanPaths, policy: Policy | None = None) -> CheckedInputs:
    """Read and check every input file through its contract (the problems of every file
    raised together); keep only the pins binding under ``policy`` (default policy: None)."""
    tables = read_plan_tables(paths)
    settings = settings_from_policy(policy or load_policy(None))
    scored = tables.households.join(tables.tier_and_risk(), on="household_id", how="inner")
    pins, issues = binding_pins(
        tables.pins,
        scored,
        tables.workers,
        tables.previous,
        tables.conflicts,
        tables.forbids,
        settings,
    )
    inputs = PlanInputs(
        households=tables.households,
        workers=tables.workers,
        scores=tables.scores,
        previous=tables.previous,
        conflicts=tables.conflicts,
        pins=pins,
        forbids=tables.forbids,
    )
    return CheckedInputs(inputs, tables.warnings, tuple(issues))


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
                f"this plan was made with the {name.replace('_', ' ')} file ({made_with['path']}); "
                f"pass it with {option} (方案生成时使用了该文件, 请提供)"
            )
        elif given.is_file() and file_sha256(given) != made_with["sha256"]:
            problems.append(
                f"{given}: not the {name.replace('_', ' ')} this plan was made from "
                f"({made_with['path']}): its bytes differ from that file's, recorded when the "
                "plan was made (a copy in another format, e.g. CSV for Parquet, differs too: "
                "pass the files the plan was made from) (与生成方案时的文件不一致)"
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
    checked = load_plan_inputs(paths, policy)
    try:
        violations = validate_plan(
            plan, checked.inputs, settings_from_policy(policy), townships=townships or None
        )
    except PlanFormatError as exc:
        raise PlanFileError(f"{plan_path}: {exc}") from None
    return CheckResult(
        violations, summarize_violations(violations), plan.height, checked.warnings, checked.issues
    )


def run_explain(
    plan_path: Path, paths: PlanPaths, policy: Policy, household_id: str
) -> ExplainResult:
    """Explain one household: its reason row and its ranked alternative workers.

    Candidates are built for the household's township only (townships are independent).
    """
    plan = _read_plan(plan_path)
    check_inputs_belong(plan_path, paths)
    inputs = load_plan_inputs(paths, policy).inputs
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

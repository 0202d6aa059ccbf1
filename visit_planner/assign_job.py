"""The ``assign`` job: Policy -> AssignmentSettings, read inputs, solve, write atomically.

I/O lives here, at the edge; :mod:`assignment` only sees frames and plain settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from assignment.domain import PlanInputs
from assignment.explain import explain_plan
from assignment.plan import PrefectureResult, TownshipResult, solve_prefecture
from assignment.solver.options import SolverOptions
from visit_planner.contracts import read_table
from visit_planner.plan_files import PlanFileError, PlanPaths, read_file, read_pairs
from visit_planner.policy import Policy, settings_from_policy

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
    unscored: tuple[str, ...]


def load_assign_inputs(paths: PlanPaths) -> AssignInputs:
    """Read and check every input; contract tables go through the contract readers."""
    households, _ = read_table(paths.households, "households")
    workers, _ = read_table(paths.workers, "workers")
    previous = read_table(paths.previous, "previous_assignment")[0] if paths.previous else None
    conflicts = read_table(paths.conflicts, "conflicts")[0] if paths.conflicts else None
    scores = read_file(paths.scores, "scores", ("household_id", "final_tier", "p_tier1"))
    try:
        scores = scores.select(
            pl.col("household_id").cast(pl.String),
            pl.col("final_tier").cast(pl.Int8).alias("tier"),
            pl.col("p_tier1").cast(pl.Float64).fill_null(0.0).alias("risk"),
        )
    except pl.exceptions.PolarsError as exc:
        raise PlanFileError(f"{paths.scores}: scores column with a wrong type: {exc}") from None
    bad = scores.filter(~pl.col("tier").is_in([1, 2, 3]) | pl.col("tier").is_null())
    if bad.height:
        ids = ", ".join(bad["household_id"].head(10).to_list())
        raise PlanFileError(
            f"{paths.scores}: final_tier must be 1, 2 or 3; bad rows for "
            f"household(s) {ids} (分类必须为1/2/3)"
        )
    dup = scores.filter(pl.col("household_id").is_duplicated())
    if dup.height:
        ids = ", ".join(dup["household_id"].unique().sort().head(10).to_list())
        raise PlanFileError(f"{paths.scores}: duplicate household_id(s) {ids} (重复)")
    hh = households.join(scores, on="household_id", how="inner")
    unscored = households.join(scores, on="household_id", how="anti")["household_id"]
    return AssignInputs(
        households=hh,
        workers=workers,
        previous=previous,
        conflicts=conflicts,
        pins=read_pairs(paths.pins, "pins"),
        forbids=read_pairs(paths.forbids, "forbids"),
        unscored=tuple(unscored.sort().to_list()),
    )


def run_assign(
    paths: PlanPaths,
    policy: Policy,
    out: Path,
    *,
    time_limit: float | None = None,
    townships: list[str] | None = None,
    processes: int | None = None,
    progress: Callable[[TownshipResult], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> tuple[PrefectureResult, AssignInputs]:
    """Solve, explain and write plan, diagnostics, explanations and worker loads (all or none)."""
    inputs = load_assign_inputs(paths)
    settings = settings_from_policy(policy)
    options = (
        SolverOptions()
        if time_limit is None
        else SolverOptions(repair_time_limit=time_limit, lp_time_limit=time_limit)
    )
    if townships:
        known = set(inputs.households["township_id"].unique().to_list())
        missing = sorted(set(townships) - known)
        if missing:
            raise PlanFileError(f"unknown township id(s): {', '.join(missing)} (乡镇不存在)")
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
    )
    explanations, loads = explain_plan(
        result.plan,
        None,
        PlanInputs(
            households=inputs.households,
            workers=inputs.workers,
            scores=inputs.households.select(
                "household_id", pl.col("tier").alias("final_tier"), pl.col("risk").alias("p_tier1")
            ),
            previous=inputs.previous,
            conflicts=inputs.conflicts,
            pins=inputs.pins,
            forbids=inputs.forbids,
        ),
        settings,
    )
    write_outputs(
        out,
        {
            "plan": result.plan,
            "diagnostics": result.diagnostics,
            "explanations": explanations,
            "worker_loads": loads,
        },
    )
    return result, inputs


def write_outputs(out: Path, frames: dict[str, pl.DataFrame]) -> None:
    """Write ``out/NAME.parquet`` for every frame: all are written to temporary names first and
    renamed only when every one succeeded, so a failure leaves no partial set behind."""
    out.mkdir(parents=True, exist_ok=True)
    temps = {name: out / f".{name}.parquet.partial" for name in frames}
    try:
        for name, frame in frames.items():
            frame.write_parquet(temps[name])
        for name, tmp in temps.items():
            tmp.replace(out / f"{name}.parquet")
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)

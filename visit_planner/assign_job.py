"""The ``assign`` job: Policy -> AssignmentSettings, read inputs, solve, write atomically.

I/O lives here, at the edge; :mod:`assignment` only sees frames and plain settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from assignment.domain import AssignmentSettings, Role, TierSettings
from assignment.plan import PrefectureResult, TownshipResult, solve_prefecture
from assignment.township import SolverOptions
from visit_planner.contracts import read_table
from visit_planner.contracts.reader import read_raw
from visit_planner.errors import VisitPlannerError
from visit_planner.policy import Policy
from visit_planner.policy import Role as PolicyRole

EXIT_TIER1_UNCOVERED = 3


class AssignInputError(VisitPlannerError):
    """An input of ``assign`` that cannot be used (missing file or column, wrong type)."""


def settings_from_policy(policy: Policy) -> AssignmentSettings:
    """The assignment package's plain settings from the application's Policy (plain dicts,
    so that they pickle to worker processes)."""
    obj = policy.objective
    return AssignmentSettings(
        tiers={
            t: TierSettings(Role(p.role.value), p.visits_per_month, p.minutes_on_site)
            for t, p in policy.tiers.items()
        },
        jurisdiction={Role(r.value): policy.jurisdiction.area_of(r) for r in PolicyRole},
        speed_kmh=policy.travel.speed_kmh,
        road_factor=policy.travel.road_factor,
        road_factor_by_county=dict(policy.travel.road_factor_by_county),
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


@dataclass(frozen=True)
class AssignPaths:
    """Input files of ``assign``."""

    scores: Path
    households: Path
    workers: Path
    previous: Path | None = None
    conflicts: Path | None = None
    pins: Path | None = None
    forbids: Path | None = None


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


def _read(path: Path, name: str, required: tuple[str, ...]) -> pl.DataFrame:
    if not path.is_file():
        raise AssignInputError(f"{path}: file not found (找不到文件)")
    try:
        frame = read_raw(path)
    except Exception as exc:  # polars raises many kinds on corrupt files
        raise AssignInputError(f"{path}: cannot read the {name} file: {exc}") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise AssignInputError(
            f"{path}: the {name} file lacks column(s) {', '.join(missing)} (缺少列)"
        )
    return frame


def _pairs(path: Path | None, name: str) -> pl.DataFrame | None:
    if path is None:
        return None
    frame = _read(path, name, ("household_id", "worker_id"))
    return frame.select(pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String))


def load_assign_inputs(paths: AssignPaths) -> AssignInputs:
    """Read and check every input; contract tables go through the contract readers."""
    households, _ = read_table(paths.households, "households")
    workers, _ = read_table(paths.workers, "workers")
    previous = read_table(paths.previous, "previous_assignment")[0] if paths.previous else None
    conflicts = read_table(paths.conflicts, "conflicts")[0] if paths.conflicts else None
    scores = _read(paths.scores, "scores", ("household_id", "final_tier", "p_tier1"))
    try:
        scores = scores.select(
            pl.col("household_id").cast(pl.String),
            pl.col("final_tier").cast(pl.Int8).alias("tier"),
            pl.col("p_tier1").cast(pl.Float64).fill_null(0.0).alias("risk"),
        )
    except pl.exceptions.PolarsError as exc:
        raise AssignInputError(f"{paths.scores}: scores column with a wrong type: {exc}") from None
    bad = scores.filter(~pl.col("tier").is_in([1, 2, 3]) | pl.col("tier").is_null())
    if bad.height:
        ids = ", ".join(bad["household_id"].head(10).to_list())
        raise AssignInputError(
            f"{paths.scores}: final_tier must be 1, 2 or 3; bad rows for "
            f"household(s) {ids} (分类必须为1/2/3)"
        )
    dup = scores.filter(pl.col("household_id").is_duplicated())
    if dup.height:
        ids = ", ".join(dup["household_id"].unique().sort().head(10).to_list())
        raise AssignInputError(f"{paths.scores}: duplicate household_id(s) {ids} (重复)")
    hh = households.join(scores, on="household_id", how="inner")
    unscored = households.join(scores, on="household_id", how="anti")["household_id"]
    return AssignInputs(
        households=hh,
        workers=workers,
        previous=previous,
        conflicts=conflicts,
        pins=_pairs(paths.pins, "pins"),
        forbids=_pairs(paths.forbids, "forbids"),
        unscored=tuple(unscored.sort().to_list()),
    )


def run_assign(
    paths: AssignPaths,
    policy: Policy,
    out: Path,
    *,
    time_limit: float | None = None,
    townships: list[str] | None = None,
    processes: int | None = None,
    progress: Callable[[TownshipResult], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> tuple[PrefectureResult, AssignInputs]:
    """Solve and write ``out/plan.parquet`` and ``out/diagnostics.parquet`` (both or neither)."""
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
            raise AssignInputError(f"unknown township id(s): {', '.join(missing)} (乡镇不存在)")
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
    # Both files are fully written to temp names first; then renamed one after the other.
    out.mkdir(parents=True, exist_ok=True)
    tmp_plan = out / ".plan.parquet.partial"
    tmp_diag = out / ".diagnostics.parquet.partial"
    try:
        result.plan.write_parquet(tmp_plan)
        result.diagnostics.write_parquet(tmp_diag)
        tmp_plan.replace(out / "plan.parquet")
        tmp_diag.replace(out / "diagnostics.parquet")
    finally:
        tmp_plan.unlink(missing_ok=True)
        tmp_diag.unlink(missing_ok=True)
    return result, inputs

"""Files and settings shared by every plan command (``assign``, ``check-plan``, ``explain``).

One place for: the set of input files a plan is made or checked from, the conversion of the
application's Policy into the assignment package's plain settings, and the readers of the
non-contract tables (scores, plan, pins, forbids). Contract tables go through
:mod:`visit_planner.contracts`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from assignment.domain import AssignmentSettings, Role, TierSettings
from visit_planner.contracts.reader import read_raw
from visit_planner.errors import VisitPlannerError
from visit_planner.policy import Policy
from visit_planner.policy import Role as PolicyRole


class PlanFileError(VisitPlannerError):
    """A plan, scores, pins or forbids file that cannot be used (names the file and column)."""


@dataclass(frozen=True)
class PlanPaths:
    """The input files a plan is made from, or checked and explained against."""

    scores: Path
    households: Path
    workers: Path
    previous: Path | None = None
    conflicts: Path | None = None
    pins: Path | None = None
    forbids: Path | None = None


def settings_from_policy(policy: Policy) -> AssignmentSettings:
    """The assignment package's plain settings from the application's Policy.

    Plain dicts, so that the settings pickle to worker processes.
    """
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
        balance_margin=obj.balance_margin,
    )


def read_file(path: Path, name: str, required: Collection[str]) -> pl.DataFrame:
    """Read a non-contract table (plan, scores, pins, forbids) and check its columns."""
    if not path.is_file():
        raise PlanFileError(f"{path}: file not found (找不到文件)")
    try:
        frame = read_raw(path)
    except Exception as exc:  # polars raises many kinds on corrupt files
        raise PlanFileError(f"{path}: cannot read the {name} file: {exc}") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise PlanFileError(
            f"{path}: the {name} file lacks column(s) {', '.join(missing)} (缺少列)"
        )
    return frame


def read_pairs(path: Path | None, name: str) -> pl.DataFrame | None:
    """A (household_id, worker_id) table such as pins or forbids, or None without a file."""
    if path is None:
        return None
    frame = read_file(path, name, ("household_id", "worker_id"))
    return frame.select(pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String))

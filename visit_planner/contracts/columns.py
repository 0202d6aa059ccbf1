"""Columns, dtypes and allowed values of the input tables (docs/architecture.md, "Data contracts").

These constants are the single source of truth for the contracts: readers cast to these dtypes,
the pandera schemas check these rules, and the generator writes exactly these columns.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from assignment.greedy import PLAN_SCHEMA

# Wenshan Prefecture's bounding box (WGS84 degrees). Coordinates outside are a data error.
LON_MIN: Final = 103.5
LON_MAX: Final = 106.2
LAT_MIN: Final = 22.7
LAT_MAX: Final = 24.5

ROLES: Final = ("cadre", "village_official", "grid_worker")
HOUSING_GRADES: Final = ("A", "B", "C", "D")
HAZARDS: Final = ("none", "drought", "landslide", "flood")
TIERS: Final = (1, 2, 3)

# Audit-only columns: used for fairness audits, never as model inputs.
AUDIT_ONLY: Final = ("head_ethnicity", "head_gender")

HOUSEHOLDS: Final[dict[str, pl.DataType]] = {
    "household_id": pl.String(),
    "county_id": pl.String(),
    "township_id": pl.String(),
    "village_id": pl.String(),
    "grid_id": pl.String(),
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "members": pl.Int16(),
    "elderly_65plus": pl.Int16(),
    "children_under16": pl.Int16(),
    "elderly_living_alone": pl.Boolean(),
    "left_behind_children": pl.Int16(),
    "disabled_members": pl.Int16(),
    "serious_illness_members": pl.Int16(),
    "low_income_allowance": pl.Boolean(),
    "poverty_relapse_watch": pl.Boolean(),
    "housing_safety_grade": pl.String(),
    "migrant_workers": pl.Int16(),
    "disputes_12m": pl.Int16(),
    "hotline_requests_12m": pl.Int16(),
    "petitions_12m": pl.Int16(),
    "hazard_exposure": pl.String(),
    "road_km_to_village_center": pl.Float64(),
    "village_points": pl.Float64(),
    "last_visit_days": pl.Int32(),
    "previous_tier": pl.Int8(),
    "assessed_tier": pl.Int8(),
    "head_ethnicity": pl.String(),
    "head_gender": pl.String(),
}
HOUSEHOLDS_NULLABLE: Final = frozenset({"previous_tier", "assessed_tier"})

WORKERS: Final[dict[str, pl.DataType]] = {
    "worker_id": pl.String(),
    "role": pl.String(),
    "county_id": pl.String(),
    "township_id": pl.String(),
    "village_id": pl.String(),
    "grid_id": pl.String(),
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "monthly_hours": pl.Float64(),
    "max_households": pl.Int32(),
    "own_household_id": pl.String(),
    "active": pl.Boolean(),
}
# village_id / grid_id nullability depends on the role; checked as a relation rule.
WORKERS_NULLABLE: Final = frozenset({"village_id", "grid_id", "own_household_id"})

PREVIOUS_ASSIGNMENT: Final[dict[str, pl.DataType]] = {
    "household_id": pl.String(),
    "worker_id": pl.String(),
    "month": pl.String(),
}
PREVIOUS_ASSIGNMENT_NULLABLE: Final = frozenset[str]()

CONFLICTS: Final[dict[str, pl.DataType]] = {
    "worker_id": pl.String(),
    "household_id": pl.String(),
}
CONFLICTS_NULLABLE: Final = frozenset[str]()

PLACE_LEVELS: Final = ("county", "township", "village")
PLACES: Final[dict[str, pl.DataType]] = {
    "code": pl.String(),
    "level": pl.String(),
    "name_zh": pl.String(),
    "name_en": pl.String(),
}
"""The optional place-names table: one row per county, township or village code (the codes
of the other tables), its Chinese name and optionally an English one. Without it, texts show
codes (and the 8 counties' built-in names)."""
PLACES_NULLABLE: Final = frozenset({"name_en"})

TRUTH_PROBABILITIES: Final = ("p_tier1", "p_tier2", "p_tier3")

SCORES: Final[dict[str, pl.DataType]] = {
    "household_id": pl.String(),
    "final_tier": pl.Int8(),
    "p_tier1": pl.Float64(),
    "p_tier2": pl.Float64(),
    "p_tier3": pl.Float64(),
    "model_version": pl.String(),
}
"""The scores a plan is made from (``visit-planner score``'s output or the user's own):
``final_tier`` decides the tier, ``p_tier1`` is the risk the solver weighs, so both are
required and checked; ``p_tier2``, ``p_tier3`` and ``model_version`` are optional (checked
when given)."""
SCORES_NULLABLE: Final = frozenset({"p_tier2", "p_tier3", "model_version"})
SCORES_OPTIONAL: Final = ("p_tier2", "p_tier3", "model_version")
SCORES_PASSTHROUGH: Final = ("model_tier", "tier_source", "rule", "override_reason", "reasons")
"""Other columns ``visit-planner score`` writes: known, not used by the plan commands, so not
read and not warned about."""

PLAN: Final[dict[str, pl.DataType]] = dict(PLAN_SCHEMA)
"""A plan as ``assign`` writes it (``assignment.greedy.PLAN_SCHEMA``, the one definition),
read back by ``check-plan`` and ``explain``; an unassigned household has no worker, role or
minutes."""
PLAN_NULLABLE: Final = frozenset({"worker_id", "role", "travel_minutes", "hours_per_month"})
PLAN_PASSTHROUGH: Final = ("cost", "pinned", "risk")

PAIRS: Final[dict[str, pl.DataType]] = {"household_id": pl.String(), "worker_id": pl.String()}
"""Supervisor pins and forbids: one (household, worker) pair a row."""
PAIRS_NULLABLE: Final = frozenset[str]()

"""Column-level rules of each input table as pandera (polars backend) schemas.

Dtypes come from :mod:`visit_planner.contracts.columns`; frames reach these schemas already cast
by the reader, so a dtype failure here means a bug, and the checks that matter are nullability,
ranges, allowed values and unique ids. Cross-row and cross-table rules live in ``relations``.
"""

from __future__ import annotations

from typing import Final

import pandera.polars as pa
import polars as pl

from visit_planner.contracts import columns as c


def _col(
    dtype: pl.DataType,
    *,
    nullable: bool = False,
    unique: bool = False,
    checks: list[pa.Check] | None = None,
) -> pa.Column:
    return pa.Column(dtype, nullable=nullable, unique=unique, checks=checks or [])


_COUNT = [pa.Check.ge(0), pa.Check.le(50)]
_TIER = [pa.Check.isin(list(c.TIERS))]
_LON = [pa.Check.in_range(c.LON_MIN, c.LON_MAX)]
_LAT = [pa.Check.in_range(c.LAT_MIN, c.LAT_MAX)]
_NOT_BLANK = [pa.Check.str_length(min_value=1)]


def _schema(
    spec: dict[str, pl.DataType],
    nullable: frozenset[str],
    checks: dict[str, list[pa.Check]],
    unique: tuple[str, ...] = (),
) -> pa.DataFrameSchema:
    cols = {
        name: _col(
            dtype,
            nullable=name in nullable,
            unique=name in unique,
            checks=checks.get(name, _NOT_BLANK if dtype == pl.String() else None),
        )
        for name, dtype in spec.items()
    }
    return pa.DataFrameSchema(cols, strict=True)


HOUSEHOLDS: Final = _schema(
    c.HOUSEHOLDS,
    c.HOUSEHOLDS_NULLABLE,
    {
        "lon": _LON,
        "lat": _LAT,
        "members": [pa.Check.ge(1), pa.Check.le(50)],
        "elderly_65plus": _COUNT,
        "children_under16": _COUNT,
        "left_behind_children": _COUNT,
        "disabled_members": _COUNT,
        "serious_illness_members": _COUNT,
        "migrant_workers": _COUNT,
        "disputes_12m": [pa.Check.ge(0)],
        "hotline_requests_12m": [pa.Check.ge(0)],
        "petitions_12m": [pa.Check.ge(0)],
        "housing_safety_grade": [pa.Check.isin(list(c.HOUSING_GRADES))],
        "hazard_exposure": [pa.Check.isin(list(c.HAZARDS))],
        "road_km_to_village_center": [pa.Check.in_range(0, 500)],
        "village_points": [pa.Check.in_range(0, 1000)],
        "last_visit_days": [pa.Check.ge(0)],
        "previous_tier": _TIER,
        "assessed_tier": _TIER,
    },
    unique=("household_id",),
)

WORKERS: Final = _schema(
    c.WORKERS,
    c.WORKERS_NULLABLE,
    {
        "role": [pa.Check.isin(list(c.ROLES))],
        "lon": _LON,
        "lat": _LAT,
        "monthly_hours": [pa.Check.in_range(0, 744)],  # no more hours than a month has
        # A month's 744 hours hold at most ~6,700 of the shortest visits (tier 3, 20 min a
        # quarter) before any travel: a larger cap is a typing slip (15 keyed as 150000), not
        # "no cap", and would let the worker's hours alone decide.
        "max_households": [pa.Check.in_range(0, 10_000)],
    },
    unique=("worker_id",),
)

MONTH_PATTERN: Final = r"^\d{4}-(0[1-9]|1[0-2])$"
"""A month, ``YYYY-MM`` with MM from 01 to 12 (``2026-13`` is no month)."""

PREVIOUS_ASSIGNMENT: Final = _schema(
    c.PREVIOUS_ASSIGNMENT,
    c.PREVIOUS_ASSIGNMENT_NULLABLE,
    {"month": [pa.Check.str_matches(MONTH_PATTERN)]},
    unique=("household_id",),
)

CONFLICTS: Final = _schema(c.CONFLICTS, c.CONFLICTS_NULLABLE, {})

_PROBABILITY = [pa.Check.in_range(0, 1)]  # NaN fails it too: a probability is a number

SCORES: Final = _schema(
    c.SCORES,
    c.SCORES_NULLABLE,
    {
        "final_tier": _TIER,
        "p_tier1": _PROBABILITY,
        "p_tier2": _PROBABILITY,
        "p_tier3": _PROBABILITY,
        "model_version": [],
    },
    unique=("household_id",),
)

# Only the types of a plan's columns are the reader's business: whether its tiers, roles,
# minutes and hours are right is what the independent validator judges (as violations).
PLAN: Final = _schema(
    c.PLAN, c.PLAN_NULLABLE, {"tier": [], "role": [], "travel_minutes": [], "hours_per_month": []}
)

PAIRS: Final = _schema(c.PAIRS, c.PAIRS_NULLABLE, {})

PLACES: Final = _schema(
    c.PLACES,
    c.PLACES_NULLABLE,
    {"level": [pa.Check.isin(list(c.PLACE_LEVELS))]},
    unique=("code",),
)

"""The validator's own travel model: haversine km, the county road factor, minutes per visit.

The model of docs/architecture.md ("Policy defaults") written here on its own — straight-line
haversine km x the household's county road factor / speed x 60, twice for a round trip — and
not taken from the candidate builder, so that a bug there cannot hide itself.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from assignment.domain import AssignmentSettings

EARTH_RADIUS_KM = 6371.0088


def haversine_km(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between WGS84 points (degrees), element-wise."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def travel_minutes(
    km: np.ndarray, road_factor: np.ndarray | float, rules: AssignmentSettings
) -> np.ndarray:
    """Minutes per visit: km x road factor at ``speed_kmh``, doubled for a round trip."""
    legs = 2.0 if rules.round_trip else 1.0
    return np.asarray(km) * road_factor / rules.speed_kmh * 60.0 * legs


def road_factor_expr(rules: AssignmentSettings, county_col: str = "county_id") -> pl.Expr:
    """Road factor of each row's county: the county override, else the default."""
    if not rules.road_factor_by_county:
        return pl.lit(rules.road_factor, dtype=pl.Float64)
    return (
        pl.col(county_col)
        .cast(pl.String)
        .replace_strict(
            dict(rules.road_factor_by_county), default=rules.road_factor, return_dtype=pl.Float64
        )
    )

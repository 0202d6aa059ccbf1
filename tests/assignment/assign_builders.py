"""Tiny builders of households and workers frames for the assignment tests (contract columns)."""

from __future__ import annotations

import polars as pl


def households(rows: list[dict]) -> pl.DataFrame:
    """Households frame; defaults fill every column not given."""
    base = {
        "township_id": "T1",
        "village_id": "V1",
        "grid_id": "G1",
        "county_id": "532621",
        "lon": 104.0,
        "lat": 23.5,
        "tier": 3,
        "risk": 0.1,
    }
    full = [{**base, **r} for r in rows]
    return pl.DataFrame(full).with_columns(pl.col("tier").cast(pl.Int8))


def workers(rows: list[dict]) -> pl.DataFrame:
    """Workers frame; defaults fill every column not given (role decides area columns)."""
    out = []
    for r in rows:
        role = r.get("role", "grid_worker")
        base = {
            "county_id": "532621",
            "township_id": "T1",
            "village_id": None if role == "cadre" else "V1",
            "grid_id": "G1" if role == "grid_worker" else None,
            "lon": 104.0,
            "lat": 23.5,
            "monthly_hours": 40.0,
            "max_households": 100,
            "own_household_id": None,
            "active": True,
            "role": role,
        }
        out.append({**base, **r})
    return pl.DataFrame(
        out,
        schema_overrides={
            "village_id": pl.String,
            "grid_id": pl.String,
            "own_household_id": pl.String,
        },
    )

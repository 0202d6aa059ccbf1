"""Synthetic households: location, make-up, needs and history, village by village.

Each village draws a few shared attributes (poverty level, hazard, terrain ruggedness, migrant
rate, civic standing, dominant ethnicity of heads) so that households in one village resemble
each other; households then draw their own columns from these. All vectorised with numpy.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from visit_planner.synthetic.geography import (
    COUNTIES,
    ETHNICITIES,
    Areas,
    clip_lat,
    clip_lon,
    haversine_km,
    km_to_deg,
)

_HAZARDS = np.array(["none", "drought", "landslide", "flood"])
_GRADES = np.array(["A", "B", "C", "D"])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def village_attributes(rng: np.random.Generator, villages: pl.DataFrame) -> pl.DataFrame:
    """Shared, partly latent attributes of each village."""
    n = villages.height
    mix = {c.county_id: np.array(c.ethnic_mix) / sum(c.ethnic_mix) for c in COUNTIES}
    county = villages["county_id"].to_numpy()
    cum = np.stack([np.cumsum(mix[c]) for c in county])
    dominant = (rng.random(n)[:, None] > cum).sum(axis=1).clip(0, len(ETHNICITIES) - 1)
    return villages.with_columns(
        poverty_logit=rng.normal(-2.6, 0.7, n),
        hazard=_HAZARDS[rng.choice(4, size=n, p=[0.55, 0.2, 0.15, 0.1])],
        ruggedness=rng.lognormal(np.log(1.5), 0.15, n),
        migrant_rate=rng.beta(3, 7, n),
        points_mean=rng.normal(74, 6, n),
        tension=rng.lognormal(0.0, 0.5, n),
        dominant_ethnicity=np.array(ETHNICITIES)[dominant],
    )


def build_households(rng: np.random.Generator, areas: Areas) -> tuple[pl.DataFrame, np.ndarray]:
    """One row per household with every contract column except the tiers.

    Returns the frame and each household's village row index (for village effects).
    """
    villages = village_attributes(rng, areas.villages)
    grids = areas.grids
    g_hh = grids["households"].to_numpy()
    g_idx = np.repeat(np.arange(grids.height), g_hh)
    n = int(g_hh.sum())
    v_index = (
        grids.select(pl.col("village_id"))
        .join(villages.select("village_id").with_row_index("v"), on="village_id", how="left")["v"]
        .to_numpy()
        .astype(np.int64)
    )
    v_idx = v_index[g_idx]
    v = {name: villages[name].to_numpy() for name in villages.columns}

    # Location: around the grid centre, with 8 % in remote hamlets further out.
    g_lon, g_lat = grids["lon"].to_numpy()[g_idx], grids["lat"].to_numpy()[g_idx]
    radius = np.where(
        rng.random(n) < 0.08, rng.exponential(1.5, n) + 0.5, np.abs(rng.normal(0, 0.3, n))
    )
    theta = rng.random(n) * 2 * np.pi
    dlon, dlat = km_to_deg(radius * np.cos(theta), radius * np.sin(theta), g_lat)
    lon, lat = clip_lon(g_lon + dlon), clip_lat(g_lat + dlat)
    straight = haversine_km(lon, lat, v["lon"][v_idx], v["lat"][v_idx])
    road_km = np.round(straight * v["ruggedness"][v_idx] + rng.exponential(0.1, n), 2)

    # Make-up: elderly-only households, else families.
    elderly_only = rng.random(n) < 0.09
    alone = elderly_only & (rng.random(n) < 0.7)
    members = np.where(elderly_only, np.where(alone, 1, 2), 2 + np.minimum(rng.poisson(1.8, n), 7))
    elderly = np.where(elderly_only, members, rng.binomial(np.minimum(members, 3), 0.15))
    children = np.where(elderly_only, 0, rng.binomial(members - elderly, 0.32))
    working = members - elderly - children
    migrants = rng.binomial(working, v["migrant_rate"][v_idx])
    left_behind = np.where(migrants > 0, rng.binomial(children, 0.65), 0)
    disabled = rng.binomial(members, 0.022)
    ill = rng.binomial(members, 0.012 + 0.06 * elderly / np.maximum(members, 1))

    pov = v["poverty_logit"][v_idx]
    low_income = rng.random(n) < _sigmoid(pov + 0.9 * disabled + 0.7 * ill + 0.6 * elderly_only)
    relapse = rng.random(n) < _sigmoid(-3.4 + 1.6 * low_income + 0.5 * ill + 0.3 * (pov + 2.6))
    housing_latent = (
        0.8 * (pov + 2.6)
        + 0.6 * low_income
        + 0.5 * (v["ruggedness"][v_idx] - 1.5)
        + rng.logistic(0, 1, n)
    )
    grade = np.searchsorted([1.2, 3.0, 4.6], housing_latent)

    tension = v["tension"][v_idx]
    disputes = rng.poisson(0.12 * tension)
    hotline = rng.poisson(0.2 + 0.25 * low_income + 0.2 * ill + 0.1 * disputes)
    petitions = rng.poisson(0.015 + 0.15 * disputes)
    hazard = np.where(rng.random(n) < 0.85, v["hazard"][v_idx], "none")
    points = np.clip(rng.normal(v["points_mean"][v_idx], 9, n) - 4 * disputes, 0, 100).round(1)
    last_visit = np.minimum(rng.exponential(40, n).astype(np.int32), 365)

    # Audit-only columns: correlated with geography, never a cause of risk.
    county_of = grids["county_id"].to_numpy()[g_idx]
    mix = {c.county_id: np.array(c.ethnic_mix) / sum(c.ethnic_mix) for c in COUNTIES}
    cum = np.stack([np.cumsum(mix[c]) for c in np.unique(county_of)])
    county_pos = np.searchsorted(np.unique(county_of), county_of)
    from_county = (rng.random(n)[:, None] > cum[county_pos]).sum(axis=1).clip(0, 4)
    ethnicity = np.where(
        rng.random(n) < 0.75, v["dominant_ethnicity"][v_idx], np.array(ETHNICITIES)[from_county]
    )
    female = rng.random(n) < (0.12 + 0.2 * (migrants > 0) + 0.25 * elderly_only)

    frame = pl.DataFrame(
        {
            "county_id": grids["county_id"].gather(g_idx),
            "township_id": grids["township_id"].gather(g_idx),
            "village_id": grids["village_id"].gather(g_idx),
            "grid_id": grids["grid_id"].gather(g_idx),
            "lon": lon.round(6),
            "lat": lat.round(6),
            "members": members.astype(np.int16),
            "elderly_65plus": elderly.astype(np.int16),
            "children_under16": children.astype(np.int16),
            "elderly_living_alone": alone,
            "left_behind_children": left_behind.astype(np.int16),
            "disabled_members": disabled.astype(np.int16),
            "serious_illness_members": ill.astype(np.int16),
            "low_income_allowance": low_income,
            "poverty_relapse_watch": relapse,
            "housing_safety_grade": _GRADES[grade],
            "migrant_workers": migrants.astype(np.int16),
            "disputes_12m": disputes.astype(np.int16),
            "hotline_requests_12m": hotline.astype(np.int16),
            "petitions_12m": petitions.astype(np.int16),
            "hazard_exposure": hazard,
            "road_km_to_village_center": road_km,
            "village_points": points,
            "last_visit_days": last_visit,
            "head_ethnicity": ethnicity,
            "head_gender": np.where(female, "F", "M"),
        }
    ).with_columns(
        household_id=pl.format("H{}", (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(7))
    )
    return frame, v_idx

"""The synthetic prefecture's geography: the 8 real counties and a nested area hierarchy.

Counties carry their real administrative codes, approximate 2020-census resident population
(rounded; used only for proportions), land area and seat coordinates, the real number of
townships, and an ethnic mix of household heads. Townships, villages and grids are generated
by apportioning households top-down (largest remainder), and placed around their parent's
centre so that households cluster around village centres in mountain terrain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl

from visit_planner.contracts.columns import LAT_MAX, LAT_MIN, LON_MAX, LON_MIN

KM_PER_DEG_LAT: Final = 111.0
FULL_SCALE_HOUSEHOLDS: Final = 1_000_000
FULL_SCALE_VILLAGES: Final = 1_002
FULL_SCALE_GRIDS: Final = 20_200
ETHNICITIES: Final = ("han", "zhuang", "miao", "yi", "yao")


@dataclass(frozen=True)
class County:
    """One real county of Wenshan Prefecture."""

    county_id: str
    name_zh: str
    name_en: str
    population: int
    lon: float
    lat: float
    area_km2: float
    townships: int
    ethnic_mix: tuple[float, float, float, float, float]  # han, zhuang, miao, yi, yao


COUNTIES: Final = (
    County(
        "532601",
        "文山市",
        "Wenshan",
        566_000,
        104.23,
        23.37,
        2977,
        17,
        (0.55, 0.20, 0.13, 0.10, 0.02),
    ),
    County(
        "532622",
        "砚山县",
        "Yanshan",
        470_000,
        104.34,
        23.61,
        3822,
        11,
        (0.50, 0.18, 0.12, 0.20, 0.00),
    ),
    County(
        "532623",
        "西畴县",
        "Xichou",
        233_000,
        104.67,
        23.44,
        1506,
        9,
        (0.70, 0.20, 0.06, 0.00, 0.04),
    ),
    County(
        "532624",
        "麻栗坡县",
        "Malipo",
        260_000,
        104.70,
        23.12,
        2357,
        11,
        (0.55, 0.22, 0.13, 0.00, 0.10),
    ),
    County(
        "532625",
        "马关县",
        "Maguan",
        361_000,
        104.39,
        23.01,
        2755,
        13,
        (0.45, 0.25, 0.20, 0.06, 0.04),
    ),
    County(
        "532626",
        "丘北县",
        "Qiubei",
        462_000,
        104.19,
        24.04,
        5038,
        12,
        (0.50, 0.20, 0.05, 0.25, 0.00),
    ),
    County(
        "532627",
        "广南县",
        "Guangnan",
        772_000,
        105.05,
        24.05,
        7983,
        18,
        (0.30, 0.55, 0.10, 0.03, 0.02),
    ),
    County(
        "532628",
        "富宁县",
        "Funing",
        378_000,
        105.63,
        23.63,
        5459,
        13,
        (0.20, 0.60, 0.08, 0.00, 0.12),
    ),
)


def apportion(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder).

    Every part gets at least ``minimum`` when ``total`` allows it; the parts sum to ``total``.
    """
    n = len(weights)
    base = min(minimum, total // n) if n else 0
    rest = total - base * n
    share = weights / weights.sum() * rest
    parts = np.floor(share).astype(np.int64)
    short = rest - int(parts.sum())
    if short:
        # Stable order on ties keeps the split deterministic.
        order = np.argsort(-(share - parts), kind="stable")[:short]
        parts[order] += 1
    return parts + base


def km_to_deg(
    dx_km: np.ndarray, dy_km: np.ndarray, lat: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Offsets in km (east, north) to degrees (lon, lat) at latitude ``lat``."""
    dlat = dy_km / KM_PER_DEG_LAT
    dlon = dx_km / (KM_PER_DEG_LAT * np.cos(np.radians(lat)))
    return dlon, dlat


def clip_lon(lon: np.ndarray) -> np.ndarray:
    """Keep longitudes inside the prefecture's box, with a small margin."""
    return np.clip(lon, LON_MIN + 0.01, LON_MAX - 0.01)


def clip_lat(lat: np.ndarray) -> np.ndarray:
    """Keep latitudes inside the prefecture's box, with a small margin."""
    return np.clip(lat, LAT_MIN + 0.01, LAT_MAX - 0.01)


def haversine_km(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def _disk(rng: np.random.Generator, n: int, radius_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points in a disk of ``radius_km`` (per point): east and north offsets in km."""
    r = radius_km * np.sqrt(rng.random(n))
    theta = rng.random(n) * 2 * np.pi
    return r * np.cos(theta), r * np.sin(theta)


@dataclass(frozen=True)
class Areas:
    """The generated area hierarchy: one frame per level, with centres and household counts."""

    townships: pl.DataFrame  # township_id, county_id, lon, lat, households, cadre_short
    villages: pl.DataFrame  # village_id, township_id, county_id, lon, lat, households, attributes
    grids: pl.DataFrame  # grid_id, village_id, township_id, county_id, lon, lat, households


def build_areas(rng: np.random.Generator, scale: float) -> Areas:
    """Generate townships, villages and grids for ``scale`` (1.0 = the whole prefecture)."""
    n_households = max(len(COUNTIES) * 8, round(FULL_SCALE_HOUSEHOLDS * scale))
    pops = np.array([c.population for c in COUNTIES], dtype=float)
    county_hh = apportion(n_households, pops, minimum=1)

    # Townships: the real count per county, scaled, at least one per county.
    t_county, t_hh, t_lon, t_lat, t_radius = [], [], [], [], []
    for county, hh in zip(COUNTIES, county_hh, strict=True):
        n_t = max(1, round(county.townships * scale))
        weights = rng.lognormal(0.0, 0.35, n_t)
        t_hh.append(apportion(int(hh), weights, minimum=1))
        r_county = np.sqrt(county.area_km2 / np.pi)
        dx, dy = _disk(rng, n_t, np.full(n_t, 0.8 * r_county))
        dlon, dlat = km_to_deg(dx, dy, np.full(n_t, county.lat))
        t_lon.append(county.lon + dlon)
        t_lat.append(county.lat + dlat)
        # A township keeps its full-scale size at every scale (as villages do below).
        t_radius.append(np.full(n_t, np.sqrt(county.area_km2 / county.townships / np.pi)))
        t_county.extend([county.county_id] * n_t)
    townships = pl.DataFrame(
        {
            "county_id": t_county,
            "lon": clip_lon(np.concatenate(t_lon)),
            "lat": clip_lat(np.concatenate(t_lat)),
            "radius_km": np.concatenate(t_radius),
            "households": np.concatenate(t_hh),
        }
    ).with_columns(
        township_id=pl.col("county_id")
        + (pl.int_range(pl.len()).over("county_id") + 1).cast(pl.String).str.zfill(3)
    )
    n_towns = townships.height
    # A few townships are short of cadres, so that shortfall diagnostics have work to do.
    n_short = max(1, round(0.05 * n_towns))
    short = rng.choice(n_towns, size=n_short, replace=False)
    townships = townships.with_columns(cadre_short=pl.Series(np.isin(np.arange(n_towns), short)))

    # Villages: 1,002 at full scale, apportioned to townships by households.
    n_villages = max(n_towns, round(FULL_SCALE_VILLAGES * scale))
    t_households = townships["households"].to_numpy()
    v_per_t = apportion(n_villages, t_households.astype(float), minimum=1)
    v_t = np.repeat(np.arange(n_towns), v_per_t)
    v_hh = np.concatenate(
        [
            apportion(int(h), rng.lognormal(0.0, 0.5, k), minimum=1)
            for h, k in zip(t_households, v_per_t, strict=True)
        ]
    )
    t_lon_a, t_lat_a = townships["lon"].to_numpy(), townships["lat"].to_numpy()
    t_rad = townships["radius_km"].to_numpy()
    dx, dy = _disk(rng, n_villages, 0.9 * t_rad[v_t])
    dlon, dlat = km_to_deg(dx, dy, t_lat_a[v_t])
    # A village's size does not depend on the scale: its radius comes from the full-scale
    # village density of its county, so small test prefectures keep realistic distances.
    full_density = {
        c.county_id: np.sqrt(c.area_km2 / (FULL_SCALE_VILLAGES * c.population / pops.sum()) / np.pi)
        for c in COUNTIES
    }
    v_county = townships["county_id"].to_numpy()[v_t]
    v_radius = np.array([full_density[c] for c in v_county]) * rng.lognormal(0, 0.15, n_villages)
    villages = pl.DataFrame(
        {
            "township_id": townships["township_id"].gather(v_t),
            "county_id": townships["county_id"].gather(v_t),
            "lon": clip_lon(t_lon_a[v_t] + dlon),
            "lat": clip_lat(t_lat_a[v_t] + dlat),
            "radius_km": v_radius,
            "households": v_hh,
        }
    ).with_columns(
        village_id=pl.col("township_id")
        + (pl.int_range(pl.len()).over("township_id") + 1).cast(pl.String).str.zfill(3)
    )

    # Grids: 20,200 at full scale, about 50 households each, around the village centre.
    n_grids = max(n_villages, round(FULL_SCALE_GRIDS * scale))
    g_per_v = apportion(n_grids, v_hh.astype(float), minimum=1)
    g_v = np.repeat(np.arange(n_villages), g_per_v)
    g_hh = np.concatenate(
        [
            apportion(int(h), rng.lognormal(0.0, 0.3, k), minimum=1)
            for h, k in zip(v_hh, g_per_v, strict=True)
        ]
    )
    v_lon_a, v_lat_a = villages["lon"].to_numpy(), villages["lat"].to_numpy()
    spread = 0.35 * v_radius[g_v]
    dlon, dlat = km_to_deg(
        rng.normal(0, 1, n_grids) * spread, rng.normal(0, 1, n_grids) * spread, v_lat_a[g_v]
    )
    grids = pl.DataFrame(
        {
            "village_id": villages["village_id"].gather(g_v),
            "township_id": villages["township_id"].gather(g_v),
            "county_id": villages["county_id"].gather(g_v),
            "lon": clip_lon(v_lon_a[g_v] + dlon),
            "lat": clip_lat(v_lat_a[g_v] + dlat),
            "households": g_hh,
        }
    ).with_columns(
        grid_id=pl.col("village_id")
        + pl.lit("G")
        + (pl.int_range(pl.len()).over("village_id") + 1).cast(pl.String).str.zfill(2)
    )
    return Areas(townships, villages, grids)

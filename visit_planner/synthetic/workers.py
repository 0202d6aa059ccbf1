"""Synthetic workers (cadres, village officials, grid workers), last month's pairing, conflicts.

Sizing at full scale: about 1.5 grid workers per grid (~30 k), one village official per ~85
households (~12 k) and one cadre per ~125 households of the township (~8 k), about 50 k in all.
About 5 % of townships are short of cadres (a third of the usual number), so that the default
policy cannot cover all their tier-1 households and the shortfall diagnostics have work to do.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from visit_planner.synthetic.geography import Areas, clip_lat, clip_lon, km_to_deg

_HOURS = {
    "cadre": np.array([20.0, 24.0, 28.0, 32.0]),
    "village_official": np.array([16.0, 20.0, 24.0]),
    "grid_worker": np.array([10.0, 12.0, 14.0, 16.0]),
}
_MAX_HOUSEHOLDS = {"cadre": 15, "village_official": 40, "grid_worker": 60}
_AREA_OF_ROLE = {"cadre": "township_id", "village_official": "village_id", "grid_worker": "grid_id"}
_JITTER_KM = {"cadre": 0.3, "village_official": 0.3, "grid_worker": 0.2}


def _place(
    rng: np.random.Generator, lon: np.ndarray, lat: np.ndarray, km: float
) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = km_to_deg(rng.normal(0, km, lon.size), rng.normal(0, km, lon.size), lat)
    return clip_lon(lon + dlon).round(6), clip_lat(lat + dlat).round(6)


def _role_frame(
    rng: np.random.Generator, role: str, areas: pl.DataFrame, counts: np.ndarray
) -> pl.DataFrame:
    idx = np.repeat(np.arange(areas.height), counts)
    lon, lat = _place(
        rng, areas["lon"].to_numpy()[idx], areas["lat"].to_numpy()[idx], _JITTER_KM[role]
    )
    n = idx.size
    null_str = pl.lit(None, pl.String)
    frame = pl.DataFrame(
        {
            "role": [role] * n,
            "county_id": areas["county_id"].gather(idx),
            "township_id": areas["township_id"].gather(idx),
            "lon": lon,
            "lat": lat,
            "monthly_hours": rng.choice(_HOURS[role], size=n),
            "max_households": np.full(n, _MAX_HOUSEHOLDS[role], dtype=np.int32),
            "active": rng.random(n) < 0.97,
        }
    )
    village = areas["village_id"].gather(idx) if role != "cadre" else None
    grid = areas["grid_id"].gather(idx) if role == "grid_worker" else None
    return frame.with_columns(
        village_id=village if village is not None else null_str,
        grid_id=grid if grid is not None else null_str,
    )


def build_workers(rng: np.random.Generator, areas: Areas) -> pl.DataFrame:
    """All workers, without ``worker_id`` and ``own_household_id`` (added by the caller)."""
    g, v, t = areas.grids, areas.villages, areas.townships
    g_hh = g["households"].to_numpy()
    grid_counts = 1 + (rng.random(g.height) < 1 / (1 + np.exp(-(g_hh - 50) / 8)))
    v_hh = v["households"].to_numpy()
    village_counts = np.maximum(3, np.round(v_hh / 85 * rng.lognormal(0, 0.15, v.height)))
    t_hh = t["households"].to_numpy()
    cadre_counts = np.maximum(2, np.round(t_hh / 125 * rng.lognormal(0, 0.1, t.height)))
    cadre_counts = np.where(
        t["cadre_short"].to_numpy(), np.maximum(1, np.round(cadre_counts / 3)), cadre_counts
    )
    return pl.concat(
        [
            _role_frame(rng, "cadre", t, cadre_counts.astype(np.int64)),
            _role_frame(rng, "village_official", v, village_counts.astype(np.int64)),
            _role_frame(rng, "grid_worker", g, grid_counts.astype(np.int64)),
        ],
        how="diagonal",
    )


def pick_in_area(rng: np.random.Generator, keys: pl.Series, pool_keys: pl.Series) -> np.ndarray:
    """For each key, the row index of a uniformly random member of ``pool`` with that key.

    Returns -1 where the pool holds no member with the key.
    """
    order = np.argsort(pool_keys.to_numpy(), kind="stable")
    sorted_keys = pool_keys.to_numpy()[order]
    k = keys.to_numpy()
    lo = np.searchsorted(sorted_keys, k, side="left")
    hi = np.searchsorted(sorted_keys, k, side="right")
    size = hi - lo
    pick = lo + np.floor(rng.random(k.size) * np.maximum(size, 1)).astype(np.int64)
    return np.where(size > 0, order[np.minimum(pick, len(order) - 1)], -1)


def own_households(
    rng: np.random.Generator, workers: pl.DataFrame, households: pl.DataFrame
) -> pl.Series:
    """Where a worker lives inside their area, the household they belong to (else null)."""
    share = {"cadre": 0.3, "village_official": 0.6, "grid_worker": 0.7}
    out = np.full(workers.height, None, dtype=object)
    roles = workers["role"].to_numpy()
    for role, column in _AREA_OF_ROLE.items():
        rows = np.flatnonzero(roles == role)
        picked = pick_in_area(rng, workers[column].gather(rows), households[column])
        lives = (rng.random(rows.size) < share[role]) & (picked >= 0)
        ids = households["household_id"].to_numpy()
        out[rows[lives]] = ids[picked[lives]]
    return pl.Series("own_household_id", out.tolist(), dtype=pl.String)


def previous_assignment(
    rng: np.random.Generator, households: pl.DataFrame, workers: pl.DataFrame, month: str
) -> pl.DataFrame:
    """Last month's pairing: 95 % of households with a previous tier, to a worker of its role."""
    tier_role = {1: "cadre", 2: "village_official", 3: "grid_worker"}
    parts = []
    prev = households["previous_tier"].to_numpy()
    for tier, role in tier_role.items():
        rows = np.flatnonzero((prev == tier) & (rng.random(households.height) < 0.95))
        pool = workers.filter(pl.col("role") == role)
        column = _AREA_OF_ROLE[role]
        picked = pick_in_area(rng, households[column].gather(rows), pool[column])
        ok = picked >= 0
        parts.append(
            pl.DataFrame(
                {
                    "household_id": households["household_id"].gather(rows[ok]),
                    "worker_id": pool["worker_id"].gather(picked[ok]),
                }
            )
        )
    return pl.concat(parts).with_columns(month=pl.lit(month)).sort("household_id")


def conflicts(
    rng: np.random.Generator, households: pl.DataFrame, workers: pl.DataFrame
) -> pl.DataFrame:
    """Declared conflicts of interest: a quarter of workers name 1-2 relatives' households."""
    declaring = workers.filter(pl.Series(rng.random(workers.height) < 0.25))
    parts = []
    for _ in range(2):
        for role, column in _AREA_OF_ROLE.items():
            of_role = declaring.filter(pl.col("role") == role)
            picked = pick_in_area(rng, of_role[column], households[column])
            keep = (picked >= 0) & (rng.random(of_role.height) < 0.7)
            parts.append(
                pl.DataFrame(
                    {
                        "worker_id": of_role["worker_id"].filter(pl.Series(keep)),
                        "household_id": households["household_id"].gather(picked[keep]),
                    }
                )
            )
    return pl.concat(parts).unique().sort("worker_id", "household_id")

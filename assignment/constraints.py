"""The rules of the household problem, one small named function per rule.

Each function is pure and vectorised (a polars expression over a *pair frame*, or a function
over a load frame) and its docstring states the rule in one line. The candidate builder,
the solvers and the explainer all use these same functions, so "why" comes from the same
code as "what".

Pair-frame columns (one row per household x worker pair being considered):
household side ``household_id, tier, risk, county_id, township_id, village_id, grid_id,
lon, lat``; worker side ``worker_id, role, w_township_id, w_village_id, w_grid_id, w_lon,
w_lat, active, own_household_id``.

Hard rules (never broken by a plan):
    role_eligible, in_jurisdiction, worker_active, not_own_household, no_declared_conflict,
    not_forbidden, within_hours_capacity, within_count_capacity (with fits_capacity, the
    same test on arrays, and CAPACITY_TOL, the one tolerance of every solver step)
Soft rules (costs in minutes-equivalent per month, minimised):
    travel_minutes_per_month, up_cover_penalty, continuity_penalty, unassigned_penalty,
    balance_threshold (with overload_cost and overload_change) - and the reported
    balance_spread

Areas: :func:`area_columns` is the one mapping from a jurisdiction area (township, village,
grid) to the id columns that identify it; every module that groups by area uses it.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from assignment.domain import Area, AssignmentSettings, Role
from assignment.loads import exact_sums_by

EARTH_RADIUS_KM = 6371.0088

CAPACITY_TOL = 1e-9
"""Hours by which a worker's load may exceed ``monthly_hours`` in every solver step
(floating-point noise only; the independent validator keeps its own tolerance)."""

_AREA_COLUMNS: dict[str, tuple[str, ...]] = {
    "township": ("township_id",),
    "village": ("township_id", "village_id"),
    "grid": ("township_id", "village_id", "grid_id"),
}


def area_columns(area: Area) -> tuple[str, ...]:
    """The id columns that identify an area, outermost first (a village: township, village).

    The last one is the area's own id column (``area_columns(area)[-1]``).
    """
    return _AREA_COLUMNS[area]


def area_key(area: Area) -> str:
    """The id column of an area itself (``village`` -> ``village_id``)."""
    return _AREA_COLUMNS[area][-1]


# ---------------------------------------------------------------- Hard constraints


def role_eligible(settings: AssignmentSettings) -> pl.Expr:
    """A household's tier may be served only by its tier's role or an allowed up-cover role."""
    conds = [
        (pl.col("tier") == tier) & (pl.col("role") == role.value)
        for tier in (1, 2, 3)
        for role, _up in settings.eligible_roles(tier)
    ]
    return pl.any_horizontal(conds)


def is_up_cover(settings: AssignmentSettings) -> pl.Expr:
    """A pair is an up-cover when the worker's role is not the tier's own role."""
    conds = [
        (pl.col("tier") == tier) & (pl.col("role") != settings.tier(tier).role.value)
        for tier in (1, 2, 3)
    ]
    return pl.any_horizontal(conds)


def _area_match(area: Area) -> pl.Expr:
    return pl.all_horizontal([pl.col(c) == pl.col(f"w_{c}") for c in area_columns(area)])


def in_jurisdiction(settings: AssignmentSettings) -> pl.Expr:
    """A worker may take only households inside its role's area (grid / village / township)."""
    conds = [
        (pl.col("role") == role.value) & _area_match(settings.jurisdiction[role]) for role in Role
    ]
    return pl.any_horizontal(conds).fill_null(False)


def worker_active() -> pl.Expr:
    """Only active workers may be assigned households."""
    return pl.col("active").fill_null(False)


def not_own_household() -> pl.Expr:
    """A worker never visits their own household (``own_household_id``)."""
    return ~(pl.col("own_household_id") == pl.col("household_id")).fill_null(False)


def no_declared_conflict() -> pl.Expr:
    """A worker never visits a household with a declared conflict of interest (``conflict``)."""
    return ~pl.col("conflict").fill_null(False)


def not_forbidden() -> pl.Expr:
    """A pair forbidden by a supervisor (column ``forbidden``) is never assigned."""
    return ~pl.col("forbidden").fill_null(False)


def within_hours_capacity(loads: pl.DataFrame) -> pl.Series:
    """A worker's assigned hours per month never exceed ``monthly_hours``.

    ``loads`` has ``hours_used`` and ``monthly_hours`` per worker; returns a bool per row.
    """
    return (loads["hours_used"] <= loads["monthly_hours"] + CAPACITY_TOL).alias("within_hours")


def within_count_capacity(loads: pl.DataFrame) -> pl.Series:
    """A worker's number of assigned households never exceeds ``max_households``."""
    return (loads["households"] <= loads["max_households"]).alias("within_count")


def fits_capacity(
    hours: np.ndarray | float,
    cap_hours: np.ndarray | float,
    count: np.ndarray | int,
    cap_count: np.ndarray | int,
) -> np.ndarray:
    """Both capacity rules on arrays or scalars: hours within ``cap_hours`` (up to
    :data:`CAPACITY_TOL`) and count within ``cap_count``. The solvers' one fit test; a 0-d
    array for scalars (``bool()`` it)."""
    return np.asarray(
        np.logical_and(
            np.asarray(hours) <= np.asarray(cap_hours) + CAPACITY_TOL,
            np.asarray(count) <= np.asarray(cap_count),
        )
    )


HARD_PAIR_RULES = (
    "role_eligible",
    "in_jurisdiction",
    "worker_active",
    "not_own_household",
    "no_declared_conflict",
    "not_forbidden",
)
"""The hard rules on a single (household, worker) pair, in the order explanations test them."""


def hard_pair_rules(settings: AssignmentSettings) -> dict[str, pl.Expr]:
    """Every hard pair rule by name (:data:`HARD_PAIR_RULES` order), as expressions over a
    pair frame: true where the pair keeps the rule."""
    return {
        "role_eligible": role_eligible(settings),
        "in_jurisdiction": in_jurisdiction(settings),
        "worker_active": worker_active(),
        "not_own_household": not_own_household(),
        "no_declared_conflict": no_declared_conflict(),
        "not_forbidden": not_forbidden(),
    }


# ---------------------------------------------------------------- Soft constraints


def haversine_km(lon1: str, lat1: str, lon2: str, lat2: str) -> pl.Expr:
    """Great-circle distance in km between two WGS84 points given by column names."""
    p1, p2 = pl.col(lat1).radians(), pl.col(lat2).radians()
    dphi = p2 - p1
    dlmb = (pl.col(lon2) - pl.col(lon1)).radians()
    a = (dphi / 2).sin().pow(2) + p1.cos() * p2.cos() * (dlmb / 2).sin().pow(2)
    return 2 * EARTH_RADIUS_KM * a.sqrt().clip(upper_bound=1.0).arcsin()


def travel_minutes_per_visit(settings: AssignmentSettings) -> pl.Expr:
    """Travel per visit = straight km x county road factor / speed x 60, doubled for round trip.

    Needs a ``road_factor`` column (the household's county factor).
    """
    km = haversine_km("w_lon", "w_lat", "lon", "lat")
    trips = 2.0 if settings.round_trip else 1.0
    return km * pl.col("road_factor") / settings.speed_kmh * 60.0 * trips


def visits_per_month(settings: AssignmentSettings) -> pl.Expr:
    """Visits per month of a household by its tier's cadence."""
    return (
        pl.col("tier")
        .replace_strict({t: settings.tier(t).visits_per_month for t in (1, 2, 3)})
        .cast(pl.Float64)
    )


def minutes_on_site(settings: AssignmentSettings) -> pl.Expr:
    """Minutes on site per visit by the household's tier."""
    return (
        pl.col("tier")
        .replace_strict({t: settings.tier(t).minutes_on_site for t in (1, 2, 3)})
        .cast(pl.Float64)
    )


def hours_per_month(settings: AssignmentSettings) -> pl.Expr:
    """Hours a pair uses per month = visits x (minutes on site + travel minutes) / 60."""
    return (
        visits_per_month(settings) * (minutes_on_site(settings) + pl.col("travel_minutes")) / 60.0
    )


def travel_minutes_per_month(settings: AssignmentSettings) -> pl.Expr:
    """Soft: minimise travel minutes per month = visits x travel minutes per visit."""
    return visits_per_month(settings) * pl.col("travel_minutes")


def up_cover_penalty(settings: AssignmentSettings) -> pl.Expr:
    """Soft: a higher role taking a lower tier costs the up-cover penalty per month."""
    return pl.when(pl.col("up_cover")).then(settings.up_cover_penalty).otherwise(0.0)


def continuity_penalty(settings: AssignmentSettings) -> pl.Expr:
    """Soft: a household with a previous worker that gets a different one costs the penalty."""
    changed = pl.col("previous_worker_id").is_not_null() & ~pl.col("kept_previous")
    return pl.when(changed).then(settings.continuity_penalty).otherwise(0.0)


def unassigned_penalty(settings: AssignmentSettings) -> pl.Expr:
    """Soft: leaving a household unassigned costs base[tier] x (1 + risk): tier first, then risk."""
    base = (
        pl.col("tier")
        .replace_strict({t: settings.unassigned_base(t) for t in (1, 2, 3)})
        .cast(pl.Float64)
    )
    return base * (1.0 + pl.col("risk").fill_null(0.0).clip(0.0, 1.0))


def peer_group(settings: AssignmentSettings) -> pl.Expr:
    """A worker's peers: the workers of its role in the same area of that role (grid, village
    or township, as in the jurisdiction policy). Over a worker frame; a string key."""
    key = pl.lit(None, dtype=pl.String)
    for role in Role:
        col = area_key(settings.jurisdiction[role])
        key = (
            pl.when(pl.col("role") == role.value)
            .then(pl.concat_str(pl.lit(role.value), pl.col(col), separator=":"))
            .otherwise(key)
        )
    return key


def balance_threshold(
    workers: pl.DataFrame, arcs: pl.DataFrame, settings: AssignmentSettings
) -> pl.DataFrame:
    """Soft: hours above ``(fair share + margin) x monthly_hours`` cost ``balance_weight`` each.

    A peer group's *fair share* is its demand over its capacity: the demand is, for every
    household whose own-role workers are in the group, the hours it needs from the nearest of
    them (its cheapest non-up-cover arc); the capacity is the group's monthly hours. A worker
    far above the level its peers would share evenly then pays for it, so the optimizer moves
    work to less loaded peers where that costs little. Returns ``worker_id, fair_share,
    soft_hours`` for every worker (soft_hours = monthly_hours when the term is off).
    """
    active = pl.col("active").fill_null(False) if "active" in workers.columns else pl.lit(True)
    ws = workers.select(
        "worker_id",
        pl.col("monthly_hours").fill_null(0.0).clip(lower_bound=0.0),
        pl.when(active).then(pl.col("monthly_hours")).otherwise(0.0).alias("_active_hours"),
        peer_group(settings).alias("_peer"),
    )
    nearest = (
        arcs.filter(~pl.col("up_cover"))
        .group_by("household_id", maintain_order=True)
        .agg(pl.col("hours_per_month").min().alias("_h"), pl.col("worker_id").first())
        .join(ws.select("worker_id", "_peer"), on="worker_id", how="inner", maintain_order="left")
    )
    # Summed correctly rounded (exact_sums_by): the same thresholds, so the same solver costs,
    # to the last bit whatever order the rows come in.
    demand = exact_sums_by(nearest, "_peer", ["_h"]).rename({"_h": "_demand"})
    capacity = exact_sums_by(ws, "_peer", ["_active_hours"]).rename({"_active_hours": "_cap"})
    fair = capacity.join(demand, on="_peer", how="left").select(
        "_peer",
        pl.when(pl.col("_cap") > 0)
        .then((pl.col("_demand").fill_null(0.0) / pl.col("_cap")).clip(upper_bound=1.0))
        .otherwise(0.0)
        .alias("fair_share"),
    )
    level = (pl.col("fair_share") + settings.balance_margin).clip(upper_bound=1.0)
    soft = (
        pl.col("monthly_hours") * level if settings.balance_weight > 0 else pl.col("monthly_hours")
    )
    return (
        ws.join(fair, on="_peer", how="left")
        .with_columns(pl.col("fair_share").fill_null(0.0))
        .select("worker_id", "fair_share", soft.alias("soft_hours"))
    )


def overload_cost(hours: np.ndarray, soft_hours: np.ndarray, weight: float) -> float:
    """Soft: ``weight`` per hour worked above the balance threshold, summed over workers."""
    if weight <= 0:
        return 0.0
    return float(weight * np.maximum(hours - soft_hours, 0.0).sum())


def overload_change(
    hours: np.ndarray | float,
    delta: np.ndarray | float,
    soft_hours: np.ndarray | float,
    weight: float,
) -> np.ndarray | float:
    """Soft: change of a worker's balance cost when its ``hours`` change by ``delta``."""
    if weight <= 0:
        return np.zeros_like(np.asarray(hours, dtype=float)) if np.ndim(hours) else 0.0
    after = np.maximum(np.asarray(hours) + delta - soft_hours, 0.0)
    before = np.maximum(np.asarray(hours) - soft_hours, 0.0)
    change = weight * (after - before)
    return float(change) if np.ndim(change) == 0 else change


def balance_spread(loads: pl.DataFrame) -> pl.DataFrame:
    """Soft (reported): spread of utilisation per role = max - mean of hours_used/monthly_hours."""
    return (
        loads.filter(pl.col("monthly_hours") > 0)
        .with_columns((pl.col("hours_used") / pl.col("monthly_hours")).alias("utilisation"))
        .group_by("role")
        .agg(
            pl.col("utilisation").mean().alias("mean_utilisation"),
            pl.col("utilisation").max().alias("max_utilisation"),
        )
        .with_columns((pl.col("max_utilisation") - pl.col("mean_utilisation")).alias("spread"))
        .sort("role")
    )

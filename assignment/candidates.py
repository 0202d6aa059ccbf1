"""Candidate arcs of the household problem: every (household, worker) pair a plan may use.

:func:`build_candidates` applies every hard pair rule of :mod:`assignment.constraints`
(eligibility incl. up-cover, jurisdiction, active, conflict of interest, forbidden) and prices
each surviving pair with the soft rules. Capacity rules act on sums over arcs and are enforced
by the solvers, not here.

CANDIDATES CONTRACT (other modules rely on these names; add columns, rename none):
``household_id, worker_id, township_id, tier (Int8), role (str), travel_minutes (float, per
visit, round trip), hours_per_month (float), cost (float: travel minutes per month + up-cover
penalty + continuity penalty), up_cover (bool), kept_previous (bool)``, plus ``pinned`` (bool).
Rows are sorted by ``household_id, worker_id``.
"""

from __future__ import annotations

import polars as pl

from assignment import constraints as rules
from assignment.domain import AssignmentSettings, Role
from assignment.errors import InputError

CANDIDATE_COLUMNS = (
    "household_id",
    "worker_id",
    "township_id",
    "tier",
    "role",
    "travel_minutes",
    "hours_per_month",
    "cost",
    "up_cover",
    "kept_previous",
    "pinned",
)

HOUSEHOLD_COLUMNS = (
    "household_id",
    "township_id",
    "village_id",
    "grid_id",
    "county_id",
    "lon",
    "lat",
    "tier",
    "risk",
)
WORKER_COLUMNS = (
    "worker_id",
    "role",
    "county_id",
    "township_id",
    "village_id",
    "grid_id",
    "lon",
    "lat",
    "monthly_hours",
    "max_households",
    "own_household_id",
    "active",
)


def latest_previous(previous: pl.DataFrame | None) -> pl.DataFrame:
    """Last month's worker per household (the latest ``month`` wins).

    Two rows for one household in the same month (or, without a ``month`` column, two rows
    for one household) are ambiguous: refused with :class:`~assignment.errors.InputError`
    naming the households, as the input contract refuses them, so that the solver and the
    validator can never pick different workers.
    """
    if previous is None or previous.height == 0:
        return pl.DataFrame(schema={"household_id": pl.String, "previous_worker_id": pl.String})
    keys = ["household_id"] + (["month"] if "month" in previous.columns else [])
    dup = previous.filter(pl.struct(keys).is_duplicated())
    if dup.height:
        ids = dup["household_id"].cast(pl.String).unique().sort().to_list()
        shown = ", ".join(ids[:10]) + (f" … (+{len(ids) - 10})" if len(ids) > 10 else "")
        raise InputError(
            f"previous assignment: {len(ids)} household(s) with several workers in the same "
            f"month, which is ambiguous (上月分配中同一农户同月有多名人员): {shown}"
        )
    return (
        previous.sort(keys, descending=[False] + [True] * (len(keys) - 1))
        .unique("household_id", keep="first", maintain_order=True)
        .select(
            pl.col("household_id").cast(pl.String),
            pl.col("worker_id").cast(pl.String).alias("previous_worker_id"),
        )
    )


def _pairs_flag(
    pairs: pl.DataFrame | None, name: str, hh_idx: pl.DataFrame, w_idx: pl.DataFrame
) -> pl.DataFrame | None:
    # (household, worker) pairs as integer keys, so that the big join is on integers.
    if pairs is None or pairs.height == 0:
        return None
    return (
        pairs.select("household_id", "worker_id")
        .unique()
        .join(hh_idx, on="household_id")
        .join(w_idx, on="worker_id")
        .select("_hi", "_wi", pl.lit(True).alias(name))
    )


def _worker_side(workers: pl.DataFrame) -> pl.DataFrame:
    extra = ["_wi"] if "_wi" in workers.columns else []
    return workers.select(
        *extra,
        "worker_id",
        "role",
        pl.col("township_id").alias("w_township_id"),
        pl.col("village_id").alias("w_village_id"),
        pl.col("grid_id").alias("w_grid_id"),
        pl.col("lon").alias("w_lon"),
        pl.col("lat").alias("w_lat"),
        "active",
        "own_household_id",
    )


def build_pairs(
    households: pl.DataFrame, workers: pl.DataFrame, settings: AssignmentSettings
) -> pl.DataFrame:
    """Household x worker pairs inside each role's area for every role that may serve the tier.

    This is the join that makes the problem local (tier 3: the grid's workers and the
    village's officials; tier 2: the village's officials and the township's cadres; tier 1:
    the township's cadres); rules are applied afterwards by :func:`build_candidates`.
    """
    ws = _worker_side(workers)
    frames: list[pl.DataFrame] = []
    extra_h = ["_hi"] if "_hi" in households.columns else []
    hh = households.select(*HOUSEHOLD_COLUMNS, *extra_h)
    for tier in (1, 2, 3):
        hh_t = hh.filter(pl.col("tier") == tier)
        if hh_t.height == 0:
            continue
        for role, _up in settings.eligible_roles(tier):
            keys = list(rules.area_columns(settings.jurisdiction[role]))
            w_r = ws.filter(pl.col("role") == role.value)
            if w_r.height == 0:
                continue
            joined = hh_t.join(
                w_r,
                left_on=keys,
                right_on=["w_" + k for k in keys],
                how="inner",
                coalesce=False,
            )
            frames.append(joined)
    if not frames:
        return _empty_pairs(households, workers)
    return pl.concat(frames, how="vertical_relaxed")


def _empty_pairs(households: pl.DataFrame, workers: pl.DataFrame) -> pl.DataFrame:
    extra_h = ["_hi"] if "_hi" in households.columns else []
    hh = households.select(*HOUSEHOLD_COLUMNS, *extra_h).clear()
    ws = _worker_side(workers).clear()
    return pl.concat([hh, ws], how="horizontal")


def build_candidates(  # noqa: PLR0917  (the contract signature A2 relies on)
    households: pl.DataFrame,
    workers: pl.DataFrame,
    previous: pl.DataFrame | None,
    conflicts: pl.DataFrame | None,
    settings: AssignmentSettings,
    pins: pl.DataFrame | None = None,
    forbids: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every allowed (household, worker) arc with its travel, hours and cost (the contract).

    ``households`` needs ``household_id, township_id, village_id, grid_id, county_id, lon,
    lat, tier, risk``; ``workers`` the workers contract; ``previous`` ``household_id,
    worker_id[, month]``; ``conflicts``, ``pins`` and ``forbids`` ``household_id, worker_id``.
    A pin that is not an allowed arc is absent from the result (see
    :func:`assignment.errors.check_pins`).
    """
    counties = households["county_id"].unique().sort().to_list()
    factor = {c: settings.factor_for(c) for c in counties}
    # Integer row keys (in id order) make the joins and the final sort cheap.
    households = households.sort("household_id").with_row_index("_hi")
    workers = workers.sort("worker_id").with_row_index("_wi")
    hh_idx = households.select("household_id", "_hi")
    w_idx = workers.select("worker_id", "_wi")
    prev = latest_previous(previous).join(hh_idx, on="household_id").drop("household_id")
    pairs = (
        build_pairs(households, workers, settings)
        .join(prev, on="_hi", how="left")
        .with_columns(
            pl.col("county_id")
            .replace_strict(factor, default=settings.road_factor, return_dtype=pl.Float64)
            .alias("road_factor")
        )
    )
    for name, frame in (("conflict", conflicts), ("forbidden", forbids), ("pinned", pins)):
        flags = _pairs_flag(frame, name, hh_idx, w_idx)
        if flags is None:
            pairs = pairs.with_columns(pl.lit(None, dtype=pl.Boolean).alias(name))
        else:
            pairs = pairs.join(flags, on=["_hi", "_wi"], how="left")
    allowed = pl.all_horizontal(list(rules.hard_pair_rules(settings).values()))
    arcs = (
        pairs.filter(allowed)
        .with_columns(
            rules.travel_minutes_per_visit(settings).alias("travel_minutes"),
            rules.is_up_cover(settings).alias("up_cover"),
            (pl.col("previous_worker_id") == pl.col("worker_id"))
            .fill_null(False)
            .alias("kept_previous"),
            pl.col("pinned").fill_null(False),
        )
        .with_columns(rules.hours_per_month(settings).alias("hours_per_month"))
        .with_columns(
            (
                rules.travel_minutes_per_month(settings)
                + rules.up_cover_penalty(settings)
                + rules.continuity_penalty(settings)
            ).alias("cost")
        )
    )
    return (
        arcs.select(
            "_hi",
            "_wi",
            pl.col("household_id").cast(pl.String),
            pl.col("worker_id").cast(pl.String),
            pl.col("township_id").cast(pl.String),
            pl.col("tier").cast(pl.Int8),
            pl.col("role").cast(pl.String),
            pl.col("travel_minutes").cast(pl.Float64),
            pl.col("hours_per_month").cast(pl.Float64),
            pl.col("cost").cast(pl.Float64),
            pl.col("up_cover").cast(pl.Boolean),
            pl.col("kept_previous").cast(pl.Boolean),
            pl.col("pinned").cast(pl.Boolean),
        )
        .sort("_hi", "_wi")
        .drop("_hi", "_wi")
    )


__all__ = [
    "CANDIDATE_COLUMNS",
    "HOUSEHOLD_COLUMNS",
    "WORKER_COLUMNS",
    "Role",
    "build_candidates",
    "build_pairs",
    "latest_previous",
]

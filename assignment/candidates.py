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
from assignment.domain import AssignmentSettings, Role, ids_text
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
        shown = ids_text(ids)
        raise InputError(
            f"previous assignment: 上月分配中同一农户同月有多名人员 ({len(ids)} household(s) "
            f"with several workers in the same month, which is ambiguous): {shown}"
        )
    return (
        previous.sort(keys, descending=[False] + [True] * (len(keys) - 1))
        .unique("household_id", keep="first", maintain_order=True)
        .select(
            pl.col("household_id").cast(pl.String),
            pl.col("worker_id").cast(pl.String).alias("previous_worker_id"),
        )
    )


def _area_joins(settings: AssignmentSettings) -> list[tuple[int, Role, list[str]]]:
    """Each (tier, role that may serve it, area id columns the pair shares) of the pair join."""
    return [
        (tier, role, list(rules.area_columns(settings.jurisdiction[role])))
        for tier in (1, 2, 3)
        for role, _up in settings.eligible_roles(tier)
    ]


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
    for tier, role, keys in _area_joins(settings):
        hh_t = hh.filter(pl.col("tier") == tier)
        w_r = ws.filter(pl.col("role") == role.value)
        if hh_t.height == 0 or w_r.height == 0:
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


# The candidates are built on integer pairs rather than on the wide frame of build_pairs, whose
# string columns on every pair made the joins, the filter and the final sort costly. A pair is
# (_hi, _wi): the rows of the household side and of the worker side, each sorted by id, so
# that pairs sorted by (_hi, _wi) are sorted by (household_id, worker_id). Each rule expression
# is evaluated on the same pairs, in the same order, with the same values as in the pair frame
# of build_pairs, but on a frame gathered with only the columns it reads; the string columns
# of the result are gathered once, for the arcs that survive the hard rules.

_CONTRACT_SELECT = (
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


def _household_side(
    households: pl.DataFrame, previous: pl.DataFrame | None, settings: AssignmentSettings
) -> pl.DataFrame:
    """The household columns of a pair frame, one row per household sorted by id (the row is
    ``_hi``), with the household's ``road_factor`` (of its county) and ``previous_worker_id``."""
    counties = households["county_id"].unique().sort().to_list()
    factor = {c: settings.factor_for(c) for c in counties}
    return (
        households.select(HOUSEHOLD_COLUMNS)
        .sort("household_id")
        .join(latest_previous(previous), on="household_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("county_id")
            .replace_strict(factor, default=settings.road_factor, return_dtype=pl.Float64)
            .alias("road_factor")
        )
    )


def _pair_key(hi: pl.Expr, wi: pl.Expr) -> pl.Expr:
    """One integer per (household row, worker row) that sorts as (``_hi``, ``_wi``), rows being
    below 2**32 (UInt32 row numbers): sorting one column costs a fraction of sorting by two."""
    return hi.cast(pl.UInt64) * (1 << 32) + wi.cast(pl.UInt64)


def _pair_rows(hh: pl.DataFrame, ws: pl.DataFrame, settings: AssignmentSettings) -> pl.DataFrame:
    """The pairs of :func:`build_pairs` as ``_hi, _wi, _key``, sorted by (``_hi``, ``_wi``).

    ``hh`` and ``ws`` are the household and worker sides (rows = ``_hi`` and ``_wi``); only the
    area columns are joined on and only the two row numbers are kept of each match.
    """
    hh = hh.with_row_index("_hi")
    ws = ws.with_row_index("_wi")
    index = pl.get_index_type()
    blocks = [pl.DataFrame(schema={"_hi": index, "_wi": index})]
    for tier, role, keys in _area_joins(settings):
        w_keys = ["w_" + k for k in keys]
        hh_t = hh.filter(pl.col("tier") == tier).select("_hi", *keys)
        w_r = ws.filter(pl.col("role") == role.value).select("_wi", *w_keys)
        matched = hh_t.join(w_r, left_on=keys, right_on=w_keys, how="inner")
        blocks.append(matched.select("_hi", "_wi"))
    pairs = pl.concat(blocks).with_columns(_pair_key(pl.col("_hi"), pl.col("_wi")).alias("_key"))
    # Single-threaded: the parallel sort costs more CPU seconds for these sizes.
    return pairs.sort("_key", multithreaded=False)


def _listed_keys(
    listed: pl.DataFrame | None, hh: pl.DataFrame, ws: pl.DataFrame
) -> pl.Series | None:
    """The pair keys of a ``household_id, worker_id`` list (conflicts, forbids or pins); None
    when there is no list."""
    if listed is None or listed.height == 0:
        return None
    return (
        listed.select("household_id", "worker_id")
        .unique()
        .join(hh.select("household_id").with_row_index("_hi"), on="household_id")
        .join(ws.select("worker_id").with_row_index("_wi"), on="worker_id")
        .select(_pair_key(pl.col("_hi"), pl.col("_wi")))
        .to_series()
    )


def _flag(keys: pl.Series | None) -> pl.Expr:
    """A pair list as a flag column: true for a listed pair, else null (as a left join)."""
    if keys is None:
        return pl.lit(None, dtype=pl.Boolean)
    return pl.when(pl.col("_key").is_in(keys.implode())).then(True)


def _pair_frame(
    pairs: pl.DataFrame,
    hh: pl.DataFrame,
    ws: pl.DataFrame,
    flags: dict[str, pl.Expr],
    exprs: list[pl.Expr],
) -> pl.DataFrame:
    """``pairs`` with the pair-frame columns that ``exprs`` read: household columns gathered by
    ``_hi``, worker columns by ``_wi``, flags (conflict, forbidden, pinned) from ``_key``."""
    names = {name for expr in exprs for name in expr.meta.root_names()}
    h_cols = [c for c in hh.columns if c in names]
    w_cols = [c for c in ws.columns if c in names]
    parts = [pairs]
    if h_cols:
        parts.append(hh.select(h_cols)[pairs["_hi"]])
    if w_cols:
        parts.append(ws.select(w_cols)[pairs["_wi"]])
    frame = pl.concat(parts, how="horizontal")
    return frame.with_columns(expr.alias(name) for name, expr in flags.items() if name in names)


def _priced(
    arcs: pl.DataFrame,
    hh: pl.DataFrame,
    ws: pl.DataFrame,
    flags: dict[str, pl.Expr],
    settings: AssignmentSettings,
) -> pl.DataFrame:
    """The allowed ``arcs`` (pair rows) priced by the soft rules, as the contract columns."""
    first = [
        rules.travel_minutes_per_visit(settings).alias("travel_minutes"),
        rules.is_up_cover(settings).alias("up_cover"),
        (pl.col("previous_worker_id") == pl.col("worker_id"))
        .fill_null(False)
        .alias("kept_previous"),
        pl.col("pinned").fill_null(False),
    ]
    hours = rules.hours_per_month(settings).alias("hours_per_month")
    cost = (
        rules.travel_minutes_per_month(settings)
        + rules.up_cover_penalty(settings)
        + rules.continuity_penalty(settings)
    ).alias("cost")
    frame = _pair_frame(arcs, hh, ws, flags, [*first, hours, cost, *_CONTRACT_SELECT])
    return frame.with_columns(first).with_columns(hours).with_columns(cost).select(_CONTRACT_SELECT)


def build_candidates(  # noqa: PLR0917  (the candidate-arcs contract's signature)
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
    A pin that is not an allowed arc is absent from the result (reported by
    :func:`assignment.inputs.clean_pins`, which drops it with a message naming the rule).

    The arcs are the pairs of :func:`build_pairs` that keep every hard pair rule, each rule
    seeing the columns of the pair frame of :func:`build_pairs` (with ``road_factor``,
    ``previous_worker_id`` and the ``conflict, forbidden, pinned`` flags).
    """
    hh = _household_side(households, previous, settings)
    ws = _worker_side(workers.sort("worker_id"))
    pairs = _pair_rows(hh, ws, settings)
    lists = {"conflict": conflicts, "forbidden": forbids, "pinned": pins}
    flags = {name: _flag(_listed_keys(listed, hh, ws)) for name, listed in lists.items()}
    allowed = pl.all_horizontal(list(rules.hard_pair_rules(settings).values()))
    keep = _pair_frame(pairs, hh, ws, flags, [allowed]).select(allowed).to_series()
    return _priced(pairs.filter(keep), hh, ws, flags, settings)


__all__ = [
    "CANDIDATE_COLUMNS",
    "HOUSEHOLD_COLUMNS",
    "WORKER_COLUMNS",
    "Role",
    "build_candidates",
    "build_pairs",
    "latest_previous",
]

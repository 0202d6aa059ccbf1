"""Greedy baseline plan: the yardstick the optimizer is compared against.

The rule a county planner would follow by hand: take households from the highest tier down,
and within a tier from the highest risk down (pinned households before all others, so that a
supervisor's pin gets its capacity); give each the nearest eligible worker that still has room
(hours and count). The tier's own role is tried before an up-cover role, since an up-cover
costs a penalty and uses a scarcer worker. Ties are broken by ids, so the plan is
deterministic.

It works on the candidate arcs of :func:`assignment.candidates.build_candidates` (which
already apply eligibility, jurisdiction, activity, conflicts and forbids) and re-applies
conflicts and forbids when given, so it is safe on any arc table in the candidates contract.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["PLAN_SCHEMA", "greedy_plan"]

PLAN_SCHEMA: dict[str, pl.DataType] = {
    "household_id": pl.String(),
    "worker_id": pl.String(),
    "tier": pl.Int8(),
    "role": pl.String(),
    "travel_minutes": pl.Float64(),
    "hours_per_month": pl.Float64(),
    "kept_previous": pl.Boolean(),
    "up_cover": pl.Boolean(),
    "township_id": pl.String(),
}
_EPS = 1e-9


def _drop_pairs(arcs: pl.DataFrame, pairs: pl.DataFrame | None) -> pl.DataFrame:
    if pairs is None or pairs.height == 0:
        return arcs
    return arcs.join(
        pairs.select(pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String)),
        on=["household_id", "worker_id"],
        how="anti",
    )


def _pinned_arcs(arcs: pl.DataFrame, pins: pl.DataFrame | None) -> pl.DataFrame:
    """Mark the pinned arcs (from ``pins`` or the candidates' own ``pinned`` column)."""
    pinned = pl.col("pinned").fill_null(False) if "pinned" in arcs.columns else pl.lit(False)
    arcs = arcs.with_columns(pinned.alias("_pin"))
    if pins is not None and pins.height > 0:
        flag = (
            pins.select(pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String))
            .unique()
            .with_columns(pl.lit(True).alias("_p2"))
        )
        arcs = (
            arcs.join(flag, on=["household_id", "worker_id"], how="left")
            .with_columns((pl.col("_pin") | pl.col("_p2").fill_null(False)).alias("_pin"))
            .drop("_p2")
        )
    return arcs


def greedy_plan(
    candidates: pl.DataFrame,
    households: pl.DataFrame,
    workers: pl.DataFrame,
    *,
    pins: pl.DataFrame | None = None,
    forbids: pl.DataFrame | None = None,
    conflicts: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The greedy plan of every household in ``households`` (the plan contract columns).

    ``candidates``: arcs in the candidates contract. ``households``: ``household_id,
    township_id, tier, risk`` (risk = P(tier 1), higher goes first within a tier).
    ``workers``: ``worker_id, monthly_hours, max_households``. A pinned household may only
    take its pinned worker(s); if no pinned arc exists among the candidates (an infeasible pin,
    reported elsewhere) it is treated as unpinned. Households without a fitting arc are
    returned unassigned (``worker_id`` null).
    """
    hh = households.select(
        pl.col("household_id").cast(pl.String),
        pl.col("township_id").cast(pl.String),
        pl.col("tier").cast(pl.Int8),
        pl.col("risk").cast(pl.Float64).fill_null(0.0),
    ).unique("household_id", keep="first", maintain_order=True)
    if not hh["household_id"].is_sorted():
        hh = hh.sort("household_id")
    arcs = candidates.with_columns(
        pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String)
    )
    arcs = _drop_pairs(_drop_pairs(arcs, forbids), conflicts)
    arcs = _pinned_arcs(arcs, pins)
    if arcs["_pin"].any():
        # A household with at least one pinned arc keeps only its pinned arcs.
        has_pin = arcs.filter(pl.col("_pin")).select("household_id").unique()
        has_pin = has_pin.with_columns(pl.lit(True).alias("_has_pin"))
        arcs = arcs.join(has_pin, on="household_id", how="left", maintain_order="left").filter(
            pl.col("_has_pin").is_null() | pl.col("_pin")
        )
        hh = hh.join(has_pin, on="household_id", how="left", maintain_order="left")
    else:
        hh = hh.with_columns(pl.lit(None, dtype=pl.Boolean).alias("_has_pin"))
    if arcs.height == 0:
        return _all_unassigned(hh)
    if not arcs["household_id"].is_sorted():
        arcs = arcs.sort("household_id", "worker_id")  # the contract's order; cheap if kept
    # Household priority: pinned first, then tier 1, 2, 3, then risk down, then id (hh is
    # sorted by id, so the row number breaks the last ties).
    rank_order = np.lexsort(
        (
            np.arange(hh.height),
            -hh["risk"].to_numpy(),
            hh["tier"].cast(pl.Int64).fill_null(9).to_numpy(),
            ~hh["_has_pin"].fill_null(False).to_numpy(),
        )
    )
    worker_ids = workers["worker_id"].cast(pl.String).unique().sort()
    wk = (
        workers.select(
            pl.col("worker_id").cast(pl.String),
            pl.col("monthly_hours").cast(pl.Float64).fill_null(0.0),
            pl.col("max_households").cast(pl.Int64).fill_null(0),
        )
        .unique("worker_id", keep="first")
        .sort("worker_id")  # so that the integer code orders like the id (tie-break)
    )
    # Integer worker codes in id order; an arc to an unknown worker can never be taken.
    w_code = (
        arcs["worker_id"].cast(pl.Enum(worker_ids), strict=False).to_physical().cast(pl.Int64)
        .fill_null(-1).to_numpy()
    )  # fmt: skip
    hours = arcs["hours_per_month"].cast(pl.Float64).fill_null(np.inf).to_numpy().copy()
    hours[w_code < 0] = np.inf
    order, seg_start, seg_ids = _preference_order(arcs, w_code, worker_ids.len())
    seg_of_hh = (
        hh.select("household_id")
        .join(
            pl.DataFrame({"household_id": seg_ids, "_seg": np.arange(seg_ids.len())}),
            on="household_id",
            how="left",
            maintain_order="left",
        )["_seg"]
        .fill_null(-1)
        .to_numpy()
    )
    chosen_k = _assign(
        seg_of_rank=seg_of_hh[rank_order],
        seg_start=seg_start,
        worker=np.ascontiguousarray(np.maximum(w_code[order], 0), dtype=np.int64),
        hours=np.ascontiguousarray(hours[order]),
        hours_cap=wk["monthly_hours"].to_numpy(),
        count_cap=wk["max_households"].to_numpy(),
    )
    # Back to household order, then assemble the plan from numeric gathers only (gathering
    # wide string rows out of tens of millions of arcs is what made this slow).
    by_hh = np.empty_like(chosen_k)
    by_hh[rank_order] = chosen_k
    got = by_hh >= 0
    missing = np.flatnonzero(~got)
    arc = pl.Series(np.where(got, order[np.maximum(by_hh, 0)], 0))

    def pick(col: str, dtype: pl.DataType) -> pl.Series:
        return arcs[col].gather(arc).cast(dtype).scatter(missing, None).alias(col)

    w_of = pl.Series(np.where(got, w_code[arc.to_numpy()], 0))
    role_by_code = _role_by_code(workers, arcs, worker_ids)
    plan = hh.select(
        "household_id",
        worker_ids.gather(w_of).scatter(missing, None).alias("worker_id"),
        "tier",
        role_by_code.gather(w_of).scatter(missing, None).alias("role"),
        pick("travel_minutes", pl.Float64()),
        pick("hours_per_month", pl.Float64()),
        pick("kept_previous", pl.Boolean()).fill_null(False),
        pick("up_cover", pl.Boolean()).fill_null(False),
        "township_id",
    )
    return plan.select(pl.col(c).cast(t) for c, t in PLAN_SCHEMA.items())


def _all_unassigned(hh: pl.DataFrame) -> pl.DataFrame:
    return (
        hh.select(
            "household_id",
            pl.lit(None, dtype=pl.String).alias("worker_id"),
            "tier",
            pl.lit(None, dtype=pl.String).alias("role"),
            pl.lit(None, dtype=pl.Float64).alias("travel_minutes"),
            pl.lit(None, dtype=pl.Float64).alias("hours_per_month"),
            pl.lit(False).alias("kept_previous"),
            pl.lit(False).alias("up_cover"),
            "township_id",
        )
        .select(pl.col(c).cast(t) for c, t in PLAN_SCHEMA.items())
        .sort("household_id")
    )


def _role_by_code(workers: pl.DataFrame, arcs: pl.DataFrame, worker_ids: pl.Series) -> pl.Series:
    """Role of each worker code: from the workers table, else from the arcs."""
    source = workers if "role" in workers.columns else arcs
    roles = source.select(
        pl.col("worker_id").cast(pl.String), pl.col("role").cast(pl.String)
    ).unique("worker_id", keep="first")
    frame = pl.DataFrame({"worker_id": worker_ids}).join(
        roles, on="worker_id", how="left", maintain_order="left"
    )
    return frame["role"]


def _preference_order(
    arcs: pl.DataFrame, w: np.ndarray, n_workers: int
) -> tuple[np.ndarray, np.ndarray, pl.Series]:
    """Arc order: by household segment, then own role before up-cover, travel, worker id.

    ``arcs`` are grouped by household (sorted by ``household_id``), so only the order inside
    each segment changes; the segments keep their places. Returns the permutation, the start
    of each segment (plus the end) and the household id of each segment.
    """
    n = arcs.height
    hid = arcs["household_id"]
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(1, np.int64), hid.clear()
    new_seg = (hid != hid.shift(1)).fill_null(True).to_numpy()
    starts = np.flatnonzero(new_seg)
    seg = np.cumsum(new_seg, dtype=np.int64) - 1
    up = arcs["up_cover"].fill_null(False).cast(pl.Int64).to_numpy()
    travel = arcs["travel_minutes"].cast(pl.Float64).fill_null(0.0).to_numpy()
    w = np.maximum(w, 0)
    # One int64 key when it fits: travel in thousandths of a minute (ties below that go to
    # the smaller worker id); otherwise a lexicographic sort of the four keys.
    tq = np.rint(np.clip(travel, 0.0, None) * 1000.0).astype(np.int64)
    bits_w = max(int(n_workers).bit_length(), 1)
    bits_t = max(int(tq.max()).bit_length(), 1)
    bits_s = max(int(starts.size).bit_length(), 1)
    if bits_s + 1 + bits_t + bits_w <= 62:
        key = (((seg << 1 | up) << bits_t | tq) << bits_w) | w
        order = np.argsort(key, kind="stable")
    else:  # pragma: no cover - beyond ~4 M households with long travel
        order = np.lexsort((w, travel, up, seg))
    starts = np.append(starts, n).astype(np.int64)
    return order.astype(np.int64), starts, hid.gather(starts[:-1])


def _assign(
    *,
    seg_of_rank: np.ndarray,
    seg_start: np.ndarray,
    worker: np.ndarray,
    hours: np.ndarray,
    hours_cap: np.ndarray,
    count_cap: np.ndarray,
) -> np.ndarray:
    """The chosen position (in preference order) per household rank, -1 if none fits.

    Households are visited in rank order; each takes the first arc of its segment whose
    worker still has the hours and a free slot.
    """
    valid = seg_of_rank >= 0
    seg = np.where(valid, seg_of_rank, 0)
    first = np.where(valid, seg_start[seg], 0).tolist()
    stop = np.where(valid, seg_start[seg + 1], 0).tolist()
    out = [-1] * len(first)
    # memoryviews give Python scalars quickly without copying 30 M arcs into lists.
    w_m = memoryview(worker)  # type: ignore[arg-type]
    h_m = memoryview(hours)  # type: ignore[arg-type]
    left_h = hours_cap.astype(np.float64).tolist()
    left_n = count_cap.astype(np.int64).tolist()
    eps = _EPS
    for r in range(len(first)):
        for k in range(first[r], stop[r]):
            w = w_m[k]
            h = h_m[k]
            if left_n[w] > 0 and left_h[w] + eps >= h:
                left_n[w] -= 1
                left_h[w] -= h
                out[r] = k
                break
    return np.asarray(out, dtype=np.int64)

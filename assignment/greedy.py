"""Greedy baseline plan: the yardstick the optimizer is compared against (issue 4, point 7).

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
    arcs = candidates.with_columns(
        pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String)
    )
    arcs = _drop_pairs(_drop_pairs(arcs, forbids), conflicts)
    arcs = _pinned_arcs(arcs, pins)
    # A household with at least one pinned arc keeps only its pinned arcs.
    has_pin = arcs.group_by("household_id").agg(pl.col("_pin").any().alias("_has_pin"))
    arcs = arcs.join(has_pin, on="household_id", how="left").filter(
        ~pl.col("_has_pin") | pl.col("_pin")
    )
    hh = (
        hh.join(has_pin, on="household_id", how="left")
        .with_columns(pl.col("_has_pin").fill_null(False))
        .sort(
            ["_has_pin", "tier", "risk", "household_id"],
            descending=[True, False, True, False],
        )
        .with_row_index("_rank")
    )

    wk = (
        workers.select(
            pl.col("worker_id").cast(pl.String),
            pl.col("monthly_hours").cast(pl.Float64).fill_null(0.0),
            pl.col("max_households").cast(pl.Int64).fill_null(0),
        )
        .unique("worker_id", keep="first", maintain_order=True)
        .with_row_index("_w")
    )
    arcs = (
        arcs.join(hh.select("household_id", "_rank"), on="household_id", how="inner")
        .join(wk.select("worker_id", "_w"), on="worker_id", how="inner")
        .sort(["_rank", "up_cover", "travel_minutes", "worker_id"])
    )

    chosen = _assign(
        n_households=hh.height,
        rank=arcs["_rank"].to_numpy(),
        worker=arcs["_w"].to_numpy(),
        hours=arcs["hours_per_month"].cast(pl.Float64).to_numpy(),
        hours_cap=wk["monthly_hours"].to_numpy(),
        count_cap=wk["max_households"].to_numpy(),
    )
    picked = arcs[chosen[chosen >= 0]]
    plan = hh.join(
        picked.select(
            "household_id", "worker_id", "role", "travel_minutes", "hours_per_month",
            "kept_previous", "up_cover",
        ),
        on="household_id",
        how="left",
    )  # fmt: skip
    return (
        plan.select(pl.col(c).cast(t) for c, t in PLAN_SCHEMA.items())
        .with_columns(pl.col("kept_previous").fill_null(False), pl.col("up_cover").fill_null(False))
        .sort("household_id")
    )


def _assign(
    *,
    n_households: int,
    rank: np.ndarray,
    worker: np.ndarray,
    hours: np.ndarray,
    hours_cap: np.ndarray,
    count_cap: np.ndarray,
) -> np.ndarray:
    """The chosen arc index per household rank (-1 if none fits).

    Arcs arrive sorted by household rank and preference; each household takes its first arc
    whose worker still has the hours and a free slot.
    """
    chosen = np.full(n_households, -1, dtype=np.int64)
    if rank.size == 0:
        return chosen
    starts = np.searchsorted(rank, np.arange(n_households), side="left")
    ends = np.searchsorted(rank, np.arange(n_households), side="right")
    # Python lists are markedly faster than numpy scalars inside this loop.
    left_h = hours_cap.astype(np.float64).tolist()
    left_n = count_cap.astype(np.int64).tolist()
    w_l = worker.tolist()
    h_l = hours.tolist()
    out = chosen.tolist()
    for r, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        for k in range(a, b):
            w = w_l[k]
            if left_n[w] > 0 and left_h[w] + _EPS >= h_l[k]:
                left_n[w] -= 1
                left_h[w] -= h_l[k]
                out[r] = k
                break
    return np.asarray(out, dtype=np.int64)

"""Worker loads of a plan: households, hours used and utilisation for every worker."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

__all__ = ["exact_sums_by", "worker_loads"]


def exact_sums_by(frame: pl.DataFrame, key: str, columns: list[str]) -> pl.DataFrame:
    """``key`` and the sum of each of ``columns`` per non-null ``key`` (sorted by it), each
    correctly rounded (:func:`math.fsum`, nulls as 0), so the same rows in any order give
    the same sums to the last bit.

    A plain float sum depends on the order of its terms in the last bits, and polars'
    parallel ``group_by`` adds them in an order that can vary between runs: two runs of the
    same plan gave loads 1 ulp apart (seen under load), and repeated calls gave a township's
    workload-balance thresholds, so the solver's costs, different last bits
    (``tests/assignment/test_balance.py``)."""
    rows = frame.select(key, *columns).filter(pl.col(key).is_not_null()).sort(key)
    keys = rows.group_by(key, maintain_order=True).agg(pl.len().alias("_n"))
    ends = np.cumsum(keys["_n"].to_numpy())
    starts = ends - keys["_n"].to_numpy()

    def exact(column: str) -> pl.Series:
        values = rows[column].cast(pl.Float64).fill_null(0.0).to_numpy()
        sums = [math.fsum(values[a:b]) for a, b in zip(starts, ends, strict=True)]
        return pl.Series(column, sums, dtype=pl.Float64)

    return keys.select(key).with_columns(exact(c) for c in columns)


def _exact_sums(assigned: pl.DataFrame) -> pl.DataFrame:
    """Per worker of ``assigned`` (plan rows with a worker): households, up-cover and kept
    households, and hours and travel summed correctly rounded (:func:`exact_sums_by`),
    whatever the order of the rows, so the loads and the summaries written from them are
    byte-identical from run to run. Counts are exact in any order, so polars keeps them."""
    used = assigned.group_by("worker_id", maintain_order=True).agg(
        pl.len().cast(pl.Int64).alias("households"),
        pl.col("up_cover").sum().alias("up_cover_households"),
        pl.col("kept_previous").sum().alias("kept_previous_households"),
    )
    sums = exact_sums_by(assigned, "worker_id", ["hours_per_month", "travel_minutes"])
    return (
        sums.join(used, on="worker_id", how="left", maintain_order="left")
        .rename(
            {"hours_per_month": "hours_used", "travel_minutes": "travel_minutes_per_visit_total"}
        )
        .select(
            "worker_id",
            "households",
            "up_cover_households",
            "kept_previous_households",
            "hours_used",
            "travel_minutes_per_visit_total",
        )
    )


def worker_loads(plan: pl.DataFrame, workers: pl.DataFrame) -> pl.DataFrame:
    """Per worker (every worker, also idle ones): households, hours used and utilisation;
    the same plan gives the same loads to the last bit (:func:`_exact_sums`)."""
    used = _exact_sums(plan.filter(pl.col("worker_id").is_not_null()))
    wk = workers.select(
        pl.col("worker_id").cast(pl.String),
        pl.col("role").cast(pl.String),
        pl.col("township_id").cast(pl.String),
        pl.col("village_id").cast(pl.String),
        pl.col("grid_id").cast(pl.String),
        pl.col("active").cast(pl.Boolean),
        pl.col("monthly_hours").cast(pl.Float64),
        pl.col("max_households").cast(pl.Int64),
    ).unique("worker_id", keep="first", maintain_order=True)
    return (
        wk.join(used, on="worker_id", how="left")
        .with_columns(
            pl.col("households").fill_null(0).cast(pl.Int64),
            pl.col("hours_used").fill_null(0.0),
            pl.col("up_cover_households").fill_null(0).cast(pl.Int64),
            pl.col("kept_previous_households").fill_null(0).cast(pl.Int64),
        )
        .with_columns(
            pl.when(pl.col("monthly_hours") > 0)
            .then(pl.col("hours_used") / pl.col("monthly_hours"))
            .alias("utilisation_hours"),
            pl.when(pl.col("max_households") > 0)
            .then(pl.col("households") / pl.col("max_households"))
            .alias("utilisation_count"),
        )
        .drop("travel_minutes_per_visit_total")
        .sort("worker_id")
    )

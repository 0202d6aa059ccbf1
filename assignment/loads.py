"""Worker loads of a plan: households, hours used and utilisation for every worker."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

__all__ = ["worker_loads"]


def _exact_sums(assigned: pl.DataFrame) -> pl.DataFrame:
    """Per worker of ``assigned`` (plan rows with a worker): households, up-cover and kept
    households, and hours and travel summed correctly rounded (:func:`math.fsum`), whatever
    the order of the rows.

    A plain float sum depends on the order of its terms in the last bits; polars' parallel
    ``group_by`` adds them in an order that can vary between runs (seen under load: two runs
    of the same plan gave loads 1 ulp apart), so the loads and the summaries written from
    them were not byte-identical. Counts are exact in any order, so polars keeps them."""
    rows = assigned.sort("worker_id")
    used = rows.group_by("worker_id", maintain_order=True).agg(
        pl.len().cast(pl.Int64).alias("households"),
        pl.col("up_cover").sum().alias("up_cover_households"),
        pl.col("kept_previous").sum().alias("kept_previous_households"),
    )
    ends = np.cumsum(used["households"].to_numpy())
    starts = ends - used["households"].to_numpy()

    def exact(column: str) -> pl.Series:
        values = rows[column].cast(pl.Float64).fill_null(0.0).to_numpy()
        sums = [math.fsum(values[a:b]) for a, b in zip(starts, ends, strict=True)]
        return pl.Series(sums, dtype=pl.Float64)

    return used.with_columns(
        hours_used=exact("hours_per_month"),
        travel_minutes_per_visit_total=exact("travel_minutes"),
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

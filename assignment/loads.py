"""Worker loads of a plan: households, hours used and utilisation for every worker."""

from __future__ import annotations

import polars as pl

__all__ = ["worker_loads"]


def worker_loads(plan: pl.DataFrame, workers: pl.DataFrame) -> pl.DataFrame:
    """Per worker (every worker, also idle ones): households, hours used and utilisation."""
    used = (
        plan.filter(pl.col("worker_id").is_not_null())
        .group_by("worker_id")
        .agg(
            pl.len().alias("households"),
            pl.col("hours_per_month").sum().alias("hours_used"),
            pl.col("travel_minutes").sum().alias("travel_minutes_per_visit_total"),
            pl.col("up_cover").sum().alias("up_cover_households"),
            pl.col("kept_previous").sum().alias("kept_previous_households"),
        )
    )
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

"""Derivation: each plan row joined with its raw inputs and its re-derived values.

The rules judge the frame :func:`derive` returns: the plan's rows with the household, the
worker, the final tier and last month's worker from the raw inputs, and the tier, travel,
hours, kept-previous and up-cover values re-derived from them and the policy.
"""

from __future__ import annotations

import polars as pl

from assignment.domain import AssignmentSettings, PlanInputs
from assignment.errors import PlanFormatError
from assignment.validator.travel import haversine_km, road_factor_expr, travel_minutes


def derive(plan: pl.DataFrame, inputs: PlanInputs, rules: AssignmentSettings) -> pl.DataFrame:
    """Join each plan row with its raw household, worker, score and previous worker.

    Adds the re-derived ``d_tier``, ``d_travel``, ``d_hours``, ``d_kept``, ``d_up_cover``.
    """
    hh = inputs.households.select(
        pl.col("household_id").cast(pl.String),
        pl.col("county_id").cast(pl.String).alias("h_county"),
        pl.col("township_id").cast(pl.String).alias("h_township"),
        pl.col("village_id").cast(pl.String).alias("h_village"),
        pl.col("grid_id").cast(pl.String).alias("h_grid"),
        pl.col("lon").cast(pl.Float64).alias("h_lon"),
        pl.col("lat").cast(pl.Float64).alias("h_lat"),
        pl.lit(True).alias("h_known"),
    ).unique("household_id", keep="first", maintain_order=True)
    wk = inputs.workers.select(
        pl.col("worker_id").cast(pl.String),
        pl.col("role").cast(pl.String).alias("w_role"),
        pl.col("township_id").cast(pl.String).alias("w_township"),
        pl.col("village_id").cast(pl.String).alias("w_village"),
        pl.col("grid_id").cast(pl.String).alias("w_grid"),
        pl.col("lon").cast(pl.Float64).alias("w_lon"),
        pl.col("lat").cast(pl.Float64).alias("w_lat"),
        pl.col("monthly_hours").cast(pl.Float64),
        pl.col("max_households").cast(pl.Int64),
        pl.col("own_household_id").cast(pl.String),
        pl.col("active").cast(pl.Boolean),
        pl.lit(True).alias("w_known"),
    ).unique("worker_id", keep="first", maintain_order=True)
    sc = inputs.scores.select(
        pl.col("household_id").cast(pl.String),
        pl.col("final_tier").cast(pl.Int64).alias("d_tier"),
    ).unique("household_id", keep="first", maintain_order=True)
    prev = latest_previous(inputs.previous)

    d = (
        plan.with_row_index("_row")
        .with_columns(
            pl.col("household_id").cast(pl.String),
            pl.col("worker_id").cast(pl.String),
            pl.col("township_id").cast(pl.String),
            pl.col("role").cast(pl.String),
            pl.col("tier").cast(pl.Int64),
            pl.col("travel_minutes").cast(pl.Float64),
            pl.col("hours_per_month").cast(pl.Float64),
        )
        .join(hh, on="household_id", how="left", maintain_order="left")
        .join(sc, on="household_id", how="left", maintain_order="left")
        .join(wk, on="worker_id", how="left", maintain_order="left")
        .join(prev, on="household_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("h_known").fill_null(False),
            pl.col("w_known").fill_null(False),
            road_factor_expr(rules, "h_county").alias("_factor"),
        )
    )
    km = haversine_km(
        d["h_lon"].to_numpy(), d["h_lat"].to_numpy(), d["w_lon"].to_numpy(), d["w_lat"].to_numpy()
    )
    travel = travel_minutes(km, d["_factor"].to_numpy(), rules)
    tier_for_rules = pl.coalesce("d_tier", "tier")
    visits = tier_for_rules.replace_strict(
        {t: r.visits_per_month for t, r in rules.tiers.items()},
        default=None,
        return_dtype=pl.Float64,
    )
    onsite = tier_for_rules.replace_strict(
        {t: r.minutes_on_site for t, r in rules.tiers.items()},
        default=None,
        return_dtype=pl.Float64,
    )
    paired = tier_for_rules.replace_strict(
        {t: str(r.role) for t, r in rules.tiers.items()}, default=None, return_dtype=pl.String
    )
    assigned = pl.col("worker_id").is_not_null()
    return d.with_columns(
        pl.Series("d_travel", travel, dtype=pl.Float64),
        paired.alias("d_paired_role"),
        tier_for_rules.alias("_t"),
    ).with_columns(
        pl.when(assigned & pl.col("w_known") & pl.col("h_known"))
        .then(visits * (onsite + pl.col("d_travel")) / 60.0)
        .alias("d_hours"),
        (assigned & (pl.col("worker_id") == pl.col("prev_worker")).fill_null(False)).alias(
            "d_kept"
        ),
        (assigned & pl.col("w_known") & (pl.col("w_role") != pl.col("d_paired_role")))
        .fill_null(False)
        .alias("d_up_cover"),
    )


def latest_previous(previous: pl.DataFrame | None) -> pl.DataFrame:
    """Last month's worker of each household (the latest ``month`` when several are given).

    Several rows for one household and month are refused (:class:`PlanFormatError`): the
    validator never guesses which of them the planner meant.
    """
    if previous is None or previous.height == 0:
        return pl.DataFrame(schema={"household_id": pl.String, "prev_worker": pl.String})
    cols = [pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String)]
    keys = ["household_id"]
    if "month" in previous.columns:
        cols.append(pl.col("month").cast(pl.String))
        keys.append("month")
    prev = previous.select(cols)
    ambiguous = prev.group_by(keys).len().filter(pl.col("len") > 1)
    if ambiguous.height:
        ids = ambiguous["household_id"].unique().sort().head(10).to_list()
        raise PlanFormatError(
            f"previous assignment: {ambiguous.height} household-month(s) with several "
            f"workers (ambiguous): {', '.join(ids)}"
        )
    prev = prev.sort(keys).unique("household_id", keep="last", maintain_order=True)
    return prev.select("household_id", pl.col("worker_id").alias("prev_worker"))

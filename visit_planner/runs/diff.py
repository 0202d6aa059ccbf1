"""What changed between two runs: churn, coverage and travel, per township and in total.

*Churn* counts households present in both runs whose worker changed (an assigned household
that became unassigned or the reverse counts too), split by whether the household's tier
changed - a tier change is expected to move a household to another role, a change among
households whose tier stayed is what continuity should avoid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from visit_planner.runs.reader import RunReader

DIFF_COLUMNS = (
    "township_id",
    "households_a",
    "households_b",
    "in_both",
    "worker_changed",
    "changed_tier_unchanged",
    "tier_unchanged",
    "changed_tier_changed",
    "tier_changed",
    "churn_tier_unchanged",
    "uncovered_tier1_a",
    "uncovered_tier1_b",
    "covered_a",
    "covered_b",
    "travel_minutes_month_a",
    "travel_minutes_month_b",
)


def _whole(reader: RunReader) -> pl.DataFrame:
    return reader.frame("plan.parquet")  # refused, naming it, when damaged


def _travel(reader: RunReader) -> pl.DataFrame:
    diag = reader.diagnostics()
    col = "travel_minutes_month"
    if col not in diag.columns:
        return diag.select("township_id", pl.lit(0.0).alias(col))
    return diag.select("township_id", pl.col(col).fill_null(0.0))


def diff_plans(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    """Per township of either plan: churn by tier change, tier-1 uncovered, covered households.

    Plans in the plan contract (``household_id, worker_id, tier, township_id``); a household's
    township in ``b`` wins where it moved.
    """
    keep = ["household_id", "worker_id", "tier", "township_id"]
    both = a.select(keep).join(b.select(keep), on="household_id", how="inner", suffix="_b")
    changed_worker = ~pl.col("worker_id").eq_missing(pl.col("worker_id_b"))
    tier_same = pl.col("tier") == pl.col("tier_b")
    churn = both.group_by(pl.col("township_id_b").alias("township_id")).agg(
        pl.len().alias("in_both"),
        changed_worker.sum().alias("worker_changed"),
        (changed_worker & tier_same).sum().alias("changed_tier_unchanged"),
        tier_same.sum().alias("tier_unchanged"),
        (changed_worker & ~tier_same).sum().alias("changed_tier_changed"),
        (~tier_same).sum().alias("tier_changed"),
    )

    def side(plan: pl.DataFrame, suffix: str) -> pl.DataFrame:
        return plan.group_by("township_id").agg(
            pl.len().alias(f"households_{suffix}"),
            ((pl.col("tier") == 1) & pl.col("worker_id").is_null())
            .sum()
            .alias(f"uncovered_tier1_{suffix}"),
            pl.col("worker_id").is_not_null().sum().alias(f"covered_{suffix}"),
        )

    out = (
        side(a, "a")
        .join(side(b, "b"), on="township_id", how="full", coalesce=True)
        .join(churn, on="township_id", how="left")
        .with_columns(pl.exclude("township_id").fill_null(0))
        .with_columns(
            pl.when(pl.col("tier_unchanged") > 0)
            .then(pl.col("changed_tier_unchanged") / pl.col("tier_unchanged"))
            .otherwise(0.0)
            .alias("churn_tier_unchanged")
        )
        .sort("township_id")
    )
    return out


def diff_runs(a: RunReader, b: RunReader) -> pl.DataFrame:
    """:func:`diff_plans` of two runs with each township's travel (minutes per month)."""
    out = diff_plans(_whole(a), _whole(b))
    travel = _travel(a).join(_travel(b), on="township_id", how="full", coalesce=True, suffix="_b")
    travel = travel.select(
        "township_id",
        pl.col("travel_minutes_month").fill_null(0.0).alias("travel_minutes_month_a"),
        pl.col("travel_minutes_month_b").fill_null(0.0),
    )
    return out.join(travel, on="township_id", how="left").select(DIFF_COLUMNS)


PART_ROWS = 500_000
"""Households per part of :func:`diff_totals_in_parts` (a few tens of MB of ids per part)."""

_PLAN_KEYS = ["household_id", "worker_id", "tier", "township_id"]


def diff_totals_in_parts(
    before: Path, after: Sequence[Path], households: int, part_rows: int = PART_ROWS
) -> dict[str, float]:
    """``diff_totals(diff_plans(A, B))`` without holding either plan whole: ``before`` is A's
    ``plan.parquet``, ``after`` the files whose rows make up B (``households`` rows in all;
    each household in one file). The households are cut into parts by a hash of their id,
    the same in both plans, so that a household's rows in A and B meet in one part; every
    total is a sum of counts over households, so the parts' totals add up to the whole
    plans' exactly."""
    parts = max(1, math.ceil(households / part_rows))
    part = pl.col("household_id").hash(seed=13) % parts
    diffs = []
    for i in range(parts):
        a = pl.scan_parquet(before).select(_PLAN_KEYS).filter(part == i).collect()
        b = pl.concat(
            [pl.scan_parquet(p).select(_PLAN_KEYS).filter(part == i) for p in after],
            how="vertical_relaxed",
        ).collect()
        diffs.append(diff_plans(a, b))
    return diff_totals(pl.concat(diffs, how="vertical_relaxed"))


def diff_totals(diff: pl.DataFrame) -> dict[str, float]:
    """Prefecture totals of a diff, with the churn among households whose tier did not change."""
    sums = {
        col: float(diff[col].sum())
        for col in DIFF_COLUMNS
        if col in diff.columns and col not in ("township_id", "churn_tier_unchanged")
    }
    unchanged = sums["tier_unchanged"]
    sums["churn_tier_unchanged"] = sums["changed_tier_unchanged"] / unchanged if unchanged else 0.0
    return sums

"""The comparison of a plan with the previous run's, in parts (``plan``'s way): the same
totals as the whole plans' :func:`~visit_planner.runs.diff.diff_plans`, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from visit_planner.runs import diff_plans, diff_totals
from visit_planner.runs.diff import diff_totals_in_parts


def a_plan(rng: np.random.Generator, ids: np.ndarray) -> pl.DataFrame:
    """A plan of the households ``ids``: 30 townships, some unassigned, tiers 1-3."""
    n = len(ids)
    workers = rng.integers(0, 400, n).astype(str)
    return pl.DataFrame({
        "household_id": [f"H{i:07d}" for i in ids],
        "worker_id": pl.Series(["W" + w for w in workers]).scatter(
            np.flatnonzero(rng.random(n) < 0.05), None
        ),
        "tier": pl.Series(rng.integers(1, 4, n), dtype=pl.Int8),
        "township_id": [f"T{t:02d}" for t in rng.integers(0, 30, n)],
    })  # fmt: skip


def test_totals_in_parts_are_the_whole_plans_totals(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    before = a_plan(rng, np.arange(0, 20_000))
    # this month: most households stay (some change worker, tier or township), some leave,
    # some are new
    after = before.slice(1_000, 18_000).with_columns(
        pl.when(pl.int_range(pl.len()) % 7 == 0)
        .then(pl.lit("W9"))
        .otherwise(pl.col("worker_id"))
        .alias("worker_id"),
        pl.when(pl.int_range(pl.len()) % 11 == 0)
        .then(1)
        .otherwise(pl.col("tier"))
        .cast(pl.Int8)
        .alias("tier"),
        pl.when(pl.int_range(pl.len()) % 13 == 0)
        .then(pl.lit("T99"))
        .otherwise(pl.col("township_id"))
        .alias("township_id"),
    )
    after = pl.concat([after, a_plan(rng, np.arange(30_000, 33_000))])
    before.write_parquet(tmp_path / "plan.parquet")
    files = []
    for (tw,), part in after.partition_by("township_id", as_dict=True).items():
        files.append(tmp_path / f"{tw}.parquet")
        part.write_parquet(files[-1])
    whole = diff_totals(diff_plans(before, after))
    assert whole["worker_changed"] > 0 and whole["tier_changed"] > 0
    for part_rows in (1_000, 7_000, 1_000_000):  # 21 parts, 3 parts, one
        parted = diff_totals_in_parts(tmp_path / "plan.parquet", files, after.height, part_rows)
        assert parted == whole

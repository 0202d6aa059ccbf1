"""The rules on listed household-worker pairs: conflicts of interest, forbids and pins.

One function ``check_<kind>`` per rule, each given the derived frame
(:func:`~assignment.validator.derive.derive`) and the raw pairs (``None``: none listed).
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from assignment.validator.table import empty_violations, violation_rows
from assignment.validator.violations import ViolationKind


def _ids(frame: pl.DataFrame | None, cols: Collection[str]) -> pl.DataFrame | None:
    """The listed pairs' id columns as strings, each pair once (``None``: none listed)."""
    if frame is None:
        return None
    return frame.select([pl.col(c).cast(pl.String) for c in cols]).unique(maintain_order=True)


def _pair_join(d: pl.DataFrame, pairs: pl.DataFrame | None) -> pl.DataFrame:
    """The plan's assigned rows whose (household, worker) pair is listed in ``pairs``."""
    ids = _ids(pairs, ["household_id", "worker_id"])
    if ids is None:
        return d.clear()
    return d.filter(pl.col("worker_id").is_not_null()).join(
        ids, on=["household_id", "worker_id"], how="semi"
    )


def check_conflict_of_interest(d: pl.DataFrame, conflicts: pl.DataFrame | None) -> pl.DataFrame:
    """A declared conflict-of-interest pair is never assigned."""
    return violation_rows(
        _pair_join(d, conflicts),
        ViolationKind.CONFLICT_OF_INTEREST,
        pl.lit("该人员与农户申报了利益冲突"),
        pl.lit("worker declared a conflict of interest with this household"),
    )


def check_forbidden_pair(d: pl.DataFrame, forbids: pl.DataFrame | None) -> pl.DataFrame:
    """A supervisor-forbidden pair is never assigned."""
    return violation_rows(
        _pair_join(d, forbids),
        ViolationKind.FORBIDDEN_PAIR,
        pl.lit("督导禁止该配对"),
        pl.lit("a supervisor forbade this pairing"),
    )


def check_pin_not_honoured(d: pl.DataFrame, pins: pl.DataFrame | None) -> pl.DataFrame:
    """Every supervisor pin (household -> worker) is in the plan."""
    ids = _ids(pins, ["household_id", "worker_id"])
    if ids is None:
        return empty_violations()
    got = d.select("household_id", pl.col("worker_id").alias("plan_worker"))
    bad = (
        ids.join(got, on="household_id", how="left")
        .group_by(["household_id", "worker_id"], maintain_order=True)
        .agg(pl.col("plan_worker").drop_nulls())
        .filter(~pl.col("plan_worker").list.contains(pl.col("worker_id")))
        .with_columns(
            pl.col("plan_worker").list.join(",").replace("", "unassigned/未分配").alias("_got")
        )
        .sort(["household_id", "worker_id"])
    )
    return violation_rows(
        bad,
        ViolationKind.PIN_NOT_HONOURED,
        pl.format("指定由 {} 走访, 方案为 {}", pl.col("worker_id"), pl.col("_got")),
        pl.format("pinned to {}, plan has {}", pl.col("worker_id"), pl.col("_got")),
    )

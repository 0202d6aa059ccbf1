"""Batch scoring through the executor seam: ``visit-planner score --executor dask``.

The households are cut into partitions of ``chunk_rows`` consecutive rows; every partition is
scored by the risk library's public :func:`risk_model.scoring.score` on an executor (local
processes or a Dask cluster), and the partitions' scores are put back together in the input's
row order. Scoring is row by row (probabilities, decision, policy rules, overrides, reasons),
so the scores equal those of one call on the whole frame. What is not row by row is done on
the whole frame here:

* the supervisor overrides are checked against every household first (an unknown id is an
  error even if no partition holds it), then each partition gets its own rows of them;
* the drift report (PSI per feature) is computed on the whole frame, not per partition;
* the input check's counts (unseen categories, values beyond the training range) are summed
  over the partitions, so the warnings are those of the whole frame;
* the reasons' fidelity keeps the largest error and the row count; its R² cannot be combined
  from partitions and is reported as NaN.

The model, spec, reason tables and settings are one :class:`ScoringContext` object shared by
every task: the Dask executor scatters it to the workers once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from assignment.executor import Executor
from visit_planner.model_registry import user_errors
from visit_planner.risk_job import (
    ScoringContext,
    score_with,
)

CHUNK_ROWS = 100_000
"""Households per scoring partition (a few hundred MB of features and reasons at most)."""


@dataclass(frozen=True)
class ScorePartition:
    """One partition to score: its position, its rows and their overrides."""

    index: int
    frame: pl.DataFrame
    overrides: pl.DataFrame | None
    context: ScoringContext


@dataclass(frozen=True)
class PartitionScores:
    """A partition's scores and what the input check and the reasons' fidelity found."""

    index: int
    scores: pl.DataFrame
    check: Any  # risk_model.features.ScoringCheck
    fidelity: Any = None  # risk_model.attribution.Fidelity


def score_partition(task: ScorePartition) -> PartitionScores:
    """Score one partition with the library's public scoring function (runs on a worker)."""
    result = score_with(task.context, task.frame, task.overrides)
    return PartitionScores(task.index, result.scores, result.check, result.fidelity)


def partitions(
    frame: pl.DataFrame,
    overrides: pl.DataFrame | None,
    context: ScoringContext,
    chunk_rows: int = CHUNK_ROWS,
) -> list[ScorePartition]:
    """``frame`` cut into consecutive slices of ``chunk_rows`` rows, each with its overrides."""
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    idc = context.spec.id_column
    out = []
    for index, start in enumerate(range(0, frame.height, chunk_rows)):
        part = frame.slice(start, chunk_rows)
        mine = None
        if overrides is not None and overrides.height:
            mine = overrides.filter(pl.col(idc).is_in(part[idc].implode()))
        if mine is not None and mine.height == 0:
            mine = None
        out.append(ScorePartition(index, part, mine, context))
    return out


def merge_checks(checks: list[Any]) -> Any:
    """One input check for the whole frame from the partitions' (counts summed)."""
    from risk_model.features import ScoringCheck

    merged = ScoringCheck(
        rows=sum(c.rows for c in checks), extrapolates=any(c.extrapolates for c in checks)
    )
    for c in checks:
        merged.training_range |= c.training_range  # the model's: the same in every partition
        merged.missing_as |= c.missing_as
        for name, counts in (
            ("unseen_rows", c.unseen_rows),
            ("beyond_training_range", c.beyond_training_range),
            ("null_values", c.null_values),
        ):
            target = getattr(merged, name)
            for col, n in counts.items():
                target[col] = target.get(col, 0) + n
        for col, levels in c.unseen_categories.items():
            have = merged.unseen_categories.setdefault(col, [])
            have.extend(v for v in levels if v not in have)
    return merged


def _merge_fidelity(parts: list[PartitionScores]) -> Any:
    """The largest error and the total rows; R² is not combinable from partitions (NaN)."""
    fids = [p.fidelity for p in parts if p.fidelity is not None]
    if not fids:
        return None
    from risk_model.attribution import Fidelity

    return Fidelity(
        max_abs_error=max(f.max_abs_error for f in fids),
        r2_log_odds=math.nan,
        rows=sum(f.rows for f in fids),
    )


@dataclass
class ScoredPartitions:
    """The whole frame's scores, drift report, warnings, model version and fidelity."""

    scores: pl.DataFrame
    drift: pl.DataFrame
    warnings: list[str]
    model_version: int
    fidelity: Any = None  # risk_model.attribution.Fidelity (R² NaN), None for older models
    partitions: int = 0


def score_frame_partitioned(
    frame: pl.DataFrame,
    context: ScoringContext,
    executor: Executor,
    *,
    overrides: pl.DataFrame | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ScoredPartitions:
    """Score ``frame`` partition by partition on ``executor`` (see the module docstring)."""
    from risk_model.drift import drift_report
    from risk_model.scoring import check_overrides

    with user_errors():
        if overrides is not None and overrides.height:
            check_overrides(overrides, frame[context.spec.id_column], context.spec)
        tasks = partitions(frame, overrides, context, chunk_rows)
        parts = sorted(executor.run(score_partition, tasks), key=lambda p: p.index)
        drift = drift_report(context.drift_reference, frame, context.psi_threshold)
    scores = pl.concat([p.scores for p in parts], how="vertical")
    check = merge_checks([p.check for p in parts])
    return ScoredPartitions(
        scores,
        drift,
        check.warnings(),
        int(context.model_version),
        _merge_fidelity(parts),
        len(parts),
    )

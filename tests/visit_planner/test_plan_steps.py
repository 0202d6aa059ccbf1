"""What the plan and an amendment share: the run's status, objective and bound are the whole
run's, from every township's diagnostics."""

from __future__ import annotations

import polars as pl
import pytest


def test_the_run_status_is_the_whole_runs_not_the_resolved_townships() -> None:
    from assignment.domain import Status
    from assignment.plan import PrefectureResult
    from visit_planner.plan_steps import whole_run_result

    # An amendment re-solved township A to optimality; B and C were carried over as they
    # were (B feasible with a 10% gap).
    resolved = PrefectureResult(
        status=Status.OPTIMAL, objective=100.0, bound=100.0, gap=0.0, seconds=1.0,
        plan=pl.DataFrame(), diagnostics=pl.DataFrame(),
    )  # fmt: skip
    diagnostics = pl.DataFrame({
        "township_id": ["A", "B", "C"],
        "status": ["optimal", "feasible", "optimal"],
        "objective": [100.0, 50.0, 10.0],
        "bound": [100.0, 45.0, 10.0],
    })  # fmt: skip
    whole = whole_run_result(resolved, diagnostics)
    assert whole.status == Status.FEASIBLE  # never optimal while a township is only feasible
    assert whole.objective == 160.0 and whole.bound == 155.0
    assert whole.gap == pytest.approx(5.0 / 160.0)
    assert whole.diagnostics.height == 3
    # One township without a proven bound: the run has none either (nor a gap).
    unproven = diagnostics.with_columns(
        pl.when(pl.col("township_id") == "C").then(None).otherwise(pl.col("bound")).alias("bound")
    )
    whole = whole_run_result(resolved, unproven)
    assert whole.bound is None and whole.gap is None
    # Every township optimal: optimal.
    all_optimal = diagnostics.with_columns(pl.lit("optimal").alias("status"))
    assert whole_run_result(resolved, all_optimal).status == Status.OPTIMAL
    # A failed township makes the run's status "error", whatever the others.
    failed = diagnostics.with_columns(
        pl.when(pl.col("township_id") == "B").then(pl.lit("error")).otherwise("status")
        .alias("status")
    )  # fmt: skip
    assert whole_run_result(resolved, failed).status == Status.ERROR

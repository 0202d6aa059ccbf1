"""Partitioned scoring (``score --executor dask``): the same scores, drift report and warnings
as scoring the whole frame at once, with overrides, on local processes and on Dask."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from assignment.executor import LocalProcessExecutor, SerialExecutor
from visit_planner.risk_job import score_frame, scoring_context
from visit_planner.score_partitions import (
    ScorePartition,
    partitions,
    score_frame_partitioned,
)


@dataclass(frozen=True)
class Scoring:
    data: Path
    home: Path
    households: pl.DataFrame
    overrides: pl.DataFrame


@pytest.fixture(scope="module")
def scoring(tmp_path_factory: pytest.TempPathFactory) -> Scoring:
    from risk_model import TrainConfig
    from visit_planner.risk_job import promote_version, train_from_file
    from visit_planner.synthetic import generate, write_prefecture

    root = tmp_path_factory.mktemp("dask_scoring")
    data, home = root / "data", root / "workspace"
    write_prefecture(generate(scale=0.003, seed=3), data)
    train_from_file(data, home=home, config=TrainConfig(params={"max_iter": 30}))
    promote_version(1, data, home=home)
    hh = pl.read_parquet(data / "households.parquet")
    ids = hh["household_id"]
    overrides = pl.DataFrame(
        {
            "household_id": [ids[3], ids[1700], ids[-1]],  # in different partitions
            "tier": [1, 3, 2],
            "reason": ["hotline", "moved away", "recount"],
        }
    )
    return Scoring(data, home, hh, overrides)


def test_partitions_cover_every_row_once_in_order(scoring: Scoring) -> None:
    ctx = scoring_context(home=scoring.home)
    parts = partitions(scoring.households, scoring.overrides, ctx, chunk_rows=700)
    assert [p.index for p in parts] == list(range(len(parts))) and len(parts) > 3
    assert pl.concat([p.frame for p in parts]).equals(scoring.households)
    with_overrides: list[ScorePartition] = [p for p in parts if p.overrides is not None]
    assert sum(p.overrides.height for p in with_overrides if p.overrides is not None) == 3
    assert len({p.index for p in with_overrides}) == 3
    assert all(p.context is ctx for p in parts)  # one shared object: scattered once


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_partitioned_scores_equal_whole_frame_scores(scoring: Scoring, executor: str) -> None:
    whole = score_frame(scoring.households, overrides=scoring.overrides, home=scoring.home)
    ctx = scoring_context(home=scoring.home, source="households")
    runner = SerialExecutor() if executor == "serial" else LocalProcessExecutor(2)
    parts = score_frame_partitioned(
        scoring.households, ctx, runner, overrides=scoring.overrides, chunk_rows=700
    )
    assert parts.partitions > 3
    assert parts.scores.equals(whole.scores)  # row for row, reasons included
    assert parts.drift.equals(whole.drift)
    assert sorted(parts.warnings) == sorted(whole.warnings)
    assert parts.model_version == whole.model_version
    tiers = parts.scores.filter(pl.col("tier_source") == "override")
    assert tiers.height == 3


def test_an_unknown_override_is_refused_whatever_the_partitions(scoring: Scoring) -> None:
    from visit_planner.errors import RiskJobError

    ctx = scoring_context(home=scoring.home)
    bad = pl.DataFrame({"household_id": ["NOPE"], "tier": [1], "reason": ["x"]})
    with pytest.raises(RiskJobError, match="unknown ids"):
        score_frame_partitioned(scoring.households, ctx, SerialExecutor(), overrides=bad)


def test_score_cli_on_a_local_dask_cluster_writes_the_same_files(
    scoring: Scoring, tmp_path: Path
) -> None:
    env = {**os.environ, "VISIT_PLANNER_HOME": str(scoring.home)}
    outs = {}
    for kind in ("local", "dask"):
        out = tmp_path / f"{kind}.parquet"
        proc = subprocess.run(
            [sys.executable, "-m", "visit_planner", "score", "--data", str(scoring.data),
             "--out", str(out), "--executor", kind],
            env=env, capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
        outs[kind] = out
    assert pl.read_parquet(outs["dask"]).equals(pl.read_parquet(outs["local"]))
    drift = [pl.read_csv(o.with_name(f"{o.stem}.drift.csv")) for o in outs.values()]
    assert drift[0].equals(drift[1])


def test_assign_on_a_local_dask_cluster_writes_the_same_plan(
    scoring: Scoring, tmp_path: Path
) -> None:
    env = {**os.environ, "VISIT_PLANNER_HOME": str(scoring.home)}
    scores = tmp_path / "scores.parquet"
    score_frame(scoring.households, home=scoring.home).scores.write_parquet(scores)
    plans = {}
    for kind in ("local", "dask"):
        out = tmp_path / kind
        proc = subprocess.run(
            [sys.executable, "-m", "visit_planner", "assign", "--scores", str(scores),
             "--households", str(scoring.data / "households.parquet"),
             "--workers", str(scoring.data / "workers.parquet"), "--out", str(out),
             "--executor", kind, "--workers-processes", "2"],
            env=env, capture_output=True, text=True, check=False, timeout=900,
        )  # fmt: skip
        assert proc.returncode in {0, 3}, proc.stdout + proc.stderr
        plans[kind] = pl.read_parquet(out / "plan.parquet")
    assert plans["dask"].equals(plans["local"])
    assert plans["dask"].height == scoring.households.height

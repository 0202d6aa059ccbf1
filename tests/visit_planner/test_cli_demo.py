"""The README's main job: ``visit-planner demo`` end to end on a small prefecture."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def test_demo_runs_every_step_and_the_plan_is_valid(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "ws"
    rc, out, err = cli("demo", "--home", str(home))  # the defaults, as `make demo` runs it
    assert rc == 0, err
    for step in range(1, 8):
        assert f"{step}/7" in out
    assert "0 violations" in out
    plan_dir = home / "demo" / "plan"
    names = {p.name for p in plan_dir.iterdir()}
    assert {
        "plan.parquet",
        "diagnostics.parquet",
        "explanations.parquet",
        "worker_loads.parquet",
    } <= names
    households = pl.read_parquet(home / "demo" / "inputs" / "households.parquet")
    assert pl.read_parquet(plan_dir / "plan.parquet").height == households.height
    assert (home / "mlflow.db").is_file()

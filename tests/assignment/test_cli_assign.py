"""``visit-planner assign`` and ``gap-solve`` end to end, in-process, on tiny inputs."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from visit_planner.synthetic import generate, write_prefecture
    from visit_planner.synthetic.scores import truth_scores

    d = tmp_path_factory.mktemp("assign")
    p = generate(scale=0.003, seed=2)
    write_prefecture(p, d)
    truth_scores(p, prefer_assessed=True).write_parquet(d / "scores.parquet")
    return d


def inputs(d: Path) -> list[str]:
    return [
        "--scores",
        str(d / "scores.parquet"),
        "--households",
        str(d / "households.parquet"),
        "--workers",
        str(d / "workers.parquet"),
        "--previous",
        str(d / "previous_assignment.parquet"),
        "--conflicts",
        str(d / "conflicts.parquet"),
    ]


def test_assign_writes_plan_and_check_plan_passes(
    files: Path,
    tmp_path: Path,
    cli,
) -> None:
    out = tmp_path / "run"
    code, stdout, _err = cli(
        *["assign", *inputs(files), "--out", str(out), "--workers-processes", "1"]
    )
    plan = pl.read_parquet(out / "plan.parquet")
    diag = pl.read_parquet(out / "diagnostics.parquet")
    uncovered = int(diag["unassigned_tier1"].sum())
    # This tiny prefecture is short of cadres: the distinct exit code and the shortfall text.
    assert uncovered > 0 and code == 3
    assert "more cadre" in stdout and "基层干部" in stdout
    assert plan.height == pl.read_parquet(files / "households.parquet").height
    assert {"bound", "gap", "shortfall", "utilisation_cadre"} <= set(diag.columns)
    assert not list(out.glob(".*partial"))
    # Explanations are written with the plan: one row per household, one per worker.
    expl = pl.read_parquet(out / "explanations.parquet")
    loads = pl.read_parquet(out / "worker_loads.parquet")
    assert expl["household_id"].to_list() == plan["household_id"].to_list()
    assert loads["worker_id"].is_unique().all()
    assigned = plan.filter(pl.col("worker_id").is_not_null()).height
    assert int(loads["households"].sum()) == assigned
    code, stdout, _ = cli(*["check-plan", "--plan", str(out / "plan.parquet"), *inputs(files)])
    assert code == 0, stdout


def test_assign_one_township_and_bad_township(
    files: Path,
    tmp_path: Path,
    cli,
) -> None:
    hh = pl.read_parquet(files / "households.parquet")
    tw = sorted(hh["township_id"].unique().to_list())[1]
    out = tmp_path / "one"
    code, _, _ = cli(
        *["assign", *inputs(files), "--out", str(out), "--township", tw, "--workers-processes", "1"]
    )
    assert code in (0, 3)
    assert pl.read_parquet(out / "plan.parquet")["township_id"].unique().to_list() == [tw]
    code, _, err = cli(
        *["assign", *inputs(files), "--out", str(tmp_path / "x"), "--township", "NOPE"]
    )
    assert code == 2 and "NOPE" in err
    assert not (tmp_path / "x" / "plan.parquet").exists()


def test_assign_missing_scores_column(
    files: Path,
    tmp_path: Path,
    cli,
) -> None:
    bad = tmp_path / "scores.parquet"
    pl.read_parquet(files / "scores.parquet").drop("p_tier1").write_parquet(bad)
    args = inputs(files)
    args[1] = str(bad)
    code, _, err = cli(*["assign", *args, "--out", str(tmp_path / "o")])
    assert code == 2 and "p_tier1" in err


def test_gap_solve_json(
    cli,
) -> None:
    code, out, _ = cli(*["gap-solve", str(DATA / "gap1.txt"), "--maximize", "--json"])
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["objective"] for r in rows] == [336, 327, 339, 341, 326]
    assert set(rows[0]) == {"instance", "objective", "bound", "gap", "seconds", "status"}
    assert all(r["status"] == "optimal" and r["gap"] == 0 for r in rows)


def test_gap_solve_bad_file(
    tmp_path: Path,
    cli,
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("1\n2 2\n1 2\n")
    code, _, err = cli(*["gap-solve", str(bad)])
    assert code == 2 and "bad" in err


def test_gap_solve_unknown_method_is_a_clear_error(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(*["gap-solve", str(DATA / "gap1.txt"), "--method", "foo"])
    assert code == 2
    assert "Traceback" not in out + err
    assert "foo" in err and "cpsat" in err and "highs" in err


def test_gap_solve_highs_method(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(
        *["gap-solve", str(DATA / "gap1.txt"), "--maximize", "--json", "--method", "highs"]
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert rows and all(r["status"] == "optimal" for r in rows)

"""``visit-planner assign`` and ``gap-solve`` end to end, in-process, on tiny inputs."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import flat

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
    # By its name too (it was "乡镇不存在 (unknown township id(s): 锦屏镇)"); an unknown one
    # names the townships there are.
    assert "its townships: " in flat(err) and f"({tw})" in flat(err)
    name = pl.read_parquet(files / "places.parquet").filter(pl.col("code") == tw)["name_zh"][0]
    code, _, err = cli(
        *["assign", *inputs(files), "--out", str(tmp_path / "by_name"), "--township", name,
          "--workers-processes", "1"]
    )  # fmt: skip
    assert code in (0, 3), err
    by_name = pl.read_parquet(tmp_path / "by_name" / "plan.parquet")
    assert by_name.equals(pl.read_parquet(out / "plan.parquet"))


def test_assign_takes_a_run_as_the_previous_assignment(
    files: Path,
    tmp_path: Path,
    cli,
) -> None:
    """--previous RUN (a run directory, or its plan file): the run's plan is last month's
    assignment, as `plan` takes last month's run; it was refused ("a directory, where a
    table's file is expected"; "column 'month' missing"). The plan equals the one made from
    the same pairs as a previous-assignment file; the manifest names the run and its plan
    file, and check-plan with that run passes."""
    hh = pl.read_parquet(files / "households.parquet")
    tw = sorted(hh["township_id"].unique().to_list())[1]
    one = ["--township", tw, "--workers-processes", "1"]
    base = [a for a in inputs(files) if a not in {"--previous"}]
    base.remove(str(files / "previous_assignment.parquet"))
    last = tmp_path / "last"
    code, _, err = cli("assign", *inputs(files), "--out", str(last), *one)
    assert code in (0, 3), err
    pairs = pl.read_parquet(last / "plan.parquet").filter(pl.col("worker_id").is_not_null())
    as_file = tmp_path / "previous.csv"
    pairs.select("household_id", "worker_id", month=pl.lit("2026-11")).write_csv(as_file)
    plans = {}
    for name, previous in (("file", as_file), ("dir", last), ("plan", last / "plan.parquet")):
        out = tmp_path / name
        code, _, err = cli("assign", *base, "--previous", str(previous), "--out", str(out), *one)
        assert code in (0, 3), err
        plans[name] = pl.read_parquet(out / "plan.parquet")
        if name != "file":
            assert "上月结对取自方案 " in err and f"{pairs.height:,} 户有走访人员" in flat(err)
    assert plans["dir"].equals(plans["file"]) and plans["plan"].equals(plans["file"])
    assert int(plans["dir"]["kept_previous"].sum()) > 0
    manifest = json.loads((tmp_path / "dir" / "manifest.json").read_text("utf-8"))
    last_id = json.loads((last / "manifest.json").read_text("utf-8"))["run_id"]
    assert manifest["previous_run_id"] == last_id
    assert manifest["inputs"]["previous_assignment"]["path"] == str(last / "plan.parquet")
    code, out, err = cli("check-plan", "--plan", str(tmp_path / "dir" / "plan.parquet"), *base,
                         "--previous", str(last), "--township", tw)  # fmt: skip
    assert code == 0, out + err


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
    assert set(rows[0]) == {"instance", "objective", "bound", "gap", "seconds", "status", "message"}
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


def _copy_inputs(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("scores", "households", "workers", "previous_assignment", "conflicts"):
        (dst / f"{name}.parquet").write_bytes((src / f"{name}.parquet").read_bytes())
    return dst


@pytest.mark.parametrize("bad", [float("nan"), 1.7, -0.5, None])
def test_assign_refuses_a_bad_p_tier1_and_writes_nothing(
    files: Path, tmp_path: Path, cli, bad: float | None
) -> None:
    """NaN, out of [0, 1] or blank p_tier1: exit 2 naming the file, column, rule and
    households, before any solve (no township failure, no output)."""
    d = _copy_inputs(files, tmp_path / "in")
    scores = pl.read_parquet(d / "scores.parquet")
    ids = scores.filter(pl.col("final_tier") == 1)["household_id"].sort().head(2).to_list()
    scores.with_columns(
        pl.when(pl.col("household_id").is_in(ids))
        .then(pl.lit(bad, pl.Float64))
        .otherwise(pl.col("p_tier1"))
        .alias("p_tier1")
    ).write_parquet(d / "scores.parquet")
    out = tmp_path / "run"
    code, _, err = cli(*["assign", *inputs(d), "--out", str(out), "--workers-processes", "1"])
    assert code == 2, err
    text = flat(err)
    assert "scores.parquet: column 'p_tier1'" in text and all(i in text for i in ids)
    # Each bad value once, under its most specific rule: a NaN is a value out of [0, 1] (as
    # 1.7 is), not also "null"; only a blank is a null.
    null, out_of_range = "null in a required field" in text, "between 0 and 1" in text
    assert (null, out_of_range) == ((True, False) if bad is None else (False, True))
    assert text.count("p_tier1") == 1
    assert "Traceback" not in err and "乡镇 townships" not in flat(err) and not out.exists()


def test_assign_reports_every_bad_file_and_a_header_only_workers_file(
    files: Path, tmp_path: Path, cli
) -> None:
    d = _copy_inputs(files, tmp_path / "in")
    pl.read_parquet(d / "workers.parquet").clear().write_parquet(d / "workers.parquet")
    scores = pl.read_parquet(d / "scores.parquet")
    scores.with_columns(pl.col("final_tier").cast(pl.String)).with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("一")).otherwise(pl.col("final_tier"))
        .alias("final_tier")
    ).write_parquet(d / "scores.parquet")  # fmt: skip
    code, _, err = cli(*["assign", *inputs(d), "--out", str(tmp_path / "run")])
    assert code == 2
    assert "workers.parquet: 没有人员 (the workers table has no rows" in flat(err)
    assert (
        "scores.parquet: column 'final_tier': 类型错误, 应为整数 (value is not a whole number"
        in flat(err)
    )


def test_assign_warns_of_dropped_columns_and_refuses_out_before_the_bar(
    files: Path, tmp_path: Path, cli
) -> None:
    """Columns outside the contract are named (never their values) as validate names them;
    an existing output directory is refused before any progress display."""
    d = _copy_inputs(files, tmp_path / "in")
    hh = pl.read_parquet(d / "households.parquet")
    hh.with_columns(pl.lit("张三").alias("姓名")).write_parquet(d / "households.parquet")
    out = tmp_path / "run"
    code, _, err = cli(*["assign", *inputs(d), "--out", str(out), "--workers-processes", "1"])
    assert code in (0, 3), err
    assert (
        "households.parquet: column '姓名': 契约外的列, 已删除, 不再读取 (not in the contract"
        in flat(err)
    )
    assert "张三" not in err
    code, _, err = cli(*["assign", *inputs(d), "--out", str(out)])
    assert code == 2 and "乡镇 townships" not in flat(err) and "overwrite" in err


def test_assign_help_names_every_exit_code(cli) -> None:  # type: ignore[no-untyped-def]
    """3, 5, and also 6 (the Dask scheduler lost) and 2 (bad input), which it left out."""
    code, out, _ = cli("assign", "--help")
    text = " ".join(out.split())
    assert code == 0
    for said in ("Exits 3", "5 when", "6 when the Dask scheduler was lost", "2 on bad input"):
        assert said in text, said


def test_input_notes_name_townships_by_name_and_code(files: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A tier-1 household in conflict with every cadre of its township: the input note
    named the township by its code alone ("乡镇 532622001 有 1 户一类户…"), while every other
    line of the output names it "江那镇 (532622001)"."""
    import shutil

    from visit_planner.contracts.places import place_label

    d = tmp_path / "in"
    shutil.copytree(files, d)
    scores = pl.read_parquet(d / "scores.parquet")
    hh = pl.read_parquet(d / "households.parquet").join(scores, on="household_id")
    target = hh.filter(pl.col("final_tier") == 1).row(0, named=True)
    tw = target["township_id"]
    workers = pl.read_parquet(d / "workers.parquet")
    cadres = workers.filter((pl.col("role") == "cadre") & (pl.col("township_id") == tw))
    conflicts = pl.read_parquet(d / "conflicts.parquet")
    added = cadres.select("worker_id", household_id=pl.lit(target["household_id"]))
    pl.concat([conflicts, added.select(conflicts.columns)]).write_parquet(d / "conflicts.parquet")
    code, _, err = cli(
        "assign", *inputs(d), "--out", str(tmp_path / "run"), "--township", tw,
        "--workers-processes", "1",
    )  # fmt: skip
    label = place_label(tw)
    assert code == 3 and label != tw  # the places table names it
    text = flat(err)
    assert f"输入 input: 乡镇 {label} 有 1 户一类户没有任何可分配的人员" in text
    assert f"township {label}: 1 tier-1 household(s) have no eligible worker" in text
    assert target["household_id"] in text


def test_a_released_pin_is_no_pin_in_the_explanations(files: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A pin the solve released (here: the pair is also forbidden) was still explained as a
    pin: the household's nearest other worker "督导已指定其他人员 (指定 W…) / a supervisor
    pinned another worker" and every alternative "违反督导指定 / breaks a supervisor's pin",
    from explanations.parquet and from the pins the run kept. Only the pins the plan must
    honour (the solver's rule) are explained, and kept, now; a binding pin still is."""
    hh = pl.read_parquet(files / "households.parquet")
    tw = sorted(hh["township_id"].unique().to_list())[1]
    base = tmp_path / "base"
    one = ["--township", tw, "--workers-processes", "1"]
    code, _, err = cli("assign", *inputs(files), "--out", str(base), *one)
    assert code in (0, 3), err
    plan = pl.read_parquet(base / "plan.parquet").filter(pl.col("worker_id").is_not_null())
    # Two households of one worker: one pinned to another worker of theirs and forbidden with
    # it (released), one pinned to its own worker (binding).
    by_worker = plan.group_by("worker_id").agg("household_id").sort("worker_id")
    (w, (released, kept, *_)) = next((r[0], r[1]) for r in by_worker.iter_rows() if len(r[1]) >= 2)
    other = plan.filter(
        (pl.col("role") == plan.filter(pl.col("worker_id") == w)["role"][0])
        & (pl.col("worker_id") != w)
    )["worker_id"][0]
    pl.DataFrame({"household_id": [released, kept], "worker_id": [other, w]}).write_csv(
        tmp_path / "pins.csv"
    )
    pl.DataFrame({"household_id": [released], "worker_id": [other]}).write_csv(
        tmp_path / "forbids.csv"
    )
    run = tmp_path / "run"
    given = ["--pins", str(tmp_path / "pins.csv"), "--forbids", str(tmp_path / "forbids.csv")]
    code, _, err = cli("assign", *inputs(files), *given, "--out", str(run), *one)
    assert code in (0, 3), err
    assert f"指定 {released}→{other}" in err and "督导禁止该配对" in flat(err)
    expl = pl.read_parquet(run / "explanations.parquet")
    assert expl.filter(pl.col("household_id") == released)["reason_code"][0] != "pinned_elsewhere"
    kept_pins = pl.read_parquet(run / "townships" / tw / "inputs" / "pins.parquet")
    assert kept_pins.rows() == [(kept, w)]
    code, out, err = cli("explain", "--run", str(run), "--household", released, "--top", "20")
    assert code == 0, err
    assert "督导已指定其他人员" not in out and "breaks a supervisor's pin" not in out
    code, out, err = cli("explain", "--run", str(run), "--household", kept, "--top", "3")
    assert code == 0, err
    assert "违反督导指定 / breaks a supervisor's pin" in out

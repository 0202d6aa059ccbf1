"""Runs on disk: the directory writer behind ``assign --out`` and the per-township reader."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.visit_planner.helpers import assign_run, flat, write_inputs
from visit_planner.check_plan_job import PlanPaths, run_explain
from visit_planner.policy import load_policy
from visit_planner.runs import RunManifest, RunReader


@pytest.fixture(scope="module")
def inputs(small_prefecture, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """The small prefecture's inputs and truth-based scores (with a model version) as files."""
    return write_inputs(small_prefecture, tmp_path_factory.mktemp("runs_inputs"), model_version="7")


def assign_args(d: Path) -> list[str]:
    return [
        "--scores", str(d / "scores.parquet"), "--households", str(d / "households.parquet"),
        "--workers", str(d / "workers.parquet"), "--previous",
        str(d / "previous_assignment.parquet"), "--conflicts", str(d / "conflicts.parquet"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def run_dir(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``assign`` run of the small prefecture (through the library, as the CLI does)."""
    return assign_run(inputs, tmp_path_factory.mktemp("run") / "out")


def test_manifest_records_provenance_and_every_file(run_dir: Path, inputs: Path) -> None:
    m = RunManifest.read(run_dir)
    assert m.model_version == "7"
    assert set(m.inputs) == {
        "scores", "households", "workers", "previous_assignment", "conflicts",
    }  # fmt: skip
    assert len(m.inputs["households"]["sha256"]) == 64
    assert (run_dir / "policy.toml").read_text("utf-8").startswith("# visit-planner policy")
    assert m.metrics["households"] == pl.read_parquet(inputs / "households.parquet").height
    assert m.metrics["tier1_uncovered"] >= 0 and "travel_minutes_month" in m.metrics
    assert "plan.parquet" in m.files and "households_index.parquet" in m.files
    townships = RunReader(run_dir).townships()
    assert all(f"townships/{tw}/plan.parquet" in m.files for tw in townships)
    assert not any(p.name.startswith(".staging") for p in run_dir.iterdir())
    # No names or ID numbers of people in the manifest: ids stay in the Parquet files.
    text = (run_dir / "manifest.json").read_text("utf-8")
    assert "H0" not in text and "W0" not in text
    json.loads(text)


def test_manifest_records_input_paths_absolute(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``plan --data ws/data/2026-12`` recorded 'ws/data/2026-12/households.parquet', which
    ``runs show`` printed as the input's path from wherever it was run later."""
    from visit_planner.runs.writer import Provenance, new_manifest

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "households.parquet").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    prov = Provenance(policy_text="p", input_files={"households": Path("data/households.parquet")})
    m = new_manifest(prov, {"532601001": "0" * 64}, {}, {})
    assert m.inputs["households"]["path"] == str(tmp_path / "data" / "households.parquet")
    assert len(m.inputs["households"]["sha256"]) == 64


def test_township_partitions_add_up_to_the_plan(run_dir: Path) -> None:
    reader = RunReader(run_dir)
    whole = pl.read_parquet(run_dir / "plan.parquet")
    parts = pl.concat([reader.plan(tw) for tw in reader.townships()]).sort("household_id")
    assert parts.equals(whole.sort("household_id"))
    assert reader.verify() == []


def test_plan_hash_is_deterministic(run_dir: Path, inputs: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("assign", *assign_args(inputs), "--out", str(tmp_path / "again"))
    assert code in (0, 3), err
    first, second = RunManifest.read(run_dir), RunManifest.read(tmp_path / "again")
    assert first.plan_sha256 == second.plan_sha256
    assert first.run_id != second.run_id
    assert first.plan_sha256[:16] in out


def test_reader_explains_one_household_like_the_full_explain(run_dir: Path, inputs: Path) -> None:
    reader = RunReader(run_dir)
    plan = pl.read_parquet(run_dir / "plan.parquet")
    hid = plan.filter(pl.col("worker_id").is_not_null() & (pl.col("tier") == 2))["household_id"][0]
    paths = PlanPaths(
        inputs / "scores.parquet",
        inputs / "households.parquet",
        inputs / "workers.parquet",
        inputs / "previous_assignment.parquet",
        inputs / "conflicts.parquet",
    )
    full = run_explain(run_dir / "plan.parquet", paths, load_policy(), hid)
    assert reader.explanation(hid) == full.household
    # The same score row (tier, probabilities, how the tier came about) from either source.
    from visit_planner.check_plan_job import explain_from_run

    assert full.score is not None and full.score["household_id"] == hid
    assert full.score["final_tier"] == 2 and full.score["model_version"] == "7"
    assert explain_from_run(run_dir, hid).score is None  # an assign run keeps no scores
    # Same alternatives; sums over the township's workers alone may differ in the last bits.
    assert_frame_equal(reader.alternatives(hid), full.alternatives, rel_tol=1e-9)
    assert reader.alternatives(hid).height > 0


def test_explain_run_cli_and_its_errors(run_dir: Path, inputs: Path, cli) -> None:  # type: ignore[no-untyped-def]
    hid = pl.read_parquet(run_dir / "plan.parquet")["household_id"][0]
    code, out, err = cli("explain", "--run", str(run_dir), "--household", hid)
    assert code == 0, err
    assert hid in out and "alternatives" in out
    assert "类别来源" not in out  # tiers alone: nothing said about how they came about
    code, _, err = cli("explain", "--run", str(run_dir), "--household", "NOPE")
    assert code == 2 and "NOPE" in err and "not in this run" in flat(err) and "Traceback" not in err
    code, _, err = cli("explain", "--run", str(run_dir), "--household", hid, "--plan", str(run_dir))
    assert code == 2 and "--plan" in err
    code, _, err = cli("explain", "--household", hid)
    assert code == 2 and "--run" in err
    code, _, err = cli("explain", "--run", str(inputs), "--household", hid)
    assert code == 2
    assert f"{inputs}: 不是方案目录 (not a run directory: no manifest.json" in flat(err)


def test_verify_names_a_changed_file(run_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    tw = RunReader(copy).townships()[0]
    target = copy / "townships" / tw / "plan.parquet"
    plan = pl.read_parquet(target)
    plan.with_columns(pl.lit(None, dtype=pl.String).alias("worker_id")).write_parquet(target)
    assert RunReader(copy).verify() == [f"townships/{tw}/plan.parquet"]


def test_a_townships_missing_file_is_named_as_missing_not_as_an_unknown_township(
    run_dir: Path, tmp_path: Path
) -> None:
    """With a township's plan.parquet gone, runs export and explain said the township is not
    in the run, though it is: the run's file is missing."""
    import shutil

    from visit_planner.errors import PlanFileError

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    tw = RunReader(copy).townships()[0]
    (copy / "townships" / tw / "plan.parquet").unlink()
    with pytest.raises(PlanFileError) as err:
        RunReader(copy).plan(tw)
    assert str(err.value).startswith(
        f"{copy / 'townships' / tw / 'plan.parquet'}: 方案文件缺失 (missing: manifest.json "
        "records it)"
    )
    with pytest.raises(PlanFileError, match=r"乡镇不在方案中 \(township '999999999' is not"):
        RunReader(copy).plan("999999999")


def test_check_plan_and_explain_refuse_inputs_the_plan_was_not_made_from(
    run_dir: Path, inputs: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    plan = str(run_dir / "plan.parquet")
    base = [
        "--households", str(inputs / "households.parquet"),
        "--workers", str(inputs / "workers.parquet"),
        "--conflicts", str(inputs / "conflicts.parquet"),
    ]  # fmt: skip
    # Without the previous assignment the plan was made with: say so (not 6,000 violations).
    code, _, err = cli(
        "check-plan", "--plan", plan, "--scores", str(inputs / "scores.parquet"), *base
    )
    assert code == 2
    assert (
        "方案生成时使用了上月结对表, 请用 --previous 提供 (this plan was made with the previous"
        in (flat(err))
    )
    # Scores of other data: refused, naming the file, in check-plan and explain alike.
    other = tmp_path / "scores.parquet"
    pl.read_parquet(inputs / "scores.parquet").with_columns(pl.lit(1).cast(pl.Int8).alias(
        "final_tier")).write_parquet(other)  # fmt: skip
    full = [*base, "--previous", str(inputs / "previous_assignment.parquet")]
    code, _, err = cli("check-plan", "--plan", plan, "--scores", str(other), *full)
    text = flat(err)
    assert code == 2
    assert (
        f"{other}: 与生成方案时的评分表内容不一致 (not the scores this plan was made from" in text
    )
    # How it differs: the run keeps each household's final tier, so the changed rows are named.
    assert "its content differs (" in text and " changed, e.g. H0" in text
    hid = pl.read_parquet(plan)["household_id"][0]
    code, _, err = cli("explain", "--plan", plan, "--household", hid, "--scores", str(other), *full)
    assert code == 2 and "not the scores" in flat(err) and "Traceback" not in err
    code, _, err = cli(
        "check-plan", "--plan", plan, "--scores", str(inputs / "scores.parquet"), *full
    )
    assert code == 0, err


def _full_args(d: Path, *, ext: str = "parquet") -> list[str]:
    return [
        "--scores", str(d / f"scores.{ext}"), "--households", str(d / f"households.{ext}"),
        "--workers", str(d / f"workers.{ext}"), "--previous",
        str(d / f"previous_assignment.{ext}"), "--conflicts", str(d / f"conflicts.{ext}"),
    ]  # fmt: skip


def _csv_copies(inputs: Path, out: Path) -> Path:
    """The inputs as CSV files a spreadsheet might save: columns reversed, rows shuffled,
    CRLF line endings, the households in GB18030."""
    out.mkdir()
    for name in ("scores", "households", "workers", "previous_assignment", "conflicts"):
        frame = pl.read_parquet(inputs / f"{name}.parquet")
        frame = frame.select(reversed(frame.columns)).sample(fraction=1.0, shuffle=True, seed=3)
        text = frame.write_csv(line_terminator="\r\n")
        encoding = "gb18030" if name == "households" else "utf-8"
        (out / f"{name}.csv").write_bytes(text.encode(encoding))
    return out


def test_check_plan_matches_inputs_by_content_not_bytes(
    run_dir: Path, inputs: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """The same tables as CSV (another column and row order, line endings and encoding) are
    the inputs the plan was made from; a changed table is refused, naming the table and how
    it differs (rows added, removed, changed, with the first ids)."""
    plan = str(run_dir / "plan.parquet")
    copies = _csv_copies(inputs, tmp_path / "csv")
    code, out, err = cli("check-plan", "--plan", plan, *_full_args(copies, ext="csv"))
    assert code == 0, err
    assert "plan valid" in flat(out) and "compared by their bytes" not in flat(err)
    households = pl.read_parquet(inputs / "households.parquet").sort("household_id")
    first, second = households["household_id"][0], households["household_id"][1]
    changed = households.filter(pl.col("household_id") != first).with_columns(
        pl.when(pl.col("household_id") == second).then(pl.col("members") + 1)
        .otherwise(pl.col("members")).alias("members")
    )  # fmt: skip
    changed.write_csv(copies / "households.csv")
    code, _, err = cli("check-plan", "--plan", plan, *_full_args(copies, ext="csv"))
    text = flat(err)
    assert code == 2 and "Traceback" not in err
    assert (
        f"{copies / 'households.csv'}: 与生成方案时的农户表内容不一致 (not the households this "
        "plan was made from" in text
    )
    assert f"its content differs (1 removed, e.g. {first}; 1 changed, e.g. {second}))" in text
    assert "scores" not in text.split("households.csv", 1)[1]  # only the table that differs


def test_how_a_table_differs_is_not_read_from_a_damaged_stored_copy(
    run_dir: Path, inputs: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """The run's stored copy of a township's workers, cut short, is refused naming it (it
    was read directly to say how the given workers differ: polars' ComputeError)."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    stored = sorted((run / "townships").glob("*/inputs/workers.parquet"))[0]
    stored.write_bytes(stored.read_bytes()[:100])
    copies = _csv_copies(inputs, tmp_path / "csv")
    workers = pl.read_parquet(inputs / "workers.parquet")
    workers.with_columns(pl.col("monthly_hours") + 1).write_csv(copies / "workers.csv")
    code, out, err = cli(
        "check-plan", "--plan", str(run / "plan.parquet"), *_full_args(copies, ext="csv")
    )
    text = flat(err)
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert f"{stored}: 方案文件已损坏, 无法读取 (damaged: not readable Parquet" in text, text


def test_check_plan_of_a_run_without_content_fingerprints_compares_bytes(
    run_dir: Path, inputs: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """A run written before content fingerprints (byte hashes only): its own files pass, with
    a note saying how they were compared; a CSV copy is refused as before."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(run_dir, old)
    manifest = json.loads((old / "manifest.json").read_text("utf-8"))
    for entry in manifest["inputs"].values():
        del entry["content"], entry["rows"]
    (old / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    plan = str(old / "plan.parquet")
    code, out, err = cli("check-plan", "--plan", plan, *_full_args(inputs))
    assert code == 0 and "plan valid" in flat(out), err
    assert "输入文件按字节比对" in flat(err) and "compared by their bytes" in flat(err)
    copies = _csv_copies(inputs, tmp_path / "csv")
    args = _full_args(inputs)
    args[3] = str(copies / "households.csv")
    code, _, err = cli("check-plan", "--plan", plan, *args)
    text = flat(err)
    assert code == 2
    assert "与生成方案时的文件不一致 (not the households this plan was made from" in text
    assert "its bytes differ" in text and "CSV for Parquet" in text


def test_explain_from_the_files_builds_the_arcs_once_and_explains_like_the_run(
    run_dir: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``explain --plan`` built its township's arcs twice (once for the alternatives, again
    inside explain_plan for the trade-off thresholds) and explained every household of the
    township to keep one row (1.4 s instead of 0.67 s at scale 0.1). Now once, and only the
    household's row; that row is still the one the run wrote, for every kind of reason."""
    import assignment.candidates
    import assignment.explain
    import visit_planner.check_plan_job as job

    calls: list[int] = []
    real = assignment.candidates.build_candidates

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(job, "build_candidates", counted)
    monkeypatch.setattr(assignment.explain, "build_candidates", counted)
    paths = PlanPaths(
        inputs / "scores.parquet", inputs / "households.parquet", inputs / "workers.parquet",
        inputs / "previous_assignment.parquet", inputs / "conflicts.parquet",
    )  # fmt: skip
    written = pl.read_parquet(run_dir / "explanations.parquet")
    one_per_reason = written.unique("reason_code", keep="first", maintain_order=True)
    assert "plan_tradeoff" in one_per_reason["reason_code"].to_list()
    for row in one_per_reason.iter_rows(named=True):
        calls.clear()
        got = run_explain(run_dir / "plan.parquet", paths, load_policy(), row["household_id"])
        assert got.household == row, row["reason_code"]
        assert len(calls) == 1

"""Per-township summaries written with a run (``townships/<id>/summary.json``), read back, and
computed for runs written before them; amendments carry them with the township folders."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import assign_run, resealed, write_inputs
from visit_planner.errors import PlanFileError
from visit_planner.runs import DirectoryRunWriter, Provenance, RunContent, RunManifest, RunReader
from visit_planner.runs.summary import (
    SUMMARY,
    TownshipSummary,
    compute_summary,
    read_summary,
    roles_frame,
    summary_path,
    tiers_frame,
    workers_frame,
)
from visit_planner.runs.writer import INPUT_FRAMES


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``assign`` run of a small prefecture (scale 0.003, eight townships)."""
    from visit_planner.synthetic import generate

    d = write_inputs(generate(scale=0.003, seed=2), tmp_path_factory.mktemp("summary_inputs"))
    return assign_run(d, tmp_path_factory.mktemp("summary_run") / "out")


def content_of(run: Path, **changes: object) -> RunContent:
    """A run's frames read back as the content of a new run (for amendment tests)."""
    reader = RunReader(run)
    towns = reader.townships()
    inputs: dict[str, pl.DataFrame | None] = {}
    for name in INPUT_FRAMES:
        parts = [reader.inputs(tw)[name] for tw in towns]
        present = [p for p in parts if p is not None]
        inputs[name] = pl.concat(present) if present else None
    return RunContent(
        plan=pl.read_parquet(run / "plan.parquet"),
        diagnostics=reader.diagnostics(),
        explanations=pl.read_parquet(run / "explanations.parquet"),
        worker_loads=pl.read_parquet(run / "worker_loads.parquet"),
        inputs=inputs,
        provenance=Provenance((run / "policy.toml").read_text("utf-8"), month="2026-11"),
        **changes,  # type: ignore[arg-type]
    )


def strip_summaries(run: Path) -> None:
    """Make ``run`` look like a run written before summaries existed."""
    manifest = RunManifest.read(run)
    files = {k: v for k, v in manifest.files.items() if not k.endswith(f"/{SUMMARY}")}
    for tw in RunReader(run).townships():
        summary_path(run, tw).unlink()
    (run / "manifest.json").write_text(dataclasses.replace(manifest, files=files).to_json())


def test_every_township_has_a_hashed_summary_that_adds_up_to_the_plan(run_dir: Path) -> None:
    manifest = RunManifest.read(run_dir)
    reader = RunReader(run_dir)
    plan = pl.read_parquet(run_dir / "plan.parquet")
    loads = pl.read_parquet(run_dir / "worker_loads.parquet")
    summaries = []
    for tw in reader.townships():
        assert f"townships/{tw}/{SUMMARY}" in manifest.files
        summary = read_summary(RunReader(run_dir), tw)
        summaries.append(summary)
        rows = plan.filter(pl.col("township_id") == tw)
        assert summary.households == rows.height
        assert summary.workers == loads.filter(pl.col("township_id") == tw).height
        assert summary.tier1 == rows.filter(pl.col("tier") == 1).height
        assert summary.tier1_covered == (
            rows.filter((pl.col("tier") == 1) & pl.col("worker_id").is_not_null()).height
        )
        assert summary.lon is not None and 103 < summary.lon < 107  # Wenshan's longitude
        staff = workers_frame(summary)
        assert staff["worker_id"].to_list() == sorted(staff["worker_id"].to_list())
        assert staff.height == summary.workers
    assert reader.verify() == []  # the summaries' hashes match

    tiers = tiers_frame(summaries)
    expected = plan.group_by("tier").agg(
        pl.len().alias("households"), pl.col("worker_id").is_not_null().sum().alias("covered")
    )
    joined = tiers.join(expected, on="tier", suffix="_plan")
    assert joined.height == expected.height
    assert (joined["households"] == joined["households_plan"]).all()
    assert (joined["covered"] == joined["covered_plan"]).all()
    assert int(tiers["uncovered"].sum()) == plan["worker_id"].null_count()

    roles = roles_frame(summaries)
    active = loads.filter(pl.col("active") & (pl.col("monthly_hours") > 0))
    for row in roles.iter_rows(named=True):
        mine = loads.filter(pl.col("role") == row["role"])
        assert row["workers"] == mine.height
        assert row["hours_used"] == pytest.approx(float(mine["hours_used"].sum()))
        available = float(active.filter(pl.col("role") == row["role"])["monthly_hours"].sum())
        assert row["hours_available"] == pytest.approx(available)
        assert row["utilisation"] == pytest.approx(row["hours_used"] / available)

    diag = reader.diagnostics()
    for s in summaries:
        d = diag.filter(pl.col("township_id") == s.township_id).row(0, named=True)
        assert s.proven == (d["bound"] is not None)
        all_covered = s.tier1_covered == s.tier1
        assert s.tier1_proven == (all_covered or bool(d.get("tier1_coverage_proven")))
        if d.get("tier1_coverage_proven") is not None:  # the exact tier-1 figure
            assert s.tier1_max_coverable == d["tier1_max_coverable"]
        assert s.shortfall == (d["shortfall"] or "")


def test_a_run_without_summaries_gives_the_same_figures(run_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(run_dir, old)
    strip_summaries(old)
    for tw in RunReader(old).townships():
        assert not summary_path(old, tw).exists()
        assert read_summary(RunReader(old), tw) == read_summary(RunReader(run_dir), tw)
        assert compute_summary(RunReader(run_dir), tw) == read_summary(RunReader(run_dir), tw)
    assert RunReader(old).verify() == []


def test_summary_json_round_trips_and_refuses_other_files(run_dir: Path, tmp_path: Path) -> None:
    tw = RunReader(run_dir).townships()[0]
    summary = read_summary(RunReader(run_dir), tw)
    assert TownshipSummary.from_json(summary.to_json(), "x") == summary
    assert summary_path(run_dir, tw).read_text("utf-8") == summary.to_json()
    bad = tmp_path / "bad"
    shutil.copytree(run_dir, bad)
    summary_path(bad, tw).write_text('{"format": "something else"}', "utf-8")
    # Changed since the run was written: refused by the run's reader, never read as figures.
    with pytest.raises(PlanFileError, match=rf"{tw}/summary.json: 方案文件已被改动 \(changed"):
        read_summary(RunReader(bad), tw)
    resealed(bad, f"townships/{tw}/{SUMMARY}")  # a run written with it: its format refused
    with pytest.raises(PlanFileError, match=rf"{tw}/summary.json: 汇总文件无效 \(not a township"):
        read_summary(RunReader(bad), tw)
    with pytest.raises(PlanFileError, match="not in this run"):
        compute_summary(RunReader(run_dir), "999999999")


def test_an_amendment_carries_summaries_and_adds_missing_ones(
    run_dir: Path, tmp_path: Path
) -> None:
    towns = RunReader(run_dir).townships()
    carried = frozenset(towns[1:])
    amended = tmp_path / "amended"
    DirectoryRunWriter(amended).write(content_of(run_dir, reuse=run_dir, reuse_townships=carried))
    for tw in towns:  # carried byte for byte; the re-written one equals the original figures
        assert summary_path(amended, tw).read_bytes() == summary_path(run_dir, tw).read_bytes()
    # From a run written before summaries: the carried townships get theirs at publish time.
    old = tmp_path / "old"
    shutil.copytree(run_dir, old)
    strip_summaries(old)
    again = tmp_path / "again"
    manifest = DirectoryRunWriter(again).write(content_of(old, reuse=old, reuse_townships=carried))
    for tw in towns:
        assert f"townships/{tw}/{SUMMARY}" in manifest.files
        assert read_summary(RunReader(again), tw) == read_summary(RunReader(run_dir), tw)
    assert RunReader(again).verify() == []


def test_an_amendment_writes_its_townships_as_a_write_of_every_township_does(
    run_dir: Path, tmp_path: Path
) -> None:
    # The writer cuts only the townships it writes from the frames (the carried ones are
    # copied): the written township's files and the whole-run files are the same bytes as a
    # write of every township from the same frames gives.
    towns = RunReader(run_dir).townships()
    whole, amended = tmp_path / "whole", tmp_path / "amended"
    DirectoryRunWriter(whole).write(content_of(run_dir))
    carried = frozenset(towns[1:])
    DirectoryRunWriter(amended).write(content_of(run_dir, reuse=run_dir, reuse_townships=carried))
    copied = tuple(f"townships/{tw}/" for tw in carried)
    files = (str(p.relative_to(whole)) for p in whole.rglob("*") if p.is_file())
    written = sorted(f for f in files if f != "manifest.json" and not f.startswith(copied))
    assert f"townships/{towns[0]}/plan.parquet" in written
    assert f"townships/{towns[0]}/inputs/previous.parquet" in written  # cut through households
    for rel in written:
        assert (amended / rel).read_bytes() == (whole / rel).read_bytes(), rel
    assert RunReader(amended).verify() == []

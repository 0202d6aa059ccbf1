"""What killed runs leave behind: their staging and work directories, removed by the next
planner of the month (which holds the month's lock)."""

from __future__ import annotations

from pathlib import Path

from visit_planner.runs.staged import remove_stale_staging, staging_dir


def test_stale_staging_and_work_directories_are_removed_and_nothing_else(tmp_path: Path) -> None:
    month = tmp_path / "2026-12"
    stage = staging_dir(month)
    work = stage.with_name(stage.name + "-work")
    (work / "input").mkdir(parents=True)
    (work / "input" / "000000.parquet").write_bytes(b"x" * 1000)
    (stage / "townships").mkdir(parents=True)
    (stage / "townships" / "plan.parquet").write_bytes(b"y" * 24)
    run = month / ("a" * 32)  # a published run
    run.mkdir()
    (run / "manifest.json").write_text("{}", "utf-8")
    mine = month / ".staging-notes"  # not a name the planner gives: not ours to remove
    mine.mkdir()
    names, size = remove_stale_staging(month)
    assert sorted(names) == sorted([stage.name, work.name])
    assert size == 1024
    assert sorted(p.name for p in month.iterdir()) == sorted([run.name, mine.name])
    assert (run / "manifest.json").is_file()
    assert remove_stale_staging(month) == ([], 0)  # nothing left to remove
    assert remove_stale_staging(tmp_path / "absent") == ([], 0)

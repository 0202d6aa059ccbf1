"""A run's plan given as the previous assignment (``--previous RUN`` of ``assign``,
``check-plan`` and ``explain``).

A monthly ``plan`` continues last month's published run: its previous assignment is that
run's plan, not a file of the data. To check such a plan's ``kept_previous`` marks, or to make
or explain a plan the same way with ``assign``, the user passes that run: its directory (what
``plan`` prints as its files) or its ``plan.parquet``. Both are read here into the pairs the
previous-assignment contract describes (``household_id, worker_id`` and the run's ``month``
where its manifest records one), the plan's households without a worker left out: they had
no one last month. A previous-assignment table (with its ``month`` column) is read as before,
through its contract.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from visit_planner.contracts.columns import PLAN
from visit_planner.contracts.plan_tables import PlanTables, read_plan_tables
from visit_planner.contracts.reader import read_raw
from visit_planner.contracts.tables import read_table
from visit_planner.errors import PlanFileError
from visit_planner.plan_files import PlanPaths
from visit_planner.runs.manifest import MANIFEST, RunManifest

PLAN_FILE = "plan.parquet"
"""The plan file of a run directory (``assign --out`` or a published run)."""

_MAX_IDS = 5


@dataclass(frozen=True)
class PreviousRun:
    """The assigned pairs of a run's plan, taken as the previous assignment."""

    plan_file: Path
    pairs: pl.DataFrame  # household_id, worker_id[, month]: one row per assigned household
    run_id: str | None  # None: a plan file outside a run directory
    month: str | None  # the run's month (a monthly ``plan`` run), else None

    def note(self) -> str:
        """What was taken, ``中文 / English``: the run (or file), its month, how many pairs."""
        n = self.pairs.height
        if self.run_id is None:
            return (
                f"上月结对取自方案文件 {self.plan_file}: {n:,} 户有走访人员 / the previous "
                f"assignment is the plan file {self.plan_file}: {n:,} assigned households"
            )
        month_zh = f" ({self.month})" if self.month else ""
        month_en = f" of {self.month}" if self.month else ""
        return (
            f"上月结对取自方案 {self.run_id[:12]}{month_zh}: {n:,} 户有走访人员 / the previous "
            f"assignment is run {self.run_id[:12]}'s plan{month_en}: {n:,} assigned households"
        )


def _is_plan_file(path: Path) -> bool:
    """A file that is a plan rather than a previous-assignment table: the plan file of a run
    directory, or any file with every plan column and no ``month``. Unreadable files are
    left to the previous-assignment contract, which says why."""
    if not path.is_file():
        return False
    if path.name == PLAN_FILE and (path.parent / MANIFEST).is_file():
        return True
    try:
        columns = set(read_raw(path).columns)
    except Exception:  # polars raises many kinds; the contract reader names the cause
        return False
    return "month" not in columns and set(PLAN) <= columns


def previous_run_of(path: Path | None) -> PreviousRun | None:
    """The run's plan ``path`` names as the previous assignment (a run directory, or a plan
    file), or None when ``path`` is none or a previous-assignment table."""
    if path is None:
        return None
    if path.is_dir():
        plan_file = path / PLAN_FILE
        if not plan_file.is_file():
            raise PlanFileError(
                f"{path}: 目录中没有 {PLAN_FILE}, 不是方案目录 (--previous: a directory without "
                f"{PLAN_FILE}; give the previous assignment file, or a run directory or its "
                f"{PLAN_FILE})"
            )
    elif _is_plan_file(path):
        plan_file = path
    else:
        return None
    plan, _ = read_table(plan_file, "plan")
    pairs = plan.filter(pl.col("worker_id").is_not_null()).select("household_id", "worker_id")
    twice = pairs.filter(pl.col("household_id").is_duplicated())["household_id"].unique().sort()
    if twice.len():
        shown = ", ".join(twice.head(_MAX_IDS).to_list())
        more = f" … (+{twice.len() - _MAX_IDS})" if twice.len() > _MAX_IDS else ""
        raise PlanFileError(
            f"{plan_file}: 方案中有农户重复分配, 不能作为上月结对 (--previous: {twice.len():,} "
            f"household(s) assigned more than once, so last month's worker is ambiguous: "
            f"{shown}{more})"
        )
    run_id = month = None
    if (plan_file.parent / MANIFEST).is_file():
        manifest = RunManifest.read(plan_file.parent)
        run_id, month = manifest.run_id, manifest.month
    if month is not None:
        pairs = pairs.with_columns(pl.lit(month).alias("month"))
    return PreviousRun(plan_file, pairs, run_id, month)


def read_inputs(paths: PlanPaths) -> tuple[PlanTables, PreviousRun | None]:
    """Every input of ``paths`` through its contract (:func:`read_plan_tables`), the previous
    assignment from a run's plan when ``paths.previous`` names a run or a plan file."""
    previous = previous_run_of(paths.previous)
    if previous is None:
        return read_plan_tables(paths), None
    tables = read_plan_tables(replace(paths, previous=None))
    return replace(tables, previous=previous.pairs), previous


def check_continued_run(manifest: RunManifest, previous: PreviousRun | None) -> None:
    """A run that records the run it continued (``previous_run_id``) is checked or explained
    with that run's plan only: another run's would read every kept worker as a fault."""
    made_from = manifest.previous_run_id
    if previous is None or previous.run_id is None or made_from is None:
        return
    if previous.run_id != made_from:
        raise PlanFileError(
            f"{previous.plan_file}: 不是该方案延续的上月方案 (--previous: this is run "
            f"{previous.run_id[:12]}'s plan, but run {manifest.run_id[:12]} continued run "
            f"{made_from[:12]}'s plan: pass that run)"
        )


__all__ = [
    "PLAN_FILE",
    "PreviousRun",
    "check_continued_run",
    "previous_run_of",
    "read_inputs",
]

"""Files and settings shared by every plan command (``assign``, ``check-plan``, ``explain``).

One place for: the set of input files a plan is made or checked from, and the reader of a
published plan file taken as an input (``generate --next-month-of --previous-plan``). The
tables a plan is made from (scores, pins and forbids included) are read through
:mod:`visit_planner.contracts`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from visit_planner.contracts.reader import read_raw, unreadable_reason
from visit_planner.errors import PlanFileError


@dataclass(frozen=True)
class PlanPaths:
    """The input files a plan is made from, or checked and explained against."""

    scores: Path
    households: Path
    workers: Path
    previous: Path | None = None
    conflicts: Path | None = None
    pins: Path | None = None
    forbids: Path | None = None


def read_file(path: Path, name: str, required: Collection[str]) -> pl.DataFrame:
    """Read a table that is not a contract table (a published plan) and check its columns.

    A directory given for the file is named as such: "file not found" would send the user
    looking for a path that is there."""
    if path.is_dir():
        raise PlanFileError(
            f"{path}: 是目录, 不是文件 (a directory, not a {name} file: give the file)"
        )
    if not path.is_file():
        raise PlanFileError(f"{path}: 找不到文件 (file not found)")
    try:
        frame = read_raw(path)
    except Exception as exc:  # polars raises many kinds on corrupt files
        raise PlanFileError(f"{path}: {unreadable_reason(path, exc)}") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise PlanFileError(
            f"{path}: 缺少列 {', '.join(missing)} (the {name} file lacks column(s) "
            f"{', '.join(missing)})"
        )
    return frame

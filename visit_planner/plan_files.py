"""Files and settings shared by every plan command (``assign``, ``check-plan``, ``explain``).

One place for: the set of input files a plan is made or checked from, the check that a data
directory is of the month being planned, and the reader of a published plan file taken as an
input (``generate --next-month-of --previous-plan``). The
tables a plan is made from (scores, pins and forbids included) are read through
:mod:`visit_planner.contracts`.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import polars as pl

from visit_planner.contracts.input_paths import PlanPaths, not_a_file, not_found
from visit_planner.contracts.reader import read_raw, unreadable_reason
from visit_planner.errors import ContractError, PlanFileError
from visit_planner.synthetic.next_month import MONTH_FILE, MonthInfo

__all__ = ["PlanPaths", "check_data_month", "read_file"]
""":class:`PlanPaths` lives with the check that its files are there
(:mod:`visit_planner.contracts.input_paths`, no polars), and is offered here too."""


def read_file(
    path: Path, name: str, required: Collection[str], given_as: str | None = None
) -> pl.DataFrame:
    """Read a table that is not a contract table (a published plan, the option it was
    ``given_as`` named when it is not there) and check its columns.

    A directory given for the file is named as such: "not found" would send the user
    looking for a path that is there."""
    if problem := not_found(path, given_as):
        raise PlanFileError(problem)
    if path.is_dir():
        raise PlanFileError(
            f"{path}: 是目录, 不是文件 (a directory, not a {name} file: give the file)"
        )
    if not path.is_file():
        raise PlanFileError(not_a_file(path))
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


def check_data_month(data: Path, month: str) -> list[str]:
    """Refuse a data directory whose ``month.json`` names another month than ``month``
    (planning December from November's data would publish a wrong plan as December's), before
    any work. A directory without ``month.json`` (data not made by ``generate``: an office's
    export) cannot be checked; that is said in the notice returned, and the plan goes on."""
    info = MonthInfo.read(data)
    if info is None:
        if not data.is_dir():
            return []  # the input check names the missing directory
        return [
            f"{data}: 数据目录无 {MONTH_FILE}, 未核对数据月份 (no {MONTH_FILE}, so the data's "
            f"month was not checked against --month {month})"
        ]
    if info.month != month:
        raise ContractError([
            f"{data / MONTH_FILE}: 数据月份 {info.month} 与 --month {month} 不符, 未计划, 未发布 "
            f"(field 'month' is {info.month}, but --month is {month}: the data is not the "
            "month being planned; nothing was planned or published)"
        ])  # fmt: skip
    return []

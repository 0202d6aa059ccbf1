"""Whether the paths a command is given are there at all: an input directory (``validate``,
``plan --data``) and the files of a plan command (``assign``), worded once.

Kept apart from the readers (:mod:`.tables`: pandera and polars, about a second to import on
a busy machine) and importing nothing but the standard library, so that a command refuses
``validate /nonexistent`` or ``assign`` given only paths that do not exist at once, with the
words the readers use for the same paths (they call these functions too).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from visit_planner.errors import ContractError

PLAN_FILES = (
    # (PlanPaths field, contract table), in the order their problems are reported
    ("households", "households"),
    ("workers", "workers"),
    ("scores", "scores"),
    ("previous", "previous_assignment"),
    ("conflicts", "conflicts"),
    ("pins", "pins"),
    ("forbids", "forbids"),
)
"""The files a plan is made from (:class:`~visit_planner.plan_files.PlanPaths`) and the
contract each is read by."""


def check_input_directory(directory: Path) -> None:
    """Refuse ``directory`` as a month's input directory when it is a file or is not there
    (a ContractError, exit 2): the readers would find none of its tables."""
    if directory.is_file():
        raise ContractError([
            f"{directory}: 应为数据目录, 而非文件 (a file, not a directory; give the "
            "directory that holds the month's tables)"
        ])  # fmt: skip
    if not directory.is_dir():
        raise ContractError([f"{directory}: 目录不存在 (no such directory)"])


def not_a_file(path: Path) -> str:
    """The message for a directory (or anything else that is not a file) where a table's file
    is expected."""
    what = "是目录, 不是数据文件 (a directory" if path.is_dir() else "不是数据文件 (not a file"
    return f"{path}: {what}, where a table's .parquet or .csv file is expected)"


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a table's file before it is opened: a directory (or
    anything but a file) in its place, or nothing there; None for a file."""
    if path.is_dir():
        return not_a_file(path)
    if not path.is_file():
        return f"{path}: 找不到文件 (file not found)"
    return None


def check_none_found(paths: Iterable[Path]) -> None:
    """Refuse at once (a ContractError naming each, in the order given) when none of
    ``paths`` exists: what reading them through their contracts would report, word for word,
    as each would be refused as not found. When one of them exists nothing is refused here:
    its reader reports its problems together with the missing files' (every problem in one
    run)."""
    given = list(paths)
    if given and not any(path.exists() for path in given):
        raise ContractError([problem for path in given if (problem := file_problem(path))])

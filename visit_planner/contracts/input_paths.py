"""Whether the paths a command is given are there at all: an input directory (``validate``,
``plan --data``), the files of a plan command (``assign``) and every other input file a user
names (the model commands' ``--data``, ``overrides import``), worded once (:func:`not_found`).

Kept apart from the readers (:mod:`.tables`: pandera and polars, about a second to import on
a busy machine) and importing nothing but the standard library, so that a command refuses
``validate /nonexistent`` or ``assign`` given only paths that do not exist at once, with the
words the readers use for the same paths (they call these functions too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
"""The files a plan is made from (:class:`PlanPaths`) and the contract each is read by."""


def plan_option(field: str) -> str:
    """The option a plan command (``assign``, ``check-plan``, ``explain``) takes the
    :class:`PlanPaths` ``field`` by: ``--scores``, ``--previous``."""
    return f"--{field}"


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

    def given(self) -> list[tuple[str, Path]]:
        """The files given (fields not None), each by its field, in :data:`PLAN_FILES`'
        order (the order their problems are reported in)."""
        return [(f, path) for f, _ in PLAN_FILES if (path := getattr(self, f)) is not None]


NOT_FOUND_ZH = "找不到文件或目录"
"""The Chinese of :data:`NOT_FOUND`, alone: what a usage error of a path not there (Click's
English, kept whole beside it) says first (:mod:`visit_planner.cli.usage_errors`)."""
NOT_FOUND = f"{NOT_FOUND_ZH} (no such file or directory)"
"""What is said of an input path the user named where nothing is: one wording for every
command and every kind of input (a file, a directory, either), as ``ls`` says it."""


def not_found(path: Path, given_as: str | None = None) -> str | None:
    """The refusal of ``path`` when nothing is there (:data:`NOT_FOUND`, naming the path and,
    when known, the option it was ``given_as``: ``--data /x: 找不到文件或目录 (...)``); None
    when something is there (whether it is the right kind of thing is its caller's check).

    Every command that reads a path the user named refuses a missing one through this, so
    the same rule reads the same in ``plan``, ``assign``, ``validate``, ``train``, ``score``,
    ``promote`` and ``overrides import`` (it read "找不到文件 (file not found)" in some,
    "文件不存在 (no such file)" and "目录不存在 (no such directory)" in others)."""
    if path.exists():
        return None
    named = f"{given_as} {path}" if given_as else str(path)
    return f"{named}: {NOT_FOUND}"


def check_found(given: Iterable[tuple[str, Path | None]]) -> None:
    """Refuse at once (a ContractError naming each, in the order given) the paths of
    ``given`` (option, path; None: the option was not given) that are not there: a command
    checks the files it was named before it imports the job that reads them."""
    problems = [p for option, path in given if path is not None and (p := not_found(path, option))]
    if problems:
        raise ContractError(problems)


def check_input_directory(directory: Path, given_as: str | None = None) -> None:
    """Refuse ``directory`` as a month's input directory when it is not there or is a file
    (a ContractError, exit 2): the readers would find none of its tables."""
    if problem := not_found(directory, given_as):
        raise ContractError([problem])
    if not directory.is_dir():
        raise ContractError([
            f"{directory}: 应为数据目录, 而非文件 (a file, not a directory; give the "
            "directory that holds the month's tables)"
        ])  # fmt: skip


def not_a_file(path: Path) -> str:
    """The message for a directory (or anything else that is not a file) where a table's file
    is expected."""
    what = "是目录, 不是数据文件 (a directory" if path.is_dir() else "不是数据文件 (not a file"
    return f"{path}: {what}, where a table's .parquet or .csv file is expected)"


def file_problem(path: Path, given_as: str | None = None) -> str | None:
    """Why ``path`` cannot be read as a table's file before it is opened: nothing there
    (:func:`not_found`), or a directory (or anything but a file) in its place; None for a
    file."""
    if problem := not_found(path, given_as):
        return problem
    return None if path.is_file() else not_a_file(path)


def check_none_found(paths: PlanPaths) -> None:
    """Refuse at once (a ContractError naming each file and its option, in
    :data:`PLAN_FILES`' order) when none of the files of ``paths`` exists: what reading them
    through their contracts would report, word for word. When one of them exists nothing is
    refused here: its reader reports its problems together with the missing files' (every
    problem in one run)."""
    given = paths.given()
    if not any(path.exists() for _, path in given):
        raise ContractError([
            problem for field, path in given if (problem := not_found(path, plan_option(field)))
        ])  # fmt: skip

"""Output directories: checked before any work, replaced whole, readable by the team.

A command that writes a directory (``generate``, ``assign``) calls :func:`check_output_dir`
first, so that a wrong ``--out`` fails at once rather than after a long solve, and an earlier
result is never mixed with a new one: a non-empty directory is refused unless ``--overwrite``
is given, and even then only when it holds this tool's own output (its ``marker`` file), which
is then replaced whole, so that no stray file of an older run is left beside the new one.
"""

from __future__ import annotations

import os
from pathlib import Path

from visit_planner.errors import VisitPlannerError


class OutputError(VisitPlannerError):
    """An output path that cannot be used (a file where a directory is wanted, not empty)."""


def check_output_dir(out: Path, *, overwrite: bool, marker: str) -> None:
    """Refuse ``out`` unless it is absent, empty, or (with ``overwrite``) our own output."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: 输出路径是文件, 需要目录 (is a file, not a directory)")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not overwrite:
        raise OutputError(
            f"{out}: 输出目录非空; 如需覆盖请加 --overwrite (the directory is not empty; pass "
            "--overwrite to replace its contents)"
        )
    if not (out / marker).is_file():
        raise OutputError(
            f"{out}: 目录内容非本工具输出, 拒绝覆盖 (not empty and has no {marker}, so it is "
            "not this tool's output; refusing to delete its contents)"
        )


def shareable(path: Path) -> None:
    """Give a directory made by :func:`tempfile.mkdtemp` (owner-only, 0700) the usual
    permissions of a new directory under the process's umask."""
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o777 & ~umask)

"""What killed plans left under the workspace's months, and its removal.

``plan`` writes a month's run in a staging directory (``runs/<month>/.staging-<id>``) and the
month's validated households (people's data) in a work directory beside it
(``.staging-<id>-work``); both go when the command ends, also on Ctrl-C and SIGTERM. A
``SIGKILL`` or a power loss runs no clean-up, so :func:`clear_interrupted_runs` removes them
later: ``plan`` calls it first, and ``runs list`` too (the command a planner runs to see what
happened after a crash). A month's directories are removed only under that month's lock,
taken for the moment, so a running plan's own are never touched; a month directory left
empty goes too. That moment's lock is a clean-up's (:meth:`Store.clearing_lock`): a ``plan``
of the month starting then waits for it rather than being refused as busy.

Light on imports (the run writer only when there is something to remove): ``runs list``
stays quick.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from visit_planner.errors import StoreBusyError, StoreError
from visit_planner.paths import Workspace
from visit_planner.store import Store
from visit_planner.store.checks import check_month

__all__ = ["clear_interrupted_runs", "months_with_leftovers"]


def clear_interrupted_runs(store: Store, workspace: Workspace, *, held: str | None) -> list[str]:
    """Remove the staging and work directories that killed runs left under the workspace's
    months (the work directory holds the validated households: people's data), a notice of one
    line for each month cleared.

    ``held``: the month whose lock the caller holds; its directories are cleared at once. Any
    other month with such directories is cleared only under its own lock, taken here for the
    moment (a holder gone from this machine is recovered, audited, as ``plan`` does): a month
    whose lock a running process holds, here or on another machine, is left to it, since its
    directories may be that run's own. Months without leftovers are not locked. A month
    directory the removal leaves empty goes too: nothing under ``runs/`` then names a month
    without a run.

    The other months' locks are taken as a clean-up's (:meth:`Store.clearing_lock`): without
    waiting, and named so that a ``plan`` of the month starting in that moment waits for the
    lock instead of being refused as busy."""
    notices = [] if held is None else _clear_stale_staging(workspace.runs_dir / held)
    for month_dir in months_with_leftovers(workspace.runs_dir, skip=held):
        try:
            with store.clearing_lock(month_dir.name):
                notices += _clear_stale_staging(month_dir)
        except StoreBusyError:
            continue  # planned now, or the database busy: the next command clears it
    return notices


def months_with_leftovers(runs_dir: Path, *, skip: str | None = None) -> list[Path]:
    """The month directories under ``runs_dir`` (but ``skip``) holding a staging or work
    directory (``.staging-*``), in month order."""
    if not runs_dir.is_dir():
        return []
    found = []
    for month_dir in sorted(runs_dir.iterdir()):
        if month_dir.name == skip or not month_dir.is_dir() or month_dir.is_symlink():
            continue
        try:
            check_month(month_dir.name)
        except StoreError:
            continue  # not a month's directory: nothing this tool wrote
        if any(entry.name.startswith(".staging-") for entry in month_dir.iterdir()):
            found.append(month_dir)
    return found


def _clear_stale_staging(runs_dir: Path) -> list[str]:
    """Remove what killed runs of the month left under ``runs_dir`` (their staging and work
    directories: never runs, as the store does not name them), in a notice of one line.
    Called with the month's lock held."""
    from visit_planner.runs.staged import remove_stale_staging  # only when there are some

    names, size = remove_stale_staging(runs_dir)
    if not names:
        return []
    emptied = ("", "")
    with suppress(OSError):  # only an empty one goes: a month with a run in it stays
        runs_dir.rmdir()  # (a plan of the month creates it again)
        emptied = (
            "; 该月份无方案, 目录已一并删除",
            "; the month has no run: its directory went too",
        )
    return [
        f"{runs_dir}: 已清理中断运行留下的临时目录 {len(names)} 个{emptied[0]} (removed "
        f"{len(names)} staging/work director(ies) of interrupted runs, {size / 1024:,.0f} KB"
        f"{emptied[1]})"
    ]

"""A published run's files, read once per process and kept.

Published runs never change, so a run's reader and frames are kept per process, keyed by the
run's directory (``root``, a string so that it hashes): a page's second paint reads nothing.
Every file is read through the run's :class:`~visit_planner.runs.RunReader`, which checks it
against the manifest's hash first and refuses a file missing, cut short, not Parquet or
rewritten with a PlanFileError naming the file and what to do (the pages show it:
:func:`dashboard.auth.guarded`); the reader is kept, and it hashes each file once, so a
rerun hashes nothing (the frames are kept too). Nothing here reads a run's file itself.
Which run is current is never kept here but asked of the store on every call
(:meth:`~dashboard.data.scope.ScopedAccess.current_run`): an amendment or a rollback published
meanwhile (by the CLI too) is a new directory, so a new key
(``tests/dashboard/test_session_browser.py``).

These functions take no user: they are the package's own, and every query reaches them only
after its scope check (:mod:`dashboard.data.scope`); nothing outside :mod:`dashboard.data`
calls them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

from visit_planner.runs import RunReader
from visit_planner.runs.summary import TownshipSummary, read_summary


@lru_cache(maxsize=32)
def reader(root: str) -> RunReader:
    """A run's reader, kept per process (a published run never changes)."""
    return RunReader(Path(root))


@lru_cache(maxsize=64)
def whole(root: str, name: str) -> pl.DataFrame:
    """A whole-run frame (``plan``, ``diagnostics`` ...), read once per process."""
    return reader(root).frame(f"{name}.parquet")


@lru_cache(maxsize=512)
def township_frame(root: str, township_id: str, name: str) -> pl.DataFrame | None:
    """One township's frame (``plan``, ``explanations``, ``scores``, ``worker_loads``)."""
    return reader(root).frame_if_any(f"townships/{township_id}/{name}.parquet")


@lru_cache(maxsize=512)
def township_input(root: str, township_id: str, name: str) -> pl.DataFrame | None:
    """One township's stored input (``households``, ``workers`` ...)."""
    return reader(root).frame_if_any(f"townships/{township_id}/inputs/{name}.parquet")


def rows(root: str, name: str, where: pl.Expr, columns: list[str] | None = None) -> pl.DataFrame:
    """The rows ``where`` selects of a whole-run file (``worker_loads``,
    ``households_index``), read by a scan each time (a worker or household looked up), the
    file checked once per reader."""
    return reader(root).frame(f"{name}.parquet", columns, where=where)


@lru_cache(maxsize=4096)
def summary(root: str, township_id: str) -> TownshipSummary:
    """One township's summary (written at publish time; computed for older runs), kept."""
    return read_summary(reader(root), township_id)


@lru_cache(maxsize=64)
def township_ids(root: str) -> tuple[str, ...]:
    """The run's township ids (from its small diagnostics file), sorted."""
    return tuple(sorted(whole(root, "diagnostics")["township_id"].to_list()))

"""A published run's files, read once per process and kept.

Published runs never change, so a run's reader and frames are kept per process, keyed by the
run's directory (``root``, a string so that it hashes): a page's second paint reads nothing.
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
    return pl.read_parquet(Path(root) / f"{name}.parquet")


@lru_cache(maxsize=512)
def township_frame(root: str, township_id: str, name: str) -> pl.DataFrame | None:
    """One township's frame (``plan``, ``explanations``, ``scores``, ``worker_loads``)."""
    path = Path(root) / "townships" / township_id / f"{name}.parquet"
    return pl.read_parquet(path) if path.is_file() else None


@lru_cache(maxsize=512)
def township_input(root: str, township_id: str, name: str) -> pl.DataFrame | None:
    """One township's stored input (``households``, ``workers`` ...)."""
    path = Path(root) / "townships" / township_id / "inputs" / f"{name}.parquet"
    return pl.read_parquet(path) if path.is_file() else None


@lru_cache(maxsize=4096)
def summary(root: str, township_id: str) -> TownshipSummary:
    """One township's summary (written at publish time; computed for older runs), kept."""
    return read_summary(Path(root), township_id)


@lru_cache(maxsize=64)
def township_ids(root: str) -> tuple[str, ...]:
    """The run's township ids (from its small diagnostics file), sorted."""
    return tuple(sorted(whole(root, "diagnostics")["township_id"].to_list()))

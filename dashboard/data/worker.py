"""The worker page's queries: a township's workers, one worker of the user's jurisdiction (the
households, hours against capacity, visit points) and the worker's printable visit sheet.

A worker is found in the run's ``worker_loads`` and refused alike whether the run has no such
worker or the worker's township lies outside the jurisdiction
(:meth:`WorkerQueries._worker_load`); the sheet, which lists every risk reason, is refused to
roles without sensitive fields (:data:`~dashboard.data.sensitive.SHEET_WITHHELD`) before
anything is exported.
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from dashboard.data import run_files
from dashboard.data.scope import ScopedAccess
from dashboard.data.sensitive import SHEET_WITHHELD
from dashboard.errors import OutOfScopeError
from visit_planner.errors import VisitPlannerError
from visit_planner.runs.summary import workers_frame
from visit_planner.typed_text import meant_text


def _visit_sheet(run_dir: Path, month: str, township_id: str, worker_id: str) -> bytes:
    """The worker's printable A4 sheet, exported from the run into a temporary directory
    (``export_visit_lists`` of the worker's township; the sheet is found through the index);
    empty when the index links no sheet of the worker. Called only by
    :meth:`WorkerQueries.visit_sheet`, after its scope check."""
    from visit_planner.export import export_visit_lists

    with tempfile.TemporaryDirectory(prefix="visit-sheet-") as tmp:
        summary = export_visit_lists(run_dir, Path(tmp), month=month, townships=[township_id])
        index = summary.index.read_text("utf-8")
        link = re.search(rf'href="([^"]+)">{re.escape(html.escape(worker_id))}</a>', index)
        if link is None:
            return b""
        return (summary.out / link.group(1)).read_bytes()


class WorkerQueries(ScopedAccess):
    """The worker page."""

    def workers_of(self, month: str, township_id: str) -> pl.DataFrame:
        """One township's workers with hours used against capacity (from its summary)."""
        _run, root = self._township_root(month, township_id)
        return workers_frame(run_files.summary(root, township_id))

    def _worker_load(self, root: str, month: str, worker_id: str) -> dict[str, Any]:
        """The worker's row of the run's ``worker_loads`` (the id trimmed; tried as typed, then
        upper-cased), once the worker's township, as the run records it, lies in the user's
        jurisdiction; refused alike (:meth:`_absent`) when the run has no such worker and when
        it works outside the jurisdiction. Callers check :meth:`_require_households` first."""
        typed = meant_text(worker_id)  # full width, pasted spaces: as files read ids
        tried = list(dict.fromkeys((typed, typed.upper())))
        loads = run_files.rows(root, "worker_loads", pl.col("worker_id").is_in(tried))
        if loads.height == 0:
            raise self._absent("worker", typed)
        exact = loads.filter(pl.col("worker_id") == typed)
        load = (exact if exact.height else loads).row(0, named=True)
        if not self.viewer.covers(str(load["township_id"])):
            raise self._absent("worker", typed)
        return load

    def worker(self, month: str, worker_id: str) -> dict[str, Any]:
        """A worker's households (a page), hours against capacity and the visit points."""
        self._require_households()
        run = self.current_run(month)
        root = self._root(run)
        load = self._worker_load(root, month, worker_id)
        township_id = str(load["township_id"])
        plan = run_files.township_frame(root, township_id, "plan")
        households = run_files.township_input(root, township_id, "households")
        assert plan is not None and households is not None
        mine = plan.filter(pl.col("worker_id") == load["worker_id"]).join(
            households.select("household_id", "village_id", "lon", "lat", "last_visit_days"),
            on="household_id",
            how="left",
        )
        return {"run": run, "load": load, "households": mine.sort("tier", "household_id")}

    def visit_sheet(self, month: str, worker_id: str, *, run_id: str | None = None) -> bytes:
        """The worker's printable A4 visit sheet (HTML, UTF-8), as ``runs export`` writes it:
        :func:`~visit_planner.export.export_visit_lists` of the worker's township into a
        temporary directory, the sheet found through its index; empty when the worker has no
        household this month (no sheet). From the month's current run, or from the run
        ``run_id`` of that month (the one a page showed; looked up in the store, never a
        caller's directory). Refused like :meth:`worker` unless the user sees households and
        the worker's township (as that run records it) lies in the user's jurisdiction; refused
        to roles without sensitive fields (:data:`SHEET_WITHHELD`): a sheet lists the risk
        reasons that raise a household's risk, sensitive ones too."""
        self._require_households()
        if not self.viewer.sees_sensitive:
            raise OutOfScopeError(SHEET_WITHHELD)
        if run_id is None:
            run = self.current_run(month)
        else:
            with self._store() as store:
                run = store.get_run(run_id)
            if run.month != month:
                raise VisitPlannerError(
                    f"方案 {run_id} 属于 {run.month}，不属于 {month} / run {run_id} is of "
                    f"{run.month}, not {month}"
                )
        root = self._root(run)
        load = self._worker_load(root, month, worker_id)
        return _visit_sheet(Path(root), month, str(load["township_id"]), str(load["worker_id"]))

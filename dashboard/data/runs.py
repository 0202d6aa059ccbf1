"""The runs page's queries: the runs with their headline figures, what changed between two
runs, and a rollback, each cut to the user's jurisdiction or refused.

A run's headline figures are the whole prefecture's; a county or township account gets them
summed over its own townships instead (:func:`~dashboard.data.scope.scoped_metrics`), and a
diff's rows are cut to its townships, so that no other township's figure leaks through the
runs page.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import polars as pl

from dashboard.data import run_files
from dashboard.data.scope import ScopedAccess, scoped_metrics
from dashboard.errors import OutOfScopeError
from visit_planner.runs import diff_runs
from visit_planner.store import RunRow


@lru_cache(maxsize=16)
def _diff(root_a: str, root_b: str) -> pl.DataFrame:
    """What changed from one run to another, every township (:func:`diff_runs`), kept per
    process (published runs never change); cut to a viewer's scope by
    :meth:`RunQueries.run_diff`, never returned as it is to a scoped account."""
    return diff_runs(run_files.reader(root_a), run_files.reader(root_b))


class RunQueries(ScopedAccess):
    """The runs page: every run, the diff of two, and a rollback."""

    def runs(self) -> list[RunRow]:
        """Every run (ids, months, versions, statuses and headline figures; no households).

        A run's headline figures (``metrics``) are the whole prefecture's; a county or township
        account gets them recomputed over its own townships instead
        (:func:`~dashboard.data.scope.scoped_metrics`, from the store's per-township
        diagnostics), so that no other township's figure leaks through the runs table."""
        with self._store() as store:
            rows = sorted(store.list_runs(), key=lambda r: (r.month, r.version), reverse=True)
            if self.viewer.scope_kind == "prefecture":
                return rows
            return [
                replace(r, metrics=scoped_metrics(store.run_townships(r.run_id), self.viewer))
                for r in rows
            ]

    def run_diff(self, run_a: str, run_b: str) -> pl.DataFrame:
        """What changed from run ``run_a`` to run ``run_b`` (ids as the store knows them), one
        row per township in the user's scope, in :func:`~visit_planner.runs.diff_runs`'s
        columns. The runs' directories are the store's, not the caller's; the whole diff is
        computed once per process (:func:`_diff`) and cut to the scope here, so no other
        township's row leaves this package."""
        with self._store() as store:
            a, b = store.get_run(run_a), store.get_run(run_b)
        diff = _diff(self._root(a), self._root(b))
        if self.viewer.scope_kind == "prefecture":
            return diff
        keep = [self.viewer.covers(tw) for tw in diff["township_id"].to_list()]
        return diff.filter(pl.Series(keep, dtype=pl.Boolean))

    def rollback(self, month: str, run_id: str, *, reason: str) -> RunRow:
        """Make the earlier run ``run_id`` of ``month`` current again, by the store (which
        marks the later runs ``rolled_back`` and audits it with the user as actor); the run
        now current. A rollback changes every township of the month: refused here unless the
        user is a planner of the whole prefecture (:attr:`Viewer.may_roll_back`), whatever
        page asked."""
        if not self.viewer.may_roll_back:
            raise OutOfScopeError(
                "只有全州计划员可以回滚方案 / only planners of the whole prefecture roll back runs"
            )
        with self._store() as store:
            return store.rollback(month, run_id, actor=self.viewer.username, reason=reason)

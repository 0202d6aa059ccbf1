"""Scope: what every query of the data layer stands on, and the checks that refuse the rest.

:class:`ScopedAccess` holds the signed-in :class:`~dashboard.data.Viewer`, the workspace and the
store. It answers the month's current run (asked of the store on every call, never kept) and
the townships of a run in the user's jurisdiction, and it holds the one set of scope checks the
queries call before they read a household, worker or plan row: a township outside the
jurisdiction is refused by name (:meth:`ScopedAccess._require`); a household or worker id that
is not the user's to see gets the same answer whether it exists elsewhere or nowhere
(:meth:`ScopedAccess._absent`), so no answer tells which ids exist or where.

Each page's queries are a subclass in a module of their own; :class:`~dashboard.data.DataAccess`
joins them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dashboard import i18n
from dashboard.data import run_files
from dashboard.data.viewer import ROLES, Viewer
from dashboard.errors import DashboardError, OutOfScopeError
from visit_planner.errors import VisitPlannerError
from visit_planner.paths import Workspace
from visit_planner.store import RunRow, Store, TownshipRow
from visit_planner.typed_text import meant_text

PAGE_ROWS = 200
"""Most rows any table sends to the browser at once."""

SCOPED_METRICS: tuple[str, ...] = (
    "households",
    "tier1_uncovered",
    "tier2_uncovered",
    "tier3_uncovered",
)
"""Headline figures a scoped account's runs carry: sums over its own townships' diagnostics."""


def scoped_metrics(townships: list[TownshipRow], viewer: Viewer) -> dict[str, Any]:
    """A run's headline figures over ``viewer``'s townships only, from the store's
    per-township diagnostics: ``townships``, ``households`` and ``tier{1,2,3}_uncovered``
    (a township's ``unassigned_tier*``). A figure that some township in scope lacks is left
    out (the page shows ``—``) rather than taken from the prefecture's; so is the churn
    (``churn_tier_unchanged``), which the run records for the whole prefecture only."""
    mine = [t.diagnostics for t in townships if viewer.covers(t.township_id)]
    sources = {
        "households": "households",
        "tier1_uncovered": "unassigned_tier1",
        "tier2_uncovered": "unassigned_tier2",
        "tier3_uncovered": "unassigned_tier3",
    }
    out: dict[str, Any] = {"townships": len(mine)}
    for name in SCOPED_METRICS:
        counts = [int(d[sources[name]]) for d in mine if d.get(sources[name]) is not None]
        if mine and len(counts) == len(mine):
            out[name] = sum(counts)
    return out


class ScopedAccess:
    """The signed-in user's access to the workspace and its store, with the scope checks."""

    def __init__(self, workspace: Workspace, viewer: Viewer, *, store_url: str | None = None):
        if viewer.role not in ROLES:
            raise OutOfScopeError(f"未知角色 {viewer.role!r} / unknown role {viewer.role!r}")
        self.workspace = workspace
        self.viewer = viewer
        self.store_url = store_url

    # ------------------------------------------------------------------ runs

    def _store(self) -> Store:
        return Store.for_workspace(self.workspace, self.store_url)

    def months(self) -> list[str]:
        """Months with a current run, newest first."""
        with self._store() as store:
            runs = store.list_runs()
        return sorted({r.month for r in runs if r.status == "current"}, reverse=True)

    def current_run(self, month: str) -> RunRow:
        """The month's current run (an error naming the month when there is none). Its
        headline figures (``metrics``) are the whole prefecture's; a county or township
        account gets them over its own townships (:func:`scoped_metrics`), as on the runs
        page, so no page's query hands out another township's figures."""
        with self._store() as store:
            run = store.current_run(month)
            if run is None:
                raise VisitPlannerError(f"{month} 尚无已发布的方案 / {month}: no published run")
            if self.viewer.scope_kind == "prefecture":
                return run
            return replace(
                run, metrics=scoped_metrics(store.run_townships(run.run_id), self.viewer)
            )

    def _root(self, run: RunRow) -> str:
        root = str(self.workspace.root / run.path)
        run_files.reader(root)  # kept; reading it remembers the run's place names for every label
        return root

    # ------------------------------------------------------------------ scope

    def _require(self, township_id: str) -> None:
        if not self.viewer.covers(township_id):
            raise OutOfScopeError(
                f"乡镇 {i18n.township(township_id, 'zh')} 不在您的辖区内（"
                f"{self.viewer.scope_label('zh')}） / township {i18n.township(township_id, 'en')} "
                f"is outside your jurisdiction ({self.viewer.scope_label('en')})"
            )

    def _township_root(self, month: str, township_id: str) -> tuple[RunRow, str]:
        """The month's current run and its directory, once ``township_id`` is in the user's
        jurisdiction (:meth:`_require`) and one of the run's townships: every query that reads
        a township's files by its id asks here first, so that no id reaches a path unless the
        run has that township."""
        self._require(township_id)
        run = self.current_run(month)
        root = self._root(run)
        if township_id not in run_files.township_ids(root):
            raise VisitPlannerError(
                f"乡镇 {i18n.township(township_id, 'zh')} 不在 {month} 的方案中 / township "
                f"{i18n.township(township_id, 'en')} is not in the plan of {month}"
            )
        return run, root

    def _absent(self, kind: str, typed: str) -> OutOfScopeError | DashboardError:
        """The one answer to a household or worker id (``kind``) typed or linked that the user
        may not see: the same words whether it is in no run or in another jurisdiction (an
        answer naming the township would tell which ids exist, and where), never a path."""
        zh, en = {"household": ("农户", "household"), "worker": ("人员", "worker")}[kind]
        shown = meant_text(typed).upper()
        if self.viewer.scope_kind == "prefecture":
            return DashboardError(f"未找到{zh} {shown} / no {en} {shown} in this month's plan")
        return OutOfScopeError(f"您的辖区内没有{zh} {shown} / no {en} {shown} in your jurisdiction")

    def _find_household(self, root: str, typed: str) -> tuple[str, str] | None:
        """``(household id as the run spells it, its township)`` of an id as typed (trimmed;
        tried as typed, then upper-cased), None when the run has no such household."""
        reader = run_files.reader(root)
        typed = meant_text(typed)  # full width, pasted spaces: as the files read ids
        for candidate in dict.fromkeys((typed, typed.upper())):
            township = reader.find_township(candidate)  # a damaged index: refused, not absent
            if township is not None:
                return candidate, township
        return None

    def _household_in_scope(self, root: str, typed: str) -> tuple[str, str]:
        """:meth:`_find_household`, refused alike (:meth:`_absent`) when there is none and when
        its township lies outside the user's jurisdiction."""
        found = self._find_household(root, typed)
        if found is None or not self.viewer.covers(found[1]):
            raise self._absent("household", typed)
        return found

    def _require_households(self) -> None:
        if not self.viewer.sees_households:
            raise OutOfScopeError("浏览账户仅可查看汇总 / viewer accounts see aggregates only")

    def townships(self, month: str) -> list[str]:
        """The township ids of the month's run in the user's scope, sorted."""
        run = self.current_run(month)
        return [t for t in run_files.township_ids(self._root(run)) if self.viewer.covers(t)]

"""The runs page's queries (dashboard/data/runs.py): a scoped account's figures, the diff of two
runs cut to the scope, and a rollback refused to all but planners of the whole prefecture.
On the shared site (tests/dashboard/helpers.py): the month planned twice, v1 and v2."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.data import DataAccess, Viewer
from dashboard.errors import OutOfScopeError
from tests.dashboard.helpers import (
    COUNTY,
    MONTH,
    OTHER_TOWNSHIP,
    TOWNSHIP,
    Site,
    access,
    audit_actions,
)
from visit_planner.store import Store


def test_runs_of_a_scoped_account_carry_only_its_townships_figures(site: Site) -> None:
    """The runs table's figures: the prefecture's for a prefecture account; for a county or
    township account the sums over its own townships, and no prefecture-wide churn."""
    planner = access(site, "planner")
    whole = planner.runs()
    assert whole and all("tier1_uncovered" in r.metrics for r in whole)
    towns = planner.townships(MONTH)
    for kind, scope in (("township", towns[-1]), ("county", towns[-1][:6])):
        scoped = access(site, "supervisor", kind, scope).runs()
        assert [r.run_id for r in scoped] == [r.run_id for r in whole]
        for run, mine in zip(whole, scoped, strict=True):
            diag = pl.read_parquet(site.home / run.path / "diagnostics.parquet")
            own = diag.filter(pl.col("township_id").str.starts_with(scope))
            assert 0 < own.height < diag.height
            assert mine.metrics["tier1_uncovered"] == int(own["unassigned_tier1"].sum())
            assert mine.metrics["households"] == int(own["households"].sum())
            assert mine.metrics["townships"] == own.height
            assert "churn_tier_unchanged" not in mine.metrics  # the prefecture's: "—"
            assert mine.metrics["households"] < run.metrics["households"]


def runs_of_month(site: Site) -> tuple[str, str]:
    """The run ids of MONTH's first and second version (whichever is current)."""
    with Store.for_workspace(site.workspace) as store:
        by_version = {r.version: r.run_id for r in store.list_runs(MONTH)}
    return by_version[1], by_version[2]


def test_the_diff_of_two_runs_holds_only_the_townships_in_scope(site: Site) -> None:
    first, second = runs_of_month(site)
    whole = DataAccess(site.workspace, Viewer("planner1", "planner")).run_diff(first, second)
    with Store.for_workspace(site.workspace) as store:
        plan_b = pl.read_parquet(site.home / store.get_run(second).path / "plan.parquet")
    everywhere = sorted(plan_b["township_id"].unique().to_list())
    assert whole["township_id"].to_list() == everywhere  # the prefecture sees every township
    assert OTHER_TOWNSHIP in everywhere and len(everywhere) > 2
    assert int(whole["households_b"].sum()) == plan_b.height
    for kind, scope in (("township", TOWNSHIP), ("county", COUNTY)):
        sup = DataAccess(site.workspace, Viewer("sup", "supervisor", kind, scope))
        mine = sup.run_diff(first, second)
        expected = [tw for tw in everywhere if tw.startswith(scope)]
        assert mine["township_id"].to_list() == expected and 0 < len(expected) < len(everywhere)
        assert OTHER_TOWNSHIP not in mine["township_id"].to_list()
        # the same rows as the prefecture's for those townships, nothing recomputed or dropped
        assert mine.equals(whole.filter(pl.col("township_id").is_in(expected)))
    assert DataAccess(site.workspace, Viewer("sup", "supervisor", "township", TOWNSHIP)).run_diff(
        second, first
    )["township_id"].to_list() == [TOWNSHIP]


@pytest.mark.parametrize(
    ("role", "kind", "scope"),
    [
        ("supervisor", "prefecture", None),  # no publish rights
        ("data_scientist", "prefecture", None),
        ("viewer", "prefecture", None),
        ("planner", "county", COUNTY),  # publish rights, not the whole prefecture
        ("planner", "township", TOWNSHIP),
    ],
)
def test_a_rollback_is_refused_without_publish_rights_or_prefecture_scope(
    site: Site, role: str, kind: str, scope: str | None
) -> None:
    with Store.for_workspace(site.workspace) as store:
        before = store.current_run(MONTH)
        earlier = [r for r in store.list_runs(MONTH) if r.status != "current"]
    assert before is not None and earlier
    user = DataAccess(site.workspace, Viewer("someone", role, kind, scope))
    with pytest.raises(OutOfScopeError, match="回滚") as refused:
        user.rollback(MONTH, earlier[0].run_id, reason="should not happen")
    assert "roll back" in str(refused.value)
    with Store.for_workspace(site.workspace) as store:
        after = store.current_run(MONTH)
    assert after is not None and after.run_id == before.run_id
    assert "rollback" not in audit_actions(site, earlier[0].run_id)


def test_a_prefecture_planner_rolls_back_and_it_is_audited(site: Site) -> None:
    first, second = runs_of_month(site)
    with Store.for_workspace(site.workspace) as store:
        before = store.current_run(MONTH)
    assert before is not None and before.run_id == second
    planner = DataAccess(site.workspace, Viewer("planner1", "planner"))
    row = planner.rollback(MONTH, first, reason="v2 withdrawn for the test")
    assert (row.run_id, row.version, row.status) == (first, 1, "current")
    assert planner.current_run(MONTH).run_id == first
    with Store.for_workspace(site.workspace) as store:
        assert store.get_run(second).status == "rolled_back"
        entry = [e for e in store.audit_entries() if e.action == "rollback"][-1]
    assert (entry.actor, entry.subject) == ("planner1", first)
    assert entry.details["from_run_id"] == second
    assert entry.details["reason"] == "v2 withdrawn for the test"

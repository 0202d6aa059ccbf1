"""The data layer's scope (dashboard/data/scope.py, viewer.py): the townships an account sees,
the one refusal of a township, household or worker outside its jurisdiction, whichever query
asked, and every public query of a township's account returning that township's rows only."""

from __future__ import annotations

import re

import polars as pl
import pytest

from dashboard.data import DataAccess, Viewer
from dashboard.errors import OutOfScopeError
from tests.dashboard.helpers import MONTH, OTHER_TOWNSHIP, TOWNSHIP, Site, access
from visit_planner.errors import VisitPlannerError
from visit_planner.store import Store


def test_scope_decides_the_townships(site: Site) -> None:
    everything = access(site, "planner").townships(MONTH)
    assert len(everything) >= 2
    one = everything[0]
    county = one[:6]
    assert access(site, "supervisor", "township", one).townships(MONTH) == [one]
    in_county = access(site, "supervisor", "county", county).townships(MONTH)
    assert in_county == [t for t in everything if t.startswith(county)]


def test_a_household_of_another_township_is_refused(site: Site) -> None:
    mine, theirs = site.household, site.other_household
    sup = access(site, "supervisor", "township", TOWNSHIP)
    got = sup.household(MONTH, mine)
    assert got["township_id"] == TOWNSHIP and got["explanation"]["household_id"] == mine
    with pytest.raises(OutOfScopeError) as refused:
        sup.household(MONTH, theirs)  # a crafted id of another township
    assert OTHER_TOWNSHIP not in str(refused.value)
    with pytest.raises(OutOfScopeError):
        sup.township(MONTH, OTHER_TOWNSHIP)
    with pytest.raises(OutOfScopeError):
        sup.map_points(MONTH, OTHER_TOWNSHIP)
    with pytest.raises(OutOfScopeError):
        sup.worker(MONTH, site.other_worker)
    with pytest.raises(OutOfScopeError):
        sup.household_history(theirs)


def test_an_id_out_of_scope_is_refused_exactly_like_one_that_does_not_exist(site: Site) -> None:
    sup = DataAccess(site.workspace, Viewer("s", "supervisor", "township", TOWNSHIP))
    answers = {}
    for hid in (site.other_household, "H9999999", f"  {site.other_household.lower()} "):
        for ask in (sup.household, lambda m, h: sup.household_history(h)):
            with pytest.raises(OutOfScopeError) as refused:
                ask(MONTH, hid)
            answers.setdefault(hid.strip().upper(), set()).add(str(refused.value))
        with pytest.raises(OutOfScopeError) as refused:
            sup.submit_override(kind="tier", household_id=hid, reason="x", tier=1)
        answers[hid.strip().upper()].add(str(refused.value))
    for hid, said in answers.items():
        assert said == {f"您的辖区内没有农户 {hid} / no household {hid} in your jurisdiction"}
    for wid in (site.other_worker, "W999999", site.other_worker.lower()):
        for ask in (sup.worker, sup.visit_sheet):
            with pytest.raises(OutOfScopeError) as refused:
                ask(MONTH, wid)
            up = wid.upper()
            assert (
                str(refused.value)
                == f"您的辖区内没有人员 {up} / no worker {up} in your jurisdiction"
            )
            assert OTHER_TOWNSHIP not in str(refused.value)
    # typed in lower case, with spaces: found, under the id as the run spells it
    got = sup.household(MONTH, f" {site.household.lower()} ")
    assert got["household_id"] == site.household and got["township_id"] == TOWNSHIP
    assert sup.household_history(site.household.lower())["township_id"].to_list() == [TOWNSHIP]
    assert sup.worker(MONTH, site.worker.lower())["load"]["worker_id"] == site.worker
    assert site.household.encode() in sup.visit_sheet(MONTH, site.worker.lower())


def test_a_household_not_in_the_plan_is_named_without_a_path(site: Site) -> None:
    planner = DataAccess(site.workspace, Viewer("p", "planner"))
    for typed, shown in (("H9999999", "H9999999"), (" h9999999", "H9999999")):
        with pytest.raises(VisitPlannerError) as refused:
            planner.household(MONTH, typed)
        assert (
            str(refused.value) == f"未找到农户 {shown} / no household {shown} in this month's plan"
        )
        assert str(site.home) not in str(refused.value) and "/" not in str(refused.value)[:4]
    with pytest.raises(VisitPlannerError) as refused:
        planner.worker(MONTH, "w999999")
    assert str(refused.value) == "未找到人员 W999999 / no worker W999999 in this month's plan"
    got = planner.household(MONTH, site.household.lower())
    assert got["household_id"] == site.household


# --------------------------------------------------------------------------- every query
# The data layer's public surface: a query returns what the account may see; an action changes
# the store or publishes (refused or scoped by its own tests: test_data_households.py for
# submit_override, test_data_corrections.py for revoke_override, test_data_runs.py for
# rollback, test_data_aggregates.py for publish_what_if).
ACTIONS = frozenset({"rollback", "submit_override", "revoke_override", "publish_what_if"})


def test_every_query_of_a_township_account_returns_only_its_townships_rows(site: Site) -> None:
    """The township supervisor asks every public query of the data layer (every public method
    of DataAccess but the actions: a new one fails here until it is checked): each returns
    households, workers, plan rows, townships and figures of TOWNSHIP only, checked against
    the whole run's files; each query that names a township, household or worker refuses one
    of OTHER_TOWNSHIP."""
    from visit_planner.whatif import Changes

    public = {n for n in dir(DataAccess) if not n.startswith("_")}
    asked: set[str] = set()
    planner = access(site, "planner")
    sup = access(site, "supervisor", "township", TOWNSHIP)
    run = planner.current_run(MONTH)
    root = site.home / run.path
    plan = pl.read_parquet(root / "plan.parquet")
    loads = pl.read_parquet(root / "worker_loads.parquet")
    households = set(plan.filter(pl.col("township_id") == TOWNSHIP)["household_id"].to_list())
    workers = set(loads.filter(pl.col("township_id") == TOWNSHIP)["worker_id"].to_list())
    everyone = set(plan["household_id"].to_list()) | set(loads["worker_id"].to_list())
    assert households and workers and len(everyone) > len(households) + len(workers)

    def mine(ids: list[str | None], of: set[str]) -> None:
        """``ids`` (nulls aside) are all of TOWNSHIP's, and there is at least one."""
        shown = {i for i in ids if i is not None}
        assert shown and shown <= of, sorted(shown - of)[:5]

    # A correction of each township, so that the list has one to leave out.
    planner.submit_override(
        kind="tier", household_id=site.other_household, reason="scope test", tier=1
    )
    sup.submit_override(kind="tier", household_id=site.household, reason="scope test", tier=1)
    assert {TOWNSHIP, OTHER_TOWNSHIP} <= set(planner.overrides(MONTH)["township_id"].to_list())

    # No rows of any township: the same answer as the planner's.
    asked |= {"months", "current_run", "model_versions", "model_report"}
    assert sup.months() == planner.months()
    assert sup.current_run(MONTH).run_id == run.run_id
    # The run's headline figures are the township's, not the prefecture's, whichever page's
    # query hands the run out (the planner's are the whole run's).
    own = plan.filter(pl.col("township_id") == TOWNSHIP)
    assert sup.current_run(MONTH).metrics["households"] == own.height
    assert sup.current_run(MONTH).metrics["townships"] == 1
    assert "churn_tier_unchanged" not in sup.current_run(MONTH).metrics
    assert planner.current_run(MONTH).metrics["households"] == plan.height
    for page in (sup.overview(MONTH), sup.township(MONTH, TOWNSHIP)):
        shown = page.run if hasattr(page, "run") else page["run"]
        assert shown.metrics["households"] == own.height
    assert [v.version for v in sup.model_versions()] == [
        v.version for v in planner.model_versions()
    ]
    assert sup.model_report(1).card == planner.model_report(1).card  # training's aggregates

    asked.add("townships")
    assert sup.townships(MONTH) == [TOWNSHIP]

    asked.add("overview")
    ov = sup.overview(MONTH)
    assert ov.townships["township_id"].to_list() == [TOWNSHIP]
    assert ov.centres["township_id"].to_list() == [TOWNSHIP]
    assert int(ov.by_tier["households"].sum()) == len(households)

    asked.add("township")
    town = sup.township(MONTH, TOWNSHIP)
    assert town["diagnostics"]["township_id"] == TOWNSHIP
    mine(town["uncovered"]["household_id"].to_list(), households)
    mine(town["loads"]["worker_id"].to_list(), workers)
    assert set(town["loads"]["township_id"].to_list()) == {TOWNSHIP}

    asked.add("workers_of")
    mine(sup.workers_of(MONTH, TOWNSHIP)["worker_id"].to_list(), workers)

    asked.add("areas")  # the villages and grids a what-if's new worker may serve
    areas = sup.areas(MONTH, TOWNSHIP)
    assert areas.height > 0
    assert all(v.startswith(TOWNSHIP) for v in areas["village_id"].to_list())
    assert all(g.startswith(TOWNSHIP) for g in areas["grid_id"].drop_nulls().to_list())

    asked.add("map_points")
    points = sup.map_points(MONTH, TOWNSHIP)
    mine(points["households"]["household_id"].to_list(), households)
    mine(points["households"]["worker_id"].to_list(), workers)
    mine(points["workers"]["worker_id"].to_list(), workers)

    asked.add("household")
    one = sup.household(MONTH, site.household)
    assert one["township_id"] == TOWNSHIP and one["record"]["household_id"] == site.household
    assert one["explanation"]["worker_id"] in workers
    unvisited = sup.household(MONTH, town["uncovered"]["household_id"][0])  # has alternatives
    for alternatives in (one["alternatives"], unvisited["alternatives"]):
        assert set(alternatives["worker_id"].to_list()) <= workers
        assert set(alternatives["displaced_household_id"].drop_nulls().to_list()) <= households
    mine(unvisited["alternatives"]["worker_id"].to_list(), workers)

    asked.add("household_history")
    history = sup.household_history(site.household)
    assert set(history["township_id"].to_list()) == {TOWNSHIP}
    assert set(history["worker_id"].drop_nulls().to_list()) <= workers

    asked.add("worker")
    worker = sup.worker(MONTH, site.worker)
    assert worker["load"]["township_id"] == TOWNSHIP
    mine(worker["households"]["household_id"].to_list(), households)

    asked.add("visit_sheet")
    sheet = sup.visit_sheet(MONTH, site.worker).decode("utf-8")
    ids = set(re.findall(r"\b[HW]\d{6,7}\b", sheet)) & everyone  # every id the sheet names
    mine(sorted(ids), households | workers)

    asked.add("overrides")
    corrections = sup.overrides(MONTH)
    assert set(corrections["township_id"].to_list()) == {TOWNSHIP}
    mine(corrections["household_id"].to_list(), households)

    asked.add("runs")
    for row in sup.runs():
        diag = pl.read_parquet(site.home / row.path / "diagnostics.parquet")
        own = diag.filter(pl.col("township_id") == TOWNSHIP)
        assert row.metrics["townships"] == 1
        assert row.metrics["households"] == int(own["households"].sum())

    asked.add("run_diff")
    with Store.for_workspace(site.workspace) as store:
        ids_of_month = [r.run_id for r in store.list_runs(MONTH)]
    assert len(ids_of_month) >= 2
    assert sup.run_diff(ids_of_month[0], ids_of_month[1])["township_id"].to_list() == [TOWNSHIP]

    asked.add("drift")
    drift = sup.drift(MONTH)
    assert drift is not None and drift.households == len(households)

    asked.add("what_if")
    what = sup.what_if(MONTH, TOWNSHIP, Changes(hours={site.worker: 0.0}))
    assert what.township_id == TOWNSHIP
    mine(what.solved.result.plan["household_id"].to_list(), households)
    mine(what.solved.result.plan["worker_id"].to_list(), workers)
    mine(what.inputs.households["household_id"].to_list(), households)
    mine(what.inputs.workers["worker_id"].to_list(), workers)

    # Each query naming a township, household or worker: one of OTHER_TOWNSHIP refused.
    refusals = {
        "township": lambda: sup.township(MONTH, OTHER_TOWNSHIP),
        "workers_of": lambda: sup.workers_of(MONTH, OTHER_TOWNSHIP),
        "map_points": lambda: sup.map_points(MONTH, OTHER_TOWNSHIP),
        "areas": lambda: sup.areas(MONTH, OTHER_TOWNSHIP),
        "what_if": lambda: sup.what_if(MONTH, OTHER_TOWNSHIP, Changes()),
        "household": lambda: sup.household(MONTH, site.other_household),
        "household_history": lambda: sup.household_history(site.other_household),
        "worker": lambda: sup.worker(MONTH, site.other_worker),
        "visit_sheet": lambda: sup.visit_sheet(MONTH, site.other_worker),
    }
    for name, ask in refusals.items():
        with pytest.raises(OutOfScopeError):
            ask()
        assert name in asked

    assert asked == public - ACTIONS, sorted(public - ACTIONS - asked)
    assert public >= ACTIONS


def test_a_county_account_cannot_reach_another_township_through_a_crafted_id(
    site: Site,
) -> None:
    """A county account's scope was a prefix of the id: '532626001/../532601001' started with
    its county, passed the check, and map_points, areas, workers_of joined it into a path, so
    the other county's township's households (coordinates, tiers, pairings), villages and
    workers came back."""
    from visit_planner.whatif import Changes

    county = TOWNSHIP[:6]
    assert not OTHER_TOWNSHIP.startswith(county)
    sup = access(site, "supervisor", "county", county)
    viewer = Viewer("u", "supervisor", "county", county)
    assert viewer.covers(TOWNSHIP) and not viewer.covers(OTHER_TOWNSHIP)
    crafted = (
        f"{TOWNSHIP}/../{OTHER_TOWNSHIP}",
        f"{TOWNSHIP}/../../../../{OTHER_TOWNSHIP}",
        f"{county}/../{OTHER_TOWNSHIP}",
        county,  # the county itself is no township
        f"{TOWNSHIP} ",
    )
    queries = {
        "township": sup.township,
        "map_points": sup.map_points,
        "areas": sup.areas,
        "workers_of": sup.workers_of,
        "what_if": lambda m, t: sup.what_if(m, t, Changes()),
    }
    for typed in crafted:
        assert not viewer.covers(typed), typed
        for ask in queries.values():
            with pytest.raises(OutOfScopeError, match="不在您的辖区内"):
                ask(MONTH, typed)
    # A code of the county the run does not have: named as not in the plan, no file read.
    missing = f"{county}999"
    assert viewer.covers(missing)
    for ask in queries.values():
        with pytest.raises(VisitPlannerError, match=f"不在 {MONTH} 的方案中"):
            ask(MONTH, missing)
    # the county's own township still answers
    assert sup.areas(MONTH, TOWNSHIP).height > 0
    assert sup.map_points(MONTH, TOWNSHIP)["households"].height > 0

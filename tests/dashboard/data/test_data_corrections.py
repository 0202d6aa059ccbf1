"""The corrections page's queries (dashboard/data/corrections.py): revoking a correction in the
user's jurisdiction only, audited; a new one that conflicts with a standing one refused in the
page's words; and a correction of a household the month's run no longer has still listed, to
the accounts whose jurisdiction it was last seen in.

The module's site gets a second month (``NEXT``) whose data lacks one household of
``TOWNSHIP`` (it moved away or left), planned after ``MONTH``.
"""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from dashboard.data import DataAccess, Viewer
from dashboard.data.sensitive import CORRECTION_WITHHELD
from dashboard.errors import OutOfScopeError
from tests.dashboard.helpers import (
    COUNTY,
    MONTH,
    TOWNSHIP,
    Site,
    access,
    audit_actions,
    township_households,
)
from visit_planner.errors import VisitPlannerError
from visit_planner.store import Store

NEXT = "2026-12"


@pytest.fixture(scope="module")
def gone(site: Site) -> str:
    """A household of TOWNSHIP in MONTH's run whose data of NEXT no longer has it: NEXT is
    MONTH's data without it, planned after MONTH. Its tier override, added in MONTH, is
    standing."""
    from visit_planner.plan_job import run_plan
    from visit_planner.plan_steps import PlanRequest

    workers = pl.read_parquet(site.data / "workers.parquet")
    conflicts = pl.read_parquet(site.data / "conflicts.parquet")
    owned = set(workers["own_household_id"].drop_nulls()) | set(conflicts["household_id"])
    household = next(h for h in township_households(site) if h not in owned)
    with Store.for_workspace(site.workspace) as store:
        store.add_override("tier", household, author="sup_town", reason="家访", tier=1)
    data = site.home.parent / "data_next"
    shutil.copytree(site.data, data)
    households = pl.read_parquet(data / "households.parquet")
    households.filter(pl.col("household_id") != household).write_parquet(
        data / "households.parquet"
    )
    (data / "month.json").unlink(missing_ok=True)  # an office's export: month unchecked
    run_plan(PlanRequest(month=NEXT, data=data, home=site.home, processes=1, actor="planner1"))
    return household


def test_a_correction_of_a_household_that_left_is_still_listed_where_it_was(
    site: Site, gone: str
) -> None:
    """The plan of NEXT reports the household's override as not applied (not in this month's
    data), but the corrections page left it out of every account's list, the prefecture's
    planner's too, since the run has no township for it: silently dropped. It is now listed
    with the township the newest run that had it gives, to that township's accounts."""
    for account in (access(site, "planner"), access(site, "supervisor", "township", TOWNSHIP)):
        listed = account.overrides(NEXT).filter(pl.col("household_id") == gone)
        assert listed.height == 1, account.viewer
        row = listed.row(0, named=True)
        assert (row["township_id"], row["outcome"]) == (TOWNSHIP, "not_applied")
        assert "不在本月数据中" in row["outcome_reason"]
    county = access(site, "supervisor", "county", COUNTY)  # TOWNSHIP is not in COUNTY
    assert gone not in county.overrides(NEXT)["household_id"].to_list()


def test_a_new_correction_is_checked_against_the_newest_month_whatever_the_page_shows(
    site: Site, gone: str
) -> None:
    """With the page on last month (the sidebar's month), a supervisor could add a correction
    of a household that has since left: the check read the month shown, so it was recorded
    (never to apply; seen: #8 of H0005851 in a scale-0.01 workspace, which ``overrides add``
    refuses). New corrections and revocations are now checked against the newest month's
    run, as ``overrides add`` checks them."""
    sup = access(site, "supervisor", "township", TOWNSHIP)
    assert gone in sup.overrides(MONTH)["household_id"].to_list()  # last month's list has it
    with pytest.raises(OutOfScopeError, match=f"没有农户 {gone}"):
        sup.submit_override(
            kind="correction", household_id=gone, reason="x", field="members", value="9"
        )
    with Store.for_workspace(site.workspace) as store:
        assert not [o for o in store.list_overrides() if o.reason == "x" and o.kind == "correction"]


def test_a_correction_of_a_household_no_run_has_is_the_prefectures_planners(site: Site) -> None:
    """An override of a household no run has (added with ``overrides add --data`` from an
    office's file, say) is listed, without a township, to the prefecture's planners, who may
    revoke it; a township's supervisor neither sees nor revokes it."""
    with Store.for_workspace(site.workspace) as store:
        number = store.add_override("tier", "H9999999", author="planner1", reason="x", tier=2).id
    planner = access(site, "planner")
    row = planner.overrides(MONTH).filter(pl.col("id") == number).row(0, named=True)
    assert row["township_id"] is None and row["outcome"] == "pending"
    sup = access(site, "supervisor", "township", TOWNSHIP)
    assert number not in sup.overrides(MONTH)["id"].to_list()
    with pytest.raises(OutOfScopeError, match=f"没有督导调整 #{number}"):
        sup.revoke_override(number, "不是本乡镇的")
    assert planner.revoke_override(number, "编号有误 / a wrong id").status == "revoked"


def test_a_supervisor_revokes_a_correction_of_the_jurisdiction_only_audited(site: Site) -> None:
    """The page could not revoke at all, though a conflicting correction was refused with
    "to change it, revoke #N first (visit-planner overrides revoke N --reason ...)", a command
    a supervisor has no access to. A planner or supervisor now revokes one of their
    jurisdiction, with a reason (no ID-card or phone number: it goes into the audit log),
    audited under their name; another jurisdiction's gets the answer of a number that does
    not exist, and roles that may not correct are refused."""
    household = township_households(site)[1]
    sup = DataAccess(site.workspace, Viewer("sup_town", "supervisor", "township", TOWNSHIP))
    number = sup.submit_override(
        kind="tier", household_id=household, reason="x", tier=2, client="203.0.113.7"
    )
    # a second tier of the household: refused, naming the one to revoke here, not the CLI
    with pytest.raises(VisitPlannerError) as refused:
        sup.submit_override(kind="tier", household_id=household, reason="y", tier=3)
    said = str(refused.value)
    assert said == (
        f"与现行督导调整 #{number}（类别调整）冲突：都设定农户 {household} 的类别；如需更改，请先"
        f"在本页“撤销督导调整”中撤销 #{number} / conflicts with standing override #{number} "
        f"(tier override): both set household {household}'s tier; to change it, revoke "
        f"#{number} first under 'Revoke an override' on this page"
    )
    # not the user's, or not a role that corrects: refused, nothing changed
    county = access(site, "supervisor", "county", COUNTY)
    with pytest.raises(OutOfScopeError) as theirs:
        county.revoke_override(number, "不是本县的")
    with pytest.raises(OutOfScopeError) as nowhere:
        county.revoke_override(999_999, "不是本县的")
    assert str(theirs.value).replace(str(number), "N") == str(nowhere.value).replace("999999", "N")
    for role in ("data_scientist", "viewer"):
        with pytest.raises(OutOfScopeError, match="cannot revoke"):
            access(site, role).revoke_override(number, "x")
    with pytest.raises(VisitPlannerError, match="撤销理由中含疑似身份证号码") as personal:
        sup.revoke_override(number, "户主 532626199001011234 来电")
    assert "532626199001011234" not in str(personal.value)
    with pytest.raises(VisitPlannerError, match="reason for revoking"):
        sup.revoke_override(number, "  ")
    with Store.for_workspace(site.workspace) as store:
        assert store.get_override(number).status == "active"
    # the supervisor's own: revoked, audited under their name, the new tier then accepted
    row = sup.revoke_override(number, "核实后维持原类别 / checked: tier stands", "203.0.113.7")
    assert (row.status, row.revoked_by) == ("revoked", "sup_town")
    assert audit_actions(site, f"override {number}") == ["override.add", "override.revoke"]
    with Store.for_workspace(site.workspace) as store:
        entries = [e for e in store.audit_entries() if e.subject == f"override {number}"]
    assert entries[-1].actor == "sup_town"
    # where the browser was, as for a sign-in (a security review asks it of every change)
    assert [e.details.get("client") for e in entries] == ["203.0.113.7", "203.0.113.7"]
    with pytest.raises(VisitPlannerError, match="已由 sup_town 撤销"):
        sup.revoke_override(number, "again")
    listed = sup.overrides(MONTH).filter(pl.col("id") == number).row(0, named=True)
    assert (listed["outcome"], listed["revoked_by"]) == ("revoked", "sup_town")
    again = sup.submit_override(kind="tier", household_id=household, reason="y", tier=3)
    assert again > number


def test_a_corrections_evidence_is_listed_and_withheld_with_its_sensitive_field(
    site: Site,
) -> None:
    """A data correction's evidence ("村委会证明") was kept in the store but shown nowhere on
    the page. It is now listed with the correction; for a role without sensitive fields, a
    correction of one shows its evidence as withheld, like its reason (it may say the
    value)."""
    household = township_households(site)[4]
    sup = access(site, "supervisor", "township", TOWNSHIP)
    record = access(site, "planner").household(NEXT, household)["record"]
    plain = sup.submit_override(
        kind="correction", household_id=household, reason="入户核实", field="members",
        value=str(int(record["members"]) + 1), evidence="村委会证明",
    )  # fmt: skip
    sensitive = sup.submit_override(
        kind="correction", household_id=household, reason="入户核实",
        field="serious_illness_members", value="1", evidence="县医院诊断证明",
    )  # fmt: skip
    for role, shown in (("planner", "县医院诊断证明"), ("data_scientist", CORRECTION_WITHHELD)):
        listed = access(site, role).overrides(NEXT)
        evidence = dict(zip(listed["id"], listed["evidence"], strict=True))
        assert (evidence[plain], evidence[sensitive]) == ("村委会证明", shown), role


def test_a_pin_a_standing_tier_override_would_release_is_refused(site: Site) -> None:
    """The page accepted a pin to a grid worker while a tier-1 override of the household was
    standing, and the next plan released it ('网格员不承接一类户'); it now refuses it as
    ``overrides add`` does, naming the override and both ways out."""
    households = pl.read_parquet(site.data / "households.parquet")
    workers = pl.read_parquet(site.data / "workers.parquet")
    grid_workers = workers.filter((pl.col("role") == "grid_worker") & pl.col("active"))
    mine = households.filter(pl.col("household_id").is_in(township_households(site)[4:]))
    row = mine.join(grid_workers.select("grid_id", "worker_id"), on="grid_id").row(0, named=True)
    household, worker = row["household_id"], row["worker_id"]
    sup = DataAccess(site.workspace, Viewer("sup_town", "supervisor", "township", TOWNSHIP))
    number = sup.submit_override(kind="tier", household_id=household, reason="独居", tier=1)
    with pytest.raises(VisitPlannerError) as refused:
        sup.submit_override(kind="pin", household_id=household, reason="邻居", worker_id=worker)
    said = str(refused.value)
    assert f"农户 {household} 有现行类别调整 #{number}" in said
    assert f"worker {worker} is a grid worker, who does not serve tier-1 households" in said

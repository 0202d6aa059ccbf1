"""One household, one worker and the corrections (dashboard/data/household.py, worker.py,
corrections.py, sensitive.py): what each role sees of them, the sensitive fields withheld from
roles without them, and the worker's visit sheet."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from dashboard.data import SENSITIVE_FIELDS, SHEET_WITHHELD, WITHHELD_RULE, DataAccess, Viewer
from dashboard.data.corrections import unplanned_outcome
from dashboard.data.sensitive import mask_notes
from dashboard.errors import OutOfScopeError
from tests.dashboard.helpers import (
    COUNTY,
    MONTH,
    OTHER_TOWNSHIP,
    TOWNSHIP,
    Site,
    access,
    township_households,
)
from visit_planner import clock
from visit_planner.contracts.columns import AUDIT_ONLY
from visit_planner.errors import VisitPlannerError
from visit_planner.store import OverrideRow, Store

KEPT_SENSITIVE = [f for f in SENSITIVE_FIELDS if f not in AUDIT_ONLY]
"""The sensitive fields a run keeps per household: not the audit-only ethnicity and gender
(docs/privacy.md)."""


def test_roles_see_households_and_sensitive_fields_as_allowed(site: Site) -> None:
    planner = access(site, "planner")
    tw = planner.townships(MONTH)[0]
    hid = pl.read_parquet(
        site.home / planner.current_run(MONTH).path / "townships" / tw / "plan.parquet"
    )["household_id"][0]
    full = planner.household(MONTH, hid)["record"]
    masked = access(site, "data_scientist").household(MONTH, hid)["record"]
    for field in KEPT_SENSITIVE:
        assert masked[field] == "—" and full[field] != "—"
    assert not set(AUDIT_ONLY) & (full.keys() | masked.keys())  # a run keeps none of them
    assert masked["members"] == full["members"]
    viewer = access(site, "viewer")
    with pytest.raises(OutOfScopeError, match="aggregates"):
        viewer.household(MONTH, hid)
    assert "households" not in viewer.map_points(MONTH, tw)
    assert viewer.township(MONTH, tw)["uncovered"] is None


def test_no_role_sees_ethnicity_or_gender_of_a_run_that_kept_them(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs published before 6871230 kept the audit-only columns in their inputs; the
    household record leaves them out for every role, the planner's too."""
    from dashboard.data import household as household_module

    read = household_module.run_files.township_input

    def old_run(root: str, township_id: str, name: str) -> pl.DataFrame | None:
        frame = read(root, township_id, name)
        if frame is None or name != "households":
            return frame
        return frame.with_columns(head_ethnicity=pl.lit("yi"), head_gender=pl.lit("female"))

    monkeypatch.setattr(household_module.run_files, "township_input", old_run)
    planner = access(site, "planner")
    tw = planner.townships(MONTH)[0]
    hid = pl.read_parquet(
        site.home / planner.current_run(MONTH).path / "townships" / tw / "plan.parquet"
    )["household_id"][0]
    for role in ("planner", "data_scientist"):
        record = access(site, role).household(MONTH, hid)["record"]
        assert not set(AUDIT_ONLY) & record.keys(), role
        assert record["household_id"] == hid


def _scores(home: Path, planner: DataAccess) -> pl.DataFrame:
    run = home / planner.current_run(MONTH).path
    return pl.concat([pl.read_parquet(p) for p in sorted(run.glob("townships/*/scores.parquet"))])


def test_reasons_and_rules_from_sensitive_fields_are_withheld_from_roles_without(
    site: Site,
) -> None:
    planner = access(site, "planner")
    scores = _scores(site.home, planner)
    reasons = scores.explode("reasons").unnest("reasons")
    sensitive = reasons.filter(pl.col("code").is_in(SENSITIVE_FIELDS))
    assert sensitive.height > 0  # the demo's model does explain by illness, disputes ...
    hid = sensitive["household_id"][0]
    tw = planner.household(MONTH, hid)["township_id"]
    texts = sensitive.filter(pl.col("household_id") == hid)["text"].to_list()
    stored = reasons.filter(pl.col("household_id") == hid)
    # The supervisor of its township (and the planner) get every reason, as stored.
    for user in (planner, access(site, "supervisor", "township", tw)):
        got = user.household(MONTH, hid)["score"]
        assert [r["text"] for r in got["reasons"]] == stored["text"].to_list()
        assert "reasons_withheld" not in got
    # A data scientist: none built from a sensitive field, counted instead; the others kept.
    scientist = access(site, "data_scientist").household(MONTH, hid)
    score = scientist["score"]
    assert [r["code"] for r in score["reasons"]] == [
        c for c in stored["code"].to_list() if c not in SENSITIVE_FIELDS
    ]
    assert score["reasons_withheld"] == len(texts) > 0
    # ... and no sensitive value anywhere in what the household page gets.
    everything = repr({k: v for k, v in scientist.items() if k != "run"})
    for text in texts:
        assert text not in everything
        assert text.split(" / ")[0] not in everything  # neither half of the bilingual text
    assert all(scientist["record"][f] == "—" for f in KEPT_SENSITIVE)
    # A rule whose condition reads a sensitive field is not named to the data scientist.
    rules = {r.code: r.when for r in _policy_rules(planner)}
    raised = scores.filter(pl.col("rule").is_not_null())
    for row in raised.iter_rows(named=True):
        reads_sensitive = any(f in rules[row["rule"]] for f in SENSITIVE_FIELDS)
        shown = access(site, "data_scientist").household(MONTH, row["household_id"])
        assert (shown["score"]["rule"] == WITHHELD_RULE) is reads_sensitive
        assert planner.household(MONTH, row["household_id"])["score"]["rule"] == row["rule"]
        if reads_sensitive:
            assert row["rule"] not in repr({k: v for k, v in shown.items() if k != "run"})


def _policy_rules(user: DataAccess) -> list[Any]:
    from visit_planner.policy import parse_policy

    return list(parse_policy(user.current_run(MONTH).policy_text, "run policy").risk.rules)


def test_a_correction_of_a_sensitive_field_shows_no_value_to_roles_without(
    site: Site,
) -> None:
    planner = access(site, "planner")
    hid = _scores(site.home, planner)["household_id"][0]
    shown = planner.household(MONTH, hid)
    tw = shown["township_id"]
    # A value the household does not hold already (a correction that changes nothing is
    # refused), within its members.
    value = "1" if shown["record"]["serious_illness_members"] == 0 else "0"
    sup = access(site, "supervisor", "township", tw)
    number = sup.submit_override(kind="correction", household_id=hid, reason="医院证明",
        field="serious_illness_members", value=value,
    )  # fmt: skip
    row = sup.overrides(MONTH).filter(pl.col("id") == number)
    assert row["value"][0] == value
    seen = access(site, "data_scientist").overrides(MONTH).filter(pl.col("id") == number)
    assert seen["field"][0] == "serious_illness_members" and seen["value"][0] == "—"
    assert mask_notes(
        "数据更正 correction #3: serious_illness_members 2 → 0 (确诊 0 人; 医院证明); "
        "数据更正 correction #4: members 5 → 4 (迁出); 类别调整 tier override #5: 1 (独居)"
    ) == (  # the reason of a sensitive field's correction may say the value: left out too
        "数据更正 correction #3: serious_illness_members — → —; "
        "数据更正 correction #4: members 5 → 4 (迁出); 类别调整 tier override #5: 1 (独居)"
    )


def test_no_text_of_a_sensitive_correction_tells_its_value_to_roles_without(
    site: Site,
) -> None:
    """The value of a correction of a sensitive field was '—' for a data scientist, but its
    outcome said it ('数据中 重病成员数 (serious_illness_members) 已是 1, 无需更正', as a plan
    records it once the data caught up), and so could the supervisor's reason ('确诊 1 人');
    a correction of another field whose outcome quotes a sensitive one ('... contradicts
    the household: 重病成员数 ... (1 > ...)') likewise."""
    from visit_planner.overrides import _already

    planner = access(site, "planner")
    run = planner.current_run(MONTH)
    hid = _scores(site.home, planner)["household_id"][1]
    shown = planner.household(MONTH, hid)
    value = "1" if shown["record"]["serious_illness_members"] == 0 else "0"
    sup = access(site, "supervisor", "township", shown["township_id"])
    ill = sup.submit_override(kind="correction", household_id=hid, reason=f"确诊 {value} 人",
        field="serious_illness_members", value=value,
    )  # fmt: skip
    members = str(int(shown["record"]["members"]) + 1)
    grown = sup.submit_override(
        kind="correction", household_id=hid, reason="新生儿", field="members", value=members,
    )  # fmt: skip
    contradiction = (
        f"值 '{members}' 与该户其他信息不符: 重病成员数 (serious_illness_members) 不得多于家庭人口 "
        "(3 > 2) / value ... (serious_illness_members) ..."
    )
    with Store.for_workspace(site.workspace) as store:  # as the next plan records them
        store.record_outcomes(
            run.run_id,
            [
                (ill, "applied", _already("serious_illness_members", value)),
                (grown, "not_applied", contradiction),
            ],
        )
    full = sup.overrides(MONTH).filter(pl.col("id").is_in([ill, grown])).sort("id")
    assert full["outcome_reason"].to_list()[0].startswith("数据中 重病成员数")
    assert full["reason"].to_list() == [f"确诊 {value} 人", "新生儿"]
    seen = access(site, "data_scientist").overrides(MONTH)
    seen = seen.filter(pl.col("id").is_in([ill, grown])).sort("id")
    withheld = "涉及敏感字段，本角色不可见 / concerns a sensitive field not shown to your role"
    assert seen["value"].to_list() == ["—", members]
    assert seen["reason"].to_list() == [withheld, "新生儿"]
    assert seen["outcome_reason"].to_list() == [withheld, withheld]
    assert seen["outcome"].to_list() == ["applied", "not_applied"]  # what became of them: kept
    texts = seen.drop("field").select(pl.all().cast(pl.String).str.contains("serious_illness"))
    assert not any(texts.select(pl.all().any()).row(0))  # the field is named in its column only


def test_a_visit_sheet_is_refused_to_roles_without_sensitive_fields(site: Site) -> None:
    scientist = DataAccess(site.workspace, Viewer("s", "data_scientist"))
    with pytest.raises(OutOfScopeError) as refused:
        scientist.visit_sheet(MONTH, site.worker)
    assert str(refused.value) == SHEET_WITHHELD


def test_corrections_by_role_and_scope(site: Site) -> None:
    mine, theirs = site.household, site.other_household
    sup = access(site, "supervisor", "township", TOWNSHIP)
    number = sup.submit_override(kind="tier", household_id=mine, reason="hotline", tier=1)
    listed = sup.overrides(MONTH)
    assert number in listed["id"].to_list()
    assert set(listed["township_id"]) == {TOWNSHIP}
    assert listed.filter(pl.col("id") == number)["outcome"][0] == "pending"
    # Submitted just now, shown in Beijing time (UTC+8), not UTC.
    shown = datetime.strptime(listed.filter(pl.col("id") == number)["created_at"][0],
                              "%Y-%m-%d %H:%M")  # fmt: skip
    beijing_now = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=8)
    assert abs(shown - beijing_now) < timedelta(minutes=2)
    with pytest.raises(OutOfScopeError):
        sup.submit_override(kind="tier", household_id=theirs, reason="x", tier=1)
    with pytest.raises(OutOfScopeError):
        access(site, "viewer").submit_override(kind="tier", household_id=mine, reason="x", tier=1)
    with pytest.raises(Exception, match="1, 2 or 3"):
        sup.submit_override(kind="tier", household_id=mine, reason="x", tier=9)
    other_sup = access(site, "supervisor", "township", OTHER_TOWNSHIP)
    assert number not in other_sup.overrides(MONTH)["id"].to_list()


def test_a_revoked_or_expired_correction_is_not_pending(site: Site) -> None:
    """A revoked override the month's run did not have was listed as "待下次方案 / pending",
    as if the next plan would apply it; revoked or expired, no plan will. Its outcome now says
    so, and who revoked it, when and why are listed with it."""
    sup = access(site, "supervisor", "county", COUNTY)
    number = sup.submit_override(
        kind="tier", household_id=site.county_household, reason="hotline", tier=1
    )
    assert sup.overrides(MONTH).filter(pl.col("id") == number)["outcome"][0] == "pending"
    with Store.for_workspace(site.workspace) as store:
        store.revoke_override(number, "sup_county", "核实无误 / checked, no change")
        revoked = store.get_override(number)
    row = sup.overrides(MONTH).filter(pl.col("id") == number).row(0, named=True)
    assert row["outcome"] == "revoked" and row["status"] == "revoked"
    assert row["revoked_by"] == "sup_county"
    assert row["revoke_reason"] == "核实无误 / checked, no change"
    assert row["revoked_at"] == clock.shown(revoked.revoked_at)  # Beijing time, as created_at
    today = date(2026, 12, 7)
    standing = replace(revoked, status="active", revoked_by=None, revoked_at=None)
    assert unplanned_outcome(revoked, today) == "revoked"
    assert unplanned_outcome(standing, today) == "pending"
    assert unplanned_outcome(replace(standing, expires_on=date(2026, 12, 6)), today) == "expired"
    assert unplanned_outcome(replace(standing, expires_on=today), today) == "pending"


def test_a_pin_to_another_townships_worker_says_why_as_overrides_add_does(site: Site) -> None:
    """A pin of a household to a worker of another township was refused as "人员 … 不在本月数据
    中(已离岗或编号有误) / not in this month's data (left, or a wrong id)": the check saw the
    household's township's workers only, and the worker is in the data. A planner of the
    prefecture now gets why that worker may not serve it (its jurisdiction), as ``overrides
    add`` says; a supervisor whose jurisdiction the worker is not in gets the worker page's
    refusal, which tells nothing of where it works; an unknown id is still not in the data.
    Nothing is recorded."""
    with Store.for_workspace(site.workspace) as store:
        before = len(store.list_overrides())
    planner = access(site, "planner")
    with pytest.raises(VisitPlannerError) as refused:
        planner.submit_override(kind="pin", household_id=site.household, reason="x",
            worker_id=site.other_worker,
        )  # fmt: skip
    said = str(refused.value)
    assert "不能承接" in said and "outside the worker's jurisdiction" in said, said
    assert "不在本月数据中" not in said
    sup = access(site, "supervisor", "township", TOWNSHIP)
    with pytest.raises(OutOfScopeError) as refused:
        sup.submit_override(kind="forbid", household_id=site.household, reason="x",
            worker_id=site.other_worker,
        )  # fmt: skip
    assert str(refused.value) == (
        f"您的辖区内没有人员 {site.other_worker} / no worker {site.other_worker} in your "
        "jurisdiction"
    )
    with pytest.raises(VisitPlannerError, match="不在本月数据中"):
        sup.submit_override(
            kind="pin", household_id=site.household, reason="x", worker_id="W999999"
        )
    with Store.for_workspace(site.workspace) as store:
        assert len(store.list_overrides()) == before


def test_a_worker_id_typed_in_lower_case_is_taken_as_the_run_spells_it(site: Site) -> None:
    """A pin with the worker's id typed in lower case (``w000071``) was refused as "not in
    this month's data" while the household id beside it, typed alike, was found, and the
    worker page finds it too. The id is now taken as the run spells it, recorded so, and a
    worker of another jurisdiction typed in lower case gets the same refusal as in capitals."""
    sup = access(site, "supervisor", "township", TOWNSHIP)
    number = sup.submit_override(
        kind="pin", household_id=site.household.lower(), reason="same visitor",
        worker_id=f" {site.worker.lower()} ",
    )  # fmt: skip
    with Store.for_workspace(site.workspace) as store:
        recorded = store.get_override(number)
        store.revoke_override(number, "sup_town", "test")
    assert (recorded.household_id, recorded.worker_id) == (site.household, site.worker)
    with pytest.raises(OutOfScopeError) as refused:
        sup.submit_override(kind="forbid", household_id=site.household, reason="x",
            worker_id=site.other_worker.lower(),
        )  # fmt: skip
    assert f"no worker {site.other_worker} in your jurisdiction" in str(refused.value)
    with pytest.raises(VisitPlannerError, match="不在本月数据中"):
        sup.submit_override(
            kind="pin", household_id=site.household, reason="x", worker_id="w999999"
        )


def test_history_and_worker(site: Site) -> None:
    planner = access(site, "planner")
    tw = planner.townships(MONTH)[0]
    plan = pl.read_parquet(site.home / planner.current_run(MONTH).path / "plan.parquet")
    row = plan.filter((pl.col("township_id") == tw) & pl.col("worker_id").is_not_null()).row(
        0, named=True
    )
    history = planner.household_history(row["household_id"])
    assert history.select("month", "worker_id").row(0) == (MONTH, row["worker_id"])
    worker = planner.worker(MONTH, row["worker_id"])
    assert row["household_id"] in worker["households"]["household_id"].to_list()
    assert worker["load"]["hours_used"] > 0
    # Typed in full width (a Chinese input method) or pasted with a zero-width space: found.
    wide = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
    h = planner.household(MONTH, row["household_id"].translate(wide) + "\u200b")
    assert h["household_id"] == row["household_id"]
    w = planner.worker(MONTH, " " + row["worker_id"].translate(wide))
    assert w["load"]["worker_id"] == row["worker_id"]


def test_a_household_no_one_visits_comes_with_its_townships_shortfall(site: Site) -> None:
    """Why no one visits it: the township's shortfall (the capacity that would cover it);
    a household with a visitor has none, and its alternatives are ranked by cost, then by
    travel where no cost can be computed."""
    planner = access(site, "planner")
    short = planner.overview(MONTH).townships.filter(
        (pl.col("unassigned_tier1") > 0) & (pl.col("shortfall") != "")
    )
    tw, text = short.select("township_id", "shortfall").row(0)
    uncovered = planner.township(MONTH, tw)["uncovered"]
    h = planner.household(MONTH, uncovered.filter(pl.col("tier") == 1)["household_id"][0])
    assert h["explanation"]["worker_id"] is None
    assert h["shortfall"] == text
    alts = h["alternatives"]
    priced = alts.filter(pl.col("objective_change").is_not_null())
    unpriced = alts.filter(pl.col("objective_change").is_null())
    assert alts["rank"].to_list() == list(range(1, alts.height + 1))
    assert priced["objective_change"].is_sorted() and unpriced["travel_minutes"].is_sorted()
    assert alts.head(priced.height).equals(priced)  # the priced ones first
    assert planner.household(MONTH, _a_visited_household(planner, tw))["shortfall"] is None


def _a_visited_household(planner: DataAccess, township_id: str) -> str:
    """A household of the township that has a visitor."""
    uncovered = set(planner.township(MONTH, township_id)["uncovered"]["household_id"].to_list())
    run = planner.current_run(MONTH)
    plan = pl.read_parquet(planner.workspace.root / run.path / "plan.parquet")
    mine = plan.filter((pl.col("township_id") == township_id) & pl.col("worker_id").is_not_null())[
        "household_id"
    ].to_list()
    return next(h for h in mine if h not in uncovered)


# --------------------------------------------------------------------------- the worker's sheet
# On the shared site: site.worker works in TOWNSHIP, site.other_worker in OTHER_TOWNSHIP.


def test_the_visit_sheet_of_a_worker_in_scope_lists_the_workers_households(site: Site) -> None:
    planner = DataAccess(site.workspace, Viewer("planner1", "planner"))
    mine = planner.worker(MONTH, site.worker)["households"]["household_id"].to_list()
    others = planner.worker(MONTH, site.other_worker)["households"]["household_id"].to_list()
    assert site.household in mine and others
    supervisor = DataAccess(site.workspace, Viewer("sup", "supervisor", "township", TOWNSHIP))
    sheets = []
    for user in (planner, supervisor):
        sheet = user.visit_sheet(MONTH, site.worker).decode("utf-8")
        assert f"走访清单 Visit list {MONTH} {site.worker}" in sheet
        assert [hid for hid in mine if hid not in sheet] == []  # every household of the worker
        assert [hid for hid in others if hid in sheet] == []  # and no other worker's
        assert "<script" not in sheet
        sheets.append(sheet)
    assert sheets[0] == sheets[1]
    # the run the page showed, named by its id in the store (never a directory): the same sheet
    current = planner.current_run(MONTH)
    assert supervisor.visit_sheet(MONTH, site.worker, run_id=current.run_id).decode() == sheets[0]
    with pytest.raises(VisitPlannerError, match="not 2026-10"):
        supervisor.visit_sheet("2026-10", site.worker, run_id=current.run_id)


@pytest.mark.parametrize(
    ("account", "refusal"),
    [
        (("supervisor", "township", TOWNSHIP), "您的辖区内没有人员"),
        (("supervisor", "county", COUNTY), "您的辖区内没有人员"),
        (("planner", "township", TOWNSHIP), "您的辖区内没有人员"),
        (("data_scientist", "county", COUNTY), "本角色不可下载"),  # no sheet: sensitive reasons
        (("viewer", "prefecture", None), "浏览账户仅可查看汇总"),  # no worker's sheet at all
    ],
    ids=["township-supervisor", "county-supervisor", "township-planner", "county-scientist",
         "viewer"],
)  # fmt: skip
def test_the_visit_sheet_of_a_worker_out_of_scope_is_refused_before_any_export(
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
    account: tuple[str, str, str | None],
    refusal: str,
) -> None:
    import visit_planner.export

    role, kind, scope = account

    exports: list[tuple[object, ...]] = []
    real = visit_planner.export.export_visit_lists

    def counted(*args: Any, **kwargs: Any) -> Any:
        exports.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(visit_planner.export, "export_visit_lists", counted)
    assert OTHER_TOWNSHIP == "532622001"
    user = DataAccess(site.workspace, Viewer("someone", role, kind, scope))
    run_id = user.current_run(MONTH).run_id
    for asked in ({}, {"run_id": run_id}):  # the current run, or the one a page showed
        sheet = None
        with pytest.raises(OutOfScopeError, match=refusal) as refused:
            sheet = user.visit_sheet(MONTH, site.other_worker, **asked)
        assert sheet is None and exports == []  # nothing returned, nothing even exported
        english = {
            "viewer": "viewer accounts see aggregates only",
            "data_scientist": "not available to your role",
        }.get(role, f"no worker {site.other_worker} in your jurisdiction")
        assert english in str(refused.value)
    if scope == TOWNSHIP:  # the same account, its own township's worker: exported and returned
        assert site.household.encode() in user.visit_sheet(MONTH, site.worker)
        assert len(exports) == 1


def test_an_override_expired_in_wenshan_is_expired_on_a_server_in_utc(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The corrections page took the machine's date: on a server kept in UTC, before 08:00
    in Wenshan, an override that expired the day before in Wenshan was listed as pending."""
    wenshan = clock.today()
    with Store.for_workspace(site.workspace) as store:
        number = store.add_override(
            "tier", site.county_household, author="sup_county", reason="hotline", tier=1,
            expires_on=wenshan, today=wenshan,
        ).id  # fmt: skip
    sup = access(site, "supervisor", "county", COUNTY)
    assert sup.overrides(MONTH).filter(pl.col("id") == number)["outcome"][0] == "pending"
    # The next day in Wenshan; the machine's date may still be the day before.
    monkeypatch.setattr(clock, "today", lambda now=None: wenshan + timedelta(days=1))
    assert sup.overrides(MONTH).filter(pl.col("id") == number)["outcome"][0] == "expired"


def test_a_household_that_moved_in_is_shown_to_its_new_townships_supervisor(
    site: Site, tmp_path: Path
) -> None:
    """A household of another township last month that moved into the supervisor's township
    this month: the supervisor could not look it up at all (the page's history refused the
    whole household, 您的辖区内没有农户, though it is theirs this month). Its history now
    holds the months it was in the jurisdiction; the old township's supervisor keeps last
    month's row and still cannot see this month's; a household never in the jurisdiction is
    refused as before."""
    import shutil

    from visit_planner.plan_job import run_plan
    from visit_planner.plan_steps import PlanRequest

    home, data = tmp_path / "ws", tmp_path / "data"
    shutil.copytree(site.home, home)
    shutil.copytree(site.data, data)
    households = pl.read_parquet(data / "households.parquet")
    mover = site.other_household  # of OTHER_TOWNSHIP in MONTH
    host = (
        households.filter(pl.col("township_id") == TOWNSHIP).sort("household_id").row(0, named=True)
    )
    place = ["county_id", "township_id", "village_id", "grid_id", "lon", "lat"]
    households.with_columns(
        pl.when(pl.col("household_id") == mover).then(pl.lit(host[c])).otherwise(pl.col(c))
        .alias(c)
        for c in place
    ).write_parquet(data / "households.parquet")  # fmt: skip
    run_plan(PlanRequest(month="2026-12", data=data, home=home, processes=1, actor="planner1"))
    moved = replace(site, home=home, data=data)

    new_sup = access(moved, "supervisor", "township", TOWNSHIP)
    assert new_sup.household("2026-12", mover)["township_id"] == TOWNSHIP
    history = new_sup.household_history(mover)
    assert history.select("month", "township_id").rows() == [("2026-12", TOWNSHIP)]
    old_sup = access(moved, "supervisor", "township", OTHER_TOWNSHIP)
    assert old_sup.household_history(mover).select("month", "township_id").rows() == [
        (MONTH, OTHER_TOWNSHIP)
    ]
    with pytest.raises(OutOfScopeError, match="jurisdiction"):
        old_sup.household("2026-12", mover)
    with pytest.raises(OutOfScopeError, match="jurisdiction"):
        new_sup.household_history(site.county_household)  # never in TOWNSHIP


def test_the_household_page_asks_the_store_for_its_households_overrides_only(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The household page's overrides (``overrides(household_id=)``) read every override of the
    prefecture from the store and kept one household's in Python; the store is asked for the
    household's own now, and the jurisdiction is checked as before: a township's supervisor
    sees none of another township's household, the prefecture's planner does."""
    mine, theirs = site.household, site.other_household
    neighbour = next(h for h in township_households(site) if h != mine)
    with Store.for_workspace(site.workspace) as store:
        added = {
            household: store.add_override(
                "forbid", household, author="sup_town", reason="r", worker_id="W999998"
            ).id
            for household in (mine, neighbour, theirs)
        }
    read: list[str] = []
    from_db = OverrideRow.from_db

    def counted(row: Any) -> Any:
        read.append(row["household_id"])
        return from_db(row)

    monkeypatch.setattr(OverrideRow, "from_db", counted)
    sup = access(site, "supervisor", "township", TOWNSHIP)
    listed = sup.overrides(MONTH, limit=None, household_id=mine)
    assert set(read) == {mine}  # nothing of the other households' overrides
    assert set(listed["household_id"]) == {mine}
    assert added[mine] in listed["id"].to_list()
    assert added[neighbour] not in listed["id"].to_list()
    read.clear()
    assert sup.overrides(MONTH, limit=None, household_id=theirs).height == 0  # out of scope
    assert set(read) == {theirs}
    planner = access(site, "planner").overrides(MONTH, limit=None, household_id=theirs)
    assert added[theirs] in planner["id"].to_list()
    assert set(planner["township_id"]) == {OTHER_TOWNSHIP}

"""The dashboard's data layer: scope and roles are enforced here, for every kind of request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from dashboard.data import (
    SENSITIVE_FIELDS,
    SHEET_WITHHELD,
    WITHHELD_RULE,
    DataAccess,
    Viewer,
    model_candidates,
)
from dashboard.data.sensitive import mask_notes
from dashboard.errors import OutOfScopeError
from tests.dashboard.helpers import COUNTY, OTHER_TOWNSHIP, TOWNSHIP, Site, audit_actions
from visit_planner.errors import VisitPlannerError
from visit_planner.paths import Workspace
from visit_planner.store import Store

MONTH = "2026-11"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with one published month (scale 0.003) and its model."""
    from risk_model import TrainConfig
    from visit_planner.plan_job import run_plan
    from visit_planner.plan_steps import PlanRequest
    from visit_planner.risk_job import promote_version, train_from_file
    from visit_planner.synthetic import generate, write_prefecture

    root = tmp_path_factory.mktemp("dash_data")
    write_prefecture(generate(scale=0.003, seed=2), root / "data")
    home = root / "ws"
    train_from_file(root / "data", home=home, config=TrainConfig(params={"max_iter": 30}))
    promote_version(1, root / "data", home=home)
    run_plan(PlanRequest(month=MONTH, data=root / "data", home=home, processes=1))
    return home


def access(home: Path, role: str, kind: str = "prefecture", scope: str | None = None) -> DataAccess:
    return DataAccess(Workspace(home), Viewer("u", role, kind, scope))


def test_scope_decides_the_townships(published: Path) -> None:
    everything = access(published, "planner").townships(MONTH)
    assert len(everything) >= 2
    one = everything[0]
    county = one[:6]
    assert access(published, "supervisor", "township", one).townships(MONTH) == [one]
    in_county = access(published, "supervisor", "county", county).townships(MONTH)
    assert in_county == [t for t in everything if t.startswith(county)]


def test_overview_counts_only_the_scope(published: Path) -> None:
    whole = access(published, "planner").overview(MONTH)
    plan = pl.read_parquet(published / whole.run.path / "plan.parquet")
    assert int(whole.by_tier["households"].sum()) == plan.height
    tw = whole.townships["township_id"][0]
    part = access(published, "viewer", "township", tw).overview(MONTH)
    assert int(part.by_tier["households"].sum()) == plan.filter(pl.col("township_id") == tw).height
    assert set(part.townships["township_id"]) == {tw}


def test_a_household_of_another_township_is_refused(published: Path) -> None:
    planner = access(published, "planner")
    towns = planner.townships(MONTH)
    plan = pl.read_parquet(published / planner.current_run(MONTH).path / "plan.parquet")
    mine = plan.filter(pl.col("township_id") == towns[0])["household_id"][0]
    theirs = plan.filter(pl.col("township_id") == towns[1])["household_id"][0]
    sup = access(published, "supervisor", "township", towns[0])
    got = sup.household(MONTH, mine)
    assert got["township_id"] == towns[0] and got["explanation"]["household_id"] == mine
    with pytest.raises(OutOfScopeError) as refused:
        sup.household(MONTH, theirs)  # a crafted id of another township
    assert towns[1] not in str(refused.value)
    with pytest.raises(OutOfScopeError):
        sup.township(MONTH, towns[1])
    with pytest.raises(OutOfScopeError):
        sup.map_points(MONTH, towns[1])
    worker = plan.filter(pl.col("township_id") == towns[1]).drop_nulls("worker_id")["worker_id"][0]
    with pytest.raises(OutOfScopeError):
        sup.worker(MONTH, worker)
    with pytest.raises(OutOfScopeError):
        sup.household_history(theirs)


def test_roles_see_households_and_sensitive_fields_as_allowed(published: Path) -> None:
    planner = access(published, "planner")
    tw = planner.townships(MONTH)[0]
    hid = pl.read_parquet(
        published / planner.current_run(MONTH).path / "townships" / tw / "plan.parquet"
    )["household_id"][0]
    full = planner.household(MONTH, hid)["record"]
    masked = access(published, "data_scientist").household(MONTH, hid)["record"]
    for field in SENSITIVE_FIELDS:
        assert masked[field] == "—" and full[field] != "—"
    assert masked["members"] == full["members"]
    viewer = access(published, "viewer")
    with pytest.raises(OutOfScopeError, match="aggregates"):
        viewer.household(MONTH, hid)
    assert "households" not in viewer.map_points(MONTH, tw)
    assert viewer.township(MONTH, tw)["uncovered"] is None


def _scores(home: Path, planner: DataAccess) -> pl.DataFrame:
    run = home / planner.current_run(MONTH).path
    return pl.concat([pl.read_parquet(p) for p in sorted(run.glob("townships/*/scores.parquet"))])


def test_reasons_and_rules_from_sensitive_fields_are_withheld_from_roles_without(
    published: Path,
) -> None:
    planner = access(published, "planner")
    scores = _scores(published, planner)
    reasons = scores.explode("reasons").unnest("reasons")
    sensitive = reasons.filter(pl.col("code").is_in(SENSITIVE_FIELDS))
    assert sensitive.height > 0  # the demo's model does explain by illness, disputes ...
    hid = sensitive["household_id"][0]
    tw = planner.household(MONTH, hid)["township_id"]
    texts = sensitive.filter(pl.col("household_id") == hid)["text"].to_list()
    stored = reasons.filter(pl.col("household_id") == hid)
    # The supervisor of its township (and the planner) get every reason, as stored.
    for user in (planner, access(published, "supervisor", "township", tw)):
        got = user.household(MONTH, hid)["score"]
        assert [r["text"] for r in got["reasons"]] == stored["text"].to_list()
        assert "reasons_withheld" not in got
    # A data scientist: none built from a sensitive field, counted instead; the others kept.
    scientist = access(published, "data_scientist").household(MONTH, hid)
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
    assert all(scientist["record"][f] == "—" for f in SENSITIVE_FIELDS)
    # A rule whose condition reads a sensitive field is not named to the data scientist.
    rules = {r.code: r.when for r in _policy_rules(planner)}
    raised = scores.filter(pl.col("rule").is_not_null())
    for row in raised.iter_rows(named=True):
        reads_sensitive = any(f in rules[row["rule"]] for f in SENSITIVE_FIELDS)
        shown = access(published, "data_scientist").household(MONTH, row["household_id"])
        assert (shown["score"]["rule"] == WITHHELD_RULE) is reads_sensitive
        assert planner.household(MONTH, row["household_id"])["score"]["rule"] == row["rule"]
        if reads_sensitive:
            assert row["rule"] not in repr({k: v for k, v in shown.items() if k != "run"})


def _policy_rules(user: DataAccess) -> list[Any]:
    from visit_planner.policy import parse_policy

    return list(parse_policy(user.current_run(MONTH).policy_text, "run policy").risk.rules)


def test_a_correction_of_a_sensitive_field_shows_no_value_to_roles_without(
    published: Path,
) -> None:
    planner = access(published, "planner")
    hid = _scores(published, planner)["household_id"][0]
    tw = planner.household(MONTH, hid)["township_id"]
    sup = access(published, "supervisor", "township", tw)
    number = sup.submit_override(
        MONTH, kind="correction", household_id=hid, reason="医院证明",
        field="serious_illness_members", value="0",
    )  # fmt: skip
    row = sup.overrides(MONTH).filter(pl.col("id") == number)
    assert row["value"][0] == "0"
    seen = access(published, "data_scientist").overrides(MONTH).filter(pl.col("id") == number)
    assert seen["field"][0] == "serious_illness_members" and seen["value"][0] == "—"
    assert mask_notes(
        "数据更正 correction #3: serious_illness_members 2 → 0 (医院证明); "
        "数据更正 correction #4: members 5 → 4 (迁出)"
    ) == (
        "数据更正 correction #3: serious_illness_members — → — (医院证明); "
        "数据更正 correction #4: members 5 → 4 (迁出)"
    )


def test_a_visit_sheet_is_refused_to_roles_without_sensitive_fields(site: Site) -> None:
    scientist = DataAccess(site.workspace, Viewer("s", "data_scientist"))
    with pytest.raises(OutOfScopeError) as refused:
        scientist.visit_sheet(MONTH, site.worker)
    assert str(refused.value) == SHEET_WITHHELD


def test_an_id_out_of_scope_is_refused_exactly_like_one_that_does_not_exist(site: Site) -> None:
    sup = DataAccess(site.workspace, Viewer("s", "supervisor", "township", TOWNSHIP))
    answers = {}
    for hid in (site.other_household, "H9999999", f"  {site.other_household.lower()} "):
        for ask in (sup.household, lambda m, h: sup.household_history(h)):
            with pytest.raises(OutOfScopeError) as refused:
                ask(MONTH, hid)
            answers.setdefault(hid.strip().upper(), set()).add(str(refused.value))
        with pytest.raises(OutOfScopeError) as refused:
            sup.submit_override(MONTH, kind="tier", household_id=hid, reason="x", tier=1)
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


def test_corrections_by_role_and_scope(published: Path) -> None:
    planner = access(published, "planner")
    towns = planner.townships(MONTH)
    plan = pl.read_parquet(published / planner.current_run(MONTH).path / "plan.parquet")
    mine = plan.filter(pl.col("township_id") == towns[0])["household_id"][0]
    theirs = plan.filter(pl.col("township_id") == towns[1])["household_id"][0]
    sup = access(published, "supervisor", "township", towns[0])
    number = sup.submit_override(MONTH, kind="tier", household_id=mine, reason="hotline", tier=1)
    listed = sup.overrides(MONTH)
    assert number in listed["id"].to_list()
    assert set(listed["township_id"]) == {towns[0]}
    assert listed.filter(pl.col("id") == number)["outcome"][0] == "pending"
    # Submitted just now, shown in Beijing time (UTC+8), not UTC.
    shown = datetime.strptime(listed.filter(pl.col("id") == number)["created_at"][0],
                              "%Y-%m-%d %H:%M")  # fmt: skip
    beijing_now = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=8)
    assert abs(shown - beijing_now) < timedelta(minutes=2)
    with pytest.raises(OutOfScopeError):
        sup.submit_override(MONTH, kind="tier", household_id=theirs, reason="x", tier=1)
    with pytest.raises(OutOfScopeError):
        access(published, "viewer").submit_override(
            MONTH, kind="tier", household_id=mine, reason="x", tier=1
        )
    with pytest.raises(Exception, match="1, 2 or 3"):
        sup.submit_override(MONTH, kind="tier", household_id=mine, reason="x", tier=9)
    other_sup = access(published, "supervisor", "township", towns[1])
    assert number not in other_sup.overrides(MONTH)["id"].to_list()


def test_history_and_worker(published: Path) -> None:
    planner = access(published, "planner")
    tw = planner.townships(MONTH)[0]
    plan = pl.read_parquet(published / planner.current_run(MONTH).path / "plan.parquet")
    row = plan.filter((pl.col("township_id") == tw) & pl.col("worker_id").is_not_null()).row(
        0, named=True
    )
    history = planner.household_history(row["household_id"])
    assert history.select("month", "worker_id").row(0) == (MONTH, row["worker_id"])
    worker = planner.worker(MONTH, row["worker_id"])
    assert row["household_id"] in worker["households"]["household_id"].to_list()
    assert worker["load"]["hours_used"] > 0


def test_what_if_compares_and_only_planners_publish(published: Path) -> None:
    from visit_planner.errors import VisitPlannerError
    from visit_planner.runs import RunManifest
    from visit_planner.whatif import Changes, NewWorker

    planner = access(published, "planner")
    run = planner.current_run(MONTH)
    tw = planner.townships(MONTH)[0]
    loads = planner.township(MONTH, tw)["loads"]
    cadre = loads.filter(pl.col("role") == "cadre").sort("hours_used", descending=True)
    busiest = cadre["worker_id"][0]
    less = planner.what_if(MONTH, tw, Changes(hours={busiest: 0.0}))
    diag = planner.township(MONTH, tw)["diagnostics"]
    assert less.before["uncovered_tier1"] == diag["unassigned_tier1"]
    assert less.after["covered"] <= less.before["covered"]
    assert less.after["households_moved"] > 0
    assert busiest not in less.solved.result.plan["worker_id"].drop_nulls().to_list()
    more = planner.what_if(MONTH, tw, Changes(add=(NewWorker("cadre", 40.0, 30),)))
    assert more.after["uncovered_tier1"] <= more.before["uncovered_tier1"]
    cadence = planner.what_if(MONTH, tw, Changes(visits_per_month={2: 0.5}))
    assert cadence.after["travel_hours_month"] < cadence.before["travel_hours_month"]
    with pytest.raises(OutOfScopeError):
        access(published, "supervisor", "township", tw).publish_what_if(MONTH, less, run.run_id)
    with pytest.raises(VisitPlannerError, match="policy change"):
        planner.publish_what_if(MONTH, cadence, run.run_id)
    with pytest.raises(VisitPlannerError, match="not in township"):
        planner.what_if(MONTH, tw, Changes(remove=("W_NOPE",)))
    amended = planner.publish_what_if(MONTH, less, run.run_id)
    assert amended.kind == "amend" and amended.parent_run_id == run.run_id
    assert amended.metrics["what_if"] == f"{busiest} 0 h"
    old, new = RunManifest.read(published / run.path), RunManifest.read(published / amended.path)
    for rel, digest in old.files.items():
        if rel.startswith("townships/") and not rel.startswith(f"townships/{tw}/"):
            assert new.files[rel] == digest
    with pytest.raises(VisitPlannerError, match="compute it again"):
        planner.publish_what_if(MONTH, more, run.run_id)  # computed on the superseded run


def test_overview_from_summaries_equals_the_plan_and_older_runs_still_open(
    published: Path,
) -> None:
    import shutil

    from dashboard.data import run_files
    from visit_planner.runs.summary import summary_path

    whole = access(published, "planner").overview(MONTH)
    root = published / whole.run.path
    plan = pl.read_parquet(root / "plan.parquet")
    covered = plan.group_by("tier").agg(pl.col("worker_id").is_not_null().sum().alias("c"))
    for row in covered.iter_rows(named=True):
        tier = whole.by_tier.filter(pl.col("tier") == row["tier"])
        assert int(tier["covered"][0]) == row["c"]
    loads = pl.read_parquet(root / "worker_loads.parquet").filter(
        pl.col("active") & (pl.col("monthly_hours") > 0)
    )
    cadre = whole.by_role.filter(pl.col("role") == "cadre").row(0, named=True)
    mine = loads.filter(pl.col("role") == "cadre")
    assert cadre["utilisation"] == pytest.approx(
        float(mine["hours_used"].sum()) / float(mine["monthly_hours"].sum())
    )
    assert set(whole.centres["township_id"]) == set(whole.townships["township_id"])
    # A run written before summaries: the same overview, computed from its files.
    backup = root.parent / "backup-summaries"
    backup.mkdir()
    towns = whole.townships["township_id"].to_list()
    for tw in towns:
        shutil.move(summary_path(root, tw), backup / f"{tw}.json")
    try:
        run_files.summary.cache_clear()
        again = access(published, "planner").overview(MONTH)
        assert again.by_tier.equals(whole.by_tier) and again.by_role.equals(whole.by_role)
        assert again.tier1_proven == whole.tier1_proven and again.centres.equals(whole.centres)
    finally:
        for tw in towns:
            shutil.move(backup / f"{tw}.json", summary_path(root, tw))
        run_files.summary.cache_clear()


def test_model_candidates_show_a_logistic_champion_once() -> None:
    metrics = {"ece": 0.01, "logistic_ece": 0.01, "scorecard_ece": 0.02, "bayes_ece": 0.0}
    params = {"kind": "logistic", "baselines": "logistic,scorecard"}
    chosen, how, shown = model_candidates(
        params, metrics, {"chosen": "logistic", "by": "held-out log-loss"}
    )
    assert (chosen, how, shown) == (
        "logistic",
        "log_loss",
        [("logistic", ""), ("scorecard", "scorecard_")],
    )
    _, how, shown = model_candidates(
        {"kind": "hgb", "baselines": "logistic,scorecard"}, metrics, None
    )
    assert how is None and shown == [
        ("hgb", ""),
        ("logistic", "logistic_"),
        ("scorecard", "scorecard_"),
    ]
    # Held-out log-loss chose logistic over the requested boosted trees: the runner-up is
    # shown with its own (prefixed) metrics, the chosen model once.
    metrics = {**metrics, "hgb_ece": 0.03}
    chosen, how, shown = model_candidates(
        {"kind": "hgb", "baselines": "logistic,scorecard"},
        metrics,
        {"chosen": "logistic", "by": "held-out log-loss"},
    )
    assert (chosen, how) == ("logistic", "log_loss")
    assert shown == [("logistic", ""), ("hgb", "hgb_"), ("scorecard", "scorecard_")]


def test_model_report_and_drift_flags(published: Path) -> None:
    viewer = access(published, "viewer")
    report = viewer.model_report(1)
    assert report.fairness is not None
    assert {"county_id", "head_ethnicity", "head_gender"} <= set(report.fairness["attribute"])
    assert report.card is not None and report.card.startswith("# Model card")
    assert report.calibration_png is not None and report.calibration_png[:4] == b"\x89PNG"
    assert report.calibration is not None  # the curve's bins, logged by training
    assert set(report.calibration["model"]) >= {"logistic", "scorecard"}
    assert report.calibration["observed"].is_between(0, 1).all()
    assert report.evaluation is not None and "model" in report.evaluation
    drift = viewer.drift(MONTH)
    assert drift is not None and drift.model_version == 1 and drift.threshold == 0.2
    plan = pl.read_parquet(
        published / viewer.current_run(MONTH).path / "plan.parquet", columns=["household_id"]
    )
    assert drift.households == plan.height
    assert drift.report.height > 5 and (drift.report["psi"] >= 0).all()
    assert drift.report["flagged"].to_list() == (drift.report["psi"] > 0.2).to_list()
    # a township supervisor's drift covers their township's households only
    tw = viewer.townships(MONTH)[0]
    part = access(published, "supervisor", "township", tw).drift(MONTH)
    assert part is not None and 0 < part.households < drift.households


def test_a_registry_snapshot_is_kept_on_disk_until_the_registry_changes(tmp_path: Path) -> None:
    from dashboard import registry

    (tmp_path / "mlflow.db").write_bytes(b"one")
    key = registry.registry_key(tmp_path)
    data = {
        "versions": [{"version": 1, "run_id": "r1", "aliases": ["champion"], "tags": {},
                      "created_ms": 0, "metrics": {"ece": 0.05}, "params": {"kind": "hgb"}}],
        "artifacts": {"1": {"model_card.md": "IyBDYXJk"}},
    }  # fmt: skip
    registry.keep(tmp_path, key, data)
    kept = registry.load_kept(tmp_path, key)
    assert kept is not None and kept.versions[0].metrics == {"ece": 0.05}
    assert kept.artifact(1, "model_card.md") == b"# Card" and kept.artifact(1, "x") is None
    (tmp_path / "mlflow.db").write_bytes(b"changed")  # a promotion writes the database
    assert registry.load_kept(tmp_path, registry.registry_key(tmp_path)) is None


def test_runs_of_a_scoped_account_carry_only_its_townships_figures(published: Path) -> None:
    """The runs table's figures: the prefecture's for a prefecture account; for a county or
    township account the sums over its own townships, and no prefecture-wide churn."""
    planner = access(published, "planner")
    whole = planner.runs()
    assert whole and all("tier1_uncovered" in r.metrics for r in whole)
    towns = planner.townships(MONTH)
    for kind, scope in (("township", towns[-1]), ("county", towns[-1][:6])):
        scoped = access(published, "supervisor", kind, scope).runs()
        assert [r.run_id for r in scoped] == [r.run_id for r in whole]
        for run, mine in zip(whole, scoped, strict=True):
            diag = pl.read_parquet(published / run.path / "diagnostics.parquet")
            own = diag.filter(pl.col("township_id").str.starts_with(scope))
            assert 0 < own.height < diag.height
            assert mine.metrics["tier1_uncovered"] == int(own["unassigned_tier1"].sum())
            assert mine.metrics["households"] == int(own["households"].sum())
            assert mine.metrics["townships"] == own.height
            assert "churn_tier_unchanged" not in mine.metrics  # the prefecture's: "—"
            assert mine.metrics["households"] < run.metrics["households"]


def test_demand_includes_the_uncovered_households_hours(published: Path) -> None:
    """A township short of cadres: tier-1 demand is the covered households' hours plus the
    shortfall's extra cadre hours (the figure its shortfall sentence names), more than the
    cadres' hours used; a township without a shortfall has no extra hours."""
    planner = access(published, "planner")
    diag = planner.overview(MONTH).townships
    short = diag.filter((pl.col("unassigned_tier1") > 0) & (pl.col("shortfall") != ""))
    assert short.height > 0
    for tw, text in short.select("township_id", "shortfall").iter_rows():
        info = planner.township(MONTH, tw)
        tier1 = info["demand"].filter(pl.col("tier") == 1).row(0, named=True)
        assert tier1["extra_hours"] > 0
        assert f"{int(tier1['extra_hours'])} more hours of the present cadres" in text
        assert tier1["hours"] == pytest.approx(tier1["hours_covered"] + tier1["extra_hours"])
        cadre = info["capacity"].filter(pl.col("role") == "cadre").row(0, named=True)
        assert tier1["hours"] > cadre["hours_used"] + 1
    whole = diag.filter(pl.col("shortfall") == "")
    assert whole.height > 0
    demand = planner.township(MONTH, whole["township_id"][0])["demand"]
    assert demand["extra_hours"].to_list() == [0.0, 0.0, 0.0]
    assert demand["hours"].to_list() == demand["hours_covered"].to_list()


def test_a_household_no_one_visits_comes_with_its_townships_shortfall(published: Path) -> None:
    """Why no one visits it: the township's shortfall (the capacity that would cover it);
    a household with a visitor has none, and its alternatives are ranked by cost, then by
    travel where no cost can be computed."""
    planner = access(published, "planner")
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


# --------------------------------------------------------------------------- runs: diff, rollback
# On the shared site (tests/dashboard/helpers.py): the month planned twice, v1 and v2.


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

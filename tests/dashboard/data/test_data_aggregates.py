"""The overview, township, what-if and model queries (dashboard/data/overview.py, township.py,
whatif.py, model.py, run_files.py): figures over the scope, demand against capacity, a
township solved again, and what training logged."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from dashboard.data import model_candidates
from dashboard.errors import OutOfScopeError
from tests.dashboard.helpers import MONTH, TOWNSHIP, Site, access, damaged, forget_run_files
from visit_planner.runs import RunManifest


def test_overview_counts_only_the_scope(site: Site) -> None:
    whole = access(site, "planner").overview(MONTH)
    plan = pl.read_parquet(site.home / whole.run.path / "plan.parquet")
    assert int(whole.by_tier["households"].sum()) == plan.height
    tw = whole.townships["township_id"][0]
    part = access(site, "viewer", "township", tw).overview(MONTH)
    assert int(part.by_tier["households"].sum()) == plan.filter(pl.col("township_id") == tw).height
    assert set(part.townships["township_id"]) == {tw}


def test_what_if_compares_and_only_planners_publish(site: Site) -> None:
    from visit_planner.errors import VisitPlannerError
    from visit_planner.runs import RunManifest
    from visit_planner.whatif import Changes, NewWorker

    planner = access(site, "planner")
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
    # Moves a re-solve makes without any change are counted apart; with no change, all moves
    # are the re-solve's.
    assert less.before["moved_without_change"] == 0.0
    assert less.after["moved_without_change"] >= 0.0
    same = planner.what_if(MONTH, tw, Changes())
    assert same.after["households_moved"] == same.after["moved_without_change"]
    assert busiest not in less.solved.result.plan["worker_id"].drop_nulls().to_list()
    more = planner.what_if(MONTH, tw, Changes(add=(NewWorker("cadre", 40.0, 30),)))
    assert more.after["uncovered_tier1"] <= more.before["uncovered_tier1"]
    cadence = planner.what_if(MONTH, tw, Changes(visits_per_month={2: 0.5}))
    assert cadence.after["travel_hours_month"] < cadence.before["travel_hours_month"]
    with pytest.raises(OutOfScopeError):
        access(site, "supervisor", "township", tw).publish_what_if(MONTH, less, run.run_id)
    with pytest.raises(VisitPlannerError, match="policy change"):
        planner.publish_what_if(MONTH, cadence, run.run_id)
    with pytest.raises(VisitPlannerError, match="hypothetical"):
        planner.publish_what_if(MONTH, more, run.run_id)  # a placeholder worker, never listed
    with pytest.raises(VisitPlannerError, match="not in township"):
        planner.what_if(MONTH, tw, Changes(remove=("W_NOPE",)))
    amended = planner.publish_what_if(MONTH, less, run.run_id)
    assert amended.kind == "amend" and amended.parent_run_id == run.run_id
    assert amended.metrics["what_if"] == f"{busiest} 0 h"
    old, new = RunManifest.read(site.home / run.path), RunManifest.read(site.home / amended.path)
    for rel, digest in old.files.items():
        if rel.startswith("townships/") and not rel.startswith(f"townships/{tw}/"):
            assert new.files[rel] == digest
    with pytest.raises(VisitPlannerError, match="compute it again"):
        planner.publish_what_if(MONTH, less, run.run_id)  # computed on the superseded run


def test_a_what_if_is_not_published_over_a_changed_policy_file(site: Site) -> None:
    # Publishing a what-if read the current run's policy.toml unchecked into the new run's
    # provenance: a policy edited since the run was published went into the next version.
    from visit_planner.errors import PlanFileError
    from visit_planner.whatif import Changes

    planner = access(site, "planner")
    run = planner.current_run(MONTH)
    tw = planner.townships(MONTH)[0]
    what = planner.what_if(MONTH, tw, Changes())
    policy = site.home / run.path / "policy.toml"
    kept = policy.read_text("utf-8")
    policy.write_text(kept + "\n# edited after publication\n", "utf-8")
    try:
        with pytest.raises(PlanFileError, match=r"policy\.toml: 方案文件已被改动"):
            planner.publish_what_if(MONTH, what, run.run_id)
    finally:
        policy.write_text(kept, "utf-8")
    assert planner.current_run(MONTH).run_id == run.run_id  # nothing published


def test_a_what_if_gives_each_role_only_what_it_may_see_of_the_households(site: Site) -> None:
    """A viewer (aggregates only) and a data scientist (sensitive fields masked) got the
    what-if whole: the township's household records with disputes, petitions and illness,
    and the plan solved for them, from a query the township page lets them ask. (A run keeps
    no ethnicity or gender to give: docs/privacy.md.)"""
    from dashboard.data import SENSITIVE_FIELDS
    from visit_planner.whatif import Changes

    tw = access(site, "planner").townships(MONTH)[0]
    whole = access(site, "supervisor", "township", tw).what_if(MONTH, tw, Changes())
    households = whole.inputs.households
    assert households.height > 0 and whole.solved.result.plan.height > 0
    sensitive = [c for c in SENSITIVE_FIELDS if c in households.columns]
    assert {"disputes_12m", "petitions_12m", "serious_illness_members"} <= set(sensitive)
    assert not {"head_ethnicity", "head_gender"} & set(households.columns)
    assert households.select(sensitive).null_count().sum_horizontal()[0] < households.height

    viewer = access(site, "viewer", "township", tw).what_if(MONTH, tw, Changes())
    assert (viewer.before, viewer.township_id) == (whole.before, whole.township_id)
    assert viewer.after == whole.after  # the figures the page shows: the same
    for frame in (
        viewer.inputs.households,
        viewer.solved.result.plan,
        viewer.solved.explanations,
        viewer.inputs.previous,
    ):
        assert frame is not None and frame.height == 0
    assert viewer.solved.result.issues == ()

    scientist = access(site, "data_scientist").what_if(MONTH, tw, Changes())
    assert scientist.after == whole.after
    masked = scientist.inputs.households
    assert masked["household_id"].to_list() == households["household_id"].to_list()
    assert masked.select(sensitive).null_count().row(0) == (masked.height,) * len(sensitive)
    assert masked.schema == households.schema  # the same types, the values missing
    assert masked.drop(sensitive).equals(households.drop(sensitive))
    assert scientist.solved.result.plan.equals(whole.solved.result.plan)


def test_overview_from_summaries_equals_the_plan_and_older_runs_still_open(
    site: Site,
) -> None:
    import shutil

    from visit_planner.runs.summary import summary_path

    whole = access(site, "planner").overview(MONTH)
    root = site.home / whole.run.path
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
    # A run written before summaries (its manifest lists none): the same overview, computed
    # from its files.
    backup = root.parent / "backup-summaries"
    backup.mkdir()
    towns = whole.townships["township_id"].to_list()
    manifest = (root / "manifest.json").read_bytes()
    listed = RunManifest.read(root)
    files = {k: v for k, v in listed.files.items() if not k.endswith("/summary.json")}
    (root / "manifest.json").write_text(dataclasses.replace(listed, files=files).to_json())
    for tw in towns:
        shutil.move(summary_path(root, tw), backup / f"{tw}.json")
    try:
        forget_run_files()
        again = access(site, "planner").overview(MONTH)
        assert again.by_tier.equals(whole.by_tier) and again.by_role.equals(whole.by_role)
        assert again.tier1_proven == whole.tier1_proven and again.centres.equals(whole.centres)
    finally:
        for tw in towns:
            shutil.move(backup / f"{tw}.json", summary_path(root, tw))
        (root / "manifest.json").write_bytes(manifest)
        forget_run_files()


DAMAGED = [
    ("townships/TW/summary.json", "cut short", "overview", "已被改动 (changed"),
    ("diagnostics.parquet", "cut short", "townships", "已损坏, 无法读取 (damaged"),
    ("townships/TW/plan.parquet", "column", "township", "已被改动 (changed"),
    ("townships/TW/inputs/households.parquet", "cut short", "map_points", "已损坏"),
    ("worker_loads.parquet", "cut short", "worker", "已损坏, 无法读取 (damaged"),
    ("households_index.parquet", "cut short", "household", "已损坏, 无法读取 (damaged"),
    ("townships/TW/explanations.parquet", "column", "household", "已被改动 (changed"),
]
"""(file of the current run, ``TW``: TOWNSHIP's folder; damage; query; what the refusal
says is wrong). Read directly, the cut-short Parquet files were polars' ComputeError (a
traceback on the page), the files rewritten without a column were read as the run's (no
error), the cut-short household index answered 'no household H…', and the cut-short
summary was refused as not a township summary, without what to do."""


def _query(site: Site, name: str) -> object:
    data = access(site, "planner")
    if name in ("township", "map_points"):
        return getattr(data, name)(MONTH, TOWNSHIP)
    if name == "worker":
        return data.worker(MONTH, site.worker)
    if name == "household":
        return data.household(MONTH, site.household)
    return getattr(data, name)(MONTH)


@pytest.mark.parametrize(("rel", "how", "query", "what"), DAMAGED)
def test_a_damaged_file_of_the_current_run_is_refused_naming_it(
    site: Site, rel: str, how: str, query: str, what: str
) -> None:
    from visit_planner.errors import PlanFileError

    _query(site, query)  # intact: answered (and kept, as a server keeps it)
    with (
        damaged(site, rel.replace("TW", TOWNSHIP), how) as path,
        pytest.raises(PlanFileError) as err,
    ):
        _query(site, query)
    said = str(err.value)
    assert said.startswith(f"{path}: 方案文件{what}"), said
    assert "`visit-planner runs check " in said and "docs/deployment.md, section 6" in said
    _query(site, query)  # given back: answered again


def test_a_run_read_once_is_not_hashed_again(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page's rerun hashes nothing: the run's reader is kept per process and checks each
    file once (the frames are kept too), so a 1 M-household run's files are hashed on the
    first paint only."""
    from visit_planner.runs import reader as run_reader

    forget_run_files()
    access(site, "planner").overview(MONTH)
    access(site, "planner").worker(MONTH, site.worker)
    hashed: list[str] = []
    real = run_reader.file_sha256
    monkeypatch.setattr(run_reader, "file_sha256", lambda p: hashed.append(str(p)) or real(p))
    access(site, "planner").overview(MONTH)
    access(site, "planner").worker(MONTH, site.worker)  # its worker_loads scan: no hash
    assert hashed == []
    forget_run_files()
    access(site, "planner").worker(MONTH, site.worker)
    assert any(h.endswith("worker_loads.parquet") for h in hashed)  # a new reader checks


def test_demand_includes_the_uncovered_households_hours(site: Site) -> None:
    """A township short of cadres: tier-1 demand is the covered households' hours plus the
    shortfall's extra cadre hours (the figure its shortfall sentence names), more than the
    cadres' hours used; a township without a shortfall has no extra hours."""
    planner = access(site, "planner")
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


def test_model_candidates_read_the_requested_kind_training_logs() -> None:
    """Training logs the chosen kind as ``kind`` and the one asked for as ``requested_kind``,
    with its ranking: boosted trees asked for and beaten by the logistic model are compared,
    after the scorecard that ranked above them."""
    metrics = {"ece": 0.01, "logistic_ece": 0.01, "scorecard_ece": 0.02, "hgb_ece": 0.03}
    params = {"kind": "logistic", "requested_kind": "hgb", "baselines": "logistic,scorecard"}
    selection = {
        "chosen": "logistic",
        "by": "held-out log-loss",
        "ranking": [
            {"kind": "logistic", "log_loss": 0.54},
            {"kind": "scorecard", "log_loss": 0.58},
            {"kind": "hgb", "log_loss": 0.59},
        ],
    }
    chosen, how, shown = model_candidates(params, metrics, selection)
    assert (chosen, how) == ("logistic", "log_loss")
    assert shown == [("logistic", ""), ("scorecard", "scorecard_"), ("hgb", "hgb_")]
    # without the ranking (selection.json not logged): the requested kind all the same
    _, _, shown = model_candidates(params, metrics, None)
    assert shown == [("logistic", ""), ("hgb", "hgb_"), ("scorecard", "scorecard_")]


def test_the_model_pages_candidates_are_the_calibration_curves_models(site: Site) -> None:
    """The model page compared the logistic champion with the scorecard only, while its
    calibration curve drew the boosted trees too: every model training logged a curve for is
    in the comparison, each once."""
    viewer = access(site, "viewer")
    version = next(v for v in viewer.model_versions() if "champion" in v.aliases)
    report = viewer.model_report(version.version)
    assert report.calibration is not None
    _, _, shown = model_candidates(version.params, version.metrics, report.selection)
    kinds = [kind for kind, _ in shown]
    assert len(kinds) == len(set(kinds))
    assert set(kinds) == set(report.calibration["model"]), (kinds, version.params)


def test_model_report_and_drift_flags(site: Site) -> None:
    viewer = access(site, "viewer")
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
        site.home / viewer.current_run(MONTH).path / "plan.parquet", columns=["household_id"]
    )
    assert drift.households == plan.height
    assert drift.report.height > 5 and (drift.report["psi"] >= 0).all()
    assert drift.report["flagged"].to_list() == (drift.report["psi"] > 0.2).to_list()
    # a township supervisor's drift covers their township's households only
    tw = viewer.townships(MONTH)[0]
    part = access(site, "supervisor", "township", tw).drift(MONTH)
    assert part is not None and 0 < part.households < drift.households

"""The monthly cycle: ``plan`` on two months, overrides, amendments, rollback, and the
reliability rules (determinism, one planner per month, crash safety, nothing published on a
refused plan), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import flat
from visit_planner.errors import StoreBusyError
from visit_planner.plan_job import PlanRefusedError, PlanRequest, run_plan
from visit_planner.runs import RunManifest, RunReader
from visit_planner.store import Store

M1, M2 = "2026-11", "2026-12"


@dataclass(frozen=True)
class Months:
    """A workspace with a champion model, and two months of input data."""

    home: Path
    m1: Path
    m2: Path


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Months:
    from risk_model import TrainConfig
    from visit_planner.risk_job import promote_version, train_from_file
    from visit_planner.synthetic import generate, write_prefecture
    from visit_planner.synthetic.next_month import next_month, read_month, write_month

    root = tmp_path_factory.mktemp("cycle")
    m1, m2, home = root / M1, root / M2, root / "workspace"
    write_prefecture(generate(scale=0.003, seed=2), m1)
    data = next_month(read_month(m1), seed=5)
    write_month(data.tables(), data.info, m2)
    train_from_file(m1, home=home, config=TrainConfig(params={"max_iter": 30}))
    promote_version(1, m1, home=home)
    return Months(home, m1, m2)


def plan(months: Months, url: str, month: str, data: Path, **kw: object) -> object:
    req = PlanRequest(month=month, data=data, home=months.home, store_url=url, processes=1, **kw)  # type: ignore[arg-type]
    return run_plan(req)


def test_two_months_and_what_the_store_records(months: Months, db_url: str) -> None:
    first = plan(months, db_url, M1, months.m1)
    second = plan(months, db_url, M2, months.m2)
    assert first.run.version == 1 and second.run.version == 1  # type: ignore[attr-defined]
    assert second.previous_run.run_id == first.run.run_id  # type: ignore[attr-defined]
    # November's data has no month.json (written by write_prefecture): said, not refused;
    # December's (next_month) names 2026-12: checked, nothing to say.
    assert [n for n in first.notices if "month.json" in n]  # type: ignore[attr-defined]
    assert not [n for n in second.notices if "month.json" in n]  # type: ignore[attr-defined]
    manifest = RunManifest.read(second.run_dir)  # type: ignore[attr-defined]
    assert manifest.previous_run_id == first.run.run_id  # type: ignore[attr-defined]
    assert manifest.month == M2 and manifest.model_version == "1"
    assert {"households", "workers"} <= set(manifest.inputs)
    versus = second.versus_previous  # type: ignore[attr-defined]
    assert versus is not None and versus["tier_unchanged"] > 0
    assert versus["churn_tier_unchanged"] < 0.05  # continuity is in the objective
    recorded = second.run.metrics  # type: ignore[attr-defined]
    assert recorded["churn_tier_unchanged"] == pytest.approx(versus["churn_tier_unchanged"])
    with Store.open(db_url) as store:
        assert store.current_run(M2).run_id == second.run.run_id  # type: ignore[union-attr, attr-defined]
        assert [e.action for e in store.audit_entries()][-2:] == ["publish", "publish"]
        assert store.verify_audit().ok
    reader = RunReader(second.run_dir)  # type: ignore[attr-defined]
    assert reader.verify() == []
    tw = reader.townships()[0]
    scores = reader.scores(tw)
    assert scores is not None and {"p_tier1", "final_tier", "reasons"} <= set(scores.columns)
    # explain --run on the month's run says why a household has its tier, from those scores.
    from visit_planner.check_plan_job import explain_from_run
    from visit_planner.cli.explain_text import tier_lines

    hid = scores["household_id"][0]
    explained = explain_from_run(second.run_dir, hid)  # type: ignore[attr-defined]
    assert explained.score == scores.row(0, named=True)
    text = "\n".join(tier_lines(explained.score))
    assert "风险模型 the risk model (版本 version 1)" in text and "probabilities" in text
    assert str(scores["reasons"][0][0]["text"]) in text


def test_same_inputs_give_the_same_plan_hash(months: Months, db_url: str) -> None:
    a = plan(months, db_url, M1, months.m1)
    b = plan(months, db_url, M1, months.m1)
    assert a.run.plan_sha256 == b.run.plan_sha256  # type: ignore[attr-defined]
    assert (a.run.version, b.run.version) == (1, 2)  # type: ignore[attr-defined]
    with Store.open(db_url) as store:
        assert store.get_run(a.run.run_id).status == "superseded"  # type: ignore[attr-defined]


def test_overrides_apply_or_say_why_and_survive_into_next_month(
    months: Months, db_url: str
) -> None:
    hh = pl.read_parquet(months.m1 / "households.parquet")
    ws = pl.read_parquet(months.m1 / "workers.parquet")
    h1, h2 = hh["household_id"][0], hh["household_id"][1]
    grid_worker = ws.filter((pl.col("role") == "grid_worker") & pl.col("active"))["worker_id"][0]
    with Store.open(db_url) as store:
        tier = store.add_override("tier", h1, author="sup", reason="hotline", tier=1)
        corr = store.add_override(
            "correction", h2, author="sup", reason="recount", field="members", value="7"
        )
        gone = store.add_override(
            "forbid", h2, author="sup", reason="relative", worker_id="W_NOT_HERE"
        )
        pin = store.add_override("pin", h1, author="sup", reason="x", worker_id=grid_worker)
    out = plan(months, db_url, M1, months.m1)
    with Store.open(db_url) as store:
        got = {o.override_id: o for o in store.outcomes(out.run.run_id)}  # type: ignore[attr-defined]
    assert got[tier.id].outcome == "applied" and got[corr.id].outcome == "applied"
    assert got[gone.id].outcome == "not_applied" and "W_NOT_HERE" in got[gone.id].reason
    # A tier-1 household cannot be pinned to a grid worker: reported with the rule.
    assert got[pin.id].outcome == "not_applied" and "role_eligible" in got[pin.id].reason
    reader = RunReader(out.run_dir)  # type: ignore[attr-defined]
    tw = reader.township_of(h1)
    scores = reader.scores(tw)
    assert scores is not None
    row = scores.filter(pl.col("household_id") == h1).row(0, named=True)
    assert row["final_tier"] == 1 and row["tier_source"] == "override"
    expl = reader.explanation(h1)
    assert "tier override" in (expl["overrides"] or "")
    corrected = reader.inputs(reader.township_of(h2))["households"]
    assert corrected is not None
    assert corrected.filter(pl.col("household_id") == h2)["members"][0] == 7
    # Standing: next month they apply again (without being added again).
    nxt = plan(months, db_url, M2, months.m2)
    with Store.open(db_url) as store:
        again = {o.override_id for o in store.outcomes(nxt.run.run_id)}  # type: ignore[attr-defined]
    assert {tier.id, corr.id, gone.id, pin.id} <= again


def test_amendment_changes_only_the_named_township(
    months: Months, db_url: str, tmp_path: Path
) -> None:
    base = plan(months, db_url, M1, months.m1)
    reader = RunReader(base.run_dir)  # type: ignore[attr-defined]
    tw = reader.townships()[0]
    # A village official of that township leaves mid-month.
    data = tmp_path / "mid-month"
    data.mkdir()
    for f in months.m1.iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    ws = pl.read_parquet(data / "workers.parquet")
    leaving = ws.filter((pl.col("township_id") == tw) & (pl.col("role") == "village_official"))[
        "worker_id"
    ][0]
    ws.with_columns(
        pl.when(pl.col("worker_id") == leaving)
        .then(False)
        .otherwise(pl.col("active"))
        .alias("active")
    ).write_parquet(data / "workers.parquet")
    amended = plan(months, db_url, M1, data, amend_townships=(tw,))
    run = amended.run  # type: ignore[attr-defined]
    assert run.kind == "amend" and run.parent_run_id == base.run.run_id  # type: ignore[attr-defined]
    assert run.version == base.run.version + 1  # type: ignore[attr-defined]
    old, new = RunManifest.read(base.run_dir), RunManifest.read(amended.run_dir)  # type: ignore[attr-defined]
    for rel, digest in old.files.items():
        if rel.startswith("townships/") and not rel.startswith(f"townships/{tw}/"):
            assert new.files[rel] == digest, rel  # other townships byte-identical
    plan_new = pl.read_parquet(amended.run_dir / "plan.parquet")  # type: ignore[attr-defined]
    assert leaving not in plan_new["worker_id"].to_list()
    plan_old = pl.read_parquet(base.run_dir / "plan.parquet")  # type: ignore[attr-defined]
    assert plan_new.height == plan_old.height
    others_old = plan_old.filter(pl.col("township_id") != tw)
    assert plan_new.filter(pl.col("township_id") != tw).equals(others_old)
    assert RunReader(amended.run_dir).verify() == []  # type: ignore[attr-defined]
    # The amendment's headline status is the whole run's, not only the re-solved township's.
    statuses = set(RunReader(amended.run_dir).diagnostics()["status"].to_list())  # type: ignore[attr-defined]
    # Its re-solved township's previous workers are the month's previous version's (explain
    # words them so); the carried-over townships' stay last month's.
    amended_reader = RunReader(amended.run_dir)  # type: ignore[attr-defined]
    kept_here = plan_new.filter((pl.col("township_id") == tw) & pl.col("worker_id").is_not_null())
    assert amended_reader.explanation(kept_here["household_id"][0])["previous_this_month"]
    elsewhere = plan_new.filter(pl.col("township_id") != tw)["household_id"][0]
    assert amended_reader.explanation(elsewhere)["previous_this_month"] is False
    worst_first = ("error", "infeasible", "unknown", "feasible")
    expected = next((s for s in worst_first if s in statuses), "optimal")
    assert new.metrics["status"] == expected


def test_an_amendment_solves_under_the_months_own_policy(months: Months, tmp_path: Path) -> None:
    # The month was planned with a policy file in which tier 1 is the grid workers' (not the
    # cadres'). An amendment without --policy used the built-in policy for its township, and
    # the run it published broke its own policy.toml (check-plan: role_ineligible).
    from visit_planner.check_plan_job import run_check_plan
    from visit_planner.errors import PlanFileError
    from visit_planner.plan_files import PlanPaths
    from visit_planner.policy import default_policy_text, load_policy

    text = default_policy_text()
    assert 'role = "cadre" ' in text
    own = tmp_path / "grid_tier1.toml"
    own.write_text(text.replace('role = "cadre" ', 'role = "grid_worker" ', 1), "utf-8")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    base = plan(months, url, M1, months.m1, policy_path=own)
    tw = RunReader(base.run_dir).townships()[0]  # type: ignore[attr-defined]
    amended = plan(months, url, M1, months.m1, amend_townships=(tw,))
    run_dir = amended.run_dir  # type: ignore[attr-defined]
    assert (run_dir / "policy.toml").read_bytes() == own.read_bytes()
    folder = run_dir / "townships" / tw
    paths = PlanPaths(
        folder / "scores.parquet",
        folder / "inputs" / "households.parquet",
        folder / "inputs" / "workers.parquet",
        folder / "inputs" / "previous.parquet",
        folder / "inputs" / "conflicts.parquet",
    )
    checked = run_check_plan(folder / "plan.parquet", paths, load_policy(own))
    assert checked.plan_rows > 0
    assert checked.violations == []
    # Another policy is refused, and nothing is published.
    with Store.open(url) as store:
        current = store.current_run(M1)
    with pytest.raises(PlanFileError, match="differs from the policy of the month's current run"):
        plan(months, url, M1, months.m1, amend_townships=(tw,), policy_path=_builtin(tmp_path))
    with Store.open(url) as store:
        assert store.current_run(M1) == current


def test_an_amendment_scores_with_the_months_model(months: Months, tmp_path: Path) -> None:
    # A champion promoted after the month was planned: an amendment scored its townships
    # with it, so the run it published was scored by two models and named only the new one.
    from risk_model import TrainConfig
    from visit_planner.risk_job import promote_version, train_from_file

    home = tmp_path / "workspace"
    train_from_file(months.m1, home=home, config=TrainConfig(params={"max_iter": 30}))
    promote_version(1, months.m1, home=home)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    req = {"month": M1, "data": months.m1, "home": home, "store_url": url, "processes": 1}
    base = run_plan(PlanRequest(**req))  # type: ignore[arg-type]
    tw = RunReader(base.run_dir).townships()[0]
    train_from_file(
        months.m1,
        home=home,
        config=TrainConfig(kind="logistic", select=False, params={"C": 0.01}),
    )
    promote_version(2, months.m1, home=home, force=True, reason="a new champion mid-month")
    amended = run_plan(PlanRequest(**req, amend_townships=(tw,)))  # type: ignore[arg-type]
    assert base.run.model_version == amended.run.model_version == "1"
    assert RunManifest.read(amended.run_dir).model_version == "1"
    before, after = RunReader(base.run_dir).scores(tw), RunReader(amended.run_dir).scores(tw)
    assert before is not None and after is not None
    assert after.select("household_id", "p_tier1", "final_tier").equals(
        before.select("household_id", "p_tier1", "final_tier")
    )


def test_plan_and_amendment_report_what_validating_the_inputs_warned_of(
    months: Months, tmp_path: Path
) -> None:
    # Both read the month as `validate` does, which drops a column not in the contract and
    # leaves out a conflict naming an unknown household, with a warning; `plan` published
    # without passing either on.
    data = tmp_path / "extra"
    data.mkdir()
    for f in months.m1.iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    hh = pl.read_parquet(data / "households.parquet")
    hh.with_columns(pl.lit("x").alias("head_name")).write_parquet(data / "households.parquet")
    conflicts = pl.read_parquet(data / "conflicts.parquet")
    worker = pl.read_parquet(data / "workers.parquet")["worker_id"][0]
    unknown_pair = pl.DataFrame({"household_id": ["H9999999"], "worker_id": [worker]})
    pl.concat([conflicts, unknown_pair.select(conflicts.columns)]).write_parquet(
        data / "conflicts.parquet"
    )
    url = f"sqlite:///{tmp_path / 'store.db'}"
    planned = plan(months, url, M1, data)
    tw = RunReader(planned.run_dir).townships()[0]  # type: ignore[attr-defined]
    amended = plan(months, url, M1, data, amend_townships=(tw,))
    for outcome in (planned, amended):
        told = [(Path(p.file).name, p.column, p.severity) for p in outcome.input_warnings]  # type: ignore[attr-defined]
        assert ("households.parquet", "head_name", "warning") in told
        unknown = [p for p in outcome.input_warnings if any("H9999999" in i for i in p.ids)]  # type: ignore[attr-defined]
        assert [Path(p.file).name for p in unknown] == ["conflicts.parquet"]


def _builtin(tmp_path: Path) -> Path:
    """The built-in policy as a file."""
    from visit_planner.policy import default_policy_text

    path = tmp_path / "builtin.toml"
    path.write_text(default_policy_text(), "utf-8")
    return path


def test_an_amendment_refuses_bad_data_with_the_whole_tables_messages(
    months: Months, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An amendment validates the month in chunks of its own size (AMEND_CHUNK_ROWS): what it
    # reports is what the check of the whole table reports (first ids in file order, counts).
    from visit_planner import plan_job
    from visit_planner.contracts import load_inputs
    from visit_planner.errors import ContractError

    url = f"sqlite:///{tmp_path / 'store.db'}"
    base = plan(months, url, M1, months.m1)
    tw = RunReader(base.run_dir).townships()[0]  # type: ignore[attr-defined]
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in months.m1.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    hh = pl.read_parquet(bad / "households.parquet")
    every = pl.int_range(pl.len()) % 97 == 3  # rows in every chunk of 1,024, more than 5 in all
    hh.with_columns(pl.when(every).then(99.0).otherwise(pl.col("lat")).alias("lat")).write_parquet(
        bad / "households.parquet"
    )
    assert hh.height > 2 * 1_024
    with pytest.raises(ContractError) as whole:
        load_inputs(bad)
    for rows in (plan_job.AMEND_CHUNK_ROWS, 1_024):
        monkeypatch.setattr(plan_job, "AMEND_CHUNK_ROWS", rows)
        with pytest.raises(ContractError) as amended:
            plan(months, url, M1, bad, amend_townships=(tw,))
        assert amended.value.problems == whole.value.problems, rows
    assert "'lat'" in flat(str(whole.value))


def test_the_run_status_is_the_whole_runs_not_the_resolved_townships() -> None:
    from assignment.domain import Status
    from assignment.plan import PrefectureResult
    from visit_planner.plan_job import whole_run_result

    # An amendment re-solved township A to optimality; B and C were carried over as they
    # were (B feasible with a 10% gap).
    resolved = PrefectureResult(
        status=Status.OPTIMAL, objective=100.0, bound=100.0, gap=0.0, seconds=1.0,
        plan=pl.DataFrame(), diagnostics=pl.DataFrame(),
    )  # fmt: skip
    diagnostics = pl.DataFrame({
        "township_id": ["A", "B", "C"],
        "status": ["optimal", "feasible", "optimal"],
        "objective": [100.0, 50.0, 10.0],
        "bound": [100.0, 45.0, 10.0],
    })  # fmt: skip
    whole = whole_run_result(resolved, diagnostics)
    assert whole.status == Status.FEASIBLE  # never optimal while a township is only feasible
    assert whole.objective == 160.0 and whole.bound == 155.0
    assert whole.gap == pytest.approx(5.0 / 160.0)
    assert whole.diagnostics.height == 3
    # One township without a proven bound: the run has none either (nor a gap).
    unproven = diagnostics.with_columns(
        pl.when(pl.col("township_id") == "C").then(None).otherwise(pl.col("bound")).alias("bound")
    )
    whole = whole_run_result(resolved, unproven)
    assert whole.bound is None and whole.gap is None
    # Every township optimal: optimal.
    all_optimal = diagnostics.with_columns(pl.lit("optimal").alias("status"))
    assert whole_run_result(resolved, all_optimal).status == Status.OPTIMAL
    # A failed township makes the run's status "error", whatever the others.
    failed = diagnostics.with_columns(
        pl.when(pl.col("township_id") == "B").then(pl.lit("error")).otherwise("status")
        .alias("status")
    )  # fmt: skip
    assert whole_run_result(resolved, failed).status == Status.ERROR


def test_data_of_another_month_is_refused_before_any_work(tmp_path: Path) -> None:
    from visit_planner.errors import ContractError
    from visit_planner.plan_job import check_data_month
    from visit_planner.synthetic.next_month import MonthInfo

    data = tmp_path / "2026-11"
    data.mkdir()
    info = MonthInfo(month=M1, of=None, seed=1, scale=0.01, ids_issued={})
    (data / "month.json").write_text(info.to_json(), "utf-8")
    home = tmp_path / "workspace"
    with pytest.raises(ContractError) as caught:
        run_plan(PlanRequest(month=M2, data=data, home=home, processes=1))
    text = str(caught.value)
    assert str(data / "month.json") in text and "'month'" in text
    assert f"month.json: 数据月份 {M1} 与 --month {M2} 不符, 未计划, 未发布 (field 'month'" in text
    assert f"--month is {M2}" in text and "nothing was planned" in text
    assert not (home / "runs").exists()  # refused before the workspace was touched
    assert check_data_month(data, M1) == []  # the right month: no notice


def test_missing_data_is_refused_before_the_workspace_is_created(tmp_path: Path) -> None:
    from visit_planner.errors import ContractError

    home = tmp_path / "workspace"
    with pytest.raises(ContractError) as caught:
        run_plan(PlanRequest(month=M1, data=tmp_path / "absent", home=home, processes=1))
    assert f"{tmp_path / 'absent'}: 目录不存在 (no such directory)" in str(caught.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ContractError) as caught:
        run_plan(PlanRequest(month=M1, data=empty, home=home, processes=1))
    text = flat(str(caught.value))
    assert "households.parquet: 缺少必需文件 (required table is missing" in text
    assert "workers.parquet: 缺少必需文件 (required table is missing" in text  # both, in one pass
    assert not home.exists()  # no store, no run directory


def test_a_month_whose_data_is_refused_leaves_no_run_directory(
    months: Months, db_url: str, tmp_path: Path
) -> None:
    from visit_planner.errors import ContractError

    bad = tmp_path / "bad"
    bad.mkdir()
    for f in months.m1.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    pl.read_parquet(bad / "households.parquet").drop("village_id").write_parquet(
        bad / "households.parquet"
    )
    month = "2027-01"  # a month without runs: its directory would be new
    with pytest.raises(ContractError, match="village_id"):
        plan(months, db_url, month, bad)
    assert not (months.home / "runs" / month).exists()


def test_data_without_a_month_record_is_planned_with_a_notice(tmp_path: Path) -> None:
    from visit_planner.plan_job import check_data_month

    notices = check_data_month(tmp_path, M2)
    assert len(notices) == 1
    assert notices[0] == (  # Chinese first, the English in brackets
        f"{tmp_path}: 数据目录无 month.json, 未核对数据月份 (no month.json, so the data's month "
        f"was not checked against --month {M2})"
    )
    assert check_data_month(tmp_path / "absent", M2) == []  # the input check names it


def test_rollback_keeps_the_later_run(months: Months, db_url: str) -> None:
    a = plan(months, db_url, M1, months.m1)
    b = plan(months, db_url, M1, months.m1)
    with Store.open(db_url) as store:
        store.rollback(M1, a.run.run_id, actor="planner", reason="wrong data")  # type: ignore[attr-defined]
        assert store.current_run(M1).run_id == a.run.run_id  # type: ignore[union-attr, attr-defined]
        assert store.get_run(b.run.run_id).status == "rolled_back"  # type: ignore[attr-defined]
        assert store.audit_entries()[-1].action == "rollback"
    assert (b.run_dir / "manifest.json").is_file()  # type: ignore[attr-defined]


def test_a_second_planner_of_the_month_is_refused(months: Months, db_url: str) -> None:
    with (
        Store.open(db_url) as store,
        store.month_lock(M1, "other-planner@host pid 1"),
        pytest.raises(StoreBusyError, match=r"2026-11.*other-planner"),
    ):
        plan(months, db_url, M1, months.m1)


def test_a_refused_plan_publishes_nothing(
    months: Months, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import visit_planner.plan_job as job
    import visit_planner.plan_townships as townships
    from assignment.validator import Violation, ViolationKind

    def broken(plan, inputs, settings, townships=None):  # type: ignore[no-untyped-def]
        return [Violation(ViolationKind.OVER_HOURS, None, "W1", "超时 2 小时", "over by 2 h")]

    monkeypatch.setattr(job, "validate_plan", broken)  # amendments
    monkeypatch.setattr(townships, "validate_plan", broken)  # the month, township by township
    runs_before = (
        sorted((months.home / "runs" / M2).glob("*"))
        if (months.home / "runs" / M2).exists()
        else []
    )
    with pytest.raises(PlanRefusedError, match="NOT published"):
        plan(months, db_url, M2, months.m2)
    with Store.open(db_url) as store:
        assert store.current_run(M2) is None
    after = (
        sorted((months.home / "runs" / M2).glob("*"))
        if (months.home / "runs" / M2).exists()
        else []
    )
    assert after == runs_before


def _cli(months: Months, url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "VISIT_PLANNER_HOME": str(months.home)}
    return subprocess.Popen(
        [sys.executable, "-m", "visit_planner", *args, "--store-url", url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_plan_commands_at_once(months: Months, db_url: str) -> None:
    args = ("plan", "--month", M1, "--data", str(months.m1), "--workers-processes", "1")
    a, b = _cli(months, db_url, *args), _cli(months, db_url, *args)
    outs = [p.communicate(timeout=300) for p in (a, b)]
    published = [p.returncode for p in (a, b) if p.returncode != 2]
    refused = [o for p, o in zip((a, b), outs, strict=True) if p.returncode == 2]
    assert len(refused) == 1 and published in ([0], [3]), outs
    err = refused[0][1]
    # Refused by the month's lock (naming the month and the holder's pid), or - when both
    # start on a new store and one waits on the other's schema migration past SQLite's busy
    # timeout (seen once in CI) - by the store's "busy" message naming the database.
    by_lock = "2026-11" in err and "pid" in err
    by_busy = "is busy" in flat(err) and "store.db" in err
    assert (by_lock or by_busy) and "Traceback" not in err, err
    with Store.open(db_url) as store:
        assert len(store.list_runs(M1)) == 1
        assert store.verify_audit().ok


def test_sigkill_at_any_point_leaves_the_previous_run_current(months: Months, db_url: str) -> None:
    first = plan(months, db_url, M1, months.m1)
    args = ("plan", "--month", M1, "--data", str(months.m1), "--workers-processes", "1")
    for delay in (0.5, 2.0, 4.0, 6.0, 8.0):
        proc = _cli(months, db_url, *args)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        with Store.open(db_url) as store:
            current = store.current_run(M1)
            assert current is not None
            for run in store.list_runs(M1):  # every run the store names is whole
                assert RunReader(months.home / run.path).verify() == []
            assert store.verify_audit().ok
        assert current.run_id == first.run.run_id or current.version > 1  # type: ignore[attr-defined]
    # The killed planners' locks are recovered: planning the month works again.
    again = plan(months, db_url, M1, months.m1)
    assert again.run.plan_sha256 == first.run.plan_sha256  # type: ignore[attr-defined]
    # ... and what they left half-written is removed, in one line (SIGKILL cleans nothing up).
    assert not list((months.home / "runs" / M1).glob(".staging-*"))
    removed = [n for n in again.notices if "interrupted runs" in n]  # type: ignore[attr-defined]
    assert len(removed) <= 1 and all("已清理" in n for n in removed)


def test_unreachable_store_is_a_clear_error(months: Months, cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli(
        "plan", "--month", M1, "--data", str(months.m1), "--home", str(months.home),
        "--store-url", "postgresql+psycopg://vp@127.0.0.1:9/none",
    )  # fmt: skip
    assert code == 2 and "Traceback" not in err
    assert "127.0.0.1:9" in err or "cannot" in err.lower()

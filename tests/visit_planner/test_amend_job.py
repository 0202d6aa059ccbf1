"""Amendments (``plan --amend --township T``): only the named townships change, under the
month's own policy and model, and bad data is refused with the whole tables' messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import CliRun
from tests.visit_planner.helpers import M1, Months, flat, plan, too_wide, two_months
from visit_planner.contracts.places import place_label
from visit_planner.plan_job import run_plan
from visit_planner.plan_steps import PlanRequest
from visit_planner.runs import RunManifest, RunReader
from visit_planner.store import Store


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Months:
    """The workspace and the two months of :func:`two_months`, made once for this module."""
    return two_months(tmp_path_factory)


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
    # The amendment continued the current run's plan, not the data's previous assignment file:
    # that file is not recorded as one of its inputs.
    assert "previous_assignment" not in new.inputs and {"households", "workers"} <= set(new.inputs)
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
    assert '"532623" = 1.5' in text
    own = tmp_path / "grid_tier1.toml"
    text = text.replace('role = "cadre" ', 'role = "grid_worker" ', 1)
    # ... and a mistyped county code (532699) among the road factors of real counties.
    own.write_text(text.replace('"532623" = 1.5', '"532699" = 1.5\n"532623" = 1.5', 1), "utf-8")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    base = plan(months, url, M1, months.m1, policy_path=own)
    tw = RunReader(base.run_dir).townships()[0]  # type: ignore[attr-defined]
    amended = plan(months, url, M1, months.m1, amend_townships=(tw,))

    # The policy's unknown counties are the month's, as plan named them: the typo alone. The
    # amendment, whose solve sees one township's households, named every other county of
    # the road factors as well (西畴县 ... "no county of the data").
    def unknown(outcome: object) -> list[tuple[str, ...]]:
        issues = outcome.solved.result.issues  # type: ignore[attr-defined]
        return [i.ids for i in issues if i.kind == "policy_unknown_county"]

    assert unknown(base) == unknown(amended) == [("532699",)]
    run_dir = amended.run_dir  # type: ignore[attr-defined]
    assert (run_dir / "policy.toml").read_bytes() == own.read_bytes()
    folder = run_dir / "townships" / tw
    # The township's households as the month's data has them: the run's stored copy lacks the
    # audit-only columns the households contract requires (docs/privacy.md).
    households = tmp_path / "households.parquet"
    whole = pl.read_parquet(months.m1 / "households.parquet")
    whole.filter(pl.col("township_id") == tw).write_parquet(households)
    paths = PlanPaths(
        folder / "scores.parquet",
        households,
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
    from visit_planner import amend_job
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
    for rows in (amend_job.AMEND_CHUNK_ROWS, 1_024):
        monkeypatch.setattr(amend_job, "AMEND_CHUNK_ROWS", rows)
        with pytest.raises(ContractError) as amended:
            plan(months, url, M1, bad, amend_townships=(tw,))
        assert amended.value.problems == whole.value.problems, rows
    assert "'lat'" in flat(str(whole.value))


def test_townships_are_given_by_code_or_by_name() -> None:
    """--township 锦屏镇 was refused as "not in run" although every text of the tool names
    the township so; a name is now read as its code, one that two townships share is refused
    with both codes, and a township that is none of the run's lists the run's by name."""
    from visit_planner.amend_job import township_codes
    from visit_planner.contracts.places import remember_places
    from visit_planner.errors import PlanFileError

    places = pl.DataFrame({
        "code": ["539926", "539926001", "539926002", "539927001", "539927002"],
        "level": ["county", "township", "township", "township", "township"],
        "name_zh": ["马关县", "锦屏镇", "八寨镇", "新华镇", "八寨镇"],
        "name_en": [None, "Jinping", None, None, None],
    })  # fmt: skip
    remember_places(places)  # codes of no real place: no other test's names change
    towns = ["539926001", "539926002", "539927001", "539927002"]
    got = township_codes(["新华镇", " Jinping", "539926001", "539927001"], towns, places, "r1")
    assert got == ["539926001", "539927001"]
    assert township_codes(["539926002"], towns, None, "r1") == ["539926002"]
    with pytest.raises(PlanFileError) as shared:
        township_codes(["八寨镇"], towns, places, "r1")
    assert str(shared.value) == (
        "乡镇名称重复, 请用编号 (a name that several townships of run r1 share; give the code): "
        "八寨镇: 八寨镇 (539926002), 八寨镇 (539927002)"
    )
    with pytest.raises(PlanFileError) as missing:
        township_codes(["锦平镇", "539999001"], towns, places, "r1")
    assert str(missing.value) == (
        "乡镇不在本月方案中 (township(s) 锦平镇, 539999001 are not in run r1; its townships: "
        "锦屏镇 Jinping (539926001), 八寨镇 (539926002), 新华镇 (539927001), 八寨镇 (539927002))"
    )
    with pytest.raises(PlanFileError, match="锦屏镇"):  # no places: only codes are known
        township_codes(["锦屏镇"], towns, None, "r1")


def _current_run(home: Path, url: str) -> RunReader:
    """The current run of :data:`M1` in the store at ``url`` of workspace ``home``."""
    with Store.open(url) as store:
        run = store.current_run(M1)
    assert run is not None
    return RunReader(home / run.path)


def test_a_township_left_without_workers_is_amended_and_reported_as_the_whole_run(
    months: Months, tmp_path: Path, cli: Callable[..., CliRun]
) -> None:
    """Every worker of a township leaves mid-month. The amendment of that township failed
    with a traceback (its diagnostics, solved without an LP, lack the LP's columns); and an
    amendment's summary was the re-solve's alone ("proven maximal in 1 of 1 townships")
    under the whole run's tier table, so that amending another township exited 3 without
    naming the township whose tier-1 households were uncovered."""
    import shutil

    home, url = tmp_path / "ws", f"sqlite:///{tmp_path / 'store.db'}"
    shutil.copytree(months.home, home)
    common = ("--home", str(home), "--store-url", url, "--workers-processes", "1")
    code, out, err = cli("plan", "--month", M1, "--data", str(months.m1), *common)
    assert code in (0, 3), err
    base = _current_run(home, url).diagnostics()
    data = tmp_path / "left"
    shutil.copytree(months.m1, data)
    workers = pl.read_parquet(data / "workers.parquet")
    towns = sorted(set(workers["township_id"].to_list()))
    empty, other = towns[0], towns[-1]
    workers.filter(pl.col("township_id") != empty).write_parquet(data / "workers.parquet")

    code, out, err = cli(
        "plan", "--month", M1, "--data", str(data), *common, "--amend", "--township", empty
    )  # fmt: skip
    assert code == 3 and "Traceback" not in out + err, err
    amended = _current_run(home, url)
    assert amended.verify() == []
    diagnostics = amended.diagnostics()
    assert diagnostics.columns == base.columns  # the run's columns, null where there was no LP
    assert diagnostics["township_id"].to_list() == towns
    row = diagnostics.filter(pl.col("township_id") == empty).row(0, named=True)
    assert row["tier1_covered"] == 0 and row["households"] > 0
    text = flat(out)
    n = len(towns)
    assert (
        f"重新求解 re-solved: {place_label(empty)} 其余 {n - 1} 个乡镇沿用 v1, "
        f"以下为整个方案的数字 / the other {n - 1} township(s) are carried over from v1;"
    ) in text
    assert f"tier-1 coverage proven maximal in {n} of {n} townships" in text

    # Another township amended: the whole run is reported, the empty township's shortfall
    # named (the exit 3 is the whole run's).
    code, out, err = cli(
        "plan", "--month", M1, "--data", str(data), *common, "--amend", "--township", other
    )  # fmt: skip
    assert code == 3, err
    text = flat(out)
    assert f"重新求解 re-solved: {place_label(other)} 其余 {n - 1} 个乡镇沿用 v2," in text
    assert f"tier-1 coverage proven maximal in {n} of {n} townships" in text
    assert f"{place_label(empty)}: 已证明：现有人员最多可覆盖 0/" in text
    assert not too_wide(out)

    # A township not in the run is refused with the error alone: the heading "计划 plan M
    # (修订 amend)" was printed first, as if the month were being amended.
    code, out, err = cli(
        "plan", "--month", M1, "--data", str(data), *common, "--amend", "--township", "无此镇"
    )  # fmt: skip
    assert code == 2 and out == "", out
    assert "乡镇不在本月方案中 (township(s) 无此镇 are not in run" in flat(err)


def test_an_amendment_of_a_month_without_a_run_names_the_month(
    months: Months, tmp_path: Path
) -> None:
    """It read '本月尚无已发布方案' (this month has no published run) of whatever month was
    given, e.g. 2027-03 in December 2026; the month is now named in both halves, and nothing
    is published."""
    from visit_planner.errors import PlanFileError

    url = f"sqlite:///{tmp_path / 'store.db'}"
    with pytest.raises(PlanFileError) as refused:
        plan(months, url, "2027-03", months.m1, amend_townships=("532601001",))
    assert str(refused.value) == (
        "2027-03 尚无已发布方案, 无可修订 (month 2027-03 has no published run to amend; run "
        "`visit-planner plan --month 2027-03 --data DIR` first)"
    )
    with Store.open(url) as store:
        assert store.list_runs() == []


def test_each_amendment_names_its_parent_in_its_manifest_and_runs_show_the_chain(
    months: Months, tmp_path: Path, cli: Callable[..., CliRun]
) -> None:
    """An amendment's manifest did not say which run it amended (only the store did), so a
    run directory copied off the machine could not say which published plan it replaced,
    nor which townships it re-solved. Each now names its own parent, id and plan hash, and
    its townships; ``runs show`` prints the chain of the month's versions with each
    amendment's townships (it printed the parent's id alone) and warns when the manifest
    and the store disagree."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    base = plan(months, url, M1, months.m1).run  # type: ignore[attr-defined]
    tw = RunReader(months.home / base.path).townships()[0]
    first = plan(months, url, M1, months.m1, amend_townships=(tw,)).run  # type: ignore[attr-defined]
    name = place_label(tw).split(" (")[0]  # the same township again, by name
    second = plan(months, url, M1, months.m1, amend_townships=(name,)).run  # type: ignore[attr-defined]
    for run, parent in ((first, base), (second, first)):
        manifest = RunManifest.read(months.home / run.path)
        assert (manifest.parent_run_id, manifest.parent_plan_sha256) == (
            parent.run_id,
            parent.plan_sha256,
        )
        assert manifest.amended_townships == [tw]
    planned = RunManifest.read(months.home / base.path)
    assert (planned.parent_run_id, planned.amended_townships) == (None, None)

    show = ("runs", "show", second.run_id[:12], "--home", str(months.home), "--store-url", url)
    code, out, err = cli(*show)
    assert code == 0, err
    assert (
        f"修订自 amends {M1} v{first.version} ({first.run_id[:12]}); 方案哈希 plan hash "
        f"{first.plan_sha256[:16]} (与方案清单所记相同 as its manifest says)"
    ) in flat(out)
    chain = out[out.index("修订链 versions, newest first:") :].splitlines()[1:6]
    assert chain == [
        f"  {M1} v{second.version} ({second.run_id[:12]}) 修订 amend, 当前 current",
        f"    重新求解 re-solved: {place_label(tw)}",
        f"  {M1} v{first.version} ({first.run_id[:12]}) 修订 amend, 已被取代 superseded",
        f"    重新求解 re-solved: {place_label(tw)}",
        f"  {M1} v{base.version} ({base.run_id[:12]}) 编制 plan, 已被取代 superseded",
    ]
    assert too_wide(out.split("文件 files: ")[0], 80) == []

    # A manifest that names another parent than the store: warned, exit 4.
    path = months.home / second.path / "manifest.json"
    edited = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**edited, "parent_run_id": base.run_id}), "utf-8")
    code, out, err = cli(*show)
    assert code == 4 and "as its manifest says" not in out
    assert (
        f"警告 WARNING: 方案清单记录的上一版本与数据库不符, 方案文件或数据库已被改动 (the run's "
        f"manifest says it amends {base.run_id[:12]} (plan hash {first.plan_sha256[:16]}), the "
        f"store {first.run_id[:12]} (plan hash {first.plan_sha256[:16]}): the run's files or "
        "the store were changed since it was published)"
    ) in flat(err)
    # One written before manifests recorded the parent: the chain, from the store, as before.
    del edited["parent_run_id"], edited["parent_plan_sha256"], edited["amended_townships"]
    path.write_text(json.dumps(edited), "utf-8")
    code, out, err = cli(*show)
    assert code == 0, err
    assert f"修订自 amends {M1} v{first.version} ({first.run_id[:12]}); " in flat(out)
    assert "as its manifest says" not in out and "修订链 versions" in out
    assert out.count("重新求解 re-solved") == 1  # the first amendment's, from its manifest


def test_a_changed_file_of_the_run_is_refused_before_any_work_and_nothing_is_left(
    months: Months, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A carried-over township's file changed since the run was published was found only when
    the amendment was written, after the whole re-solve, and the refusal left a staging
    directory in the month's folder; a missing one was a traceback. Both are now refused
    before any work (here before the broken data is read), naming the run, every such file
    and what to do; an amendment whose writing fails leaves no staging directory."""
    from visit_planner.errors import PlanFileError

    url = f"sqlite:///{tmp_path / 'store.db'}"
    base = plan(months, url, M1, months.m1).run  # type: ignore[attr-defined]
    root = months.home / base.path
    first, second, *_ = RunReader(root).townships()
    summary = root / "townships" / first / "summary.json"
    kept = summary.read_bytes()
    summary.write_bytes(kept + b" ")
    (root / "townships" / second / "plan.parquet").rename(tmp_path / "plan.parquet")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "households.parquet").write_text("not a table", "utf-8")
    (broken / "workers.parquet").write_text("not a table", "utf-8")
    with pytest.raises(PlanFileError) as refused:
        plan(months, url, M1, broken, amend_townships=(RunReader(root).townships()[-1],))
    run = f"{base.run_id[:12]} ({M1})"
    files = f"townships/{first}/summary.json, townships/{second}/plan.parquet"
    assert str(refused.value) == (
        f"{root}: 方案 {run} 发布后文件被改动或缺失, 不能沿用到修订方案: {files}; `visit-planner "
        f"runs show {base.run_id[:12]}` 列出改动的文件, 请回滚到完好的版本或重新编制本月方案 "
        f"(files of run {run} changed or missing since it was published, which an amendment "
        f"would carry over: {files}; `visit-planner runs show {base.run_id[:12]}` lists the "
        "changed files; roll back to an intact version or plan the month again)"
    )
    summary.write_bytes(kept)
    (tmp_path / "plan.parquet").rename(root / "townships" / second / "plan.parquet")

    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("visit_planner.plan_steps.DirectoryRunWriter.write", disk_full)
    with pytest.raises(OSError, match="No space left"):
        plan(months, url, M1, months.m1, amend_townships=(first,))
    assert [p.name for p in root.parent.iterdir() if p.name.startswith(".staging-")] == []
    with Store.open(url) as store:
        assert [r.run_id for r in store.list_runs(M1)] == [base.run_id]


def test_an_amendments_summary_counts_the_whole_runs_overrides(months: Months, db_url: str) -> None:
    """Amending a township without overrides printed '督导调整 override: 0 已生效 applied, 0 未生效
    not applied' while the run carried the month's others (and the store recorded them): the
    summary's outcomes are now the whole run's."""
    hh = pl.read_parquet(months.m1 / "households.parquet")
    h = hh["household_id"][0]
    other = hh.filter(pl.col("township_id") != hh["township_id"][0])["township_id"][0]
    with Store.open(db_url) as store:
        tier = store.add_override("tier", h, author="sup", reason="hotline", tier=1)
    base = plan(months, db_url, M1, months.m1)
    amended = plan(months, db_url, M1, months.m1, amend_townships=(other,))
    got = {o.override_id: o.outcome for o in amended.outcomes}  # type: ignore[attr-defined]
    assert got[tier.id] == "applied"
    assert got == {o.override_id: o.outcome for o in base.outcomes}  # type: ignore[attr-defined]
    with Store.open(db_url) as store:
        stored = store.outcomes(amended.run.run_id)  # type: ignore[attr-defined]
        assert {o.override_id: o.outcome for o in stored} == got
        store.revoke_override(tier.id, actor="sup", reason="done")

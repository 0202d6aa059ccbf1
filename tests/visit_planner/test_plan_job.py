"""The monthly cycle: ``plan`` on two months, overrides, rollback, and the reliability rules
(determinism, one planner per month, crash safety, nothing published on a refused plan), on
SQLite and PostgreSQL; a test whose store calls the store's own tests already run on both
(overrides, a plan refused before publishing) on SQLite alone. Amendments:
``test_amend_job.py``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import M1, M2, Months, flat, plan, two_months
from visit_planner.errors import StoreBusyError
from visit_planner.plan_job import run_plan
from visit_planner.plan_steps import PlanRefusedError, PlanRequest
from visit_planner.runs import RunManifest, RunReader
from visit_planner.store import Store


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Months:
    """The workspace and the two months of :func:`two_months`, made once for this module."""
    return two_months(tmp_path_factory)


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
    # December continued November's run, not the data's previous_assignment file: that file is
    # not recorded as an input (check-plan would otherwise ask for it and judge by it).
    assert "previous_assignment" not in manifest.inputs
    assert (months.m2 / "previous_assignment.parquet").is_file()
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


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store's own tests: both
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
    # A tier-1 household cannot be pinned to a grid worker: reported with the rule, in words.
    assert got[pin.id].outcome == "not_applied"
    assert "网格员不承接一类户" in got[pin.id].reason
    assert "a grid worker does not serve tier-1 households" in got[pin.id].reason
    reader = RunReader(out.run_dir)  # type: ignore[attr-defined]
    tw = reader.township_of(h1)
    scores = reader.scores(tw)
    assert scores is not None
    row = scores.filter(pl.col("household_id") == h1).row(0, named=True)
    assert row["final_tier"] == 1 and row["tier_source"] == "override"
    expl = reader.explanation(h1)
    assert "tier override" in (expl["overrides"] or "")
    # The released pin is not kept as a pin: not in the run's inputs (explain --run reads
    # them), nor behind the household's explanation.
    kept = reader.inputs(tw)["pins"]
    assert kept is None or h1 not in kept["household_id"].to_list()
    assert "pin" not in (expl["overrides"] or "") and "指定" not in str(expl)
    corrected = reader.inputs(reader.township_of(h2))["households"]
    assert corrected is not None
    assert corrected.filter(pl.col("household_id") == h2)["members"][0] == 7
    # Standing: next month they apply again (without being added again).
    nxt = plan(months, db_url, M2, months.m2)
    with Store.open(db_url) as store:
        again = {o.override_id for o in store.outcomes(nxt.run.run_id)}  # type: ignore[attr-defined]
    assert {tier.id, corr.id, gone.id, pin.id} <= again


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
    assert f"{tmp_path / 'absent'}: 找不到文件或目录 (no such file or directory)" in str(
        caught.value
    )
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


def test_a_refused_month_prints_no_heading(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    # `plan --month 2026/12` printed "计划 plan 2026/12" before refusing the month; a month
    # the data is not of, or a directory without its tables, likewise: nothing but the error.
    from visit_planner.synthetic.next_month import MonthInfo

    data = tmp_path / "data"
    data.mkdir()
    info = MonthInfo(month=M1, of=None, seed=1, scale=0.01, ids_issued={})
    (data / "month.json").write_text(info.to_json(), "utf-8")
    home = tmp_path / "workspace"
    cases = (
        ("2026/12", "--month: 月份格式应为 YYYY-MM (month must be YYYY-MM, got '2026/12')"),
        (M2, f"数据月份 {M1} 与 --month {M2} 不符"),
        (M1, "households.parquet: 缺少必需文件 (required table is missing"),
    )
    for month, said in cases:
        code, out, err = cli("plan", "--month", month, "--data", str(data), "--home", str(home))
        assert code == 2, (month, out, err)
        assert out == "", month  # no heading, no stage
        assert said in flat(err), month
    assert not home.exists()


def test_data_without_a_month_record_is_planned_with_a_notice(tmp_path: Path) -> None:
    from visit_planner.plan_job import check_data_month

    notices = check_data_month(tmp_path, M2)
    assert len(notices) == 1
    assert notices[0] == (  # Chinese first, the English in brackets
        f"{tmp_path}: 数据目录无 month.json, 未核对数据月份 (no month.json, so the data's month "
        f"was not checked against --month {M2})"
    )
    assert check_data_month(tmp_path / "absent", M2) == []  # the input check names it


def test_same_inputs_give_the_same_plan_and_a_rollback_keeps_the_later_run(
    months: Months, db_url: str
) -> None:
    a = plan(months, db_url, M1, months.m1)
    b = plan(months, db_url, M1, months.m1)
    assert a.run.plan_sha256 == b.run.plan_sha256  # type: ignore[attr-defined]
    assert (a.run.version, b.run.version) == (1, 2)  # type: ignore[attr-defined]
    with Store.open(db_url) as store:
        assert store.get_run(a.run.run_id).status == "superseded"  # type: ignore[attr-defined]
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


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # refused before publishing
def test_a_refused_plan_publishes_nothing(
    months: Months, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import visit_planner.plan_steps as steps
    import visit_planner.plan_townships as townships
    from assignment.validator import Violation, ViolationKind

    def broken(plan, inputs, settings, townships=None):  # type: ignore[no-untyped-def]
        return [Violation(ViolationKind.OVER_HOURS, None, "W1", "超时 2 小时", "over by 2 h")]

    monkeypatch.setattr(steps, "validate_plan", broken)  # amendments
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
    # Killed while starting, reading, solving, writing and publishing on SQLite (its file
    # locks are the subtler case); on PostgreSQL, whose transactions end with the connection,
    # at three of those points (each kill costs its delay and a start of the CLI).
    delays = (0.5, 2.0, 4.0, 6.0, 8.0) if db_url.startswith("sqlite") else (0.5, 4.0, 8.0)
    for delay in delays:
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


_KILLED_WHILE_VALIDATING = """
import os, signal, sys
import visit_planner.cli as cli
import visit_planner.plan_job as job

validate = job.stream_inputs
sent = signal.Signals[sys.argv[1]]

def validate_then_die(*args, **kwargs):  # the month's households validated and kept in the
    result = validate(*args, **kwargs)   # work directory, then the signal
    os.kill(os.getpid(), sent)
    return result

job.stream_inputs = validate_then_die
sys.argv = ["visit-planner", *sys.argv[2:]]
cli.main()
"""


def _killed_while_validating(
    months: Months, url: str, sent: str
) -> subprocess.CompletedProcess[str]:
    """``plan`` of :data:`M1` sent ``sent`` (SIGKILL, SIGTERM) right after validating."""
    return subprocess.run(
        [sys.executable, "-c", _KILLED_WHILE_VALIDATING, sent, "plan", "--month", M1, "--data",
         str(months.m1), "--home", str(months.home), "--store-url", url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_plan_terminated_while_validating_removes_its_work_directory_at_once(
    months: Months, tmp_path: Path
) -> None:
    """SIGTERM (systemctl stop, timeout) unwinds ``plan``: the validated households are
    removed before it exits 143, and the month's lock is given back (no recovery needed)."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    terminated = _killed_while_validating(months, url, "SIGTERM")
    assert terminated.returncode == 143, terminated.stderr
    assert "已终止 (terminated by SIGTERM)" in terminated.stderr
    assert "Traceback" not in terminated.stderr
    assert not list((months.home / "runs").glob(f"{M1}/.staging-*"))
    with Store.open(url) as store:
        with store.month_lock(M1):  # given back: taken again without recovering it
            pass
        assert "lock.recover" not in [e.action for e in store.audit_entries()]


def test_what_a_plan_killed_while_validating_left_is_removed_by_a_plan_of_another_month(
    months: Months, tmp_path: Path
) -> None:
    """A plan SIGKILLed after validating left the month's validated households (head's
    ethnicity and gender included) in its work directory until the next plan of *that* month:
    a plan of the next month left them. Now any plan removes them, under the killed run's month
    lock (its holder gone: recovered, audited), in one line; a month whose lock a live process
    holds is left alone, its directories being that run's own."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    killed = _killed_while_validating(months, url, "SIGKILL")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = list((months.home / "runs" / M1).glob(".staging-*-work"))
    assert len(left) == 1 and list(left[0].rglob("*.parquet")), left
    kept = pl.read_parquet(next(left[0].rglob("*.parquet")))
    assert "head_ethnicity" in kept.columns  # people's data, audit-only fields included
    # A month planned now by a live process (this one) keeps its directories.
    running = months.home / "runs" / "2026-09" / f".staging-{'0' * 32}-work"
    running.mkdir(parents=True)
    with Store.open(url) as store, store.month_lock("2026-09"):
        outcome = plan(months, url, M2, months.m2)
    assert not list((months.home / "runs").glob(f"{M1}/.staging-*"))
    assert running.is_dir()
    removed = [n for n in outcome.notices if "interrupted runs" in n]  # type: ignore[attr-defined]
    assert len(removed) == 1 and f"runs/{M1}:" in removed[0] and "已清理" in removed[0], removed
    with Store.open(url) as store:
        assert "lock.recover" in [e.action for e in store.audit_entries()]
    shutil.rmtree(running.parent)


def test_unreachable_store_is_a_clear_error(months: Months, cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli(
        "plan", "--month", M1, "--data", str(months.m1), "--home", str(months.home),
        "--store-url", "postgresql+psycopg://vp@127.0.0.1:9/none",
    )  # fmt: skip
    assert code == 2 and "Traceback" not in err
    assert "127.0.0.1:9" in err or "cannot" in err.lower()


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["--amend"], "修订须至少指定一个 --township", "--amend needs at least one --township"),
        (["--township", "532626001"], "--township 只用于 --amend", "--township is for --amend"),
    ],
)
def test_amend_options_that_do_not_fit_are_refused_in_both_languages(
    args: list[str], zh: str, en: str, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """Before any work, Chinese first with the English (the English alone before); the help
    names every exit code the command has (6 and 2 were missing)."""
    code, _, err = cli("plan", "--month", M1, "--data", str(tmp_path), *args)
    text = flat(err)
    assert code == 2 and "Traceback" not in err
    assert zh in text and en in text and text.index(zh) < text.index(en)
    code, out, _ = cli("plan", "--help")
    helptext = flat(out)
    assert code == 0
    for said in ("Exits 3", "4 when", "5 when", "6 when the Dask scheduler was lost", "2 on bad"):
        assert said in helptext, said


def test_plan_names_a_worker_with_no_hours_as_assign_does(
    months: Months, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """A worker keyed in with 0 hours: assign says it gets no household; plan said nothing
    (the input issues were in the diagnostics only). Pins' and forbids' issues stay the
    overrides' outcomes (input_notes leaves them out)."""
    import shutil

    from assignment.inputs import InputIssue
    from visit_planner.cli.plan import input_notes

    data = tmp_path / "data"
    shutil.copytree(months.m1, data)
    workers = pl.read_parquet(data / "workers.parquet")
    idle = workers["worker_id"][0]
    workers.with_columns(
        monthly_hours=pl.when(pl.col("worker_id") == idle)
        .then(0.0)
        .otherwise(pl.col("monthly_hours"))
    ).write_parquet(data / "workers.parquet")
    home = tmp_path / "ws"
    shutil.copytree(months.home, home)
    code, _, err = cli(
        "plan", "--month", M1, "--data", str(data), "--home", str(home),
        "--store-url", f"sqlite:///{tmp_path / 'store.db'}", "--workers-processes", "1",
    )  # fmt: skip
    assert code in (0, 3), err
    assert (
        f"输入 input: 1 名人员容量为零, 不会分配农户 1 worker(s) with zero capacity get no "
        f"households: {idle}"
    ) in flat(err)
    pin = InputIssue("infeasible_pin", "1", "pin H1→W1 breaks role and is ignored", ("H1",))
    zero = InputIssue("zero_capacity", "1", "1 名人员容量为零 / 1 worker(s) …", ("W1",))
    assert input_notes([pin, zero]) == [zero.message]


def test_warnings_of_a_previous_assignment_file_the_run_did_not_use_are_left_out(
    months: Months, tmp_path: Path
) -> None:
    """The month after a published run continues that run's plan, not the data's
    previous_assignment file; plan still printed the file's warnings ("884 rows ... left
    out") beside the run's own count of last month's pairs with a worker who has left. They
    are left out, said in one notice; in a programme's first month (the file is used) they
    stay, and an amendment (which continues the month's current run) leaves them out too."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    data = {}
    for month, source in ((M1, months.m1), (M2, months.m2)):
        data[month] = tmp_path / month
        shutil.copytree(source, data[month])
        path = data[month] / "previous_assignment.parquet"
        previous = pl.read_parquet(path)
        gone = previous.head(1).with_columns(worker_id=pl.lit("W9999999"))
        pl.concat([previous.slice(1), gone]).write_parquet(path)

    def about_the_file(outcome: object, month: str) -> list[object]:
        file = str(data[month] / "previous_assignment.parquet")
        return [p for p in outcome.input_warnings if p.file == file]  # type: ignore[attr-defined]

    first = plan(months, url, M1, data[M1])
    assert about_the_file(first, M1) and not any("未使用" in n for n in first.notices)  # type: ignore[attr-defined]
    second = plan(months, url, M2, data[M2])
    assert about_the_file(second, M2) == []
    run = f"{M1} v1 ({first.run.run_id[:12]})"  # type: ignore[attr-defined]
    assert (
        f"{data[M2] / 'previous_assignment.parquet'}: 未使用该文件: 本次沿用方案 {run} 的分配, "
        f"该文件的 1 条警告不适用 (not used: this run continues the assignment of run {run}; "
        "the file's 1 warning(s) do not apply)"
    ) in second.notices  # type: ignore[attr-defined]
    tw = RunReader(second.run_dir).townships()[0]  # type: ignore[attr-defined]
    amended = plan(months, url, M2, data[M2], amend_townships=(tw,))
    assert about_the_file(amended, M2) == []
    assert any(f"本次沿用方案 {M2} v1 (" in n for n in amended.notices)  # type: ignore[attr-defined]


def test_months_planned_out_of_order_say_which_plan_each_follows(
    months: Months,
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """December planned while November had no run, though October had: it read the data's
    previous_assignment file without a word, as in a programme's first month. November
    planned after it: December went on continuing that file, also without a word. Each now
    gets a note naming the month (and run) out of step, and what to plan."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    october = plan(months, url, "2026-10", months.m1)  # M1's data has no month.json
    assert not [n for n in october.notices if "尚无已发布方案" in n]  # type: ignore[attr-defined]
    # Its file holds October's own pairs (made for November), read as September's: said.
    assert (
        f"{months.m1 / 'previous_assignment.parquet'}: 上月结对的最近月份为 2026-10, 不是上月 "
        "2026-09;"
    ) in "\n".join(october.notices)  # type: ignore[attr-defined]
    december = plan(months, url, M2, months.m2)
    assert december.previous_run is None  # type: ignore[attr-defined]
    file = months.m2 / "previous_assignment.parquet"
    assert (
        f"上月 {M1} 尚无已发布方案 (已发布的最近月份为 2026-10), 上月结对取自数据文件 {file} "
        f"(月份 {M1}); 如需延续已发布的方案, 请先编制 {M1} ({M1} has no published run"
    ) in "\n".join(december.notices)  # type: ignore[attr-defined]
    assert not [n for n in december.notices if "不是上月" in n]  # type: ignore[attr-defined]
    november = plan(months, url, M1, months.m1)
    dec = f"{M2} v1 ({december.run.run_id[:12]})"  # type: ignore[attr-defined]
    assert (
        f"下月当前方案 {dec} 编制时 {M1} 尚无已发布方案, 其上月结对取自数据文件; {M1} 现在的"
        f"当前方案是 {M1} v1, 如需下月延续它, 请重新编制 {M2} (the next month's current run "
        f"{dec} was planned when {M1} had no published run"
    ) in november.notices[-1]  # type: ignore[attr-defined]
    again = plan(months, url, M2, months.m2)  # December continues November now
    assert again.previous_run.run_id == november.run.run_id  # type: ignore[attr-defined]
    assert not [n for n in again.notices if "尚无已发布方案" in n]  # type: ignore[attr-defined]
    # November planned again: December continues the first November run, now superseded,
    # as the plan's note and runs show say (runs show named no previous run at all).
    replanned = plan(months, url, M1, months.m1)
    nov = f"{M1} v1 ({november.run.run_id[:12]})"  # type: ignore[attr-defined]
    dec2 = f"{M2} v2 ({again.run.run_id[:12]})"  # type: ignore[attr-defined]
    assert replanned.notices[-1].startswith(f"下月当前方案 {dec2} 延续的是 {nov}; ")  # type: ignore[attr-defined]
    show = ("runs", "show", "--home", str(months.home), "--store-url", url)
    code, out, err = cli(*show, again.run.run_id)  # type: ignore[attr-defined]
    assert code == 0, err
    assert f"延续上月方案 continues {nov} (已被取代 superseded)" in out
    code, out, err = cli(*show, december.run.run_id)  # type: ignore[attr-defined]
    assert code == 0 and "continues" not in out and "input previous_assignment" in out, err


def test_plan_reads_last_months_plan_only_from_its_workspace(db_url: str, tmp_path: Path) -> None:
    """A store shared by URL, planned with another --home than last month's run's: plan ended
    in polars' FileNotFoundError (a traceback) reading last month's plan; now the store's
    refusal names the run and the workspace to give (store.published_run_dir)."""
    from tests.visit_planner.store.helpers import publish
    from visit_planner.errors import StoreError
    from visit_planner.paths import Workspace
    from visit_planner.plan_job import previous_from_run

    elsewhere = Workspace(tmp_path / "other_ws")
    with Store.open(db_url) as store:
        publish(store, "2026-11")
        with pytest.raises(StoreError, match="is in the store, but its files are not in the"):
            previous_from_run(store, elsewhere, "2026-12")
        assert previous_from_run(store, elsewhere, "2026-11") == (None, None)  # none before

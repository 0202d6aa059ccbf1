"""The inputs ``plan``, ``check-plan``, ``explain`` and ``generate`` are named by are refused in
the one wording of a path that is not there, with the option, before any work.

The defects: ``plan --policy /x`` said "策略文件不存在 (cannot read policy file: No such file
or directory)" after printing its heading and "✓ validate" (a policy with a TOML error too);
``check-plan --plan /x`` and ``explain --plan /x`` named the bare path, and the plan's alone
when other files were missing too; ``generate --previous-plan /x`` named the bare path. An
amendment's summary read ``re-solved: 532601001; v1,`` on a stream without Chinese.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from tests.visit_planner.helpers import flat
from visit_planner.contracts.input_paths import not_found

MONTH = "2026-11"


@pytest.mark.parametrize(
    ("policy", "said"),
    [
        ("gone.toml", "--policy {path}: 找不到文件或目录 (no such file or directory)"),
        ("bad.toml", "{path}: TOML 格式错误, 第 2 行第 13 列 (TOML syntax error: "),
    ],
    ids=["not-there", "not-toml"],
)
def test_plan_refuses_its_policy_before_the_heading_and_any_stage(  # type: ignore[no-untyped-def]
    policy: str, said: str, small_prefecture_dir: Path, tmp_path: Path, cli
) -> None:
    path = tmp_path / policy
    if policy == "bad.toml":
        path.write_text("[travel]\nspeed_kmh = = 25\n", encoding="utf-8")
    home = tmp_path / "ws"
    code, out, err = cli(
        "plan", "--month", MONTH, "--data", str(small_prefecture_dir), "--policy", str(path),
        "--home", str(home),
    )  # fmt: skip
    assert code == 2, (out, err)
    assert out == ""  # no heading "计划 plan 2026-11", no "✓ validate"
    assert flat(err).startswith("错误 ERROR: " + said.format(path=path)), err
    assert "Traceback" not in err
    assert not home.exists()  # nothing done: no workspace made


def test_check_plan_and_explain_name_every_missing_file_by_its_option(  # type: ignore[no-untyped-def]
    small_prefecture_dir: Path, tmp_path: Path, cli
) -> None:
    gone_plan, gone_scores = tmp_path / "plan.parquet", tmp_path / "scores.parquet"
    files = [
        *("--plan", str(gone_plan), "--scores", str(gone_scores)),
        *("--households", str(small_prefecture_dir / "households.parquet")),
        *("--workers", str(small_prefecture_dir / "workers.parquet")),
    ]
    expected = f"错误 ERROR: {not_found(gone_plan, '--plan')} {not_found(gone_scores, '--scores')}"
    for command in (["check-plan"], ["explain", "--household", "H0000001"]):
        code, out, err = cli(*command, *files)
        assert code == 2, (command, out, err)
        assert flat(err) == expected, (command, err)


def test_generate_names_a_missing_previous_plan_by_its_option(  # type: ignore[no-untyped-def]
    small_prefecture, tmp_path: Path, cli
) -> None:
    from visit_planner.synthetic import next_month as nm

    month = tmp_path / MONTH
    info = nm.generated_month_info(
        small_prefecture.households, small_prefecture.workers, month=MONTH, seed=1, scale=0.01
    )
    nm.write_month(small_prefecture.tables(), info, month)
    gone = tmp_path / "plan.parquet"
    out_dir = tmp_path / "next"
    code, out, err = cli(
        "generate", "--next-month-of", str(month), "--previous-plan", str(gone),
        "--out", str(out_dir),
    )  # fmt: skip
    assert code == 2, (out, err)
    assert f"错误 ERROR: --previous-plan {gone}: 找不到文件或目录 (no such file or directory)" in (
        flat(err)
    )
    assert not out_dir.exists()


def test_an_amendments_summary_reads_as_english_on_a_stream_without_chinese(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``重新求解 re-solved: 开化街道 (532601001); 其余 7 个乡镇沿用 v1, ...`` read
    ``re-solved: 532601001; v1,`` then the English on the next line: the Chinese after the
    townships had no English of its own beside it."""
    from visit_planner.cli.plan import print_amended
    from visit_planner.contracts.places import forget_places

    forget_places()  # the township by its code alone, whatever earlier tests of this process read
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    outcome = SimpleNamespace(
        amended=("532601001",),
        solved=SimpleNamespace(result=SimpleNamespace(diagnostics=pl.DataFrame({"x": range(8)}))),
        previous_run=SimpleNamespace(version=1),
    )
    print_amended(outcome)  # type: ignore[arg-type]
    stream.flush()
    text = stream.buffer.getvalue().decode("ascii")
    assert text.splitlines()[0] == "re-solved: 532601001"
    assert flat(text) == (
        "re-solved: 532601001 the other 7 township(s) are carried over from v1; the figures "
        "below are the whole run's"
    )

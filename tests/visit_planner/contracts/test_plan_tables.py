"""The plan commands' files read through their contracts: scores, plans, pins, forbids."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from visit_planner.contracts import read_table
from visit_planner.contracts.columns import SCORES
from visit_planner.contracts.plan_tables import read_plan_tables, table_fingerprint
from visit_planner.errors import ContractError
from visit_planner.plan_files import PlanPaths


def _scores(path: Path, p_tier1: list[str]) -> Path:
    pl.DataFrame({
        "household_id": [f"H{k}" for k in range(len(p_tier1))],
        "final_tier": ["1"] * len(p_tier1),
        "p_tier1": p_tier1,
        "model_tier": ["1"] * len(p_tier1),  # written by `score`: known, not warned about
    }).write_csv(path)  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("NaN", "must be between 0 and 1"),
        ("1.7", "must be between 0 and 1"),
        ("-0.5", "must be between 0 and 1"),
        ("", "null in a required field"),
        ("high", "value is not a number"),
    ],
)
def test_scores_contract_refuses_bad_probabilities(tmp_path: Path, value: str, rule: str) -> None:
    path = _scores(tmp_path / "scores.csv", ["0.2", value])
    with pytest.raises(ContractError) as err:
        read_table(path, "scores")
    text = str(err.value)
    assert f"{path}: column 'p_tier1'" in text and rule in text and "H1" in text
    # Each bad value once, under its most specific rule (a NaN is not also "null").
    assert err.value.problems == [text] and text.count("H1") == 1


def test_scores_contract_reads_a_good_file_without_warnings(tmp_path: Path) -> None:
    frame, warnings = read_table(_scores(tmp_path / "scores.csv", ["0.2", "1"]), "scores")
    assert frame.schema["final_tier"] == pl.Int8 and frame["p_tier1"].to_list() == [0.2, 1.0]
    assert frame["p_tier2"].null_count() == 2 and warnings == []


def test_every_file_is_reported_in_one_pass(tmp_path: Path) -> None:
    """Bad scores, a header-only workers file and an unreadable households file: one error
    naming all three."""
    scores = _scores(tmp_path / "scores.csv", ["2.0"])
    (tmp_path / "households.csv").write_text("household_id\nH0\n")
    (tmp_path / "workers.csv").write_text(
        "worker_id,role,county_id,township_id,village_id,grid_id,lon,lat,monthly_hours,"
        "max_households,own_household_id,active\n"
    )
    with pytest.raises(ContractError) as err:
        read_plan_tables(PlanPaths(scores, tmp_path / "households.csv", tmp_path / "workers.csv"))
    text = str(err.value)
    assert "households.csv: columns 'county_id', 'township_id', 'village_id'" in text
    assert "workers.csv: 没有人员 (the workers table has no rows" in text
    assert "scores.csv: column 'p_tier1': 须在 0 与 1 之间 / must be between 0 and 1 [" in text


def test_a_nan_and_a_blank_in_one_column_are_each_reported_once(tmp_path: Path) -> None:
    """The blank under "null", the NaN under the range rule with its value: not both twice."""
    with pytest.raises(ContractError) as err:
        read_table(_scores(tmp_path / "scores.csv", ["0.2", "NaN", ""]), "scores")
    null, out_of_range = err.value.problems
    assert "null in a required field" in null and "1 row: H2" in null and "H1" not in null
    assert "must be between 0 and 1" in out_of_range and "1 row: H1 (NaN)" in out_of_range


_FIXED = {  # a scores table as read: strings, a small integer, floats, nulls
    "household_id": ["H2", "H1", "H3"],
    "final_tier": [1, 3, 2],
    "p_tier1": [0.1, 1e-17, 2 / 3],
    "p_tier2": [None, 0.5, None],
    "p_tier3": [None, None, None],
    "model_version": ["7", None, "7"],
}
_FIXED_CODE = (
    "import polars as pl\n"
    "from visit_planner.contracts.columns import SCORES\n"
    "from visit_planner.contracts.plan_tables import table_fingerprint\n"
    f"print(table_fingerprint(pl.DataFrame({_FIXED!r}, schema=SCORES), 'scores'))\n"
)


def test_fingerprint_is_of_the_content_not_the_file(tmp_path: Path) -> None:
    """The same table as Parquet or as CSV with other column and row orders, CRLF line
    endings and GB18030 reads to the same fingerprint; one changed value changes it."""
    scores = _scores(tmp_path / "scores.csv", ["0.2", "1", "0.123456789012345"])
    frame, _ = read_table(scores, "scores")
    frame.write_parquet(tmp_path / "scores.parquet")
    shuffled = frame.select(reversed(frame.columns)).reverse()
    csv = shuffled.write_csv(line_terminator="\r\n").encode("gb18030")
    (tmp_path / "copy.csv").write_bytes(csv)
    fingerprints = {
        table_fingerprint(read_table(tmp_path / name, "scores")[0], "scores")
        for name in ("scores.csv", "scores.parquet", "copy.csv")
    }
    assert len(fingerprints) == 1 and fingerprints.pop().startswith("v1:")
    changed = frame.with_columns(pl.col("p_tier1").replace(0.2, 0.2000001))
    assert table_fingerprint(changed, "scores") != table_fingerprint(frame, "scores")
    assert table_fingerprint(frame.head(2), "scores") != table_fingerprint(frame, "scores")


def test_fingerprint_is_the_same_in_every_process_and_pinned() -> None:
    """No hash seed or memory layout in it: another interpreter gets the same value, and the
    recipe's value for a fixed table is pinned here, so that a polars upgrade that changed it
    (and so refused every earlier run's inputs) fails this test instead."""
    import subprocess
    import sys

    other = subprocess.run(
        [sys.executable, "-c", _FIXED_CODE], capture_output=True, text=True, check=True
    ).stdout.strip()
    fixed = pl.DataFrame(_FIXED, schema=SCORES)
    assert other == table_fingerprint(fixed, "scores") == PINNED
    assert table_fingerprint(fixed.reverse(), "scores") == PINNED  # row order is not content


PINNED = "v1:6dd7b79ae39a29fffe5d72957ac7b48e11b45b269a38f7557746156a842db81a"
"""The v1 fingerprint of ``_FIXED``."""


def test_a_type_error_says_what_the_value_must_be_chinese_first() -> None:
    """Not polars' dtype ('not a valid Float64'), which a township clerk cannot read."""
    from visit_planner.contracts.reader import cast_to_contract

    raw = pl.DataFrame({"id": ["a", "b"], "km": ["1.5", "far"], "n": ["2", "2.5"]})
    spec = {"id": pl.String(), "km": pl.Float64(), "n": pl.Int16()}
    _, problems = cast_to_contract(raw, spec, "x.csv", ("id",))
    assert [(p.column, p.rule, p.ids) for p in problems if p.severity == "error"] == [
        ("km", "类型错误, 应为数字 (value is not a number)", ("b",)),
        ("n", "类型错误, 应为整数 (value is not a whole number)", ("b",)),
    ]


def test_a_problems_row_count_has_thousands_separators() -> None:
    from visit_planner.contracts.report import Problem

    message = Problem("x.csv", "km", "rule", ("a", "b"), count=1500).message()
    assert message.endswith("— 1,500 rows: a, b and 1,498 more")

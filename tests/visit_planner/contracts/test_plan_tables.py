"""The plan commands' files read through their contracts: scores, plans, pins, forbids."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from visit_planner.contracts import read_table
from visit_planner.contracts.plan_tables import read_plan_tables
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
        ("high", "value is not a valid Float64"),
    ],
)
def test_scores_contract_refuses_bad_probabilities(tmp_path: Path, value: str, rule: str) -> None:
    path = _scores(tmp_path / "scores.csv", ["0.2", value])
    with pytest.raises(ContractError) as err:
        read_table(path, "scores")
    text = str(err.value)
    assert f"{path}: column 'p_tier1'" in text and rule in text and "H1" in text


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
    assert "households.csv: column 'county_id" in text
    assert "workers.csv: the workers table has no rows" in text
    assert "scores.csv: column 'p_tier1': must be between 0 and 1" in text

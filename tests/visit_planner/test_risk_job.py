"""risk_job wiring: policy [risk] -> library settings, data resolution, error conversion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from risk_model import household_spec, parse_spec
from visit_planner.errors import VisitPlannerError
from visit_planner.policy import load_policy
from visit_planner.risk_job import (
    RiskJobError,
    drift_path,
    read_data,
    resolve_data,
    risk_settings,
    user_errors,
)

GENERIC = """
id_column = "id"
[target]
column = "y"
classes = ["bad", "ok"]
[features]
numeric = ["x"]
"""


def test_household_settings_follow_the_policy() -> None:
    policy = load_policy()
    s = risk_settings(policy, household_spec())
    assert [list(r) for r in s.rule.cost] == policy.risk.cost_matrix
    assert [r.code for r in s.rules] == [r.code for r in policy.risk.rules]
    # min_tier 2 is class index 1 (tier 1 is index 0).
    assert all(r.min_class == 1 for r in s.rules)
    assert s.psi_threshold == policy.risk.psi_threshold
    assert s.gate.recall_tolerance == policy.risk.gate_recall_tolerance
    assert s.on_unseen == "error"


def test_other_datasets_get_the_ordinal_default_and_no_household_rules() -> None:
    s = risk_settings(load_policy(), parse_spec(GENERIC))
    assert s.rules == ()
    assert np.array_equal(s.rule.matrix, [[0.0, 2.0], [1.0, 0.0]])


def test_data_resolution_and_reading(tmp_path: Path) -> None:
    pl.DataFrame({"a": [1]}).write_parquet(tmp_path / "households.parquet")
    assert resolve_data(tmp_path) == tmp_path / "households.parquet"
    with pytest.raises(RiskJobError, match=r"no truth\.parquet or truth\.csv"):
        resolve_data(tmp_path, "truth")
    with pytest.raises(RiskJobError, match="no such file"):
        resolve_data(tmp_path / "nope.parquet")
    (tmp_path / "t.txt").write_text("x")
    with pytest.raises(RiskJobError, match="unsupported file type"):
        read_data(tmp_path / "t.txt")
    assert drift_path(Path("out/scores.parquet")) == Path("out/scores.drift.csv")


def test_library_errors_become_cli_errors() -> None:
    from risk_model import SpecError

    with pytest.raises(VisitPlannerError, match="bad spec"), user_errors():
        raise SpecError("bad spec")
    from risk_model.errors import ConfigError

    with pytest.raises(VisitPlannerError, match="cost matrix"), user_errors():
        raise ConfigError("cost matrix must be 3x3")


def test_a_bug_keeps_its_traceback() -> None:
    # Only the risk library's own errors are the user's; a stray ValueError is a bug.
    with pytest.raises(ValueError, match="a bug") as info, user_errors():
        raise ValueError("a bug")
    assert not isinstance(info.value, VisitPlannerError)

"""The overrides the store records as applied, against what a run's stored inputs hold."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from visit_planner.runs.check import applied_overrides, override_problems
from visit_planner.store.rows import OutcomeRow, OverrideRow


def _override(id_: int, kind: str, household: str, worker: str | None = None,
              tier: int | None = None) -> OverrideRow:  # fmt: skip
    return OverrideRow(
        id=id_, kind=kind, household_id=household, worker_id=worker, tier=tier, field=None,
        value=None, evidence=None, author="supervisor01", reason="r",
        created_at=datetime(2026, 11, 1, tzinfo=UTC), expires_on=None, status="active",
        revoked_by=None, revoked_at=None, revoke_reason=None,
    )  # fmt: skip


def test_applied_overrides_the_stored_inputs_do_not_hold_are_named() -> None:
    households = pl.DataFrame({"household_id": ["H1", "H2", "H3"], "tier": [1, 2, 3]})
    pins = pl.DataFrame({"household_id": ["H2"], "worker_id": ["W2"]})
    forbids = pl.DataFrame({"household_id": ["H3"], "worker_id": ["W3"]})
    held = [_override(1, "tier", "H1", tier=1), _override(2, "pin", "H2", "W2"),
            _override(3, "forbid", "H3", "W3"), _override(9, "tier", "H9", tier=1)]  # fmt: skip
    assert override_problems(held, households, pins, forbids) == []
    lost = [_override(4, "tier", "H1", tier=2), _override(5, "pin", "H3", "W1"),
            _override(6, "forbid", "H2", "W2")]  # fmt: skip
    problems = override_problems(lost, households, pins, None)
    assert [p.split(":")[0] for p in problems] == [
        "督导调整 override #4 (tier H1 tier 2)",
        "督导调整 override #5 (pin H3 W1)",
        "督导调整 override #6 (forbid H2 W2)",
    ]
    assert all("the store records it as applied in this run" in p for p in problems)


def test_only_the_overrides_applied_in_the_run_are_compared() -> None:
    rows = [_override(1, "pin", "H1", "W1"), _override(2, "pin", "H2", "W2")]
    outcomes = [OutcomeRow(1, "r1", "applied", ""), OutcomeRow(2, "r1", "not_applied", "left")]
    assert [o.id for o in applied_overrides(outcomes, rows)] == [1]

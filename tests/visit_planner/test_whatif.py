"""The township what-if's own refusals (visit_planner.whatif), Chinese first; the what-if
itself is tested through the dashboard (tests/dashboard/test_runs_township.py)."""

from __future__ import annotations

import pytest

from visit_planner.errors import VisitPlannerError
from visit_planner.policy import load_policy, settings_from_policy
from visit_planner.whatif import Changes, _settings


@pytest.mark.parametrize("per_month", [0.0, -1.0])
def test_a_cadence_of_no_visits_is_refused_in_both_languages(per_month: float) -> None:
    base = settings_from_policy(load_policy())
    with pytest.raises(VisitPlannerError) as err:
        _settings(base, Changes(visits_per_month={2: per_month}))
    assert str(err.value) == "每月走访次数须大于 0 (tier 2: visits per month must be > 0)"


def test_a_positive_cadence_replaces_the_tiers_and_keeps_the_rest() -> None:
    base = settings_from_policy(load_policy())
    got = _settings(base, Changes(visits_per_month={1: 3.0}))
    assert got.tiers[1].visits_per_month == 3.0
    assert got.tiers[1].role == base.tiers[1].role and got.tiers[2] == base.tiers[2]

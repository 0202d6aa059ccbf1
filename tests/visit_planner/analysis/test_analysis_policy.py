"""visit_planner.analysis.policy: tiers under another cost matrix, county inputs, scenarios."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from assignment.domain import AssignmentSettings
from risk_model.decision import DecisionRule
from visit_planner.analysis import policy
from visit_planner.errors import VisitPlannerError
from visit_planner.policy import load_policy


@pytest.fixture(scope="module")
def scored(small_prefecture) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Households and 'scores' made from the generator's Bayes probabilities."""
    hh = small_prefecture.households
    truth = small_prefecture.truth
    proba = truth.select("p_tier1", "p_tier2", "p_tier3").to_numpy()
    cost = load_policy().risk.cost_matrix
    tier = DecisionRule.from_matrix(cost, 3).decide(proba) + 1
    scores = truth.select("household_id", "p_tier1", "p_tier2", "p_tier3").with_columns(
        pl.Series("final_tier", tier.astype(np.int8))
    )
    return hh, scores


def test_missing_tier1_costs_scales_only_the_first_row() -> None:
    base = load_policy().risk.cost_matrix
    twice = policy.missing_tier1_costs(2.0)
    assert twice[0] == [0.0, base[0][1] * 2, base[0][2] * 2]
    assert twice[1:] == [list(r) for r in base[1:]]
    with pytest.raises(VisitPlannerError, match=r"倍数须大于 0 \(factor must be > 0, got 0.0\)"):
        policy.missing_tier1_costs(0.0)


def test_higher_cost_of_missing_tier1_calls_more_households_tier1(scored) -> None:
    hh, scores = scored
    county = policy.largest_county(hh)
    sizes = hh.group_by("county_id").len()
    assert sizes.filter(pl.col("county_id") == county)["len"][0] == sizes["len"].max()
    frame = policy.county_households(hh, scores, county)
    counts = [
        int((policy.tiers_under_costs(frame, policy.missing_tier1_costs(f))["tier"] == 1).sum())
        for f in (0.5, 1.0, 4.0)
    ]
    assert counts[0] <= counts[1] <= counts[2]
    assert counts[0] < counts[2]


def test_policy_rules_still_raise_tiers() -> None:
    frame = pl.DataFrame(
        {
            "household_id": ["a", "b"],
            "elderly_living_alone": [True, False],
            "housing_safety_grade": ["D", "D"],
            "poverty_relapse_watch": [False, False],
            "serious_illness_members": [0, 0],
            "p_tier1": [0.01, 0.01],
            "p_tier2": [0.01, 0.01],
            "p_tier3": [0.98, 0.98],
        }
    )
    tiers = policy.tiers_under_costs(frame, load_policy().risk.cost_matrix)
    assert tiers["tier"].to_list() == [2, 3]  # the rule raises 'a' (alone, grade-D housing)
    assert tiers["risk"].to_list() == [0.01, 0.01]


def test_county_households_needs_every_score(scored) -> None:
    hh, scores = scored
    county = str(hh["county_id"][0])
    frame = policy.county_households(hh, scores, county)
    assert frame.height == hh.filter(pl.col("county_id") == county).height
    assert {"tier", "risk", "p_tier1"} <= set(frame.columns)
    first = frame["household_id"].sort()[0]
    with pytest.raises(VisitPlannerError, match=first):
        policy.county_households(hh, scores.filter(pl.col("household_id") != first), county)
    with pytest.raises(VisitPlannerError, match="no households") as refused:
        policy.county_households(hh, scores, "999999")
    for code in hh["county_id"].unique():  # the counties there are, by name and code
        assert policy.county_label(code) in str(refused.value)
    assert "(" in policy.county_label(county)  # a known county: its name as well


def test_choose_county_by_code_or_name_before_training(scored) -> None:
    """VISIT_PLANNER_NB_COUNTY=Guangnan used to be refused only after the model was trained
    (half a minute later), and a name was never accepted: the notebook printed counties by
    name and code but took only the code."""
    hh, _ = scored
    largest = policy.largest_county(hh)
    assert policy.choose_county(hh, None) == largest == policy.choose_county(hh, " ")
    code = hh["county_id"].unique().sort()[0]
    zh, en = policy.county_label(code).split(" (")[0].split(" ")
    for spelled in (code, zh, zh[:-1], en, en.upper(), f" {en.lower()} "):
        assert policy.choose_county(hh, spelled) == code, spelled
    with pytest.raises(VisitPlannerError, match=r"county Gaungnan: no households in the data; "
                       r"counties in the data: .*\(" + code + r"\)"):  # fmt: skip
        policy.choose_county(hh, "Gaungnan")


def test_scenarios() -> None:
    s = AssignmentSettings()
    cadence = policy.cadence_scenarios(s, 3, [1 / 3, 1.0])
    assert [c.name for c in cadence] == [
        "三类户 tier 3: 每季度 1 次 / quarterly",
        "三类户 tier 3: 每月 1 次 / 1 a month",
    ]
    assert [c.settings.tier(3).visits_per_month for c in cadence] == [1 / 3, 1.0]
    frame = pl.DataFrame(
        {
            "household_id": ["a"], "elderly_living_alone": [False],
            "housing_safety_grade": ["A"], "poverty_relapse_watch": [False],
            "serious_illness_members": [0], "p_tier1": [0.3], "p_tier2": [0.3], "p_tier3": [0.4],
        }
    )  # fmt: skip
    costs = policy.cost_scenarios(frame, s, [1.0, 4.0])
    assert [c.params["cost_factor"] for c in costs] == [1.0, 4.0]
    assert [c.name for c in costs] == [  # Chinese first, as the cadence scenarios
        "漏判一类户代价 ×1 / cost of missing a tier 1 ×1",
        "漏判一类户代价 ×4 / cost of missing a tier 1 ×4",
    ]
    assert policy.cost_scenario_name(0.5) == "漏判一类户代价 ×0.5 / cost of missing a tier 1 ×0.5"
    assert all(c.tiers is not None for c in costs)
    assert policy.county_label("532627") == "广南县 Guangnan (532627)"

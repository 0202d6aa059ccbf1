"""Pure parts: rules, drift (PSI), reasons tables, per-group error rates."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from risk_model.drift import drift_reference, drift_report, psi
from risk_model.fairness import group_error_rates, metric_frame, tier1_fpr, tier1_recall
from risk_model.reasons import ReasonTables, contributions, explain, fit_reason_tables
from risk_model.rules import Rule, apply_rules


def test_rules_only_raise_and_the_strictest_wins() -> None:
    frame = pl.DataFrame({"a": [True, True, False, None], "b": [5, 1, 9, 9]})
    rules = [Rule("a_rule", "a", 1), Rule("b_rule", "b >= 5", 0)]
    out = apply_rules(frame, np.array([2, 0, 2, 2]), rules)
    assert out.final.tolist() == [0, 0, 0, 0]
    assert out.raised.tolist() == [True, False, True, True]
    assert out.rule_code.to_list() == ["b_rule", None, "b_rule", "b_rule"]
    only_a = apply_rules(frame, np.array([2, 2, 2, 2]), rules[:1])
    assert only_a.final.tolist() == [1, 1, 2, 2]  # null never matches


def test_psi_known_value_and_zero_for_same_distribution() -> None:
    assert psi(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == 0.0
    expected = 0.1 * math.log(0.6 / 0.5) * 1 + (-0.1) * math.log(0.4 / 0.5)
    assert psi(np.array([0.5, 0.5]), np.array([0.6, 0.4])) == pytest.approx(expected)


def test_drift_reference_round_trip_and_unseen_levels(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    ref = drift_reference(toy_frame, toy_spec)
    assert set(ref) == set(toy_spec.features)
    rep = drift_report(ref, toy_frame.with_columns(pl.lit("west").alias("region")), 0.2)
    row = rep.filter(pl.col("feature") == "region").row(0, named=True)
    assert row["flagged"] and row["psi"] > 1


def test_reason_tables_on_a_known_additive_function(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    # A "model" whose P(top class) is additive: the curves recover it and fidelity is 1.
    def predict_top(f: pl.DataFrame) -> np.ndarray:
        return (
            0.1
            + 0.002 * f["age"].cast(pl.Float64)
            + 0.2 * f["smoker"].cast(pl.Float64)
            + 0.05 * (f["region"] == "north").cast(pl.Float64)
        ).to_numpy()

    tables = fit_reason_tables(predict_top, toy_frame.head(200), toy_spec, grid_size=8)
    assert tables.fidelity_r2 == pytest.approx(1.0, abs=1e-6)
    smoker = next(e for e in tables.effects if e.feature == "smoker")
    assert smoker.effect[1] - smoker.effect[0] == pytest.approx(0.2)
    c = contributions(tables, toy_frame.head(5))
    assert c.shape == (5, 4)
    back = ReasonTables.from_dict(tables.to_dict())
    assert back == tables
    reasons = explain(tables, toy_frame.head(50))
    smokers = toy_frame.head(50)["smoker"].to_list()
    for row, is_smoker in zip(reasons.to_list(), smokers, strict=True):
        texts = [x["text"] for x in row]
        if is_smoker:
            assert any(t.startswith("吸烟 / smoker +0.") for t in texts)


def test_group_error_rates_hand_checked() -> None:
    y = np.array([0, 0, 0, 1, 2, 0, 1, 2, 2, 2])
    pred = np.array([0, 0, 1, 0, 2, 1, 1, 2, 2, 2])
    groups = {"g": np.array(["a"] * 5 + ["b"] * 5)}
    rep = group_error_rates(y, pred, groups, min_positives=1, min_negatives=1)
    t = rep.table.sort("group")
    assert t["tier1_recall"].to_list() == pytest.approx([2 / 3, 0.0])
    assert t["tier1_fpr"].to_list() == pytest.approx([0.5, 0.0])
    assert t["n_tier1"].to_list() == [3, 1]
    assert rep.recall_gap["g"] == pytest.approx(2 / 3)
    assert rep.largest_gap == pytest.approx(2 / 3)
    strict = group_error_rates(y, pred, groups, min_positives=2, min_negatives=1)
    assert math.isnan(strict.recall_gap["g"])  # group b has a single tier-1 household


def test_group_error_rates_are_fairlearns_metric_frame(households, truth, policy_rule) -> None:  # type: ignore[no-untyped-def]
    # 400 assessed households, predicted by the policy's decision on the Bayes probabilities;
    # the Yao households' tier-1 ones are left out, so one group has no true tier 1 (recall NaN).
    assessed = households.filter(
        pl.col("assessed_tier").is_not_null()
        & ~((pl.col("head_ethnicity") == "yao") & (pl.col("assessed_tier") == 1))
    )
    sample = assessed.gather_every(assessed.height // 400).head(400)
    probs = sample.select("household_id").join(truth, on="household_id", maintain_order="left")
    y = (sample["assessed_tier"] - 1).to_numpy()
    pred = policy_rule.decide(probs.select("p_tier1", "p_tier2", "p_tier3").to_numpy())
    columns = ("head_ethnicity", "head_gender", "county_id")
    rep = group_error_rates(y, pred, {a: sample[a].to_numpy() for a in columns})
    for attribute in columns:
        ours = rep.table.filter(pl.col("attribute") == attribute)
        theirs = metric_frame(y, pred, sample[attribute].to_numpy()).by_group
        assert ours["group"].to_list() == [str(g) for g in theirs.index]
        for metric in ("n", "n_tier1", "tier1_recall", "tier1_fpr"):
            np.testing.assert_allclose(ours[metric].to_numpy(), theirs[metric].to_numpy())
    yao = rep.table.filter(pl.col("group") == "yao").row(0, named=True)
    assert yao["n"] > 0 and yao["n_tier1"] == 0 and math.isnan(yao["tier1_recall"])
    assert (rep.table["tier1_recall"] > 0).any()  # not a frame where every rate is 0 or NaN


def test_metric_functions_handle_empty_groups() -> None:
    assert math.isnan(tier1_recall(np.array([1, 2]), np.array([0, 0])))
    assert math.isnan(tier1_fpr(np.array([0, 0]), np.array([0, 1])))


def test_household_fairness_groups_cover_ethnicity_gender_county(household_result) -> None:  # type: ignore[no-untyped-def]
    t = household_result.evaluation.fairness.table
    assert set(t["attribute"]) == {"head_ethnicity", "head_gender", "county_id"}
    assert set(household_result.evaluation.fairness.recall_gap) == {
        "head_ethnicity",
        "head_gender",
        "county_id",
    }


def test_unused_feature_and_missing_category_get_zero_effect(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    frame = toy_frame.head(300).with_columns(
        pl.when(pl.col("visits") > 3).then(None).otherwise(pl.col("region")).alias("region")
    )

    def predict_top(f: pl.DataFrame) -> np.ndarray:  # ignores region entirely
        return (0.2 + 0.003 * f["age"].cast(pl.Float64)).to_numpy()

    tables = fit_reason_tables(predict_top, frame, toy_spec)
    region = next(e for e in tables.effects if e.feature == "region")
    assert region.grid[-1] == "<missing>"
    assert np.allclose(region.effect, 0.0)
    assert np.allclose(contributions(tables, frame)[:, 3], 0.0)

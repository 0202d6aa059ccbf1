"""Exact attributions: contributions + base reproduce the model's tier-1 score, every kind."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from risk_model import train
from risk_model.attribution import attribute, fidelity, reference, tier1_log_odds
from risk_model.decision import DecisionRule, ordinal_cost_matrix
from risk_model.reasons import ReasonTables, explain
from risk_model.training import predict_proba
from tests.risk_model.helpers import FAST, bare_tables


@pytest.mark.parametrize("kind", ["hgb", "logistic", "scorecard"])
def test_contributions_add_up_to_the_model_output(kind, households, policy_rule) -> None:  # type: ignore[no-untyped-def]
    from risk_model import household_spec

    spec = household_spec()
    params = FAST.params if kind == "hgb" else {}
    r = train(
        households, spec, policy_rule, config=replace(FAST, kind=kind, params=params, select=False)
    )
    rows = households.head(500)
    att = attribute(r.pipeline, rows, spec, r.reason_tables.reference)
    assert att.contributions.shape == (500, len(spec.features))
    total = att.base + att.contributions.sum(axis=1)
    np.testing.assert_allclose(total, att.output, atol=1e-9)
    proba = predict_proba(r.pipeline, rows, spec.n_classes)
    fid = fidelity(att, proba)
    assert fid.max_abs_error < 1e-9
    if kind == "scorecard":
        assert att.unit == "points"
        np.testing.assert_array_equal(
            att.output,
            r.pipeline.named_steps["clf"].decision_function(
                r.pipeline.named_steps["features"].transform(rows)
            ),
        )
        assert 0.3 < fid.r2_log_odds <= 1.0
    else:
        # The explained output IS the model's tier-1 log-odds from its own probabilities.
        assert att.unit == "log-odds"
        np.testing.assert_allclose(total, tier1_log_odds(proba), atol=1e-6)
        assert fid.r2_log_odds == pytest.approx(1.0, abs=1e-9)
    assert r.reason_tables.method == "exact"
    assert r.reason_tables.fidelity_max_error < 1e-9


def test_binary_models_explain_the_log_odds_of_the_first_class(toy_frame) -> None:  # type: ignore[no-untyped-def]
    from risk_model import parse_spec
    from tests.risk_model.helpers import TOY_SPEC

    spec = parse_spec(
        TOY_SPEC.replace('classes = ["high", "medium", "low"]', 'classes = ["high", "low"]')
    )
    frame = toy_frame.with_columns(pl.col("severity").replace({"medium": "low"}))
    rule = DecisionRule.from_matrix(ordinal_cost_matrix(2), 2)
    for kind in ("hgb", "logistic"):
        params = FAST.params if kind == "hgb" else {}
        r = train(frame, spec, rule, config=replace(FAST, kind=kind, params=params, select=False))
        att = attribute(r.pipeline, frame.head(300), spec, r.reason_tables.reference)
        p = predict_proba(r.pipeline, frame.head(300), 2)
        np.testing.assert_allclose(
            att.base + att.contributions.sum(axis=1), np.log(p[:, 0] / p[:, 1]), atol=1e-6
        )


def test_linear_contributions_are_coefficient_times_deviation(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    rule = DecisionRule.from_matrix(ordinal_cost_matrix(3), 3)
    r = train(
        toy_frame, toy_spec, rule, config=replace(FAST, kind="logistic", params={}, select=False)
    )
    ref = reference(r.pipeline, toy_frame)
    a = attribute(r.pipeline, toy_frame.head(3), toy_spec, ref)
    b = attribute(r.pipeline, toy_frame.head(3).with_columns(age=pl.col("age") + 10), toy_spec, ref)
    coef = r.pipeline.named_steps["clf"].coef_
    scale = r.pipeline.named_steps["features"].scale_["age"]
    slope = (coef[0, 0] - coef[1:, 0].mean()) / scale
    np.testing.assert_allclose(b.contributions[:, 0] - a.contributions[:, 0], 10 * slope)
    np.testing.assert_allclose(b.contributions[:, 1:], a.contributions[:, 1:])


def test_reason_texts_carry_units_and_leave_out_zero_contributions() -> None:
    from risk_model import household_spec

    spec = household_spec().without(
        [
            f
            for f in household_spec().features
            if f not in ("serious_illness_members", "elderly_living_alone", "hazard_exposure")
        ]
    )
    tables = bare_tables(spec)
    frame = pl.DataFrame(
        {
            "serious_illness_members": [1, 2],
            "elderly_living_alone": [True, False],
            "hazard_exposure": ["flood", None],
        }
    )
    contrib = np.array([[0.42, 0.001, -0.3], [0.8, -0.2, 0.0]])  # spec order: numeric, bool, cat
    reasons = explain(tables, frame, contributions_matrix=contrib).to_list()
    assert [x["text"] for x in reasons[0]] == [
        "重病成员数 1 人 / seriously ill members: 1 person +0.42",
        "灾害风险 洪涝 / hazard exposure: flood -0.30",
    ]  # the +0.001 of "alone" rounds to 0.00 and is no reason
    assert [x["text"] for x in reasons[1]] == [
        "重病成员数 2 人 / seriously ill members: 2 people +0.80",
        "独居老人：否 / elderly living alone: no -0.20",
    ]
    assert ReasonTables.from_dict(tables.to_dict()) == tables


def test_a_previous_tier_is_named_not_given_as_its_code() -> None:
    # It read "上次评估类别 1 / previous tier: 1": the tier's code, not its name.
    from risk_model import household_spec

    spec = household_spec().without(
        [f for f in household_spec().features if f not in ("previous_tier", "housing_safety_grade")]
    )
    tables = bare_tables(spec)
    frame = pl.DataFrame(
        {"housing_safety_grade": ["D", "A", None], "previous_tier": ["1", "3", None]}
    )
    contrib = np.array([[0.2, 1.1], [-0.1, -0.6], [0.3, 0.4]])  # housing, previous tier
    texts = [
        [x["text"] for x in r]
        for r in explain(tables, frame, contributions_matrix=contrib).to_list()
    ]
    assert texts == [
        ["上次评估 一类户 / previous assessment: tier 1 +1.10",
         "住房安全等级 D级 / housing safety grade: D +0.20"],
        ["上次评估 三类户 / previous assessment: tier 3 -0.60",
         "住房安全等级 A级 / housing safety grade: A -0.10"],
        # No previous tier is a first assessment, not a gap; a missing grade is one.
        ["上次评估 无 (首次评估) / previous assessment: none (first assessment) +0.40",
         "住房安全等级：缺失 / housing safety grade: missing +0.30"],
    ]  # fmt: skip
    # Tables of a model trained before level words show the level as it is.
    older = ReasonTables.from_dict({**tables.to_dict(), "level_labels": {}})
    old = explain(older, frame.head(1), contributions_matrix=contrib[:1]).to_list()
    assert old[0][0]["text"] == "上次评估 1 / previous assessment: 1 +1.10"


def test_reason_texts_of_missing_negative_and_fractional_values(toy_spec) -> None:  # type: ignore[no-untyped-def]
    tables = bare_tables(toy_spec)
    frame = pl.DataFrame(
        {
            "age": [None, -0.1, 42.25],
            "visits": [0.1, 1.0, 2.0],
            "smoker": [None, True, False],
            "region": [None, "north", "south"],
        },
        schema_overrides={"age": pl.Float64, "smoker": pl.Boolean},
    )
    contrib = np.array([[0.5, 0.0, 0.3, -0.2], [-0.4, 0.0, 0.3, 0.2], [0.9, 0.0, -0.1, 0.0]])
    texts = [
        [x["text"] for x in r]
        for r in explain(tables, frame, contributions_matrix=contrib).to_list()
    ]
    assert texts[0] == [
        "age：缺失 / age: missing +0.50",
        "吸烟：缺失 / smoker: missing +0.30",
        "region：缺失 / region: missing -0.20",
    ]
    assert texts[1] == [
        "age -0.1 / age: -0.1 -0.40",
        "吸烟 / smoker +0.30",
        "region north / region: north +0.20",
    ]
    assert texts[2] == ["age 42.2 / age: 42.2 +0.90", "吸烟：否 / smoker: no -0.10"] or texts[
        2
    ] == [
        "age 42.3 / age: 42.3 +0.90",
        "吸烟：否 / smoker: no -0.10",
    ]


def test_tree_path_attribution_adds_up_and_is_kept_with_the_model(households, policy_rule) -> None:  # type: ignore[no-untyped-def]
    """The fast path (Saabas) attribution is chosen at training, stored in the reference the
    model carries, used again at scoring, adds up exactly, and is not the Shapley values."""
    from risk_model import household_spec
    from risk_model.card import model_card

    spec = household_spec()
    config = replace(FAST, kind="hgb", select=False)
    shapley = train(households, spec, policy_rule, config=config)
    path = train(households, spec, policy_rule, config=replace(config, tree_reasons="path"))
    assert shapley.reason_tables.reference == {"tree_method": "shapley"}
    assert path.reason_tables.reference == {"tree_method": "path"}
    rows = households.head(400)
    a_path = attribute(path.pipeline, rows, spec, path.reason_tables.reference)
    a_shap = attribute(path.pipeline, rows, spec, shapley.reason_tables.reference)
    for att in (a_path, a_shap):
        np.testing.assert_allclose(att.base + att.contributions.sum(axis=1), att.output, atol=1e-9)
    np.testing.assert_allclose(a_path.output, a_shap.output)
    assert np.abs(a_path.contributions - a_shap.contributions).max() > 1e-3
    # A model saved before the choice existed carries {}: Shapley values, as then.
    np.testing.assert_array_equal(
        attribute(path.pipeline, rows, spec, {}).contributions, a_shap.contributions
    )
    assert "Saabas path attribution" in model_card(path, data_name="test")
    assert "TreeSHAP Shapley values" in model_card(shapley, data_name="test")


def test_unknown_tree_reasons_are_refused_before_training(households, policy_rule) -> None:  # type: ignore[no-untyped-def]
    from risk_model import household_spec
    from risk_model.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^树模型原因的计算方法须为 shapley 或 path \("):
        train(
            households,
            household_spec(),
            policy_rule,
            config=replace(FAST, kind="hgb", tree_reasons="fast"),
        )

"""train / evaluate end to end: households against the Bayes limit, any dataset via a spec."""

from __future__ import annotations

import numpy as np
import pytest

from risk_model import SpecError, train
from risk_model.decision import DecisionRule, ordinal_cost_matrix
from tests.risk_model.helpers import FAST


def test_household_model_is_near_the_bayes_limit(household_result) -> None:  # type: ignore[no-untyped-def]
    r = household_result
    b = r.evaluation.bayes
    assert b is not None
    # Even a 25-tree model on ~7 k rows is within 10 % of the Bayes limit. It may score a
    # little below the limit on the finite held-out sample (sampling noise), never far below:
    # a large negative gap would mean the model saw the test labels.
    assert -3.0 < b.log_loss_gap_pct < 10.0
    assert b.cross_entropy_gap_pct < 10.0
    assert abs(b.macro_f1_gap) < 0.1
    assert set(r.baseline_evaluations) == {"logistic", "scorecard"}
    assert r.n_train + r.n_test == r.n_labelled
    lo, hi = r.evaluation.metrics.tier1_recall_ci
    assert lo <= r.evaluation.metrics.tier1_recall <= hi


def test_metrics_include_baselines_and_gaps(household_result) -> None:  # type: ignore[no-untyped-def]
    m = household_result.metrics()
    for key in (
        "log_loss",
        "macro_f1",
        "tier1_recall",
        "bayes_log_loss",
        "log_loss_gap_pct",
        "logistic_log_loss",
        "scorecard_macro_f1",
        "gap_recall_head_ethnicity",
        "reasons_fidelity_r2",
    ):
        assert key in m, key


def test_any_dataset_trains_from_a_spec(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    rule = DecisionRule.from_matrix(ordinal_cost_matrix(3), 3)
    r = train(toy_frame, toy_spec, rule, config=FAST)
    assert r.evaluation.bayes is None
    assert r.evaluation.metrics.macro_f1 > 0.4
    assert set(r.evaluation.fairness.table["attribute"]) == {"sex", "region"}
    assert r.pipeline.named_steps["features"].input_columns_ == [
        "age",
        "visits",
        "smoker",
        "region",
    ]
    assert r.test_proba.shape == (r.n_test, 3)
    # The held-out clinics are not in the training rows.
    assert r.n_test > 0
    assert np.isclose(r.test_proba.sum(axis=1), 1).all()


def test_missing_spec_column_and_unknown_class_are_clear_errors(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    rule = DecisionRule.from_matrix(ordinal_cost_matrix(3), 3)
    with pytest.raises(SpecError, match="missing column"):
        train(toy_frame.drop("smoker"), toy_spec, rule, config=FAST)
    odd = toy_frame.with_columns(toy_frame["severity"].replace({"low": "none"}))
    with pytest.raises(SpecError, match=r"\['none'\] not among the spec's classes"):
        train(odd, toy_spec, rule, config=FAST)


def test_class_absent_from_labels_is_refused(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    rule = DecisionRule.from_matrix(ordinal_cost_matrix(3), 3)
    no_high = toy_frame.filter(toy_frame["severity"] != "high")
    with pytest.raises(SpecError, match=r"no labelled rows of class\(es\) \['high'\]"):
        train(no_high, toy_spec, rule, config=FAST)


def test_training_is_deterministic(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    rule = DecisionRule.from_matrix(ordinal_cost_matrix(3), 3)
    a = train(toy_frame, toy_spec, rule, config=FAST)
    b = train(toy_frame, toy_spec, rule, config=FAST)
    assert np.array_equal(a.test_proba, b.test_proba)

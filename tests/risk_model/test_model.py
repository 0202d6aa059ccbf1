"""Model pipelines: the default HGB, the logistic and scorecard baselines, sklearn contracts."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from risk_model.errors import ConfigError
from risk_model.model import (
    PointsScorecard,
    WeightedHGBClassifier,
    build_pipeline,
    class_weights,
    stratified_hold_out_fits,
)
from risk_model.spec import household_spec
from tests.risk_model.helpers import input_columns


def _xy(toy_spec, toy_frame):  # type: ignore[no-untyped-def]
    return toy_frame.select(toy_spec.features), toy_spec.encode_target(toy_frame["severity"])


@pytest.mark.parametrize("kind", ["hgb", "logistic", "scorecard"])
def test_every_kind_fits_and_gives_probabilities(kind, toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    x, y = _xy(toy_spec, toy_frame)
    params = {"max_iter": 20} if kind == "hgb" else {}
    pipe = build_pipeline(toy_spec, kind, **params).fit(x, y)
    p = pipe.predict_proba(x)
    assert p.shape == (x.height, 3)
    assert np.allclose(p.sum(axis=1), 1.0)
    # Better than the class prior: the features carry signal.
    prior = np.bincount(y) / len(y)
    ll = -np.mean(np.log(p[np.arange(len(y)), y]))
    ll_prior = -np.mean(np.log(prior[y]))
    assert ll < ll_prior - 0.05
    assert input_columns(pipe) == ["age", "visits", "smoker", "region"]


def test_household_pipeline_never_reads_audit_or_identifier_columns(households) -> None:  # type: ignore[no-untyped-def]
    spec = household_spec()
    data = households.filter(households["assessed_tier"].is_not_null())
    pipe = build_pipeline(spec, "hgb", max_iter=5).fit(
        data, spec.encode_target(data["assessed_tier"])
    )
    cols = input_columns(pipe)
    for forbidden in (
        "head_ethnicity",
        "head_gender",
        "household_id",
        "lon",
        "lat",
        "assessed_tier",
        "village_id",
        "county_id",
    ):
        assert forbidden not in cols
    assert pipe.named_steps["features"].n_features_in_ == len(spec.features)


def test_class_weights() -> None:
    y = np.array([0] + [1] * 3 + [2] * 6)
    assert np.allclose(class_weights(y, 3, None), 1.0)
    bal = class_weights(y, 3, "balanced")
    assert np.allclose(bal, [10 / 3, 10 / 9, 10 / 18])
    assert np.allclose(class_weights(y, 3, "sqrt_balanced"), np.sqrt(bal))
    with pytest.raises(ConfigError, match="3 positive weights"):
        class_weights(y, 3, [1.0, 2.0])


def test_weight_prior_shift_is_undone() -> None:
    # No features carry signal: a calibrated model predicts the class frequencies whatever
    # the class weights were during fitting.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 2))
    y = rng.choice(3, size=4000, p=[0.1, 0.3, 0.6])
    for cw in (None, "balanced"):
        clf = WeightedHGBClassifier(
            class_weight=cw, max_iter=10, min_samples_leaf=500, early_stopping=False
        ).fit(x, y)
        assert np.allclose(clf.predict_proba(x).mean(axis=0), [0.1, 0.3, 0.6], atol=0.02)


def test_scorecard_points_are_small_integers_and_described(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    x, y = _xy(toy_spec, toy_frame)
    pipe = build_pipeline(toy_spec, "scorecard").fit(x, y)
    card: PointsScorecard = pipe.named_steps["clf"]
    rows = card.describe(toy_spec.features)
    assert rows and all(isinstance(r["points"], int) and 0 < r["points"] <= 10 for r in rows)
    smoker = [r for r in rows if r["feature"] == "smoker"]
    assert smoker and smoker[0]["level"].startswith("[0.5")  # smokers score points
    totals = card.decision_function(pipe.named_steps["features"].transform(x))
    p = pipe.predict_proba(x)
    # More points, more risk: P(high) rises with the total.
    hi, lo = totals >= np.quantile(totals, 0.9), totals <= np.quantile(totals, 0.1)
    assert p[hi, 0].mean() > p[lo, 0].mean()


def test_estimators_clone_with_their_parameters() -> None:
    est = WeightedHGBClassifier(max_iter=7, class_weight=None)
    assert clone(est).get_params()["max_iter"] == 7
    assert clone(PointsScorecard(n_bins=3)).get_params()["n_bins"] == 3


def test_unknown_kind_is_refused(toy_spec) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="unknown model kind 'forest'"):
        build_pipeline(toy_spec, "forest")  # type: ignore[arg-type]


def test_a_class_of_one_row_fits_the_trees_without_early_stopping() -> None:
    """A tiny table: scikit-learn's stratified early-stopping split raised a ValueError (a
    traceback out of `train`) when a class had one row; the trees now fit without it."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(11, 2))
    y = np.array([0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2])  # class 0: one row
    assert not stratified_hold_out_fits(y, 0.1)
    clf = WeightedHGBClassifier(max_iter=5).fit(x, y)
    assert clf.early_stopping_skipped_ is True
    assert clf.predict_proba(x).shape == (11, 3)
    # Enough rows of every class: early stopping as before.
    y_big = np.repeat([0, 1, 2], 40)
    assert stratified_hold_out_fits(y_big, 0.1)
    big = WeightedHGBClassifier(max_iter=5).fit(rng.normal(size=(120, 2)), y_big)
    assert big.early_stopping_skipped_ is False
    # A tenth of 12 rows is 2: fewer than the 3 classes it must hold.
    assert not stratified_hold_out_fits(np.repeat([0, 1, 2], 4), 0.1)

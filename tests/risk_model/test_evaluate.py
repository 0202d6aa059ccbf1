"""Split, metrics and the Bayes-limit comparison."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from risk_model.evaluate import (
    classification_metrics,
    compare_to_bayes,
    expected_calibration_error,
    group_split,
    log_loss,
    wilson_interval,
)


def test_group_split_keeps_groups_whole_and_is_deterministic(toy_frame) -> None:  # type: ignore[no-untyped-def]
    a = group_split(toy_frame, "clinic_id", test_fraction=0.25, seed=3)
    b = group_split(toy_frame, "clinic_id", test_fraction=0.25, seed=3)
    assert np.array_equal(a, b)
    test_clinics = set(toy_frame.filter(pl.Series(a))["clinic_id"])
    train_clinics = set(toy_frame.filter(pl.Series(~a))["clinic_id"])
    assert not test_clinics & train_clinics
    assert len(test_clinics) == 10  # 25 % of 40 clinics
    assert not np.array_equal(a, group_split(toy_frame, "clinic_id", test_fraction=0.25, seed=4))


def test_row_split_without_groups(toy_frame) -> None:  # type: ignore[no-untyped-def]
    m = group_split(toy_frame, None, test_fraction=0.2)
    assert m.sum() == 600


def test_wilson_interval_known_value() -> None:
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-3)
    assert hi == pytest.approx(0.9433, abs=1e-3)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_metrics_on_a_hand_checked_case(policy_rule) -> None:  # type: ignore[no-untyped-def]
    y = np.array([0, 0, 1, 2, 2, 2])
    proba = np.array(
        [
            [0.9, 0.05, 0.05],
            [0.1, 0.1, 0.8],
            [0.1, 0.8, 0.1],
            [0.0, 0.1, 0.9],
            [0.0, 0.2, 0.8],
            [0.0, 0.9, 0.1],
        ]
    )
    m = classification_metrics(y, proba, policy_rule)
    assert m.confusion == [[1, 0, 1], [0, 1, 0], [0, 1, 2]]
    assert m.tier1_recall == 0.5
    assert m.recall == pytest.approx([0.5, 1.0, 2 / 3])
    assert m.precision == pytest.approx([1.0, 0.5, 2 / 3])
    assert m.log_loss == pytest.approx(log_loss(y, proba))
    assert m.macro_f1 == pytest.approx(np.mean([2 / 3, 2 / 3, 2 / 3]))


def test_perfectly_calibrated_probabilities_have_small_ece() -> None:
    rng = np.random.default_rng(0)
    p1 = rng.uniform(size=50_000)
    proba = np.stack([p1, 1 - p1], axis=1)
    y = (rng.uniform(size=50_000) > p1).astype(int)  # class 0 with probability p1
    assert expected_calibration_error(y, proba) < 0.01
    assert expected_calibration_error(y, proba[:, ::-1]) > 0.2


def test_bayes_comparison_is_zero_for_the_bayes_probabilities(policy_rule) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    p = rng.dirichlet([1, 2, 6], size=5000)
    y = np.array([rng.choice(3, p=row) for row in p])
    same = compare_to_bayes(y, p, p, policy_rule)
    assert same.log_loss_gap_pct == pytest.approx(0.0)
    assert same.macro_f1_gap == pytest.approx(0.0)
    flat = np.tile(p.mean(axis=0), (len(y), 1))
    worse = compare_to_bayes(y, flat, p, policy_rule)
    assert worse.log_loss_gap_pct > 5 and worse.cross_entropy_gap_pct > 5

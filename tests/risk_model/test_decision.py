"""Decision rule: expected cost, not argmax by accident."""

from __future__ import annotations

import numpy as np
import pytest

from risk_model.decision import DecisionRule, decide, ordinal_cost_matrix, validate_cost_matrix
from risk_model.errors import ConfigError

POLICY = [[0.0, 3.0, 6.0], [1.0, 0.0, 1.5], [1.5, 1.0, 0.0]]


def test_zero_one_cost_is_argmax() -> None:
    p = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3], [0.1, 0.1, 0.8]])
    assert decide(p, 1 - np.eye(3)).tolist() == [1, 0, 2]


def test_policy_cost_raises_a_likely_tier1_above_argmax() -> None:
    # argmax says tier 3, but missing a true tier 1 costs 6: expected costs are
    # predict 1: .35*1 + .4*1.5 = .95, predict 2: .25*3 + .4*1 = 1.15, predict 3: .25*6 + .35 = 1.85
    p = np.array([[0.25, 0.35, 0.40]])
    assert decide(p, np.array(POLICY)).tolist() == [0]
    assert int(np.argmax(p)) == 2


def test_ties_go_to_the_higher_risk_tier() -> None:
    assert decide(np.array([[0.5, 0.5]]), np.array([[0.0, 1.0], [1.0, 0.0]])).tolist() == [0]


def test_rule_validates_shape_and_diagonal() -> None:
    with pytest.raises(ConfigError, match="3x3"):
        DecisionRule.from_matrix([[0, 1], [1, 0]], 3)
    with pytest.raises(ConfigError, match="diagonal"):
        validate_cost_matrix([[1, 1], [1, 0]], 2)
    with pytest.raises(ConfigError, match=">= 0"):
        validate_cost_matrix([[0, -1], [1, 0]], 2)


def test_ordinal_default_penalises_missing_the_top_class() -> None:
    m = ordinal_cost_matrix(3, miss_top=2.0)
    assert m.tolist() == [[0, 2, 4], [1, 0, 1], [2, 1, 0]]
    rule = DecisionRule.from_matrix(m, 3)
    assert rule.decide(np.array([[0.38, 0.42, 0.20]])).tolist() == [0]  # argmax: 1

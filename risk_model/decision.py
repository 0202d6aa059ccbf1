"""The decision rule: from class probabilities to an ordinal tier, by minimum expected cost.

Tiers are ordinal and the errors are not equal: sending a true tier-1 household to a grid
worker once a quarter is far worse than visiting a tier-3 household too often. So the tier is

    tier(x) = argmin_j  Σ_i  P(i | x) · cost[i][j]          (i = true, j = predicted)

with ``cost`` from the policy (``[risk] cost_matrix``). A 0/1 cost matrix gives plain argmax.
Ties go to the higher-risk tier (lower index): the conservative choice. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from risk_model.errors import ConfigError


def validate_cost_matrix(cost: Sequence[Sequence[float]], n_classes: int) -> np.ndarray:
    """Return ``cost`` as an array after checking shape, non-negativity and a zero diagonal."""
    m = np.asarray(cost, dtype=np.float64)
    if m.shape != (n_classes, n_classes):
        raise ConfigError(f"cost matrix must be {n_classes}x{n_classes}, got shape {m.shape}")
    if (m < 0).any():
        raise ConfigError("cost matrix entries must be >= 0")
    if np.any(np.diag(m) != 0):
        raise ConfigError("cost matrix diagonal (a correct tier) must be 0")
    return m


def ordinal_cost_matrix(n_classes: int, miss_top: float = 2.0) -> np.ndarray:
    """Default costs for a spec without its own: |i - j|, and ``miss_top`` x for a missed class 0.

    Class 0 is the highest risk; under-predicting it costs ``miss_top`` times the distance.
    """
    i, j = np.indices((n_classes, n_classes))
    m = np.abs(i - j).astype(np.float64)
    m[0, 1:] *= miss_top
    return m


def expected_costs(proba: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Expected cost of predicting each class, shape (n, k): ``proba @ cost``."""
    return np.asarray(proba, dtype=np.float64) @ cost


def decide(proba: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Class index (0 = highest risk) of minimum expected cost for each row of ``proba``."""
    return np.argmin(expected_costs(proba, cost), axis=1).astype(np.int8)


@dataclass(frozen=True)
class DecisionRule:
    """A validated cost matrix and the decision it implies."""

    cost: tuple[tuple[float, ...], ...]

    @classmethod
    def from_matrix(cls, cost: Sequence[Sequence[float]], n_classes: int) -> DecisionRule:
        """Validate ``cost`` for ``n_classes`` and wrap it."""
        m = validate_cost_matrix(cost, n_classes)
        return cls(tuple(tuple(float(v) for v in row) for row in m))

    @property
    def matrix(self) -> np.ndarray:
        """The cost matrix as an array (true x predicted)."""
        return np.asarray(self.cost, dtype=np.float64)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Class indices of minimum expected cost."""
        return decide(proba, self.matrix)

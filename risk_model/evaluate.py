"""Held-out evaluation: group-wise split, classification and calibration metrics, Bayes limit.

All functions are pure (arrays / polars frames in, dataclasses out). Class index 0 is the
highest-risk class ("tier 1"). Tier decisions come from :mod:`risk_model.decision`, so the
Bayes classifier is the same decision rule applied to the true probabilities.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import polars as pl

from risk_model.decision import DecisionRule
from risk_model.errors import ConfigError


def group_split(
    frame: pl.DataFrame, group_column: str | None, *, test_fraction: float = 0.2, seed: int = 0
) -> np.ndarray:
    """Boolean mask of held-out (test) rows; whole groups go to one side.

    Groups (e.g. villages) are sorted, shuffled with ``seed`` and taken until ``test_fraction``
    of the groups is held out, so neighbours never straddle the split. Without a group column
    every row is its own group. Same data and seed → same split.
    """
    if not 0 < test_fraction < 1:
        raise ConfigError(f"test_fraction must be in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    if group_column is None:
        n = frame.height
        test = np.zeros(n, dtype=bool)
        test[rng.permutation(n)[: max(1, round(n * test_fraction))]] = True
        return test
    groups = frame[group_column].cast(pl.String).fill_null("<null>")
    uniq = groups.unique().sort().to_numpy()
    chosen = uniq[rng.permutation(len(uniq))[: max(1, round(len(uniq) * test_fraction))]]
    return groups.is_in(chosen.tolist()).to_numpy()


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion (95 % by default); (nan, nan) when n = 0."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


def log_loss(y: np.ndarray, proba: np.ndarray, eps: float = 1e-15) -> float:
    """Mean negative log-likelihood of the true class."""
    p = np.clip(proba[np.arange(len(y)), y], eps, 1.0)
    return float(-np.mean(np.log(p)))


def expected_calibration_error(y: np.ndarray, proba: np.ndarray, n_bins: int = 15) -> float:
    """Class-wise ECE: mean over classes of Σ_bins (n_b / n) |mean p - observed frequency|."""
    k = proba.shape[1]
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    total = 0.0
    for c in range(k):
        p = proba[:, c]
        hit = (y == c).astype(np.float64)
        b = np.clip(np.digitize(p, edges[1:-1]), 0, n_bins - 1)
        sum_p = np.bincount(b, weights=p, minlength=n_bins)
        sum_y = np.bincount(b, weights=hit, minlength=n_bins)
        total += float(np.abs(sum_p - sum_y).sum() / len(y))
    return total / k


def confusion(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """Confusion counts, rows = true class, columns = predicted class."""
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (y, pred), 1)
    return m


@dataclass
class Metrics:
    """Held-out metrics of one model (or of the Bayes classifier)."""

    n: int
    log_loss: float
    macro_f1: float
    ece: float
    precision: list[float]
    recall: list[float]
    f1: list[float]
    confusion: list[list[int]]
    tier1_recall: float
    tier1_recall_ci: tuple[float, float]
    tier1_precision: float
    accuracy: float

    @property
    def tier1_recall_shown(self) -> float:
        """The highest-risk class's recall as a table shows it: NaN (``—``) when no held-out
        row is of that class, where :attr:`tier1_recall` is 0 (kept for the gate and MLflow).
        A rare class all of whose rows fell in training read ``0.000``, as if the model had
        missed every one, beside an interval saying none was held out."""
        return self.tier1_recall if sum(self.confusion[0]) > 0 else math.nan

    def flat(self, prefix: str = "") -> dict[str, float]:
        """Scalar metrics for tracking: ``{prefix}macro_f1`` etc. (class i as ``_c{i+1}``)."""
        out = {
            "log_loss": self.log_loss,
            "macro_f1": self.macro_f1,
            "ece": self.ece,
            "accuracy": self.accuracy,
            "tier1_recall": self.tier1_recall,
            "tier1_recall_ci_low": self.tier1_recall_ci[0],
            "tier1_recall_ci_high": self.tier1_recall_ci[1],
            "tier1_precision": self.tier1_precision,
        }
        for i, (p, r) in enumerate(zip(self.precision, self.recall, strict=True)):
            out[f"precision_c{i + 1}"] = p
            out[f"recall_c{i + 1}"] = r
        return {f"{prefix}{k}": float(v) for k, v in out.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict."""
        return asdict(self)


def classification_metrics(y: np.ndarray, proba: np.ndarray, rule: DecisionRule) -> Metrics:
    """Metrics of probabilities ``proba`` against true class indices ``y`` under ``rule``."""
    y = np.asarray(y, dtype=np.int64)
    k = proba.shape[1]
    pred = rule.decide(proba).astype(np.int64)
    cm = confusion(y, pred, k)
    tp = np.diag(cm).astype(np.float64)
    col = cm.sum(axis=0).astype(np.float64)
    row = cm.sum(axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(col > 0, tp / col, 0.0)
        recall = np.where(row > 0, tp / row, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return Metrics(
        n=len(y),
        log_loss=log_loss(y, proba),
        macro_f1=float(f1.mean()),
        ece=expected_calibration_error(y, proba),
        precision=precision.tolist(),
        recall=recall.tolist(),
        f1=f1.tolist(),
        confusion=cm.tolist(),
        tier1_recall=float(recall[0]),
        tier1_recall_ci=wilson_interval(int(cm[0, 0]), int(row[0])),
        tier1_precision=float(precision[0]),
        accuracy=float(tp.sum() / len(y)),
    )


@dataclass
class BayesComparison:
    """The model against the Bayes-optimal classifier on the same held-out rows."""

    model: Metrics
    bayes: Metrics
    log_loss_gap_pct: float  # 100 * (model - bayes) / bayes, on the held-out labels
    macro_f1_gap: float  # bayes - model (positive: the model is worse)
    cross_entropy_gap_pct: float  # same as log_loss_gap but against the true probabilities
    extra: dict[str, float] = field(default_factory=dict)

    def flat(self) -> dict[str, float]:
        """Scalar metrics for tracking (``bayes_*`` and the gaps)."""
        return {
            **self.bayes.flat("bayes_"),
            "log_loss_gap_pct": self.log_loss_gap_pct,
            "macro_f1_gap": self.macro_f1_gap,
            "cross_entropy_gap_pct": self.cross_entropy_gap_pct,
        }


def compare_to_bayes(
    y: np.ndarray, proba: np.ndarray, bayes_proba: np.ndarray, rule: DecisionRule
) -> BayesComparison:
    """Compare ``proba`` with the exact Bayes probabilities ``bayes_proba`` (same rows).

    Besides the label log-loss of both, reports the expected cross-entropy against the true
    probabilities, Σ p_true log q — a lower-variance measure of the same gap.
    """
    model = classification_metrics(y, proba, rule)
    bayes = classification_metrics(y, bayes_proba, rule)
    q = np.clip(proba, 1e-15, 1.0)
    p = np.clip(bayes_proba, 1e-15, 1.0)
    ce_model = float(-np.mean(np.sum(bayes_proba * np.log(q), axis=1)))
    ce_bayes = float(-np.mean(np.sum(bayes_proba * np.log(p), axis=1)))
    return BayesComparison(
        model=model,
        bayes=bayes,
        log_loss_gap_pct=100.0 * (model.log_loss - bayes.log_loss) / bayes.log_loss,
        macro_f1_gap=bayes.macro_f1 - model.macro_f1,
        cross_entropy_gap_pct=100.0 * (ce_model - ce_bayes) / ce_bayes,
    )

# ruff: noqa: N803, N806  (scikit-learn names the feature matrix X)
"""Exact feature attributions: contributions that add up to the model's own output.

What is explained is the model's **tier-1 score** (the highest-risk class, index 0) in
log-odds units: s(x) = log p_0(x) - mean_{k>0} log p_k(x). With two classes this is the
log-odds of class 0; with three it is the log-odds of tier 1 against the geometric mean of
the other tiers. Because the logistic model and the boosted trees produce softmax logits,
s(x) is a linear function of their raw outputs, so an attribution of the raw outputs is an
attribution of s:

* **logistic** (:class:`~sklearn.linear_model.LogisticRegression`): exact log-odds
  contributions a_j (x_j - m_j) of every encoded column j, summed per feature (a one-hot
  categorical's columns together), with m the training mean of the encoded column;
  base = s at the training mean. Closed form, as fast as a prediction.
* **hgb** (HistGradientBoosting): by default TreeSHAP (path-dependent, exact Shapley values
  of the trees' raw outputs) from the ``shap`` library — the only module that imports it;
  or, chosen at training (``tree_method="path"``), the same library's path attribution
  (Saabas: each split's change of the expected output is credited to its feature along the
  row's own path). Both add up exactly to the trees' output; Shapley values average over
  feature orderings, the path attribution follows one ordering (features split near the
  root get more credit) at a fraction of the CPU (100,000 households: the whole ``score()``
  2.3 vs 17.7 CPU s, ``bench/bench_risk.py --scale 0.1 --kind hgb --no-select
  --tree-reasons path|shapley``). shap's
  reader of HistGradientBoosting ignores native categorical splits (measured: its sums were
  off by up to 12 log-odds units), so the boosted model codes categoricals as ordinal integers
  and :func:`attribute` refuses a model with native categorical splits.
* **scorecard** (:class:`~risk_model.model.PointsScorecard`): its own additive output, the
  total points: a feature's contribution is its points minus the training mean of its
  points; base = the training mean of the total. Exact for the total; the total's
  relation to the tier-1 log-odds is the scorecard's table (see the fidelity R²).

:func:`fidelity` measures how exactly base + Σ contributions reproduces the explained output
(max absolute error) and how much of the model's own tier-1 log-odds it explains (R²).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sklearn.pipeline import Pipeline

from risk_model.errors import ConfigError
from risk_model.spec import FeatureSpec

EPS = 1e-300
TREE_METHODS = ("shapley", "path")  # how boosted trees are explained (module docstring)


@dataclass(frozen=True)
class Attribution:
    """Per-row contributions (n, n_features in spec order), base, and the explained output."""

    contributions: np.ndarray
    base: float
    output: np.ndarray  # the explained output as the model computes it (not from the sum)
    unit: str  # "log-odds" or "points"


@dataclass(frozen=True)
class Fidelity:
    """How faithful base + Σ contributions is to the model (see the module docstring)."""

    max_abs_error: float  # vs the explained output
    r2_log_odds: float  # vs the model's own tier-1 log-odds from its probabilities
    rows: int


def tier1_log_odds(proba: np.ndarray) -> np.ndarray:
    """s = log p_0 - mean_{k>0} log p_k of each row of class probabilities."""
    logp = np.log(np.maximum(proba, EPS))
    return logp[:, 0] - logp[:, 1:].mean(axis=1)


def method_of(pipeline: Pipeline) -> str:
    """``linear``, ``treeshap`` or ``points``: how :func:`attribute` explains this model."""
    from risk_model.model import PointsScorecard, WeightedHGBClassifier

    clf = pipeline.named_steps["clf"]
    if isinstance(clf, WeightedHGBClassifier):
        return "treeshap"
    if isinstance(clf, PointsScorecard):
        return "points"
    if hasattr(clf, "coef_") and hasattr(clf, "intercept_"):
        return "linear"
    raise ConfigError(f"no exact attribution for a {type(clf).__name__} model")


def _feature_blocks(enc: Any, spec: FeatureSpec) -> np.ndarray:
    """Start offset of each feature's block of encoded columns (spec.features order)."""
    sizes = [1] * (len(enc.numeric) + len(enc.boolean))
    if enc.mode == "onehot":
        sizes += [len(enc.categories_[c]) for c in enc.categorical]
    else:
        sizes += [1] * len(enc.categorical)
    if tuple(enc.input_columns_) != tuple(spec.features):
        raise ConfigError("the model's input columns differ from the spec's features")
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)


def _reduce(cols: np.ndarray, starts: np.ndarray) -> np.ndarray:
    if cols.shape[1] == len(starts):
        return cols
    return np.add.reduceat(cols, starts, axis=1)


def check_tree_method(tree_method: str) -> None:
    """Refuse a boosted-tree reason method other than ``TREE_METHODS``."""
    if tree_method not in TREE_METHODS:
        raise ConfigError(
            f"树模型原因的计算方法须为 {' 或 '.join(TREE_METHODS)} (--tree-reasons must be "
            f"{' or '.join(TREE_METHODS)}, got {tree_method!r})"
        )


def reference(
    pipeline: Pipeline, sample: pl.DataFrame, *, tree_method: str = "shapley"
) -> dict[str, Any]:
    """What attribution needs from the training data: the mean encoded row (linear) or the
    mean points per feature (scorecard); for trees only the method (``TREE_METHODS``), since
    their base is the trees' own. Stored with the model, so scoring explains as training did.
    """
    check_tree_method(tree_method)
    method = method_of(pipeline)
    enc = pipeline.named_steps["features"]
    if method == "linear":
        return {"mean": enc.transform(sample).mean(axis=0).tolist()}
    if method == "points":
        clf = pipeline.named_steps["clf"]
        levels = clf._levels(enc.transform(sample))
        pts = np.column_stack([p[levels[:, j]] for j, p in enumerate(clf.points_)])
        return {"mean": pts.mean(axis=0).tolist()}
    return {"tree_method": tree_method}


def _linear(pipeline: Pipeline, X: np.ndarray, ref: dict[str, Any], starts: np.ndarray) -> Any:
    clf = pipeline.named_steps["clf"]
    W, B = np.asarray(clf.coef_, np.float64), np.asarray(clf.intercept_, np.float64)
    if W.shape[0] == 1:  # binary: the logit of class 1; class 0 has logit 0
        W, B = np.vstack([np.zeros_like(W), W]), np.concatenate([[0.0], B])
    a = W[0] - W[1:].mean(axis=0)
    c = float(B[0] - B[1:].mean())
    mean = np.asarray(ref["mean"], np.float64)
    contrib = _reduce((X - mean) * a, starts)
    return contrib, c + float(a @ mean), X @ a + c


def _treeshap(pipeline: Pipeline, X: np.ndarray, *, path: bool) -> Any:
    clf = pipeline.named_steps["clf"]
    est = clf.estimator_
    cat = getattr(est, "is_categorical_", None)
    if cat is not None and np.asarray(cat).any():
        raise ConfigError(
            "exact reasons need a boosted model without native categorical splits (shap "
            "mis-reads them); retrain with this version of visit-planner"
        )
    with warnings.catch_warnings():
        # shap's plotting module, loaded with the package, calls matplotlib APIs that warn of
        # their own deprecation; nothing about our model. Silenced for the import only.
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import shap  # heavy (numba): imported only for tree models

    explainer = shap.TreeExplainer(est)
    # approximate=True is shap's name for the path (Saabas) attribution; exact in sum too.
    sv = np.asarray(explainer.shap_values(X, check_additivity=False, approximate=path), np.float64)
    ev = np.atleast_1d(np.asarray(explainer.expected_value, np.float64))
    raw = np.asarray(est.decision_function(X), np.float64).reshape(len(X), -1)
    logw = np.log(np.asarray(clf.weights_, np.float64)[clf.classes_])
    shift = float(logw[0] - logw[1:].mean())  # the class weights' prior shift, undone
    if sv.ndim == 2:  # binary: one raw output = log-odds of class 1
        return -sv, float(-ev[0]) - shift, -raw[:, 0] - shift
    contrib = sv[:, :, 0] - sv[:, :, 1:].mean(axis=2)
    base = float(ev[0] - ev[1:].mean()) - shift
    return contrib, base, raw[:, 0] - raw[:, 1:].mean(axis=1) - shift


def _points(pipeline: Pipeline, X: np.ndarray, ref: dict[str, Any]) -> Any:
    clf = pipeline.named_steps["clf"]
    levels = clf._levels(X)
    pts = np.column_stack([p[levels[:, j]] for j, p in enumerate(clf.points_)]).astype(float)
    mean = np.asarray(ref["mean"], np.float64)
    return pts - mean, float(mean.sum()), clf.decision_function(X).astype(np.float64)


def attribute(
    pipeline: Pipeline,
    frame: pl.DataFrame,
    spec: FeatureSpec,
    ref: dict[str, Any],
    *,
    encoded: np.ndarray | None = None,
) -> Attribution:
    """Exact contributions of every feature for every row of ``frame`` (module docstring).

    ``encoded``: ``frame`` already through the pipeline's encoder, if the caller has it.
    """
    method = method_of(pipeline)
    enc = pipeline.named_steps["features"]
    starts = _feature_blocks(enc, spec)
    X = enc.transform(frame) if encoded is None else encoded
    if method == "linear":
        contrib, base, out = _linear(pipeline, X, ref, starts)
    elif method == "treeshap":
        # Models trained before the choice existed stored {}: Shapley values, as then.
        path = ref.get("tree_method", "shapley") == "path"
        contrib, base, out = _treeshap(pipeline, X, path=path)
    else:
        contrib, base, out = _points(pipeline, X, ref)
    unit = "points" if method == "points" else "log-odds"
    return Attribution(np.ascontiguousarray(contrib), base, out, unit)


def fidelity(att: Attribution, proba: np.ndarray) -> Fidelity:
    """Max |base + Σ contributions - explained output| and R² against the tier-1 log-odds."""
    total = att.base + att.contributions.sum(axis=1)
    n = len(total)
    if n == 0:
        return Fidelity(math.nan, math.nan, 0)
    s = tier1_log_odds(proba)
    ss_tot = float(np.sum((s - s.mean()) ** 2))
    if att.unit == "points":  # points are not log-odds: R² of the best linear map of them
        r = np.corrcoef(total, s)[0, 1] if ss_tot > 0 and total.std() > 0 else math.nan
        r2 = float(r * r)
    else:
        r2 = 1.0 - float(np.sum((s - total) ** 2)) / ss_tot if ss_tot > 0 else math.nan
    return Fidelity(float(np.max(np.abs(total - att.output))), r2, n)

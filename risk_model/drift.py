"""Drift: population stability index (PSI) of each feature, training data vs scored data.

The training data is the whole file the model was trained from (training and held-out
villages, unlabelled rows too), so scoring that file again shows no drift.

PSI = Σ_bins (a - e) · ln(a / e) over the bins of the training distribution (e = expected
share, a = actual share; both floored at 1e-4 so an empty bin stays finite). Numeric
features use the training deciles (distinct edges); booleans and categoricals use their
levels, plus a bin for values unseen in training and one for missing values. A PSI above the
threshold (policy ``psi_threshold``, 0.2 by default: the usual "significant shift") is flagged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from risk_model.spec import FeatureSpec

EPS = 1e-4
MISSING = "<missing>"
OTHER = "<unseen>"


def _numeric_bins(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    b = np.searchsorted(edges, x, side="right")
    return np.where(np.isnan(x), len(edges) + 1, b)


def _shares(counts: np.ndarray) -> list[float]:
    total = counts.sum()
    return (counts / total).tolist() if total else [0.0] * len(counts)


def drift_reference(frame: pl.DataFrame, spec: FeatureSpec) -> dict[str, Any]:
    """Binned training distribution of every feature (JSON-friendly; logged to MLflow)."""
    ref: dict[str, Any] = {}
    for c in spec.numeric:
        x = frame[c].cast(pl.Float64).fill_null(np.nan).to_numpy()
        edges = (
            np.unique(np.nanquantile(x, np.linspace(0.1, 0.9, 9)))
            if np.isfinite(x).any()
            else np.array([])
        )
        counts = np.bincount(_numeric_bins(x, edges), minlength=len(edges) + 2)
        ref[c] = {"kind": "numeric", "edges": edges.tolist(), "shares": _shares(counts)}
    for c in (*spec.boolean, *spec.categorical):
        s = frame[c].cast(pl.String)
        levels = s.drop_nulls().unique().sort().to_list()
        counts = np.array([int((s == v).sum()) for v in levels] + [0, s.null_count()])
        ref[c] = {"kind": "levels", "levels": levels, "shares": _shares(counts)}
    return ref


def _actual_shares(frame: pl.DataFrame, col: str, entry: dict[str, Any]) -> np.ndarray:
    if entry["kind"] == "numeric":
        edges = np.asarray(entry["edges"], float)
        x = frame[col].cast(pl.Float64).fill_null(np.nan).to_numpy()
        counts = np.bincount(_numeric_bins(x, edges), minlength=len(edges) + 2)
    else:
        s = frame[col].cast(pl.String)
        levels = entry["levels"]
        known = [int((s == v).sum()) for v in levels]
        unseen = int((~s.is_in(levels)).fill_null(False).sum())
        counts = np.array([*known, unseen, s.null_count()])
    total = counts.sum()
    return counts / total if total else counts.astype(float)


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two share vectors over the same bins."""
    e = np.maximum(np.asarray(expected, float), EPS)
    a = np.maximum(np.asarray(actual, float), EPS)
    return float(np.sum((a - e) * np.log(a / e)))


def drift_report(
    reference: dict[str, Any], frame: pl.DataFrame, threshold: float = 0.2
) -> pl.DataFrame:
    """One row per feature: ``feature``, ``psi``, ``flagged`` (psi > threshold), sorted by psi."""
    rows = []
    for col, entry in reference.items():
        if col not in frame.columns:
            continue
        value = psi(np.asarray(entry["shares"]), _actual_shares(frame, col, entry))
        rows.append({"feature": col, "psi": value, "flagged": value > threshold})
    out = pl.DataFrame(
        rows, schema={"feature": pl.String, "psi": pl.Float64, "flagged": pl.Boolean}
    )
    return out.sort(["psi", "feature"], descending=[True, False])

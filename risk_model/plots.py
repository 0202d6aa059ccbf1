"""PNG plots of a training run (matplotlib, Agg backend: no display needed).

Each function draws one figure from plain arrays / frames and writes it to ``path``. Chinese
labels (group names such as 壮族, features' Chinese labels) are drawn with the CJK font of
:func:`risk_model.fonts.use_cjk_font` (Debian's ``fonts-noto-cjk``), not as empty
boxes with a "Glyph missing" warning per character.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import polars as pl

from risk_model.fonts import use_cjk_font


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def confusion_plot(matrix: Sequence[Sequence[int]], labels: Sequence[str], path: Path) -> Path:
    """Confusion matrix, rows = true, columns = predicted, with counts."""
    m = np.asarray(matrix)
    use_cjk_font()  # before the figure's text is made; cheap after the first call
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    ax.imshow(m, cmap="Blues")
    for (i, j), v in np.ndenumerate(m):
        ax.text(
            j, i, str(v), ha="center", va="center", color="white" if v > m.max() / 2 else "black"
        )
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion matrix (held-out)")
    return _save(fig, path)


def calibration_bins(y_top: np.ndarray, p: np.ndarray, n_bins: int = 10) -> dict[str, list[float]]:
    """The reliability curve's points of one model: per quantile bin of ``p`` (non-empty
    ones), the mean predicted P(highest-risk class), the observed share and the count (logged
    as ``calibration.json`` so that a reader can draw the curve in its own language)."""
    edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1)))
    # One bin at least: a model that predicts one probability for every row (a tiny table's
    # trees without a split) has a single edge, and would get bin -1.
    bins = max(len(edges) - 1, 1)
    b = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    cnt = np.bincount(b, minlength=bins)
    ok = cnt > 0
    mean_p = np.bincount(b, weights=p, minlength=bins)[ok] / cnt[ok]
    freq = np.bincount(b, weights=y_top, minlength=bins)[ok] / cnt[ok]
    return {
        "mean_predicted": [float(x) for x in mean_p],
        "observed": [float(x) for x in freq],
        "n": [int(x) for x in cnt[ok]],
    }


def calibration_plot(
    y_top: np.ndarray, probas: Mapping[str, np.ndarray], path: Path, n_bins: int = 10
) -> Path:
    """Reliability curve of P(highest-risk class) for each model (quantile bins)."""
    use_cjk_font()  # before the figure's text is made; cheap after the first call
    fig, ax = plt.subplots(figsize=(4.4, 4.0))
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    top = 0.0
    for name, p in probas.items():
        bins = calibration_bins(y_top, p, n_bins)
        mean_p, freq = np.array(bins["mean_predicted"]), np.array(bins["observed"])
        ax.plot(mean_p, freq, marker="o", ms=3, label=name)
        top = max(top, float(mean_p.max()), float(freq.max()))
    ax.set_xlim(0, min(1.0, top * 1.1 + 0.01))
    ax.set_ylim(0, min(1.0, top * 1.1 + 0.01))
    ax.set_xlabel("predicted P(tier 1)")
    ax.set_ylabel("observed share tier 1")
    ax.set_title("Calibration (held-out)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def importance_plot(importance: Mapping[str, float], path: Path, top: int = 15) -> Path:
    """Horizontal bars of feature importance (largest first)."""
    items = sorted(importance.items(), key=lambda kv: -kv[1])[:top][::-1]
    use_cjk_font()  # before the figure's text is made; cheap after the first call
    fig, ax = plt.subplots(figsize=(5.5, 0.3 * len(items) + 1.2))
    ax.barh([k for k, _ in items], [v for _, v in items], color="#4477aa")
    ax.set_xlabel("effect range on P(tier 1)")
    ax.set_title("Feature importance (partial dependence)")
    return _save(fig, path)


def group_plot(table: pl.DataFrame, path: Path) -> Path:
    """Tier-1 recall and FPR per group, one panel per attribute."""
    attributes = table["attribute"].unique().sort().to_list()
    use_cjk_font()  # before the figure's text is made; cheap after the first call
    fig, axes = plt.subplots(
        len(attributes) or 1, 1, figsize=(6.0, 2.4 * max(1, len(attributes))), squeeze=False
    )
    for ax, attr in zip(axes[:, 0], attributes, strict=False):
        t = table.filter(pl.col("attribute") == attr)
        x = np.arange(t.height)
        ax.bar(x - 0.2, t["tier1_recall"].fill_nan(0).to_numpy(), 0.4, label="tier-1 recall")
        ax.bar(x + 0.2, t["tier1_fpr"].fill_nan(0).to_numpy(), 0.4, label="tier-1 FPR")
        ax.set_xticks(
            x, [f"{g}\n(n1={n})" for g, n in zip(t["group"], t["n_tier1"], strict=True)], fontsize=7
        )
        ax.set_title(f"by {attr}", fontsize=9)
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7)
    return _save(fig, path)

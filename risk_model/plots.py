"""PNG plots of a training run (matplotlib, Agg backend: no display needed).

Each function draws one figure from plain arrays / frames and writes it to ``path``. Chinese
labels (group names such as 壮族, features' Chinese labels) are drawn with the CJK font of
:func:`risk_model.fonts.use_cjk_font` (Debian's ``fonts-noto-cjk``), not as empty
boxes with a "Glyph missing" warning per character. Axis labels and titles are Chinese and
English, and name the highest-risk class as ``train`` does (``一类户`` / ``tier-1`` for the
household tiers, ``类别“high”`` / ``class 'high'`` for a spec's table).
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

TIERS_TOP = ("tier-1", "一类户")
"""The household tiers' highest-risk class (English, Chinese), as
:func:`risk_model.spec.top_class_names` names it."""


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
    ax.set_xlabel("预测 / predicted")
    ax.set_ylabel("真实 / true")
    ax.set_title("混淆矩阵 / confusion matrix (held-out)")
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
    y_top: np.ndarray,
    probas: Mapping[str, np.ndarray],
    path: Path,
    n_bins: int = 10,
    *,
    top: tuple[str, str] = TIERS_TOP,
) -> Path:
    """Reliability curve of P(highest-risk class) for each model (quantile bins); ``top``:
    that class's (English, Chinese) name."""
    en, zh = top
    use_cjk_font()  # before the figure's text is made; cheap after the first call
    fig, ax = plt.subplots(figsize=(4.4, 4.0))
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    highest = 0.0
    for name, p in probas.items():
        bins = calibration_bins(y_top, p, n_bins)
        mean_p, freq = np.array(bins["mean_predicted"]), np.array(bins["observed"])
        ax.plot(mean_p, freq, marker="o", ms=3, label=name)
        highest = max(highest, float(mean_p.max()), float(freq.max()))
    ax.set_xlim(0, min(1.0, highest * 1.1 + 0.01))
    ax.set_ylim(0, min(1.0, highest * 1.1 + 0.01))
    ax.set_xlabel(f"预测{zh}概率 / predicted P({en})")
    ax.set_ylabel(f"实际{zh}占比 / observed share {en}")
    ax.set_title("校准 / calibration (held-out)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def importance_label(method: str, unit: str, top: tuple[str, str] = TIERS_TOP) -> str:
    """What :func:`importance_plot`'s bars measure, as
    :meth:`risk_model.reasons.ReasonTables.importance` computes it: the mean |contribution|
    to the highest-risk class's score (exact reasons, in ``unit``, e.g. log-odds), or the
    spread of a partial-dependence curve of its probability (older tables). The exact one was
    labelled "effect range on P(tier 1)", reading as probabilities a bar of 1.4 log-odds."""
    en, zh = top
    if method == "exact":
        return f"对{zh}得分的平均绝对贡献 / mean |contribution| to the {en} score ({unit})"
    return f"对{zh}概率的影响幅度 / effect range on P({en})"


def importance_plot(
    importance: Mapping[str, float], path: Path, top: int = 15, *, label: str
) -> Path:
    """Horizontal bars of feature importance (largest first); ``label``: what they measure
    (:func:`importance_label`)."""
    items = sorted(importance.items(), key=lambda kv: -kv[1])[:top][::-1]
    use_cjk_font()  # before the figure's text is made; cheap after the first call
    fig, ax = plt.subplots(figsize=(5.5, 0.3 * len(items) + 1.2))
    ax.barh([k for k, _ in items], [v for _, v in items], color="#4477aa")
    ax.set_xlabel(label, fontsize=8)
    ax.set_title("特征重要性 / feature importance")
    return _save(fig, path)


def group_plot(table: pl.DataFrame, path: Path, *, top: tuple[str, str] = TIERS_TOP) -> Path:
    """The highest-risk class's recall and FPR per group, one panel per attribute, each
    group's tick with its count of that class; ``top``: the class's (English, Chinese)
    name."""
    en, zh = top
    attributes = table["attribute"].unique().sort().to_list()
    use_cjk_font()  # before the figure's text is made; cheap after the first call
    fig, axes = plt.subplots(
        len(attributes) or 1, 1, figsize=(6.0, 2.4 * max(1, len(attributes))), squeeze=False
    )
    for ax, attr in zip(axes[:, 0], attributes, strict=False):
        t = table.filter(pl.col("attribute") == attr)
        x = np.arange(t.height)
        recall, fpr = t["tier1_recall"].fill_nan(0), t["tier1_fpr"].fill_nan(0)
        ax.bar(x - 0.2, recall.to_numpy(), 0.4, label=f"{zh}召回率 / {en} recall")
        ax.bar(x + 0.2, fpr.to_numpy(), 0.4, label=f"{zh}误报率 / {en} FPR")
        ax.set_xticks(
            x,
            [f"{g}\n({zh} {n})" for g, n in zip(t["group"], t["n_tier1"], strict=True)],
            fontsize=7,
        )
        ax.set_title(f"按 {attr} 分组 / by {attr}", fontsize=9)
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7)
    return _save(fig, path)

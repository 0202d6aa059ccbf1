"""Training plots: Chinese labels are drawn with the CJK font, without glyph warnings."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import numpy as np
import polars as pl
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

import risk_model.plots
from risk_model.plots import (
    calibration_bins,
    calibration_plot,
    confusion_plot,
    group_plot,
    importance_label,
    importance_plot,
)


def test_chinese_labels_render_without_glyph_warnings(tmp_path: Path) -> None:
    """Tester's defect 9: group names such as 壮族 were empty boxes, and every character
    printed a "Glyph … missing from font(s) DejaVu Sans" warning."""
    table = pl.DataFrame(
        {
            "attribute": ["head_ethnicity"] * 3,
            "group": ["汉族", "壮族", "苗族"],
            "n_tier1": [10, 8, 5],
            "tier1_recall": [0.5, 0.4, float("nan")],
            "tier1_fpr": [0.1, 0.2, 0.1],
        }
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert group_plot(table, tmp_path / "groups.png").stat().st_size > 0
        importance_plot(
            {"重病成员数": 0.3, "members": 0.1},
            tmp_path / "importance.png",
            label=importance_label("exact", "log-odds"),
        )
    glyphs = [str(w.message) for w in caught if "Glyph" in str(w.message)]
    assert glyphs == []
    assert any("CJK" in f or "SC" in f for f in matplotlib.rcParams["font.family"])


def test_one_predicted_probability_for_every_row_is_one_bin(tmp_path: Path) -> None:
    """A tiny table's trees without a split predict one probability: its quantile edges were
    a single value, bin -1, and numpy's ValueError ended `train` after the fit."""
    p = np.full(6, 0.25)
    y_top = np.array([1, 0, 0, 0, 1, 0])
    assert calibration_bins(y_top, p) == {"mean_predicted": [0.25], "observed": [1 / 3], "n": [6]}
    path = calibration_plot(y_top, {"hgb": p}, tmp_path / "calibration.png")
    assert path.stat().st_size > 0


def _texts(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every drawn figure's texts (titles, axis labels, ticks, legends), figure by figure."""
    drawn: list[list[str]] = []
    save = risk_model.plots._save

    def keep(fig: Figure, path: Path) -> Path:
        fig.canvas.draw()  # ticks get their text when drawn
        drawn.append([t.get_text() for t in fig.findobj(Text) if t.get_text()])
        return save(fig, path)

    monkeypatch.setattr(risk_model.plots, "_save", keep)
    return drawn


def test_a_spec_tables_plots_name_its_class_in_both_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clinic table's calibration, groups and importance plots said "tier 1" / "tier-1"
    and "n1=", in English only."""
    drawn = _texts(monkeypatch)
    top = ("class 'high'", "类别“high”")
    table = pl.DataFrame(
        {"attribute": ["sex", "sex"], "group": ["F", "M"], "n_tier1": [25, 26],
         "tier1_recall": [0.48, 0.42], "tier1_fpr": [0.04, 0.02]}
    )  # fmt: skip
    y_top, p = np.array([1, 0, 0, 1, 0, 0]), np.array([0.6, 0.2, 0.1, 0.5, 0.3, 0.1])
    calibration_plot(y_top, {"logistic": p}, tmp_path / "calibration.png", top=top)
    group_plot(table, tmp_path / "groups.png", top=top)
    importance_plot(
        {"年龄": 1.2, "visits": 1.5},
        tmp_path / "importance.png",
        label=importance_label("exact", "log-odds", top),
    )
    confusion_plot([[1, 2, 0], [0, 3, 1], [0, 1, 4]], ["high", "medium", "low"], tmp_path / "c.png")
    calibration, groups, importance, confusion = drawn
    assert "预测类别“high”概率 / predicted P(class 'high')" in calibration
    assert "实际类别“high”占比 / observed share class 'high'" in calibration
    assert "类别“high”召回率 / class 'high' recall" in groups
    assert "F\n(类别“high” 25)" in groups and "按 sex 分组 / by sex" in groups
    assert "混淆矩阵 / confusion matrix (held-out)" in confusion
    assert "预测 / predicted" in confusion and "真实 / true" in confusion
    assert "特征重要性 / feature importance" in importance
    assert importance_label("exact", "log-odds", top) in importance
    for texts in drawn:
        assert not any("tier" in t or "n1=" in t for t in texts), texts


def test_exact_reasons_importance_is_labelled_as_log_odds_contributions() -> None:
    """The bars of exact reasons are mean |contribution| in log-odds (1.5 for a strong
    feature), but the axis read "effect range on P(tier 1)", a probability."""
    assert importance_label("exact", "log-odds") == (
        "对一类户得分的平均绝对贡献 / mean |contribution| to the tier-1 score (log-odds)"
    )
    assert importance_label("partial_dependence", "probability") == (
        "对一类户概率的影响幅度 / effect range on P(tier-1)"
    )

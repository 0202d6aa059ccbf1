"""Training plots: Chinese labels are drawn with the CJK font, without glyph warnings."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import numpy as np
import polars as pl

from risk_model.plots import calibration_bins, calibration_plot, group_plot, importance_plot


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
        importance_plot({"重病成员数": 0.3, "members": 0.1}, tmp_path / "importance.png")
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

"""visit_planner.analysis.plots and fonts: every figure has a title and axis labels with
units, and renders (Chinese included) without a missing glyph."""

from __future__ import annotations

import io
import logging
import re

import numpy as np
import polars as pl
import pytest
from matplotlib.figure import Figure

from risk_model.fonts import use_cjk_font
from risk_model.plots import calibration_bins
from tests.risk_model.helpers import font_cache_without_bundled_fonts
from visit_planner.analysis import explore, plots

UNIT = re.compile(r"\(.+\)")
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def chinese_first(text: str) -> bool:
    """A text with Chinese in it says it before any English (``户数占比 share (%)``)."""
    zh, en = CJK.search(text), LATIN.search(text)
    return zh is None or en is None or zh.start() < en.start()


def texts(fig: Figure) -> list[str]:
    """The figure's title, and every visible panel's title, axis labels and legend entries."""
    out = [fig.get_suptitle()]
    for ax in (ax for ax in fig.axes if ax.get_visible()):
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        out += [t.get_text() for t in legend.get_texts()] if legend else []
    return [t for t in out if t]


def check(fig: Figure) -> None:
    """A title on the figure or each panel, both axis labels in Chinese, a unit in the value
    axes, every text Chinese first, and a PNG that renders (a missing glyph warns, and
    warnings are errors in this suite)."""
    has_suptitle = fig.get_suptitle() != ""
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert panels
    for ax in panels:
        assert has_suptitle or ax.get_title(), "a panel without a title"
        assert ax.get_xlabel() and ax.get_ylabel(), f"panel {ax.get_title()!r} misses a label"
        assert UNIT.search(ax.get_xlabel()) or UNIT.search(ax.get_ylabel()), (
            f"panel {ax.get_title()!r}: no unit in its labels"
        )
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            assert CJK.search(label), f"axis label {label!r} has no Chinese"
    english_first = [t for t in texts(fig) if not chinese_first(t)]
    assert not english_first, f"English before Chinese in {english_first}"
    fig.savefig(io.BytesIO(), format="png", dpi=40)


@pytest.fixture(scope="module", autouse=True)
def cjk() -> str:
    family = use_cjk_font()
    assert family is not None, "no CJK font: install fonts-noto-cjk (CI does)"
    return family


@pytest.fixture(scope="module")
def hh(small_prefecture) -> pl.DataFrame:
    return explore.with_county_name(small_prefecture.households)


def test_explore_figures(hh: pl.DataFrame) -> None:
    check(plots.feature_histograms(hh, explore.NUMERIC_FEATURES))
    check(plots.tier_share_bars(explore.tier_shares(hh)))
    check(plots.household_map(hh))
    check(plots.missing_bars(explore.missing_values(hh)))
    check(plots.missing_bars(explore.missing_values(hh.drop_nulls())))  # nothing missing
    check(plots.composition_bars(explore.composition(hh, "head_ethnicity"), "民族 ethnicity"))


def test_explore_figures_word_the_columns(hh: pl.DataFrame) -> None:
    """Panels and bars say what a column is, Chinese first (the spec's words), not its name."""
    fig = plots.feature_histograms(hh, ["members", "last_visit_days"])
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["家庭人口 household members", "距上次走访天数 days since last visit"]
    assert fig.axes[1].get_xlabel() == "距上次走访天数 (天 days)"
    assert fig.axes[0].get_ylabel() == "农户数 households"
    missing = plots.missing_bars(explore.missing_values(hh))
    ticks = [t.get_text() for t in missing.axes[0].get_yticklabels()]
    assert ticks == ["上次评估类别 previous tier", "本次评估类别 assessed tier"]


def test_group_recall_bars_word_the_attributes() -> None:
    """Each panel is titled by its attribute in words, Chinese first ("按县 by county", not
    "by county_id"), and its x label says what n1 counts."""
    fairness = pl.DataFrame(
        {
            "model": ["a"] * 4,
            "attribute": ["county_id", "county_id", "head_gender", "head_gender"],
            "group": ["532627", "532626", "F", "M"], "n": [10, 12, 10, 12],
            "n_tier1": [2, 3, 1, 3], "tier1_recall": [0.5, 1.0, 0.0, 0.7], "tier1_fpr": [0.1] * 4,
        }
    )  # fmt: skip
    fig = plots.group_recall_bars(fairness)
    check(fig)
    assert [ax.get_title() for ax in fig.axes] == ["按县 by county", "按户主性别 by head's gender"]
    assert [ax.get_xlabel() for ax in fig.axes] == [
        "县 county (n1: 真实一类户数 true tier-1 households)",
        "户主性别 head's gender (n1: 真实一类户数 true tier-1 households)",
    ]
    ticks = [t.get_text() for t in fig.axes[1].get_xticklabels()]
    assert ticks == ["女 female\n(n1=1)", "男 male\n(n1=3)"]


def test_model_figures() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 300)
    probas = {"a": rng.dirichlet([1, 2, 4], 300), "b": rng.dirichlet([1, 2, 4], 300)}
    check(plots.calibration_curves(y, probas))
    confusion = plots.confusion_matrices({"a": [[5, 1, 0], [2, 9, 3], [0, 4, 30]]})
    check(confusion)
    ticks = [t.get_text() for t in confusion.axes[0].get_xticklabels()]
    assert ticks == ["一类户\ntier 1", "二类户\ntier 2", "三类户\ntier 3"]  # a tier by its name
    fairness = pl.DataFrame(
        {
            "model": ["a", "a", "b", "b"], "attribute": ["head_gender"] * 4,
            "group": ["F", "M", "F", "M"], "n": [10, 12, 10, 12], "n_tier1": [0, 3, 0, 3],
            "tier1_recall": [float("nan"), 0.5, float("nan"), 0.7], "tier1_fpr": [0.1] * 4,
        }
    )  # fmt: skip
    recall = plots.group_recall_bars(fairness)
    check(recall)
    assert [t.get_text() for t in recall.axes[0].texts] == ["无 n/a", "无 n/a"]  # no tier 1: F
    table = pl.DataFrame(
        {"model": ["a", "贝叶斯极限 Bayes limit"], "log_loss": [0.6, 0.55],
         "log_loss_gap_pct": [9.1, 0.0]}
    )  # fmt: skip
    check(plots.bayes_gap_bars(table))


def test_bayes_gap_bars_sign_the_distance() -> None:
    """A model below the Bayes limit (by chance on few held-out villages, as notebook 2.0's
    default run is) reads "-0.5 %", not "+-0.5 %"; the limit itself and an unknown distance
    get no distance line."""
    table = pl.DataFrame(
        {"model": ["a", "b", "c", "贝叶斯极限 Bayes limit"],
         "log_loss": [0.541, 0.6, 0.58, 0.5439], "log_loss_gap_pct": [-0.53, 10.3, None, 0.0]}
    )  # fmt: skip
    fig = plots.bayes_gap_bars(table)
    check(fig)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["0.5410\n-0.5 % 低于极限 below", "0.6000\n+10.3 %", "0.5800", "0.5439"]


def test_calibration_curves_are_the_runs_calibration_bins() -> None:
    """The notebook's reliability curves are the points :func:`risk_model.plots.calibration_bins`
    gives (what a training run logs as ``calibration.json``), in percent; tied probabilities
    merge quantile edges, so the 4 bins asked are 2 here (hand-checked)."""
    y = np.array([0, 2, 0, 1, 2, 2, 0, 1, 2, 0])
    p1 = np.array([0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.5, 0.6, 0.1, 0.8])
    proba = np.column_stack([p1, (1 - p1) / 2, (1 - p1) / 2])
    fig = plots.calibration_curves(y, {"model": proba, "P(tier 1) only": p1}, n_bins=4)
    check(fig)
    lines = {ln.get_label(): ln.get_xydata() for ln in fig.axes[0].get_lines()}
    # Edges 0.1, 0.575, 0.9: the six 0.1s and 0.5 (two of them tier 1) | 0.6, 0.8, 0.9 (two).
    expected = [[100 * 1.1 / 7, 100 * 2 / 7], [100 * 2.3 / 3, 100 * 2 / 3]]
    for name in ("model", "P(tier 1) only"):
        np.testing.assert_allclose(lines[name], expected)
    bins = calibration_bins((y == 0).astype(np.float64), p1, 4)
    assert bins["n"] == [7, 3]
    np.testing.assert_allclose(
        lines["model"], 100 * np.column_stack([bins["mean_predicted"], bins["observed"]])
    )


def tradeoff_sweep(objective: list[float], bound: list[float | None]) -> pl.DataFrame:
    """A three-point cadence sweep as ``assignment.tradeoff.sweep`` gives it; the third point leaves
    tier-1 households out (coverage 0.5, 3 extra cadres), its coverage bound unproven."""
    return pl.DataFrame(
        {
            "visits_per_month": [1.0, 2.0, 3.0], "tier1_coverage": [1.0, 1.0, 0.5],
            "travel_hours_month": [10.0, 20.0, 25.0], "used_cadre": [2, 2, 2],
            "extra_cadre": [0, 0, 3], "objective": objective, "bound": bound,
            "tier1_coverage_bound": [1.0, 1.0, None],
        }
    )  # fmt: skip


def test_tradeoff_figure_draws_the_bound_only_where_proven() -> None:
    sweep = tradeoff_sweep([100.0, 200.0, 5000.0], [99.0, None, 4800.0])
    fig = plots.tradeoff_figure(sweep, "visits_per_month", "走访次数 visits (次/月 per month)", "t")
    check(fig)
    objective_panel = fig.axes[3]
    lines = {ln.get_label(): ln for ln in objective_panel.get_lines()}
    bound = lines["已证明下界 proven lower bound"]
    assert np.asarray(bound.get_xdata()).tolist() == [1.0, 3.0]  # no point where nothing was proven
    assert np.asarray(bound.get_ydata()).tolist() == [99.0, 4800.0]
    coverage = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    upper = coverage["已证明上限 proven upper bound"]
    assert np.asarray(upper.get_xdata()).tolist() == [1.0, 2.0]


def test_tradeoff_figure_logs_no_findfont_warning(caplog: pytest.LogCaptureFixture) -> None:
    """Its log-scale objective axis labels ticks with mathtext (10⁴), which needs matplotlib's
    STIX and Computer Modern fonts: even with a font cache that lacks them (notebook 3.0 logged
    ~21 ``findfont: Font family ['STIXGeneral'] not found``), use_cjk_font registers them."""
    sweep = tradeoff_sweep([100.0, 2e4, 1e6], [99.0, None, 9e5])
    with font_cache_without_bundled_fonts(), caplog.at_level(logging.WARNING):
        use_cjk_font()
        fig = plots.tradeoff_figure(sweep, "visits_per_month", "次数 (per month 次/月)", "推演")
        image = plots.show(fig)
    assert fig.axes[3].get_yscale() == "log"  # penalties dwarf travel: the mathtext ticks
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert [r.getMessage() for r in caplog.records if "findfont" in r.getMessage()] == []


def test_show_gives_a_png() -> None:
    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1])
    image = plots.show(fig)
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_cjk_font_is_a_fallback_after_the_latin_font(cjk: str) -> None:
    import matplotlib

    assert list(matplotlib.rcParams["font.family"]) == ["DejaVu Sans", cjk]

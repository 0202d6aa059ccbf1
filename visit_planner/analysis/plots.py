"""The notebooks' figures: every one with a title and axis labels with units, Chinese with
English alongside (:func:`~risk_model.fonts.use_cjk_font` makes the Chinese render).

Each function takes frames from :mod:`~visit_planner.analysis` (or :mod:`assignment.tradeoff`)
and returns a :class:`matplotlib.figure.Figure` built without pyplot (no global state, no
backend needed); :func:`show` displays one in a notebook and :func:`save` writes a PNG.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from assignment.domain import ROLE_NAMES_EN, ROLE_NAMES_ZH, TIER_NAMES_ZH, Role
from visit_planner.analysis.explore import UNITS
from visit_planner.analysis.words import GROUP_NAMES, column_label, column_words
from visit_planner.export.labels import county_name
from visit_planner.vocabulary import term

TIER_COLOURS = {1: "#c0392b", 2: "#e67e22", 3: "#2e86c1"}
TIER_LABELS = {t: f"{TIER_NAMES_ZH[t]} tier {t}" for t in (1, 2, 3)}
UNASSESSED = "未评定 unassessed"
MODEL_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
GROUP_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
DPI = 100


def show(fig: Figure) -> Any:
    """The figure as a PNG image for notebook display (works whatever the backend)."""
    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return Image(data=buf.getvalue(), format="png")


def save(fig: Figure, path: Path) -> Path:
    """Write the figure as a PNG file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=DPI, bbox_inches="tight")
    return path


def _pct(values: Any) -> np.ndarray:
    return 100.0 * np.asarray(values, dtype=np.float64)


# ----------------------------------------------------------------- 1.0 explore


def tier_share_bars(shares: pl.DataFrame, label: str = "county", title: str = "") -> Figure:
    """Stacked horizontal bars: share of each assessed tier (and unassessed) per area, from
    :func:`~visit_planner.analysis.explore.tier_shares`."""
    n = shares.height
    fig = Figure(figsize=(8.5, 0.45 * n + 1.8), layout="constrained")
    ax = fig.subplots()
    y = np.arange(n)
    left = np.zeros(n)
    parts = [*[(f"tier{t}_share", TIER_LABELS[t], TIER_COLOURS[t]) for t in (1, 2, 3)]]
    parts.append(("unassessed_share", UNASSESSED, "#bdc3c7"))
    for column, name, colour in parts:
        width = _pct(shares[column])
        ax.barh(y, width, left=left, color=colour, label=name)
        left += width
    labels = [f"{a} (n={b:,})" for a, b in zip(shares[label], shares["households"], strict=True)]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("户数占比 share of households (%)")
    ax.set_ylabel("地区 area")
    ax.set_title(title or "各地区评定类别占比 Assessed tier by area")
    ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / (n + 2)), fontsize=8)
    return fig


def feature_histograms(households: pl.DataFrame, features: Sequence[str], cols: int = 3) -> Figure:
    """One histogram per numeric feature, titled in words (``家庭人口 household members``;
    x in the feature's unit, y in households)."""
    rows = math.ceil(len(features) / cols)
    fig = Figure(figsize=(4.0 * cols, 2.9 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, name in zip(axes, features, strict=False):
        values = households[name].drop_nulls().cast(pl.Float64).to_numpy()
        integer = households[name].dtype.is_integer() and values.size and values.max() <= 30
        bins = np.arange(-0.5, values.max() + 1.5) if integer else 30
        ax.hist(values, bins=bins, color="#4477aa")
        ax.set_title(column_label(name), fontsize=9)
        ax.set_xlabel(f"{column_words(name)[0]} ({UNITS.get(name, '值 value')})", fontsize=8)
        ax.set_ylabel(term("households"), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(features) :]:
        ax.set_visible(False)
    fig.suptitle("特征分布 Feature distributions")
    return fig


def household_map(
    households: pl.DataFrame, tier: str = "assessed_tier", label: str = "county"
) -> Figure:
    """Households on longitude and latitude, coloured by tier (tier 1 drawn last, on top),
    with each county's name at the centre of its households. No base map (offline)."""
    fig = Figure(figsize=(8.0, 6.4), layout="constrained")
    ax = fig.subplots()
    unassessed = households.filter(pl.col(tier).is_null())
    ax.scatter(unassessed["lon"], unassessed["lat"], s=2, c="#bdc3c7", label=UNASSESSED)
    for t in (3, 2, 1):
        part = households.filter(pl.col(tier) == t)
        ax.scatter(
            part["lon"], part["lat"], s=3 if t == 3 else 6, c=TIER_COLOURS[t], label=TIER_LABELS[t]
        )
    if label in households.columns:
        centres = households.group_by(label).agg(pl.col("lon").mean(), pl.col("lat").mean())
        for name, lon, lat in centres.sort(label).iter_rows():
            ax.annotate(
                str(name), (lon, lat), xytext=(0, 16), textcoords="offset points", fontsize=8,
                ha="center", bbox={"boxstyle": "round", "fc": "white", "alpha": 0.6, "lw": 0},
            )  # fmt: skip
    mid = float(households.select(pl.col("lat").mean()).item() or 23.5)
    ax.set_aspect(1.0 / math.cos(math.radians(mid)))
    ax.set_xlabel("经度 longitude (°E)")
    ax.set_ylabel("纬度 latitude (°N)")
    ax.set_title("农户分布(按评定类别) Households by assessed tier")
    ax.legend(markerscale=3, fontsize=8, loc="lower right")
    return fig


def missing_bars(missing: pl.DataFrame) -> Figure:
    """Share of missing values per column (columns with any), from
    :func:`~visit_planner.analysis.explore.missing_values`."""
    some = missing.filter(pl.col("missing") > 0)
    fig = Figure(figsize=(7.0, 0.5 * max(some.height, 1) + 1.5), layout="constrained")
    ax = fig.subplots()
    y = np.arange(some.height)
    ax.barh(y, _pct(some["share"]), color="#7f8c8d")
    for i, (n, s) in enumerate(zip(some["missing"], some["share"], strict=True)):
        ax.text(100 * s + 0.3, i, f"{n:,}", va="center", fontsize=8)
    ax.set_yticks(y, [column_label(name) for name in some["column"]])
    ax.invert_yaxis()
    if some.height:
        ax.set_xlim(0, float(_pct(some["share"]).max()) * 1.18)  # room for the counts
    ax.set_xlabel("缺失占比 share of households with no value (%)")
    ax.set_ylabel("字段 column")
    ax.set_title("缺失值 Missing values")
    if some.height == 0:
        ax.text(0.5, 0.5, "无缺失值 no missing values", ha="center", transform=ax.transAxes)
    return fig


def composition_bars(comp: pl.DataFrame, title: str, label: str = "county") -> Figure:
    """Stacked bars: share of each group within each area, from
    :func:`~visit_planner.analysis.explore.composition`."""
    areas = comp[label].unique(maintain_order=True).to_list()
    groups = sorted(comp["group"].unique().to_list())
    wide = comp.pivot(on="group", index=label, values="share").fill_null(0.0)
    fig = Figure(figsize=(8.5, 0.45 * len(areas) + 1.8), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(areas))
    left = np.zeros(len(areas))
    order = wide.select(label).with_row_index("_i")
    idx = [order.filter(pl.col(label) == a)["_i"][0] for a in areas]
    for i, g in enumerate(groups):
        width = _pct(wide[g].gather(idx))
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        ax.barh(y, width, left=left, label=GROUP_NAMES.get(str(g), str(g)), color=colour)
        left += width
    ax.set_yticks(y, areas)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("户数占比 share of households (%)")
    ax.set_ylabel("地区 area")
    ax.set_title(title)
    ax.legend(
        ncols=min(len(groups), 6), loc="upper center", bbox_to_anchor=(0.5, -0.15), fontsize=8
    )
    return fig


# ------------------------------------------------------------ 2.0 retrain


def calibration_curves(y: np.ndarray, probas: Mapping[str, np.ndarray], n_bins: int = 10) -> Figure:
    """Reliability of P(tier 1): mean predicted probability against the observed share of
    tier 1 in quantile bins, one curve per model (class index 0 = tier 1). The points are
    those of :func:`risk_model.plots.calibration_bins` (what a training run logs as
    ``calibration.json`` and draws), so the notebook shows the run's own curve."""
    # Imported here: risk_model.plots selects matplotlib's Agg backend and imports pyplot when
    # imported, which a notebook that only explores data (1.0) should not get with this module.
    from risk_model.plots import calibration_bins

    fig = Figure(figsize=(5.6, 5.0), layout="constrained")
    ax = fig.subplots()
    hit = (np.asarray(y) == 0).astype(np.float64)
    top = 0.05
    for i, (name, p) in enumerate(probas.items()):
        p1 = np.asarray(p)[:, 0] if np.ndim(p) == 2 else np.asarray(p)
        bins = calibration_bins(hit, p1, n_bins)
        mean_p, freq = np.array(bins["mean_predicted"]), np.array(bins["observed"])
        ax.plot(
            _pct(mean_p),
            _pct(freq),
            marker="o",
            ms=7 - 2.5 * min(i, 1),
            lw=3.5 - 2 * min(i, 1),
            alpha=0.8,
            label=name,
            color=MODEL_COLOURS[i % 4],
        )  # fmt: skip  (the first model drawn wider: identical curves stay visible)
        top = max(top, float(mean_p.max()), float(freq.max()))
    lim = min(100.0, 100 * top * 1.1)
    ax.plot([0, lim], [0, lim], color="grey", lw=1, ls="--", label="完全校准 perfect")
    ax.set_xlim(0, lim)
    ax.set_ylim(0, lim)
    ax.set_xlabel("预测一类户概率 predicted P(tier 1) (%)")
    ax.set_ylabel("实际一类户占比 observed share of tier 1 (%)")
    ax.set_title("留出村校准曲线 Calibration on held-out villages")
    ax.legend(fontsize=8)
    return fig


def confusion_matrices(matrices: Mapping[str, Sequence[Sequence[int]]]) -> Figure:
    """One confusion matrix per model (rows true tier, columns predicted tier; households)."""
    n = len(matrices)
    fig = Figure(figsize=(4.2 * n, 4.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, n)).ravel()
    ticks = [f"{TIER_NAMES_ZH[t]}\ntier {t}" for t in (1, 2, 3)]
    for ax, (name, matrix) in zip(axes, matrices.items(), strict=True):
        m = np.asarray(matrix)
        ax.imshow(m, cmap="Blues")
        for (i, j), v in np.ndenumerate(m):
            colour = "white" if v > m.max() / 2 else "black"
            ax.text(j, i, f"{v:,}", ha="center", va="center", color=colour)
        ax.set_xticks(range(3), ticks)
        ax.set_yticks(range(3), ticks)
        ax.set_xlabel("预测类别 predicted tier (户 households)")
        ax.set_ylabel("真实类别 true tier")
        ax.set_title(name)
    fig.suptitle("留出村混淆矩阵 Confusion matrices on held-out villages")
    return fig


def group_recall_bars(fairness: pl.DataFrame, attributes: Sequence[str] | None = None) -> Figure:
    """Tier-1 recall per group, one bar per model, one panel per audited attribute in words
    (``按户主民族 by head's ethnicity``; from
    :meth:`~visit_planner.analysis.compare.Comparison.fairness`); n1 = true tier-1 households."""
    attrs = list(attributes or fairness["attribute"].unique().sort().to_list())
    models = fairness["model"].unique(maintain_order=True).to_list()
    fig = Figure(figsize=(9.0, 2.9 * len(attrs)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(attrs), 1)).ravel()
    width = 0.8 / max(len(models), 1)
    for ax, attr in zip(axes, attrs, strict=True):
        part = fairness.filter(pl.col("attribute") == attr)
        groups = part["group"].unique().sort().to_list()
        x = np.arange(len(groups))
        for i, model in enumerate(models):
            rows = part.filter(pl.col("model") == model)
            recall = dict(zip(rows["group"], rows["tier1_recall"], strict=True))
            values = [recall.get(g, float("nan")) for g in groups]
            at = x + (i - (len(models) - 1) / 2) * width
            ax.bar(at, _pct(np.nan_to_num(values)), width, label=model, color=MODEL_COLOURS[i % 4])
            for xi, v in zip(at, values, strict=True):
                if math.isnan(v):
                    ax.text(xi, 2, "无 n/a", ha="center", fontsize=7, rotation=90)
        n1 = dict(zip(part["group"], part["n_tier1"], strict=False))
        names = [GROUP_NAMES.get(str(g), county_name(str(g)) or str(g)) for g in groups]
        ax.set_xticks(x, [f"{g}\n(n1={n1.get(k, 0)})" for g, k in zip(names, groups, strict=True)],
                      fontsize=8)  # fmt: skip
        zh, en = column_words(attr)
        ax.set_ylim(0, 100)
        ax.set_xlabel(f"{zh} {en} (n1: 真实一类户数 true tier-1 households)")
        ax.set_ylabel("一类户召回率 tier-1 recall (%)")
        ax.set_title(f"按{zh} by {en}", fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("留出村各组一类户召回率 Tier-1 recall by audited group (held-out villages)")
    return fig


def gap_text(model: str, gap_pct: float | None) -> str:
    """The line under a bar's log-loss: its distance to the Bayes limit, signed (``+2.1 %``,
    ``-0.5 %``: below the limit, by chance on few villages); nothing for the limit itself or
    where the distance is unknown."""
    if "Bayes" in model or gap_pct is None or not math.isfinite(gap_pct):
        return ""
    below = " 低于极限 below" if gap_pct < 0 else ""
    return f"\n{gap_pct:+.1f} %{below}"


def bayes_gap_bars(table: pl.DataFrame) -> Figure:
    """Held-out log-loss of each model beside the Bayes limit (from
    :meth:`~visit_planner.analysis.compare.Comparison.table`), with the distance in %."""
    fig = Figure(figsize=(6.5, 3.6), layout="constrained")
    ax = fig.subplots()
    names = table["model"].to_list()
    values = table["log_loss"].to_numpy()
    colours = [MODEL_COLOURS[i % 4] if "Bayes" not in n else "#7f8c8d" for i, n in enumerate(names)]
    ax.bar(np.arange(len(names)), values, color=colours)
    gaps = table["log_loss_gap_pct"].to_list()
    for i, (name, v, g) in enumerate(zip(names, values, gaps, strict=True)):
        ax.text(i, v, f"{v:.4f}{gap_text(name, g)}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(np.arange(len(names)), names, fontsize=8)
    ax.set_ylim(0, float(np.nanmax(values)) * 1.25)
    ax.set_xlabel("模型 model")
    ax.set_ylabel("对数损失 log-loss (每户奈特 nats per household)")
    ax.set_title("与贝叶斯极限的距离 Distance to the Bayes limit")
    return fig


# ------------------------------------------------------------- 3.0 what-if


def tradeoff_figure(
    sweep: pl.DataFrame, x: str, x_label: str, title: str, role: str = "cadre"
) -> Figure:
    """Four panels over the scenarios of :func:`assignment.tradeoff.sweep`: tier-1 coverage
    with the solver's proven upper bound, travel, workers of ``role`` (used, and extra that
    would cover the households of the tier it serves left uncovered), and the objective with
    the solver's proven lower bound - each bound drawn only where it was proven."""
    xs = sweep[x].cast(pl.Float64).to_numpy()
    fig = Figure(figsize=(11.0, 7.2), layout="constrained")
    (a1, a2), (a3, a4) = fig.subplots(2, 2)
    if "tier1_coverage_bound" in sweep.columns:
        upper = sweep.filter(pl.col("tier1_coverage_bound").is_not_null())
        if upper.height:  # drawn wide and light under the plan: where they meet, it shows
            a1.plot(
                upper[x].cast(pl.Float64).to_numpy(), _pct(upper["tier1_coverage_bound"]),
                lw=6, alpha=0.3, color=TIER_COLOURS[1], solid_capstyle="round",
                label="已证明上限 proven upper bound",
            )  # fmt: skip
    a1.plot(xs, _pct(sweep["tier1_coverage"]), marker="o", color=TIER_COLOURS[1],
            label="方案 plan")  # fmt: skip
    a1.legend(fontsize=8)
    a1.set_ylim(0, 105)
    a1.set_ylabel("一类户覆盖率 tier-1 households covered (%)")
    a1.set_title("一类户覆盖 Tier-1 coverage")
    a2.plot(xs, sweep["travel_hours_month"].to_numpy(), marker="o", color="#16a085")
    a2.set_ylim(bottom=0)
    a2.set_ylabel("路途时间 travel (小时/月 hours per month)")
    a2.set_title("路途 Travel")
    used = sweep[f"used_{role}"].to_numpy()
    extra = sweep[f"extra_{role}"].to_numpy()
    step = float(np.min(np.diff(np.unique(xs)))) if len(np.unique(xs)) > 1 else 1.0
    zh, en = ROLE_NAMES_ZH[Role(role)], ROLE_NAMES_EN[Role(role)]
    a3.bar(xs, used, width=0.6 * step, color="#34495e", label=f"已用{zh} {en}s used")
    a3.bar(xs, extra, width=0.6 * step, bottom=used, color="#e74c3c",
           label=f"另需{zh} extra {en}s that would suffice")  # fmt: skip
    a3.set_ylim(0, max(1.0, float((used + extra).max())) * 1.35)  # room for the legend
    a3.set_ylabel(f"{zh} {en}s (人 persons)")
    a3.set_title(f"所需{zh} {en.capitalize()}s needed")
    a3.legend(fontsize=8)
    objective = sweep["objective"].to_numpy()
    proven = sweep.filter(pl.col("bound").is_not_null())
    if proven.height:
        a4.plot(
            proven[x].cast(pl.Float64).to_numpy(), proven["bound"].to_numpy(), lw=6, alpha=0.3,
            color="#8e44ad", solid_capstyle="round", label="已证明下界 proven lower bound",
        )  # fmt: skip
    a4.plot(xs, objective, marker="o", color="#8e44ad", label="方案目标值 plan's objective")
    positive = objective[np.isfinite(objective) & (objective > 0)]
    if positive.size and positive.max() / positive.min() > 20:  # penalties dwarf travel
        a4.set_yscale("log")
    a4.set_ylabel("目标值 objective (分钟当量/月 min-eq. per month)")
    a4.set_title("目标值与下界 Objective and proven bound")
    a4.legend(fontsize=8)
    for ax in (a1, a2, a3, a4):
        ax.set_xlabel(x_label)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    return fig

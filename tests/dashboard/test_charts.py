"""The dashboard's Altair charts (dashboard/charts.py), read from their Vega-Lite specs."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from dashboard import charts, i18n


def curve_colour_of_each_model(lang: i18n.Lang) -> dict[str, str]:
    """The calibration chart of three models (logistic chosen) in ``lang``: each model's
    colour, by its kind, and the legend's order of labels."""
    bins = pl.DataFrame(
        {
            "model": ["hgb", "hgb", "logistic", "logistic", "scorecard", "scorecard"],
            "mean_predicted": [0.01, 0.2, 0.01, 0.25, 0.02, 0.22],
            "observed": [0.01, 0.25, 0.02, 0.27, 0.02, 0.3],
            "n": [900, 100, 880, 120, 910, 90],
        }
    )
    spec = charts.calibration_chart(bins, "logistic", lang).to_dict()
    scale = spec["layer"][1]["encoding"]["color"]["scale"]
    colours = dict(zip(scale["domain"], scale["range"], strict=True))
    mark = i18n.t("chosen_mark", lang)
    labels = {k: i18n.model_kind(k, lang) for k in ("hgb", "logistic", "scorecard")}
    labels["logistic"] += mark
    assert scale["domain"][0] == labels["logistic"]  # the chosen model first in the legend
    return {kind: colours[label] for kind, label in labels.items()}


def test_each_calibration_curve_keeps_its_colour_in_both_languages() -> None:
    """Vega gave each curve its colour by its label's order, which the language changes: the
    chosen logistic model was red in Chinese and light blue in English, the scorecard the
    other way round. Each model now has its colour whatever the language, the chosen red."""
    zh, en = curve_colour_of_each_model("zh"), curve_colour_of_each_model("en")
    assert zh == en
    assert zh["logistic"] == charts.CURVE_COLOURS[0]
    assert len(set(zh.values())) == 3


def test_the_calibration_legend_is_below_the_curves_whole() -> None:
    """On a phone (390 px) the legend on the curves' right (逻辑回归（已选用） and the others)
    left the plot a strip about 90 px wide whose axis read only 0% and 30%. The legend is
    below the plot now, one model a line, its labels never cut."""
    bins = pl.DataFrame(
        {"model": ["logistic", "hgb"], "mean_predicted": [0.1, 0.2], "observed": [0.1, 0.2],
         "n": [10, 10]}
    )  # fmt: skip
    for lang in i18n.LANGS:
        spec = charts.calibration_chart(bins, "logistic", lang).to_dict()
        legend = spec["layer"][1]["encoding"]["color"]["legend"]
        assert legend == {"direction": "vertical", "labelLimit": 0, "orient": "bottom"}, lang
        # Streamlit fits the whole chart, legend too, in its height: the plot keeps ~360 px
        assert spec["height"] >= 360 + 3 * 30 + 20, spec["height"]


def vega_words_left(spec: dict[str, Any]) -> list[Any]:
    """The marks of a chart's spec (its layers' too) that Vega would still describe for a
    screen reader, and ``"config"`` when the chart's config leaves its axes and legends
    described."""
    marks = [layer["mark"] for layer in spec.get("layer", [spec])]
    described = [m for m in marks if not (isinstance(m, dict) and m.get("aria") is False)]
    return [*described, *([] if spec.get("config", {}).get("aria") is False else ["config"])]


def test_each_chart_is_named_by_what_it_shows_in_the_pages_language() -> None:
    """A screen reader announced every chart as 'Vega visualization' (English on the Chinese
    page), then Vega's English for each axis, legend and bar ('X-axis titled ... for a linear
    scale', 'value: 38; color: 已覆盖'). Each chart's description now says its title and
    every figure drawn, in the page's language, and Vega's own words are left out."""
    assert charts.spoken("模型估计的概率", ["一类户 59.9%", "二类户 39.1%"], "zh") == (
        "模型估计的概率：一类户 59.9%；二类户 39.1%。"
    )
    assert charts.spoken("Probabilities", ["tier 1 59.9%"], "en") == "Probabilities: tier 1 59.9%."
    named = charts.spoken("各类别农户与覆盖", ["一类户 已覆盖 38、未覆盖 2"], "zh")
    two = charts.bars(
        ["一类户", "二类户"], {"已覆盖": [38, 138], "未覆盖": [2, 0]}, category_title="类别",
        value_title="户数", colours=["#21c354", "#ff4b4b"], height=260, description=named,
    ).to_dict()  # fmt: skip
    assert two["description"] == named and vega_words_left(two) == []
    assert two["encoding"]["y"]["sort"] == ["一类户", "二类户"]  # the tiers in their order
    assert two["encoding"]["color"]["legend"]["orient"] == "bottom"
    for lang in i18n.LANGS:
        cadre = i18n.role("cadre", lang)
        demand = charts.demand_chart(
            [cadre], {"需求": [100.4], "可用": [116.0]}, lang, i18n.t("demand_capacity", lang)
        ).to_dict()
        hours = i18n.fmt_hours(100.4, lang)
        assert demand["description"].startswith(i18n.t("demand_capacity", lang))
        assert f"{cadre} 需求 {hours}" in demand["description"], demand["description"]
        assert vega_words_left(demand) == []
        psi = charts.psi_chart(["低保", "灾害隐患"], [0.037, 0.0], lang, "PSI").to_dict()
        assert psi["description"] == charts.spoken("PSI", ["低保 0.037", "灾害隐患 0.000"], lang)
        assert vega_words_left(psi) == []
    bins = pl.DataFrame(
        {"model": ["logistic", "logistic"], "mean_predicted": [0.1, 0.3], "observed": [0.12, 0.25],
         "n": [10, 10]}
    )  # fmt: skip
    curve = charts.calibration_chart(bins, "logistic", "zh", "校准曲线").to_dict()
    chosen = i18n.model_kind("logistic", "zh") + i18n.t("chosen_mark", "zh")
    assert curve["description"] == f"校准曲线：{chosen} 预测与实际最多相差 5.0%。"
    assert vega_words_left(curve) == []


def test_a_utilisation_below_one_never_reads_100_percent_on_the_overview_chart() -> None:
    """The overview's hours-used chart rounded each role's share to one decimal before
    drawing it, so that 99.96 % read 100.0 % in its tooltip and accessible name, beside a
    township table that says 99.9 % (fmt_share). Its texts now follow fmt_share; the bars keep
    the figure unrounded; a role without hours draws no bar and reads "—"."""
    roles = ["基层干部", "村组干部", "网格员"]
    for lang in i18n.LANGS:
        title = i18n.t("by_role", lang)
        spec = charts.utilisation_chart(roles, [0.9996, 1.0, None], lang, title).to_dict()
        (rows,) = spec["datasets"].values()
        assert [r["text"] for r in rows] == ["99.9%", "100.0%", "—"]
        assert [r["value"] for r in rows] == [pytest.approx(99.96), 100.0, None]
        axis = i18n.t("utilisation_axis", lang)
        assert {"field": "text", "type": "nominal", "title": axis} in spec["encoding"]["tooltip"]
        assert spec["description"] == charts.spoken(
            title, ["基层干部 99.9%", "村组干部 100.0%", "网格员 —"], lang
        )
        assert vega_words_left(spec) == []


def test_the_utilisation_charts_title_and_axis_say_the_same_in_both_languages() -> None:
    """The English title read "Hours used by role" over a "Utilisation (%)" axis while the
    Chinese said 工时利用率: the title and the axis now name one figure, the township tables'
    工时利用率 / Share of hours used, in each language."""
    for lang in i18n.LANGS:
        title = i18n.t("by_role", lang)
        spec = charts.utilisation_chart(["基层干部"], [0.5], lang, title).to_dict()
        axis = spec["encoding"]["x"]["title"]
        figure = i18n.label("utilisation_hours", lang)
        assert axis in (f"{figure}（%）", f"{figure} (%)"), (lang, axis)
        assert figure.lower() in title.lower(), (lang, title)

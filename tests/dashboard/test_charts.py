"""The dashboard's Altair charts (dashboard/charts.py), read from their Vega-Lite specs."""

from __future__ import annotations

import polars as pl

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

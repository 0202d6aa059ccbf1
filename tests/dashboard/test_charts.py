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

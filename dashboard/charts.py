"""Charts the simple ``st.bar_chart`` cannot draw, as Altair specifications (Streamlit's
frontend draws them with its bundled Vega: nothing is fetched). No Streamlit here."""

from __future__ import annotations

from typing import Final

import altair as alt
import polars as pl

from dashboard import i18n
from dashboard.i18n import Lang, t

CURVE_COLOURS: Final = ("#ff4b4b", "#1c83e1", "#83c9ff", "#0068c9", "#7defa1", "#ffabab")
"""The calibration curves' colours: the chosen model's first (red), then the others'."""


def curve_colours(frame: pl.DataFrame, chosen: str) -> alt.Scale:
    """Each model's colour by its kind, the chosen one first, then the others by kind: the
    same in both languages (Vega gave each its colour by its label's order, which the
    language changes: the chosen logistic model red in Chinese, light blue in English)."""
    pairs = dict(frame.select("model", "label").unique().iter_rows())
    kinds = sorted(pairs, key=lambda k: (k != chosen, k))
    return alt.Scale(
        domain=[pairs[k] for k in kinds],
        range=[CURVE_COLOURS[i % len(CURVE_COLOURS)] for i in range(len(kinds))],
    )


def calibration_chart(bins: pl.DataFrame, chosen: str, lang: Lang) -> alt.LayerChart:
    """Reliability curves (``model, mean_predicted, observed, n`` per bin, as training logged
    them) over the dashed diagonal of perfect calibration, with axes and legend in ``lang``
    (the legend below the plot, which keeps the page's width on a phone); the chosen model's
    curve is drawn thicker."""
    frame = bins.with_columns(
        pl.col("model")
        .map_elements(
            lambda k: i18n.model_kind(k, lang) + (t("chosen_mark", lang) if k == chosen else ""),
            return_dtype=pl.String,
        )
        .alias("label"),
        (pl.col("model") == chosen).alias("chosen"),
    )
    top = min(1.0, 1.1 * max(float(frame["mean_predicted"].max()), float(frame["observed"].max())))  # type: ignore[arg-type]
    x_title, y_title = t("calibration_x", lang), t("calibration_y", lang)
    scale = alt.Scale(domain=[0, top], nice=False)
    diagonal = (
        alt.Chart(pl.DataFrame({"x": [0.0, top], "y": [0.0, top]}))
        .mark_line(color="grey", strokeDash=[4, 4])
        .encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale))
    )
    curves = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("mean_predicted:Q", title=x_title, scale=scale, axis=alt.Axis(format="%")),
            y=alt.Y("observed:Q", title=y_title, scale=scale, axis=alt.Axis(format="%")),
            # The legend below the plot, one model a line: on its right, on a phone (390 px)
            # it left the curves a strip 90 px wide, the axis reading only 0% and 30%.
            color=alt.Color(
                "label:N",
                title=t("calibration_model", lang),
                scale=curve_colours(frame, chosen),
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=0),
            ),
            strokeWidth=alt.condition("datum.chosen", alt.value(3), alt.value(1.5)),
            tooltip=[
                alt.Tooltip("label:N", title=t("calibration_model", lang)),
                alt.Tooltip("mean_predicted:Q", title=x_title, format=".1%"),
                alt.Tooltip("observed:Q", title=y_title, format=".1%"),
                alt.Tooltip("n:Q", title=i18n.label("n", lang), format=","),
            ],
        )
    )
    # the height Streamlit gives the whole chart, legend included: the plot keeps about 360 px
    return (diagonal + curves).properties(height=470)


def psi_chart(features: list[str], psi: list[float], lang: Lang) -> alt.Chart:
    """PSI per feature as horizontal bars, largest first, with the features' whole names (the
    simple bar chart cut long English names short)."""
    frame = pl.DataFrame({"feature": features, "psi": psi})
    axis_title = t("psi_axis", lang)
    return (
        alt.Chart(frame)
        .mark_bar(color="#1c83e1")
        .encode(
            y=alt.Y("feature:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("psi:Q", title=axis_title),
            tooltip=[
                alt.Tooltip("feature:N", title=t("feature_axis", lang)),
                alt.Tooltip("psi:Q", title=axis_title, format=".3f"),
            ],
        )
        .properties(height=40 + 24 * frame.height)
    )


DEMAND_COLOURS: tuple[str, str, str] = ("#ff4b4b", "#1c83e1", "#21c354")
"""The demand chart's bars: hours needed (red), available (blue), used (green)."""


def demand_chart(roles: list[str], hours: dict[str, list[float]], lang: Lang) -> alt.Chart:
    """Hours by role as grouped horizontal bars, one bar per entry of ``hours`` (its label ->
    one figure per role, in the order of ``roles``), coloured :data:`DEMAND_COLOURS` in that
    order, with the labels whole in the legend below (``st.bar_chart``'s legend cut the
    longest, 需求工时（含未覆盖农… / hours needed incl. uncov…) and the roles whole on the axis.
    The legend has one entry a line: side by side, Vega does not wrap them, and on a phone
    (390 px) the third, hours used, was drawn past the chart's edge, out of sight."""
    series = list(hours)
    frame = pl.DataFrame(
        {
            "role": [r for _ in series for r in roles],
            "series": [s for s in series for _ in roles],
            "hours": [float(v) for s in series for v in hours[s]],
        }
    )
    role_title, hours_title = t("role_axis", lang), t("hours_axis", lang)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("role:N", sort=roles, title=None, axis=alt.Axis(labelLimit=0)),
            yOffset=alt.YOffset("series:N", sort=series),
            x=alt.X("hours:Q", title=hours_title),
            color=alt.Color(
                "series:N",
                sort=series,
                scale=alt.Scale(domain=series, range=list(DEMAND_COLOURS[: len(series)])),
                legend=alt.Legend(title=None, orient="bottom", direction="vertical", labelLimit=0),
            ),
            tooltip=[
                alt.Tooltip("role:N", title=role_title),
                alt.Tooltip("series:N", title=t("demand_series", lang)),
                alt.Tooltip("hours:Q", title=hours_title, format=",.1f"),
            ],
        )
        .properties(height=300)
    )

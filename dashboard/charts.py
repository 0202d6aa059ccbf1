"""The pages' charts as Altair specifications (Streamlit's frontend draws them with its
bundled Vega: nothing is fetched), each named for a screen reader by what it shows
(:func:`spoken`; ``st.bar_chart`` takes no name, so its bars are :func:`bars` here). No
Streamlit here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

import altair as alt
import polars as pl

from dashboard import i18n
from dashboard.i18n import Lang, t

BAR_COLOUR: Final = "#1c83e1"
"""A one-series bar chart's colour (Streamlit's blue, as ``st.bar_chart`` drew it)."""
NO_VEGA_WORDS: Final = {"aria": False}
"""Each chart's ``config``: read by a screen reader as one image by its name (its
``description``, :func:`spoken`, which says the figures drawn), without Vega's own words for
its axes, legends and marks, English on the Chinese page ('X-axis titled ... for a linear
scale with values from 0 to 600', 'Symbol legend titled ...'), one item per bar (each mark
is also ``aria=False``)."""


def spoken(title: str, items: Sequence[str], lang: Lang) -> str:
    """A chart's accessible name (its Vega-Lite ``description``, which the browser gives
    the chart's box): its title, then what it shows, item by item, in ``lang``. Without one a
    screen reader announced every chart as 'Vega visualization', in English on the Chinese
    page, and its figures only bar by bar in Vega's English ('value: 38; color: ...')."""
    sep, end = ("；", "。") if lang == "zh" else ("; ", ".")
    return f"{title}{i18n.label_sep(lang)}{sep.join(items)}{end}"


def bars(
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    category_title: str,
    value_title: str,
    colours: Sequence[str],
    height: int,
    description: str,
    value_format: str = ",.1f",
    value_texts: dict[str, Sequence[str]] | None = None,
) -> alt.Chart:
    """Horizontal bars, one row per category (in the given order, the names whole on the
    axis), one bar per entry of ``series`` (label -> one figure per category, ``None``: no
    bar) stacked in that order and coloured ``colours``; the legend below the bars, one entry
    a line, when there is more than one series. What ``st.bar_chart`` drew, with an
    accessible name (``description``, see :func:`spoken`), which ``st.bar_chart`` cannot
    take. A bar's tooltip gives its figure in ``value_format``, or, with ``value_texts``
    (label -> one text per category), that text: a figure the dashboard words by a rule of
    its own (a share by :func:`dashboard.i18n.fmt_share`) rather than a number format."""
    names = list(series)
    frame = pl.DataFrame(
        {
            "category": [c for _ in names for c in categories],
            "series": [s for s in names for _ in categories],
            "value": [None if v is None else float(v) for s in names for v in series[s]],
            "text": [
                None if value_texts is None else value_texts[s][i]
                for s in names
                for i in range(len(categories))
            ],
        },
        schema={"category": pl.String, "series": pl.String, "value": pl.Float64, "text": pl.String},
    )
    shown = (
        alt.Tooltip("value:Q", title=value_title, format=value_format)
        if value_texts is None
        else alt.Tooltip("text:N", title=value_title)
    )
    legend = (
        alt.Legend(title=None, orient="bottom", direction="vertical", labelLimit=0)
        if len(names) > 1
        else None
    )
    return (
        alt.Chart(frame)
        .mark_bar(aria=False)
        .encode(
            y=alt.Y("category:N", sort=list(categories), title=None, axis=alt.Axis(labelLimit=0)),
            x=alt.X("value:Q", title=value_title, stack="zero"),
            color=alt.Color(
                "series:N",
                sort=names,
                scale=alt.Scale(domain=names, range=list(colours[: len(names)])),
                legend=legend,
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("category:N", title=category_title),
                *([alt.Tooltip("series:N", title=" ")] if len(names) > 1 else []),
                shown,
            ],
        )
        .transform_calculate(order=f"indexof({json.dumps(names)}, datum.series)")
        .properties(height=height, description=description)
        .configure(**NO_VEGA_WORDS)
    )


def utilisation_chart(
    roles: Sequence[str], shares: Sequence[float | None], lang: Lang, title: str
) -> alt.Chart:
    """The overview's hours used of hours available by role (``shares``, one per role, 1 =
    all): bars in per cent, each read (tooltip, accessible name) as
    :func:`dashboard.i18n.fmt_share` words it. The bars' figures were rounded to one
    decimal first, so that 99.96 % read 100.0 % beside a township table that says 99.9 %:
    a share below 1 never reads 100 %."""
    axis = t("utilisation_axis", lang)
    texts = [i18n.fmt_share(s) for s in shares]
    return bars(
        roles,
        {axis: [None if s is None else 100 * float(s) for s in shares]},
        category_title=t("role_axis", lang),
        value_title=axis,
        colours=[BAR_COLOUR],
        height=260,
        description=spoken(title, [f"{r} {x}" for r, x in zip(roles, texts, strict=True)], lang),
        value_texts={axis: texts},
    )


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


def calibration_chart(
    bins: pl.DataFrame, chosen: str, lang: Lang, title: str = ""
) -> alt.LayerChart:
    """Reliability curves (``model, mean_predicted, observed, n`` per bin, as training logged
    them) over the dashed diagonal of perfect calibration, with axes and legend in ``lang``
    (the legend below the plot, which keeps the page's width on a phone); the chosen model's
    curve is drawn thicker; its accessible name (:func:`spoken`) is ``title`` and each
    model's largest gap between predicted and observed."""
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
        .mark_line(color="grey", strokeDash=[4, 4], aria=False)
        .encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale))
    )
    curves = (
        alt.Chart(frame)
        .mark_line(point=True, aria=False)
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
    gaps = (
        frame.group_by("label", maintain_order=True)
        .agg((pl.col("observed") - pl.col("mean_predicted")).abs().max().alias("gap"))
        .iter_rows()
    )
    said = [t("calibration_gap", lang, model=label, gap=i18n.fmt_pct(gap)) for label, gap in gaps]
    # the height Streamlit gives the whole chart, legend included: the plot keeps about 360 px
    return (
        (diagonal + curves)
        .properties(height=470, description=spoken(title, said, lang))
        .configure(**NO_VEGA_WORDS)
    )


def psi_chart(features: list[str], psi: list[float], lang: Lang, title: str = "") -> alt.Chart:
    """PSI per feature as horizontal bars, largest first, with the features' whole names (the
    simple bar chart cut long English names short); named ``title`` and every feature's PSI
    for a screen reader (:func:`spoken`)."""
    frame = pl.DataFrame({"feature": features, "psi": psi})
    axis_title = t("psi_axis", lang)
    return (
        alt.Chart(frame)
        .mark_bar(color=BAR_COLOUR, aria=False)
        .encode(
            y=alt.Y("feature:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("psi:Q", title=axis_title),
            tooltip=[
                alt.Tooltip("feature:N", title=t("feature_axis", lang)),
                alt.Tooltip("psi:Q", title=axis_title, format=".3f"),
            ],
        )
        .properties(
            height=40 + 24 * frame.height,
            description=spoken(
                title, [f"{f} {v:.3f}" for f, v in zip(features, psi, strict=True)], lang
            ),
        )
        .configure(**NO_VEGA_WORDS)
    )


DEMAND_COLOURS: tuple[str, str, str] = ("#ff4b4b", "#1c83e1", "#21c354")
"""The demand chart's bars: hours needed (red), available (blue), used (green)."""


def demand_chart(
    roles: list[str], hours: dict[str, list[float]], lang: Lang, title: str = ""
) -> alt.Chart:
    """Hours by role as grouped horizontal bars, one bar per entry of ``hours`` (its label ->
    one figure per role, in the order of ``roles``), coloured :data:`DEMAND_COLOURS` in that
    order, with the labels whole in the legend below (``st.bar_chart``'s legend cut the
    longest, 需求工时（含未覆盖农… / hours needed incl. uncov…) and the roles whole on the axis.
    The legend has one entry a line: side by side, Vega does not wrap them, and on a phone
    (390 px) the third, hours used, was drawn past the chart's edge, out of sight. Its
    accessible name is ``title`` and every role's figures (:func:`spoken`)."""
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
        .mark_bar(aria=False)
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
        .properties(
            height=300,
            description=spoken(
                title,
                [
                    f"{role} "
                    + ("、" if lang == "zh" else ", ").join(
                        f"{s} {i18n.fmt_hours(hours[s][i], lang)}" for s in series
                    )
                    for i, role in enumerate(roles)
                ],
                lang,
            ),
        )
        .configure(**NO_VEGA_WORDS)
    )

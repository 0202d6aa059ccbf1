"""模型 Model: the champion risk model as the model registry holds it - metrics against the
baselines, calibration, the errors across groups, the model card - this month's drift flags,
and every version."""

from __future__ import annotations

import base64
import html

import polars as pl
import streamlit as st

from dashboard import auth, charts, i18n, registry
from dashboard.data import model_candidates
from dashboard.data.model import ModelFilesMissingError
from dashboard.i18n import t
from dashboard.widgets import metric_row
from risk_model.spec import logged_top_class_names

ctx = auth.page_context()
lang = ctx.lang
st.title(t("page_model", lang), anchor=False)
with auth.guarded(lang), st.spinner(t("registry_loading", lang)):
    versions = ctx.data.model_versions()  # the first time: a child process reads the registry
champion = next((v for v in versions if "champion" in v.aliases), None)


def metric_text(name: str, value: object) -> str:
    """A registry metric as the page shows it (shares as percentages)."""
    if value is None:
        return "—"
    if i18n.COLUMNS.get(name, ("", "", "float"))[2] == "pct":
        return i18n.fmt_pct(float(value))  # type: ignore[arg-type]
    return f"{float(value):.3f}"  # type: ignore[arg-type]


def logged_count(value: str | None) -> int | None:
    """A count the registry keeps as a param (text: ``"10000"``), as a number; None when the
    version has none or it is not a whole number."""
    return int(value) if value is not None and value.strip().isdigit() else None


def files_missing(version: int, message: str) -> None:
    """Say that ``version``'s logged files are missing, and the registry's why and where."""
    st.error(
        registry.FILES_MISSING[lang].format(v=version) + "\n\n" + i18n.notice(message, lang),
        icon=":material/folder_off:",
    )


st.subheader(t("champion", lang), anchor=False)
if champion is None:
    st.info(t("champion_none", lang))
else:
    tags = champion.tags
    st.markdown(
        f"**{t('model_version', lang, v=champion.version)}** · "
        + t(
            "promoted",
            lang,
            at=i18n.timestamp(tags.get("promoted_at"), lang),
            gate=i18n.gate(tags.get("promotion_gate"), lang),
        )
        + (f" {t('forced', lang)}" if tags.get("promotion_forced") == "true" else "")
    )
    figures = metric_row()
    for name in i18n.MODEL_METRICS:
        figures.metric(i18n.label(name, lang), metric_text(name, champion.metrics.get(name)))
    st.caption(t("model_caption", lang))

    with auth.guarded(lang):
        report = ctx.data.model_report(champion.version)
    if report.missing is not None:
        files_missing(champion.version, report.missing)

if champion is not None and report.missing is None:
    st.subheader(t("baselines", lang), anchor=False)
    chosen, how, candidates = model_candidates(champion.params, champion.metrics, report.selection)
    columns = {
        i18n.model_kind(kind, lang) + (t("chosen_mark", lang) if prefix == "" else ""): prefix
        for kind, prefix in candidates
    }
    if any(m.startswith("bayes_") for m in champion.metrics):
        columns[t("bayes", lang)] = "bayes_"
    compare = pl.DataFrame(
        {
            t("metric", lang): [i18n.label(n, lang) for n in i18n.MODEL_METRICS],
            **{
                title: [
                    metric_text(n, champion.metrics.get(f"{prefix}{n}")) for n in i18n.MODEL_METRICS
                ]
                for title, prefix in columns.items()
            },
        }
    )
    st.dataframe(compare, hide_index=True, width="stretch")
    st.caption(
        t(
            "baselines_caption",
            lang,
            kind=i18n.model_kind(chosen, lang),
            by=t(f"chosen_by_{how or 'unknown'}", lang),
        )
    )

    st.subheader(t("calibration", lang), anchor=False)
    ece = metric_text("ece", champion.metrics.get("ece"))
    if report.calibration is not None:
        st.altair_chart(
            charts.calibration_chart(report.calibration, chosen, lang, t("calibration", lang)),
            width="stretch",
        )
        st.caption(t("calibration_caption_data", lang, ece=ece))
    elif report.calibration_png is not None:
        # Versions trained before the curve's data was logged: training's own (English) plot,
        # inline (a data URI) so that it is drawn with the page, never a lazy grey box.
        encoded = base64.b64encode(report.calibration_png).decode("ascii")
        alt = html.escape(t("calibration", lang))
        st.markdown(
            f'<img src="data:image/png;base64,{encoded}" width="440" alt="{alt}">',
            unsafe_allow_html=True,
        )
        st.caption(t("calibration_caption", lang, ece=ece))
    else:
        st.info(t("calibration_none", lang))

    st.subheader(t("fairness", lang), anchor=False)
    if report.fairness is None or report.fairness.height == 0:
        st.info(t("fairness_none", lang))
    else:
        attributes = report.fairness["attribute"].unique(maintain_order=True).to_list()
        most = int(report.fairness.group_by("attribute").len()["len"].max() or 1)  # type: ignore[arg-type]
        for col, attr in zip(st.columns(len(attributes)), attributes, strict=True):
            rows = report.fairness.filter(pl.col("attribute") == attr)
            words = i18n.fairness_table(rows, lang)
            groups = words[i18n.label("group", lang)].to_list()
            recall = (rows["tier1_recall"].fill_nan(None) * 100).round(1).to_list()
            title = t("fairness_chart", lang, attr=i18n.attribute(attr, lang))
            col.markdown(f"**{title}**")
            # Bars across, the groups' names on the side: upright, the names were written
            # sideways under the bars (丘北县, 壮族, 女 turned a quarter), even two of them at
            # 1,366 px.
            col.altair_chart(
                charts.bars(
                    groups,
                    {t("recall_axis", lang): recall},
                    category_title=t("group_axis", lang),
                    value_title=t("recall_axis", lang),
                    colours=[charts.BAR_COLOUR],
                    height=70 + 32 * most,  # one height for the charts side by side
                    description=charts.spoken(
                        title,
                        [
                            f"{g} {i18n.fmt_pct(None if r is None else r / 100)}"
                            for g, r in zip(groups, recall, strict=True)
                        ],
                        lang,
                    ),
                ),
                width="stretch",
            )
        auth.show_table(i18n.fairness_table(report.fairness, lang), lang)
        st.caption(t("fairness_caption", lang))

st.subheader(t("drift", lang), anchor=False)
drift_missing: str | None = None
with auth.guarded(lang):
    try:
        drift = ctx.data.drift(ctx.month)
    except ModelFilesMissingError as exc:  # the page goes on: the versions below still show
        drift, drift_missing = None, str(exc)
if drift_missing is not None and champion is not None and report.missing is not None:
    st.info(registry.SEE_ABOVE[lang])  # the champion's files, said in full above
elif drift_missing is not None:
    st.error(i18n.notice(drift_missing, lang))
elif drift is None:
    st.info(t("drift_none", lang))
else:
    flagged = drift.report.filter(pl.col("flagged"))["feature"].to_list()
    if flagged:
        names = "、" if lang == "zh" else ", "
        st.warning(
            t(
                "drift_flagged",
                lang,
                n=len(flagged),
                features=names.join(i18n.record_field(f, lang) for f in flagged),
            )
        )
    else:
        st.success(t("drift_ok", lang))
    top = drift.report.head(15)
    st.markdown(f"**{t('drift_chart', lang)}**")
    st.altair_chart(
        charts.psi_chart(
            [i18n.record_field(f, lang) for f in top["feature"]],
            top["psi"].round(3).to_list(),
            lang,
            t("drift_chart", lang),
        ),
        width="stretch",
    )
    st.caption(
        t(
            "drift_caption",
            lang,
            n=i18n.fmt_int(drift.households),
            v=drift.model_version,
            threshold=f"{drift.threshold:g}",
        )
    )

if champion is not None:
    st.subheader(t("model_card", lang), anchor=False)
    report = ctx.data.model_report(champion.version)  # kept by the data layer: no re-read
    if report.missing is not None:
        st.info(registry.SEE_ABOVE[lang])
    elif report.card is None:
        st.info(t("model_card_none", lang))
    else:
        with st.expander(t("model_card", lang)):
            st.markdown(i18n.named(report.card, lang))  # its county codes by name too

st.subheader(t("model_versions", lang), anchor=False)
# Each version's recall is of its own highest-risk class: 一类户 for the households model, the
# first class of a spec table's (类别“high”), as `models` and `train` word it. A registry
# of households models alone keeps the one column 一类户召回率.
top_class = [logged_top_class_names(v.params) for v in versions]
households_only = all(en == "tier-1" for en, _ in top_class)
recall_of = (
    {} if households_only else {"top_class": [zh if lang == "zh" else en for en, zh in top_class]}
)
table = pl.DataFrame(
    {
        "version": [v.version for v in versions],
        "aliases": [", ".join(i18n.alias(a, lang) for a in v.aliases) or "—" for v in versions],
        "promoted_at": [i18n.time_cell(v.tags.get("promoted_at")) for v in versions],
        "gate": [i18n.gate(v.tags.get("promotion_gate"), lang) for v in versions],
        "registered_at": [i18n.time_cell(v.created_ms) for v in versions],
        # a count like every other (10,000, not the param's text 10000)
        "n_rows": [logged_count(v.params.get("n_rows")) for v in versions],
        **recall_of,
        "tier1_recall" if households_only else "top_recall": [
            v.metrics.get("tier1_recall") for v in versions
        ],
        **{n: [v.metrics.get(n) for v in versions] for n in ("macro_f1", "ece")},
    },
    schema_overrides={"version": pl.Int64, "n_rows": pl.Int64},
)
auth.show_table(i18n.table(table.head(200), table.columns, lang), lang, total=len(versions))

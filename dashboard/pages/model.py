"""模型 Model: the champion risk model and every version, as the model registry holds them
(nothing is recomputed here)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import streamlit as st

from dashboard import auth, i18n
from dashboard.i18n import t
from visit_planner.risk_job import list_models

ctx = auth.page_context()
lang = ctx.lang
st.title(t("page_model", lang))
with auth.guarded(lang):
    versions = list_models(ctx.data.workspace.root)
champion = next((v for v in versions if "champion" in v.aliases), None)


def metric_text(name: str, value: object) -> str:
    """A registry metric as the page shows it (shares as percentages)."""
    if value is None:
        return "—"
    if i18n.COLUMNS.get(name, ("", "", "float"))[2] == "pct":
        return i18n.fmt_pct(float(value))  # type: ignore[arg-type]
    return f"{float(value):.3f}"  # type: ignore[arg-type]


st.subheader(t("champion", lang))
if champion is None:
    st.info(t("champion_none", lang))
else:
    tags = champion.tags
    st.markdown(
        f"**{t('model_version', lang, v=champion.version)}** · "
        + t(
            "promoted",
            lang,
            at=i18n.timestamp(tags.get("promoted_at")),
            gate=i18n.gate(tags.get("promotion_gate"), lang),
        )
        + (f" {t('forced', lang)}" if tags.get("promotion_forced") == "true" else "")
    )
    cols = st.columns(len(i18n.MODEL_METRICS))
    for col, name in zip(cols, i18n.MODEL_METRICS, strict=True):
        col.metric(i18n.label(name, lang), metric_text(name, champion.metrics.get(name)))
    st.caption(t("model_caption", lang))

    st.subheader(t("baselines", lang))
    prefixes = {
        "this_model": "", "logistic": "logistic_", "scorecard": "scorecard_", "bayes": "bayes_",
    }  # fmt: skip
    compare = pl.DataFrame(
        {
            t("metric", lang): [i18n.label(n, lang) for n in i18n.MODEL_METRICS],
            **{
                t(key, lang): [
                    metric_text(n, champion.metrics.get(f"{prefix}{n}")) for n in i18n.MODEL_METRICS
                ]
                for key, prefix in prefixes.items()
            },
        }
    )
    st.dataframe(compare, hide_index=True, width="stretch")

st.subheader(t("model_versions", lang))
table = pl.DataFrame(
    {
        "version": [v.version for v in versions],
        "aliases": [", ".join(i18n.alias(a, lang) for a in v.aliases) or "—" for v in versions],
        "promoted_at": [i18n.timestamp(v.tags.get("promoted_at")) for v in versions],
        "gate": [i18n.gate(v.tags.get("promotion_gate"), lang) for v in versions],
        "registered_at": [
            datetime.fromtimestamp(v.created_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")
            for v in versions
        ],
        "n_rows": [v.params.get("n_rows") for v in versions],
        **{n: [v.metrics.get(n) for v in versions] for n in ("tier1_recall", "macro_f1", "ece")},
    },
    schema_overrides={"version": pl.Int64},
)
auth.show_table(i18n.table(table.head(200), table.columns, lang), lang, total=len(versions))

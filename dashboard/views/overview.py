"""总览 Overview: the month at a glance for the signed-in user's jurisdiction."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import auth, charts, i18n, maps
from dashboard.i18n import t
from dashboard.widgets import map_with_legend, metric_row

ctx = auth.page_context()
lang = ctx.lang
with auth.guarded(lang):
    ov = ctx.data.overview(ctx.month)

run = ov.run
st.title(t("page_overview", lang), anchor=False)
if ov.townships.height == 0 or int(ov.by_tier["households"].sum()) == 0:
    # No township of the jurisdiction in the month's plan: no coverage, proof or chart to show.
    st.info(t("jurisdiction_empty", lang, scope=ctx.viewer.scope_label(lang)))
    st.stop()
st.caption(
    t(
        "run_caption",
        lang,
        month=run.month,
        version=run.version,
        run=run.run_id[:12],
        when=i18n.timestamp(run.created_at, lang),
        by=run.created_by,
    )
)

tier1 = ov.by_tier.filter(pl.col("tier") == 1)
t1_total = int(tier1["households"].sum())
t1_covered = int(tier1["covered"].sum())
gap = i18n.fmt_pct(ov.gap, 2) if ov.gap is not None else "—"
figures = metric_row()
figures.metric(t("households", lang), i18n.fmt_int(int(ov.by_tier["households"].sum())))
figures.metric(
    t("tier1_coverage", lang),
    i18n.fmt_pct(t1_covered / t1_total if t1_total else 1.0),
    help=t("tier1_coverage_help", lang),
)
figures.metric(
    t("tier1_proven", lang),
    t("yes", lang) if ov.tier1_proven else t("tier1_proven_unknown", lang),
    help=t("tier1_proven_help", lang),
)
figures.metric(t("all_townships", lang), i18n.fmt_int(ov.townships.height))
st.caption(t("proven_caption_yes", lang, gap=gap) if ov.proven else t("proven_caption_no", lang))

left, right = st.columns(2)
with left:
    st.subheader(t("by_tier", lang), anchor=False)
    tier_names = [i18n.tier(v, lang) for v in ov.by_tier["tier"]]
    covered = ov.by_tier["covered"].cast(pl.Int64).to_list()
    uncovered = ov.by_tier["uncovered"].cast(pl.Int64).to_list()
    st.altair_chart(
        charts.bars(
            tier_names,
            {t("covered", lang): covered, t("uncovered", lang): uncovered},
            category_title=t("tier_axis", lang),
            value_title=t("households_axis", lang),
            colours=["#21c354", "#ff4b4b"],
            height=260,
            value_format=",d",
            description=charts.spoken(
                t("by_tier", lang),
                [
                    f"{n} {t('covered', lang)} {i18n.fmt_int(c)}"
                    f"{'、' if lang == 'zh' else ', '}{t('uncovered', lang)} {i18n.fmt_int(u)}"
                    for n, c, u in zip(tier_names, covered, uncovered, strict=True)
                ],
                lang,
            ),
        ),
        width="stretch",
    )
with right:
    st.subheader(t("by_role", lang), anchor=False)
    by_role = ov.by_role[i18n.by_role_order(ov.by_role["role"])]
    role_names = [i18n.role(v, lang) for v in by_role["role"]]
    st.altair_chart(
        charts.utilisation_chart(
            role_names, by_role["utilisation"].to_list(), lang, t("by_role", lang)
        ),
        width="stretch",
    )
    st.caption(t("by_role_caption", lang))

st.subheader(t("shortfalls", lang), anchor=False)
short = ov.townships.filter(pl.col("unassigned_tier1") > 0)
if short.height == 0:
    st.success(t("no_shortfall", lang))
else:
    auth.show_table(
        i18n.table(short, ["township_id", "households", "unassigned_tier1", "extra_cadres"], lang),
        lang,
    )
    sep = i18n.label_sep(lang)
    st.markdown(
        "\n".join(
            f"- **{i18n.township(r['township_id'], lang)}**{sep}{i18n.pick(r['shortfall'], lang)}"
            for r in short.iter_rows(named=True)
            if r["shortfall"]
        )
    )

if ov.townships.height == 1:
    # One township in scope (a township's supervisor): its map, households by tier and worker
    # bases, as the township page draws it. The townships' map drew one dot in a frame of
    # half a degree, which said nothing the table below does not.
    only = str(ov.townships["township_id"][0])
    st.subheader(t("township_map", lang), anchor=False)
    with auth.guarded(lang):
        points = ctx.data.map_points(ctx.month, only)
    title = f"{t('township_map', lang)} {i18n.township(only, lang)}"
    map_with_legend(maps.township_frames(points, lang), 420, title, lang)
else:
    st.subheader(t("townships_map", lang), anchor=False)
    frames = maps.townships_frames(ov.townships, ov.centres, lang)
    map_with_legend(frames, 420, t("townships_map", lang), lang, min_span=0.5)

st.subheader(t("all_townships", lang), anchor=False)
utilisation = [c for c in ov.townships.columns if c.startswith("utilisation_")]
auth.show_table(
    i18n.table(
        ov.townships,
        # what a supervisor compares first, then how each township's solve went
        ["township_id", "households", "unassigned_tier1", "workers", *utilisation, "status",
         "gap"],
        lang,
    ),
    lang,
    widths={i18n.label("township_id", lang): auth.TOWNSHIP_WIDTH},
    whole=i18n.label("township_id", lang),
)  # fmt: skip

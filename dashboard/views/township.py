"""乡镇 Township: demand against capacity by role, the uncovered households, the shortfall and
the map of one township in the signed-in user's jurisdiction."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import auth, charts, i18n, maps
from dashboard.i18n import t
from dashboard.widgets import keep_choices, map_with_legend, metric_row
from visit_planner.policy import parse_policy
from visit_planner.whatif import Changes, NewWorker

PUBLISHED = "_whatif_published"  # (run id, version) of an amendment just published

ctx = auth.page_context()
lang = ctx.lang
keep_choices(lang, "township", "wf_worker", "wf_remove", "wf_add_role", "wf_add_area", "wf_tier")
st.title(t("page_township", lang), anchor=False)  # above a refusal too, as on the other pages
with auth.guarded(lang):
    towns = ctx.data.townships(ctx.month)
    requested = st.query_params.get("township")
    if requested and requested not in towns:
        ctx.data.township(ctx.month, requested)  # the data layer says why (out of scope ...)
if not towns:
    st.info(t("jurisdiction_empty", lang, scope=ctx.viewer.scope_label(lang)))
    st.stop()
if requested in towns and st.session_state.get("_township_param") != requested:
    st.session_state["township"] = requested
    st.session_state["_township_param"] = requested
if st.session_state.get("township") not in towns:
    st.session_state["township"] = towns[0]
tw = st.selectbox(
    t("choose_township", lang),
    towns,
    format_func=lambda code: i18n.township(code, lang),
    key="township",
)
with auth.guarded(lang):
    info = ctx.data.township(ctx.month, tw)
    points = ctx.data.map_points(ctx.month, tw)

diag = info["diagnostics"]
figures = metric_row()
figures.metric(t("households", lang), i18n.fmt_int(diag["households"]))
figures.metric(t("workers", lang), i18n.fmt_int(diag["workers"]))
figures.metric(t("uncovered_households", lang), i18n.fmt_int(info["uncovered_count"]))
figures.metric(t("status", lang), i18n.status(diag["status"], lang))
if diag.get("shortfall"):
    # a sentence of its own (the English read 'proven: no plan covers…', no full stop)
    st.warning(i18n.notice(diag["shortfall"], lang))
else:
    st.success(t("shortfall_none", lang))

st.subheader(t("demand_capacity", lang), anchor=False)
policy = parse_policy(info["run"].policy_text, "run policy")
serves = {str(p.role): tier for tier, p in policy.tiers.items()}
demand = dict(zip(info["demand"]["tier"].to_list(), info["demand"]["hours"].to_list(), strict=True))
capacity = info["capacity"][i18n.by_role_order(info["capacity"]["role"])]
chart = charts.demand_chart(
    [i18n.role(r, lang) for r in capacity["role"]],
    {
        t("demand_hours", lang): [
            round(float(demand.get(serves.get(r, 0), 0.0) or 0.0), 1) for r in capacity["role"]
        ],
        t("available_hours", lang): capacity["hours_available"].round(1).to_list(),
        t("used_hours", lang): capacity["hours_used"].round(1).to_list(),
    },
    lang,
    t("demand_capacity", lang),
)
st.altair_chart(chart, width="stretch")
st.caption(t("demand_capacity_caption", lang))

st.subheader(t("uncovered_households", lang), anchor=False)
if info["uncovered_count"] == 0:
    st.success(t("all_covered", lang))
elif info["uncovered"] is None:
    st.info(t("uncovered_hidden", lang, n=f"{info['uncovered_count']:,}"))
else:
    # A row opens the household's page: why its tier, why no one visits it, who could. The
    # list named the households only, and each had to be typed into the household page.
    st.caption(t("uncovered_pick", lang))
    picked = auth.show_table(
        i18n.table(info["uncovered"], ["household_id", "tier", "risk"], lang),
        lang,
        total=info["uncovered_count"],
        key="uncovered_pick",
        pick=True,
    )
    if picked is not None:
        household = str(info["uncovered"]["household_id"][picked])
        auth.open_page("views/household.py", {"household": household, "lang": lang})

st.subheader(t("township_map", lang), anchor=False)
map_with_legend(
    maps.township_frames(points, lang),
    460,
    f"{t('township_map', lang)} {i18n.township(tw, lang)}",
    lang,
)

st.subheader(t("worker_loads", lang), anchor=False)
st.caption(t("worker_pick", lang))
picked_worker = auth.show_table(
    i18n.table(info["loads"], i18n.WORKER_LOAD_COLUMNS, lang),
    lang,
    total=int(diag["workers"]),
    key="worker_pick_row",
    pick=True,
)
if picked_worker is not None:  # on to the worker's page: households, hours, visit list
    worker = str(info["loads"]["worker_id"][picked_worker])
    auth.open_page("views/worker.py", {"worker": worker, "lang": lang})

st.subheader(t("whatif", lang), anchor=False)
st.caption(t("whatif_intro", lang))
with auth.guarded(lang):  # every worker of the township, not the table's first page of them
    staff = ctx.data.workers_of(ctx.month, tw)
# the busiest first, as in the table above
staff = staff.with_columns(
    pl.when(pl.col("monthly_hours") > 0)
    .then(pl.col("hours_used") / pl.col("monthly_hours"))
    .alias("utilisation")
).sort(["utilisation", "worker_id"], descending=[True, False], nulls_last=True)
workers = staff["worker_id"].to_list()
roles = dict(zip(workers, staff["role"].to_list(), strict=True))


def worker_choice(worker_id: str) -> str:
    """``W000003 · 基层干部``: a worker of the township with their role (``""``: no change)."""
    return (
        i18n.worker(worker_id, roles.get(worker_id), lang)
        if worker_id
        else t("whatif_tier_none", lang)
    )


with auth.guarded(lang):
    areas = ctx.data.areas(ctx.month, tw)
villages = areas["village_id"].unique(maintain_order=True).to_list()
grids = areas["grid_id"].drop_nulls().to_list()
area_codes = [*villages, *grids]
grid_village = dict(areas.drop_nulls("grid_id").select("grid_id", "village_id").iter_rows())


def added(role: str, area: str) -> dict[str, str | None] | None:
    """The new worker's area (``village_id``, ``grid_id``) for ``role`` from the area chosen:
    a cadre the township (none needed), a village official a village (a grid's village will
    do), a grid worker a grid; None when the role's area was not chosen."""
    if role == "cadre":
        return {"village_id": None, "grid_id": None}
    if role == "village_official" and area:
        return {"village_id": grid_village.get(area, area), "grid_id": None}
    if role == "grid_worker" and area in grid_village:
        return {"village_id": grid_village[area], "grid_id": area}
    return None


with st.form("whatif"):
    w1, w2 = st.columns(2)
    change_worker = w1.selectbox(
        t("whatif_worker", lang), ["", *workers], format_func=worker_choice, key="wf_worker"
    )
    new_hours = w2.number_input(t("whatif_hours", lang), 0.0, 744.0, 20.0, 1.0, key="wf_hours")
    leaving = st.multiselect(
        t("whatif_remove", lang),
        workers,
        format_func=worker_choice,
        placeholder=t("choose_options", lang),
        key="wf_remove",
    )
    a1, a2 = st.columns(2)
    add_roles = ["", "cadre", "village_official", "grid_worker"]
    add_role = a1.selectbox(
        t("whatif_add_role", lang),
        add_roles,
        format_func=lambda r: i18n.role(r, lang) if r else t("whatif_add_none", lang),
        key="wf_add_role",
    )
    add_hours = a2.number_input(t("whatif_add_hours", lang), 1.0, 744.0, 20.0, 1.0, key="wf_add")
    # A village official serves its village, a grid worker its grid: without one, the new
    # worker served no household and the what-if showed no effect of it.
    add_area = st.selectbox(
        t("whatif_add_area", lang),
        ["", *area_codes],
        format_func=lambda code: i18n.place(code, lang) if code else t("whatif_area_none", lang),
        key="wf_add_area",
    )
    v1, v2 = st.columns(2)
    tier = v1.selectbox(
        t("whatif_tier", lang),
        [0, 1, 2, 3],
        format_func=lambda x: i18n.tier(x, lang) if x else t("whatif_tier_none", lang),
        key="wf_tier",
    )
    visits = v2.number_input(t("whatif_visits", lang), 0.1, 8.0, 1.0, 0.1, key="wf_visits")
    submitted = st.form_submit_button(t("whatif_run", lang))
new_worker = added(add_role, add_area) if submitted and add_role else None
if submitted and add_role and new_worker is None:
    st.error(t(f"whatif_area_{add_role}", lang))
elif submitted:
    changes = Changes(
        hours={change_worker: float(new_hours)} if change_worker else {},
        remove=tuple(leaving),
        add=(NewWorker(add_role, float(add_hours), 40, **new_worker),) if new_worker else (),
        visits_per_month={int(tier): float(visits)} if tier else {},
    )
    with auth.guarded(lang), st.spinner(t("whatif_run", lang)):
        st.session_state["whatif_result"] = (
            info["run"].run_id,
            ctx.data.what_if(ctx.month, tw, changes),
        )
held = st.session_state.get("whatif_result")
if held is not None and held[1].township_id == tw:
    based_on, result = held
    st.markdown(
        f"**{t('whatif_result', lang)}** · {t('whatif_seconds', lang, s=f'{result.seconds:.1f}')}"
    )
    st.caption(t("whatif_changes", lang, changes=i18n.changes_text(result.changes, lang)))
    rows = [
        {
            t("whatif_figure", lang): t(f"wf_{key}", lang),
            t("whatif_before", lang): round(result.before.get(key, 0.0), 1),
            t("whatif_after", lang): round(result.after[key], 1),
        }
        for key in result.after
    ]
    # Counts with thousands separators, as in every other table (1,315, not 1315); the hours
    # keep their one decimal. Still numbers.
    localized = st.column_config.NumberColumn(format="localized")
    st.dataframe(
        pl.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={t("whatif_before", lang): localized, t("whatif_after", lang): localized},
    )
    if not ctx.viewer.may_publish or result.changes.visits_per_month:
        st.caption(t("whatif_planner_only", lang))
    elif result.changes.add:
        # The added worker is a placeholder (WHATIF001): never on a published visit list.
        st.caption(t("whatif_added_not_published", lang))
    elif st.button(t("whatif_publish", lang), key="wf_publish"):
        with auth.guarded(lang):
            run = ctx.data.publish_what_if(ctx.month, result, based_on)
        st.session_state.pop("whatif_result", None)
        # Shown after the rerun, which draws the page from the run just published.
        st.session_state[PUBLISHED] = (run.run_id[:12], run.version)
        st.rerun()
published = st.session_state.pop(PUBLISHED, None)
if published is not None:
    st.success(t("whatif_published", lang, run=published[0], v=published[1]))

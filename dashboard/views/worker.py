"""人员 Worker: one worker's households, hours against capacity, a map of the visits and the
printable visit list."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import auth, i18n, maps
from dashboard.data import SHEET_WITHHELD
from dashboard.i18n import t
from dashboard.widgets import keep_choices, map_with_legend, metric_row
from visit_planner.policy import parse_policy

SHOWN = "_worker_shown"  # the worker whose township the township choice was set to
NEXT_TOWNSHIP = "_worker_township_next"  # that township, for the choice on the next run
NEXT_PICK = "_worker_pick_next"  # the worker shown, for the worker choice on the next run

ctx = auth.page_context()
lang = ctx.lang
if NEXT_TOWNSHIP in st.session_state:  # before the choice is drawn (it cannot change after)
    st.session_state["worker_township"] = st.session_state.pop(NEXT_TOWNSHIP)
if NEXT_PICK in st.session_state:
    st.session_state["worker_pick"] = st.session_state.pop(NEXT_PICK)
keep_choices(lang, "worker_township", "worker_pick")
st.title(t("page_worker", lang), anchor=False)
with auth.guarded(lang):
    towns = ctx.data.townships(ctx.month)


def _pick() -> None:
    st.session_state["worker"] = st.session_state.get("worker_pick") or ""


left, right = st.columns(2)
with left:
    tw = st.selectbox(
        t("choose_township", lang),
        towns,
        format_func=lambda code: i18n.township(code, lang),
        key="worker_township",
    )
    with auth.guarded(lang):
        staff = ctx.data.workers_of(ctx.month, tw) if tw else None
    roles = dict(staff.select("worker_id", "role").iter_rows()) if staff is not None else {}
    st.selectbox(
        t("choose_worker", lang),
        sorted(roles),
        format_func=lambda w: i18n.worker(w, roles.get(w), lang),
        index=None,
        placeholder=t("choose_placeholder", lang),
        key="worker_pick",
        on_change=_pick,
    )
with right:
    worker_id = st.text_input(
        t("worker_id_label", lang), key="worker", bind="query-params", max_chars=32
    ).strip()
if not worker_id:
    st.stop()

with auth.guarded(lang):
    w = ctx.data.worker(ctx.month, worker_id)
    worker_id = str(w["load"]["worker_id"])  # as the run spells it (typed in lower case: upper)
    township_id = str(w["load"]["township_id"])
    bases = ctx.data.map_points(ctx.month, township_id).get("workers")
load = w["load"]
households: pl.DataFrame = w["households"]
if st.session_state.get(SHOWN) != worker_id:
    # A worker opened by id or link: the township choice (and its list of workers) follows
    # the worker's township once, instead of naming another township above this worker.
    # Only when the worker changes: choosing another township to pick from stays.
    # The worker choice names the worker shown too: it read 请选择 / Choose above W000045.
    st.session_state[SHOWN] = worker_id
    follows = tw == township_id or township_id in towns
    if tw != township_id and township_id in towns:
        st.session_state[NEXT_TOWNSHIP] = township_id
    if follows and st.session_state.get("worker_pick") != worker_id:
        st.session_state[NEXT_PICK] = worker_id
    if NEXT_TOWNSHIP in st.session_state or NEXT_PICK in st.session_state:
        st.rerun()

st.subheader(
    f"{worker_id} · {i18n.role(load['role'], lang)} · {i18n.township(township_id, lang)}",
    anchor=False,
)
figures = metric_row()
figures.metric(t("households", lang), i18n.fmt_int(load["households"]))
figures.metric(
    t("hours_used_capacity", lang),
    i18n.fmt_hours_of(float(load["hours_used"] or 0), load["monthly_hours"], lang),
)
figures.metric(i18n.label("utilisation_hours", lang), i18n.fmt_share(load["utilisation_hours"]))
st.progress(min(1.0, float(load["utilisation_hours"] or 0.0)))
if not load["active"]:
    st.warning(t("inactive", lang))

st.subheader(t("worker_map", lang), anchor=False)
base = bases.filter(pl.col("worker_id") == worker_id) if bases is not None else None
map_with_legend(
    maps.worker_frames(load, base, households, lang),
    420,
    f"{t('worker_map', lang)} {worker_id}",
    lang,
)

st.subheader(t("worker_households", lang), anchor=False)
policy = parse_policy(w["run"].policy_text, "run policy")
listed = households.head(200)
listed = listed.with_columns(  # as the worker's visit list says it (走访频次 / 本月)
    pl.Series(
        "visit_frequency",
        [
            i18n.visit_frequency(
                policy.tier(int(r["tier"])).visits_per_month, r["last_visit_days"], ctx.month, lang
            )
            for r in listed.iter_rows(named=True)
        ],
        dtype=pl.String,
    )
)
auth.show_table(
    i18n.table(
        listed,
        ["household_id", "tier", "village_id", "visit_frequency", "travel_minutes",
         "hours_per_month", "kept_previous", "up_cover", "last_visit_days"],
        lang,
    ),
    lang,
    total=households.height,
)  # fmt: skip

st.subheader(t("sheet", lang), anchor=False)
if households.height == 0:
    st.info(t("sheet_none", lang))
elif not ctx.viewer.sees_sensitive:
    st.info(i18n.notice(SHEET_WITHHELD, lang))
else:
    # Built on request, by the data layer (which checks the scope itself), from the run shown.
    run_id = w["run"].run_id
    st.download_button(
        t("sheet_button", lang),
        data=lambda: ctx.data.visit_sheet(ctx.month, worker_id, run_id=run_id),
        file_name=t("sheet_file", lang, month=ctx.month, worker=worker_id) + ".html",
        mime="text/html",
        icon=":material/print:",
        key="sheet",
    )

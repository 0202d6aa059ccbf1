"""方案记录 Runs: every published run, what changed between two of them (in the user's
jurisdiction), and, for planners, rolling a month back to an earlier run (audited)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import auth, i18n
from dashboard.i18n import t
from dashboard.widgets import keep_choices, metric_row
from visit_planner.errors import VisitPlannerError
from visit_planner.runs import diff_totals
from visit_planner.store import RunRow

DONE = "_rollback_done"  # (month, version) of a rollback just made, for the message after it

ctx = auth.page_context()
lang = ctx.lang
done = st.session_state.pop(DONE, None)
if done is not None:  # the run compared by default is the month's new current one
    for key in ("diff_a", "diff_b", "rollback_to"):
        st.session_state.pop(key, None)
keep_choices(lang, "diff_a", "diff_b", "rollback_to")
st.title(t("page_runs", lang), anchor=False)
with auth.guarded(lang):
    runs = ctx.data.runs()
if not runs:
    st.info(t("runs_none", lang))
    st.stop()
by_id = {r.run_id: r for r in runs}


def run_label(run_id: str) -> str:
    """``2026-11 v2 · 当前 · 3f2a9c01e4b7``."""
    run = by_id[run_id]
    return f"{run.month} v{run.version} · {i18n.run_status(run.status, lang)} · {run.run_id[:12]}"


def rollback_targets(rows: list[RunRow]) -> list[RunRow]:
    """The runs a month can be rolled back to: those earlier (a lower version) than their
    month's current run, newest first; a month without a current run offers none."""
    current = {r.month: r.version for r in rows if r.status == "current"}
    earlier = [r for r in rows if r.month in current and r.version < current[r.month]]
    return sorted(earlier, key=lambda r: (r.month, r.version), reverse=True)


def diff_defaults(rows: list[RunRow]) -> tuple[int, int]:
    """Indexes in ``rows`` (newest first) of the pair compared by default: the newest month's
    current run (the later) and the run before it in its month (one that was current once, not
    rolled back, if there is one), or, when the month has no earlier run, the previous month's
    current run."""
    current = [i for i, r in enumerate(rows) if r.status == "current"]
    if not current:
        return 1, 0
    later = rows[current[0]]
    before = [i for i, r in enumerate(rows) if r.month == later.month and r.version < later.version]
    before = [i for i in before if rows[i].status != "rolled_back"] or before
    if before:
        return max(before, key=lambda i: rows[i].version), current[0]
    if len(current) > 1:
        return current[1], current[0]
    return (1 if current[0] == 0 else 0), current[0]


def pair_cells(
    first: pl.Series, second: pl.Series, sep: str, scale: float = 1.0
) -> list[str | None]:
    """``16 → 19`` or ``6 / 1,604`` per row (each figure divided by ``scale``, rounded, with
    thousands separators; None where a run has no figure)."""
    return [
        None if a is None or b is None else f"{a / scale:,.0f}{sep}{b / scale:,.0f}"
        for a, b in zip(first.to_list(), second.to_list(), strict=True)
    ]


def diff_cells(diff: pl.DataFrame) -> pl.DataFrame:
    """The diff's pairs of figures in one cell each, as ``visit-planner runs diff`` and the
    headline figures above the table write them: workers changed of the households
    (``6 / 1,604``) whose tier stayed and whose tier changed, the tier-1 households left
    uncovered and the travel hours before and after (``8 → 12``). A column each made ten
    columns, which scrolled sideways at 1,366 px (the travel off screen)."""
    cells = {
        "changed_of_tier_unchanged": ("changed_tier_unchanged", "tier_unchanged", " / ", 1.0),
        "changed_of_tier_changed": ("changed_tier_changed", "tier_changed", " / ", 1.0),
        "uncovered_tier1_change": ("uncovered_tier1_a", "uncovered_tier1_b", " → ", 1.0),
        "travel_hours_change": ("travel_minutes_month_a", "travel_minutes_month_b", " → ", 60.0),
    }
    return diff.with_columns(
        pl.Series(name, pair_cells(diff[a], diff[b], sep, scale), dtype=pl.String)
        for name, (a, b, sep, scale) in cells.items()
    )


st.subheader(t("runs_list", lang), anchor=False)
listing = pl.DataFrame(
    {
        "month": [r.month for r in runs],
        "version": [r.version for r in runs],
        "run_id": [r.run_id[:12] for r in runs],  # early: the widest columns come last
        "run_kind": [r.kind for r in runs],
        "run_status": [r.status for r in runs],
        "published_at": [i18n.time_cell(r.created_at) for r in runs],
        "created_by": [r.created_by for r in runs],
        "model_version": [r.model_version for r in runs],
        "tier1_uncovered": [r.metrics.get("tier1_uncovered") for r in runs],
        "churn_tier_unchanged": [r.metrics.get("churn_tier_unchanged") for r in runs],
    },
    schema_overrides={
        "tier1_uncovered": pl.Int64,
        "churn_tier_unchanged": pl.Float64,
        "version": pl.Int64,
    },
)
# A run's churn is the whole prefecture's (the store keeps no township's): a scoped account's
# list leaves the column out and says so; the diff below computes it over the jurisdiction.
whole = ctx.viewer.scope_kind == "prefecture"
shown = i18n.table(
    listing.head(200), [c for c in listing.columns if whole or c != "churn_tier_unchanged"], lang
)
auth.show_table(shown, lang, total=len(runs))
if not whole:
    st.caption(t("runs_churn_scoped", lang))

st.subheader(t("diff", lang), anchor=False)
if len(runs) < 2:  # no choice to make: "choose two different runs" asked for the impossible
    st.info(t("diff_one_run", lang))
else:
    c1, c2 = st.columns(2)
    ids = [r.run_id for r in runs]
    # The default pair through the session state, not index=: keep_choices sets the state
    # after a language switch, and a widget given both made Streamlit log a warning with a
    # stack trace, which reads as a crash in the server's log.
    for key, default in zip(("diff_a", "diff_b"), diff_defaults(runs), strict=True):
        if st.session_state.get(key) not in ids:
            st.session_state[key] = ids[default]
    a = by_id[c1.selectbox(t("diff_a", lang), ids, format_func=run_label, key="diff_a")]
    b = by_id[c2.selectbox(t("diff_b", lang), ids, format_func=run_label, key="diff_b")]
    if a.run_id == b.run_id:
        st.info(t("diff_same", lang))
    else:
        with auth.guarded(lang):
            diff = ctx.data.run_diff(a.run_id, b.run_id)  # the townships in scope only
        totals = diff_totals(diff) if diff.height else None
        if totals is not None:
            figures = metric_row()
            figures.metric(t("diff_churn", lang), i18n.fmt_pct(totals["churn_tier_unchanged"], 2))
            figures.metric(t("diff_tier_changed", lang), i18n.fmt_int(totals["tier_changed"]))
            figures.metric(
                t("diff_t1", lang),
                f"{i18n.fmt_int(totals['uncovered_tier1_a'])} → "
                f"{i18n.fmt_int(totals['uncovered_tier1_b'])}",
            )
            figures.metric(
                t("diff_travel", lang),
                f"{totals['travel_minutes_month_a'] / 60:,.0f} → "
                f"{totals['travel_minutes_month_b'] / 60:,.0f}",
            )
        changed = diff.filter(pl.col("worker_changed") > 0)
        if changed.height == 0:
            st.success(t("diff_no_change", lang))
        else:
            auth.show_table(
                i18n.table(
                    diff_cells(changed.head(200)),
                    ["township_id", "changed_of_tier_unchanged", "churn_tier_unchanged",
                     "changed_of_tier_changed", "uncovered_tier1_change", "travel_hours_change"],
                    lang,
                ),
                lang,
                total=changed.height,
                widths={i18n.label("township_id", lang): auth.TOWNSHIP_WIDTH},
                whole=i18n.label("township_id", lang),
            )  # fmt: skip

# A rollback changes the whole month, every township: planners of the whole prefecture only
# (DataAccess.rollback refuses anyone else; the section is shown only to them).
if ctx.viewer.may_roll_back:
    st.subheader(t("rollback", lang), anchor=False)
    st.caption(t("rollback_intro", lang))
    earlier = [r.run_id for r in rollback_targets(runs)]
    if st.session_state.get("rollback_to") not in earlier:
        st.session_state.pop("rollback_to", None)  # e.g. the run made current by a rollback
    if not earlier:
        st.info(t("rollback_none", lang))
    else:
        with st.form("rollback"):
            target = by_id[
                st.selectbox(
                    t("rollback_to", lang), earlier, format_func=run_label, key="rollback_to"
                )
            ]
            reason = st.text_input(t("rollback_reason", lang), max_chars=300)
            go = st.form_submit_button(t("rollback_button", lang), type="primary")
        if go:
            if not reason.strip():
                st.error(t("reason_required", lang))
            else:
                try:
                    row = ctx.data.rollback(target.month, target.run_id, reason=reason.strip())
                except VisitPlannerError as exc:
                    st.error(i18n.error_text(exc, lang))
                else:
                    # Shown after the rerun, which draws every section from the new current run.
                    st.session_state[DONE] = (row.month, row.version)
                    st.rerun()
    if done is not None:
        st.success(t("rollback_done", lang, month=done[0], version=done[1]))

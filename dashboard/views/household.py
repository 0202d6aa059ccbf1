"""农户 Household: why one household of the user's jurisdiction has its tier and its visitor."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from dashboard import auth, charts, i18n
from dashboard.data import WITHHELD_REASONS
from dashboard.i18n import t
from dashboard.widgets import md, metric_row
from visit_planner.policy import parse_policy

ctx = auth.page_context()
lang = ctx.lang
st.title(t("page_household", lang), anchor=False)
household_id = st.text_input(
    t("household_id_input", lang),
    key="household",
    bind="query-params",
    placeholder=t("household_id_help", lang),
    max_chars=32,
).strip()
if not household_id:
    st.info(t("household_prompt", lang))
    st.stop()
with auth.guarded(lang):
    h = ctx.data.household(ctx.month, household_id)
    household_id = h["household_id"]  # as the run spells it (typed in lower case: upper)
    history = ctx.data.household_history(household_id)


def tier_decision(score: dict[str, Any], cost: list[list[float]]) -> str:
    """Why the model's tier is not always the most probable one: the tier of least expected
    cost of a wrong tier under the run's policy (``cost[true][given]``, risk_model.decision),
    with each tier's expected cost when the matrix gives the model's tier (scores made under
    another policy: the rule alone)."""
    p = [float(score.get(f"p_tier{k}") or 0.0) for k in (1, 2, 3)]
    expected = [sum(p[i] * float(cost[i][j]) for i in range(3)) for j in range(3)]
    rule = t("tier_rule", lang)
    if expected.index(min(expected)) + 1 != score.get("model_tier"):
        return rule
    costs = " · ".join(f"{i18n.tier(k, lang)} {expected[k - 1]:.2f}" for k in (1, 2, 3))
    miss2, miss3 = f"{float(cost[0][1]):g}", f"{float(cost[0][2]):g}"
    gap = "" if lang == "zh" else " "  # between the two sentences
    return f"{rule}{gap}{t('tier_rule_costs', lang, costs=costs, miss2=miss2, miss3=miss3)}"


# (comments, not docstrings: Streamlit's magic would write a bare string onto the page)
ALTERNATIVES_SHOWN = 5  # ranked alternatives listed before the expander that holds the rest


def alternative_item(alt: dict[str, Any], lang: i18n.Lang, *, unassigned: bool = False) -> str:
    """One ranked alternative as an item of a Markdown numbered list (its rank): the worker,
    role and travel per visit, and under them why it was not chosen (:func:`i18n.why_not`,
    which leads with the cost the plan would grow by, as ``explain`` says it)."""
    who = t(
        "alternative_who",
        lang,
        w=f"**{md(str(alt['worker_id']))}**",
        role=md(i18n.role(alt.get("role"), lang)),
        travel=md(i18n.fmt_minutes(alt.get("travel_minutes"), lang)),
    )
    number = f"{alt['rank']}. "
    why = i18n.why_not(alt, lang, unassigned=unassigned)
    return f"{number}{who}  \n{' ' * len(number)}{md(why)}"


score = h["score"] or {}
ex = h["explanation"]
final_tier = score.get("final_tier", ex["tier"])
st.subheader(f"{household_id} · {i18n.township(h['township_id'], lang)}", anchor=False)

source = score.get("tier_source")
if source == "model":
    source_text = t("source_model", lang)
elif source == "rule":
    source_text = t("source_rule", lang, rule=i18n.pick(score.get("rule") or "", lang))
elif source == "override":
    source_text = t("source_override", lang, reason=score.get("override_reason") or "")
else:
    source_text = t("source_unknown", lang)
figures = metric_row()
# the tier as wide as it is, how it came about in the rest of the row (or under it)
figures.metric(t("tier", lang), i18n.tier(final_tier, lang), width="content")
figures.markdown(f"**{t('tier_source', lang)}**  \n{source_text}")

if score:
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('probabilities', lang)}**")
        names = [i18n.tier(k, lang) for k in (1, 2, 3)]
        probs = [round(100 * float(score.get(f"p_tier{k}") or 0.0), 1) for k in (1, 2, 3)]
        st.altair_chart(
            charts.bars(
                names,
                {"%": probs},
                category_title=t("tier_axis", lang),
                value_title="%",
                colours=[charts.BAR_COLOUR],
                height=180,
                description=charts.spoken(
                    t("probabilities", lang),
                    [f"{n} {p:.1f}%" for n, p in zip(names, probs, strict=True)],
                    lang,
                ),
            ),
            width="stretch",
        )
        if source == "model" and score.get("model_tier") is not None:
            policy = parse_policy(h["run"].policy_text, "run policy")
            st.caption(tier_decision(score, policy.risk.cost_matrix))
    with right:
        st.markdown(f"**{t('reasons', lang)}**")
        reasons = score.get("reasons") or []
        withheld = int(score.get("reasons_withheld") or 0)  # sensitive: not for this role
        if reasons:
            st.markdown("\n".join(f"- {i18n.reason_line(r, lang)}" for r in reasons))
            st.caption(t("reasons_caption", lang))
        elif not withheld:
            st.write(t("no_reasons", lang))
        if withheld:
            st.caption(i18n.notice(WITHHELD_REASONS.format(n=withheld), lang))

st.subheader(t("assignment", lang), anchor=False)
worker = ex.get("worker_id")
figures = metric_row()
figures.metric(t("assigned_worker", lang), worker or t("not_assigned", lang))
if worker is not None:  # a household no one visits has no role, travel or hours: not three "—"
    figures.metric(i18n.label("role", lang), i18n.role(ex.get("role"), lang))
    # per visit; there and back under the default policy (its travel.round_trip), as
    # `explain` and the printed lists say it (往返): the page called it one way
    round_trip = parse_policy(h["run"].policy_text, "run policy").travel.round_trip
    figures.metric(
        t("travel", lang),
        i18n.fmt_minutes(ex.get("travel_minutes"), lang),
        help=t("travel_round_trip" if round_trip else "travel_one_way", lang),
    )
    figures.metric(t("hours_month", lang), i18n.fmt_hours(ex.get("hours_per_month"), lang))
    # on to the visitor's page: their households, hours and visit list
    st.page_link(
        "views/worker.py",
        label=t("open_worker", lang, w=worker),
        icon=":material/person:",
        query_params={"worker": worker, "lang": lang},
    )
sep = i18n.label_sep(lang)
# how often it is visited and, once every few months, whether this month: as its visit list says
cadence = parse_policy(h["run"].policy_text, "run policy").tier(int(ex["tier"])).visits_per_month
frequency = i18n.visit_frequency(cadence, h["record"].get("last_visit_days"), ctx.month, lang)
st.markdown(f"**{t('visit_frequency', lang)}**{sep}{frequency}")
previous = ex.get("previous_worker_id")
if previous and ex.get("kept_previous"):
    continuity = t("continuity_kept", lang, w=previous)
elif previous and worker is None:
    continuity = t("continuity_none_now", lang, w=previous)
elif previous:
    continuity = t("continuity_changed", lang, w=previous)
else:
    continuity = t("continuity_new", lang)
st.markdown(f"**{t('continuity', lang)}**{sep}{continuity}")
if ex.get("up_cover"):
    st.markdown(t("up_cover_note", lang))
if worker is None and h.get("shortfall"):  # why no one visits it: the township's capacity
    # A sentence, as on the township page: it ended without a full stop.
    said = i18n.sentence(i18n.pick(h["shortfall"], lang), lang)
    st.warning(f"{t('unassigned_why', lang)}{sep}{said}")
if ex.get("alt_worker_id"):
    st.markdown(
        t(
            "nearest_other" if worker is not None else "nearest_unassigned",
            lang,
            w=ex["alt_worker_id"],
            role=i18n.role(ex.get("alt_role"), lang),
            travel=i18n.fmt_minutes(ex.get("alt_travel_minutes"), lang),
            why=i18n.named(ex.get("reason_zh" if lang == "zh" else "reason_en") or "", lang),
        )
    )
applied = i18n.override_notes(ex.get("overrides"), lang) or t("no_overrides", lang)
st.markdown(f"**{t('overrides_applied', lang)}**{sep}{applied}")
# The household's standing overrides the month's plan did not apply: waiting for the next
# plan, or not applied and why (a pin to a full worker, say). The page said only "overrides
# applied: none", and a supervisor who had just pinned the household saw no trace of it.
with auth.guarded(lang):
    waiting = ctx.data.overrides(ctx.month, limit=None, household_id=household_id)
if waiting.height:  # (none at all: a frame without columns)
    waiting = waiting.filter((pl.col("status") == "active") & (pl.col("outcome") != "applied"))
if waiting.height:
    st.markdown(
        f"**{t('overrides_not_applied', lang)}**\n"
        + "\n".join(
            f"- #{r['id']} {md(i18n.override_what(r, lang))} · {md(i18n.override_outcome(r, lang))}"
            for r in waiting.sort("id").iter_rows(named=True)
        )
    )
if ctx.viewer.may_correct:  # on to the overrides page, its form filled with this household
    st.page_link(
        "views/corrections.py",
        label=t("open_overrides", lang, h=household_id),
        icon=":material/edit_note:",
        query_params={"correct": household_id, "lang": lang},
    )

st.subheader(t("alternatives", lang), anchor=False)
alts = h["alternatives"]
if alts.height == 0:
    st.write(t("no_alternatives", lang))
else:
    # One item a worker, as a numbered list (its rank): who, then why not, whose sentence
    # leads with the cost. A table of six columns broke its cells one character a line on a
    # phone (390 px); the list reads there and at 1,366 px alike. The first few are shown,
    # the rest under an expander, so that the history and record stay near on a phone.
    unassigned = ex.get("worker_id") is None
    items = [alternative_item(r, lang, unassigned=unassigned) for r in alts.iter_rows(named=True)]
    st.markdown("\n".join(items[:ALTERNATIVES_SHOWN]))
    if len(items) > ALTERNATIVES_SHOWN:
        rest = items[ALTERNATIVES_SHOWN:]
        with st.expander(t("alternatives_more", lang, n=len(rest))):
            st.markdown("\n".join(rest))
    st.caption(t("alternatives_caption", lang))

st.subheader(t("history", lang), anchor=False)
auth.show_table(
    i18n.history_table(history, lang), lang, widths=i18n.history_widths(lang), stretch=False
)

with st.expander(t("record", lang)):
    record = h["record"]
    if not ctx.viewer.sees_sensitive:
        st.caption(t("record_masked", lang))
    shown = [
        (zh if lang == "zh" else en, i18n.record_value(name, record[name], lang))
        for name, (zh, en) in i18n.RECORD_FIELDS.items()
        if name in record
    ]
    st.dataframe(
        pl.DataFrame(
            {
                t("field", lang): [name for name, _ in shown],
                t("value", lang): [value for _, value in shown],
            }
        ),
        hide_index=True,
        width="stretch",
        placeholder="—",
    )

"""督导调整 Overrides: supervisors' and planners' standing overrides (tier, pin, forbid, data
correction) with a reason, what became of each in the month's plan, and revoking one. The
page's address stays ``/corrections`` (its file name), so that links and bookmarks to it and
its ``?correct=H…`` still open it; every text on it says 督导调整 / override, the glossary's
word (:data:`visit_planner.vocabulary.TERMS`), and 数据更正 / data correction for that kind.

``?correct=H…`` (the household page's link) or ``?household=H…`` fills the form's household in."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import auth, i18n
from dashboard.data import PAGE_ROWS, DataAccess
from dashboard.i18n import t
from dashboard.widgets import keep_choices, md
from visit_planner.errors import VisitPlannerError
from visit_planner.overrides import CORRECTABLE_FIELDS, KINDS

# Pixels of the overrides table's text columns: with the number, household and status
# (about 190 px) 1,050 px, within the 1,076 px a table has at 1,366 px. (A comment, not a
# docstring: Streamlit's "magic" writes a page script's bare strings onto the page.)
TEXT_WIDTHS = {"township_id": auth.TOWNSHIP_WIDTH, "change": 190, "outcome": 230, "reason": 230}


def missing_input(
    kind: str,
    *,
    household_id: str,
    reason: str,
    worker_id: str,
    tier: int | None,
    field: str | None,
    value: str,
) -> str | None:
    """The text key of the first input the correction's kind needs and the form lacks (None:
    all there), asked for in the form's words before the data layer checks the rest."""
    needs = [
        ("household_required", not household_id.strip()),
        ("reason_required", not reason.strip()),
        ("worker_required", kind in ("pin", "forbid") and not worker_id.strip()),
        ("tier_required", kind == "tier" and tier is None),
        ("field_required", kind == "correction" and field is None),
        ("value_required", kind == "correction" and not value.strip()),
    ]
    return next((key for key, lacking in needs if lacking), None)


def prefill_household() -> None:
    """Fill the form's household from the address: ``?correct=`` (the household page's link
    "correct this household": Streamlit drops the household page's own ``?household=``, bound
    to its id box, when that page is left) or ``?household=`` (a link shared or typed), once
    per household linked, so that what the user then types stays. Only a pre-fill: the data
    layer decides whether the household is theirs to correct."""
    linked = str(st.query_params.get("correct") or st.query_params.get("household") or "")
    if linked and st.session_state.get(LINKED_KEY) != linked:
        st.session_state[LINKED_KEY] = linked
        st.session_state["correction_household"] = linked


def revoke_chosen(data: DataAccess, lang: i18n.Lang) -> None:
    """The revoke form's callback (before the page runs again, so that the list drawn above
    it already shows the revocation): revoke the chosen correction with the reason given,
    the data layer checking role, jurisdiction and reason; the outcome kept for the form.
    Nothing is chosen until the user chooses (the box kept the last choice, or the first
    correction, and a planner who had just recorded a new one revoked an older one)."""
    number = st.session_state.get("revoke_id")
    reason = str(st.session_state.get("revoke_reason") or "")
    if number is None:
        st.session_state[REVOKED_KEY] = ("error", t("revoke_choose_required", lang))
        return
    if not reason.strip():
        st.session_state[REVOKED_KEY] = ("error", t("revoke_reason_required", lang))
        return
    try:
        row = data.revoke_override(int(number), reason, client=auth.client_address())
    except VisitPlannerError as exc:
        st.session_state[REVOKED_KEY] = ("error", i18n.error_text(exc, lang))
    else:
        st.session_state[REVOKED_KEY] = ("success", t("revoked", lang, id=row.id))
        st.session_state["revoke_reason"] = ""
        st.session_state["revoke_id"] = None


def submit_filled(data: DataAccess, lang: i18n.Lang) -> None:
    """The correction form's callback (before the page runs again): ask for what the kind
    needs and the form lacks (:func:`missing_input`), else submit the correction through the
    data layer (which checks role, jurisdiction and the month's data) and, once it is
    recorded, empty the form, the kind kept. The form kept every value after "Correction #N
    recorded", so a second Enter sent the same correction again, refused as conflicting with
    the one just recorded, the confirmation gone. Refused, the form keeps what was typed."""
    state = st.session_state
    kind = str(state.get("correction_kind") or KINDS[0])
    household_id = str(state.get("correction_household") or "")
    reason = str(state.get("correction_reason") or "")
    worker_id = str(state.get("correction_worker") or "")
    tier = state.get("correction_tier")
    field = state.get("correction_field")
    value = str(state.get("correction_value") or "")
    evidence = str(state.get("correction_evidence") or "")
    missing = missing_input(
        kind,
        household_id=household_id,
        reason=reason,
        worker_id=worker_id,
        tier=tier,
        field=field,
        value=value,
    )
    if missing is not None:
        state[SUBMITTED_KEY] = ("error", t(missing, lang))
        return
    try:
        number = data.submit_override(
            client=auth.client_address(),
            kind=kind,
            household_id=household_id.strip(),
            reason=reason.strip(),
            worker_id=(worker_id.strip() or None) if kind in ("pin", "forbid") else None,
            tier=tier if kind == "tier" else None,
            field=field if kind == "correction" else None,
            value=(value.strip() or None) if kind == "correction" else None,
            evidence=evidence.strip() or None,
            expires_on=state.get("correction_expires"),
        )
    except VisitPlannerError as exc:
        state[SUBMITTED_KEY] = ("error", i18n.error_text(exc, lang))
        return
    state[SUBMITTED_KEY] = ("success", t("submitted", lang, id=number))
    for key, empty in EMPTY_FORM.items():
        state[key] = empty
    state["revoke_id"] = None  # the revoke box chooses nothing of its own accord


def show_outcome(said: tuple[str, str] | None) -> None:
    """A form's last outcome, ``(kind, message)`` as its callback left it: a success or an
    error box (nothing when None)."""
    if said is not None:
        (st.success if said[0] == "success" else st.error)(said[1])


# (comments, not docstrings: Streamlit's magic would write a bare string onto the page)
LINKED_KEY = "correction_household_linked"  # the household last filled in from a link
REVOKED_KEY = "correction_revoked"  # the revoke form's last outcome: (kind, message)
SUBMITTED_KEY = "correction_submitted"  # the correction form's last outcome: (kind, message)
# the correction form's inputs as a new form has them (the kind stays as chosen)
EMPTY_FORM: dict[str, object] = {
    "correction_household": "",
    "correction_reason": "",
    "correction_worker": "",
    "correction_tier": None,
    "correction_field": None,
    "correction_value": "",
    "correction_evidence": "",
    "correction_expires": None,
}

ctx = auth.page_context()
lang = ctx.lang
keep_choices(lang, "correction_kind", "correction_tier", "correction_field", "revoke_id")
prefill_household()
st.title(t("page_overrides", lang), anchor=False)

if ctx.viewer.may_correct:
    st.subheader(t("new_override", lang), anchor=False)
    newest = ctx.data.months()[0]
    if ctx.month != newest:  # the list is of the month shown; a new one is checked by the newest
        st.caption(t("override_newest_month", lang, month=newest))
    with st.form("correction", clear_on_submit=False):  # kept when refused, to fix
        c1, c2 = st.columns(2)
        c1.selectbox(
            t("kind", lang),
            KINDS,
            format_func=lambda k: i18n.override_kind(k, lang),
            key="correction_kind",
        )
        c2.text_input(i18n.label("household_id", lang), max_chars=32, key="correction_household")
        st.text_area(t("reason", lang), max_chars=500, height=80, key="correction_reason")
        c3, c4 = st.columns(2)
        c3.text_input(t("worker_id_input", lang), max_chars=32, key="correction_worker")
        c4.selectbox(
            t("tier_input", lang),
            [None, 1, 2, 3],
            format_func=lambda v: "—" if v is None else i18n.tier(v, lang),
            key="correction_tier",
            placeholder="—",  # emptied (None): Streamlit's is "Choose an option"
        )
        c5, c6 = st.columns(2)
        c5.selectbox(
            t("field_input", lang),
            [None, *CORRECTABLE_FIELDS],
            format_func=lambda v: "—" if v is None else i18n.record_field(v, lang),
            key="correction_field",
            placeholder="—",  # emptied (None): Streamlit's is "Choose an option"
        )
        c6.text_input(t("value_input", lang), max_chars=64, key="correction_value")
        c7, c8 = st.columns(2)
        c7.text_input(t("evidence", lang), max_chars=200, key="correction_evidence")
        c8.date_input(
            t("expires_on", lang), value=None, format="YYYY-MM-DD", key="correction_expires"
        )
        st.form_submit_button(
            t("submit", lang), type="primary", on_click=submit_filled, args=(ctx.data, lang)
        )
    show_outcome(st.session_state.pop(SUBMITTED_KEY, None))
else:
    st.info(t("read_only", lang))

st.subheader(t("overrides_list", lang), anchor=False)
with auth.guarded(lang):  # every one in scope: the table shows PAGE_ROWS and says of how many
    rows = ctx.data.overrides(ctx.month, limit=None)
if rows.height == 0:
    st.info(t("overrides_none", lang))
else:
    # On screen at 1,366 px for every role, without a sideways scroll: which household (and
    # where, unless the account sees one township), what each correction asks for (its kind
    # and change in one cell), its outcome this month with why not, the reason and whether it
    # stands. The text columns have set widths, so that long cells cannot push the table past
    # the window's 1,076 px (they end in "…", whole on hover); who submitted each, when and
    # until when follow in the expander below.
    not_applied = rows.filter(pl.col("outcome") == "not_applied")["id"].to_list()
    rows = rows.rename({"status": "override_status"}).with_columns(
        pl.Series("change", [i18n.override_what(r, lang) for r in rows.iter_rows(named=True)]),
        pl.Series("outcome", [i18n.override_outcome(r, lang) for r in rows.iter_rows(named=True)]),
        pl.col("expires_on").fill_null(t("no_expiry", lang)),
    )
    where = [] if ctx.viewer.scope_kind == "township" else ["township_id"]
    shown = ["id", "household_id", *where, "change", "outcome", "reason", "override_status"]
    auth.show_table(
        i18n.table(rows.head(PAGE_ROWS), shown, lang),
        lang,
        total=rows.height,
        widths={i18n.label(c, lang): px for c, px in TEXT_WIDTHS.items() if c in shown},
        whole=i18n.label("township_id", lang),
    )
    # Why each was not applied, whole: in the table it ends in "…" past 230 px, whole only on
    # hover, and on a phone the column is off the screen; this is what the supervisor acts on.
    if not_applied:
        st.markdown(f"**{t('not_applied_why', lang, n=len(not_applied))}**")
        st.markdown(
            "\n".join(
                f"- **#{r['id']}** {md(r['household_id'])} · {md(r['change'])}  \n"
                f"  {md(r['outcome'])}"
                for r in rows.filter(pl.col("id").is_in(not_applied)).iter_rows(named=True)
            )
        )
    # a correction's evidence, and who revoked one, when and why, once there is one (the
    # store keeps them; the page showed only that it was revoked, and no evidence at all)
    with_evidence = ["evidence"] if rows["evidence"].is_not_null().any() else []
    revoked = (
        ["revoked_by", "revoked_at", "revoke_reason"]
        if rows["revoked_by"].is_not_null().any()
        else []
    )
    with st.expander(t("override_details", lang)):
        auth.show_table(
            i18n.table(
                rows.head(PAGE_ROWS),
                [
                    "id",
                    "household_id",
                    "author",
                    "created_at",
                    "expires_on",
                    *with_evidence,
                    *revoked,
                ],
                lang,
            ),
            lang,
            total=rows.height,
        )

if ctx.viewer.may_correct:
    # Revoke a standing correction of the jurisdiction, also one older than the table's first
    # PAGE_ROWS (a conflicting new one is refused naming the one to revoke first): the reason
    # is required and audited with the user's name.
    active = rows.filter(pl.col("override_status") == "active") if rows.height else rows
    choices = {
        int(r["id"]): f"#{r['id']} · {r['household_id']} · {r['change']}"
        for r in active.iter_rows(named=True)
    }
    st.subheader(t("revoke_override", lang), anchor=False)
    said = st.session_state.pop(REVOKED_KEY, None)
    if not choices:
        # What was just done, then that nothing is left: after revoking the last standing
        # override, "nothing to revoke" was shown above "override #N revoked".
        show_outcome(said)
        st.info(t("revoke_none", lang))
    else:
        if st.session_state.get("revoke_id") not in choices:
            st.session_state.pop("revoke_id", None)
        with st.form("revoke"):
            st.selectbox(
                t("revoke_which", lang),
                list(choices),
                index=None,
                format_func=lambda n: choices[n],
                placeholder=t("choose_placeholder", lang),
                key="revoke_id",
            )
            st.text_input(t("revoke_reason_input", lang), max_chars=500, key="revoke_reason")
            st.form_submit_button(t("revoke", lang), on_click=revoke_chosen, args=(ctx.data, lang))
        show_outcome(said)  # under the button pressed

"""The dashboard's entry point: language switch, login gate and the page router.

Run it with ``visit-planner dashboard`` (which starts ``streamlit run`` on 127.0.0.1). Pages
live in ``dashboard/pages``; each derives its own access from the signed-in account
(:func:`dashboard.auth.page_context`), so what this router shows is convenience, not security.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import auth, i18n
from dashboard.i18n import t

PAGES = Path(__file__).resolve().parent / "pages"

# (file, title key, roles that see it in the menu; None: every role). No page icons: Streamlit
# makes a page's icon its favicon, and a Material icon favicon is fetched from fonts.gstatic.com.
MENU: list[tuple[str, str, tuple[str, ...] | None]] = [
    ("overview.py", "page_overview", None),
    ("township.py", "page_township", None),
    ("household.py", "page_household", ("planner", "supervisor", "data_scientist")),
    ("worker.py", "page_worker", ("planner", "supervisor", "data_scientist")),
    ("corrections.py", "page_corrections", ("planner", "supervisor", "data_scientist")),
    ("runs.py", "page_runs", None),
    ("model.py", "page_model", None),
]

st.set_page_config(page_title="走访计划 Visit planner", layout="wide")
auth.warm_up()

choice = st.sidebar.segmented_control(
    f"{t('language', 'zh')} / {t('language', 'en')}",
    i18n.LANGS,
    default=i18n.lang_of(st.query_params.get("lang")),
    format_func=lambda code: i18n.LANG_NAMES[code],
    key=auth.LANG_KEY,
    required=True,
)
lang = i18n.lang_of(choice)
st.query_params["lang"] = lang

viewer = auth.signed_in()
if viewer is None:
    # The login form is the only page while signed out (always calling st.navigation also
    # keeps Streamlit from listing the files of dashboard/pages as a menu of its own).
    def sign_in() -> None:
        auth.login_form(lang)

    st.navigation(
        [st.Page(sign_in, title=t("sign_in", lang), default=True)], position="hidden"
    ).run()
    auth.preload_charts()
    st.stop()

st.sidebar.caption(
    t(
        "signed_in_as",
        lang,
        user=viewer.username,
        role=i18n.account_role(viewer.role, lang),
        scope=i18n.scope(viewer.scope_kind, viewer.scope_id, lang),
    )
)
if st.sidebar.button(t("sign_out", lang), key="sign_out"):
    auth.sign_out_everywhere()
    st.rerun()

pages = [
    st.Page(PAGES / name, title=t(title, lang), url_path=name.removesuffix(".py"))
    for name, title, roles in MENU
    if roles is None or viewer.role in roles
]
st.navigation(pages).run()

"""The dashboard's entry point: language switch, login gate and the page router.

Run it with ``visit-planner dashboard`` (which starts ``streamlit run`` on 127.0.0.1). Pages
live in ``dashboard/views`` (not ``pages``: Streamlit takes a ``pages`` directory beside the
app for a multipage app of its own, which runs a page file without this router on a fresh
server); each derives its own access from the signed-in account
(:func:`dashboard.auth.page_context`), so what this router shows is convenience, not security.

**Deep links.** While signed out, every page's address (``/township?township=...&lang=en``)
shows the sign-in form under that same address, so after the sign-in the page the link named
opens with its query parameters. A page the account's role may not see is still known under
its address (hidden): it goes to the default page with a note instead of Streamlit's "page not
found".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import StopException

from dashboard import auth, i18n
from dashboard.i18n import t

PAGES = Path(__file__).resolve().parent / "views"
DENIED_KEY = "page_denied"  # the title of a linked page the account's role may not see

# (file, title key, roles that see it in the menu; None: every role). No page icons: Streamlit
# makes a page's icon its favicon, and a Material icon favicon is fetched from fonts.gstatic.com.
MENU: list[tuple[str, str, tuple[str, ...] | None]] = [
    ("overview.py", "page_overview", None),
    ("township.py", "page_township", None),
    ("household.py", "page_household", ("planner", "supervisor", "data_scientist")),
    ("worker.py", "page_worker", ("planner", "supervisor", "data_scientist")),
    ("corrections.py", "page_overrides", ("planner", "supervisor", "data_scientist")),
    ("runs.py", "page_runs", None),
    ("model.py", "page_model", None),
]


def url_path(name: str) -> str:
    """A page's address: its file name without ``.py`` (``/township``)."""
    return name.removesuffix(".py")


# The sidebar (menu, language, account, month) narrower than Streamlit's 300 px: the tables
# get the width at 1,366 px (a supervisor's laptop).
SIDEBAR_PX = 240
st.set_page_config(
    page_title="走访计划 Visit planner", layout="wide", initial_sidebar_state=SIDEBAR_PX
)
# Streamlit's wide layout keeps 5rem of empty margin each side of the main area (no theme
# option sets it); at 1,366 px the tables need that width more: 1.5rem.
# A page link's label is one line cut at the window's edge without a mark: on a phone (390
# px) the household page's link read '为农户 H0005402 提交督导调整（类别、指定或禁' and
# 'Add an override for household H0005402 (tier, w'. The label wraps instead.
# A folded sidebar (on a phone, or folded by hand) is only moved out of sight: a keyboard
# user's Tab went through its eleven menu links, language, sign-out and month boxes unseen
# before reaching the page, and a screen reader read them as if shown. Folded, it is hidden
# (out of the tab order and the accessibility tree) until it is opened again.
st.html(
    "<style>[data-testid='stMainBlockContainer']"
    "{padding-left:1.5rem !important;padding-right:1.5rem !important}"
    "[data-testid='stPageLink-NavLink'] > span:last-child,"
    "[data-testid='stPageLink-NavLink'] > span:last-child *"
    "{white-space:normal !important;overflow:visible !important}"
    "[data-testid='stSidebar'][data-collapsed='true']{visibility:hidden}</style>"
)
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
auth.sync_cookie()
if viewer is None:
    # The login form is the only page while signed out, answering at every page's address so
    # that a deep link keeps its page and query parameters through the sign-in (always calling
    # st.navigation also keeps Streamlit from adding a menu of its own).
    def sign_in() -> None:
        auth.login_form(lang)

    st.navigation(
        [
            st.Page(sign_in, title=t("sign_in", lang), default=True),
            *(
                st.Page(sign_in, title=t("sign_in", lang), url_path=url_path(name))
                for name, _title, _roles in MENU
            ),
        ],
        position="hidden",
    ).run()
    auth.preload_charts()
    auth.cookie_delivered()
    st.stop()

# Who is signed in, written into this slot after the page has run: a township's name is
# known once a page has read the run (its places), and on the first page of a fresh server the
# line read '乡镇 丘北县 (532626001)', the county's name beside the township's code.
account_line = st.sidebar.empty()


def show_account() -> None:
    """The sidebar's line: the account, its role and its jurisdiction by name."""
    assert viewer is not None
    account_line.caption(
        t(
            "signed_in_as",
            lang,
            user=viewer.username,
            role=i18n.account_role(viewer.role, lang),
            scope=i18n.scope(viewer.scope_kind, viewer.scope_id, lang),
        )
    )


show_account()  # now, and again below: a page that stops or fails still has it
if st.sidebar.button(t("sign_out", lang), key="sign_out"):
    auth.sign_out_everywhere()
    st.rerun()

# The first page is the default one, which Streamlit serves at ``/`` only: its own address
# (``/overview``, the sign-in form's when it was opened there: a bookmark, a shared link) was
# answered with Streamlit's English "Page not found" dialog. The default page takes a name no
# link uses (DEFAULT_PATH, reserved by Streamlit but never shown), and its address a hidden
# page that goes on to it (:func:`to_default`).
DEFAULT_PATH = "home"
pages = [
    st.Page(
        PAGES / name,
        title=t(title, lang),
        url_path=DEFAULT_PATH if name == MENU[0][0] else url_path(name),
    )
    for name, title, roles in MENU
    if roles is None or viewer.role in roles
]


def denied(title: str) -> Callable[[], None]:
    """The hidden stand-in of a page the role may not see: on to the default page, which
    says why (Streamlit would show its own English "page not found")."""

    def go_default() -> None:
        st.session_state[DENIED_KEY] = title
        auth.resend_cookie()  # this run's cookie script may not reach the browser
        st.switch_page(pages[0], query_params={"lang": lang})

    return go_default


hidden = [
    st.Page(
        denied(t(title, lang)), title=t(title, lang), url_path=url_path(name), visibility="hidden"
    )
    for name, title, roles in MENU
    if roles is not None and viewer.role not in roles
]


def to_default() -> None:
    """The default page's own address (``/overview``): on to the default page at ``/``, with
    the link's query parameters."""
    auth.resend_cookie()  # this run's cookie script may not reach the browser
    st.switch_page(pages[0], query_params=st.query_params.to_dict())


default_alias = st.Page(
    to_default, title=pages[0].title, url_path=url_path(MENU[0][0]), visibility="hidden"
)
page = st.navigation([*pages, *hidden, default_alias])
refused = st.session_state.pop(DENIED_KEY, None)
if refused:
    st.warning(t("page_not_allowed", lang, page=refused))
# The cookie's script counts as delivered once the run ends or stops, not when a rerun
# interrupts it (Streamlit then drops what it had not sent): see auth.sync_cookie.
delivered = False
try:
    page.run()
    delivered = True
except StopException:
    delivered = True
    raise
finally:
    show_account()
    if delivered:
        auth.cookie_delivered()

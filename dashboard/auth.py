"""Signing in, and the access every page starts from.

The login form asks the store (:meth:`Store.authenticate`), which checks the password, counts
failures, locks an account after repeated ones and audits every attempt. The signed-in
:class:`~dashboard.data.Viewer` is kept in ``st.session_state`` with an HMAC signature made
with a key that exists only in this server process; but no page takes its scope from there:
:func:`page_context` checks the signature and then reads the account again from the store
(role, jurisdiction, still active) and builds :class:`~dashboard.data.DataAccess` from that
row. Editing the session's viewer (or a query parameter) therefore changes nothing but this
session's sign-in: the page refuses and asks to sign in again.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, NoReturn

import streamlit as st

from dashboard import i18n
from dashboard.data import DataAccess, Viewer
from dashboard.i18n import Lang, t
from visit_planner.errors import LoginError, StoreError, VisitPlannerError
from visit_planner.paths import Workspace, resolve_workspace
from visit_planner.store import Store

STORE_URL_ENV: Final = "VISIT_PLANNER_STORE_URL"
VIEWER_KEY: Final = "viewer"
SIGNATURE_KEY: Final = "viewer_signature"
NOTICE_KEY: Final = "auth_notice"
LANG_KEY: Final = "lang"
MONTH_KEY: Final = "month"

_KEY: Final = secrets.token_bytes(32)
"""Signs this process's sessions; a restart signs everyone out."""


# --------------------------------------------------------------------------- plain functions


def settings() -> tuple[Workspace, str | None]:
    """The workspace and store URL the server was started with (``visit-planner dashboard``
    passes ``--home`` and ``--store-url`` as ``VISIT_PLANNER_HOME`` and
    ``VISIT_PLANNER_STORE_URL``)."""
    return resolve_workspace(), os.environ.get(STORE_URL_ENV) or None


def viewer_of(row: Any) -> Viewer:
    """The :class:`Viewer` of a store account row (``UserRow``)."""
    return Viewer(row.username, row.role, row.scope_kind, row.scope_id)


def signature(viewer: Viewer) -> str:
    """The HMAC of the viewer's fields under this process's key."""
    fields = "\x00".join(
        (viewer.username, viewer.role, viewer.scope_kind, viewer.scope_id or "")
    ).encode("utf-8")
    return hmac.new(_KEY, fields, hashlib.sha256).hexdigest()


def session_values(viewer: Viewer) -> dict[str, Any]:
    """What a successful sign-in keeps in the session."""
    return {VIEWER_KEY: viewer, SIGNATURE_KEY: signature(viewer)}


def authenticate(username: str, password: str) -> Viewer:
    """The viewer of the account if the store accepts the password (LoginError otherwise;
    the store audits the attempt either way)."""
    workspace, url = settings()
    with Store.for_workspace(workspace, url) as store:
        return viewer_of(store.authenticate(username, password))


def account(username: str) -> Viewer | None:
    """The account as the store holds it now, or None when it is gone or disabled."""
    workspace, url = settings()
    try:
        with Store.for_workspace(workspace, url) as store:
            row = store.get_user(username)
    except LoginError:
        return None
    except StoreError:
        return None
    return viewer_of(row) if row.active else None


# --------------------------------------------------------------------------- the session


def current_lang() -> Lang:
    """The session's language (Chinese unless switched)."""
    return i18n.lang_of(st.session_state.get(LANG_KEY))


def sign_out(notice: str | None = None) -> None:
    """Forget the session's sign-in (and its month and choices; the language stays, also in
    the URL); ``notice`` is shown on the login form."""
    for key in list(st.session_state.keys()):
        if key != LANG_KEY:
            del st.session_state[key]
    if notice:
        st.session_state[NOTICE_KEY] = notice


def signed_in() -> Viewer | None:
    """The session's viewer, checked: the signature must match and the store must still hold
    the account, active, with the same role and jurisdiction. None (and signed out, with a
    notice) otherwise."""
    viewer = st.session_state.get(VIEWER_KEY)
    sig = st.session_state.get(SIGNATURE_KEY)
    if viewer is None and sig is None:
        return None
    if (
        not isinstance(viewer, Viewer)
        or not isinstance(sig, str)
        or not hmac.compare_digest(sig, signature(viewer))
    ):
        sign_out("session_changed")
        return None
    now = account(viewer.username)
    if now is None:
        sign_out("account_gone")
        return None
    if now != viewer:
        sign_out("session_changed")
        return None
    return now


def login_form(lang: Lang) -> None:
    """The sign-in form; on success the session is signed and the app reruns."""
    st.title(t("app_title", lang))
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(t(notice, lang))
    st.write(t("sign_in_intro", lang))
    with st.form("login", clear_on_submit=True, width=420):
        username = st.text_input(t("username", lang), key="login_username")
        password = st.text_input(t("password", lang), type="password", key="login_password")
        submitted = st.form_submit_button(t("sign_in", lang), type="primary")
    if not submitted:
        return
    if not username or not password:
        st.error(t("login_empty", lang))
        return
    try:
        viewer = authenticate(username.strip(), password)
    except VisitPlannerError as exc:
        st.error(f"**{t('login_refused', lang)}** — {exc}")
        return
    st.session_state.update(session_values(viewer))
    st.rerun()


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class PageContext:
    """What a page works with: the data access of the signed-in account, the language and
    the month."""

    data: DataAccess
    viewer: Viewer
    lang: Lang
    month: str


def stop_with(exc: BaseException, lang: Lang) -> NoReturn:
    """Show the clean message of a refused request and stop the page (never a traceback)."""
    st.error(i18n.error_text(exc, lang))
    st.stop()


@contextmanager
def guarded(lang: Lang) -> Iterator[None]:
    """Run the block; a VisitPlannerError (out of scope, not in the run ...) becomes the
    page's message and the page stops."""
    try:
        yield
    except VisitPlannerError as exc:
        stop_with(exc, lang)


def page_context() -> PageContext:
    """The page's access, derived again from the store's account (see the module docstring);
    a page without a valid sign-in shows the reason and stops."""
    lang = current_lang()
    viewer = signed_in()
    if viewer is None:
        st.warning(t(st.session_state.get(NOTICE_KEY) or "sign_in_intro", lang))
        st.stop()
    workspace, url = settings()
    data = DataAccess(workspace, viewer, store_url=url)
    with guarded(lang):
        months = data.months()
    if not months:
        st.info(t("no_months", lang))
        st.stop()
    if st.session_state.get(MONTH_KEY) not in months:
        st.session_state[MONTH_KEY] = months[0]
    month = st.sidebar.selectbox(t("month", lang), months, key=MONTH_KEY)
    return PageContext(data, viewer, lang, str(month))


def show_table(frame: Any, lang: Lang, *, total: int | None = None, key: str | None = None) -> None:
    """A translated table (``i18n.table``), missing values as ``—``, with how many rows of how
    many are shown when the data layer cut the list."""
    st.dataframe(frame, hide_index=True, width="stretch", placeholder="—", key=key)
    if total is not None and total > frame.height:
        st.caption(t("rows_shown", lang, shown=f"{frame.height:,}", total=f"{total:,}"))

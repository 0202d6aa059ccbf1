"""Signing in, and the access every page starts from.

The login form asks the store (:meth:`Store.authenticate`), which checks the password, counts
failures, locks an account after repeated ones and audits every attempt. The signed-in
:class:`~dashboard.data.Viewer` is kept in ``st.session_state`` with an HMAC signature made
with a key that exists only in this server process; but no page takes its scope from there:
:func:`page_context` checks the signature and then reads the account again from the store
(role, jurisdiction, still active, password unchanged since the sign-in) and builds
:class:`~dashboard.data.DataAccess` from that row. Editing the session's viewer (or a query
parameter) therefore changes nothing but this session's sign-in: the page refuses and asks to
sign in again. A password reset (``visit-planner users reset-password``) ends every session
and token of the account opened before it, at their next run: a reset is what an administrator
does when a password may be known to someone else.

**Single sign-on (optional).** When Streamlit's ``secrets.toml`` has an ``[auth]`` section
(an OpenID Connect provider: ``redirect_uri``, ``cookie_secret``, ``client_id``,
``client_secret``, ``server_metadata_url``), the login form also offers ``st.login``. The
identity the provider returns is mapped to a store account by one claim
(``[visit_planner] sso_claim`` in the secrets, or ``VISIT_PLANNER_SSO_CLAIM``; default
``preferred_username``) whose value, lower-cased, must be the username of an active account
(with the claim ``email``: the e-mail address of one, ``users add --email``);
that account's role and jurisdiction then apply exactly as after a password sign-in. Any other
identity is refused and the refusal audited (``login.sso_refused``); a sign-in is audited as
``login.sso``. Without an ``[auth]`` section nothing changes.

**A reload keeps the sign-in** (:mod:`dashboard.sessions`): a sign-in also starts a random
token, put into a cookie by a small script; a new browser session (a reload, a deep link, a
second tab) that presents a live token is signed in again after the account is re-read from
the store, and the resumption is audited (``login.resumed``). Only the token's hash is kept,
in this process; it expires after 8 idle hours or 12 hours in all, and sign-out revokes it.

**Deep links**: the login form answers on every page's address (``/township?township=...``),
so the address and its query parameters are still there after the sign-in and the page opens
(a page the role may not see: the default page, with a note; see ``dashboard/app.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, Literal, NoReturn
from urllib.parse import urlsplit

import polars as pl
import streamlit as st

from dashboard import i18n
from dashboard.data import PAGE_ROWS, DataAccess, Viewer
from dashboard.i18n import Lang, t
from dashboard.sessions import ABSOLUTE_LIMIT, SESSIONS
from visit_planner import clock
from visit_planner.errors import LoginError, StoreError, VisitPlannerError
from visit_planner.paths import STORE_URL_ENV, Workspace, resolve_workspace
from visit_planner.store import Store
from visit_planner.store.users import MIN_PASSWORD_LENGTH

VIEWER_KEY: Final = "viewer"
SIGNATURE_KEY: Final = "viewer_signature"
STAMP_KEY: Final = "password_stamp"
"""When the account's password was set, as the store said at sign-in (:func:`password_stamp`):
a session whose account's password has been set since is signed out."""
NOTICE_KEY: Final = "auth_notice"
LANG_KEY: Final = "lang"
MONTH_KEY: Final = "month"

SSO_CLAIM_ENV: Final = "VISIT_PLANNER_SSO_CLAIM"
DEFAULT_SSO_CLAIM: Final = "preferred_username"
EMAIL_CLAIM: Final = "email"
"""The claim matched against the accounts' e-mail addresses instead of their usernames."""
SSO_REFUSED_KEY: Final = "sso_refused"
SESSION_KEY: Final = "session_token_hash"
"""The hash of the session's token (:mod:`dashboard.sessions`); never the token itself."""
COOKIE_SET_KEY: Final = "session_cookie_pending"
"""A new token to put into the browser's cookie on this run (then forgotten)."""
COOKIE_CLEAR_KEY: Final = "session_cookie_clear"
"""Set when the browser's cookie is to be removed (sign-out, a refused or expired token)."""
COOKIE_SENT_KEY: Final = "session_cookie_sent"
"""What this run's cookie script did (:func:`resend_cookie`)."""
COOKIE_NAME: Final = "visit_planner_session"

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


def password_stamp(row: Any) -> str:
    """When the account's password was set (``UserRow.password_changed_at``, ISO 8601): what
    a session remembers of the password it was opened with, never the password or its hash."""
    return str(row.password_changed_at.isoformat())


def signature(viewer: Viewer, stamp: str = "") -> str:
    """The HMAC of the viewer's fields and the password stamp under this process's key."""
    fields = "\x00".join(
        (viewer.username, viewer.role, viewer.scope_kind, viewer.scope_id or "", stamp)
    ).encode("utf-8")
    return hmac.new(_KEY, fields, hashlib.sha256).hexdigest()


def session_values(viewer: Viewer, stamp: str = "") -> dict[str, Any]:
    """What a successful sign-in keeps in the session: the viewer, the password stamp
    (:func:`password_stamp`) and their signature."""
    return {VIEWER_KEY: viewer, STAMP_KEY: stamp, SIGNATURE_KEY: signature(viewer, stamp)}


LOCAL_CLIENT: Final = "local"
"""The audit's ``client`` of a browser on this machine: Streamlit gives no address for a
connection from 127.0.0.1 or ::1 (``st.context.ip_address`` is None), nor outside a server
(AppTest, whose context holds a stand-in object)."""


def client_address() -> str:
    """The address the browser connected from, for the audit log's ``client``: Streamlit's
    ``st.context.ip_address`` (the WebSocket's peer; behind a proxy on this machine that sends
    ``X-Forwarded-For``, as docs/deployment.md's nginx does, the address the proxy was
    reached from, since the server trusts that header from 127.0.0.1 only), or
    :data:`LOCAL_CLIENT`. An address is no personal ID number; it says where a sign-in came
    from, which a security review of the log asks first."""
    try:
        address = st.context.ip_address
    except (AttributeError, KeyError, RuntimeError):
        address = None
    # A text or nothing: AppTest's context gives a mock object, whose repr is no address.
    return address if isinstance(address, str) and address else LOCAL_CLIENT


def authenticate(username: str, password: str) -> tuple[Viewer, str]:
    """The viewer of the account and its password stamp if the store accepts the password
    (LoginError otherwise; the store audits the attempt either way, with the browser's
    :func:`client_address`)."""
    workspace, url = settings()
    with Store.for_workspace(workspace, url) as store:
        row = store.authenticate(username, password, client=client_address())
    return viewer_of(row), password_stamp(row)


def account(username: str) -> tuple[Viewer, str] | None:
    """The account as the store holds it now with its password stamp, or None when it is gone
    or disabled."""
    workspace, url = settings()
    try:
        with Store.for_workspace(workspace, url) as store:
            row = store.get_user(username)
    except StoreError:  # unknown (LoginError is a StoreError too), or the store is unreadable
        return None
    return (viewer_of(row), password_stamp(row)) if row.active else None


def session_refusal(viewer: Viewer, stamp: str, now: tuple[Viewer, str] | None) -> str | None:
    """Why a session of ``viewer``, opened when the password was ``stamp``, may not go on
    with the account as the store holds it ``now`` (:func:`account`): the notice to show
    (``account_gone``, ``session_changed``, ``password_reset_signed_out``), or None."""
    if now is None:
        return "account_gone"
    if now[0] != viewer:
        return "session_changed"
    if now[1] != stamp:  # the password was changed or reset since the sign-in
        return "password_reset_signed_out"
    return None


_LOGIN_REASONS: Final = {
    "unknown_user": "login_wrong",  # one text for both: which accounts exist is not told
    "wrong_password": "login_wrong",
    "disabled": "login_disabled",
    "locked": "login_locked",
    "client_blocked": "login_client_blocked",  # this address, whichever account
    "no_claim": "sso_no_account",
    "unknown_identity": "sso_no_account",
    "email_unverified": "sso_unverified",
}


def login_message(exc: VisitPlannerError, lang: Lang) -> str:
    """The refusal of a sign-in in the session's language only: a :class:`LoginError` by its
    reason code (the store's own text is bilingual, for the CLI); any other error (a busy or
    missing store) as the pages show errors, with its own bilingual text."""
    key = _LOGIN_REASONS.get(exc.reason) if isinstance(exc, LoginError) else None
    if key is None:
        return i18n.error_text(exc, lang)
    until = getattr(exc, "locked_until", None)
    values = {"until": clock.shown_in(until, lang)} if until else {}  # Beijing time
    if key in ("login_locked", "login_client_blocked") and not values:
        values = {"until": "—"}
    return f"**{t('login_refused', lang)}** — {t(key, lang, **values)}"


# --------------------------------------------------------------------------- single sign-on


@dataclass(frozen=True)
class SsoSettings:
    """How single sign-on is configured: the provider to ask (None: the ``[auth]`` section's
    own) and the identity claim that names the store account."""

    provider: str | None
    claim: str


def sso_settings(secrets_: Mapping[str, Any], env: Mapping[str, str] | None = None) -> (
    SsoSettings | None
):  # fmt: skip
    """Single sign-on settings from Streamlit's secrets (None when there is no ``[auth]``
    section with a provider: password sign-in only)."""
    section = secrets_.get("auth")
    if not isinstance(section, Mapping):
        return None
    named = sorted(k for k, v in section.items() if isinstance(v, Mapping))
    if "client_id" in section:
        provider = None
    elif named:
        provider = named[0]
    else:
        return None
    ours = secrets_.get("visit_planner")
    claim = ours.get("sso_claim") if isinstance(ours, Mapping) else None
    claim = claim or (env if env is not None else os.environ).get(SSO_CLAIM_ENV)
    return SsoSettings(provider, str(claim or DEFAULT_SSO_CLAIM))


def _sso_refused(store: Store, subject: str, claim: str, reason: str) -> LoginError:
    store.append_audit(
        "login.sso_refused", "(anonymous)", subject[:64] or "(blank)",
        {"claim": claim, "reason": reason, "client": client_address()},
    )  # fmt: skip
    return LoginError(
        f"此身份未对应任何有效账户，已拒绝 / this identity matches no active account "
        f"(claim {claim!r}); ask an administrator to create one",
        reason=reason,
    )


def sso_viewer(claims: Mapping[str, Any], claim: str) -> Viewer:
    """The viewer of the store account named by the identity's ``claim``
    (:func:`sso_account`)."""
    return sso_account(claims, claim)[0]


def sso_account(claims: Mapping[str, Any], claim: str) -> tuple[Viewer, str]:
    """The viewer and password stamp of the store account named by the identity's ``claim``;
    a LoginError, after auditing the refusal, when the claim is missing or names no active
    account.

    With the claim ``email`` the value is matched (lower-case) against the accounts' e-mail
    addresses (``users add --email``), and an identity whose provider says the address is not
    verified (``email_verified`` false) is refused; any other claim names the username."""
    workspace, url = settings()
    value = claims.get(claim)
    with Store.for_workspace(workspace, url) as store:
        if not isinstance(value, str) or not value.strip():
            raise _sso_refused(store, "(no claim)", claim, "no_claim")
        subject = value.strip().lower()
        by_email = claim == EMAIL_CLAIM
        if by_email and claims.get("email_verified") is False:
            raise _sso_refused(store, subject, claim, "email_unverified")
        try:
            row = store.get_user_by_email(subject) if by_email else store.get_user(subject)
        except StoreError:  # unknown (LoginError is a StoreError too)
            raise _sso_refused(store, subject, claim, "unknown_identity") from None
        if not row.active:
            raise _sso_refused(store, row.username, claim, "disabled")
        store.append_audit(
            "login.sso", row.username, row.username, {"claim": claim, "client": client_address()}
        )
    return viewer_of(row), password_stamp(row)


def _secrets() -> Mapping[str, Any]:
    """Streamlit's secrets, or nothing when there is no secrets file."""
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except (FileNotFoundError, OSError, ValueError, KeyError):
        return {}


def _sso_logged_in() -> bool:
    """Whether the browser holds a provider identity (``st.user``; absent in tests)."""
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError):
        return False


def sso_sign_in(lang: Lang) -> None:
    """The single sign-on part of the login form (nothing when it is not configured): a
    button that starts ``st.login``; back from the provider, the identity is mapped to its
    account (or refused, once per identity, audited)."""
    config = sso_settings(_secrets())
    if config is None:
        return
    if not _sso_logged_in():
        if st.button(t("sso_button", lang), key="sso_login"):
            st.login(config.provider) if config.provider else st.login()
        return
    claims = st.user.to_dict()
    seen = f"{config.claim}={claims.get(config.claim)}"
    if st.session_state.get(SSO_REFUSED_KEY) != seen:
        try:
            viewer, stamp = sso_account(claims, config.claim)
        except LoginError as exc:
            st.session_state[SSO_REFUSED_KEY] = seen
            st.session_state["sso_refusal"] = exc
        else:
            begin_session(viewer, stamp)
            st.rerun()
    refusal = st.session_state.get("sso_refusal")
    if isinstance(refusal, VisitPlannerError):
        st.error(login_message(refusal, lang))
    if st.button(t("sso_logout", lang), key="sso_logout"):
        st.session_state.pop(SSO_REFUSED_KEY, None)
        st.logout()


def audit_sign_out(viewer: Viewer | None) -> None:
    """Record a sign-out the user asked for (``logout``, with the :func:`client_address`),
    so that the log says when a session ended as well as when it began; a store that cannot
    be written does not keep anyone signed in."""
    if viewer is None:
        return
    workspace, url = settings()
    try:
        with Store.for_workspace(workspace, url) as store:
            store.append_audit(
                "logout", viewer.username, viewer.username, {"client": client_address()}
            )
    except StoreError:
        pass


def sign_out_everywhere() -> None:
    """Sign out of this session (audited, :func:`audit_sign_out`) and, after single sign-on,
    of the provider's cookie too."""
    viewer = st.session_state.get(VIEWER_KEY)
    audit_sign_out(viewer if isinstance(viewer, Viewer) else None)
    sign_out()
    if sso_settings(_secrets()) is not None and _sso_logged_in():
        st.logout()


# --------------------------------------------------------------------------- start-up

_WARM: list[bool] = []


def warm_up() -> None:
    """Once per server process: start reading the model registry in a child process
    (:mod:`dashboard.registry`; MLflow is never imported in the server)."""
    if _WARM:
        return
    _WARM.append(True)
    from dashboard import registry

    workspace, _ = settings()
    registry.prefetch(workspace.root)


_FROZEN: list[bool] = []


def preload_charts() -> None:
    """Import the chart library the pages draw with (``st.bar_chart`` imports Altair on first
    use, ~0.5 s): called once the login form is on screen, while the user types.

    Then, once per process, freeze the heap (``gc.freeze``): the ~240,000 objects of the
    modules imported so far (Streamlit, Altair's schema, polars, SQLAlchemy ...) live as long
    as the server and are never garbage, yet Streamlit's collection after every script run
    (``runner.postScriptGC``) walked them all, 0.15 s holding the interpreter each time -
    twice between the sign-in click and the overview (the sign-in's run, then the page's).
    Frozen objects are skipped; everything created later (sessions, pages' data) is still
    collected as before."""
    import gc

    import altair  # noqa: F401

    from dashboard import maps  # noqa: F401  (the maps' SciPy too)

    if not _FROZEN:
        _FROZEN.append(True)
        gc.collect()  # today's garbage goes first, it is not kept for ever
        gc.freeze()


# --------------------------------------------------------------------------- the session


def current_lang() -> Lang:
    """The session's language (Chinese unless switched)."""
    return i18n.lang_of(st.session_state.get(LANG_KEY))


def sign_out(notice: str | None = None) -> None:
    """Forget the session's sign-in (and its month and choices; the language stays, also in
    the URL) and revoke its token, whose cookie the next run removes; ``notice`` is shown on
    the login form."""
    SESSIONS.revoke(st.session_state.get(SESSION_KEY))
    for key in list(st.session_state.keys()):
        if key != LANG_KEY:
            del st.session_state[key]
    st.session_state[COOKIE_CLEAR_KEY] = True
    if notice:
        st.session_state[NOTICE_KEY] = notice


def begin_session(viewer: Viewer, stamp: str) -> None:
    """Sign the session in as ``viewer`` (password or single sign-on; ``stamp``: the account's
    :func:`password_stamp` at that sign-in) and start its token, which the next run puts into
    the browser's cookie (:func:`sync_cookie`)."""
    token, digest = SESSIONS.start(viewer, stamp=stamp)
    st.session_state.update(session_values(viewer, stamp))
    st.session_state[SESSION_KEY] = digest
    st.session_state[COOKIE_SET_KEY] = token
    st.session_state.pop(COOKIE_CLEAR_KEY, None)


def _url() -> str:
    """The address the browser opened (empty where Streamlit has none, e.g. in AppTest)."""
    try:
        return str(st.context.url or "")
    except (AttributeError, KeyError, RuntimeError):
        return ""


def base_path() -> str:
    """The path the server answers under, without slashes (Streamlit's
    ``server.baseUrlPath``: ``visit-planner dashboard --base-path``, its environment variable
    or ``config.toml``); empty at ``/``."""
    try:
        value = st.get_option("server.baseUrlPath")
    except (KeyError, RuntimeError):
        return ""
    return str(value or "").strip("/")


def cookie_name(url: str, base: str = "") -> str:
    """The cookie's name: one per port and base path, since browsers share a host's cookies
    across ports, and send a cookie of ``/`` to every path under it (two dashboards on one
    machine, or one at ``/`` and one under a path of the same proxy, would otherwise read
    and overwrite each other's token)."""
    port = urlsplit(url).port if url else None
    name = f"{COOKIE_NAME}_{port}" if port else COOKIE_NAME
    return f"{name}_{base.replace('/', '_')}" if base else name


def cookie_script(url: str, token: str | None, base: str = "") -> str:
    """The script that sets the cookie to ``token`` (None: removes it): the dashboard's own
    path (``/``, or ``/BASE/`` under a base path: behind a proxy that serves other
    applications on the same host, they never receive the token), ``SameSite=Strict``,
    ``Secure`` behind HTTPS, kept no longer than the absolute limit."""
    name = cookie_name(url, base)
    path = f"/{base}/" if base else "/"
    if token is None:
        value = f"{name}=; Path={path}; Max-Age=0; SameSite=Strict"
    else:
        limit = int(ABSOLUTE_LIMIT.total_seconds())
        value = f"{name}={token}; Path={path}; Max-Age={limit}; SameSite=Strict"
    if url.startswith("https:"):
        value += "; Secure"
    return f"<script>document.cookie = {json.dumps(value)};</script>"


def sync_cookie() -> None:
    """Put a new token into the browser's cookie, or remove a revoked one, as a sign-in or
    sign-out asked (nothing otherwise), on every run until one has delivered it
    (:func:`cookie_delivered`).

    Streamlit drops the messages of a run it has not sent yet when the next run starts, and a
    run interrupted by a rerun (the browser's, soon after a sign-in on a freshly started
    server, whose first page run is slow) lost the script: the sign-in was not kept on
    reload (seen behind nginx, two first sign-ins of three)."""
    token = st.session_state.get(COOKIE_SET_KEY)
    clear = st.session_state.get(COOKIE_CLEAR_KEY)
    st.session_state[COOKIE_SENT_KEY] = (token, clear)
    if token is None and not clear:
        return
    script = cookie_script(_url(), token if isinstance(token, str) else None, base_path())
    with st.sidebar:
        st.html(script, unsafe_allow_javascript=True, width="content")


def cookie_delivered() -> None:
    """This run reached its end (or ``st.stop``) after :func:`sync_cookie`, so the browser
    gets its script: stop sending it. Not called when a rerun interrupts the run, whose
    unsent messages Streamlit drops; a sign-out during the run (which forgets what was
    sent) keeps its own request for the next run."""
    sent = st.session_state.get(COOKIE_SENT_KEY)
    if not isinstance(sent, tuple):
        return
    token, clear = sent
    if token is not None and st.session_state.get(COOKIE_SET_KEY) == token:
        del st.session_state[COOKIE_SET_KEY]
    if clear:
        st.session_state.pop(COOKIE_CLEAR_KEY, None)


def resend_cookie() -> None:
    """Send this run's cookie script again on the next run: for a run that ends in
    ``st.switch_page`` or ``st.rerun`` before the browser has run the script."""
    token, clear = st.session_state.pop(COOKIE_SENT_KEY, (None, None))
    if token is not None:
        st.session_state[COOKIE_SET_KEY] = token
    if clear:
        st.session_state[COOKIE_CLEAR_KEY] = True


def _cookie_token() -> str | None:
    """The token in the cookie the browser sent when this session opened, if any."""
    try:
        value = st.context.cookies.get(cookie_name(_url(), base_path()))
    except (AttributeError, KeyError, RuntimeError):
        return None
    return value if isinstance(value, str) and value else None


def resume() -> Viewer | None:
    """A new session (reload, deep link, second tab) signed in again from the browser's
    token: only if the token is live and the store's account is still active with the role,
    jurisdiction and password it had at sign-in (:func:`session_refusal`); audited as
    ``login.resumed``. A dead token's cookie is removed; a changed account revokes the token
    and says why."""
    token = _cookie_token()
    if token is None:
        return None
    found = SESSIONS.resume(token)
    if found is None:  # unknown (another server, a restart), revoked or expired
        st.session_state[COOKIE_CLEAR_KEY] = True
        return None
    session, digest = found
    now = account(session.viewer.username)
    refusal = session_refusal(session.viewer, session.password_stamp, now)
    if refusal is not None or now is None:
        SESSIONS.revoke(digest)
        st.session_state[COOKIE_CLEAR_KEY] = True
        st.session_state[NOTICE_KEY] = refusal or "account_gone"
        return None
    viewer, stamp = now
    workspace, url = settings()
    try:
        with Store.for_workspace(workspace, url) as store:
            store.append_audit(
                "login.resumed", viewer.username, viewer.username,
                {
                    "signed_in_at": session.created.isoformat(timespec="seconds"),
                    "client": client_address(),
                },
            )  # fmt: skip
    except StoreError:
        SESSIONS.revoke(digest)
        return None
    st.session_state.update(session_values(viewer, stamp))
    st.session_state[SESSION_KEY] = digest
    return viewer


def signed_in() -> Viewer | None:
    """The session's viewer, checked: the signature must match, the store must still hold
    the account, active, with the same role and jurisdiction and the password it had at the
    sign-in (:func:`session_refusal`), and the session's token must be live (each run counts
    as use). None (and signed out, with a notice) otherwise. A session not signed in yet is
    resumed from the browser's token when it has a live one (:func:`resume`)."""
    viewer = st.session_state.get(VIEWER_KEY)
    sig = st.session_state.get(SIGNATURE_KEY)
    stamp = st.session_state.get(STAMP_KEY)
    if viewer is None and sig is None:
        return resume()
    if (
        not isinstance(viewer, Viewer)
        or not isinstance(sig, str)
        or not isinstance(stamp, str)
        or not hmac.compare_digest(sig, signature(viewer, stamp))
    ):
        sign_out("session_changed")
        return None
    refusal = session_refusal(viewer, stamp, account(viewer.username))
    if refusal is not None:
        sign_out(refusal)
        return None
    digest = st.session_state.get(SESSION_KEY)
    if digest is not None and SESSIONS.touch(str(digest)) is None:
        sign_out("session_expired")  # idle too long, too old, or revoked in another tab
        return None
    return viewer


def login_form(lang: Lang) -> None:
    """The sign-in form; on success the session is signed and the app reruns."""
    st.title(t("app_title", lang), anchor=False)
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(t(notice, lang))
    st.write(t("sign_in_intro", lang))
    with st.form("login", clear_on_submit=True, width=420):
        username = st.text_input(t("username", lang), key="login_username")
        password = st.text_input(t("password", lang), type="password", key="login_password")
        submitted = st.form_submit_button(t("sign_in", lang), type="primary")
    sso_sign_in(lang)
    if not submitted:
        return
    if not username or not password:
        st.error(t("login_empty", lang))
        return
    try:
        viewer, stamp = authenticate(username.strip(), password)
    except VisitPlannerError as exc:
        st.error(login_message(exc, lang))
        return
    begin_session(viewer, stamp)
    st.rerun()


# --------------------------------------------------------------------------- own password

PASSWORD_NOTICE_KEY: Final = "password_changed_notice"


def change_own_password(viewer: Viewer, current: str, new_password: str) -> None:
    """Change the signed-in account's password (:meth:`Store.change_password`, audited with
    the :func:`client_address`) and carry this session over to it: its old token is revoked
    and a new one started under the new password stamp, so that this browser stays signed in
    while every other session and token of the account, opened under the old stamp, is
    refused at its next run (:func:`session_refusal`)."""
    workspace, url = settings()
    with Store.for_workspace(workspace, url) as store:
        row = store.change_password(viewer.username, current, new_password, client=client_address())
    SESSIONS.revoke(st.session_state.get(SESSION_KEY))
    begin_session(viewer_of(row), password_stamp(row))


def password_form(viewer: Viewer, lang: Lang) -> None:
    """The sidebar's 修改密码 / Change password form: an account's initial password is made
    and printed by an administrator (``visit-planner users add``), so its owner replaces it
    here. A wrong current password counts towards the lock, and an account locked so is
    signed out. What the form says goes under it, in the sidebar (a message inside the
    expander would be hidden when Streamlit redraws it closed)."""
    with (
        st.sidebar.expander(t("change_password", lang)),
        st.form("change_password", clear_on_submit=True, border=False),
    ):
        current = st.text_input(t("current_password", lang), type="password", key="pw_current")
        new = st.text_input(
            t("new_password", lang, n=MIN_PASSWORD_LENGTH),
            type="password",
            key="pw_new",
        )
        again = st.text_input(t("repeat_password", lang), type="password", key="pw_again")
        submitted = st.form_submit_button(t("change_submit", lang))
    if st.session_state.pop(PASSWORD_NOTICE_KEY, None):
        st.sidebar.success(t("password_changed", lang))
    if submitted:
        refusal = _change_refusal(viewer, lang, current, new, again)
        if refusal is None:
            st.session_state[PASSWORD_NOTICE_KEY] = True
            st.rerun()
        st.sidebar.error(refusal)


def _change_refusal(viewer: Viewer, lang: Lang, current: str, new: str, again: str) -> str | None:
    """Change the password as the form asked; None when done, else why not (in ``lang``)."""
    if not current or not new or not again:
        return t("password_empty", lang)
    if new != again:
        return t("password_mismatch", lang)
    try:
        change_own_password(viewer, current, new)
    except LoginError as exc:
        if exc.reason in ("locked", "disabled"):
            sign_out()
            st.rerun()
        return i18n.error_text(exc, lang)
    except VisitPlannerError as exc:
        return i18n.error_text(exc, lang)
    return None


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
        password_form(viewer, lang)  # a new account replaces its initial password before any plan
        st.stop()
    if st.session_state.get(MONTH_KEY) not in months:
        st.session_state[MONTH_KEY] = months[0]
    month = st.sidebar.selectbox(t("month", lang), months, key=MONTH_KEY)
    password_form(viewer, lang)
    return PageContext(data, viewer, lang, str(month))


TOWNSHIP_WIDTH: Final = 210
"""Pixels of a wide table's township column (``开化街道 · 文山市 (532601001)`` on one line),
so that the overview's, the runs comparison's and the overrides' tables fit at 1,366 px in
both languages; a longer name (``Kaihua Subdistrict · Wenshan (532601001)``) takes a second
line (:func:`row_height`) rather than lose its code."""

TWO_LINE_ROW: Final = 66
"""Pixels of a table row of two lines. Streamlit 1.67's table wraps a cell's text only in rows
taller than 4 rem (64 px); below that a longer cell is cut ("Kaihua Subdistrict · Wenshan
(5326", its code lost, whole only on hover)."""

SENTENCE_WIDTH: Final = 240
"""Pixels a column of sentences (reasons, why a correction was not applied) takes at most:
its cells end in "…" and show whole on hover, so that the columns after it stay on screen
at 1,366 px (a supervisor's laptop)."""


def text_px(text: str) -> int:
    """About how many pixels ``text`` takes in a table cell (14 px font): a Chinese character
    a full em, any other character about half of one."""
    return sum(14 if unicodedata.east_asian_width(ch) in "WF" else 7 for ch in text)


def sentence_columns(frame: Any) -> list[str]:
    """The text columns of ``frame`` some of whose first rows are wider than
    :data:`SENTENCE_WIDTH` (with a cell's padding): the ones a table narrows."""
    return [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String
        and max((text_px(v) for v in frame[name].head(PAGE_ROWS).drop_nulls()), default=0) + 16
        > SENTENCE_WIDTH
    ]


def row_height(frame: Any, widths: Mapping[str, int], whole: str | None) -> int | None:
    """:data:`TWO_LINE_ROW` when a cell of the column ``whole`` (a place with its code, read
    whole) among the first rows is wider than its width in ``widths`` (by :func:`text_px`,
    which errs wide for Latin letters and so stands in for the cell's padding:
    ``开化街道 · 文山市 (532601001)`` fits in one line, 203 px by it), else None: Streamlit's
    rows of one line."""
    if whole is None or whole not in widths or whole not in frame.columns:
        return None
    cells = frame[whole].head(PAGE_ROWS).drop_nulls().cast(pl.String)
    wide = max((text_px(v) for v in cells), default=0) > widths[whole]
    return TWO_LINE_ROW if wide else None


def table_height(rows: int, row_px: int | None) -> int | Literal["auto"]:
    """A table's height in pixels for ``rows`` rows of ``row_px`` (with its heading): as many
    rows on screen as Streamlit's ``auto`` shows of one line (10), so that rows of two lines
    do not put the overview's townships behind a scroll; ``auto`` for Streamlit's rows."""
    return min(rows, 10) * row_px + 38 if row_px else "auto"


def table_columns(frame: Any, widths: Mapping[str, int] | None = None) -> dict[str, Any]:
    """``st.dataframe``'s column configuration of :func:`show_table`: counts with thousands
    separators, sentence columns at most :data:`SENTENCE_WIDTH` wide, ``widths`` outright,
    and the first column (what a row is: a township, a worker, a household) pinned, so a
    table scrolled sideways on a phone (390 px shows about 4 of 9 columns) still says whose
    row each is. A first column of sentences is not pinned: it would fill the screen."""
    config: dict[str, Any] = {}
    sentences = set(sentence_columns(frame))
    columns = list(frame.schema.items())
    for i, (name, dtype) in enumerate(columns):
        pinned = (
            i == 0 and len(columns) > 1 and name not in sentences and name not in (widths or {})
        )
        if dtype.is_integer():
            config[name] = st.column_config.NumberColumn(format="localized", pinned=pinned or None)
        elif name in sentences:
            config[name] = st.column_config.TextColumn(width=SENTENCE_WIDTH)
        elif pinned:
            config[name] = st.column_config.Column(pinned=True)
    for name, px in (widths or {}).items():
        if name in frame.columns and frame.schema[name].is_integer():  # a narrow count
            config[name] = st.column_config.NumberColumn(format="localized", width=px)
        else:
            config[name] = st.column_config.TextColumn(width=px)
    return config


def show_table(
    frame: Any,
    lang: Lang,
    *,
    total: int | None = None,
    key: str | None = None,
    widths: Mapping[str, int] | None = None,
    whole: str | None = None,
    pick: bool = False,
    stretch: bool = True,
) -> int | None:
    """A translated table (``i18n.table``), missing values as ``—``, counts with thousands
    separators (``1,327``, as the headline figures write them; still numbers, so they sort),
    with how many rows of how many are shown when the data layer cut the list.

    With ``pick`` (and a ``key``), a row can be chosen (a box at its start): the chosen row's
    position in ``frame``, else None; for a table whose rows open a page of their own
    (:func:`open_page`).

    Readable at 1,366 px (with the pages' column choice and order, and the app's margins): a
    column of sentences is at most :data:`SENTENCE_WIDTH` wide, so that the columns after it
    stay on screen; ``widths`` (heading -> pixels) sets text columns' widths outright, for a
    table whose columns would not fit otherwise (a longer cell ends in "…", whole on hover),
    except the column ``whole``, whose longer cells make the rows two lines (:func:`row_height`).
    A table of a few short columns is as wide as its columns (``stretch=False``): stretched to
    the page, the household's history gave its version, one digit, a quarter of the width."""
    two_lines = row_height(frame, widths or {}, whole)
    # (Any: with on_select's union beside it, a second one is more than mypy's overloads try)
    width: Any = "stretch" if stretch else "content"
    event = st.dataframe(
        frame,
        hide_index=True,
        width=width,
        height=table_height(frame.height, two_lines),
        placeholder="—",
        key=key,
        column_config=table_columns(frame, widths),
        row_height=two_lines,
        on_select="rerun" if pick else "ignore",
        selection_mode="single-row",
    )
    if total is not None and total > frame.height:
        st.caption(t("rows_shown", lang, shown=f"{frame.height:,}", total=f"{total:,}"))
    if not pick:
        return None
    rows = event.selection.rows  # type: ignore[union-attr]
    return int(rows[0]) if rows else None


def open_page(path: str, query_params: Mapping[str, str]) -> NoReturn:
    """Go on to the page ``path`` (``views/household.py``) with ``query_params``, as its
    link would, the sign-in's cookie script kept for the next run (this run ends here)."""
    resend_cookie()  # this run's cookie script may not reach the browser
    st.switch_page(path, query_params=dict(query_params))

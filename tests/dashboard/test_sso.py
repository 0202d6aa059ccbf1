"""Optional single sign-on: an OIDC identity (as ``st.user`` gives it) maps to a store account
by one configured claim; unknown identities are refused and audited. No identity provider is
needed: the mapping takes the identity's claims, and the login form is checked with and
without an ``[auth]`` section in the secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dashboard
from dashboard import auth, i18n
from dashboard.data import Viewer
from tests.dashboard.helpers import TOWNSHIP, Site, audit_actions
from visit_planner.errors import LoginError
from visit_planner.store import Store

APP = Path(dashboard.__file__).resolve().parent / "app.py"
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret",
    "client_id": "visit-planner",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def test_single_sign_on_is_off_without_an_auth_section() -> None:
    assert auth.sso_settings({}, env={}) is None
    assert auth.sso_settings({"auth": {"redirect_uri": "x", "cookie_secret": "y"}}, env={}) is None
    on = auth.sso_settings({"auth": AUTH}, env={})
    assert on == auth.SsoSettings(provider=None, claim="preferred_username")
    named = auth.sso_settings({"auth": {"redirect_uri": "x", "keycloak": dict(AUTH)}}, env={})
    assert named is not None and named.provider == "keycloak"
    chosen = {"auth": AUTH, "visit_planner": {"sso_claim": "email"}}
    assert auth.sso_settings(chosen, env={auth.SSO_CLAIM_ENV: "sub"}).claim == "email"  # type: ignore[union-attr]
    assert auth.sso_settings({"auth": AUTH}, env={auth.SSO_CLAIM_ENV: "sub"}).claim == "sub"  # type: ignore[union-attr]


def test_an_identity_maps_to_its_account_and_is_audited(site: Site) -> None:
    viewer = auth.sso_viewer({"preferred_username": "Sup_Town ", "sub": "x"}, "preferred_username")
    assert viewer == Viewer("sup_town", "supervisor", "township", TOWNSHIP)
    assert audit_actions(site, "sup_town")[-1] == "login.sso"
    # The session it gives is the one a password sign-in gives: checked against the store.
    assert auth.session_values(viewer)[auth.SIGNATURE_KEY] == auth.signature(viewer)


def test_unknown_missing_and_disabled_identities_are_refused_and_audited(site: Site) -> None:
    with pytest.raises(LoginError, match="matches no active account") as exc:
        auth.sso_viewer({"preferred_username": "stranger"}, "preferred_username")
    assert exc.value.reason == "unknown_identity"
    assert audit_actions(site, "stranger")[-1] == "login.sso_refused"

    with pytest.raises(LoginError) as exc:
        auth.sso_viewer({"email": "someone@example.org"}, "preferred_username")
    assert exc.value.reason == "no_claim"
    assert audit_actions(site, "(no claim)")[-1] == "login.sso_refused"

    with Store.for_workspace(site.workspace) as store:
        store.add_user(
            "sso_gone",
            "viewer",
            scope_kind="prefecture",
            password="another-horse-battery",
            actor="tests",
        )
        store.disable_user("sso_gone", actor="tests", reason="left")
    with pytest.raises(LoginError) as exc:
        auth.sso_viewer({"preferred_username": "sso_gone"}, "preferred_username")
    assert exc.value.reason == "disabled"
    assert audit_actions(site, "sso_gone")[-1] == "login.sso_refused"
    with Store.for_workspace(site.workspace) as store:
        entries = [e for e in store.audit_entries() if e.action == "login.sso_refused"]
    assert {e.details["reason"] for e in entries} >= {"unknown_identity", "no_claim", "disabled"}


def sso_button(at: AppTest) -> list[str]:
    words = {i18n.t("sso_button", "zh"), i18n.t("sso_button", "en")}
    return [b.label for b in at.button if b.label in words]


def test_the_login_form_offers_single_sign_on_only_when_configured(site: Site) -> None:
    plain = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not plain.exception and sso_button(plain) == []
    assert plain.text_input(key="login_username") is not None  # passwords still work

    configured = AppTest.from_file(str(APP), default_timeout=60)
    configured.secrets["auth"] = AUTH
    configured.run()
    assert not configured.exception
    assert sso_button(configured) == [i18n.t("sso_button", "zh")]
    assert configured.text_input(key="login_password") is not None


def test_the_email_claim_matches_the_accounts_email(site: Site) -> None:
    with Store.for_workspace(site.workspace) as store:
        store.add_user(
            "mail_sup", "supervisor", scope_kind="township", scope_id=TOWNSHIP,
            password="another-horse-battery", actor="tests", email="Zhao.Lei@Example.org",
        )  # fmt: skip
    viewer = auth.sso_viewer(
        {"email": " zhao.lei@EXAMPLE.org", "email_verified": True, "preferred_username": "zl"},
        auth.EMAIL_CLAIM,
    )
    assert viewer == Viewer("mail_sup", "supervisor", "township", TOWNSHIP)
    assert audit_actions(site, "mail_sup")[-1] == "login.sso"
    # Under the e-mail claim a username is no e-mail, and an unverified address is refused.
    with pytest.raises(LoginError) as exc:
        auth.sso_viewer({"email": "mail_sup"}, auth.EMAIL_CLAIM)
    assert exc.value.reason == "unknown_identity"
    with pytest.raises(LoginError) as exc:
        auth.sso_viewer({"email": "zhao.lei@example.org", "email_verified": False}, "email")
    assert exc.value.reason == "email_unverified"
    assert audit_actions(site, "zhao.lei@example.org")[-1] == "login.sso_refused"
    # Under the default claim the e-mail is not looked at.
    with pytest.raises(LoginError):
        auth.sso_viewer({"preferred_username": "zhao.lei@example.org"}, "preferred_username")

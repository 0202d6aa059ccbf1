"""Serving the dashboard behind a reverse proxy on the same host, under a path.

``visit-planner dashboard --base-path visit-planner`` answers at
``http://127.0.0.1:PORT/visit-planner/`` (Streamlit's ``server.baseUrlPath``), as nginx passes
``https://gov.example/visit-planner/`` on (``docs/deployment.md``). CI has no nginx: the real
server is started on 127.0.0.1 under the path, its health check and page fetched there, and
Debian's Chromium signs in under it, with a password and through single sign-on against a
small OpenID Connect provider of this module on 127.0.0.1 (Streamlit's ``st.login`` needs
Authlib's Starlette client, which needs ``httpx``: without it the provider's button answered
``Internal Server Error``). The sign-in cookie is scoped to the base path, and a port already
in use is refused before Streamlit starts, in both languages. The cookie's script is sent
again when a rerun interrupts the run that carried it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urlencode, urlsplit
from urllib.request import urlopen

import pytest

from dashboard import auth, i18n
from tests.dashboard.helpers import (
    PASSWORD,
    SCREENSHOTS,
    TIMEOUT_MS,
    DashboardStartError,
    Site,
    audit_actions,
    fill_sign_in,
    free_port,
    idle,
    launched_chromium,
    served_dashboard,
    streamlit_flags,
)
from tests.visit_planner.helpers import flat

BASE = "county/visit-planner"
"""Two segments: the path a prefecture's proxy might give one county's dashboard."""
CLIENT_ID = "visit-planner"


# --------------------------------------------------------------------------- the command


def test_the_base_path_reaches_streamlit_and_the_address_line(
    no_exec: dict[str, Any], tmp_path: Path, cli: Callable[..., Any]
) -> None:
    port = free_port()
    code, _, err = cli("dashboard", "--home", str(tmp_path), "--port", str(port))
    assert code == 0 and "--server.baseUrlPath" not in streamlit_flags(no_exec)
    assert f"http://127.0.0.1:{port}/ " in err

    for given in ("visit-planner", "/visit-planner/", " visit-planner/ "):
        no_exec.clear()
        code, _, err = cli(
            "dashboard", "--home", str(tmp_path), "--port", str(port), "--base-path", given
        )
        assert code == 0, given
        assert streamlit_flags(no_exec)["--server.baseUrlPath"] == "visit-planner", given
        assert f"http://127.0.0.1:{port}/visit-planner/ " in err

    no_exec.clear()
    code, _, err = cli(
        "dashboard", "--home", str(tmp_path), "--port", str(port), "--base-path", BASE
    )
    assert code == 0 and streamlit_flags(no_exec)["--server.baseUrlPath"] == BASE


@pytest.mark.parametrize("given", ["a b", "visit-planner/../admin", "a//b", "计划", "x?y=1"])
def test_a_base_path_that_is_no_url_path_is_refused(
    given: str, no_exec: dict[str, Any], tmp_path: Path, cli: Callable[..., Any]
) -> None:
    code, out, err = cli("dashboard", "--home", str(tmp_path), "--base-path", given)
    assert code == 2 and not no_exec and out == ""
    text = flat(err)
    assert "--base-path" in text and repr(given) in text
    assert "须为网址路径" in text and "must be a URL path" in text and "Traceback" not in err


def test_a_port_in_use_is_refused_before_streamlit_starts(
    no_exec: dict[str, Any], tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """Streamlit said only 'Port 8501 is not available' (English, exit 1), after our line had
    announced the dashboard at that address."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        code, out, err = cli("dashboard", "--home", str(tmp_path), "--port", str(port))
    assert code == 2 and not no_exec and out == ""
    text = flat(err)
    assert f"127.0.0.1:{port}" in text and "--port" in text
    assert "端口已被其他程序占用" in text and "in use by another process" in text
    assert "仪表盘 dashboard: http" not in text and "Traceback" not in err


def test_the_sign_in_cookie_is_scoped_to_the_base_path() -> None:
    """Under a path the token's cookie is the path's own: other applications the proxy
    serves on the host never receive it, and a dashboard at ``/`` and one under a path of
    the same host neither read nor clear each other's."""
    url = "https://gov.example/county/visit-planner/township?lang=en"
    name = auth.cookie_name(url, BASE)
    assert name == "visit_planner_session_county_visit-planner"
    assert name != auth.cookie_name("https://gov.example/", "")
    script = auth.cookie_script(url, "abc", BASE)
    assert f"{name}=abc; Path=/{BASE}/;" in script and "SameSite=Strict" in script
    assert "; Secure" in script
    assert f"{name}=; Path=/{BASE}/; Max-Age=0" in auth.cookie_script(url, None, BASE)
    assert "Path=/;" in auth.cookie_script("http://127.0.0.1:8501/", "abc")  # at / as before


def _interrupted_sign_in() -> None:
    """A sign-in's first run stopped by a rerun after the cookie's script was made (run by
    AppTest as the app's script)."""
    import streamlit as st

    from dashboard import auth

    runs = int(st.session_state.get("runs", 0)) + 1
    st.session_state["runs"] = runs
    if runs == 1:
        st.session_state[auth.COOKIE_SET_KEY] = "tok-123"
    auth.sync_cookie()
    if runs == 1:
        st.rerun()  # the browser's rerun: Streamlit drops what the run had not sent
    auth.cookie_delivered()


def test_a_cookie_script_lost_to_a_rerun_is_sent_again() -> None:
    """Behind nginx, two first sign-ins of three on a freshly started server were not kept on
    reload: the run that carried the cookie's script was interrupted by a rerun before
    Streamlit sent it, and the token had already been taken off the session."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_interrupted_sign_in).run()
    assert not at.exception and at.session_state["runs"] == 2
    scripts = [e.proto.body for e in at.get("html")]
    assert len(scripts) == 1 and "visit_planner_session=tok-123;" in scripts[0]
    assert auth.COOKIE_SET_KEY not in at.session_state  # delivered by the run that ended


# --------------------------------------------------------------------------- served


class Provider:
    """A minimal OpenID Connect provider on 127.0.0.1 (discovery, keys, an authorization
    endpoint that signs in at once as ``username``, a token endpoint): enough for
    Streamlit's ``st.login`` to complete its code flow; records the redirect URIs asked."""

    def __init__(self, username: str) -> None:
        from joserfc.jwk import RSAKey  # Authlib's own JOSE library

        self.username = username
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
        self.redirects: list[str] = []
        self.nonces: dict[str, str] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def reply(self, body: str, location: str | None = None) -> None:
                data = body.encode()
                self.send_response(302 if location else 200)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                if parts.path == "/.well-known/openid-configuration":
                    self.reply(json.dumps(provider.metadata()))
                elif parts.path == "/jwks":
                    self.reply(json.dumps({"keys": [provider.key.as_dict(private=False)]}))
                elif parts.path == "/authorize":
                    provider.redirects.append(query["redirect_uri"])
                    provider.nonces["code1"] = query.get("nonce", "")
                    back = urlencode({"code": "code1", "state": query["state"]})
                    self.reply("", location=f"{query['redirect_uri']}?{back}")
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", 0))
                form = dict(parse_qsl(self.rfile.read(size).decode()))
                provider.redirects.append(form.get("redirect_uri", ""))
                self.reply(json.dumps(provider.tokens(form.get("code", ""))))

        return Handler

    def metadata(self) -> dict[str, Any]:
        """The discovery document."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def tokens(self, code: str) -> dict[str, Any]:
        """The token response: an ID token naming ``username``."""
        from joserfc import jwt

        now = int(time.time())
        claims = {
            "iss": self.issuer, "sub": "u-1", "aud": CLIENT_ID, "iat": now, "exp": now + 600,
            "nonce": self.nonces.get(code, ""), "preferred_username": self.username,
        }  # fmt: skip
        token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        return {"access_token": "at", "token_type": "Bearer", "expires_in": 600, "id_token": token}

    def __enter__(self) -> Provider:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    """The identity provider, signing in as the prefecture's planner of the site."""
    with Provider("planner1") as running:
        yield running


@pytest.fixture(scope="module")
def under_path(
    site: Site, provider: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``visit-planner dashboard --base-path BASE`` on 127.0.0.1, started in a directory whose
    ``.streamlit/secrets.toml`` configures single sign-on with :class:`Provider`; its URL."""
    root = tmp_path_factory.mktemp("served_under_path")
    port = free_port()
    secrets = root / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/{BASE}/oauth2callback"\n'
        'cookie_secret = "a-random-string-of-the-tests-0123456789"\n'
        f'client_id = "{CLIENT_ID}"\n'
        'client_secret = "not-a-real-secret"\n'
        f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    try:
        with served_dashboard(
            site.home, root / "server.log", base_path=f"/{BASE}/", cwd=root, port=port
        ) as url:
            yield url
    except DashboardStartError as exc:
        pytest.fail(str(exc), pytrace=False)


def fetch(url: str) -> tuple[int, str]:
    """The status and body of a GET."""
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except HTTPError as exc:
        return exc.code, ""


def test_the_server_answers_under_its_base_path_only(under_path: str) -> None:
    assert under_path.endswith(f"/{BASE}")
    assert fetch(f"{under_path}/_stcore/health") == (200, "ok")
    status, page = fetch(f"{under_path}/")
    assert status == 200 and 'id="root"' in page  # Streamlit's page, its scripts relative
    root = under_path.removesuffix(f"/{BASE}")
    assert fetch(f"{root}/_stcore/health")[0] == 404


@pytest.fixture
def context(browser_under_path: Any) -> Iterator[Any]:
    """A fresh browser context (no cookie)."""
    made = browser_under_path.new_context(viewport={"width": 1400, "height": 1000})
    yield made
    made.close()


@pytest.fixture(scope="module")
def browser_under_path(chromium: Path, under_path: str) -> Iterator[Any]:
    """Headless Chromium for this module's server."""
    with launched_chromium(chromium) as launched:
        yield launched


def signed_in_as(page: Any, username: str) -> None:
    """Wait for the sidebar's account line of ``username`` (当前用户 NAME（…）)."""
    line = i18n.t("signed_in_as", "zh", user=username, role="", scope="").split("（")[0]
    page.get_by_test_id("stSidebar").get_by_text(f"{line}（").first.wait_for()


def test_a_password_sign_in_under_the_path_survives_a_reload(
    context: Any, under_path: str, site: Site
) -> None:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{under_path}/township?lang=zh")
    idle(page)
    fill_sign_in(page, "sup_town", PASSWORD)
    signed_in_as(page, "sup_town")
    page.wait_for_timeout(1500)
    assert page.url.startswith(f"{under_path}/township")
    cookies = {c["name"]: c for c in context.cookies()}
    name = auth.cookie_name(under_path, BASE)
    assert name in cookies, sorted(cookies)
    assert cookies[name]["path"] == f"/{BASE}/" and cookies[name]["sameSite"] == "Strict"
    assert not any(
        c["path"] == "/" and c["name"].startswith(auth.COOKIE_NAME) for c in cookies.values()
    )

    page.reload()
    idle(page)
    signed_in_as(page, "sup_town")
    page.screenshot(path=str(SCREENSHOTS / "deployment_under_path_reload.png"))
    assert audit_actions(site, "sup_town")[-2:] == ["login", "login.resumed"]


def test_single_sign_on_under_the_path(
    context: Any, under_path: str, provider: Provider, site: Site
) -> None:
    """The provider's button goes to ``/BASE/auth/login``, the provider sends the browser back
    to ``/BASE/oauth2callback`` and the identity signs in as its account (``login.sso``)."""
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{under_path}/")
    idle(page)
    before = len(audit_actions(site, "planner1"))
    page.get_by_role("button", name=i18n.t("sso_button", "zh")).click()
    signed_in_as(page, "planner1")
    idle(page)
    page.screenshot(path=str(SCREENSHOTS / "deployment_under_path_sso.png"))
    assert page.url.startswith(f"{under_path}/")
    callback = f"{under_path}/oauth2callback"
    assert provider.redirects and set(provider.redirects) == {callback}
    assert "login.sso" in audit_actions(site, "planner1")[before:]
    paths = {c["name"]: c["path"] for c in context.cookies()}
    assert paths.get("_streamlit_user") == f"/{BASE}"  # Streamlit's own, under the path too

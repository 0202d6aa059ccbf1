"""Serving the dashboard behind a reverse proxy on the same host, under a path.

``visit-planner dashboard --base-path visit-planner`` answers at
``http://127.0.0.1:PORT/visit-planner/`` (Streamlit's ``server.baseUrlPath``), as nginx passes
``https://gov.example/visit-planner/`` on (``docs/deployment.md``). CI has no nginx: the real
server is started on 127.0.0.1 under the path, its health check and page fetched there, and
Debian's Chromium signs in under it. The sign-in cookie is scoped to the base path, and a
port already in use is refused before Streamlit starts, in both languages.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
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
    served_dashboard,
)
from tests.visit_planner.helpers import flat

BASE = "county/visit-planner"
"""Two segments: the path a prefecture's proxy might give one county's dashboard."""


# --------------------------------------------------------------------------- the command


@pytest.fixture
def no_exec(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``os.execve`` of the dashboard command recorded instead of run (exit 0)."""
    from visit_planner.cli import dashboard as command

    seen: dict[str, Any] = {}

    def fake_execve(path: str, args: list[str], env: dict[str, str]) -> None:
        seen.update(args=args, env=env)
        raise SystemExit(0)

    monkeypatch.setattr(command.os, "execve", fake_execve)
    monkeypatch.delenv(command.ADDRESS_ENV, raising=False)
    return seen


def flags(seen: dict[str, Any]) -> dict[str, str]:
    """The Streamlit options of the recorded command line."""
    args = list(seen["args"])
    return dict(zip(args[5::2], args[6::2], strict=True))


def test_the_base_path_reaches_streamlit_and_the_address_line(
    no_exec: dict[str, Any], tmp_path: Path, cli: Callable[..., Any]
) -> None:
    port = free_port()
    code, _, err = cli("dashboard", "--home", str(tmp_path), "--port", str(port))
    assert code == 0 and "--server.baseUrlPath" not in flags(no_exec)
    assert f"http://127.0.0.1:{port}/ " in err

    for given in ("visit-planner", "/visit-planner/", " visit-planner/ "):
        no_exec.clear()
        code, _, err = cli(
            "dashboard", "--home", str(tmp_path), "--port", str(port), "--base-path", given
        )
        assert code == 0 and flags(no_exec)["--server.baseUrlPath"] == "visit-planner", given
        assert f"http://127.0.0.1:{port}/visit-planner/ " in err

    no_exec.clear()
    code, _, err = cli(
        "dashboard", "--home", str(tmp_path), "--port", str(port), "--base-path", BASE
    )
    assert code == 0 and flags(no_exec)["--server.baseUrlPath"] == BASE


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


# --------------------------------------------------------------------------- served


@pytest.fixture(scope="module")
def under_path(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``visit-planner dashboard --base-path BASE`` on 127.0.0.1; its URL."""
    root = tmp_path_factory.mktemp("served_under_path")
    try:
        with served_dashboard(site.home, root / "server.log", base_path=f"/{BASE}/") as url:
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
    from playwright.sync_api import sync_playwright

    from tests.dashboard.helpers import CHROMIUM_ARGS

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


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

"""Fixtures of the dashboard's page and browser tests: one published site per test module, a
copy of one built per session (per xdist worker)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.helpers import (
    CHROMIUM,
    DashboardStartError,
    Site,
    build_site,
    copy_site,
    launched_chromium,
    served_dashboard,
    tree_digest,
)


@dataclass(frozen=True)
class SiteTemplate:
    """The site built once per session, and the digest of its root's tree when built."""

    site: Site
    digest: str

    @property
    def root(self) -> Path:
        """The directory :func:`build_site` built into (``data/`` and ``ws/``)."""
        return self.site.home.parent


@pytest.fixture(scope="session")
def site_template(tmp_path_factory: pytest.TempPathFactory) -> SiteTemplate:
    """The published site, built once per session (about 15 s) for the modules to copy; never
    used as a workspace itself. MLflow's process-wide URIs, which the build points at the
    template's database, are given back."""
    import mlflow

    tracking, registry_uri = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        built = build_site(tmp_path_factory.mktemp("dashboard_site_template"))
    finally:
        mlflow.set_tracking_uri(tracking)
        mlflow.set_registry_uri(registry_uri)
    return SiteTemplate(built, tree_digest(built.home.parent))


@pytest.fixture(scope="module")
def site(
    site_template: SiteTemplate, tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Site]:  # fmt: skip
    """A published month with its accounts, set as the workspace of the app under test
    (``VISIT_PLANNER_HOME``; the store in the workspace): the module's own copy of the
    session's site, so that what a module changes (overrides, amendments, accounts, model
    versions) no other module sees. At the end, the template must be as built: a module that
    wrote into it fails here."""
    copied = copy_site(site_template.site, tmp_path_factory.mktemp("dashboard_site"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VISIT_PLANNER_HOME", str(copied.home))
        mp.delenv("VISIT_PLANNER_STORE_URL", raising=False)
        yield copied
    assert tree_digest(site_template.root) == site_template.digest, (
        f"{request.module.__name__} wrote into the session's site template "
        f"{site_template.root}: a module's changes belong in its copy {copied.home.parent}"
    )


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Give back the interpreter's ``__main__`` after each test: Streamlit's AppTest runs the
    app as ``__main__`` and leaves it there, and a process pool started later in the same
    session (``spawn``) would then re-run the dashboard's script in every worker."""
    import sys

    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


# --------------------------------------------------------------------------- browser tests


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium; a browser test fails (never skips) without it."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the dashboard's browser tests need Debian's Chromium and "
            "the CJK fonts (apt-get install -y chromium fonts-noto-cjk); never "
            "'playwright install'",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def server(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``visit-planner dashboard`` on a free port of 127.0.0.1 for the module, stopped at the
    end."""
    log_path = tmp_path_factory.mktemp("dashboard_server") / "server.log"
    try:
        with served_dashboard(site.home, log_path) as url:
            yield url
    except DashboardStartError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def browser(chromium: Path, server: str) -> Iterator[object]:
    """One headless Chromium for the module."""
    with launched_chromium(chromium) as launched:
        yield launched


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

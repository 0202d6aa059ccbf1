"""Fixtures of the dashboard's page and browser tests: one published site per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dashboard.helpers import Site, build_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A published month with its accounts, set as the workspace of the app under test
    (``VISIT_PLANNER_HOME``; the store in the workspace)."""
    built = build_site(tmp_path_factory.mktemp("dashboard_site"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VISIT_PLANNER_HOME", str(built.home))
        mp.delenv("VISIT_PLANNER_STORE_URL", raising=False)
        yield built


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Give back the interpreter's ``__main__`` after each test: Streamlit's AppTest runs the
    app as ``__main__`` and leaves it there, and a process pool started later in the same
    session (``spawn``) would then re-run the dashboard's script in every worker."""
    import sys

    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main

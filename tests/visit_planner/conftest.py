"""Fixtures of the application tests: a database of each kind for the store and the cycle.

PostgreSQL: ``$VISIT_PLANNER_TEST_PG_URL`` (a role that may create databases), else a
throw-away server started for the session by ``.ci/postgres.sh`` on a free port (needs the
Debian ``postgresql`` package) and stopped at the end, also when tests fail. With neither, the
PostgreSQL cases fail with a message saying what to do; they are never skipped. Each test gets
a database of its own (a file, or ``CREATE DATABASE``), dropped afterwards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from visit_planner.store.engine import parse_store_url

PG_URL_ENV = "VISIT_PLANNER_TEST_PG_URL"
PG_SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "postgres.sh"


# ---------------------------------------------------------------------- databases


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A PostgreSQL server's URL for the session (see the module docstring)."""
    given = os.environ.get(PG_URL_ENV)
    if given:
        yield parse_store_url(given).render_as_string(hide_password=False)
        return
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.fail(
            f"the PostgreSQL store tests need a server: set {PG_URL_ENV} (e.g. "
            f'export {PG_URL_ENV}="$(.ci/postgres.sh start)") or install the Debian package '
            "(apt-get update && apt-get install -y postgresql) so that the tests start one",
            pytrace=False,
        )
    errors = []
    for _attempt in range(2):  # the free port may be taken between choosing and binding it
        port = str(_free_port())
        started = subprocess.run(
            [str(PG_SCRIPT), "start", port],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if started.returncode == 0:
            break
        errors.append(started.stderr)
    else:
        pytest.fail(f"could not start a throw-away PostgreSQL:\n{errors[-1]}", pytrace=False)
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(PG_SCRIPT), "stop", port], check=False, capture_output=True, timeout=60)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    admin_url = request.getfixturevalue("pg_admin_url")
    name = f"vp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield parse_store_url(admin_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


# ---------------------------------------------------------------------- model commands


@pytest.fixture(scope="session")
def tiny_prefecture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic prefecture of 2,000 households as Parquet (treat as read-only)."""
    from visit_planner.synthetic import generate, write_prefecture

    out = tmp_path_factory.mktemp("tiny") / "inputs"
    write_prefecture(generate(scale=0.002, seed=1), out)
    return out


@pytest.fixture
def one_thread() -> Iterator[None]:
    """BLAS and OpenMP at one thread for the test: the model commands' fits, two test
    processes side by side on two cores (``pytestmark = pytest.mark.usefixtures(...)``)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield

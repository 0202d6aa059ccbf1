"""Test-wide setup: offline libraries, one small synthetic prefecture per session, and fresh
embedded MLflow stores copied from one migrated template per test process."""

from __future__ import annotations

import shutil
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from visit_planner.offline import go_offline

go_offline()


@pytest.fixture(scope="session")
def small_prefecture():  # type: ignore[no-untyped-def]
    """The synthetic prefecture at scale 0.01, seed 1 (about 10 k households)."""
    from visit_planner.synthetic import generate

    return generate(scale=0.01, seed=1)


@pytest.fixture(scope="session")
def small_prefecture_dir(tmp_path_factory: pytest.TempPathFactory, small_prefecture) -> Path:  # type: ignore[no-untyped-def]
    """The small prefecture written as Parquet files (treat as read-only)."""
    from visit_planner.synthetic import write_prefecture

    out = tmp_path_factory.mktemp("prefecture") / "inputs"
    write_prefecture(small_prefecture, out)
    return out


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh workspace directory, set as VISIT_PLANNER_HOME for the test."""
    home = tmp_path / "workspace"
    monkeypatch.setenv("VISIT_PLANNER_HOME", str(home))
    yield home


class CliRun(NamedTuple):
    """What one in-process ``visit-planner`` invocation returned and printed."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliRun]:
    """Run ``visit-planner ARGS...`` in-process as a user would: exit code, stdout, stderr."""
    from visit_planner.cli import main

    def run(*args: str) -> CliRun:
        capsys.readouterr()  # drop anything printed before
        monkeypatch.setattr(sys, "argv", ["visit-planner", *args])
        with pytest.raises(SystemExit) as exc:
            main()
        out, err = capsys.readouterr()
        return CliRun(int(exc.value.code or 0), out, err)

    return run


# ------------------------------------------------------------------ embedded MLflow stores

REAL_MLFLOW_SCHEMA = "real_mlflow_schema"


def build_mlflow_template(directory: Path) -> Path:
    """An empty ``mlflow.db`` at this MLflow's head schema, built by MLflow's own code.

    It runs what MLflow's SQL store runs on a database without its tables (create the initial
    tables, then every Alembic migration) and nothing else: no experiment, so the store that
    opens a copy still creates its ``Default`` experiment itself, as on a new file. Keyed on
    the MLflow version in its name; refused unless at MLflow's head revision.
    """
    import mlflow
    from mlflow.store.db import utils

    db = directory / f"mlflow-{mlflow.__version__}-empty.db"
    engine = utils.create_sqlalchemy_engine_with_retry(f"sqlite:///{db}")
    try:
        with warnings.catch_warnings():
            # SQLAlchemy's deprecation of a loader option in MLflow's own models, raised when a
            # migration first configures MLflow's mappers (the application's path meets it
            # inside MLflow's modules, where pyproject's filter ignores it).
            warnings.filterwarnings("ignore", message=".*``noload`` loader strategy.*")
            utils._initialize_tables(engine)
        found, head = utils._get_schema_version(engine), utils._get_latest_schema_revision()
    finally:
        engine.dispose()
    assert found == head, f"MLflow template {db} is at schema {found}, MLflow expects {head}"
    return db


def embedded_db(tracking_uri: str) -> Path | None:
    """The file of a ``sqlite:///`` tracking URI, else None (a server, another database)."""
    from sqlalchemy.engine import make_url

    if not tracking_uri.startswith("sqlite:///"):
        return None
    database = make_url(tracking_uri).database
    return Path(database) if database and database != ":memory:" else None


class _TemplateStores:
    """Whether a new embedded MLflow store is copied from the template (see below)."""

    on = True


@pytest.fixture(scope="session", autouse=True)
def _mlflow_store_from_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A new embedded MLflow store starts as a copy of the process's migrated template.

    MLflow creates a new SQLite store by running its Alembic migrations, each committed to
    disk: about 1 s of CPU and, on a busy disk, several seconds of waiting for every fresh
    workspace a test or fixture makes (``train``, ``demo``, a dashboard site, ...). Here each
    new store is its own copy of one file migrated once per test process (on first use), made
    at the moment the application opens the store (``risk_model.tracking.Registry``); the
    application's code then finds its tables and goes on as with any existing store (it still
    creates MLflow's ``Default`` experiment itself). A test marked ``real_mlflow_schema`` (one
    that checks how the application creates its store) keeps MLflow's own creation. Stores
    opened by another process (a CLI or dashboard subprocess) are untouched.
    """
    from risk_model import tracking

    built: list[Path] = []
    original = tracking.Registry.__init__

    def from_template(self: Any, tracking_: Any) -> None:
        db = embedded_db(tracking_.tracking_uri)
        if _TemplateStores.on and db is not None and not db.exists():
            if not built:
                built.append(build_mlflow_template(tmp_path_factory.mktemp("mlflow-template")))
            db.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(built[0], db)
        original(self, tracking_)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tracking.Registry, "__init__", from_template)
        yield


@pytest.fixture(autouse=True)
def _real_mlflow_schema(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under ``@pytest.mark.real_mlflow_schema`` MLflow creates every new store itself."""
    if request.node.get_closest_marker(REAL_MLFLOW_SCHEMA) is not None:
        monkeypatch.setattr(_TemplateStores, "on", False)

"""The model registry as the application opens it: where MLflow is, and its errors as ours.

Kept apart from :mod:`visit_planner.risk_job` (training, scoring, promotion: scikit-learn
and the rest of the modelling stack) so that what only reads the registry - ``models``, the
dashboard's model page, the demo - starts with MLflow alone.

MLflow location: ``--mlflow-uri`` / ``$VISIT_PLANNER_MLFLOW_URI`` when given (e.g. a server on
127.0.0.1), else the SQLite database and artifact directory of the workspace.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from visit_planner.errors import RiskJobError
from visit_planner.paths import Workspace, resolve_workspace

MLFLOW_URI_ENV = "VISIT_PLANNER_MLFLOW_URI"


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the risk library's own errors into the application's clean CLI errors.

    Only :class:`~risk_model.errors.RiskModelError` (with its ``ConfigError``, e.g. a cost
    matrix that does not fit the spec) is a user's error; anything else is a bug and keeps
    its traceback. (Imported here: :mod:`risk_model` brings polars, which listing an empty
    workspace's models does without.)
    """
    from risk_model.errors import RiskModelError

    try:
        yield
    except RiskModelError as exc:
        raise RiskJobError(str(exc)) from exc


def registry_for(workspace: Workspace, mlflow_uri: str | None = None) -> Any:
    """The model registry: an explicit URI, ``$VISIT_PLANNER_MLFLOW_URI``, or the workspace."""
    from risk_model.tracking import Registry, Tracking

    uri = mlflow_uri or os.environ.get(MLFLOW_URI_ENV)
    if uri:
        artifacts = (
            ""
            if uri.startswith(("http://", "https://"))
            else workspace.mlflow_artifacts.resolve().as_uri()
        )
        return Registry(Tracking(uri, artifacts))
    workspace.ensure()
    return Registry(Tracking.embedded(workspace.mlflow_db, workspace.mlflow_artifacts))


def list_models(home: Path | None = None, mlflow_uri: str | None = None) -> list[Any]:
    """Every registered version, newest first (with aliases, tags and metrics); none, without
    MLflow being imported or anything created, when the workspace has no registry yet
    (:func:`no_registry_yet`)."""
    if no_registry_yet(home, mlflow_uri):
        return []
    with user_errors():
        return registry_for(resolve_workspace(home), mlflow_uri).versions()


def no_registry_yet(home: Path | None = None, mlflow_uri: str | None = None) -> bool:
    """Whether the registry is the workspace's own and its MLflow database does not exist:
    no version was ever trained there. ``models`` on a new workspace created the workspace
    and a 1 MB MLflow database, after seconds of importing MLflow, to say there were none."""
    if mlflow_uri or os.environ.get(MLFLOW_URI_ENV):
        return False
    return not resolve_workspace(home).mlflow_db.exists()

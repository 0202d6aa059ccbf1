"""Where the tool writes: one workspace directory (docs/architecture.md, "Where files live").

Everything the tool writes, other than explicit ``--out`` paths, goes under the workspace:
``--home`` beats ``VISIT_PLANNER_HOME`` beats ``./workspace``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from visit_planner.errors import WorkspaceError

HOME_ENV = "VISIT_PLANNER_HOME"
STORE_URL_ENV = "VISIT_PLANNER_STORE_URL"
"""The store's database URL when ``--store-url`` is not given (else the workspace's SQLite)."""
DEFAULT_HOME = Path("workspace")


@dataclass(frozen=True)
class Workspace:
    """The workspace directory and the fixed places inside it."""

    root: Path

    @property
    def mlflow_db(self) -> Path:
        """SQLite database of MLflow tracking and registry."""
        return self.root / "mlflow.db"

    @property
    def mlflow_artifacts(self) -> Path:
        """Artifact store of MLflow runs."""
        return self.root / "mlartifacts"

    @property
    def store_db(self) -> Path:
        """The application store (runs, overrides, audit log)."""
        return self.root / "store.db"

    @property
    def runs_dir(self) -> Path:
        """Published planning runs."""
        return self.root / "runs"

    def ensure(self) -> Workspace:
        """Create the workspace directory if needed, open to its owner only (mode 0700): it
        holds households' data with their sensitive fields (each run's inputs, scores and
        explanations), the store (password hashes, overrides, the audit log) and MLflow's
        models, which other accounts of the machine must not read. An existing workspace
        keeps its permissions (an administrator may have opened it to a group). Fail clearly
        when it cannot be created."""
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(
                f"{self.root}: 无法创建工作目录 (cannot create the workspace directory: "
                f"{exc.strerror})"
            ) from None
        return self


def resolve_workspace(home: Path | None = None) -> Workspace:
    """The workspace: explicit ``home``, else ``$VISIT_PLANNER_HOME``, else ``./workspace``."""
    if home is not None:
        return Workspace(home.resolve())
    env = os.environ.get(HOME_ENV)
    if env:
        return Workspace(Path(env).resolve())
    return Workspace(DEFAULT_HOME.resolve())

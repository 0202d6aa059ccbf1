"""Workspace resolution: --home beats VISIT_PLANNER_HOME beats ./workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from visit_planner.errors import WorkspaceError
from visit_planner.paths import resolve_workspace


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISIT_PLANNER_HOME", str(tmp_path / "env"))
    assert resolve_workspace(tmp_path / "opt").root == (tmp_path / "opt").resolve()
    assert resolve_workspace().root == (tmp_path / "env").resolve()
    monkeypatch.delenv("VISIT_PLANNER_HOME")
    monkeypatch.chdir(tmp_path)
    assert resolve_workspace().root == (tmp_path / "workspace").resolve()


def test_places_live_under_the_root(tmp_path: Path) -> None:
    ws = resolve_workspace(tmp_path).ensure()
    for place in (ws.mlflow_db, ws.mlflow_artifacts, ws.store_db, ws.runs_dir):
        assert place.parent == ws.root


def test_unusable_workspace_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WorkspaceError, match=r"无法创建工作目录 \(cannot create the workspace"):
        resolve_workspace(blocker / "ws").ensure()


def test_a_new_workspace_is_open_to_its_owner_only(tmp_path: Path) -> None:
    """A workspace was created 0755 (store.db, runs and MLflow 0644 inside it), so every
    account of the machine could read households' sensitive fields and the password hashes."""
    made = resolve_workspace(tmp_path / "a" / "ws").ensure()
    assert made.root.stat().st_mode & 0o777 == 0o700
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o750)
    shared.chmod(0o750)  # opened to a group by an administrator: kept
    assert resolve_workspace(shared).ensure().root.stat().st_mode & 0o777 == 0o750

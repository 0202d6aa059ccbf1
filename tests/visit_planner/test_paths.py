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

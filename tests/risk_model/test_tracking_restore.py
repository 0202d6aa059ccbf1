"""A workspace's MLflow files restored at another path: the registry still reads and trains.

MLflow records every artifact location as an absolute path (the experiment's, each run's,
each model version's) and cannot change one; the registry reads a recorded location that
no longer exists from the same place under the workspace's own artifact directory.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest

from risk_model import RegistryError
from risk_model.publish import publish
from risk_model.tracking import Registry, Tracking, read_artifact
from visit_planner.vocabulary import zh_en


@pytest.fixture
def _keep_mlflow_uris() -> Iterator[None]:
    """Registry() sets MLflow's process-wide URIs: give the session's registry its own back."""
    tracking, registry = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    yield
    mlflow.set_tracking_uri(tracking)
    mlflow.set_registry_uri(registry)


def _workspace_registry(ws: Path) -> Registry:
    return Registry(Tracking.embedded(ws / "mlflow.db", ws / "mlartifacts"))


@pytest.fixture(scope="module")
def original(tmp_path_factory, household_result) -> Iterator[tuple[Path, Path, int]]:  # type: ignore[no-untyped-def]
    """A workspace with a champion, kept as a backup copy, the original removed."""
    tracking, registry_uri = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    base = tmp_path_factory.mktemp("restore")
    old, backup = base / "srv" / "workspace", base / "backup"
    registry = _workspace_registry(old)
    info = publish(registry, household_result, data_name="h.parquet", data_sha256="0" * 64)
    registry.set_champion(info.version, {})
    shutil.copytree(old, backup)
    shutil.rmtree(base / "srv")
    mlflow.set_tracking_uri(tracking)
    mlflow.set_registry_uri(registry_uri)
    yield old, backup, info.version


@pytest.fixture
def moved(original, tmp_path, _keep_mlflow_uris) -> tuple[Path, Path, int]:  # type: ignore[no-untyped-def]
    """The backup restored at another path (the original path gone)."""
    old, backup, version = original
    new = tmp_path / "restored" / "workspace"
    shutil.copytree(backup, new)
    return old, new, version


def test_a_workspace_restored_at_another_path_loads_its_models_and_artifacts(
    moved, households
) -> None:  # type: ignore[no-untyped-def]
    old, new, version = moved
    registry = _workspace_registry(new)
    model, info = registry.load_model()  # failed: "not a skops model"
    assert info.version == version
    assert model.predict_proba(households.head(3)).shape == (3, 3)
    assert registry.load_model(version)[1].version == version
    assert registry.load_json(info.run_id, "spec.json")["target"]
    assert "plots/confusion.png" in registry.list_artifacts(info.run_id)
    assert read_artifact(registry, info.run_id, "model_card.md")
    assert not old.exists()  # nothing was written at the old path


def test_training_in_a_restored_workspace_writes_into_it_not_at_the_old_path(
    moved, household_result
) -> None:  # type: ignore[no-untyped-def]
    old, new, version = moved
    registry = _workspace_registry(new)
    second = publish(registry, household_result, data_name="h2.parquet", data_sha256="1" * 64)
    assert second.version == version + 1
    assert not old.exists()  # MLflow would have put the new run under the old path
    run = registry.client.get_run(second.run_id)
    assert Path(run.info.artifact_uri.removeprefix("file://")).is_relative_to(new)
    assert registry.client.get_model_version_download_uri(
        "household-risk", str(second.version)
    ).startswith((new / "mlartifacts").as_uri())
    # The old experiment is kept under a name that says where its files were recorded.
    names = {e.name for e in registry.client.search_experiments()}
    assert f"household-risk (#1) @ {(old / 'mlartifacts').as_uri()}" in names
    assert "household-risk" in names
    # Both versions load, and the next run joins the new experiment without another rename.
    assert registry.load_model(version)[1].version == version
    assert registry.load_model(second.version)[1].version == second.version
    experiments = len(registry.client.search_experiments())
    assert registry.experiment_id() == run.info.experiment_id  # the next run's experiment
    assert len(registry.client.search_experiments()) == experiments


def test_a_restore_without_its_artifact_directory_names_the_recorded_path(moved) -> None:  # type: ignore[no-untyped-def]
    old, new, version = moved
    shutil.rmtree(new / "mlartifacts")
    registry = _workspace_registry(new)
    with pytest.raises(RegistryError) as err:
        registry.load_model()
    text = str(err.value)
    assert "not a skops model" not in text
    assert text.startswith(f"模型版本 {version} 的文件不在记录的位置 ")
    # Chinese, then all the English in one closing parenthesis, as the dashboard splits it
    # (it showed "the files of 模型版本 1 (model version 1)", the Chinese inside the English)
    both = zh_en(text)
    assert both is not None
    assert both[1].startswith(f"the files of model version {version} are recorded at ")
    assert re.search("[\u4e00-\u9fff]", both[1]) is None
    assert str(old / "mlartifacts" / "models") in text  # the recorded path
    assert str(new / "mlartifacts" / "models") in text  # and where it was looked for
    assert "restore the workspace's mlartifacts/ directory with its mlflow.db" in text


def test_an_mlflow_database_of_another_mlflow_version_says_what_to_run(moved) -> None:  # type: ignore[no-untyped-def]
    """After installing a visit-planner that brings a newer MLflow, every model command
    ended in MLflow's own exception (a traceback) about the database's schema."""
    import sqlite3

    _, new, _ = moved
    with sqlite3.connect(new / "mlflow.db") as conn:
        (mlflow_schema,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        conn.execute("UPDATE alembic_version SET version_num = 'a0b1c2d3e4f5'")
    with pytest.raises(RegistryError) as err:
        _workspace_registry(new)
    text = str(err.value)
    uri = f"sqlite:///{new / 'mlflow.db'}"
    assert text.startswith(f"MLflow 数据库版本与本程序不符 (the MLflow database {uri} is at ")
    assert f"schema version a0b1c2d3e4f5, the MLflow {mlflow.__version__}" in text
    assert f"expects {mlflow_schema}" in text
    assert f"mlflow db upgrade {uri}`" in text and "back the workspace up" in text

"""The model registry's snapshot (dashboard/registry.py), kept on disk until the registry
changes."""

from __future__ import annotations

from pathlib import Path


def test_a_registry_snapshot_is_kept_on_disk_until_the_registry_changes(tmp_path: Path) -> None:
    from dashboard import registry

    (tmp_path / "mlflow.db").write_bytes(b"one")
    key = registry.registry_key(tmp_path)
    data = {
        "versions": [{"version": 1, "run_id": "r1", "aliases": ["champion"], "tags": {},
                      "created_ms": 0, "metrics": {"ece": 0.05}, "params": {"kind": "hgb"}}],
        "artifacts": {"1": {"model_card.md": "IyBDYXJk"}},
    }  # fmt: skip
    registry.keep(tmp_path, key, data)
    kept = registry.load_kept(tmp_path, key)
    assert kept is not None and kept.versions[0].metrics == {"ece": 0.05}
    assert kept.artifact(1, "model_card.md") == b"# Card" and kept.artifact(1, "x") is None
    (tmp_path / "mlflow.db").write_bytes(b"changed")  # a promotion writes the database
    assert registry.load_kept(tmp_path, registry.registry_key(tmp_path)) is None

"""The run manifest: what it records of an amendment's parent, and manifests of older versions
read as they were written."""

from __future__ import annotations

import json
from pathlib import Path

from visit_planner.runs.manifest import FORMAT, MANIFEST, RunManifest

OLDER = {  # an amendment's manifest as versions before its parent was recorded wrote it
    "code_version": "0.1.0",
    "created_at": "2026-11-20T02:00:00+00:00",
    "created_by": "planner01",
    "files": {"plan.parquet": "a" * 64},
    "format": FORMAT,
    "inputs": {},
    "metrics": {"households": 10},
    "model_version": "1",
    "month": "2026-11",
    "plan_sha256": "b" * 64,
    "policy_sha256": "c" * 64,
    "previous_run_id": None,
    "run_id": "d" * 32,
}


def test_a_manifest_without_the_parent_fields_still_reads(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text(json.dumps(OLDER), "utf-8")
    manifest = RunManifest.read(tmp_path)
    assert (manifest.run_id, manifest.plan_sha256) == ("d" * 32, "b" * 64)
    assert (manifest.parent_run_id, manifest.parent_plan_sha256) == (None, None)
    assert manifest.amended_townships is None


def test_the_parent_is_written_and_read_back_and_unknown_fields_are_ignored(
    tmp_path: Path,
) -> None:
    """A manifest of a later version (a field this one does not know) reads too."""
    parent = {
        "parent_run_id": "e" * 32,
        "parent_plan_sha256": "f" * 64,
        "amended_townships": ["532626001"],
    }
    amended = RunManifest(**{**OLDER, **parent})  # type: ignore[arg-type]
    (tmp_path / MANIFEST).write_text(amended.to_json(), "utf-8")
    written = json.loads((tmp_path / MANIFEST).read_text("utf-8"))
    assert {k: written[k] for k in parent} == parent
    assert RunManifest.read(tmp_path) == amended
    (tmp_path / MANIFEST).write_text(json.dumps({**written, "signed_by": "x"}), "utf-8")
    assert RunManifest.read(tmp_path) == amended

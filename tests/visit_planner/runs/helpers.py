"""Shared helpers of the runs tests: published runs without a plan behind them."""

from __future__ import annotations

from pathlib import Path

from tests.visit_planner.store.helpers import make_record, make_townships
from visit_planner.runs.manifest import RunManifest
from visit_planner.store import RunRow, Store


def published(
    store: Store,
    root: Path,
    month: str,
    *,
    previous: RunRow | None = None,
    parent: RunRow | None = None,
) -> RunRow:
    """Publish a run of ``month`` in ``store`` with its ``manifest.json`` under the workspace
    ``root``: a plan continuing ``previous`` (a run of the month before; None: the data's
    file), or with ``parent`` an amendment of that run (``plan --amend`` records no
    ``previous``; a published what-if records its parent)."""
    record = make_record(month)
    manifest = RunManifest(
        run_id=record.run_id,
        created_at=record.created_at.isoformat(),
        created_by=record.created_by,
        code_version=record.code_version,
        policy_sha256=record.policy_sha256,
        plan_sha256=record.plan_sha256,
        month=month,
        previous_run_id=None if previous is None else previous.run_id,
    )
    (root / record.path).mkdir(parents=True)
    (root / record.path / "manifest.json").write_text(manifest.to_json(), "utf-8")
    return store.publish_run(
        record,
        actor="planner01",
        townships=make_townships(),
        kind="plan" if parent is None else "amend",
        parent_run_id=None if parent is None else parent.run_id,
    )

"""What to publish for a run directory: its :class:`RunRecord` and :class:`TownshipRecord` s.

Reads the run's ``manifest.json``, ``policy.toml`` and ``diagnostics.parquet`` (written by
:class:`~visit_planner.runs.DirectoryRunWriter`) through its
:class:`~visit_planner.runs.RunReader`, each checked against the manifest; the directory must
already be in its place in the workspace, since the store records its path relative to the
workspace.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from visit_planner.errors import StoreError
from visit_planner.paths import Workspace
from visit_planner.store.rows import RunRecord, RunRow, TownshipRecord

__all__ = ["published_run_dir", "records_from_run_dir"]


def published_run_dir(workspace: Workspace, run: RunRow) -> Path:
    """The directory of the published ``run`` in ``workspace``; a StoreError naming the run,
    the workspace and what to do when it is not there: a store shared by URL, used with
    another ``--home`` than the workspace the run was planned in. ``plan`` then ended in a
    traceback reading last month's plan, and ``plan --amend`` said the directory was no run
    directory and to pass the --out directory of ``assign``."""
    root = workspace.root / run.path
    if not root.is_dir():
        name = f"{run.month} v{run.version} ({run.run_id[:12]})"
        raise StoreError(
            f"方案 {name} 的文件不在工作目录 {workspace.root} 中, 请用 --home 指定编制该方案的"
            f"工作目录 (run {name} is in the store, but its files are not in the workspace "
            f"{workspace.root}: {root} does not exist; give --home or VISIT_PLANNER_HOME the "
            "workspace the run was planned in)"
        )
    return root


def records_from_run_dir(
    run_dir: Path, workspace: Workspace
) -> tuple[RunRecord, list[TownshipRecord]]:
    """The run record and township records of the run directory ``run_dir``."""
    from visit_planner.errors import PlanFileError
    from visit_planner.runs import RunReader  # the store itself needs neither polars nor it
    from visit_planner.runs.reader import POLICY_FILE

    run = RunReader(run_dir, remember=False)
    manifest = run.manifest
    if not manifest.month:
        raise StoreError(f"{run_dir}: 方案缺少月份 (the run has no month; it cannot be published)")
    try:
        path = run_dir.resolve().relative_to(workspace.root.resolve())
    except ValueError:
        raise StoreError(
            f"{run_dir}: 已发布方案须位于工作区内 (a published run must be inside the "
            f"workspace {workspace.root})"
        ) from None
    for rel in (POLICY_FILE, "diagnostics.parquet"):  # checked as every reader checks them
        problem = run.damage(rel)
        if problem is not None:
            raise StoreError(
                f"{run_dir / rel}: 方案文件{problem}; 方案未发布 (the run directory was changed "
                "after it was written: it is not published)"
            )
    try:
        policy_text = run.text_if_any(POLICY_FILE)
        diagnostics = run.diagnostics()
    except PlanFileError as exc:  # a file the manifest does not list, unreadable
        raise StoreError(str(exc)) from None
    assert policy_text is not None  # damage() found it as policy_sha256 records it
    townships = []
    for row in diagnostics.sort("township_id").iter_rows(named=True):
        township = str(row["township_id"])
        plan_hash = manifest.files.get(f"townships/{township}/plan.parquet")
        if plan_hash is None:
            raise StoreError(
                f"{run_dir}: 清单中缺少乡镇 {township} 的方案文件 (township {township} has no "
                "plan file in the manifest)"
            )
        townships.append(
            TownshipRecord(
                township_id=township,
                plan_sha256=plan_hash,
                status=str(row.get("status") or "unknown"),
                diagnostics=row,
            )
        )
    record = RunRecord(
        run_id=manifest.run_id,
        month=manifest.month,
        created_at=datetime.fromisoformat(manifest.created_at),
        created_by=manifest.created_by,
        code_version=manifest.code_version,
        policy_sha256=manifest.policy_sha256,
        policy_text=policy_text,
        plan_sha256=manifest.plan_sha256,
        path=path.as_posix(),
        model_version=manifest.model_version,
        inputs=manifest.inputs,
        metrics=manifest.metrics,
    )
    return record, townships

"""Publishing runs: versions, supersede, amendments, rollback, immutability, run directories."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.store.helpers import (
    make_record,
    make_townships,
    publish,
    raw_sql,
)
from visit_planner.errors import StoreError
from visit_planner.paths import Workspace
from visit_planner.runs import RunManifest, text_sha256
from visit_planner.store import Store, published_run_dir, records_from_run_dir


def _statuses(store: Store, month: str) -> list[tuple[int, str, str]]:
    return [(r.version, r.kind, r.status) for r in store.list_runs(month)]


def test_publish_assigns_versions_and_supersedes(store: Store) -> None:
    record = make_record("2026-05")
    towns = make_townships("532621101", "532621102", "532621103")
    first = store.publish_run(record, actor="planner01", townships=towns)
    assert (first.version, first.status, first.kind, first.parent_run_id) == (
        1,
        "current",
        "plan",
        None,
    )
    # every field comes back as given
    assert first.created_at == datetime(2026, 4, 28, 9, 30, tzinfo=UTC)
    assert first.inputs == record.inputs
    assert first.metrics == record.metrics
    assert (first.policy_text, first.plan_sha256, first.path) == (
        record.policy_text,
        record.plan_sha256,
        record.path,
    )
    stored = store.run_townships(first.run_id)
    assert [t.township_id for t in stored] == ["532621101", "532621102", "532621103"]
    assert stored[0].plan_sha256 == towns[0].plan_sha256
    assert stored[0].diagnostics == {"households": 100, "gap": 0.0, "bound": None}  # inf -> null

    second = publish(store, "2026-05")
    other_month = publish(store, "2026-06")
    third = publish(store, "2026-05")
    assert (second.version, third.version, other_month.version) == (2, 3, 1)
    assert _statuses(store, "2026-05") == [
        (1, "plan", "superseded"),
        (2, "plan", "superseded"),
        (3, "plan", "current"),
    ]
    assert store.current_run("2026-05") == third
    assert store.current_run("2026-06") == other_month
    assert store.current_run("2026-07") is None
    assert [r.run_id for r in store.list_runs()] == [
        first.run_id,
        second.run_id,
        third.run_id,
        other_month.run_id,
    ]
    entries = store.audit_entries()
    assert [(e.action, e.subject) for e in entries] == [
        ("publish", first.run_id),
        ("publish", second.run_id),
        ("publish", other_month.run_id),
        ("publish", third.run_id),
    ]
    assert entries[3].details["superseded"] == second.run_id
    assert entries[3].details["version"] == 3


def test_an_amendment_amends_the_current_run(store: Store) -> None:
    first = publish(store)
    second = publish(store)
    with pytest.raises(StoreError, match="must name the run it amends"):
        publish(store, kind="amend")
    with pytest.raises(StoreError, match="not the current run"):
        publish(store, kind="amend", parent_run_id=first.run_id)
    with pytest.raises(StoreError, match="of month 2026-05, not 2026-06"):
        publish(store, "2026-06", kind="amend", parent_run_id=second.run_id)
    amended = publish(store, kind="amend", parent_run_id=second.run_id[:8])
    assert (amended.version, amended.kind, amended.parent_run_id) == (3, "amend", second.run_id)
    assert _statuses(store, "2026-05")[-2:] == [(2, "plan", "superseded"), (3, "amend", "current")]
    assert store.audit_entries(1)[0].action == "amend"


def test_a_refused_publish_leaves_nothing_behind(store: Store) -> None:
    published = publish(store)
    before = (store.list_runs(), store.audit_entries())
    towns = make_townships()
    bad = [
        (make_record(run_id=published.run_id), towns, "already published"),
        (make_record("2026-13"), towns, "YYYY-MM"),
        (make_record(path="/srv/runs/x"), towns, "relative to the workspace"),
        (make_record(path="../elsewhere"), towns, "relative to the workspace"),
        (make_record(created_by=" "), towns, "created_by is required"),
        (make_record(), [], "at least one township"),
        (make_record(), [*towns, towns[0]], "townships listed twice: 532621101"),
    ]
    for record, townships, message in bad:
        with pytest.raises(StoreError, match=message):
            store.publish_run(record, actor="planner01", townships=townships)
    with pytest.raises(StoreError, match="run kind"):
        store.publish_run(make_record(), actor="planner01", townships=towns, kind="draft")
    with pytest.raises(StoreError, match="actor is required"):
        store.publish_run(make_record(), actor="", townships=towns)
    # an outcome for an unknown override fails the whole publish, run included
    with pytest.raises(StoreError, match="no override 42"):
        store.publish_run(
            make_record(), actor="planner01", townships=towns, outcomes=[(42, "applied", "")]
        )
    assert (store.list_runs(), store.audit_entries()) == before


def test_get_run_by_id_or_unique_prefix(store: Store) -> None:
    a = store.publish_run(
        make_record(run_id="abcdef0123456789" * 2), actor="p", townships=make_townships()
    )
    b = store.publish_run(
        make_record(run_id="abcdef9876543210" * 2), actor="p", townships=make_townships()
    )
    assert store.get_run(a.run_id).run_id == a.run_id
    assert store.get_run("abcdef01").run_id == a.run_id
    assert store.get_run("ABCDEF98") == b
    with pytest.raises(StoreError, match=r"ambiguous.*abcdef0123456789"):
        store.get_run("abcdef")
    with pytest.raises(StoreError, match="at least 6"):
        store.get_run("abcde")
    # the database asked is named: with $VISIT_PLANNER_STORE_URL set, the workspace's own
    # store is not the one read, and "no run in the store" did not say which one was
    with pytest.raises(StoreError) as refused:
        store.get_run("ffffff")
    assert (
        str(refused.value) == f"找不到方案 (no run starts with 'ffffff' in the store {store.where})"
    )
    with pytest.raises(StoreError, match="no run"):
        store.run_townships("not-a-run")


def test_rollback_makes_an_earlier_run_current_and_keeps_later_ones(store: Store) -> None:
    v1, v2, v3 = (publish(store) for _ in range(3))
    other = publish(store, "2026-06")
    with pytest.raises(StoreError, match="reason is required"):
        store.rollback("2026-05", v1.run_id, actor="lead01", reason=" ")

    back = store.rollback("2026-05", v1.run_id[:10], actor="lead01", reason="v2, v3 miss H12")
    assert (back.run_id, back.status) == (v1.run_id, "current")
    assert _statuses(store, "2026-05") == [
        (1, "plan", "current"),
        (2, "plan", "rolled_back"),
        (3, "plan", "rolled_back"),
    ]
    assert store.current_run("2026-06") == other  # other months untouched
    entry = store.audit_entries(1)[0]
    assert (entry.action, entry.actor, entry.subject) == ("rollback", "lead01", v1.run_id)
    assert entry.details["rolled_back"] == [v2.run_id, v3.run_id]
    assert entry.details["from_run_id"] == v3.run_id
    assert entry.details["reason"] == "v2, v3 miss H12"

    with pytest.raises(StoreError, match="already the current run"):
        store.rollback("2026-05", v1.run_id, actor="lead01", reason="again")
    with pytest.raises(StoreError, match="later than the current run"):
        store.rollback("2026-05", v3.run_id, actor="lead01", reason="forward")
    with pytest.raises(StoreError, match="of month 2026-06, not 2026-05"):
        store.rollback("2026-05", other.run_id, actor="lead01", reason="wrong month")
    with pytest.raises(StoreError, match="no run starts with"):
        store.rollback("2026-05", "ffffff", actor="lead01", reason="unknown run")

    v4 = publish(store)  # versions are never reused
    assert (v4.version, store.get_run(v1.run_id).status) == (4, "superseded")
    # an earlier rolled-back run can be made current again; v3 stays rolled back
    store.rollback("2026-05", v2.run_id, actor="lead01", reason="v2 after all")
    assert _statuses(store, "2026-05") == [
        (1, "plan", "superseded"),
        (2, "plan", "current"),
        (3, "plan", "rolled_back"),
        (4, "plan", "rolled_back"),
    ]
    assert len(store.list_runs()) == 5  # nothing was ever deleted
    assert store.verify_audit().ok


def test_published_runs_are_immutable(store: Store, db_url: str, dialect: str) -> None:
    run = publish(store)
    # the API has no path that edits or deletes a run, a township or an audit entry
    public = {name for name in dir(store) if not name.startswith("_")}
    assert not {n for n in public if n.startswith(("update", "delete", "edit", "set_"))}
    with pytest.raises(StoreError, match="already published"):
        store.publish_run(
            make_record(run_id=run.run_id), actor="planner01", townships=make_townships()
        )
    if dialect == "postgresql":  # and the database refuses it from anyone
        refused = [
            f"UPDATE runs SET plan_sha256 = 'x' WHERE run_id = '{run.run_id}'",
            f"DELETE FROM runs WHERE run_id = '{run.run_id}'",
            "UPDATE run_townships SET plan_sha256 = 'x'",
            "DELETE FROM run_townships",
            "UPDATE audit SET actor = 'someone'",
            "DELETE FROM audit",
            "TRUNCATE audit",
        ]
        for statement in refused:
            with pytest.raises(Exception, match=r"append-only|immutable") as err:
                raw_sql(db_url, statement)
            assert "refused" in str(err.value), statement
        raw_sql(db_url, f"UPDATE runs SET status = 'current' WHERE run_id = '{run.run_id}'")
    assert store.get_run(run.run_id) == run
    assert store.verify_audit().ok


def _write_run_dir(root: Path, month: str | None = "2026-05") -> Path:
    """A minimal run directory: manifest, policy and diagnostics (what publishing reads)."""
    root.mkdir(parents=True)
    policy = "[tiers.1]\nvisits_per_month = 2\n"
    (root / "policy.toml").write_text(policy, "utf-8")
    pl.DataFrame(
        {
            "township_id": ["532621102", "532621101"],
            "status": ["feasible", "optimal"],
            "gap": [0.01, 0.0],
        }
    ).write_parquet(root / "diagnostics.parquet")
    manifest = RunManifest(
        run_id="0123456789abcdef" * 2,
        created_at="2026-04-28T09:30:00+00:00",
        created_by="planner01",
        code_version="0.1.0",
        policy_sha256=text_sha256(policy),
        plan_sha256="c" * 64,
        month=month,
        model_version="risk-tier v3",
        metrics={"coverage_tier1": 1.0},
        files={
            "townships/532621101/plan.parquet": "1" * 64,
            "townships/532621102/plan.parquet": "2" * 64,
        },
    )
    (root / "manifest.json").write_text(manifest.to_json(), "utf-8")
    return root


def test_records_from_a_run_directory(store: Store, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "workspace")
    run_dir = _write_run_dir(workspace.runs_dir / "2026-05" / "run1")
    record, towns = records_from_run_dir(run_dir, workspace)
    published = store.publish_run(record, actor="planner01", townships=towns)
    assert (published.month, published.path) == ("2026-05", "runs/2026-05/run1")
    assert published.created_at == datetime(2026, 4, 28, 9, 30, tzinfo=UTC)
    assert published.policy_text == "[tiers.1]\nvisits_per_month = 2\n"
    stored = store.run_townships(published.run_id)
    assert [(t.township_id, t.status, t.plan_sha256[0]) for t in stored] == [
        ("532621101", "optimal", "1"),
        ("532621102", "feasible", "2"),
    ]
    assert stored[1].diagnostics["gap"] == 0.01

    outside = _write_run_dir(tmp_path / "elsewhere")
    with pytest.raises(StoreError, match="inside the workspace"):
        records_from_run_dir(outside, workspace)
    no_month = _write_run_dir(workspace.runs_dir / "x", month=None)
    with pytest.raises(StoreError, match="no month"):
        records_from_run_dir(no_month, workspace)
    (run_dir / "policy.toml").write_text("edited = true\n", "utf-8")
    with pytest.raises(StoreError) as changed:
        records_from_run_dir(run_dir, workspace)
    assert str(changed.value) == (
        f"{run_dir / 'policy.toml'}: 方案文件已被改动 (changed: its hash is not the one "
        "manifest.json records); 方案未发布 (the run directory was changed after it was "
        "written: it is not published)"
    )
    diagnostics = workspace.runs_dir / "2026-05" / "run3"
    _write_run_dir(diagnostics)
    (diagnostics / "diagnostics.parquet").write_bytes(b"PAR1 cut")  # not listed, not Parquet
    with pytest.raises(StoreError, match=r"diagnostics.parquet: 方案文件无法读取 \(cannot be read"):
        records_from_run_dir(diagnostics, workspace)  # was polars' own error
    gone = _write_run_dir(workspace.runs_dir / "2026-05" / "run2")
    manifest = RunManifest.read(gone)
    files = {k: v for k, v in manifest.files.items() if "532621102" not in k}
    (gone / "manifest.json").write_text(replace(manifest, files=files).to_json(), "utf-8")
    with pytest.raises(StoreError) as err:
        records_from_run_dir(gone, workspace)
    assert str(err.value) == (
        f"{gone}: 清单中缺少乡镇 532621102 的方案文件 (township 532621102 has no plan file in "
        "the manifest)"
    )


def test_a_published_runs_directory_is_found_or_the_workspace_named(
    store: Store, tmp_path: Path
) -> None:
    """A store shared by URL, used with another --home than the workspace the run was planned
    in: plan (reading last month's plan) ended in a traceback, plan --amend said 'not a run
    directory ... pass the --out directory of assign'. Both read the run's directory through
    published_run_dir, which names the run, the workspace and what to give."""
    run = publish(store, "2026-11")
    planned_in = Workspace(tmp_path / "planner_ws")
    (planned_in.root / run.path).mkdir(parents=True)
    assert published_run_dir(planned_in, run) == planned_in.root / run.path
    elsewhere = Workspace(tmp_path / "dashboard_ws")
    with pytest.raises(StoreError) as err:
        published_run_dir(elsewhere, run)
    assert str(err.value) == (
        f"方案 2026-11 v1 ({run.run_id[:12]}) 的文件不在工作目录 {elsewhere.root} 中, 请用 --home "
        f"指定编制该方案的工作目录 (run 2026-11 v1 ({run.run_id[:12]}) is in the store, but its "
        f"files are not in the workspace {elsewhere.root}: {elsewhere.root / run.path} does not "
        "exist; give --home or VISIT_PLANNER_HOME the workspace the run was planned in)"
    )

"""promote when the champion alias cannot be moved after its audit entry was written: the
audit log and the CLI say what happened and where the champion is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.visit_planner.helpers import flat
from visit_planner.cli.narrow_encoding import narrow

PROMOTE_2 = ("promote", "--version", "2", "--data", "", "--force", "--reason", "review")


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/visit_planner/conftest.py


@pytest.fixture
def champion_1(tiny_prefecture_dir: Path, workspace: Path, cli) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    """Versions 1 and 2 trained, version 1 the champion: the ``promote`` of version 2."""
    data = str(tiny_prefecture_dir)
    for _ in range(2):
        assert cli("train", "--data", data, "--max-iter", "10").code == 0
    rc, _, err = cli("promote", "--version", "1", "--data", data)
    assert rc == 0, err
    return tuple(data if a == "" else a for a in PROMOTE_2)


def _actions(workspace: Path) -> list[tuple[str, str, dict[str, object]]]:
    from visit_planner.paths import Workspace
    from visit_planner.store import Store

    with Store.for_workspace(Workspace(workspace), create=False) as store:
        return [(e.action, e.subject, dict(e.details)) for e in store.audit_entries()]


def _alias_on(workspace: Path) -> int | None:
    from visit_planner.model_registry import registry_for
    from visit_planner.paths import Workspace

    champion = registry_for(Workspace(workspace)).champion()
    return None if champion is None else int(champion.version)


def test_an_alias_move_that_fails_is_said_in_the_audit_log_and_the_champion_stays(
    champion_1: tuple[str, ...], workspace: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The promotion's audit entry is written before the alias moves; when the move then
    failed (an MLflow registry error, a disk full) the log said version 2 was promoted while
    version 1 stayed champion, and the command ended in the registry's traceback. Now a
    ``promote.failed`` entry follows saying the alias did not move and why, the promotions
    file says so too, and the command says where the champion is: exit 2, no traceback."""
    from mlflow.exceptions import MlflowException

    from risk_model.tracking import Registry

    def disk_full(self: Registry, version: int, tags: object) -> None:
        raise MlflowException("(sqlite3.OperationalError) database or disk is full\nSQL: ...")

    before = len(_actions(workspace))
    with monkeypatch.context() as m:
        m.setattr(Registry, "set_champion", disk_full)
        rc, out, err = cli(*champion_1)
    assert rc == 2 and "Traceback" not in err, err
    said = flat(err)
    assert "版本 2 晋升失败: 冠军别名未移动, 版本 1 仍为冠军" in said, said
    assert (
        "(promotion of version 2 failed while moving the champion alias: MlflowException: "
        "(sqlite3.OperationalError) database or disk is full; the champion alias did not "
        "move: the champion is still version 1)" in said
    )
    assert "an entry promote.failed follows the promotion's own" in said
    assert "已成为冠军模型" not in out
    assert _alias_on(workspace) == 1

    new = _actions(workspace)[before:]
    assert [a for a, _, _ in new] == ["promote", "promote.failed"]  # the gate passed
    assert new[0][1] == new[1][1] and new[1][1].endswith(" v2")
    assert new[1][2] == {
        "previous_champion": 1,
        "champion_now": 1,
        "champion_known": True,
        "error": "MlflowException: (sqlite3.OperationalError) database or disk is full",
    }
    lines = (workspace / "audit" / "model_promotions.jsonl").read_text("utf-8").splitlines()
    last = json.loads(lines[-1])
    assert (last["version"], last["promoted"], last["champion_now"]) == (2, False, 1)
    assert last["alias_move_failed"].startswith("MlflowException: (sqlite3")

    rc, out, err = cli("audit", "list", "--action", "promote.failed")
    assert rc == 0, err
    text = flat(out)
    assert "promote.failed 晋升失败 promotion failed" in text  # the filter's heading
    detail = (
        "冠军别名未移动, 版本 1 仍为冠军 (the champion alias did not move: the champion is "
        "still version 1); 错误 error: MlflowException: (sqlite3.OperationalError) database "
        "or disk is full"
    )
    assert detail in text, out
    assert narrow(detail, "ascii") == (
        "(the champion alias did not move: the champion is still version 1); error: "
        "MlflowException: (sqlite3.OperationalError) database or disk is full"
    )
    assert all(len(line) <= 80 for line in out.splitlines()), out

    rc, out, err = cli(*champion_1)  # the registry writes again: the same command promotes
    assert rc == 0 and "version 2 is now the champion" in out, err
    assert _alias_on(workspace) == 2


def test_an_alias_moved_before_its_tags_failed_is_a_promotion_said_incomplete(
    champion_1: tuple[str, ...], workspace: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The registry moves the alias, then writes the version's tags: a failure between the
    two leaves version 2 the champion. The promotion's entry is then true: no
    ``promote.failed``; the command says the alias is on version 2 and the tags incomplete."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    def refused(*_: object, **__: object) -> None:
        raise MlflowException("tag write refused")

    before = len(_actions(workspace))
    with monkeypatch.context() as m:
        m.setattr(MlflowClient, "set_model_version_tag", refused)
        rc, _, err = cli(*champion_1)
    assert rc == 2 and "Traceback" not in err, err
    said = flat(err)
    assert "版本 2 晋升未写全: 冠军别名已移至版本 2, 但其晋升标签未写全" in said, said
    assert "the champion alias is on version 2: the promotion took effect" in said
    assert _alias_on(workspace) == 2
    assert [a for a, _, _ in _actions(workspace)[before:]] == ["promote"]
    last = json.loads(
        (workspace / "audit" / "model_promotions.jsonl").read_text("utf-8").splitlines()[-1]
    )
    assert (last["promoted"], last["champion_now"]) == (True, 2)


def test_a_follow_up_entry_the_store_cannot_write_is_said(
    champion_1: tuple[str, ...], workspace: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The alias move and then the store both failing: the audit log keeps a promotion that
    did not happen, and the command says so, for an administrator to check."""
    from mlflow.exceptions import MlflowException

    from risk_model.tracking import Registry
    from visit_planner.errors import StoreError
    from visit_planner.store import Store

    def down(self: Registry, version: int, tags: object) -> None:
        raise MlflowException("connection refused")

    real = Store.append_audit

    def store_down(self: Store, action: str, *args: object) -> object:
        if action == "promote.failed":
            raise StoreError("数据库忙 (the database is locked)")
        return real(self, action, *args)  # type: ignore[arg-type]

    with monkeypatch.context() as m:
        m.setattr(Registry, "set_champion", down)
        m.setattr(Store, "append_audit", store_down)
        rc, _, err = cli(*champion_1)
    assert rc == 2 and "Traceback" not in err, err
    said = flat(err)
    assert "版本 1 仍为冠军" in said and "失败记录未能写入" in said
    assert "the entry saying it failed could not be written: StoreError: 数据库忙" in said
    assert [a for a, _, _ in _actions(workspace)][-1] == "promote"


def test_an_unreadable_registry_after_the_failure_says_the_state_is_unknown() -> None:
    """When the registry cannot even be read after the failed move, the failure says the
    alias's place is unknown rather than guessing (and how to check)."""
    from risk_model.promote import alias_failure

    class Gone:
        def champion(self) -> None:
            raise OSError("server gone")

    failure = alias_failure(Gone(), 2, 1, ConnectionError("reset by peer"))  # type: ignore[arg-type]
    assert (failure.moved, failure.champion) == (None, None)
    assert failure.error == "ConnectionError: reset by peer"
    text = failure.message(2, None)
    assert "冠军状态未知" in text and "check with visit-planner models" in text


def test_a_promotion_stopped_during_the_alias_move_is_said_failed(
    champion_1: tuple[str, ...], workspace: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or SIGTERM, raised as an exit) while the alias moves: the command stops as
    such a stop does (exit 130), after the same follow-up entry."""
    from risk_model.tracking import Registry

    def stopped(self: Registry, version: int, tags: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(Registry, "set_champion", stopped)
        rc, _, err = cli(*champion_1)
    assert rc == 130 and "Traceback" not in err, err
    assert _alias_on(workspace) == 1
    action, _, details = _actions(workspace)[-1]
    assert (action, details["error"], details["champion_now"]) == (
        "promote.failed",
        "KeyboardInterrupt",
        1,
    )

"""``visit-planner store copy``: what an operator moving the store to another database reads."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.visit_planner.helpers import flat, too_wide


def _workspace_with_a_store(root: Path) -> None:
    """A workspace whose store holds an account, an override and their audit entries."""
    from visit_planner.paths import Workspace
    from visit_planner.store import Store

    with Store.for_workspace(Workspace(root)) as store:
        store.add_user(
            "lead01",
            "supervisor",
            scope_kind="township",
            scope_id="532621101",
            password="correct horse 7",
            actor="root",
        )
        store.add_override(
            "tier", "H0000001", author="lead01", reason="flood", tier=1, today=date(2026, 5, 2)
        )


def test_store_copy_moves_the_store_and_says_how_to_use_it(
    tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("VISIT_PLANNER_STORE_URL", raising=False)
    _workspace_with_a_store(tmp_path / "ws")
    home = ["--home", str(tmp_path / "ws")]
    url = f"sqlite:///{tmp_path / 'new' / 'store.db'}"
    (tmp_path / "new").mkdir()
    code, out, err = cli("store", "copy", *home, "--to", url)
    assert code == 0, err
    assert "Traceback" not in out + err
    assert [line for line in too_wide(out, 80) if "export" not in line] == []
    text = flat(out)
    assert re.search(r"1 +账号 accounts", out) and re.search(r"1 +督导调整 overrides", out)
    assert re.search(r"2 +审计条目 audit entries", out), out
    # The command to use the copy is whole on its own line, ready to paste.
    assert f"  export VISIT_PLANNER_STORE_URL={url}\n" in out
    assert "the old store is unchanged" in text
    head = re.search(r"head #(\d+) ([0-9a-f]{64})", text)
    assert head is not None and head.group(1) == "3", out
    # The copy verifies to the head printed, and its last entry says where it came from.
    code, out, _ = cli("audit", "verify", *home, "--store-url", url)
    assert code == 0 and f"#3 {head.group(2)}" in flat(out)
    code, out, _ = cli("audit", "list", *home, "--store-url", url, "--action", "store.copy")
    assert code == 0 and f"copied from {tmp_path / 'ws' / 'store.db'}" in flat(out), out
    assert "its head then #2" in flat(out)
    # Once more into the same database: refused, in both languages, nothing changed.
    code, out, err = cli("store", "copy", *home, "--to", url)
    assert code == 2 and "Traceback" not in out + err
    assert "目标数据库不是空的" in err and "already holds rows in users" in flat(err)
    code, out, _ = cli("audit", "verify", *home, "--store-url", url)
    assert code == 0 and "3 条 entries" in flat(out)


def test_store_copy_of_a_workspace_without_a_store_creates_nothing(
    tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("VISIT_PLANNER_STORE_URL", raising=False)
    (tmp_path / "ws").mkdir()
    target = tmp_path / "new.db"
    code, out, err = cli(
        "store", "copy", "--home", str(tmp_path / "ws"), "--to", f"sqlite:///{target}"
    )
    assert code == 2 and "Traceback" not in out + err
    assert "store upgrade" in flat(err), err
    assert not target.exists() and list((tmp_path / "ws").iterdir()) == []

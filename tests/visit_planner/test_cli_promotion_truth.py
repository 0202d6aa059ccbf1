"""A promotion the audit log records but the champion alias never took (``promote`` killed
between its audit entry and the alias move): ``models`` and ``audit verify`` say so."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.visit_planner.helpers import flat, too_wide
from visit_planner.cli.narrow_encoding import narrow
from visit_planner.cli.promotion_truth import mismatch_line
from visit_planner.store.rows import AuditEntry

AT = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)


def _entry(seq: int, action: str, subject: str) -> AuditEntry:
    return AuditEntry(seq, AT, "planner01", action, subject, {}, "0" * 64, "1" * 64)


def test_the_last_promotion_is_compared_with_the_champion() -> None:
    """Only the model's last promotion counts; a ``promote.failed`` after it says itself
    where the champion stayed; another model's entries are not this one's."""
    promoted_3 = [
        _entry(7, "promote", "household-risk v2"),
        _entry(9, "promote", "household-risk v3"),
    ]
    assert mismatch_line(promoted_3, "household-risk", 3) is None
    said = mismatch_line(promoted_3, "household-risk", 2)
    assert said is not None
    assert "审计日志第 9 条记载版本 3 于北京时间 2026-12-01 10:30:00晋升为冠军" in said
    assert "晋升为冠军, 但冠军为版本 2: 该次晋升可能在移动冠军别名前中断" in said
    english = (
        "the audit log's entry 9 says model version 3 was promoted at 2026-12-01 10:30:00 "
        "Beijing time, but the champion is version 2: that promotion was probably stopped "
        "before the champion alias moved; run visit-planner promote --version 3 again, or "
        "promote the version that should be the champion"
    )
    assert said.endswith(f"({english})")
    assert narrow(f"警告 WARNING: {said}", "ascii") == f"WARNING: {english}"
    assert "no version is the champion" in (mismatch_line(promoted_3, "household-risk", None) or "")
    failed = [*promoted_3, _entry(10, "promote.failed", "household-risk v3")]
    assert mismatch_line(failed, "household-risk", 2) is None
    forced = [_entry(4, "promote.forced", "household-risk v5")]
    assert "model version 5 was promoted" in (mismatch_line(forced, "household-risk", 4) or "")
    assert mismatch_line([_entry(4, "promote", "other-model v5")], "household-risk", 4) is None
    assert mismatch_line([], "household-risk", 4) is None


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/visit_planner/conftest.py


def test_a_promotion_killed_before_the_alias_moved_is_said_by_models_and_audit_verify(
    tiny_prefecture_dir: Path, workspace: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """``kill -9`` between ``promote``'s audit entry and the alias move left the log saying
    version 2 was promoted while version 1 stayed champion, and nothing said so: ``models``
    showed the alias on v1 and ``audit verify`` an intact chain. Both now warn, naming the
    entry, the versions and what to do; a new ``promote`` of version 2 ends the warning.
    The kill is simulated by an alias move that does nothing (the entry written, no alias
    moved, no follow-up entry)."""
    from risk_model.tracking import Registry

    data = str(tiny_prefecture_dir)
    for _ in range(2):
        assert cli("train", "--data", data, "--max-iter", "10").code == 0
    assert cli("promote", "--version", "1", "--data", data).code == 0
    rc, out, err = cli("models")
    assert rc == 0 and err == "", err  # the log and the alias agree: nothing said
    assert "v1 [champion]" in out

    promote_2 = ("promote", "--version", "2", "--data", data, "--force", "--reason", "review")
    with monkeypatch.context() as m:
        m.setattr(Registry, "set_champion", lambda self, version, tags: None)
        assert cli(*promote_2).code == 0

    rc, _, err = cli("models")
    assert rc == 0, err
    said = flat(err)
    assert said.startswith("警告 WARNING: 审计日志第 "), err
    assert "记载版本 2 于" in said and "但冠军为版本 1" in said
    assert "says model version 2 was promoted at" in said
    assert "but the champion is version 1" in said
    assert "run visit-planner promote --version 2 again" in said
    assert not too_wide(err)

    rc, _, err = cli("audit", "verify")
    assert rc == 0, err  # the chain is intact: the entry is what was written
    assert "but the champion is version 1" in flat(err)

    assert cli(*promote_2).code == 0  # promoted again: the alias moves this time
    for args in (("models",), ("audit", "verify")):
        rc, _, err = cli(*args)
        assert (rc, err) == (0, ""), (args, err)

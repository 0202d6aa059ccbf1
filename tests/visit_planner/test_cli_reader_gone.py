"""``visit-planner ... | head``: the reader going away stops the printing, never the work
(visit_planner.cli.reader_gone).

Click ended a command at its first write after the reader of its output had gone, with exit
1: ``check-plan ... | head -1`` exited 1 instead of 4, and ``plan ... | head`` abandoned the
plan at its next progress line (nothing published, exit 1, no message).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from visit_planner.cli.reader_gone import ReaderGoneGuard


def _reader_gone_pipe() -> int:
    """A pipe's write end whose read end is already closed: every write to it fails."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_writes_after_the_reader_went_away_are_dropped_without_an_error() -> None:
    stream = os.fdopen(_reader_gone_pipe(), "w", encoding="utf-8")
    guard = ReaderGoneGuard(stream)
    assert guard.write("一类户 tier 1\n") == len("一类户 tier 1\n")
    guard.flush()  # the pipe's EPIPE: its descriptor now points at os.devnull
    assert guard.reader_gone
    assert guard.write("more\n") == 5
    guard.flush()
    stream.close()  # the buffer's last flush succeeds too (at exit, nothing to report)


def _cut_log(home: Path) -> None:
    """A workspace whose audit log has 12 entries and lost its last one: ``audit list``
    prints the entries, then warns on stderr and exits 4."""
    from tests.visit_planner.store.helpers import tamper_audit
    from visit_planner.paths import Workspace
    from visit_planner.store import Store, store_url

    url = store_url(Workspace(home))
    Workspace(home).ensure()
    with Store.open(url) as store:
        for i in range(12):
            store.append_audit("test.step", "tester", f"s{i}", {})
    tamper_audit(url, "DELETE FROM audit WHERE seq = 12")


def test_a_command_whose_reader_went_away_still_ends_with_its_own_code(
    tmp_path: Path, cli: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process: every write to stdout fails as a closed pipe does; the command still runs
    to its end (its warning on stderr) and exits 4, not Click's 1."""
    _cut_log(tmp_path / "ws")

    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

        def isatty(self) -> bool:
            return False

        encoding = "utf-8"

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    code, _, err = cli("audit", "list", "--limit", "12", "--home", str(tmp_path / "ws"))
    assert code == 4, err
    assert "entries were removed from its end" in " ".join(err.split())
    assert "Traceback" not in err and "Broken pipe" not in err
    assert isinstance(sys.stdout, ClosedPipe)  # main() put the caller's stdout back


def test_the_console_script_into_a_pipe_nobody_reads(tmp_path: Path) -> None:
    """As ``visit-planner audit list | head -0``: exit 4 and the warning, no traceback and no
    'Exception ignored' from the interpreter's last flush."""
    _cut_log(tmp_path / "ws")
    script = Path(sys.executable).with_name("visit-planner")
    out = _reader_gone_pipe()
    try:
        done = subprocess.run(
            [script, "audit", "list", "--limit", "12", "--home", str(tmp_path / "ws")],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
    finally:
        os.close(out)
    assert done.returncode == 4, done.stderr
    assert "entries were removed from its end" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr, done.stderr

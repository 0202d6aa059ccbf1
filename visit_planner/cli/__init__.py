"""The ``visit-planner`` command line.

One module per subcommand group registers its commands on :data:`app`; this module only builds
the app, turns every :class:`~visit_planner.errors.VisitPlannerError` into a clean message with
a non-zero exit (no traceback), and keeps the libraries offline.

Importing the CLI must stay quick: every command (``--help`` included) pays for it. The
command modules import their jobs, and with them MLflow, scikit-learn, pandera, SciPy, the
solvers and the store, inside the commands that run them; what Typer reads from the command
signatures at import time (options, enums such as ``ExecutorKind``, the values their help
names, :mod:`visit_planner.vocabulary`) is light. ``tests/visit_planner/test_cli_startup.py``
checks that none of those libraries is imported by the CLI or by any ``--help``.
"""

from __future__ import annotations

import atexit
import gc
import signal
import sys
import threading
from types import FrameType

from rich.text import Text

from visit_planner.cli._app import app, err_console
from visit_planner.cli.narrow_encoding import english_where_chinese_cannot_go, narrow, restore
from visit_planner.cli.reader_gone import ReaderGoneGuard
from visit_planner.cli.summary_text import wrapped_lines
from visit_planner.errors import VisitPlannerError
from visit_planner.offline import go_offline
from visit_planner.vocabulary import SEVERITY

# Subcommand modules register themselves on import.
from visit_planner.cli import data as _data  # noqa: F401  # isort: skip
from visit_planner.cli import check_plan as _check_plan  # noqa: F401  # isort: skip
from visit_planner.cli import demo as _demo  # noqa: F401  # isort: skip
from visit_planner.cli import assign as _assign  # noqa: F401  # isort: skip
from visit_planner.cli import model as _model  # noqa: F401  # isort: skip
from visit_planner.cli import plan as _plan  # noqa: F401  # isort: skip
from visit_planner.cli import runs as _runs  # noqa: F401  # isort: skip
from visit_planner.cli import store_copy as _store_copy  # noqa: F401  # isort: skip
from visit_planner.cli import dashboard as _dashboard  # noqa: F401  # isort: skip
from visit_planner.cli import users as _users  # noqa: F401  # isort: skip

__all__ = ["app", "main", "print_error"]


def main() -> None:
    """Console-script entry point.

    Typer runs in standalone mode, so usage errors print a usage message and exit 2; a
    :class:`VisitPlannerError` raised by a command becomes a clean message and its exit code.
    """
    go_offline()
    # At exit, the interpreter's teardown runs full garbage collections over every object of
    # the libraries a command imported (MLflow, scikit-learn, pandas...): a large part of a
    # short command's time. Frozen first (out of the collector's sight), they are not
    # traversed. Python does not promise finalizers of objects still alive at exit, and nothing
    # here relies on them: the commands close runs, the store and the audit log themselves,
    # and the atexit functions (MLflow's, weakref.finalize's) still run.
    atexit.unregister(gc.freeze)  # once per process, however often main() runs (tests)
    atexit.register(gc.freeze)
    main_thread = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, _terminated) if main_thread else None
    stdout, stderr = sys.stdout, sys.stderr
    # A stream without Chinese (PYTHONIOENCODING=ascii, a C locale): English, no traceback.
    errors = [english_where_chinese_cannot_go(stream) for stream in (stdout, stderr)]
    # `visit-planner ... | head`: the reader going away stops the printing, not the command.
    sys.stdout = ReaderGoneGuard(stdout)
    try:
        app()
    except VisitPlannerError as exc:
        print_error(str(exc))
        sys.exit(exc.exit_code)
    except SystemExit as exc:
        # Typer turns Ctrl-C into a silent exit 130 (its standalone mode): say what happened.
        if exc.code == INTERRUPTED:
            err_console.print(INTERRUPTED_TEXT, highlight=False)
        elif exc.code == TERMINATED:
            err_console.print(TERMINATED_TEXT, highlight=False)
        raise
    finally:
        sys.stdout = stdout
        for stream, former in zip((stdout, stderr), errors, strict=True):
            restore(stream, former)
        if main_thread:  # main() in-process (tests) leaves the caller's handler as it was
            signal.signal(signal.SIGTERM, before)


def _terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (``systemctl stop``, ``timeout``, a scheduler ending a job) as an exit that
    unwinds: Python's default ends the process at once, so ``plan`` left its staging
    directory and month lock behind; raised as :class:`SystemExit`, every ``finally`` and
    ``with`` of the command runs first, as for Ctrl-C."""
    raise SystemExit(TERMINATED)


INTERRUPTED = 130
"""The exit code of a command stopped by Ctrl-C (128 + SIGINT, as a shell reports it)."""

INTERRUPTED_TEXT = "已中断 (interrupted by Ctrl-C)"
"""What a command stopped by Ctrl-C prints on stderr; before, it ended without a word."""

TERMINATED = 143
"""The exit code of a command stopped by SIGTERM (128 + 15)."""

TERMINATED_TEXT = "已终止 (terminated by SIGTERM)"
"""What a command stopped by SIGTERM prints on stderr."""


ERROR_LEAD = f"{SEVERITY['error']}: "
"""``错误 ERROR: ``, as every listing of input problems labels an error."""


def print_error(message: str) -> None:
    """``错误 ERROR: MESSAGE`` on stderr, wrapped at the terminal's width (80 when
    redirected) at spaces only, so that no id, path or number is broken; a message of several
    lines (one problem a line) keeps them, each continuation indented
    (:func:`~visit_planner.cli.summary_text.wrapped_lines`)."""
    lead = narrow(ERROR_LEAD, err_console.encoding)  # English alone where Chinese cannot go
    lines = narrow(lead + message, err_console.encoding).splitlines()
    for n, line in enumerate(wrapped_lines(lines, err_console.width)):
        text = Text(line)
        if n == 0:
            text.stylize("bold red", 0, len(lead))
        err_console.print(text, highlight=False)


if __name__ == "__main__":  # pragma: no cover
    main()

"""The ``visit-planner`` command line.

One module per subcommand group registers its commands on :data:`app`; this module only builds
the app, turns every :class:`~visit_planner.errors.VisitPlannerError` into a clean message with
a non-zero exit (no traceback), and keeps the libraries offline.
"""

from __future__ import annotations

import sys

from rich.text import Text

from visit_planner.cli._app import app, err_console
from visit_planner.errors import VisitPlannerError
from visit_planner.offline import go_offline

# Subcommand modules register themselves on import.
from visit_planner.cli import data as _data  # noqa: F401  # isort: skip
from visit_planner.cli import check_plan as _check_plan  # noqa: F401  # isort: skip
from visit_planner.cli import demo as _demo  # noqa: F401  # isort: skip
from visit_planner.cli import assign as _assign  # noqa: F401  # isort: skip
from visit_planner.cli import model as _model  # noqa: F401  # isort: skip
from visit_planner.cli import plan as _plan  # noqa: F401  # isort: skip
from visit_planner.cli import runs as _runs  # noqa: F401  # isort: skip
from visit_planner.cli import dashboard as _dashboard  # noqa: F401  # isort: skip
from visit_planner.cli import users as _users  # noqa: F401  # isort: skip

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point.

    Typer runs in standalone mode, so usage errors print a usage message and exit 2; a
    :class:`VisitPlannerError` raised by a command becomes a clean message and its exit code.
    """
    go_offline()
    try:
        app()
    except VisitPlannerError as exc:
        err_console.print(
            Text("error / 错误: ", style="bold red") + Text(str(exc)), highlight=False
        )
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()

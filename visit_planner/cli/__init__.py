"""The ``visit-planner`` command line.

One module per subcommand group registers its commands on :data:`app`; this module only builds
the app, turns every :class:`~visit_planner.errors.VisitPlannerError` into a clean message with
a non-zero exit (no traceback), and keeps the libraries offline.
"""

from __future__ import annotations

import sys

import click
from rich.text import Text

from visit_planner.cli._app import app, err_console
from visit_planner.errors import VisitPlannerError
from visit_planner.offline import go_offline

# Subcommand modules register themselves on import.
from visit_planner.cli import data as _data  # noqa: E402,F401  # isort: skip
from visit_planner.cli import demo as _demo  # noqa: E402,F401  # isort: skip

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    go_offline()
    try:
        rc = app(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err_console.print("aborted / 已中止")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except VisitPlannerError as exc:
        err_console.print(Text("error / 错误: ", style="bold red") + Text(str(exc)), highlight=False)
        sys.exit(exc.exit_code)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()

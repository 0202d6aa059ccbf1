"""The shared Typer app and consoles that subcommand modules register on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="visit-planner",
    help="Household risk tiers and visit assignment (家庭分类评估与挂包走访).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # never break ids across lines

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Workspace directory (default: $VISIT_PLANNER_HOME or ./workspace).",
        show_default=False,
    ),
]
PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy", help="Policy TOML file (default: the embedded policy).", show_default=False
    ),
]


def _version(value: bool) -> None:
    if value:
        from visit_planner import __version__

        console.print(f"visit-planner {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit (版本).",
            callback=_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Household risk tiers and visit assignment (家庭分类评估与挂包走访)."""

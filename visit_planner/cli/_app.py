"""The shared Typer app and consoles that subcommand modules register on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="visit-planner",
    help="Household risk tiers and visit assignment (家庭分类评估与挂包走访).",
    epilog=(
        "Environment (环境变量):\n\n"
        "- `VISIT_PLANNER_HOME`: the workspace when --home is not given.\n"
        "- `VISIT_PLANNER_STORE_URL`: the store database when --store-url is not given, e.g. "
        "`postgresql+psycopg://user@127.0.0.1:5432/db` (default: SQLite in the workspace).\n"
        "- `VISIT_PLANNER_DASHBOARD_ADDRESS`: the address `dashboard` binds when --address is "
        "not given."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help texts are Markdown: a paragraph's line breaks are soft, so it reflows to the
    # terminal's width, while blank lines, `- ` lists and `code` keep their meaning. The mode
    # is the root app's and Typer hands it to every sub-app and command.
    rich_markup_mode="markdown",
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # never break ids across lines

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Workspace directory (default: $VISIT_PLANNER_HOME, else ./workspace).",
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

"""``dashboard``: serve the Streamlit dashboard on 127.0.0.1.

visit-planner dashboard [--home DIR] [--store-url URL] [--port 8501]

The process becomes ``python -m streamlit run dashboard/app.py`` (headless, loopback only, no
usage statistics, minimal toolbar); the workspace and store URL reach the app as
``VISIT_PLANNER_HOME`` and ``VISIT_PLANNER_STORE_URL``. Stop it with Ctrl-C (or SIGTERM).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from visit_planner.cli._app import HomeOption, app, err_console
from visit_planner.cli.plan import StoreUrlOption
from visit_planner.offline import OFFLINE_ENV
from visit_planner.paths import HOME_ENV, resolve_workspace

STORE_URL_ENV = "VISIT_PLANNER_STORE_URL"
ADDRESS = "127.0.0.1"


def app_path() -> Path:
    """The dashboard's entry script (``dashboard/app.py`` of the installed package)."""
    import dashboard

    return Path(dashboard.__file__).resolve().parent / "app.py"


def streamlit_command(port: int) -> list[str]:
    """The command line that serves the dashboard on ``127.0.0.1:port``."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app_path()),
        "--server.address", ADDRESS,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip


def dashboard_env(home: Path | None, store_url: str | None) -> dict[str, str]:
    """The server's environment: this one, offline, with the workspace (and store URL)."""
    env = {**os.environ, **OFFLINE_ENV, HOME_ENV: str(resolve_workspace(home).root)}
    if store_url:
        env[STORE_URL_ENV] = store_url
    return env


@app.command("dashboard")
def dashboard(
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.")
    ] = 8501,
) -> None:
    """Serve the dashboard on http://127.0.0.1:PORT (仪表盘)."""
    command = streamlit_command(port)
    err_console.print(
        f"dashboard 仪表盘: http://{ADDRESS}:{port} (workspace {resolve_workspace(home).root})",
        highlight=False,
    )
    # Become the server (no child to orphan: a signal to this process reaches Streamlit).
    os.execve(command[0], command, dashboard_env(home, store_url))

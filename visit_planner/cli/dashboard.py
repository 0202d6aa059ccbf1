"""``dashboard``: serve the Streamlit dashboard on 127.0.0.1.

visit-planner dashboard [--home DIR] [--store-url URL] [--port 8501] [--address 127.0.0.1]

The process becomes ``python -m streamlit run dashboard/app.py`` (headless, no usage statistics,
minimal toolbar); the workspace and store URL reach the app as ``VISIT_PLANNER_HOME`` and
``VISIT_PLANNER_STORE_URL``. Stop it with Ctrl-C (or SIGTERM).

It binds to 127.0.0.1 unless ``--address`` (or ``VISIT_PLANNER_DASHBOARD_ADDRESS``) names
another IP address of this machine; any address other than a loopback one is served to the
network, so the command says so in both languages before it starts.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from visit_planner.cli._app import HomeOption, app, err_console
from visit_planner.cli.plan import StoreUrlOption
from visit_planner.cli.summary_text import print_hanging
from visit_planner.offline import OFFLINE_ENV
from visit_planner.paths import HOME_ENV, STORE_URL_ENV, resolve_workspace

ADDRESS = "127.0.0.1"
ADDRESS_ENV = "VISIT_PLANNER_DASHBOARD_ADDRESS"


def check_address(value: str) -> str:
    """The bind address as given if it is an IP address (or ``localhost``); a clear error
    naming the option otherwise."""
    text = value.strip()
    if text == "localhost":
        return text
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r}: 须为本机 IP 地址, 如 127.0.0.1 或 0.0.0.0 (not an IP address; e.g. "
            "127.0.0.1 or 0.0.0.0)",
            param_hint="--address",
        ) from None
    return text


def is_loopback(address: str) -> bool:
    """Whether ``address`` is reachable from this machine only."""
    return address == "localhost" or ipaddress.ip_address(address).is_loopback


def exposure_warning(address: str, port: int) -> str:
    """What the command says before serving on a non-loopback address (both languages)."""
    return (
        f"注意：仪表盘将在 {address}:{port} 上对网络开放，其他计算机可访问登录页面；"
        "请仅在受信任的内网中使用，并确认防火墙设置。\n"
        f"Warning: the dashboard will listen on {address}:{port}, open to the network; other "
        "computers can reach its sign-in page. Use it on a trusted network only and check the "
        "firewall."
    )


def app_path() -> Path:
    """The dashboard's entry script (``dashboard/app.py`` of the installed package)."""
    import dashboard

    return Path(dashboard.__file__).resolve().parent / "app.py"


def streamlit_command(port: int, address: str = ADDRESS) -> list[str]:
    """The command line that serves the dashboard on ``address:port``."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app_path()),
        "--server.address", address,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip


def dashboard_env(
    home: Path | None, store_url: str | None, address: str = ADDRESS
) -> dict[str, str]:
    """The server's environment: this one, offline, with the workspace (and store URL) and
    the bind address."""
    env = {**os.environ, **OFFLINE_ENV, HOME_ENV: str(resolve_workspace(home).root)}
    env["STREAMLIT_SERVER_ADDRESS"] = address
    # Our own line names the address in both languages; Streamlit's English welcome and
    # "server started" lines after it only repeat it. Its warnings and errors still show.
    # (Variables, not flags: a Streamlit without the option ignores them.)
    env["STREAMLIT_LOGGER_HIDE_WELCOME_MESSAGE"] = "true"
    env["STREAMLIT_LOGGER_LEVEL"] = "warning"
    if store_url:
        env[STORE_URL_ENV] = store_url
    return env


@app.command("dashboard")
def dashboard(
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="端口 — Port on 127.0.0.1.")
    ] = 8501,
    address: Annotated[
        str,
        typer.Option(
            "--address",
            envvar=ADDRESS_ENV,
            # The variable's name is too long for the options column at 80 columns (it was
            # cut): it is listed with the others in `visit-planner --help` instead.
            show_envvar=False,
            help="监听地址 — Address to bind (also read from the environment, see `visit-planner "
            "--help`); anything but loopback is open to the network.",
        ),
    ] = ADDRESS,
) -> None:
    """仪表盘 — Serve the dashboard on http://127.0.0.1:PORT."""
    address = check_address(address)
    command = streamlit_command(port, address)
    if not is_loopback(address):
        for line in exposure_warning(address, port).splitlines():
            print_hanging(line, err_console, style="bold red")
    err_console.print(
        f"仪表盘 dashboard: http://{address}:{port} "
        f"(工作区 workspace {resolve_workspace(home).root})",
        highlight=False,
    )
    # Become the server (no child to orphan: a signal to this process reaches Streamlit).
    os.execve(command[0], command, dashboard_env(home, store_url, address))

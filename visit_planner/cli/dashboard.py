"""``dashboard``: serve the Streamlit dashboard on 127.0.0.1.

visit-planner dashboard [--home DIR] [--store-url URL] [--port 8501] [--address 127.0.0.1]
                        [--base-path PATH]

The process becomes ``python -m streamlit run dashboard/app.py`` (headless, no usage statistics,
minimal toolbar); the workspace and store URL reach the app as ``VISIT_PLANNER_HOME`` and
``VISIT_PLANNER_STORE_URL``. Stop it with Ctrl-C (or SIGTERM).

It binds to 127.0.0.1 unless ``--address`` (or ``VISIT_PLANNER_DASHBOARD_ADDRESS``) names
another IP address of this machine; any address other than a loopback one is served to the
network, so the command says so in both languages before it starts.

Behind a reverse proxy on the same host that serves it under a path
(``https://gov.example/visit-planner/``), ``--base-path visit-planner`` makes Streamlit answer
under that path (``server.baseUrlPath``: its pages, health check, WebSocket, media and
single sign-on routes) and the sign-in cookie is scoped to it (``dashboard.auth``); the proxy
passes the path on unchanged. ``docs/deployment.md`` has the nginx and systemd files.

A port already in use is refused before Streamlit starts, in both languages (Streamlit itself
said only ``Port 8501 is not available``, in English, after our line had announced the
address).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from visit_planner.cli._app import HomeOption, app, err_console
from visit_planner.cli.plan import StoreUrlOption
from visit_planner.cli.summary_text import print_hanging
from visit_planner.errors import VisitPlannerError
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


SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
"""A path segment of ``--base-path``: URL-safe characters only (nothing to escape in a URL,
an nginx ``location`` or a cookie's ``Path``)."""


def check_base_path(value: str) -> str:
    """``--base-path`` without its leading and trailing slashes (``/visit-planner/`` ->
    ``visit-planner``; empty: served at ``/``); a clear error naming the option when a segment
    is empty, ``.`` or ``..``, or has a character other than letters, digits and ``. _ ~ -``."""
    text = value.strip().strip("/")
    if not text:
        return ""
    for segment in text.split("/"):
        if segment in ("", ".", "..") or not SEGMENT.fullmatch(segment):
            raise typer.BadParameter(
                f"{value!r}: 须为网址路径, 如 visit-planner 或 county/visit-planner, 仅含字母、"
                "数字和 . _ ~ - (must be a URL path such as visit-planner or "
                "county/visit-planner: letters, digits and . _ ~ - between slashes)",
                param_hint="--base-path",
            )
    return text


def served_url(address: str, port: int, base_path: str = "") -> str:
    """The address the server answers on (an IPv6 address in brackets), with the base path."""
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}:{port}/" + (f"{base_path}/" if base_path else "")


class PortInUseError(VisitPlannerError):
    """The port (on the bind address) is taken by another process: nothing was started."""


def check_port_free(address: str, port: int) -> None:
    """Refuse, naming the address, the port and the option, when another process listens on
    ``address:port`` (another server, an earlier dashboard still running): Streamlit would
    exit with an English line only, after our line had announced the address. Bound the way
    Streamlit binds (``SO_REUSEADDR``), then released; any other failure to bind (an address
    not of this machine) is left to Streamlit, which names it."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((address, port))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            return
        raise PortInUseError(
            f"{address}:{port}: 端口已被其他程序占用, 仪表盘未启动; 请停止占用该端口的程序 "
            "(如仍在运行的仪表盘), 或用 --port 另选端口 (the port is in use by another "
            "process, e.g. a dashboard still running; the dashboard was not started: stop "
            "that process or choose another port with --port)"
        ) from None


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


def streamlit_command(port: int, address: str = ADDRESS, base_path: str = "") -> list[str]:
    """The command line that serves the dashboard on ``address:port``, under ``base_path``
    (empty: at ``/``, or where Streamlit's own configuration says)."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(app_path()),
        "--server.address", address,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    if base_path:
        command += ["--server.baseUrlPath", base_path]
    return command


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
    base_path: Annotated[
        str,
        typer.Option(
            "--base-path",
            help="网址路径 — Serve under this path (e.g. visit-planner), as a reverse proxy "
            "passes it on: https://HOST/visit-planner/.",
        ),
    ] = "",
) -> None:
    """仪表盘 — Serve the dashboard on http://127.0.0.1:PORT."""
    address = check_address(address)
    base_path = check_base_path(base_path)
    check_port_free(address, port)
    command = streamlit_command(port, address, base_path)
    if not is_loopback(address):
        for line in exposure_warning(address, port).splitlines():
            print_hanging(line, err_console, style="bold red")
    err_console.print(
        f"仪表盘 dashboard: {served_url(address, port, base_path)} "
        f"(工作区 workspace {resolve_workspace(home).root})",
        highlight=False,
    )
    # Become the server (no child to orphan: a signal to this process reaches Streamlit).
    os.execve(command[0], command, dashboard_env(home, store_url, address))

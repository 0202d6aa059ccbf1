"""Keep every library offline: telemetry off, servers on loopback only.

Called once at CLI start-up (and by the tests' conftest) before MLflow or Streamlit is imported.
Values already set by the user are left alone except where they would reach the network.
"""

from __future__ import annotations

import os

OFFLINE_ENV: dict[str, str] = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "STREAMLIT_SERVER_HEADLESS": "true",
    "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",
    "GIT_PYTHON_REFRESH": "quiet",
}


def go_offline() -> None:
    """Set the environment variables that stop telemetry and keep servers on 127.0.0.1."""
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value

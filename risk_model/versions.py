"""A registered model version as plain data: no MLflow here.

:mod:`risk_model.tracking` builds it from the registry; the dashboard, which never imports
MLflow in its server (``dashboard.registry``), rebuilds it from a child process's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class VersionInfo:
    """A registered model version with its run's metrics and tags."""

    version: int
    run_id: str
    aliases: list[str]
    tags: dict[str, str]
    created_ms: int
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)

"""The model registry as the dashboard reads it: in a child process, never in the server's.

Importing MLflow and the model stack costs the interpreter several seconds of work that holds
the GIL; done inside the Streamlit server (even in a background thread) it slowed every page
the user opened meanwhile. So the registry is read by ``python -m dashboard.registry HOME``,
a separate process that prints a **snapshot** as JSON: every registered version (aliases,
tags, metrics, params) and, per version, the small artifacts the model page shows
(``fairness.csv``, ``model_card.md``, ``evaluation.json``, ``selection.json``,
``calibration.json`` when training logged it, the calibration plot, ``drift_reference.json``).
A version whose files cannot be found at all (a workspace restored without its
``mlartifacts/``, a run's directory removed) is not taken for one that logged none: the
snapshot carries the registry's own message naming what is missing and where it was looked
for (:attr:`Snapshot.missing`), which the model page shows.

The server keeps the snapshot in memory under the registry's **key**: the size and
modification time of the workspace's ``mlflow.db`` (and its write-ahead log), so a promotion
shows on the next visit of the model page; with a tracking server
(``VISIT_PLANNER_MLFLOW_URI``) the key is a ``TTL``-second time bucket instead.
:func:`prefetch` starts the child in the background when the server starts (a waiting
thread releases the GIL); :func:`snapshot` returns the snapshot of the current key, waiting
for the child if it is still running. The last snapshot is also kept on disk with its key
(:data:`CACHE`), so that a restarted server does not read an unchanged registry again. No
Streamlit here.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from risk_model.versions import VersionInfo
from visit_planner.errors import VisitPlannerError
from visit_planner.model_registry import MLFLOW_URI_ENV

TTL: Final = 30.0
"""Seconds a snapshot of a tracking server's registry is kept."""
TIMEOUT: Final = 180.0
"""Seconds the child may take (importing MLflow on a loaded machine is slow)."""

TEXT_ARTIFACTS: Final = (
    "fairness.csv",
    "model_card.md",
    "evaluation.json",
    "selection.json",
    "calibration.json",
    "drift_reference.json",
)
BINARY_ARTIFACTS: Final = ("plots/calibration.png",)


@dataclass(frozen=True)
class Snapshot:
    """Every version (newest first) and each version's artifacts (absent ones missing);
    ``missing``: per version whose files could not be found, the registry's message."""

    versions: tuple[VersionInfo, ...]
    artifacts: dict[int, dict[str, bytes]]
    missing: dict[int, str] = field(default_factory=dict)

    def artifact(self, version: int, name: str) -> bytes | None:
        """One artifact of a version, None when training did not log it."""
        return self.artifacts.get(version, {}).get(name)

    def files_missing(self, version: int) -> str | None:
        """Why the files of ``version`` cannot be read (which, and where they were looked
        for), None when they can."""
        return self.missing.get(version)


FILES_MISSING: dict[str, str] = {
    "zh": "模型版本 {v} 的训练记录文件缺失（model_card.md、fairness.csv、evaluation.json、"
    "selection.json、calibration.json、drift_reference.json），模型卡、基线对比、校准曲线、"
    "各群体误差与漂移基准无法显示。",
    "en": "The files training logged for model version {v} are missing (model_card.md, "
    "fairness.csv, evaluation.json, selection.json, calibration.json, drift_reference.json): "
    "its model card, baselines, calibration, errors across groups and drift reference cannot "
    "be shown.",
}
SEE_ABOVE: dict[str, str] = {
    "zh": "该版本的训练记录文件缺失，见上方说明。",
    "en": "The files training logged for this version are missing: see above.",
}
"""The model page's words for a version whose files are gone (a workspace restored without
its ``mlartifacts/``), before the registry's own message (:attr:`Snapshot.missing`: where
they were looked for); and, in its later sections, pointing back to it. (Here, beside the
snapshot, so that tests can read them: a page's module runs the page when imported.)"""


# --------------------------------------------------------------------------- the child


def read_registry(home: Path) -> dict[str, Any]:
    """The snapshot as JSON-ready data (runs in the child: imports MLflow)."""
    from risk_model.errors import RiskModelError
    from risk_model.tracking import read_artifact
    from visit_planner.model_registry import registry_for, user_errors
    from visit_planner.paths import Workspace

    with user_errors():
        registry = registry_for(Workspace(home))
        versions = registry.versions()
    out: dict[str, Any] = {"versions": [], "artifacts": {}, "missing": {}}
    for v in versions:
        out["versions"].append(
            {
                "version": v.version,
                "run_id": v.run_id,
                "aliases": list(v.aliases),
                "tags": dict(v.tags),
                "created_ms": v.created_ms,
                "metrics": dict(v.metrics),
                "params": dict(v.params),
            }
        )
        files: dict[str, str] = {}
        out["artifacts"][str(v.version)] = files
        try:
            registry.run_root(v.run_id)  # the run's files: where recorded, or in this workspace
        except RiskModelError as exc:  # neither: every file of the version is missing
            out["missing"][str(v.version)] = str(exc)
            continue
        for name in (*TEXT_ARTIFACTS, *BINARY_ARTIFACTS):
            try:
                data = read_artifact(registry, v.run_id, name)
            except RiskModelError:  # not logged by that training run
                continue
            files[name] = base64.b64encode(data).decode("ascii")
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m dashboard.registry HOME``: the snapshot on stdout (exit 2 and the message
    on stderr when the registry cannot be read)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m dashboard.registry HOME", file=sys.stderr)
        return 2
    try:
        data = read_registry(Path(args[0]))
    except VisitPlannerError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    json.dump(data, sys.stdout)
    return 0


# --------------------------------------------------------------------------- the server


def parse(data: dict[str, Any]) -> Snapshot:
    """The child's JSON as a :class:`Snapshot`."""
    versions = tuple(
        VersionInfo(
            version=int(v["version"]),
            run_id=str(v["run_id"]),
            aliases=list(v["aliases"]),
            tags=dict(v["tags"]),
            created_ms=int(v["created_ms"]),
            metrics={k: float(x) for k, x in v["metrics"].items()},
            params={k: str(x) for k, x in v["params"].items()},
        )
        for v in data["versions"]
    )
    artifacts = {
        int(version): {name: base64.b64decode(text) for name, text in files.items()}
        for version, files in data["artifacts"].items()
    }
    missing = {int(version): str(text) for version, text in data.get("missing", {}).items()}
    return Snapshot(versions, artifacts, missing)


def registry_key(home: Path, now: float | None = None) -> tuple[Any, ...]:
    """What changes when the registry does: the embedded database's files' sizes and times,
    and the time of the artifact directory (restoring a missing ``mlartifacts/`` shows
    without a restart), or a time bucket for a tracking server."""
    if os.environ.get(MLFLOW_URI_ENV):
        return ("bucket", int((time.time() if now is None else now) // TTL))
    key: list[Any] = ["files"]
    for name in ("mlflow.db", "mlflow.db-wal", "mlartifacts"):
        path = home / name
        try:
            stat = path.stat()
        except OSError:
            key.append(None)
        else:
            key.append((stat.st_size, stat.st_mtime_ns) if path.is_file() else stat.st_mtime_ns)
    return tuple(key)


CACHE: Final = Path(".dashboard") / "registry_snapshot.json"
"""Where, under the workspace, the last snapshot is kept with its key (a restarted server
reads it instead of starting the child while the registry has not changed)."""


def load_kept(home: Path, key: tuple[Any, ...]) -> Snapshot | None:
    """The snapshot kept on disk if it was taken at ``key`` (None otherwise or unreadable)."""
    if key[0] != "files":
        return None
    try:
        kept = json.loads((home / CACHE).read_text("utf-8"))
        if kept.get("key") != json.loads(json.dumps(key)):
            return None
        return parse(kept["data"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep(home: Path, key: tuple[Any, ...], data: dict[str, Any]) -> None:
    """Keep the snapshot on disk under its key (written whole, then moved into place; a
    workspace that cannot be written is simply not used)."""
    if key[0] != "files":
        return
    path = home / CACHE
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"key": key, "data": data}), "utf-8")
        tmp.replace(path)
    except OSError:
        pass


def read_child(home: Path) -> dict[str, Any]:
    """Read the registry in a child process (the waiting thread holds no GIL)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dashboard.registry", str(home)],
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise VisitPlannerError(
            f"模型登记库读取超时 / reading the model registry took over {TIMEOUT:g} s"
        ) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VisitPlannerError(
            "无法读取模型登记库 / the model registry could not be read: "
            + (message[-1] if message else f"exit {done.returncode}")
        )
    data: dict[str, Any] = json.loads(done.stdout)
    return data


class _Reader:
    """One workspace's snapshot: kept under its key, refreshed by one child at a time."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.lock = threading.Lock()
        self.kept: tuple[tuple[Any, ...], Snapshot] | None = None
        self.running: tuple[tuple[Any, ...], threading.Thread] | None = None
        self.error: VisitPlannerError | None = None

    def _refresh(self) -> None:
        key = registry_key(self.home)
        try:
            snap = load_kept(self.home, key)
            if snap is None:
                data = read_child(self.home)
                snap = parse(data)
                keep(self.home, registry_key(self.home), data)
        except VisitPlannerError as exc:
            with self.lock:
                self.error = exc
            return
        with self.lock:
            # Kept under the key seen after the child: reading may touch the database's files.
            # (A promotion during the read itself shows after the next change or restart.)
            self.kept = (registry_key(self.home), snap)
            self.error = None

    def start(self) -> threading.Thread | None:
        """Start a refresh unless the kept snapshot is current or one is running; returns the
        thread to wait for (None: the kept snapshot is current)."""
        key = registry_key(self.home)
        with self.lock:
            if self.kept is not None and self.kept[0] == key:
                return None
            if self.running is not None and self.running[1].is_alive():
                return self.running[1]
            thread = threading.Thread(target=self._refresh, name="registry-snapshot", daemon=True)
            self.running = (key, thread)
            self.error = None
        thread.start()
        return thread

    def get(self) -> Snapshot:
        """The current snapshot (waits for the child when needed)."""
        thread = self.start()
        if thread is not None:
            thread.join(TIMEOUT + 5)
            with self.lock:
                if self.error is not None:
                    raise self.error
        with self.lock:
            if self.kept is None:
                raise VisitPlannerError("无法读取模型登记库 / the model registry could not be read")
            return self.kept[1]


_READERS: dict[str, _Reader] = {}
_READERS_LOCK = threading.Lock()


def _reader(home: Path) -> _Reader:
    with _READERS_LOCK:
        return _READERS.setdefault(str(home), _Reader(home))


def prefetch(home: Path) -> None:
    """Start reading the registry in the background (the server's start-up)."""
    _reader(home).start()


def snapshot(home: Path) -> Snapshot:
    """The registry as it is now (kept while its files do not change)."""
    return _reader(home).get()


if __name__ == "__main__":
    sys.exit(main())

"""Shared helpers of the notebook tests: run a notebook top to bottom, check it is stripped."""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import nbformat
from nbclient import NotebookClient
from traitlets.config import Config

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
TIMEOUT_PER_CELL = 120  # seconds; a notebook as a whole must stay under 2 minutes
FIGURES = {
    "1.0-explore-households.ipynb": 7,  # notebook -> figures it shows
    "2.0-retrain-and-compare.ipynb": 4,
    "3.0-policy-what-if.ipynb": 4,
}


def notebook_paths() -> list[Path]:
    """Every notebook of ``notebooks/``, sorted by name."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def stored_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """Where a notebook as stored in git carries results: cell outputs, execution counts
    or widget state (each named by cell index)."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {i}: outputs")
        if cell.get("execution_count") is not None:
            found.append(f"cell {i}: execution_count")
    if "widgets" in nb.metadata:
        found.append("metadata: widgets")
    return found


def hidden_columns(nb: nbformat.NotebookNode) -> list[str]:
    """Where a table an executed notebook shows (its plain-text form, what a rendered copy,
    a console or a diff shows) hides columns behind polars' "…" column: the reader then
    never sees, e.g., the tier-1 coverage of a what-if table (each named by cell index)."""
    found = []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/plain", "")
            if any(line.startswith("│") and "┆ … ┆" in line for line in text.splitlines()):
                found.append(f"cell {i}")
    return found


def execute(
    path: Path, workdir: Path, env: Mapping[str, str] | None = None
) -> tuple[nbformat.NotebookNode, float]:
    """Run the notebook at ``path`` in a fresh kernel of this interpreter (ipykernel), with
    ``workdir`` as its working directory and ``env`` added to its environment; returns the
    executed notebook and the seconds it took. Raises nbclient's CellExecutionError (naming
    the cell and the error) when a cell fails."""
    nb = nbformat.read(path, as_version=4)
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        # IPC sockets in the working directory: the kernel listens on no network port at all.
        ipc = Config({"KernelManager": {"transport": "ipc", "ip": str(workdir / "kernel")}})
        client = NotebookClient(
            nb,
            kernel_name="python3",
            timeout=TIMEOUT_PER_CELL,
            resources={"metadata": {"path": str(workdir)}},
            config=ipc,
        )
        started = time.perf_counter()
        client.execute()  # starts the kernel and shuts it down (channels closed) at the end
        return nb, time.perf_counter() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)


def render_module() -> ModuleType:
    """``notebooks/render.py``, a script, loaded as a module."""
    path = NOTEBOOKS / "render.py"
    spec = importlib.util.spec_from_file_location("notebooks_render", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

"""Shared helpers of the notebook tests: run a notebook top to bottom, check it is stripped."""

from __future__ import annotations

import importlib.util
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
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


class CellFailedError(Exception):
    """A cell of a notebook raised: the notebook, the cell's index, the error's name and value
    (one line, what ``render.py`` prints); the kernel's traceback, without its colours, is
    ``traceback`` (and the CellExecutionError this is raised from)."""

    def __init__(self, notebook: str, cell: int, ename: str, evalue: str, traceback: str):
        super().__init__(f"{notebook}: cell {cell} failed: {ename}: {evalue}")
        self.notebook, self.cell, self.ename, self.evalue = notebook, cell, ename, evalue
        self.traceback = traceback


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _failed(path: Path, nb: nbformat.NotebookNode, err: CellExecutionError) -> CellFailedError:
    """The :class:`CellFailedError` of ``err``: the cell is the one with an error output."""
    cell = next(
        (i for i, c in enumerate(nb.cells)
         if any(o.get("output_type") == "error" for o in c.get("outputs", []))),
        -1,
    )  # fmt: skip
    evalue = _ANSI.sub("", err.evalue)
    return CellFailedError(path.name, cell, err.ename, evalue, _ANSI.sub("", str(err)))


def execute(
    path: Path, workdir: Path, env: Mapping[str, str] | None = None
) -> tuple[nbformat.NotebookNode, float]:
    """Run the notebook at ``path`` in a fresh kernel of this interpreter (ipykernel), with
    ``workdir`` as its working directory and ``env`` added to its environment; returns the
    executed notebook and the seconds it took. Raises :class:`CellFailedError` (naming the
    notebook, the cell and the error, from nbclient's CellExecutionError) when a cell fails."""
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
        try:
            client.execute()  # starts the kernel and shuts it down (channels closed) at the end
        except CellExecutionError as err:
            raise _failed(path, nb, err) from err
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

"""The notebooks: stored without outputs, free of their own logic, and run top to bottom.

Each notebook is executed in a fresh kernel of this interpreter (nbclient + ipykernel) with
its default parameters, so a notebook broken by a change in the packages fails here. A
notebook must show its figures; each cell has nbclient's timeout (its time is measured by
``notebooks/render.py``, not asserted here).
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from tests.notebooks.helpers import execute, notebook_paths, stored_outputs

EXPECTED = {
    "1.0-explore-households.ipynb": 7,  # notebook -> figures it shows
    "2.0-retrain-and-compare.ipynb": 4,
    "3.0-policy-what-if.ipynb": 4,
}


def test_the_three_notebooks_are_there() -> None:
    assert sorted(p.name for p in notebook_paths()) == sorted(EXPECTED)


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_stored_without_outputs(path: Path) -> None:
    """Outputs and execution counts never go into git (strip them before committing)."""
    nb = nbformat.read(path, as_version=4)
    assert stored_outputs(nb) == []


def test_stored_outputs_are_detected() -> None:
    """The check above fails on a notebook that carries outputs or an execution count."""
    cell = nbformat.v4.new_code_cell("1 + 1")
    cell.execution_count = 3
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"})]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), cell])
    assert stored_outputs(nb) == ["cell 1: outputs", "cell 1: execution_count"]


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_no_logic_of_their_own(path: Path) -> None:
    """Notebooks call the packages: no function, class or loop-free-standing helper defined in
    a cell (such code belongs in visit_planner.analysis or assignment.tradeoff, with tests)."""
    nb = nbformat.read(path, as_version=4)
    defined = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                defined.append(f"cell {i}: {type(node).__name__}")
    assert defined == []


@pytest.mark.slow
@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    nb, _ = execute(path, tmp_path, env={"MPLBACKEND": "Agg"})
    errors = [
        f"cell {i}: {o.get('ename')}: {o.get('evalue')}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors == []
    images = sum(
        "image/png" in o.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
    )
    assert images == EXPECTED[path.name]
    # The 2-minute budget is measured by notebooks/render.py (never a timed test: a loaded
    # machine would fail it); a cell that hangs still fails through nbclient's timeout.

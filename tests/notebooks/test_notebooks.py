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
    """Every cell runs, every figure is shown, and the notebook's temporary directory (its
    synthetic prefecture, MLflow database and models) is gone once the kernel has shut down:
    the kernel's TMPDIR is a directory of this test, left empty."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    nb, _ = execute(path, tmp_path, env={"MPLBACKEND": "Agg", "TMPDIR": str(scratch)})
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
    printed = "".join(o.get("text", "") for cell in nb.cells for o in cell.get("outputs", []))
    assert f"working directory 工作目录: {scratch}" in printed  # says where it works
    assert sorted(p.name for p in scratch.iterdir()) == []  # and cleans up after itself
    # The 2-minute budget is measured by notebooks/render.py (never a timed test: a loaded
    # machine would fail it); a cell that hangs still fails through nbclient's timeout.


def _render_module():  # type: ignore[no-untyped-def]
    """notebooks/render.py, a script, loaded as a module."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "notebooks" / "render.py"
    spec = importlib.util.spec_from_file_location("notebooks_render", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_image_in_git_is_made_by_render() -> None:
    """The figures in notebooks/images (the README shows them) are each a rendered figure
    that ``render.py --images`` refreshes (one documented command after a change that alters
    them; pixel equality with a fresh render is not asserted: fonts differ between machines)."""
    render = _render_module()
    root = Path(__file__).resolve().parents[2]
    kept = sorted(p.name for p in (root / "notebooks" / "images").glob("*.png"))
    assert kept == sorted(render.IMAGES)
    readme = (root / "README.md").read_text(encoding="utf-8")
    shown = {line.split("notebooks/images/")[1].split(")")[0] for line in readme.splitlines()
             if "](notebooks/images/" in line}  # fmt: skip
    assert shown and shown <= set(render.IMAGES)
    for rendered in render.IMAGES.values():
        stem, fig = rendered.removesuffix(".png").rsplit("-fig", 1)
        assert 1 <= int(fig) <= EXPECTED[f"{stem}.ipynb"]


def test_update_images_copies_only_what_changed(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    render = _render_module()
    out, images = tmp_path / "out", tmp_path / "images"
    out.mkdir()
    images.mkdir()
    for i, rendered in enumerate(render.IMAGES.values()):
        fig = Figure(figsize=(1, 1))
        fig.subplots().plot([0, 1], [0, i])
        fig.savefig(out / rendered, format="png", dpi=20)
    first, *rest = render.IMAGES
    (out / render.IMAGES[rest[-1]]).unlink()  # one figure not rendered
    assert render.update_images(out, images) == [
        f"{images / first}: updated from {render.IMAGES[first]}",
        f"{images / rest[0]}: updated from {render.IMAGES[rest[0]]}",
        f"{images / rest[1]}: not rendered ({render.IMAGES[rest[1]]}), left as it was",
    ]
    assert (images / first).read_bytes() == (out / render.IMAGES[first]).read_bytes()
    before = (images / first).stat().st_mtime_ns
    assert render.update_images(out, images)[0] == f"{images / first}: unchanged"
    assert (images / first).stat().st_mtime_ns == before  # same pixels: not rewritten

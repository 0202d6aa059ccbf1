"""notebooks/render.py: its command line, the figures it keeps in git, its working files.

The notebooks themselves are executed by test_notebooks.py; here ``execute`` and ``render``
are replaced where a test is about the script around them, so nothing runs a kernel.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

from tests.notebooks.helpers import FIGURES, CellFailedError, execute, notebook_paths, render_module


@pytest.fixture
def render() -> ModuleType:
    return render_module()


def _recording(
    render: ModuleType, monkeypatch: pytest.MonkeyPatch, seconds: float = 1.0
) -> list[str]:
    """Replace render.render by a stub that records the notebooks asked for."""
    asked: list[str] = []

    def stub(path: Path, out: Path) -> tuple[float, int]:
        asked.append(path.name)
        return seconds, 2

    monkeypatch.setattr(render, "render", stub)
    return asked


def test_help_lists_the_notebooks_and_renders_nothing(
    render: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = _recording(render, monkeypatch)
    with pytest.raises(SystemExit) as stop:
        render.main(["--help"])
    assert stop.value.code == 0
    shown = capsys.readouterr().out
    assert "--images" in shown
    assert all(p.name in shown.replace("\n", " ") for p in notebook_paths())
    assert asked == []


@pytest.mark.parametrize(
    "argv",
    [
        ["OUT", "4.0-missing.ipynb"],  # no such notebook
        ["OUT", "3.0-policy-what-if"],  # the name without .ipynb
        ["OUT", "--imgaes"],  # a mistyped option
        [],  # no output directory
    ],
)
def test_a_wrong_argument_is_refused_before_any_notebook_runs(
    argv: list[str],
    render: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Each of these used to render nothing (or everything) and exit 0 without a word."""
    asked = _recording(render, monkeypatch)
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    with pytest.raises(SystemExit) as stop:
        render.main(argv)
    assert stop.value.code == 2
    assert asked == []
    assert not (tmp_path / "out").exists()
    err = capsys.readouterr().err
    assert "usage: render.py" in err
    if argv[1:2] and argv[1].endswith(("ipynb", "what-if")):
        assert f"no such notebook: {argv[1]}" in err
        assert "3.0-policy-what-if.ipynb" in err  # the names to choose from


def test_named_notebooks_only_and_the_budget_noted(
    render: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    asked = _recording(render, monkeypatch, seconds=render.BUDGET_SECONDS + 5)
    assert render.main([str(tmp_path), "3.0-policy-what-if.ipynb"]) == 0
    assert asked == ["3.0-policy-what-if.ipynb"]
    out = capsys.readouterr().out
    assert "3.0-policy-what-if.ipynb: 125.0 s (over the 2-minute budget), 2 figures" in out

    asked = _recording(render, monkeypatch, seconds=30.0)
    assert render.main([str(tmp_path)]) == 0
    assert asked == sorted(FIGURES)
    assert "over the" not in capsys.readouterr().out


def test_output_inside_the_repository_is_refused(
    render: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = _recording(render, monkeypatch)
    assert render.main([str(render.ROOT / "rendered")]) == 2
    assert "outside the repository" in capsys.readouterr().err
    assert asked == []


def test_render_keeps_the_copy_and_figures_and_removes_its_working_directory(
    render: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from matplotlib.figure import Figure

    buf = io.BytesIO()
    Figure(figsize=(1, 1)).savefig(buf, format="png", dpi=20)
    png = base64.b64encode(buf.getvalue()).decode()
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = [nbformat.v4.new_output("display_data", {"image/png": png})]
    seen: list[Path] = []

    def execute(path: Path, workdir: Path) -> tuple[nbformat.NotebookNode, float]:
        seen.append(workdir)
        assert workdir.is_dir()
        (workdir / "kernel-ipc-1").write_text("")  # what a kernel leaves there
        return nbformat.v4.new_notebook(cells=[cell]), 1.5

    monkeypatch.setattr(render, "execute", execute)
    path = tmp_path / "x.ipynb"
    assert render.render(path, tmp_path / "out") == (1.5, 1)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["x-fig01.png", "x.ipynb"]
    assert seen and not seen[0].exists()


def test_every_image_in_git_is_made_by_render() -> None:
    """The figures in notebooks/images (the README shows them) are each a rendered figure
    that ``render.py --images`` refreshes (one documented command after a change that alters
    them; pixel equality with a fresh render is not asserted: fonts differ between machines)."""
    render = render_module()
    root = Path(__file__).resolve().parents[2]
    kept = sorted(p.name for p in (root / "notebooks" / "images").glob("*.png"))
    assert kept == sorted(render.IMAGES)
    readme = (root / "README.md").read_text(encoding="utf-8")
    shown = {line.split("notebooks/images/")[1].split(")")[0] for line in readme.splitlines()
             if "](notebooks/images/" in line}  # fmt: skip
    assert shown and shown <= set(render.IMAGES)
    for rendered in render.IMAGES.values():
        stem, fig = rendered.removesuffix(".png").rsplit("-fig", 1)
        assert 1 <= int(fig) <= FIGURES[f"{stem}.ipynb"]


def test_update_images_copies_only_what_changed(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    render = render_module()
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


def test_a_failing_notebook_is_one_line_and_the_others_still_render(
    render: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A cell that raised (VISIT_PLANNER_NB_COUNTY=Gaungnan) used to end render.py with a
    93-line traceback of nbclient's, kernel colours included, and the notebooks after it
    never ran; now one line, exit 1, the others rendered and --images left alone."""
    asked: list[str] = []

    def stub(path: Path, out: Path) -> tuple[float, int]:
        asked.append(path.name)
        if path.name.startswith("3.0"):
            raise CellFailedError(
                path.name, 1, "VisitPlannerError", "县无农户 (county Gaungnan: …)", ""
            )
        return 1.0, 2

    monkeypatch.setattr(render, "render", stub)
    monkeypatch.setattr(render, "update_images", lambda out: pytest.fail("images updated"))
    monkeypatch.setattr(render, "notebook_paths", lambda: [Path(n) for n in sorted(FIGURES)][::-1])
    assert render.main([str(tmp_path), "--images"]) == 1
    assert asked == sorted(FIGURES)[::-1]  # 3.0 first: the other two still rendered
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "3.0-policy-what-if.ipynb: cell 1 failed: VisitPlannerError: "
        "县无农户 (county Gaungnan: …) (nothing written for it)",
        "failed: 3.0-policy-what-if.ipynb",
    ]
    assert "2.0-retrain-and-compare.ipynb: 1.0 s, 2 figures" in captured.out


def test_execute_names_the_failing_cell_without_colours(tmp_path: Path) -> None:
    """A real kernel: the notebook's cell 2 raises; CellFailedError names it, one line, plain."""
    import nbformat

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# x"),
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("raise ValueError(f'county {x!r} 不在数据中')"),
            nbformat.v4.new_code_cell("y = 2"),
        ]
    )
    path = tmp_path / "failing.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(CellFailedError) as failed:
        execute(path, tmp_path)
    assert str(failed.value) == "failing.ipynb: cell 2 failed: ValueError: county 1 不在数据中"
    assert "\x1b[" not in failed.value.traceback and "ValueError" in failed.value.traceback

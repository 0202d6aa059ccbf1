"""Execute the notebooks top to bottom and keep rendered copies and their figures (PNG).

Writes outside git: each executed notebook and every figure it shows, as
``OUT/<notebook>.ipynb`` and ``OUT/<notebook>-figNN.png``. Uses the same runner as the test
suite (a fresh kernel of this interpreter, IPC sockets only). Parameters go through the
environment, e.g. ``VISIT_PLANNER_NB_SCALE=0.01``.

    .venv/bin/python notebooks/render.py /tmp/nb_render                # all three
    .venv/bin/python notebooks/render.py /tmp/nb_render 3.0-policy-what-if.ipynb
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from tests.notebooks.helpers import execute, notebook_paths  # noqa: E402


def render(path: Path, out: Path) -> tuple[float, int]:
    """Execute ``path``, save the executed copy and its PNG figures into ``out``."""
    work = out / f".{path.stem}-work"
    work.mkdir(parents=True, exist_ok=True)
    nb, seconds = execute(path, work)
    nbformat.write(nb, out / path.name)
    n = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                n += 1
                (out / f"{path.stem}-fig{n:02d}.png").write_bytes(base64.b64decode(png))
    return seconds, n


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    out = Path(argv[0]).resolve()
    if ROOT in out.parents or out == ROOT:
        print(f"{out}: write rendered notebooks outside the repository", file=sys.stderr)
        return 2
    wanted = set(argv[1:])
    for path in notebook_paths():
        if wanted and path.name not in wanted:
            continue
        seconds, figures = render(path, out)
        print(f"{path.name}: {seconds:.1f} s, {figures} figures -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

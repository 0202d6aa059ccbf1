"""Execute the notebooks top to bottom and keep rendered copies and their figures (PNG).

Writes outside git: each executed notebook and every figure it shows, as
``OUT/<notebook>.ipynb`` and ``OUT/<notebook>-figNN.png``. Uses the same runner as the test
suite (a fresh kernel of this interpreter, IPC sockets only). Parameters go through the
environment, e.g. ``VISIT_PLANNER_NB_SCALE=0.01``.

    .venv/bin/python notebooks/render.py /tmp/nb_render                # all three
    .venv/bin/python notebooks/render.py /tmp/nb_render 3.0-policy-what-if.ipynb
    .venv/bin/python notebooks/render.py /tmp/nb_render --images       # and the README's

A notebook whose cell fails is reported in one line on stderr (notebook, cell, error; e.g.
a ``VISIT_PLANNER_NB_COUNTY`` not in the data), nothing is written for it, the others still
render, and the exit status is 1 (``--images`` then changes nothing).

``--images`` also refreshes the figures kept in git for the READMEs, ``notebooks/images/``
(:data:`IMAGES`: which figure of which notebook), from this render of the default parameters:
an image is rewritten only where its pixels changed, and each is reported. Run it after a
change that alters those figures, then look at them before committing.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import sys
from pathlib import Path
from typing import Final

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from tests.notebooks.helpers import CellFailedError, execute, notebook_paths  # noqa: E402

IMAGE_DIR: Final = ROOT / "notebooks" / "images"
IMAGES: Final = {
    "tier1_cadence_tradeoff.png": "3.0-policy-what-if-fig01.png",
    "calibration_champion_challenger.png": "2.0-retrain-and-compare-fig02.png",
    "tier_shares_by_county.png": "1.0-explore-households-fig02.png",
}
"""The figures kept in ``notebooks/images/`` (the README shows them) and the rendered figure
each is a copy of."""
BUDGET_SECONDS: Final = 120.0
"""A notebook should run top to bottom within 2 minutes; a render says when one took longer
(measured here, never asserted by a test: a loaded machine would fail it)."""
PARAMETERS: Final = tuple(f"VISIT_PLANNER_NB_{p}" for p in ("SCALE", "SEED", "DATA", "COUNTY"))
"""The notebooks' parameters: ``--images`` refuses to run with any of them set."""


def render(path: Path, out: Path) -> tuple[float, int]:
    """Execute ``path``, save the executed copy and its PNG figures into ``out``. The kernel
    works in a hidden directory of ``out`` (its IPC sockets), removed afterwards."""
    work = out / f".{path.stem}-work"
    work.mkdir(parents=True, exist_ok=True)
    try:
        nb, seconds = execute(path, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    nbformat.write(nb, out / path.name)
    n = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                n += 1
                (out / f"{path.stem}-fig{n:02d}.png").write_bytes(base64.b64decode(png))
    return seconds, n


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if ROOT in path.parents else str(path)


def _same_pixels(a: Path, b: Path) -> bool:
    from matplotlib.image import imread

    x, y = imread(a), imread(b)
    return bool(x.shape == y.shape and (x == y).all())


def update_images(out: Path, image_dir: Path = IMAGE_DIR) -> list[str]:
    """Copy the rendered figures of :data:`IMAGES` from ``out`` into ``image_dir``
    (``notebooks/images/``) where their pixels differ; one line per image saying what
    happened."""
    lines = []
    for name, rendered in IMAGES.items():
        source, target = out / rendered, image_dir / name
        if not source.is_file():
            lines.append(f"{_shown(target)}: not rendered ({rendered}), left as it was")
        elif target.is_file() and _same_pixels(source, target):
            lines.append(f"{_shown(target)}: unchanged")
        else:
            shutil.copyfile(source, target)
            lines.append(f"{_shown(target)}: updated from {rendered}")
    return lines


def _arguments(argv: list[str]) -> argparse.Namespace:
    """The command line, parsed by argparse (``--help``, a mistyped option or a notebook name
    that is not one of ``notebooks/`` is refused with exit 2, before any notebook runs)."""
    names = [p.name for p in notebook_paths()]
    parser = argparse.ArgumentParser(
        prog="render.py",
        description=(__doc__ or "").split("\n\n")[0],
        epilog="notebooks: " + ", ".join(names),
    )
    parser.add_argument("out", type=Path, help="directory for the executed copies and figures")
    parser.add_argument(
        "notebooks",
        nargs="*",
        default=[],
        metavar="NOTEBOOK",
        help="only these notebooks (default: all)",
    )
    parser.add_argument(
        "--images", action="store_true", help="also refresh notebooks/images/ from this render"
    )
    args = parser.parse_args(argv)
    if unknown := [n for n in args.notebooks if n not in names]:
        parser.error(f"no such notebook: {', '.join(unknown)} (choose from {', '.join(names)})")
    return args


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    out = args.out.resolve()
    if ROOT in out.parents or out == ROOT:
        print(f"{out}: write rendered notebooks outside the repository", file=sys.stderr)
        return 2
    if args.images and (given := [p for p in PARAMETERS if os.environ.get(p)]):
        unset = ", ".join(given)
        print(f"--images: the README's figures are of the defaults; unset {unset}", file=sys.stderr)
        return 2
    failed = []
    for path in notebook_paths():
        if args.notebooks and path.name not in args.notebooks:
            continue
        try:
            seconds, figures = render(path, out)
        except CellFailedError as err:  # one line, no traceback; nothing written for it
            failed.append(path.name)
            print(f"{err} (nothing written for it)", file=sys.stderr)
            continue
        over = " (over the 2-minute budget)" if seconds > BUDGET_SECONDS else ""
        print(f"{path.name}: {seconds:.1f} s{over}, {figures} figures -> {out}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    if args.images:
        print("\n".join(update_images(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

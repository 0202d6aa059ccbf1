"""Shared helpers of the visit_planner tests: a prefecture's inputs as files, and one
``assign`` run of them through the library (as the CLI does)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from visit_planner.plan_files import PlanPaths
from visit_planner.synthetic.scores import truth_scores

INPUT_TABLES = ("households", "workers", "previous_assignment", "conflicts")


def write_inputs(
    prefecture: object, directory: Path, *, places: bool = False, model_version: str | None = None
) -> Path:
    """The prefecture's input tables and truth-based scores as Parquet files in ``directory``
    (``places.parquet`` too when asked; scores tagged with ``model_version`` when given)."""
    for name in (*INPUT_TABLES, "places") if places else INPUT_TABLES:
        getattr(prefecture, name).write_parquet(directory / f"{name}.parquet")
    scores = truth_scores(prefecture)  # type: ignore[arg-type]
    if model_version is not None:
        scores = scores.with_columns(pl.lit(model_version).alias("model_version"))
    scores.write_parquet(directory / "scores.parquet")
    return directory


def plan_paths(d: Path) -> PlanPaths:
    """The input files of :func:`write_inputs` as ``assign`` takes them."""
    return PlanPaths(
        d / "scores.parquet",
        d / "households.parquet",
        d / "workers.parquet",
        d / "previous_assignment.parquet",
        d / "conflicts.parquet",
    )


def assign_run(inputs: Path, out: Path) -> Path:
    """One ``assign`` run of the files in ``inputs`` into the run directory ``out``."""
    from visit_planner.assign_job import run_assign

    run_assign(plan_paths(inputs), None, out, processes=1)
    return out


def too_wide(text: str, width: int = 80) -> list[str]:
    """The lines of ``text`` wider than ``width`` terminal columns (a CJK character counts 2)."""
    from rich.cells import cell_len

    return [line for line in text.splitlines() if cell_len(line) > width]


def flat(text: str) -> str:
    """``text`` with every run of whitespace (line breaks and the indents of wrapped lines
    included) as one space: what a message says, whatever the width it was wrapped at."""
    return " ".join(text.split())


def numbers_cut_from_their_measure_word(text: str) -> list[tuple[str, str]]:
    """Pairs of consecutive lines of ``text`` where a line ends with a number and the next
    one starts with a Chinese character (``全部 8`` / ``户未覆盖``): the number parted from its
    measure word by a line break."""
    from itertools import pairwise

    from rich.cells import cell_len

    lines = [line.strip() for line in text.splitlines()]
    return [(a, b) for a, b in pairwise(lines) if a[-1:].isdigit() and b and cell_len(b[0]) == 2]

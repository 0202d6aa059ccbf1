"""Shared helpers of the visit_planner tests: a prefecture's inputs as files (whole, or cut to
a few short-staffed townships), and one ``assign`` run of them through the library (as the CLI
does); a workspace with a champion model and two months of data, and one ``plan`` run of a
month through the library."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
import pytest

from visit_planner.plan_files import PlanPaths
from visit_planner.synthetic.scores import truth_scores

INPUT_TABLES = ("households", "workers", "previous_assignment", "conflicts")

M1, M2 = "2026-11", "2026-12"  # the months of :func:`two_months`


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


def short_staffed(prefecture, staff: dict[str, dict[str, int]]):  # type: ignore[no-untyped-def]
    """The prefecture cut to the townships of ``staff``, each keeping the first ``n`` workers
    of the roles it names (all of the others)."""
    keep = list(staff)
    workers = pl.concat(
        group.sort("worker_id").head(staff[tw].get(role, group.height))
        for (tw, role), group in prefecture.workers.filter(pl.col("township_id").is_in(keep))
        .group_by("township_id", "role", maintain_order=True)
    )  # fmt: skip
    households = prefecture.households.filter(pl.col("township_id").is_in(keep))
    ids = households["household_id"].implode()
    return replace(
        prefecture,
        households=households,
        workers=workers,
        previous_assignment=prefecture.previous_assignment.filter(
            pl.col("household_id").is_in(ids)
        ),
        conflicts=prefecture.conflicts.filter(
            pl.col("household_id").is_in(ids)
            & pl.col("worker_id").is_in(workers["worker_id"].implode())
        ),
        truth=prefecture.truth.filter(pl.col("household_id").is_in(ids)),
    )


def short_staffed_run(prefecture, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """A run of three townships of three counties: 532624001 with one worker of the lower
    roles and no cadre (tier-1, 2 and 3 households unassigned), 532601001 with three grid
    workers (tier 3 only), 532623001 fully staffed (none): the export tests' run."""
    pref = short_staffed(
        prefecture,
        {
            "532601001": {"grid_worker": 3},
            "532623001": {},
            "532624001": {"cadre": 0, "village_official": 1, "grid_worker": 1},
        },
    )
    d = write_inputs(pref, tmp_path_factory.mktemp("short_inputs"), places=True)
    return assign_run(d, tmp_path_factory.mktemp("short_run") / "run")


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


@dataclass(frozen=True)
class Months:
    """A workspace with a champion model, and two months of input data."""

    home: Path
    m1: Path
    m2: Path


_TWO_MONTHS: dict[str, Path] = {}
"""The root of the workspace :func:`two_months` built once in this test process (an xdist
worker), which each call copies."""


def two_months(tmp_path_factory: pytest.TempPathFactory) -> Months:
    """A workspace with model 1 the champion (trained on :data:`M1`), and the data of
    :data:`M1` and of :data:`M2` (the month after it), for a module's ``months`` fixture:
    each call its own copy of one built once per test process (it was generated and trained
    again in every module that used it). The copy's MLflow records the first one's artifact
    locations, which the registry reads while they exist and never writes into (a model
    trained in a copy starts an experiment in the copy's own directory:
    ``risk_model.tracking``)."""
    import shutil

    built = _TWO_MONTHS.get("root")
    if built is None:
        built = _TWO_MONTHS["root"] = _built_two_months(tmp_path_factory.mktemp("cycle_built"))
    root = tmp_path_factory.mktemp("cycle")
    shutil.copytree(built, root, dirs_exist_ok=True, symlinks=True)
    return Months(root / "workspace", root / M1, root / M2)


def _built_two_months(root: Path) -> Path:
    """:func:`two_months`'s workspace and months, built in ``root``."""
    from risk_model import TrainConfig
    from visit_planner.risk_job import promote_version, train_from_file
    from visit_planner.synthetic import generate, write_prefecture
    from visit_planner.synthetic.next_month import next_month, read_month, write_month

    m1, m2, home = root / M1, root / M2, root / "workspace"
    write_prefecture(generate(scale=0.003, seed=2), m1)
    data = next_month(read_month(m1), seed=5)
    write_month(data.tables(), data.info, m2)
    train_from_file(m1, home=home, config=TrainConfig(params={"max_iter": 30}))
    promote_version(1, m1, home=home)
    return root


def plan(months: Months, url: str, month: str, data: Path, **kw: object) -> object:
    """One ``plan`` run of ``month`` from ``data`` in the workspace of ``months`` (its
    outcome; ``kw``: more fields of the request, e.g. ``amend_townships``)."""
    from visit_planner.plan_job import run_plan
    from visit_planner.plan_steps import PlanRequest

    req = PlanRequest(month=month, data=data, home=months.home, store_url=url, processes=1, **kw)  # type: ignore[arg-type]
    return run_plan(req)


BOX_DRAWING = "╭╮╰╯│─┌┐└┘├┤┬┴┼═║┏┓┗┛┃━┳┻╋┡┩╇╈┣┫"
"""Characters of Rich's panels, tables and progress bars: none in output that is not shown on
a terminal (a file, a pipe), where they read as noise."""


def too_wide(text: str, width: int = 80) -> list[str]:
    """The lines of ``text`` wider than ``width`` terminal columns (a CJK character counts 2),
    but a line that is one word after its indent: a path or id wider than the line stays whole
    (``summary_text.print_hanging``, ``print_wrapped``), since a path cut in two cannot be
    copied, and no wrapping could make it fit."""
    from rich.cells import cell_len

    return [line for line in text.splitlines() if cell_len(line) > width and len(line.split()) > 1]


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


def resealed(run: Path, *rels: str) -> None:
    """Record in ``run``'s manifest the hashes of its files ``rels`` as they now are (of
    ``policy.toml``: its ``policy_sha256``), as a run written with them would: a test that
    makes a run of another shape by editing a published one's files (the reader refuses a
    file whose hash is not the manifest's)."""
    import json

    from visit_planner.hashing import file_sha256, text_sha256

    path = run / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    for rel in rels:
        if rel == "policy.toml":
            manifest["policy_sha256"] = text_sha256((run / rel).read_text("utf-8"))
        else:
            manifest["files"][rel] = file_sha256(run / rel)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False), "utf-8")

"""Writing a run: one writer interface, today's directory writer behind ``assign --out``.

Layout of a run directory (every Parquet file hashed in ``manifest.json``)::

    manifest.json            identity, provenance, metrics, file hashes (RunManifest)
    policy.toml              the policy text the plan was made with
    plan.parquet             the whole plan (the plan contract, for users' own tools)
    diagnostics.parquet      one row per township
    explanations.parquet     one row per household
    worker_loads.parquet     one row per worker
    scores.parquet           one row per household (a monthly plan, its amendments, what-ifs)
    households_index.parquet household_id -> township_id, sorted (one household's township)
    places.parquet           the place names of the inputs (only when they had a places table)
    townships/<id>/          the same frames for one township (TOWNSHIP_FRAMES; its diagnostics
                             are its row of diagnostics.parquet), summary.json (the dashboard's
                             figures, :mod:`visit_planner.runs.summary`) and, in inputs/, the
                             inputs it was solved from: households (contract columns but the
                             audit-only ones, tier, risk), workers, previous, conflicts,
                             pins, forbids

Partitions by township let a reader answer a question about one household from one township's
files, and let a later amendment replace one township while the others stay byte-identical.
Every file is written under a staging directory first and moved into place only when all of
them are written, so a failure leaves no partial set behind.

A run keeps no column it does not need: the households' audit-only columns
(``head_ethnicity``, ``head_gender``; :data:`NOT_STORED`) are left out of its stored inputs by
:func:`stored_input`, the one place both writers (this one and
:class:`~visit_planner.runs.staged.StagedRun`) pass them through. No planning, check,
explanation or what-if reads them, and a run is kept for years (docs/privacy.md).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from visit_planner import __version__
from visit_planner.actor import current_actor
from visit_planner.contracts.columns import AUDIT_ONLY
from visit_planner.errors import PlanFileError
from visit_planner.runs.manifest import (
    MANIFEST,
    RunManifest,
    file_sha256,
    plan_sha256,
    text_sha256,
)
from visit_planner.runs.summary import SUMMARY, summarise_township

FRAMES = ("plan", "diagnostics", "explanations", "worker_loads")
"""The whole-run frames, written as ``NAME.parquet`` at the top of the run directory."""

TOWNSHIP_FRAMES = ("plan", "explanations", "worker_loads", "scores")
"""Frames also written per township (by their ``township_id``, or their households')."""

INPUT_FRAMES = ("households", "workers", "previous", "conflicts", "pins", "forbids")
"""Inputs stored per township, so that a reader can rebuild one township's problem."""

NOT_STORED = AUDIT_ONLY
"""Input columns a run never keeps: the households' audit-only ethnicity and gender. The
fairness audit reads them from the data directory at training time (and logs aggregates
only); a run's copy of them per household, kept for years, would serve no reader."""


def stored_input(frame: pl.DataFrame) -> pl.DataFrame:
    """An input frame as a run stores it: without the :data:`NOT_STORED` columns."""
    return frame.drop(NOT_STORED, strict=False)


@dataclass(frozen=True)
class Provenance:
    """Where a run came from: the policy text, the input files, the model, the month."""

    policy_text: str
    input_files: Mapping[str, Path | None] = field(default_factory=dict)
    # name -> {"content": fingerprint of the table as read, "rows": n} (contracts.plan_tables)
    input_fingerprints: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    model_version: str | None = None
    month: str | None = None
    created_by: str | None = None
    previous_run_id: str | None = None  # the run whose plan was the previous assignment
    parent_run_id: str | None = None  # an amendment's: the run it amends ...
    parent_plan_sha256: str | None = None  # ... and that run's plan hash
    amended_townships: tuple[str, ...] | None = None  # ... and the townships it re-solved


@dataclass(frozen=True)
class RunContent:
    """Everything a run holds, as frames: outputs, inputs (by name) and provenance.

    ``inputs`` maps the names of :data:`INPUT_FRAMES` to frames (or None where not given);
    ``households`` must carry ``township_id``, ``tier`` and ``risk``. The optional frames are
    cut by household, ``workers`` by its own ``township_id``.
    """

    plan: pl.DataFrame
    diagnostics: pl.DataFrame
    explanations: pl.DataFrame
    worker_loads: pl.DataFrame
    inputs: Mapping[str, pl.DataFrame | None]
    provenance: Provenance
    metrics: Mapping[str, Any] = field(default_factory=dict)
    scores: pl.DataFrame | None = None  # the risk model's scores (probabilities, reasons)
    reuse: Path | None = None  # a run directory whose township folders are copied ...
    reuse_townships: frozenset[str] = frozenset()  # ... for these townships, byte for byte


PLACES_FILE = "places.parquet"
"""The place names of the run's inputs (the optional places table), when there were any."""


def run_places(content: RunContent) -> pl.DataFrame | None:
    """The place names to keep with a run: the places table beside its households input file
    (checked like every contract table), else those of the run it reuses townships from."""
    from visit_planner.contracts.places import read_places_beside

    households = content.provenance.input_files.get("households")
    if households is not None:
        return read_places_beside(Path(households))
    if content.reuse is not None and (content.reuse / PLACES_FILE).is_file():
        return pl.read_parquet(content.reuse / PLACES_FILE)
    return None


class RunWriter(Protocol):  # one implementation today; the store's publisher wraps it
    """Publishes a run somewhere (a directory today; the store later) and returns its manifest."""

    def write(self, content: RunContent) -> RunManifest:
        """Write ``content`` all or nothing."""
        ...


def _township_parts(
    frame: pl.DataFrame | None,
    township_of: pl.DataFrame,
    only: Collection[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """Rows per township: by the frame's own ``township_id``, else through its households.

    With ``only``, the parts of those townships alone (the same rows in the same order as
    without it): an amendment copies the other townships' files, so cutting every frame of a
    million households by township would be work thrown away."""
    if frame is None:
        return {}
    if "township_id" not in frame.columns:
        if only is not None:  # the households of those townships first: a smaller join
            township_of = township_of.filter(pl.col("township_id").cast(pl.String).is_in(only))
            ids = township_of["household_id"].implode()
            frame = frame.filter(pl.col("household_id").is_in(ids))
        frame = frame.join(township_of, on="household_id", how="inner", maintain_order="left")
        parts = frame.partition_by("township_id", as_dict=True, include_key=False)
    else:
        if only is not None:
            frame = frame.filter(pl.col("township_id").cast(pl.String).is_in(only))
        parts = frame.partition_by("township_id", as_dict=True)
    return {str(k[0]): v for k, v in parts.items()}


def new_manifest(
    prov: Provenance,
    plan_hashes: Mapping[str, str],
    metrics: Mapping[str, Any],
    files: Mapping[str, str],
) -> RunManifest:
    """A new run's manifest: a fresh id, who and what made it (``prov``), the plan's hash
    from the townships' plan hashes, the metrics and every file's hash."""
    return RunManifest(
        run_id=uuid.uuid4().hex,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        created_by=current_actor(prov.created_by),
        code_version=__version__,
        policy_sha256=text_sha256(prov.policy_text),
        plan_sha256=plan_sha256(dict(plan_hashes)),
        month=prov.month,
        model_version=prov.model_version,
        previous_run_id=prov.previous_run_id,
        parent_run_id=prov.parent_run_id,
        parent_plan_sha256=prov.parent_plan_sha256,
        amended_townships=(
            None if prov.amended_townships is None else sorted(prov.amended_townships)
        ),
        inputs={
            name: {
                # Absolute: a path as typed (``ws/data/households.parquet``) names nothing
                # once read from another directory (runs show, check-plan).
                "path": str(Path(path).absolute()),
                "sha256": file_sha256(path),
                **prov.input_fingerprints.get(name, {}),
            }
            for name, path in prov.input_files.items()
            if path is not None
        },
        metrics=dict(metrics),
        files=dict(sorted(files.items())),
    )


class DirectoryRunWriter:
    """Writes a run as a directory (the layout in the module docstring)."""

    def __init__(self, out: Path, *, replace_all: bool = False) -> None:
        self.out = out
        self.replace_all = replace_all  # also remove entries of ``out`` the new run lacks

    def write(self, content: RunContent) -> RunManifest:
        """Write every file under a staging directory, hash it, then move it into place."""
        self.out.mkdir(parents=True, exist_ok=True)
        stage = self.out / f".staging-{uuid.uuid4().hex}"
        stage.mkdir()
        try:
            manifest = self._write_staged(stage, content)
            self._move_into_place(stage)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        return manifest

    def _write_staged(self, stage: Path, content: RunContent) -> RunManifest:
        files: dict[str, str] = {}

        def put(frame: pl.DataFrame, rel: str) -> None:
            path = stage / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.write_parquet(path)
            files[rel] = file_sha256(path)

        frames = {
            "plan": content.plan,
            "diagnostics": content.diagnostics,
            "explanations": content.explanations,
            "worker_loads": content.worker_loads,
        }
        if content.scores is not None:
            frames["scores"] = content.scores
        for name, frame in frames.items():
            put(frame, f"{name}.parquet")
        index = content.plan.select("household_id", "township_id").sort("household_id")
        put(index, "households_index.parquet")
        places = run_places(content)
        if places is not None:  # the place names, so that readers of the run can name places
            put(places, PLACES_FILE)
        township_of = index
        townships = sorted(content.plan["township_id"].unique().to_list())
        reused = _reused_files(content)
        carried = set(content.reuse_townships) if content.reuse is not None else set()
        # Townships cut from the frames: those written here, and carried ones without a summary
        # (a run written before summaries: theirs is made from the frames); None: all of them.
        cut = (
            [t for t in townships if t not in carried or f"townships/{t}/{SUMMARY}" not in reused]
            if carried
            else None
        )
        by_frame = {
            name: _township_parts(frames[name], township_of, cut)
            for name in TOWNSHIP_FRAMES
            if name in frames
        }
        inputs = {
            name: None if (got := content.inputs.get(name)) is None else stored_input(got)
            for name in INPUT_FRAMES
        }
        by_input = {name: _township_parts(inputs[name], township_of, cut) for name in INPUT_FRAMES}
        plan_hashes: dict[str, str] = {}

        def put_summary(tw: str) -> None:  # the dashboard's aggregates (runs/summary.py)
            diag = content.diagnostics.filter(pl.col("township_id") == tw)
            summary = summarise_township(
                tw,
                by_frame["plan"].get(tw, content.plan.clear()),
                by_frame["worker_loads"].get(tw, content.worker_loads.clear()),
                diag.row(0, named=True) if diag.height else {},
                [by_input["households"].get(tw), by_input["workers"].get(tw)],
            )
            rel = f"townships/{tw}/{SUMMARY}"
            (stage / rel).write_text(summary.to_json(), "utf-8")
            files[rel] = file_sha256(stage / rel)

        for tw in townships:
            if tw in content.reuse_townships and content.reuse is not None:
                prefix = f"townships/{tw}/"
                for rel, digest in reused.items():
                    if rel.startswith(prefix):
                        target = stage / rel
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(content.reuse / rel, target)
                        files[rel] = digest
                plan_hashes[tw] = files[f"{prefix}plan.parquet"]
                if f"{prefix}{SUMMARY}" not in files:  # a run written before summaries
                    put_summary(tw)
                continue
            for name, parts in by_frame.items():
                part = parts.get(tw, frames[name].clear())
                put(part, f"townships/{tw}/{name}.parquet")
            plan_hashes[tw] = files[f"townships/{tw}/plan.parquet"]
            for name in INPUT_FRAMES:
                given = inputs[name]
                if given is not None:  # absent inputs stay absent (None when read back)
                    part = by_input[name].get(tw, given.clear())
                    put(part, f"townships/{tw}/inputs/{name}.parquet")
            put_summary(tw)
        prov = content.provenance
        (stage / "policy.toml").write_text(prov.policy_text, "utf-8")
        manifest = new_manifest(prov, plan_hashes, content.metrics, files)
        (stage / MANIFEST).write_text(manifest.to_json(), "utf-8")
        return manifest

    def _move_into_place(self, stage: Path) -> None:
        """Replace the run's entries in ``out`` by the staged ones; the manifest goes last, so
        a directory with a manifest always has every file the manifest names."""
        old_manifest = self.out / MANIFEST
        old_manifest.unlink(missing_ok=True)
        entries = sorted(p.name for p in stage.iterdir() if p.name != MANIFEST)
        if self.replace_all:  # only now that every new file is written
            for old in self.out.iterdir():
                if old != stage and old.name not in entries:
                    if old.is_dir() and not old.is_symlink():
                        shutil.rmtree(old)
                    else:
                        old.unlink()
        for name in entries:
            target = self.out / name
            if target.is_dir():
                shutil.rmtree(target)
            (stage / name).replace(target)
        (stage / MANIFEST).replace(old_manifest)


def _reused_files(content: RunContent) -> dict[str, str]:
    """Files (and hashes) of the run being reused, checked against its manifest first."""
    if content.reuse is None:
        return {}
    return carried_files(content.reuse, content.reuse_townships)


CHANGED_SHOWN = 3
"""Changed files named in :func:`carried_files`'s refusal before ``… (+N)``."""


def carried_files(run_dir: Path, townships: Collection[str]) -> dict[str, str]:
    """Every file (and hash) of the published run ``run_dir`` as its manifest records them,
    after checking the files of ``townships``, which an amendment carries over byte for byte:
    a PlanFileError naming the run, the changed or missing files and what to do when any
    differs. ``plan --amend`` checks them before its work too: found only when the run was
    written, after the re-solve, the refusal left a staging directory behind."""
    base = RunManifest.read(run_dir)
    prefixes = tuple(f"townships/{tw}/" for tw in townships)
    changed = [
        rel
        for rel, digest in base.files.items()
        if rel.startswith(prefixes)
        and (not (run_dir / rel).is_file() or file_sha256(run_dir / rel) != digest)
    ]
    if changed:
        shown = ", ".join(changed[:CHANGED_SHOWN]) + (
            f", … (+{len(changed) - CHANGED_SHOWN})" if len(changed) > CHANGED_SHOWN else ""
        )
        run = f"{base.run_id[:12]}" + (f" ({base.month})" if base.month else "")
        show = f"`visit-planner runs show {base.run_id[:12]}`"
        raise PlanFileError(
            f"{run_dir}: 方案 {run} 发布后文件被改动或缺失, 不能沿用到修订方案: {shown}; "
            f"{show} 列出改动的文件, 请回滚到完好的版本或重新编制本月方案 (files of run {run} "
            f"changed or missing since it was published, which an amendment would carry "
            f"over: {shown}; {show} lists the changed files; roll back to an intact version "
            "or plan the month again)"
        )
    return dict(base.files)

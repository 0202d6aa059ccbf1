"""Writing a run one township at a time, in the layout of :mod:`visit_planner.runs.writer`.

:class:`~visit_planner.runs.writer.DirectoryRunWriter` takes the whole run as frames. ``plan``
makes a month township by township and never holds the whole month, so it writes with a
:class:`StagedRun` instead: each township's files (plan, explanations, worker loads, scores,
the inputs it was solved from, less their audit-only columns, the dashboard's summary) are
written into a staging directory as soon as the township is done, and
:meth:`StagedRun.finish` then writes the run-wide files from the township files - streamed
(``scan_parquet`` of the township files, ``sink_parquet``), not read into memory - and the
manifest with every file's hash. The directory is the same
run as the directory writer's, file for file: the township files byte for byte for the same
frames (hence the same ``plan_sha256``), the run-wide files with the same rows in the same
order. The caller moves the staging directory into place (all or nothing).

Run-wide files are in ``household_id`` order (``plan``, ``explanations``, ``scores``,
``households_index``). When the township files, taken in township order, are each sorted and
follow each other (the generator's households, and any data numbered by township), they are
concatenated as they stream; otherwise the streaming engine sorts them.
"""

from __future__ import annotations

import itertools
import re
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from visit_planner.runs.manifest import (
    MANIFEST,
    RunManifest,
    file_sha256,
)
from visit_planner.runs.summary import SUMMARY, summarise_township
from visit_planner.runs.writer import (
    INPUT_FRAMES,
    PLACES_FILE,
    TOWNSHIP_FRAMES,
    Provenance,
    new_manifest,
    stored_input,
)

KEYED = ("plan", "explanations", "scores")
"""Run-wide files keyed by household (in ``household_id`` order); worker loads and
diagnostics are small (one row per worker, per township) and written whole."""


class StagedRun:
    """A run under construction in ``stage`` (a directory of its own, created here)."""

    def __init__(self, stage: Path) -> None:
        self.stage = stage
        stage.mkdir(parents=True)
        self.files: dict[str, str] = {}
        self.plan_hashes: dict[str, str] = {}
        self.townships: list[str] = []
        self._ranges: dict[str, dict[str, tuple[str, str, bool]]] = {n: {} for n in KEYED}

    def _put(self, frame: pl.DataFrame, rel: str) -> None:
        path = self.stage / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path)
        self.files[rel] = file_sha256(path)

    def add_township(
        self,
        township_id: str,
        frames: Mapping[str, pl.DataFrame | None],
        inputs: Mapping[str, pl.DataFrame | None],
        diagnostics: Mapping[str, Any],
    ) -> None:
        """Write one township's frames (names of ``TOWNSHIP_FRAMES``; ``scores`` may be None),
        its inputs (names of ``INPUT_FRAMES``; None: the run has no such input) and its
        summary. Townships may come in any order, each once."""
        tw = township_id
        for name in TOWNSHIP_FRAMES:
            frame = frames.get(name)
            if frame is None:
                continue
            self._put(frame, f"townships/{tw}/{name}.parquet")
            if name in KEYED and frame.height:
                ids = frame["household_id"]
                self._ranges[name][tw] = (str(ids[0]), str(ids[-1]), ids.is_sorted())
        self.plan_hashes[tw] = self.files[f"townships/{tw}/plan.parquet"]
        for name in INPUT_FRAMES:
            given = inputs.get(name)
            if given is not None:  # without the audit-only columns (runs.writer.NOT_STORED)
                self._put(stored_input(given), f"townships/{tw}/inputs/{name}.parquet")
        summary = summarise_township(
            tw,
            frames["plan"],  # type: ignore[arg-type]
            frames["worker_loads"],  # type: ignore[arg-type]
            dict(diagnostics),
            [inputs.get("households"), inputs.get("workers")],
        )
        rel = f"townships/{tw}/{SUMMARY}"
        (self.stage / rel).write_text(summary.to_json(), "utf-8")
        self.files[rel] = file_sha256(self.stage / rel)
        self.townships.append(tw)

    def in_order(self, name: str) -> bool:
        """Whether ``name``'s township files, in township order, are already in id order."""
        ranges = [self._ranges[name][tw] for tw in sorted(self._ranges[name])]
        return all(r[2] for r in ranges) and all(a[1] < b[0] for a, b in itertools.pairwise(ranges))

    def _whole(self, name: str, rel: str, columns: list[str] | None = None) -> None:
        """The run-wide file ``rel`` from the township files of ``name``, streamed."""
        parts = [self.stage / f"townships/{tw}/{name}.parquet" for tw in sorted(self.townships)]
        parts = [p for p in parts if p.is_file()]
        if not parts:
            return
        frame = pl.scan_parquet(parts)
        if columns is not None:
            frame = frame.select(columns)
        if not self.in_order(name):
            frame = frame.sort("household_id", maintain_order=True)
        frame.sink_parquet(self.stage / rel)
        self.files[rel] = file_sha256(self.stage / rel)

    def finish(
        self,
        *,
        diagnostics: pl.DataFrame,
        worker_loads: pl.DataFrame,
        provenance: Provenance,
        metrics: Mapping[str, Any],
        places: pl.DataFrame | None,
    ) -> RunManifest:
        """Write the run-wide files, the policy and the manifest (last)."""
        for name in KEYED:
            if self._ranges[name] or name == "plan":
                self._whole(name, f"{name}.parquet")
        self._put(diagnostics, "diagnostics.parquet")
        self._put(worker_loads, "worker_loads.parquet")
        self._whole("plan", "households_index.parquet", ["household_id", "township_id"])
        if places is not None:
            self._put(places, PLACES_FILE)
        (self.stage / "policy.toml").write_text(provenance.policy_text, "utf-8")
        manifest = new_manifest(provenance, self.plan_hashes, metrics, self.files)
        (self.stage / MANIFEST).write_text(manifest.to_json(), "utf-8")
        return manifest


def staging_dir(parent: Path) -> Path:
    """A new staging directory name under ``parent`` (not created)."""
    return parent / f".staging-{uuid.uuid4().hex}"


_STAGING = re.compile(r"^\.staging-[0-9a-f]{32}(-work)?$")
"""The names :func:`staging_dir` gives (and ``plan``'s work directory beside one)."""


def remove_stale_staging(parent: Path) -> tuple[list[str], int]:
    """Remove the staging and work directories left in ``parent`` by runs that were killed
    before they finished (a ``SIGKILL`` runs no clean-up); returns their names and bytes.

    Only for a caller that holds the month's lock: then no other process is writing a run
    under ``parent``, so every staging directory there belongs to a dead run.
    """
    if not parent.is_dir():
        return [], 0
    names, size = [], 0
    for entry in sorted(parent.iterdir()):
        if not _STAGING.match(entry.name) or not entry.is_dir() or entry.is_symlink():
            continue
        size += sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
        shutil.rmtree(entry, ignore_errors=True)
        names.append(entry.name)
    return names, size

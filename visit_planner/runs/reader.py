"""Reading a run back, one township or one household at a time.

``explain``, ``check-plan`` and the dashboard ask about one household or one township; the
reader answers from that township's files (a few thousand rows) and the run's own recorded
policy, never re-reading and re-validating the whole prefecture's inputs.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from assignment.alternatives import alternatives
from assignment.candidates import build_candidates
from assignment.domain import AssignmentSettings, PlanInputs
from visit_planner.contracts.places import remember_places
from visit_planner.errors import PlanFileError
from visit_planner.policy import Policy, parse_policy, settings_from_policy
from visit_planner.runs.manifest import RunManifest, file_sha256
from visit_planner.runs.writer import INPUT_FRAMES, PLACES_FILE

PREVIOUS_THIS_MONTH = "previous_this_month"
"""Key of :meth:`RunReader.explanation`: the household's previous worker is that of an earlier
version of the run's month (an amendment re-solved its township from the month's run)."""


class RunReader:
    """Read access to a run directory written by :class:`~visit_planner.runs.DirectoryRunWriter`.

    >>> run = RunReader(Path("out"))            # doctest: +SKIP
    >>> run.explanation("H0000001")["reason_en"]  # doctest: +SKIP
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest = RunManifest.read(root)
        self._township_of: dict[str, str] = {}  # a run never changes: looked up once each
        remember_places(self.places())  # so that every text about this run names its places

    def places(self) -> pl.DataFrame | None:
        """The place names stored with the run (None: its inputs had none)."""
        path = self.root / PLACES_FILE
        return pl.read_parquet(path) if path.is_file() else None

    # ------------------------------------------------------------------ run-wide

    @cached_property
    def policy(self) -> Policy:
        """The policy the run was made with (its stored text)."""
        return parse_policy((self.root / "policy.toml").read_text("utf-8"), "run policy.toml")

    @cached_property
    def settings(self) -> AssignmentSettings:
        """The assignment settings of the run's policy."""
        return settings_from_policy(self.policy)

    def diagnostics(self) -> pl.DataFrame:
        """One row per township."""
        return self._read("diagnostics.parquet")

    def townships(self) -> list[str]:
        """The run's township ids, sorted."""
        return sorted(self.diagnostics()["township_id"].to_list())

    def township_of(self, household_id: str) -> str:
        """The township of ``household_id``; a clear error when it is not in the run."""
        if household_id in self._township_of:
            return self._township_of[household_id]
        found = (
            pl.scan_parquet(self.root / "households_index.parquet")
            .filter(pl.col("household_id") == household_id)
            .select("township_id")
            .collect()
        )
        if found.height == 0:
            raise PlanFileError(
                f"{self.root}: 农户不在方案中 (household {household_id!r} is not in this run)"
            )
        self._township_of[household_id] = str(found.item(0, 0))
        return self._township_of[household_id]

    def verify(self) -> list[str]:
        """Files whose content no longer matches the manifest's hash (or that are missing)."""
        bad = []
        for rel, digest in self.manifest.files.items():
            path = self.root / rel
            if not path.is_file() or file_sha256(path) != digest:
                bad.append(rel)
        return bad

    # ------------------------------------------------------------------ one township

    def plan(self, township_id: str) -> pl.DataFrame:
        """The plan rows of one township."""
        return self._township(township_id, "plan.parquet")

    def explanations(self, township_id: str) -> pl.DataFrame:
        """The household explanations of one township."""
        return self._township(township_id, "explanations.parquet")

    def worker_loads(self, township_id: str) -> pl.DataFrame:
        """The worker loads of one township."""
        return self._township(township_id, "worker_loads.parquet")

    def scores(self, township_id: str) -> pl.DataFrame | None:
        """The risk scores of one township's households (None for runs made from a scores file
        without them: ``assign``)."""
        path = self.root / "townships" / township_id / "scores.parquet"
        return pl.read_parquet(path) if path.is_file() else None

    def inputs(self, township_id: str) -> dict[str, pl.DataFrame | None]:
        """The inputs one township was solved from (None where the run had none)."""
        out: dict[str, pl.DataFrame | None] = {}
        for name in INPUT_FRAMES:
            path = self.root / "townships" / township_id / "inputs" / f"{name}.parquet"
            out[name] = pl.read_parquet(path) if path.is_file() else None
        return out

    def stored_input(
        self, township_id: str, name: str, columns: list[str] | None = None
    ) -> pl.DataFrame | None:
        """One input a township was solved from (``name``: one of :data:`INPUT_FRAMES`), None
        where the run stored none; its file checked against the manifest's hash first, so
        that a stored input changed since the run was written is an error, never read as
        what the township was solved from (``check-plan`` routes each township of an
        amended run to the previous assignment it was solved from by these files)."""
        rel = f"townships/{township_id}/inputs/{name}.parquet"
        path = self.root / rel
        if not path.is_file():
            return None
        recorded = self.manifest.files.get(rel)
        if recorded is None or file_sha256(path) != recorded:
            raise PlanFileError(
                f"{path}: 与方案清单记录的哈希不符, 方案发布后被改动 (not the file the run was "
                f"written with: its hash is not the one {self.root / 'manifest.json'} records)"
            )
        return pl.read_parquet(path, columns=columns)

    # ------------------------------------------------------------------ one household

    def explanation(self, household_id: str) -> dict[str, Any]:
        """The explanation row of one household (its worker and the nearest one it did not get,
        with the reason); for a run of a month, also :data:`PREVIOUS_THIS_MONTH`: whether its
        previous worker (``previous_worker_id``, ``kept_previous``) is of this month's previous
        version - a township an amendment re-solved - rather than last month's."""
        tw = self.township_of(household_id)
        rows = self.explanations(tw).filter(pl.col("household_id") == household_id)
        row = rows.row(0, named=True)
        if self.manifest.month is not None:
            row[PREVIOUS_THIS_MONTH] = self._previous_month(tw, household_id) == (
                self.manifest.month
            )
        return row

    def _previous_month(self, township_id: str, household_id: str) -> str | None:
        """The month of the household's previous pairing in the township's stored inputs (the
        previous assignment it was solved with), None without one."""
        path = self.root / "townships" / township_id / "inputs" / "previous.parquet"
        if not path.is_file():
            return None
        found = pl.scan_parquet(path).filter(pl.col("household_id") == household_id).collect()
        if found.height == 0 or "month" not in found.columns:
            return None
        return str(found["month"][0])

    def candidates(
        self, township_id: str, inputs: dict[str, pl.DataFrame | None] | None = None
    ) -> pl.DataFrame:
        """The township's allowed pairs, priced, from the inputs it was solved with
        (:func:`assignment.candidates.build_candidates`, as the solve built them); ``inputs``:
        :meth:`inputs` of the township when the caller has read them already."""
        inputs = self.inputs(township_id) if inputs is None else inputs
        households, workers = inputs["households"], inputs["workers"]
        if households is None or workers is None:
            raise PlanFileError(
                f"{self.root}: 乡镇没有保存的输入 (township {township_id} has no stored inputs)"
            )
        return build_candidates(
            households,
            workers,
            inputs["previous"],
            inputs["conflicts"],
            self.settings,
            pins=inputs["pins"],
            forbids=inputs["forbids"],
        )

    def alternatives(self, household_id: str) -> pl.DataFrame:
        """The household's other allowed workers, ranked by the objective change (what-if),
        computed on its township alone."""
        tw = self.township_of(household_id)
        inputs = self.inputs(tw)
        candidates = self.candidates(tw, inputs)
        households, workers = inputs["households"], inputs["workers"]
        assert households is not None and workers is not None  # candidates() checked them
        settings = self.settings
        plan_inputs = PlanInputs(
            households=households.drop("tier", "risk"),
            workers=workers,
            scores=households.select(
                "household_id",
                pl.col("tier").alias("final_tier"),
                pl.col("risk").alias("p_tier1"),
            ),
            previous=inputs["previous"],
            conflicts=inputs["conflicts"],
            pins=inputs["pins"],
            forbids=inputs["forbids"],
        )
        return alternatives(household_id, self.plan(tw), candidates, plan_inputs, settings)

    # ------------------------------------------------------------------ files

    def _township(self, township_id: str, name: str) -> pl.DataFrame:
        path = self.root / "townships" / township_id / name
        if not path.is_file():
            if f"townships/{township_id}/{name}" in self.manifest.files:
                # The run wrote it: the directory lost it, the township is in the run.
                raise PlanFileError(
                    f"{path}: 方案目录中缺少该文件, 方案不完整或已被改动 (missing from the run "
                    "directory, which the run wrote: the run is incomplete or was altered; "
                    "runs show re-checks its files)"
                )
            raise PlanFileError(
                f"{self.root}: 乡镇不在方案中 (township {township_id!r} is not in this run)"
            )
        return pl.read_parquet(path)

    def _read(self, name: str) -> pl.DataFrame:
        path = self.root / name
        if not path.is_file():
            raise PlanFileError(f"{path}: 方案目录中缺少该文件 (missing from the run directory)")
        return pl.read_parquet(path)

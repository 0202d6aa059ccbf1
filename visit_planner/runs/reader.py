"""Reading a run back, one township or one household at a time.

``explain``, ``check-plan`` and the dashboard ask about one household or one township; the
reader answers from that township's files (a few thousand rows) and the run's own recorded
policy, never re-reading and re-validating the whole prefecture's inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from assignment.alternatives import alternatives
from assignment.candidates import build_candidates
from assignment.domain import AssignmentSettings, PlanInputs
from visit_planner.contracts.places import remember_places
from visit_planner.errors import PlanFileError
from visit_planner.policy import Policy, parse_policy, settings_from_policy
from visit_planner.runs.manifest import MANIFEST, RunManifest, file_sha256, text_sha256
from visit_planner.runs.writer import INPUT_FRAMES, PLACES_FILE

T = TypeVar("T")
"""What :meth:`RunReader._checked` reads a file as (a frame, a schema, a text)."""

POLICY_FILE = "policy.toml"
"""The run's policy text; the manifest records its hash as ``policy_sha256``, not in
``files``."""

PREVIOUS_THIS_MONTH = "previous_this_month"
"""Key of :meth:`RunReader.explanation`: the household's previous worker is that of an earlier
version of the run's month (an amendment re-solved its township from the month's run)."""


class RunReader:
    """Read access to a run directory written by :class:`~visit_planner.runs.DirectoryRunWriter`.

    >>> run = RunReader(Path("out"))            # doctest: +SKIP
    >>> run.explanation("H0000001")["reason_en"]  # doctest: +SKIP

    Every file is read through :meth:`checked`: a file the manifest lists is read only when
    it is there with the hash the manifest records (the policy text with its
    ``policy_sha256``), so that a damaged run - a file missing, cut short, not Parquet, or
    rewritten without a column - is refused with a message naming the file, what is wrong
    and what to do (:meth:`damage`), never read into a traceback or a wrong answer. Each
    file is hashed once per reader: a published run never changes.

    ``remember``: name the run's places in every text about it, from its ``places.parquet``
    (refused when damaged). ``runs check`` and ``runs show`` pass False: they name every
    damaged file of the run, a damaged places file among them, rather than stop at it,
    and call :meth:`remember_places` once the files are intact.
    """

    def __init__(self, root: Path, *, remember: bool = True) -> None:
        self.root = root
        self.manifest = _read_manifest(root)
        self._township_of: dict[str, str] = {}  # a run never changes: looked up once each
        self._intact: set[str] = set()  # files found as the manifest records them
        if remember:
            self.remember_places()

    def remember_places(self) -> None:
        """Name this run's places in every text about it (its ``places.parquet``)."""
        remember_places(self.places())

    def places(self) -> pl.DataFrame | None:
        """The place names stored with the run (None: its inputs had none)."""
        return self.frame_if_any(PLACES_FILE)

    # ------------------------------------------------------------------ run-wide

    @cached_property
    def policy(self) -> Policy:
        """The policy the run was made with (its stored text, as the manifest's hash records
        it)."""
        self.require_intact(POLICY_FILE)
        return parse_policy((self.root / POLICY_FILE).read_text("utf-8"), "run policy.toml")

    @cached_property
    def settings(self) -> AssignmentSettings:
        """The assignment settings of the run's policy."""
        return settings_from_policy(self.policy)

    def diagnostics(self) -> pl.DataFrame:
        """One row per township."""
        return self.frame("diagnostics.parquet")

    def townships(self) -> list[str]:
        """The run's township ids, sorted."""
        return sorted(self.diagnostics()["township_id"].to_list())

    def township_of(self, household_id: str) -> str:
        """The township of ``household_id``; a clear error when it is not in the run."""
        found = self.find_township(household_id)
        if found is None:
            raise PlanFileError(
                f"{self.root}: 农户不在方案中 (household {household_id!r} is not in this run)"
            )
        return found

    def find_township(self, household_id: str) -> str | None:
        """The township of ``household_id``, None when it is not in the run; a damaged
        ``households_index.parquet`` is refused (:meth:`frame`), never taken for a household
        the run does not have (the dashboard tries an id as typed, then upper-cased)."""
        if household_id in self._township_of:
            return self._township_of[household_id]
        found = self.frame("households_index.parquet", filter_household=household_id).select(
            "township_id"
        )
        if found.height == 0:
            return None
        self._township_of[household_id] = str(found.item(0, 0))
        return self._township_of[household_id]

    def verify(self) -> list[str]:
        """The run's files that are not as its manifest records them: missing, or with
        another hash (cut short, not Parquet, rewritten); the policy text among them
        (:data:`POLICY_FILE`, against ``policy_sha256``). Empty: every file intact.
        :meth:`damage` says what is wrong with each."""
        return [rel for rel in [*self.manifest.files, POLICY_FILE] if self.damage(rel) is not None]

    def damage(self, rel: str) -> str | None:
        """What is wrong with the run's file ``rel`` (``中文 (English)``), None when it is as
        the manifest records it, or neither listed nor there (a file the run did not write:
        ``places.parquet`` of inputs without places, an ``assign`` run's scores)."""
        if rel in self._intact:
            return None
        path = self.root / rel
        policy = rel == POLICY_FILE  # its hash is the manifest's policy_sha256, of its text
        recorded = self.manifest.policy_sha256 if policy else self.manifest.files.get(rel)
        if not path.is_file():
            return None if recorded is None else f"缺失 (missing: {MANIFEST} records it)"
        try:
            actual = text_sha256(path.read_text("utf-8")) if policy else file_sha256(path)
        except (OSError, UnicodeDecodeError) as exc:
            return f"无法读取 (cannot be read: {exc})"
        if recorded is None or actual == recorded:
            self._intact.add(rel)
            return None
        if path.suffix == ".parquet":
            try:
                pl.read_parquet_schema(path)
            except (pl.exceptions.PolarsError, OSError) as exc:
                return f"已损坏, 无法读取 (damaged: not readable Parquet: {_first_line(exc)})"
        return f"已被改动 (changed: its hash is not the one {MANIFEST} records)"

    def frame(
        self,
        rel: str,
        columns: list[str] | None = None,
        *,
        filter_household: str | None = None,
        where: pl.Expr | None = None,
    ) -> pl.DataFrame:
        """The run's Parquet file ``rel`` (its ``columns``; with ``filter_household`` only
        that household's rows, with ``where`` only the rows it selects, read by a scan),
        refused when it is damaged or missing (:meth:`damage`)."""
        frame = self.frame_if_any(rel, columns, filter_household=filter_household, where=where)
        if frame is None:
            raise PlanFileError(self._refusal(rel, "缺失 (missing from the run directory)"))
        return frame

    def frame_if_any(
        self,
        rel: str,
        columns: list[str] | None = None,
        *,
        filter_household: str | None = None,
        where: pl.Expr | None = None,
    ) -> pl.DataFrame | None:
        """As :meth:`frame`; None when the run did not write the file (neither listed by its
        manifest nor there)."""
        if filter_household is not None:
            household = pl.col("household_id") == filter_household
            where = household if where is None else where & household

        def read(path: Path) -> pl.DataFrame:
            if where is None:
                return pl.read_parquet(path, columns=columns)
            scan = pl.scan_parquet(path).filter(where)
            return (scan if columns is None else scan.select(columns)).collect()

        return self._checked(rel, read)

    def require_intact(self, *rels: str) -> None:
        """Refuse, as :meth:`frame` would, the first of the run's files ``rels`` that is
        damaged (:meth:`damage`): for a job that reads them only after long work (an
        amendment reads the month's whole-run frames after its re-solve)."""
        for rel in rels:
            problem = self.damage(rel)
            if problem is not None:
                raise PlanFileError(self._refusal(rel, problem))

    def columns_of(self, rel: str) -> list[str] | None:
        """The column names of the run's Parquet file ``rel`` (its schema only), refused as
        :meth:`frame` refuses a file; None when the run did not write it. For a reader that
        reads the columns it knows of a file, column by column."""
        return self._checked(rel, lambda path: list(pl.read_parquet_schema(path)))

    def text_if_any(self, rel: str) -> str | None:
        """The run's text file ``rel`` (a township's ``summary.json``), refused as
        :meth:`frame` refuses a file; None when the run did not write it."""
        return self._checked(rel, lambda path: path.read_text("utf-8"))

    def _checked(self, rel: str, read: Callable[[Path], T]) -> T | None:
        """``read`` of the run's file ``rel`` once :meth:`require_intact` has found it as
        the manifest records it; None when the run did not write it (neither listed nor
        there). A file the manifest does not list that ``read`` cannot read is refused as a
        damaged one is (the frames, the schemas and the texts of :meth:`frame_if_any`,
        :meth:`columns_of` and :meth:`text_if_any`)."""
        self.require_intact(rel)
        path = self.root / rel
        if not path.is_file():
            return None
        try:
            return read(path)
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            raise PlanFileError(
                self._refusal(rel, f"无法读取 (cannot be read: {_first_line(exc)})")
            ) from None

    def _refusal(self, rel: str, problem: str) -> str:
        """A damaged file's message: the file, what is wrong, what to do."""
        return f"{self.root / rel}: 方案文件{problem}; {self._what_to_do()}"

    def _what_to_do(self) -> str:
        if self.manifest.month is None:  # an ``assign --out`` directory: made again at will
            return "请重新运行 assign 生成该目录 (write the directory again with assign)"
        run = self.manifest.run_id[:12]
        return (
            f"请查看全部受损文件, 并从备份恢复工作目录 (run "
            f"`visit-planner runs check {run}` to see every damaged file, and restore the "
            "workspace from its backup: docs/deployment.md, section 6)"
        )

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
        return self.frame_if_any(f"townships/{township_id}/scores.parquet")

    def inputs(self, township_id: str) -> dict[str, pl.DataFrame | None]:
        """The inputs one township was solved from (None where the run had none)."""
        return {
            name: self.frame_if_any(f"townships/{township_id}/inputs/{name}.parquet")
            for name in INPUT_FRAMES
        }

    def stored_input(
        self, township_id: str, name: str, columns: list[str] | None = None
    ) -> pl.DataFrame | None:
        """One input a township was solved from (``name``: one of :data:`INPUT_FRAMES`), None
        where the run stored none; its file checked against the manifest's hash first, so
        that a stored input changed since the run was written is an error, never read as
        what the township was solved from (``check-plan`` routes each township of an
        amended run to the previous assignment it was solved from by these files)."""
        rel = f"townships/{township_id}/inputs/{name}.parquet"
        if (self.root / rel).is_file() and rel not in self.manifest.files:
            raise PlanFileError(
                self._refusal(rel, f"未列入方案清单 (not listed by {MANIFEST}: not written by "
                              "the run)")
            )  # fmt: skip
        return self.frame_if_any(rel, columns)

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
        found = self.frame_if_any(
            f"townships/{township_id}/inputs/previous.parquet", filter_household=household_id
        )
        if found is None or found.height == 0 or "month" not in found.columns:
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
        frame = self.frame_if_any(f"townships/{township_id}/{name}")
        if frame is None:  # neither listed nor there: not a township of the run
            raise PlanFileError(
                f"{self.root}: 乡镇不在方案中 (township {township_id!r} is not in this run)"
            )
        return frame


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's text (polars adds hints below it)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _read_manifest(root: Path) -> RunManifest:
    """The run's manifest; a run directory (its ``townships/``) that lost it, or whose
    manifest cannot be read, is refused saying to restore the workspace from its backup."""
    path = root / MANIFEST
    restore = (
        "请从备份恢复工作目录 (restore the workspace from its backup: docs/deployment.md, "
        "section 6)"
    )
    if not path.is_file() and (root / "townships").is_dir():
        raise PlanFileError(
            f"{path}: 方案清单缺失, 方案目录已被改动 (missing: the run directory has lost its "
            f"manifest, so none of its files can be checked); {restore}"
        )
    try:
        return RunManifest.read(root)
    except PlanFileError as exc:
        if not path.is_file():
            raise  # not a run directory at all: the manifest's own message says so
        raise PlanFileError(f"{exc}; {restore}") from None

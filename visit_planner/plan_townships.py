"""``plan`` a month one township at a time: memory that grows with the largest township.

The coordinator of ``plan`` never holds the whole month's working frames. The input tables
are validated with the households table in chunks of :data:`CHUNK_ROWS` rows
(:func:`visit_planner.contracts.stream.stream_inputs`: the validated, cast chunks are written
to a work directory; the previous assignment is checked in chunks too and kept whole, three
ids a row; the other tables are small and read whole); then the month goes
through four passes, each chunk or township at a time, with the frames in files of the work
directory between the passes:

1. **split and score**: each chunk of households is read back, corrected by the supervisors'
   data corrections, scored with the champion (its tier overrides), and cut by township into
   the solver's households (contract columns, final tier, risk) and the run's scores; the
   previous assignment's rows of the chunk's households are cut by township with them;
2. **solve**: the townships go to the executor (local processes or Dask) *as workers become
   free*: each task is built from its township's files when it is about to run
   (:mod:`assignment.executor` draws tasks lazily), and each result's plan is written to the
   work directory as it arrives;
3. **explain and check**: each township is explained (with the whole plan's worker loads,
   so that an alternative worker in another township has its real load) and checked by the
   independent validator, and its files are written into the run's staging directory
   (:class:`visit_planner.runs.staged.StagedRun`);
4. **publish**: the run-wide files are streamed from the township files, the manifest is
   written, the directory is moved into place and recorded in the store.

What stays whole-month in the coordinator, and why it is small: while the inputs are
validated, the household ids (unique ids, references) and the counts of (area, parent area)
pairs; the worker table, the previous assignment and the conflicts (ids); the pins and
forbids (ids); a worker id and four numbers per assigned household while the whole plan's
worker loads are added up (:func:`whole_loads`); and, to compare the new plan with the
previous run, household id, worker id, tier and township of both plans, for one part of
the households at a time (:func:`visit_planner.runs.diff.diff_totals_in_parts`).

Same inputs, same plan: the tasks, the township frames and their row order are those of
:func:`assignment.plan.solve_prefecture`, and every file is written from the same frames as
:class:`~visit_planner.runs.writer.DirectoryRunWriter` would write them.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from assignment.candidates import latest_previous
from assignment.domain import PLAN_COLUMNS, AssignmentSettings
from assignment.executor import Executor, ExecutorLostError
from assignment.explain import WorkerIndex, explain_plan
from assignment.inputs import (
    InputIssue,
    check_policy_counties,
    check_previous,
    check_workers,
    clean_pins,
)
from assignment.loads import worker_loads
from assignment.plan import (
    PrefectureResult,
    TownshipResult,
    TownshipTask,
    combine_results,
    run_township_task,
    township_tasks,
)
from assignment.schedule import solve_order, township_pressures
from assignment.solver.options import SolverOptions
from assignment.validator import Violation, validate_plan
from visit_planner.assign_job import AssignInputs, tier_counts
from visit_planner.contracts.places import place_label
from visit_planner.contracts.stream import HouseholdChunks
from visit_planner.model_registry import user_errors
from visit_planner.overrides import AppliedOverrides
from visit_planner.risk_job import ScoringContext, score_with
from visit_planner.runs.writer import stored_input

Timer = Callable[[str, float], None]


@dataclass
class WorkDir:
    """Per-township frames of the month between the passes: ``root/KIND/TOWNSHIP.parquet``."""

    root: Path

    def path(self, kind: str, township_id: str) -> Path:
        """Where ``kind`` of ``township_id`` is kept."""
        return self.root / kind / f"{township_id}.parquet"

    def write(self, kind: str, township_id: str, frame: pl.DataFrame) -> None:
        """Keep ``frame`` as ``kind`` of the township."""
        path = self.path(kind, township_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path)

    def read(self, kind: str, township_id: str) -> pl.DataFrame:
        """The frame kept as ``kind`` of the township."""
        return pl.read_parquet(self.path(kind, township_id))

    def remove(self) -> None:
        """Remove the work directory."""
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Month:
    """What the passes share: the small whole-month frames, and what the passes found."""

    work: WorkDir
    workers: pl.DataFrame
    sizes: dict[str, int]  # households per township
    top_households: dict[str, int]  # tier-1 households per township (the solving order)
    has_previous: bool
    conflicts: pl.DataFrame | None  # declared conflicts (ids), None when there are none
    pins: pl.DataFrame | None  # standing pins (the solver's input issues drop some)
    forbids: pl.DataFrame | None
    model_version: str = ""
    warnings: list[str] = field(default_factory=list)
    pinned_rows: pl.DataFrame | None = None  # the solver's rows of pinned households

    @functools.cached_property
    def worker_index(self) -> WorkerIndex:
        """The explainer's index of every worker, built once for all the townships (built per
        township it would cost townships x workers)."""
        return WorkerIndex.of(self.workers)

    @property
    def townships(self) -> list[str]:
        """Township ids, sorted."""
        return sorted(self.sizes)

    def assign_inputs(self, township_id: str) -> AssignInputs:
        """One township's solver inputs (its households, its workers, its pairs)."""
        hh = self.work.read("households", township_id)
        ids = hh["household_id"].implode()

        def mine(frame: pl.DataFrame | None) -> pl.DataFrame | None:
            return None if frame is None else frame.filter(pl.col("household_id").is_in(ids))

        previous = self.work.read("previous", township_id) if self.has_previous else None
        return AssignInputs(
            households=hh,
            workers=self.workers.filter(pl.col("township_id") == township_id),
            previous=previous,
            conflicts=mine(self.conflicts),
            pins=mine(self.pins),
            forbids=mine(self.forbids),
            model_version=self.model_version,
        )


SCORE_ROWS = 65_536
"""Households scored per call. Scores are row by row, but numpy's vectorised arithmetic may
round a row's probabilities differently in the last bit depending on the row's position in
the array; slices of a multiple of 1,024 rows, cut from the start of the table, give every row
the bits of one call on the whole table (checked on the generator's data), so the plan does
not depend on how the month was cut."""

CHUNK_ROWS = SCORE_ROWS
"""Households per chunk of the streamed validation (and per file of the validated table in
the work directory): a multiple of :data:`SCORE_ROWS`, so that the scoring slices are cut
from the start of the table whatever the chunks."""

INPUT_KIND = "input"
"""The work directory's folder of the validated households' chunks."""


def split_and_score(  # noqa: PLR0917  (the month's frames)
    households: HouseholdChunks,
    workers: pl.DataFrame,
    previous: pl.DataFrame | None,
    conflicts: pl.DataFrame | None,
    applied: AppliedOverrides,
    context: ScoringContext,
    work: WorkDir,
) -> Month:
    """Score the validated households chunk by chunk, in slices of :data:`SCORE_ROWS` rows
    (the supervisors' corrections in place of their rows, their tier overrides), and cut each
    slice's solver households (contract columns, final tier, risk) and scores by township
    into ``work``; then the previous assignment. The input check's counts are summed over the
    slices (the warnings of the whole month). Returns the month's small frames."""
    from visit_planner.score_partitions import merge_checks

    corrected = applied.households
    fixed_ids = corrected["household_id"].implode()
    tier_overrides = applied.tier_overrides
    idc = context.spec.id_column
    pinned = (
        pl.Series([], dtype=pl.String) if applied.pins is None else applied.pins["household_id"]
    )
    checks, pinned_rows = [], []
    parts: dict[str, list[Path]] = {}
    numbered = None if previous is None else previous.with_row_index("_at")
    with user_errors():
        for k, part in enumerate(_score_slices(households)):
            if numbered is not None:
                _previous_parts(numbered, part, k, work)
            chunk = _corrected(part, corrected, fixed_ids)
            mine = None
            if tier_overrides is not None and tier_overrides.height:
                mine = tier_overrides.filter(pl.col(idc).is_in(chunk[idc].implode()))
                mine = mine if mine.height else None
            result = score_with(context, chunk, mine)
            checks.append(result.check)
            scores = result.scores
            tiers = scores.select(
                pl.col("household_id").cast(pl.String),
                pl.col("final_tier").cast(pl.Int8).alias("tier"),
                pl.col("p_tier1").cast(pl.Float64).fill_null(0.0).alias("risk"),
            )
            solver_hh = stored_input(  # the solver's rows: no audit-only column (runs.writer)
                chunk.join(tiers, on="household_id", how="inner", maintain_order="left")
            )
            pinned_rows.append(solver_hh.filter(pl.col("household_id").is_in(pinned.implode())))
            township_of = chunk.select("household_id", pl.col("township_id").alias("_tw"))
            tagged = scores.join(township_of, on="household_id", how="inner", maintain_order="left")
            by_tw = tagged.partition_by("_tw", as_dict=True, include_key=False)
            for (tw,), hh_part in solver_hh.partition_by("township_id", as_dict=True).items():
                name = f"{tw}/{k:06d}"
                work.write("households", name, hh_part)
                work.write("scores", name, by_tw[(tw,)])
                parts.setdefault(str(tw), []).append(work.path("households", name))
    sizes: dict[str, int] = {}
    tops: dict[str, int] = {}
    for tw, files in parts.items():  # one file per township and kind
        for kind in ("households", "scores"):
            paths = [work.path(kind, f"{tw}/{p.stem}") for p in files]
            frame = pl.concat([pl.read_parquet(p) for p in paths], how="vertical").rechunk()
            work.write(kind, tw, frame)
            shutil.rmtree(work.root / kind / tw)
            if kind == "households":  # the solver's rows, with their final tier
                tops[tw] = int((frame["tier"] == 1).sum())
        sizes[tw] = frame.height
    if previous is not None:
        _join_previous(previous, sorted(sizes), work)
    rows = [r for r in pinned_rows if r.height]
    return Month(
        work=work,
        workers=workers,
        sizes=sizes,
        top_households=tops,
        has_previous=previous is not None,
        conflicts=conflicts,
        pins=applied.pins,
        forbids=applied.forbids,
        model_version=str(context.model_version),
        warnings=merge_checks(checks).warnings() if checks else [],
        pinned_rows=pl.concat(rows, how="vertical_relaxed") if rows else None,
    )


def _score_slices(households: HouseholdChunks) -> Iterator[pl.DataFrame]:
    """The households in slices of :data:`SCORE_ROWS` rows cut from the start of the table
    (every chunk but the last holds a multiple of them)."""
    for frame in households.frames():
        for start in range(0, frame.height, SCORE_ROWS):
            yield frame.slice(start, SCORE_ROWS)


def _corrected(chunk: pl.DataFrame, corrected: pl.DataFrame, ids: pl.Series) -> pl.DataFrame:
    """``chunk`` with the supervisors' corrected rows in place of the original ones."""
    fixed = corrected.filter(pl.col("household_id").is_in(chunk["household_id"].implode()))
    if fixed.height == 0:
        return chunk
    at = chunk.with_row_index("_at")
    return (
        at.filter(~pl.col("household_id").is_in(ids))
        .vstack(fixed.join(at.select("household_id", "_at"), on="household_id").select(at.columns))
        .sort("_at")
        .drop("_at")
    )


def _previous_parts(numbered: pl.DataFrame, part: pl.DataFrame, k: int, work: WorkDir) -> None:
    """The rows of the previous assignment (``numbered``: with their row number ``_at``)
    whose households are in the slice ``part`` (as validated: the townships before any
    correction), cut by township into ``work`` as ``previous/TOWNSHIP/K``."""
    township_of = part.select("household_id", pl.col("township_id").alias("_township"))
    mine = numbered.filter(pl.col("household_id").is_in(township_of["household_id"].implode()))
    tagged = mine.join(township_of, on="household_id", how="inner")
    for (tw,), rows in tagged.partition_by("_township", as_dict=True, include_key=False).items():
        work.write("previous", f"{tw}/{k:06d}", rows)


def _join_previous(previous: pl.DataFrame, townships: list[str], work: WorkDir) -> None:
    """Each township's previous assignment in one file of ``work``, its rows in the previous
    assignment's order (empty for a township without one)."""
    for tw in townships:
        folder = work.root / "previous" / tw
        files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
        frame = previous.clear()
        if files:
            rows = pl.concat([pl.read_parquet(p) for p in files], how="vertical")
            frame = rows.sort("_at").drop("_at").rechunk()
            shutil.rmtree(folder)
        work.write("previous", tw, frame)


@dataclass
class Solved:
    """The month's result without its plan (the plan is in the work directory, per township)."""

    result: PrefectureResult
    pinned_pairs: pl.DataFrame  # household_id, worker_id of the pinned households


def solve_townships(  # noqa: PLR0917
    month: Month,
    previous: pl.DataFrame | None,
    settings: AssignmentSettings,
    options: SolverOptions,
    executor: Executor,
    progress: Callable[[TownshipResult], None] | None = None,
) -> Solved:
    """Solve every township on ``executor`` (pass 2), building each task when a worker is
    free; the same checks of the whole month's inputs first as
    :func:`assignment.plan.solve_prefecture` (``previous``: the whole previous assignment's
    ids, only for these checks)."""
    start = time.perf_counter()
    latest_previous(previous)  # refuses an ambiguous previous assignment before any work
    issues = [
        *check_workers(month.workers),
        *check_previous(previous, month.workers),
        *check_policy_counties(settings, month.workers["county_id"]),
    ]
    pinned = month.pinned_rows if month.pinned_rows is not None else pl.DataFrame()
    pins, pin_issues = clean_pins(
        month.pins,
        pinned if pinned.height else _no_households(month),
        month.workers,
        month.conflicts,
        month.forbids,
        settings,
    )
    issues += pin_issues
    cleaned = dataclasses.replace(month, pins=pins)
    order = solve_order(
        month.sizes, township_pressures(month.top_households, month.workers, settings)
    )

    def tasks() -> Iterator[TownshipTask]:
        for tw in order:
            given = cleaned.assign_inputs(tw)
            yield township_tasks(
                given.households,
                month.workers,
                settings,
                previous=given.previous,
                conflicts=given.conflicts,
                pins=given.pins,
                forbids=given.forbids,
                options=options,
                issues=tuple(issues),
            )[0]

    results = []
    no_pins = pl.Series([], dtype=pl.String)
    pinned_ids = no_pins if month.pins is None else month.pins["household_id"]
    pairs = []
    try:
        for res in executor.run(run_township_task, tasks()):
            month.work.write("plan", res.township_id, res.plan.sort("household_id"))
            pairs.append(
                res.plan.filter(pl.col("household_id").is_in(pinned_ids.implode())).select(
                    pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String)
                )
            )
            results.append(dataclasses.replace(res, plan=res.plan.clear()))
            if progress is not None:
                progress(res)
    except ExecutorLostError as exc:  # the cluster went away: say which townships it cost
        done = {r.township_id for r in results}
        raise ExecutorLostError(f"{exc}; {unfinished_townships(order, done)}") from None
    result = combine_results(results, issues, time.perf_counter() - start)
    return Solved(result, pl.concat(pairs) if pairs else pl.DataFrame())


UNFINISHED_NAMED = 10
"""Unfinished townships named one by one in a lost run's error; the rest are counted."""


def unfinished_townships(order: Sequence[str], done: set[str]) -> str:
    """``未完成的乡镇 6/8 个 (6 of 8 townships unfinished): 马白镇 (532625001), …``: what a
    run that lost its cluster did not solve, by name and code (at most
    :data:`UNFINISHED_NAMED`, in township order), so that the planner knows what was at stake
    and that every township, finished or not, is solved again by the next run."""
    left = sorted(t for t in order if t not in done)
    named = ", ".join(place_label(t) for t in left[:UNFINISHED_NAMED]) or "—"
    more = len(left) - UNFINISHED_NAMED
    rest = f" … (+{more})" if more > 0 else ""
    return (
        f"未完成的乡镇 {len(left)}/{len(order)} 个 ({len(left)} of {len(order)} townships "
        f"unfinished): {named}{rest}"
    )


def _no_households(month: Month) -> pl.DataFrame:
    """An empty solver households frame (pins naming no household of the month)."""
    any_tw = month.townships[0]
    return month.work.read("households", any_tw).clear()


LOAD_COLUMNS = ("worker_id", "hours_per_month", "travel_minutes", "up_cover", "kept_previous")
"""The plan columns :func:`assignment.loads.worker_loads` adds up per worker."""


def whole_loads(month: Month) -> pl.DataFrame:
    """:func:`assignment.loads.worker_loads` of the whole plan, from the assigned rows' few
    columns it adds up (a worker id and four numbers per household, for a moment): summed in
    the whole plan's row order, so the sums are the whole plan's to the last bit."""
    assigned = pl.concat(
        [
            month.work.read("plan", tw)
            .filter(pl.col("worker_id").is_not_null())
            .select(LOAD_COLUMNS)
            for tw in month.townships
        ],
        how="vertical_relaxed",
    )
    return worker_loads(assigned, month.workers)


@dataclass
class Checked:
    """What pass 3 found: violations, the households and uncovered households by tier,
    seconds per stage."""

    violations: list[Violation] = field(default_factory=list)
    tiers: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def add_time(self, name: str, seconds: float) -> None:
        """Count ``seconds`` against the stage ``name``."""
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


PIN_ISSUES = ("duplicate_pin", "unknown_pin", "infeasible_pin")


def accepted_pins(pins: pl.DataFrame | None, issues: Sequence[InputIssue]) -> pl.DataFrame | None:
    """The pins the assignment accepted: all but those its input ``issues`` name."""
    if pins is None:
        return None
    refused: set[str] = set()
    for issue in issues:
        if issue.kind in PIN_ISSUES:
            refused.update(i.split("→")[0] for i in issue.ids)
    return pins.filter(~pl.col("household_id").is_in(sorted(refused)))


def township_frames(  # noqa: PLR0917
    month: Month,
    tw: str,
    solved: Solved,
    loads: pl.DataFrame,
    settings: AssignmentSettings,
    notes: Callable[[pl.DataFrame], pl.DataFrame],
    checked: Checked,
) -> tuple[dict[str, pl.DataFrame | None], dict[str, pl.DataFrame | None]]:
    """One township explained and checked (pass 3): its run frames and its stored inputs."""
    given = month.assign_inputs(tw)  # the standing pins, as the whole-month path has them
    # Only the pins the solve accepted: a released one (a grid worker pinned to a tier-1
    # household, a forbidden pair, ...) must not read as a pin in the explanations ("a
    # supervisor pinned another worker") nor in the inputs the run keeps for explain --run;
    # the store's override outcomes say why it was released.
    pins = accepted_pins(given.pins, solved.result.issues)
    # Explained and checked against every worker (the nearest other worker may be in
    # another township); the run stores the township's own workers.
    seen = dataclasses.replace(given.plan_inputs(), workers=month.workers, pins=pins)
    plan = month.work.read("plan", tw)
    t0 = time.perf_counter()
    explained, _ = explain_plan(
        plan,
        None,
        seen,
        settings,
        loads=loads,
        index=month.worker_index,
        thresholds=solved.result.thresholds,
    )
    t1 = time.perf_counter()
    checked.violations += validate_plan(plan.select(PLAN_COLUMNS), seen, settings, townships=[tw])
    checked.add_time("explain", t1 - t0)
    checked.add_time("check", time.perf_counter() - t1)
    for name, n in tier_counts(plan).items():
        checked.tiers[name] = checked.tiers.get(name, 0) + n
    frames: dict[str, pl.DataFrame | None] = {
        "plan": plan,
        "explanations": notes(explained),
        "worker_loads": loads.filter(pl.col("township_id") == tw),
        "scores": month.work.read("scores", tw),
    }
    inputs: dict[str, Any] = {
        "households": given.households,
        "workers": given.workers,
        "previous": given.previous,
        "conflicts": given.conflicts,
        "pins": pins,
        "forbids": given.forbids,
    }
    return frames, inputs

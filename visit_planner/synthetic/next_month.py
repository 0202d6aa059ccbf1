"""The following month of a synthetic prefecture: the same people, a few small seeded changes.

``generate`` makes one month (:data:`DEFAULT_MONTH` unless told otherwise);
:func:`next_month` makes the month after any month directory written by ``generate`` or by
itself, so that month-to-month continuity, churn and drift can be exercised. Every change is
drawn from the seed: the same directory, plan and seed give byte-identical files. Rates are per
month, of the month's households or workers (``n``); counts are ``round(rate x n)`` unless the
text says "chance".

Households

- **reassessed, 12 %** (:data:`REASSESS_RATE`, plus every household that moved): the village
  reviews the household, its register row is refreshed and its tier re-drawn from the
  generator's own risk process (:mod:`visit_planner.synthetic.risk`: the same latent household
  and village effects, a fresh assessment noise). About a fifth of re-draws differ from the last
  assessment, so about **2.5 % of households change assessed tier** a month (measured: 2.6 to
  2.8 % at scale 0.01 over seeds 1, 2, 3, 7; 2.5 % at scale 1, seed 1). The refresh drifts the
  observed columns:

  ========================================  =====================================================
  ``last_visit_days``                       0-29 if the household was visited last month (it
                                            was paired in ``previous_assignment``; a tier-3
                                            household is visited quarterly, a 1/3 chance),
                                            else +30 (at most 365)
  ``hotline_requests_12m``                  +1 with a 5 % chance (a request appears); each
                                            request leaves the 12-month window with a 1/12 chance
  ``disputes_12m``                          +1 with a 2 % chance; each leaves with a 1/12 chance
  ``elderly_living_alone``                  an elderly couple (2 members, both 65+) becomes one
                                            elderly person living alone: 10 % chance
  ``serious_illness_members``               +1 with a 1 % chance (at most ``members``)
  ``housing_safety_grade``                  one grade worse with a 1 % chance (rain damage);
                                            grade C or D one better with a 10 % chance (危房改造)
  ========================================  =====================================================

  The last assessment becomes ``previous_tier`` (where it was recorded) and the new one
  ``assessed_tier``; a household whose label was withheld keeps it withheld (the share of
  labelled households stays at the generator's 90 %). Rows that are not reassessed are not
  touched: the register holds what was recorded at their last review.
- **moved, 0.3 %** (:data:`MOVE_RATE`): to another grid of the same township (often another
  village), next to a household there (within about 200 m of it; its road distance and hazard
  exposure). The household keeps its own random effect and takes the new village's effect.
- **left, 0.2 %** (:data:`LEAVE_RATE`): gone from every table (a worker's ``own_household_id``
  pointing at it is cleared, its conflicts and last month's pairing dropped).
- **new, 0.5 %** (:data:`NEW_RATE`): built by the generator's household builder in the grid of a
  randomly drawn existing household (so grids grow in proportion to their size), with the
  village's most common hazard exposure, the village's random effect and a fresh household
  effect; assessed on arrival, no previous tier. Ids continue above the highest ever issued
  (``ids_issued`` in ``month.json``), so an id of a household that left is never reused.

Workers

- **left, 1 %** (:data:`WORKER_LEAVE_RATE`): removed (their pairs of last month and their
  declared conflicts are dropped and counted).
- **joined, 1 %** (:data:`WORKER_JOIN_RATE`): each takes the post (role and area) of a randomly
  drawn existing worker, a base within about 300 m of that worker's, hours and household cap of
  a random worker of the role; active; lives in the area and declares conflicts as the
  generator's workers do. New ids above the highest ever issued.

Last month's pairing (``previous_assignment``)

- with a plan (``plan.parquet`` of the month's published run): its assigned rows, with
  ``month`` = the month before the new one;
- without: the old rows with their months advanced by one;
- either way rows of households that left and of workers who left are dropped and counted.

Truth

``truth.parquet`` keeps the generator's meaning row by row: ``true_tier`` is the household's
latest assessment (withheld or not), ``latent_score`` the linear score of its current row,
``latent_effect`` and ``village_effect`` its random effects, and ``p_tier1..3`` the Bayes
probabilities of an assessment of the current row given its previous tier, computed with the
generator's :func:`~visit_planner.synthetic.risk.bayes_probabilities`. Rows that did not change
are copied as they were. For a reassessed household that function treats the previous tier as
an assessment of today's row; it was made on last month's row, so its probabilities are the
generator's formula on drifted data, not an exact posterior (the refresh moves ``z`` by 0.045 for
a month's last-visit drift, up to 1.5 for an elderly person now alone). Households that did not
drift are exact as before.

``month.json`` records the month, the month it was made from, the seed, the scale, the highest
ids issued, the previous plan's SHA-256 (when one was given) and the counts of every change.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from visit_planner.contracts import columns, empty_table, load_inputs
from visit_planner.errors import ContractError, PlanFileError
from visit_planner.hashing import file_sha256
from visit_planner.months import month_after, month_before, parse_month
from visit_planner.outputs import shareable
from visit_planner.synthetic import TABLE_NAMES as TABLES
from visit_planner.synthetic import risk
from visit_planner.synthetic.geography import Areas, clip_lat, clip_lon, km_to_deg
from visit_planner.synthetic.households import build_households
from visit_planner.synthetic.workers import conflicts as declare_conflicts
from visit_planner.synthetic.workers import own_households, pick_in_area
from visit_planner.vocabulary import DEFAULT_MONTH

__all__ = [
    "DEFAULT_MONTH",
    "MONTH_FILE",
    "MonthData",
    "MonthInfo",
    "PreviousPlan",
    "check_plan_month",
    "generated_month_info",
    "next_month",
    "read_month",
    "read_previous_plan",
    "write_month",
]

MONTH_FILE: Final = "month.json"

REASSESS_RATE: Final = 0.12
MOVE_RATE: Final = 0.003
LEAVE_RATE: Final = 0.002
NEW_RATE: Final = 0.005
WORKER_LEAVE_RATE: Final = 0.01
WORKER_JOIN_RATE: Final = 0.01

DAYS_PER_MONTH: Final = 30
MAX_LAST_VISIT_DAYS: Final = 365
# Chance that a household paired last month was visited in it, by its tier: the default
# policy's cadence (2 and 1 visits a month; tier 3 quarterly).
VISIT_CHANCE: Final = {1: 1.0, 2: 1.0, 3: 1 / 3}
HOTLINE_NEW: Final = 0.05
DISPUTE_NEW: Final = 0.02
EXPIRY: Final = 1 / 12  # chance that one request or dispute leaves the 12-month window
ELDERLY_NOW_ALONE: Final = 0.10
ILLNESS_NEW: Final = 0.01
HOUSING_WORSE: Final = 0.01
HOUSING_REPAIRED: Final = 0.10
MOVE_JITTER_KM: Final = 0.1  # per axis: within about 200 m of the neighbour
JOIN_JITTER_KM: Final = 0.15  # per axis: within about 300 m of the post's base
MOVE_TRIES: Final = 20  # draws of a neighbour before a mover may stay in its own grid

_GRADES: Final = np.array(columns.HOUSING_GRADES)
_TRUTH_COLUMNS: Final = (
    "household_id",
    "p_tier1",
    "p_tier2",
    "p_tier3",
    "true_tier",
    "latent_score",
    "latent_effect",
    "village_effect",
)


# ---------------------------------------------------------------------------- month.json


@dataclass(frozen=True)
class MonthInfo:
    """What ``month.json`` records about one month directory.

    ``ids_issued`` holds the highest household and worker numbers ever issued (``H0000123`` is
    123), so that new ids never reuse one of a household or worker that has left; ``changes``
    counts what :func:`next_month` changed (empty for a generated month).
    """

    month: str
    of: str | None
    seed: int | None
    scale: float | None
    ids_issued: dict[str, int]
    changes: dict[str, int] = field(default_factory=dict)
    previous_plan_sha256: str | None = None

    def to_json(self) -> str:
        """Indented JSON with sorted keys (byte-stable for equal contents)."""
        return json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, directory: Path) -> MonthInfo | None:
        """``directory/month.json``, or None where there is none."""
        path = directory / MONTH_FILE
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text("utf-8"))
            if not isinstance(raw, dict):
                raise TypeError(f"a JSON {type(raw).__name__}, not an object")
            return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})
        except (OSError, ValueError, TypeError) as exc:  # JSON, UTF-8 or fields
            raise ContractError([
                f"{path}: 月份记录无法读取, 请改正或删除 (cannot read the month record that "
                f"generate writes: {exc}; fix or delete it)"
            ]) from None  # fmt: skip


def _id_number(ids: pl.Series, prefix: str) -> int:
    """The highest number among ids of the form ``<prefix><digits>`` (0 when none)."""
    found = ids.str.extract(f"^{prefix}(\\d+)$").cast(pl.Int64).max()
    return int(found) if isinstance(found, int) else 0


def generated_month_info(
    households: pl.DataFrame, workers: pl.DataFrame, *, month: str, seed: int, scale: float
) -> MonthInfo:
    """The record of a month made by ``generate``."""
    parse_month(month)
    return MonthInfo(
        month=month,
        of=None,
        seed=seed,
        scale=scale,
        ids_issued={
            "household": _id_number(households["household_id"], "H"),
            "worker": _id_number(workers["worker_id"], "W"),
        },
    )


# ---------------------------------------------------------------------------- reading, writing


@dataclass(frozen=True)
class MonthData:
    """One month of a synthetic prefecture: the input tables, its truth and its record."""

    households: pl.DataFrame
    workers: pl.DataFrame
    previous_assignment: pl.DataFrame
    conflicts: pl.DataFrame
    truth: pl.DataFrame
    info: MonthInfo
    # The place names (kept from month to month; empty when none).
    places: pl.DataFrame = field(default_factory=lambda: empty_table("places"))

    def tables(self) -> dict[str, pl.DataFrame]:
        """The Parquet files of the month, by name."""
        return {name: getattr(self, name) for name in TABLES}


def read_month(directory: Path) -> MonthData:
    """Read a month directory (checked against the contracts; ``truth.parquet`` required).

    A directory without ``month.json`` (written before it existed) is taken as the month after
    its ``previous_assignment`` month, else :data:`DEFAULT_MONTH`.
    """
    inputs = load_inputs(directory)
    truth_path = directory / "truth.parquet"
    if not truth_path.is_file():
        raise ContractError(
            [
                f"{truth_path}: 缺少 truth (missing; the next month continues the generator's "
                "risk process and needs the truth table that `visit-planner generate` writes)"
            ]
        )
    truth = pl.read_parquet(truth_path)
    missing = [c for c in _TRUTH_COLUMNS if c not in truth.columns]
    if missing:
        raise ContractError([
            f"{truth_path}: 真值表缺少列 (missing column(s) {', '.join(missing)})"
        ])  # fmt: skip
    truth = truth.select(_TRUTH_COLUMNS)
    uncovered = inputs.households.join(truth, on="household_id", how="anti")
    if uncovered.height:
        ids = ", ".join(uncovered["household_id"].head(5).to_list())
        raise ContractError(
            [
                f"{truth_path}: 农户缺少真值 (no truth row for {uncovered.height} "
                f"household(s), e.g. {ids})"
            ]
        )
    info = MonthInfo.read(directory)
    if info is None:
        months = inputs.previous_assignment["month"]
        last = months.max() if months.len() else None
        info = MonthInfo(
            month=month_after(str(last)) if last else DEFAULT_MONTH,
            of=None,
            seed=None,
            scale=None,
            ids_issued={
                "household": _id_number(inputs.households["household_id"], "H"),
                "worker": _id_number(inputs.workers["worker_id"], "W"),
            },
        )
    return MonthData(
        households=inputs.households,
        workers=inputs.workers,
        previous_assignment=inputs.previous_assignment,
        conflicts=inputs.conflicts,
        truth=inputs.households.select("household_id").join(
            truth, on="household_id", how="left", maintain_order="left"
        ),
        info=info,
        places=inputs.places if inputs.places is not None else empty_table("places"),
    )


@dataclass(frozen=True)
class PreviousPlan:
    """The assigned pairs of a month's published plan, and the plan file's SHA-256."""

    pairs: pl.DataFrame  # household_id, worker_id (one row per assigned household)
    sha256: str
    month: str | None = None  # the month of the run it lies in (None: a plan file alone)


RUN_PLAN_FILE = "plan.parquet"
"""The plan file of a run directory (``assign --out`` or a published run)."""


def read_previous_plan(path: Path) -> PreviousPlan:
    """The assigned pairs of a plan file (``household_id``, ``worker_id``; one per household).

    ``path`` may also be the published run's directory (what ``plan`` prints as its files and
    ``explain --run`` takes): its ``plan.parquet`` is read."""
    from visit_planner.plan_files import read_file

    if path.is_dir() and (path / RUN_PLAN_FILE).is_file():
        path = path / RUN_PLAN_FILE

    plan = read_file(path, "plan", ("household_id", "worker_id"), given_as="--previous-plan")
    pairs = plan.select(
        pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String)
    ).filter(pl.col("worker_id").is_not_null())
    dup = pairs.filter(pl.col("household_id").is_duplicated())
    if dup.height:
        ids = ", ".join(dup["household_id"].unique().sort().head(5).to_list())
        raise PlanFileError(f"{path}: 重复分配 (household(s) assigned twice: {ids})")
    return PreviousPlan(pairs, file_sha256(path), _run_month(path))


def _run_month(plan: Path) -> str | None:
    """The month of the run a plan file lies in (its ``manifest.json``), or None for a plan
    file outside a run, or a run that records no month."""
    from visit_planner.runs.manifest import MANIFEST, RunManifest

    if not (plan.parent / MANIFEST).is_file():
        return None
    return RunManifest.read(plan.parent).month


def check_plan_month(data: MonthData, plan: PreviousPlan, path: Path) -> None:
    """A published plan given as the month's previous assignment must be that month's: one
    of another month would become the next month's previous assignment under the wrong
    label (a new user's audit: November's pairs relabelled December, without a word)."""
    if plan.month is not None and plan.month != data.info.month:
        raise PlanFileError(
            f"{path}: 方案月份与数据月份不符 (this plan is of {plan.month}, the data of "
            f"{data.info.month}; give the plan published for {data.info.month})"
        )


def write_month(tables: Mapping[str, pl.DataFrame], info: MonthInfo, out: Path) -> None:
    """Write the tables as Parquet and ``month.json`` into ``out``, all files or none.

    Like :func:`visit_planner.synthetic.write_prefecture`, with the month record in the same
    all-or-none set (a directory never shows one month's tables with another month's record).
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    shareable(tmp)  # mkdtemp makes it owner-only; the data folder is the team's
    names = [f"{name}.parquet" for name in tables] + [MONTH_FILE]
    try:
        for name, frame in tables.items():
            frame.write_parquet(tmp / f"{name}.parquet")
        (tmp / MONTH_FILE).write_text(info.to_json(), "utf-8")
        if out.exists():
            # Replace only our own files; keep anything else the user put there.
            for name in names:
                (tmp / name).replace(out / name)
            shutil.rmtree(tmp)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# ---------------------------------------------------------------------------- the next month


def next_month(data: MonthData, seed: int, previous_plan: PreviousPlan | None = None) -> MonthData:
    """The month after ``data``: the changes in the module docstring, drawn from ``seed``.

    ``previous_plan`` holds the assigned pairs of ``data``'s published plan (see
    :func:`read_previous_plan`); they become the new ``previous_assignment``.
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    month = month_after(data.info.month)
    year, mon = parse_month(month)
    streams = [
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, year * 12 + mon]).spawn(7)
    ]
    changes: dict[str, int] = {
        "households_before": data.households.height,
        "workers_before": data.workers.height,
    }
    # The truth rows are aligned with the households by read_month.
    frame = pl.concat([data.households, data.truth.drop("household_id")], how="horizontal")

    # Who leaves and who moves (disjoint draws).
    n = frame.height
    order = streams[0].permutation(n)
    n_leave, n_move = round(LEAVE_RATE * n), round(MOVE_RATE * n)
    leaving = frame["household_id"].gather(order[:n_leave]).implode()
    moving = np.zeros(n, dtype=bool)
    moving[order[n_leave : n_leave + n_move]] = True
    frame = frame.with_columns(_moving=pl.Series(moving)).filter(
        ~pl.col("household_id").is_in(leaving)
    )
    changes["households_left"] = n_leave
    changes["households_moved"] = n_move

    workers, joined = _workers_turn_over(
        streams[1], data.workers, data.info.ids_issued["worker"], changes
    )
    staying = workers["worker_id"].implode()
    previous = _previous_pairs(
        data,
        month,
        plan=previous_plan,
        left_households=leaving,
        staying_workers=staying,
        changes=changes,
    )

    frame = _move(streams[2], frame)
    frame = _reassess(streams[3], frame, previous, changes)
    frame = _add_households(streams[4], frame, data.info.ids_issued["household"], changes)
    households = frame.select(list(columns.HOUSEHOLDS))
    truth = frame.select(_TRUTH_COLUMNS)

    # References to households that left: a worker's own household, declared conflicts.
    cleared = workers["own_household_id"].is_in(leaving)
    changes["own_household_cleared"] = int(cleared.sum())
    workers = workers.with_columns(
        own_household_id=pl.when(cleared).then(None).otherwise(pl.col("own_household_id"))
    )
    new_workers = workers.filter(pl.col("worker_id").is_in(joined.implode()))
    new_workers = new_workers.with_columns(own_households(streams[5], new_workers, households))
    workers = pl.concat(
        [workers.filter(~pl.col("worker_id").is_in(joined.implode())), new_workers]
    ).sort("worker_id")
    kept_conflicts = data.conflicts.filter(
        ~pl.col("household_id").is_in(leaving) & pl.col("worker_id").is_in(staying)
    )
    added = declare_conflicts(streams[6], households, new_workers).select(list(columns.CONFLICTS))
    conflict_frame = pl.concat([kept_conflicts, added]).unique().sort("worker_id", "household_id")
    changes["conflicts_dropped"] = data.conflicts.height - kept_conflicts.height
    changes["conflicts_added"] = conflict_frame.height - kept_conflicts.height
    changes["households_after"] = households.height
    changes["workers_after"] = workers.height

    info = MonthInfo(
        month=month,
        of=data.info.month,
        seed=seed,
        scale=data.info.scale,
        ids_issued={
            "household": data.info.ids_issued["household"] + changes["households_new"],
            "worker": data.info.ids_issued["worker"] + changes["workers_joined"],
        },
        changes=dict(sorted(changes.items())),
        previous_plan_sha256=previous_plan.sha256 if previous_plan else None,
    )
    return MonthData(
        households=households,
        workers=workers.select(list(columns.WORKERS)),
        previous_assignment=previous,
        conflicts=conflict_frame,
        truth=truth,
        info=info,
        places=data.places,
    )


# ---------------------------------------------------------------------------- steps


def _workers_turn_over(
    rng: np.random.Generator, workers: pl.DataFrame, issued: int, changes: dict[str, int]
) -> tuple[pl.DataFrame, pl.Series]:
    """Remove the leavers and add the joiners (own households are drawn later, once the
    month's households are known). Returns the workers and the joiners' ids."""
    n = workers.height
    n_leave, n_join = round(WORKER_LEAVE_RATE * n), round(WORKER_JOIN_RATE * n)
    left = workers["worker_id"].gather(rng.choice(n, size=n_leave, replace=False))
    posts = workers[rng.integers(0, n, size=n_join)]
    # Hours and household cap of a random worker of the same role.
    like = pick_in_area(rng, posts["role"], workers["role"])
    lat = posts["lat"].to_numpy()
    dlon, dlat = km_to_deg(
        rng.normal(0, JOIN_JITTER_KM, n_join), rng.normal(0, JOIN_JITTER_KM, n_join), lat
    )
    joined = posts.with_columns(
        worker_id=pl.format(
            "W{}", (pl.int_range(pl.len()) + issued + 1).cast(pl.String).str.zfill(6)
        ),
        lon=pl.Series(clip_lon(posts["lon"].to_numpy() + dlon).round(6)),
        lat=pl.Series(clip_lat(lat + dlat).round(6)),
        monthly_hours=workers["monthly_hours"].gather(like),
        max_households=workers["max_households"].gather(like),
        own_household_id=pl.lit(None, pl.String),
        active=pl.lit(True),
    )
    changes["workers_left"] = n_leave
    changes["workers_joined"] = n_join
    kept = workers.filter(~pl.col("worker_id").is_in(left.implode()))
    return pl.concat([kept, joined]), joined["worker_id"]


def _previous_pairs(
    data: MonthData,
    month: str,
    *,
    plan: PreviousPlan | None,
    left_households: pl.Series,
    staying_workers: pl.Series,
    changes: dict[str, int],
) -> pl.DataFrame:
    """Last month's pairing of the new month: the plan's pairs, else the old rows advanced."""
    if plan is None:
        months = data.previous_assignment["month"].unique().to_list()
        pairs = data.previous_assignment.with_columns(
            month=pl.col("month").replace_strict({m: month_after(m) for m in months})
        )
    else:
        pairs = plan.pairs.select("household_id", "worker_id").with_columns(
            month=pl.lit(month_before(month))
        )
        known = pairs.filter(
            pl.col("household_id").is_in(data.households["household_id"].implode())
            & pl.col("worker_id").is_in(data.workers["worker_id"].implode())
        )
        if pairs.height and not known.height:
            raise PlanFileError(
                "上月方案与本月数据不符 (the previous plan names none of this prefecture's "
                "households and workers; pass the plan.parquet of a run made from this month's "
                "directory)"
            )
        changes["previous_dropped_unknown"] = pairs.height - known.height
        pairs = known
    hh_left = pairs["household_id"].is_in(left_households)
    w_left = ~pairs["worker_id"].is_in(staying_workers) & ~hh_left
    changes["previous_dropped_household_left"] = int(hh_left.sum())
    changes["previous_dropped_worker_left"] = int(w_left.sum())
    kept = pairs.filter(~hh_left & ~w_left).sort("household_id")
    changes["previous_pairs"] = kept.height
    return kept.select(list(columns.PREVIOUS_ASSIGNMENT))


def _move(rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """Move the households flagged ``_moving`` next to a household of another grid of their
    township (see the module docstring)."""
    rows = np.flatnonzero(frame["_moving"].to_numpy())
    if rows.size == 0:
        return frame
    towns = frame["township_id"]
    grids = frame["grid_id"].to_numpy()
    picked = pick_in_area(rng, towns.gather(rows), towns)
    for _ in range(MOVE_TRIES):
        same = grids[picked] == grids[rows]
        if not same.any():
            break
        picked[same] = pick_in_area(rng, towns.gather(rows[same]), towns)
    lat = frame["lat"].to_numpy()[picked]
    dlon, dlat = km_to_deg(
        rng.normal(0, MOVE_JITTER_KM, rows.size), rng.normal(0, MOVE_JITTER_KM, rows.size), lat
    )
    road = frame["road_km_to_village_center"].to_numpy()[picked]
    new = {
        "grid_id": frame["grid_id"].gather(picked),
        "village_id": frame["village_id"].gather(picked),
        "lon": pl.Series(clip_lon(frame["lon"].to_numpy()[picked] + dlon).round(6)),
        "lat": pl.Series(clip_lat(lat + dlat).round(6)),
        "road_km_to_village_center": pl.Series(
            np.maximum(0.0, road + rng.normal(0, 0.1, rows.size)).round(2)
        ),
        "hazard_exposure": frame["hazard_exposure"].gather(picked),
        "village_effect": frame["village_effect"].gather(picked),
    }
    own_effect = (frame["latent_effect"] - frame["village_effect"]).gather(rows)
    new["latent_effect"] = own_effect + new["village_effect"]
    return _set_rows(frame, rows, new)


def _set_rows(frame: pl.DataFrame, rows: np.ndarray, values: dict[str, pl.Series]) -> pl.DataFrame:
    """``frame`` with ``values`` (one entry per row in ``rows``) written into those rows."""
    return frame.with_columns(
        frame[name].clone().scatter(rows, value.cast(frame.schema[name]))
        for name, value in values.items()
    )


def _reassess(
    rng: np.random.Generator,
    frame: pl.DataFrame,
    previous: pl.DataFrame,
    changes: dict[str, int],
) -> pl.DataFrame:
    """Refresh and re-draw the reviewed households (see the module docstring)."""
    n = frame.height
    chosen = (rng.random(n) < REASSESS_RATE) | frame["_moving"].to_numpy()
    rows = np.flatnonzero(chosen)
    k = rows.size
    sub = frame[rows]
    u = rng.random((k, 8))
    col = {c: sub[c].to_numpy() for c in sub.columns}

    paired = sub["household_id"].is_in(previous["household_id"].implode()).to_numpy()
    last_tier = col["true_tier"].astype(np.int64)
    chance = np.select([last_tier == 1, last_tier == 2], [VISIT_CHANCE[1], VISIT_CHANCE[2]])
    chance = np.where(last_tier == 3, VISIT_CHANCE[3], chance)
    visited = paired & (u[:, 0] < chance)
    last_visit = np.where(
        visited,
        np.floor(u[:, 1] * DAYS_PER_MONTH).astype(np.int64),
        np.minimum(col["last_visit_days"] + DAYS_PER_MONTH, MAX_LAST_VISIT_DAYS),
    )

    hotline = col["hotline_requests_12m"].astype(np.int64)
    hot_new = u[:, 2] < HOTLINE_NEW
    hot_old = rng.binomial(hotline, EXPIRY)
    disputes = col["disputes_12m"].astype(np.int64)
    dis_new = u[:, 3] < DISPUTE_NEW
    dis_old = rng.binomial(disputes, EXPIRY)

    members = col["members"].astype(np.int64)
    elderly = col["elderly_65plus"].astype(np.int64)
    couple = (members == 2) & (elderly == 2) & ~col["elderly_living_alone"]
    alone_now = couple & (u[:, 4] < ELDERLY_NOW_ALONE)
    members = np.where(alone_now, 1, members)
    ill = col["serious_illness_members"].astype(np.int64)
    ill_new = (u[:, 5] < ILLNESS_NEW) & (ill < members)
    ill = np.minimum(ill + ill_new, members)

    grade = np.searchsorted(_GRADES, col["housing_safety_grade"])
    worse = (u[:, 6] < HOUSING_WORSE) & (grade < len(_GRADES) - 1)
    repaired = ~worse & (grade >= 2) & (u[:, 7] < HOUSING_REPAIRED)
    grade = grade + worse - repaired

    refreshed = sub.with_columns(
        last_visit_days=pl.Series(last_visit, dtype=pl.Int32),
        hotline_requests_12m=pl.Series(hotline + hot_new - hot_old, dtype=pl.Int16),
        disputes_12m=pl.Series(disputes + dis_new - dis_old, dtype=pl.Int16),
        members=pl.Series(members, dtype=pl.Int16),
        elderly_65plus=pl.Series(np.where(alone_now, 1, elderly), dtype=pl.Int16),
        elderly_living_alone=pl.Series(col["elderly_living_alone"] | alone_now),
        disabled_members=pl.Series(np.minimum(col["disabled_members"], members), dtype=pl.Int16),
        serious_illness_members=pl.Series(ill, dtype=pl.Int16),
        housing_safety_grade=pl.Series(_GRADES[grade]),
    )
    z = risk.risk_score(refreshed)
    tier = risk.draw_tiers(rng, z + col["latent_effect"])
    assessed = sub["assessed_tier"]
    prev = assessed.fill_null(sub["previous_tier"])
    bayes = risk.bayes_probabilities(z, prev.fill_null(0).to_numpy())
    new_assessed = pl.Series(np.where(assessed.is_null().to_numpy(), 0, tier), dtype=pl.Int8)
    values = {
        name: refreshed[name]
        for name in (
            "last_visit_days", "hotline_requests_12m", "disputes_12m", "members",
            "elderly_65plus", "elderly_living_alone", "disabled_members",
            "serious_illness_members", "housing_safety_grade",
        )
    }  # fmt: skip
    values |= {
        "previous_tier": prev,
        "assessed_tier": new_assessed.replace(0, None),
        "true_tier": pl.Series(tier),
        "latent_score": pl.Series(z),
        "p_tier1": pl.Series(bayes[:, 0]),
        "p_tier2": pl.Series(bayes[:, 1]),
        "p_tier3": pl.Series(bayes[:, 2]),
    }
    labelled = assessed.is_not_null().to_numpy()
    changes |= {
        "households_reassessed": k,
        "tier_changed": int((labelled & (tier != assessed.fill_null(0).to_numpy())).sum()),
        "true_tier_changed": int((tier != last_tier).sum()),
        "visit_recorded": int(visited.sum()),
        "hotline_added": int(hot_new.sum()),
        "hotline_expired": int(hot_old.sum()),
        "dispute_added": int(dis_new.sum()),
        "dispute_expired": int(dis_old.sum()),
        "elderly_now_alone": int(alone_now.sum()),
        "illness_added": int(ill_new.sum()),
        "housing_worse": int(worse.sum()),
        "housing_repaired": int(repaired.sum()),
    }
    return _set_rows(frame, rows, values)


def _add_households(
    rng: np.random.Generator, frame: pl.DataFrame, issued: int, changes: dict[str, int]
) -> pl.DataFrame:
    """Append the new households (see the module docstring), ids from ``issued + 1``."""
    n_new = round(NEW_RATE * frame.height)
    changes["households_new"] = n_new
    if n_new == 0:
        return frame.drop("_moving")
    anchors = frame[rng.integers(0, frame.height, size=n_new)].sort("grid_id")
    centre = [pl.col("lon").median(), pl.col("lat").median()]
    grids = (
        frame.group_by("grid_id", "village_id", "township_id", "county_id")
        .agg(*centre)
        .join(anchors.group_by("grid_id").len("households"), on="grid_id", how="inner")
        .sort("grid_id")
    )
    villages = (
        frame.filter(pl.col("village_id").is_in(grids["village_id"].implode()))
        .group_by("village_id", "township_id", "county_id")
        .agg(
            *centre,
            pl.col("hazard_exposure").mode().sort().first().alias("_hazard"),
            pl.col("village_effect").first(),
        )
        .sort("village_id")
    )
    built, v_idx = build_households(rng, Areas(villages.clear(), villages, grids))
    u_village = villages["village_effect"].to_numpy()[v_idx]
    hazard = np.where(rng.random(n_new) < 0.85, villages["_hazard"].to_numpy()[v_idx], "none")
    built = built.with_columns(
        household_id=pl.format(
            "H{}", (pl.int_range(pl.len()) + issued + 1).cast(pl.String).str.zfill(7)
        ),
        hazard_exposure=pl.Series(hazard),
        previous_tier=pl.lit(None, pl.Int8),
    )
    z = risk.risk_score(built)
    effect = u_village + rng.normal(0.0, risk.SIGMA_HOUSEHOLD, n_new)
    tier = risk.draw_tiers(rng, z + effect)
    bayes = risk.bayes_probabilities(z, np.zeros(n_new, dtype=np.int8))
    built = built.with_columns(
        assessed_tier=pl.Series(tier, dtype=pl.Int8),
        p_tier1=bayes[:, 0],
        p_tier2=bayes[:, 1],
        p_tier3=bayes[:, 2],
        true_tier=pl.Series(tier),
        latent_score=z,
        latent_effect=effect,
        village_effect=u_village,
    )
    old = frame.drop("_moving")
    return pl.concat([old, built.select(old.columns).cast(old.schema)])

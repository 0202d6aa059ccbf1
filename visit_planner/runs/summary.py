"""Per-township summaries, written with a run so that readers need not scan its plan.

At publish time :class:`~visit_planner.runs.DirectoryRunWriter` writes
``townships/<id>/summary.json`` next to the township's frames: households by tier (and how many
have a visitor, and the visit hours they need), workers and hours by role, each worker's hours
used against capacity, the township's centre, the shortfall sentence and whether the
township's tier-1 coverage is proven maximal. The dashboard's overview of the whole prefecture
then reads one small file per township instead of a million plan rows.

An amendment copies the township folders it does not re-solve, summary included, so a summary
always describes the plan file beside it. Runs written before summaries existed still open:
:func:`read_summary` computes the summary from the township's files when the run wrote none
(the same function the writer uses, so both give the same figures); a summary its manifest
lists is read only as the manifest records it (:class:`~visit_planner.runs.RunReader`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from visit_planner.errors import PlanFileError

if TYPE_CHECKING:  # the reader imports the writer, which imports this module
    from visit_planner.runs.reader import RunReader

SUMMARY: Final = "summary.json"
"""The summary's file name inside ``townships/<id>/``."""

SUMMARY_FORMAT: Final = "visit-planner township summary 1"

TIERS: Final = (1, 2, 3)


@dataclass(frozen=True)
class TownshipSummary:
    """What the dashboard shows about one township without reading its households.

    * ``tiers`` - one dict per tier 1-3: ``tier, households, covered, hours`` (hours a month
      the tier's households need);
    * ``roles`` - one dict per role present: ``role, workers, active_workers, hours_used,
      hours_available`` (monthly hours of active workers with hours; inactive workers give none);
    * ``workers`` - one dict per worker: ``worker_id, role, active, households, hours_used,
      monthly_hours``;
    * ``proven`` - the solver proved a bound of the township's objective (``objective`` and
      ``bound`` as the diagnostics give them: the plan's gap to the best plan is known);
    * ``tier1_proven`` - the township's tier-1 coverage is proven maximal: every tier-1
      household is covered, or the diagnostics' ``tier1_coverage_proven`` says so (runs that
      have it; ``tier1_max_coverable`` is then the proven most tier-1 households any plan
      covers). False when it is not known.
    """

    township_id: str
    households: int
    workers: int
    status: str
    shortfall: str
    extra_cadres: int
    proven: bool
    tier1_proven: bool
    objective: float | None
    bound: float | None
    tier1_max_coverable: int | None
    lon: float | None
    lat: float | None
    tiers: tuple[dict[str, Any], ...]
    roles: tuple[dict[str, Any], ...]
    workers_hours: tuple[dict[str, Any], ...]
    format: str = SUMMARY_FORMAT

    @property
    def tier1(self) -> int:
        """Tier-1 households of the township."""
        return int(next((t["households"] for t in self.tiers if t["tier"] == 1), 0))

    @property
    def tier1_covered(self) -> int:
        """Tier-1 households with a visitor."""
        return int(next((t["covered"] for t in self.tiers if t["tier"] == 1), 0))

    def to_json(self) -> str:
        """Stable JSON (sorted keys): identical content gives identical bytes."""
        data = asdict(self)
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> TownshipSummary:
        """Parse a summary file; a clear error naming ``where`` when it is not one."""
        try:
            raw = json.loads(text)
            if raw.get("format") != SUMMARY_FORMAT:
                raise ValueError(f"format {raw.get('format')!r}, expected {SUMMARY_FORMAT!r}")
            raw["tiers"] = tuple(raw["tiers"])
            raw["roles"] = tuple(raw["roles"])
            raw["workers_hours"] = tuple(raw["workers_hours"])
            return cls(**raw)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise PlanFileError(f"{where}: 汇总文件无效 (not a township summary: {exc})") from None


def _fsum(values: pl.Series) -> float:
    """The correctly rounded sum of ``values`` (nulls as 0): the same whatever their order, so
    a summary is byte-identical however its township's rows were gathered."""
    return math.fsum(values.cast(pl.Float64).fill_null(0.0).to_list())


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def summarise_township(
    township_id: str,
    plan: pl.DataFrame,
    worker_loads: pl.DataFrame,
    diagnostics: Mapping[str, Any],
    points: Iterable[pl.DataFrame | None] = (),
) -> TownshipSummary:
    """The summary of one township from its plan rows, worker loads and diagnostics row; its
    centre is the mean position of the first of ``points`` (frames with ``lon``, ``lat``: the
    households, else the workers' bases) that has any. Pure and deterministic."""
    tiers = []
    for tier in TIERS:
        rows = plan.filter(pl.col("tier") == tier)
        tiers.append(
            {
                "tier": tier,
                "households": rows.height,
                "covered": int(rows["worker_id"].is_not_null().sum()),
                "hours": _fsum(rows["hours_per_month"]),
            }
        )
    loads = worker_loads.sort("worker_id")
    active = pl.col("active").fill_null(False)
    available = (
        pl.when(active & (pl.col("monthly_hours") > 0)).then(pl.col("monthly_hours")).otherwise(0.0)
    )
    by_role = loads.with_columns(active.alias("_active"), available.alias("_available"))
    roles = pl.DataFrame(
        [
            {
                "role": role,
                "workers": rows.height,
                "active_workers": int(rows["_active"].sum()),
                "hours_used": _fsum(rows["hours_used"]),
                "hours_available": _fsum(rows["_available"]),
            }
            for (role,), rows in sorted(by_role.partition_by("role", as_dict=True).items())
        ],
        schema={
            "role": pl.String,
            "workers": pl.UInt32,
            "active_workers": pl.UInt32,
            "hours_used": pl.Float64,
            "hours_available": pl.Float64,
        },
    )
    workers = loads.select(
        "worker_id",
        "role",
        active.alias("active"),
        pl.col("households").fill_null(0).cast(pl.Int64),
        pl.col("hours_used").fill_null(0.0).cast(pl.Float64),
        pl.col("monthly_hours").cast(pl.Float64),
    )
    lon = lat = None
    for source in points:
        if source is not None and {"lon", "lat"} <= set(source.columns):
            located = source.drop_nulls(["lon", "lat"])
            if located.height:
                lon = _fsum(located["lon"]) / located.height
                lat = _fsum(located["lat"]) / located.height
                break
    bound = _float(diagnostics.get("bound"))
    proven = diagnostics.get("tier1_coverage_proven")
    most = diagnostics.get("tier1_max_coverable")
    return TownshipSummary(
        township_id=township_id,
        households=plan.height,
        workers=worker_loads.height,
        status=str(diagnostics.get("status") or ""),
        shortfall=str(diagnostics.get("shortfall") or ""),
        extra_cadres=int(diagnostics.get("extra_cadres") or 0),
        proven=bound is not None,
        tier1_proven=tiers[0]["covered"] == tiers[0]["households"] or bool(proven),
        objective=_float(diagnostics.get("objective")),
        bound=bound,
        tier1_max_coverable=None if most is None else int(most),
        lon=lon,
        lat=lat,
        tiers=tuple(tiers),
        roles=tuple(roles.to_dicts()),
        workers_hours=tuple(workers.to_dicts()),
    )


def summary_path(run_dir: Path, township_id: str) -> Path:
    """Where a township's summary lives in a run directory."""
    return run_dir / "townships" / township_id / SUMMARY


def compute_summary(run: RunReader, township_id: str) -> TownshipSummary:
    """The summary computed from a run's township files (runs written before summaries),
    each read through the run's reader (refused when damaged)."""
    folder = f"townships/{township_id}"
    plan = run.plan(township_id)  # refused when the township is not in the run
    loads = run.worker_loads(township_id)
    diag = run.diagnostics().filter(pl.col("township_id") == township_id)
    points = [
        frame
        for name in ("households", "workers")
        if (frame := run.frame_if_any(f"{folder}/inputs/{name}.parquet", ["lon", "lat"]))
        is not None
    ]
    return summarise_township(
        township_id, plan, loads, diag.row(0, named=True) if diag.height else {}, points
    )


def read_summary(run: RunReader, township_id: str) -> TownshipSummary:
    """The township's summary as written at publish time, or computed when the run has none;
    read through the run's reader, so that a summary missing, cut short or changed since the
    run was written is refused (:meth:`~visit_planner.runs.RunReader.text_if_any`), never
    shown as the township's figures."""
    rel = f"townships/{township_id}/{SUMMARY}"
    text = run.text_if_any(rel)
    if text is not None:
        return TownshipSummary.from_json(text, str(run.root / rel))
    return compute_summary(run, township_id)


# --------------------------------------------------------------------------- combining


def tiers_frame(summaries: Iterable[TownshipSummary]) -> pl.DataFrame:
    """``tier, households, covered, uncovered, hours`` summed over the townships."""
    rows = [t for s in summaries for t in s.tiers]
    frame = pl.DataFrame(
        rows,
        schema={"tier": pl.Int64, "households": pl.Int64, "covered": pl.Int64,
                "hours": pl.Float64},
    )  # fmt: skip
    return (
        frame.group_by("tier")
        .agg(pl.col("households").sum(), pl.col("covered").sum(), pl.col("hours").sum())
        .with_columns((pl.col("households") - pl.col("covered")).alias("uncovered"))
        .select("tier", "households", "covered", "uncovered", "hours")
        .sort("tier")
    )


def roles_frame(summaries: Iterable[TownshipSummary]) -> pl.DataFrame:
    """``role, workers, active_workers, hours_used, hours_available, utilisation`` summed over
    the townships (utilisation: hours used / hours available, None without available hours)."""
    rows = [r for s in summaries for r in s.roles]
    frame = pl.DataFrame(
        rows,
        schema={"role": pl.String, "workers": pl.Int64, "active_workers": pl.Int64,
                "hours_used": pl.Float64, "hours_available": pl.Float64},
    )  # fmt: skip
    return (
        frame.group_by("role")
        .agg(pl.all().sum())
        .with_columns(
            pl.when(pl.col("hours_available") > 0)
            .then(pl.col("hours_used") / pl.col("hours_available"))
            .otherwise(None)
            .alias("utilisation")
        )
        .sort("role")
    )


def workers_frame(summary: TownshipSummary) -> pl.DataFrame:
    """One township's workers: ``worker_id, role, active, households, hours_used,
    monthly_hours``."""
    return pl.DataFrame(
        list(summary.workers_hours),
        schema={"worker_id": pl.String, "role": pl.String, "active": pl.Boolean,
                "households": pl.Int64, "hours_used": pl.Float64, "monthly_hours": pl.Float64},
    )  # fmt: skip

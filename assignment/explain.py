"""Explanations of a plan: why each household got its worker, and what else it could get.

:func:`explain_plan` gives, per household, its worker, role, travel, hours, continuity and
up-cover, and the *nearest worker of an eligible role it did not get*, with a reason code and
text in Chinese and English; and per worker its load (:mod:`assignment.loads`). The what-if
of one household's alternative workers is :mod:`assignment.alternatives`.

The reasons come from the same rule functions the candidate builder uses
(:mod:`assignment.constraints`), so "why" is computed by the code that decides "what".
The nearest workers are found with a k-d tree on the unit sphere (chord distance orders points
exactly as great-circle distance does), so this scales to the whole prefecture.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from assignment import constraints as rules
from assignment.candidates import build_candidates, latest_previous
from assignment.domain import AssignmentSettings, PlanInputs, Role
from assignment.loads import worker_loads

__all__ = [
    "HOUSEHOLD_EXPLANATION_COLUMNS",
    "REASON_TEXT",
    "Reason",
    "WorkerIndex",
    "explain_plan",
    "pins_by_household",
    "tradeoff_causes",
]

_NEIGHBOURS = 3  # per role: the assigned worker, a co-located twin, and one more
_EPS = 1e-6


class Reason(StrEnum):
    """Why a household did not get the nearest worker of an eligible role."""

    INACTIVE = "inactive"
    OUTSIDE_JURISDICTION = "outside_jurisdiction"
    OWN_HOUSEHOLD = "own_household"
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    FORBIDDEN = "forbidden"
    PINNED_ELSEWHERE = "pinned_elsewhere"
    AT_CAPACITY = "at_capacity"
    FARTHER = "farther"
    PLAN_TRADEOFF = "plan_tradeoff"
    NO_ALTERNATIVE = "no_alternative"


REASON_TEXT: dict[Reason, tuple[str, str]] = {
    Reason.INACTIVE: ("该人员已停用", "that worker is inactive"),
    Reason.OUTSIDE_JURISDICTION: ("农户不在该人员管辖范围内", "outside that worker's jurisdiction"),
    Reason.OWN_HOUSEHOLD: ("该人员本人家庭, 需回避", "it is that worker's own household"),
    Reason.CONFLICT_OF_INTEREST: ("与该人员存在利益冲突", "declared conflict of interest"),
    Reason.FORBIDDEN: ("督导禁止该配对", "a supervisor forbade that pairing"),
    Reason.PINNED_ELSEWHERE: ("督导已指定其他人员", "a supervisor pinned another worker"),
    Reason.AT_CAPACITY: ("该人员工时或户数已满", "that worker is at capacity"),
    # Also when both are as far (co-located workers): "no nearer", not "farther".
    Reason.FARTHER: ("该人员并不比已分配人员近", "that worker is no nearer than the one assigned"),
    # The cause that applied follows this text (tradeoff_causes).
    Reason.PLAN_TRADEOFF: ("该人员有余力", "that worker has room"),
    Reason.NO_ALTERNATIVE: ("没有其他可承接该类别的人员", "no other worker of an eligible role"),
}

HOUSEHOLD_EXPLANATION_COLUMNS = (
    "household_id", "township_id", "tier", "worker_id", "role", "travel_minutes",
    "hours_per_month", "kept_previous", "up_cover", "previous_worker_id", "alt_worker_id",
    "alt_role", "alt_travel_minutes", "reason_code", "reason_zh", "reason_en",
)  # fmt: skip


# ----------------------------------------------------------------------------- helpers


def _unit_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _households_side(inputs: PlanInputs, plan: pl.DataFrame) -> pl.DataFrame:
    """One row per plan row (same order): the household columns the rule functions need,
    the plan's tier, worker and travel, and a risk."""
    risk = pl.col("p_tier1").cast(pl.Float64) if "p_tier1" in inputs.scores.columns else pl.lit(0.0)
    scores = inputs.scores.select(pl.col("household_id").cast(pl.String), risk.alias("risk"))
    return (
        plan.select(
            pl.col("household_id").cast(pl.String),
            pl.col("tier").cast(pl.Int64),
            pl.col("worker_id").cast(pl.String).alias("_own"),
            pl.col("travel_minutes").cast(pl.Float64).alias("_own_travel"),
            pl.col("hours_per_month").cast(pl.Float64).fill_null(0.0).alias("_own_hours"),
            (pl.col("up_cover").cast(pl.Boolean) if "up_cover" in plan.columns
             else pl.lit(False)).fill_null(False).alias("_own_up_cover"),
        )
        .join(
            inputs.households.select(
                pl.col("household_id").cast(pl.String),
                *[pl.col(c).cast(pl.String) for c in
                  ("county_id", "township_id", "village_id", "grid_id")],
                pl.col("lon").cast(pl.Float64),
                pl.col("lat").cast(pl.Float64),
            ).unique("household_id", keep="first", maintain_order=True),
            on="household_id",
            how="left",
            maintain_order="left",
        )
        .join(scores.unique("household_id", keep="first"), on="household_id", how="left",
              maintain_order="left")
        .with_columns(pl.col("risk").fill_null(0.0))
    )  # fmt: skip


def _worker_side(workers: pl.DataFrame) -> pl.DataFrame:
    """Worker columns in the layout of :mod:`assignment.constraints`, sorted by id."""
    return (
        workers.select(
            pl.col("worker_id").cast(pl.String),
            pl.col("role").cast(pl.String),
            pl.col("township_id").cast(pl.String).alias("w_township_id"),
            pl.col("village_id").cast(pl.String).alias("w_village_id"),
            pl.col("grid_id").cast(pl.String).alias("w_grid_id"),
            pl.col("lon").cast(pl.Float64).alias("w_lon"),
            pl.col("lat").cast(pl.Float64).alias("w_lat"),
            pl.col("active").cast(pl.Boolean),
            pl.col("own_household_id").cast(pl.String),
        )
        .unique("worker_id", keep="first")
        .sort("worker_id")
    )


@dataclass(frozen=True)
class WorkerIndex:
    """The worker side of :func:`explain_plan`, built once for many calls: the workers in the
    layout of :mod:`assignment.constraints` sorted by id (``side``), each worker's row
    (``codes``), and per role the rows of its workers with a k-d tree of their positions.

    A caller that explains a month township by township against every worker (the nearest
    other worker may be in another township) builds it once: rebuilding it per township
    costs time linear in the number of workers, so the month's explanations would grow with
    townships x workers. The same index gives the same explanations as building it inside.
    """

    side: pl.DataFrame
    codes: pl.DataFrame  # worker_id, _code (row of ``side``)
    trees: dict[str, tuple[np.ndarray, cKDTree]]

    @classmethod
    def of(cls, workers: pl.DataFrame) -> WorkerIndex:
        """The index of ``workers`` (the plan inputs' worker table)."""
        side = _worker_side(workers)
        codes = (
            side.select("worker_id")
            .with_row_index("_code")
            .select("worker_id", pl.col("_code").cast(pl.Int64))
        )
        roles = side["role"].to_numpy()
        lon, lat = side["w_lon"].to_numpy(), side["w_lat"].to_numpy()
        trees = {}
        for role in Role:
            rows = np.flatnonzero(roles == role.value)
            if rows.size:
                trees[role.value] = (rows, cKDTree(_unit_xyz(lon[rows], lat[rows])))
        return cls(side, codes, trees)


def _flag(pairs: pl.DataFrame | None, name: str) -> pl.DataFrame:
    if pairs is None or pairs.height == 0:
        return pl.DataFrame(
            schema={"household_id": pl.String, "worker_id": pl.String, name: pl.Boolean}
        )
    return (
        pairs.select(pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String))
        .unique()
        .with_columns(pl.lit(True).alias(name))
    )


def pins_by_household(pins: pl.DataFrame | None) -> pl.DataFrame:
    """The pinned worker(s) of each pinned household (``household_id, pinned_to``)."""
    if pins is None or pins.height == 0:
        return pl.DataFrame(schema={"household_id": pl.String, "pinned_to": pl.List(pl.String)})
    return (
        pins.select(pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String))
        .unique()
        .sort(["household_id", "worker_id"])
        .group_by("household_id", maintain_order=True)
        .agg(pl.col("worker_id").alias("pinned_to"))
    )


def _road_factor(settings: AssignmentSettings) -> pl.Expr:
    return (
        pl.col("county_id").replace_strict(
            dict(settings.road_factor_by_county),
            default=settings.road_factor,
            return_dtype=pl.Float64,
        )
        if settings.road_factor_by_county
        else pl.lit(settings.road_factor, dtype=pl.Float64)
    )


def _nearest_other_workers(
    hh: pl.DataFrame, index: WorkerIndex, settings: AssignmentSettings
) -> np.ndarray:
    """Per row of ``hh``, the row of ``index.side`` of the nearest worker of an eligible role
    other than the household's own worker (``_own``), or -1 when there is none.

    Ties in distance go to the smaller id (the side is sorted by id). Vectorised: a k-d tree
    query per role, then a row-wise minimum in numpy.
    """
    own = (
        hh.select(pl.col("_own").alias("worker_id"))
        .join(index.codes, on="worker_id", how="left", maintain_order="left")["_code"]
        .fill_null(-1).to_numpy()
    )  # fmt: skip
    best_d = np.full(hh.height, np.inf)
    best_w = np.full(hh.height, -1, dtype=np.int64)
    tier = hh["tier"].fill_null(0).to_numpy()
    located = (hh["lon"].is_not_null() & hh["lat"].is_not_null()).to_numpy()
    xyz = _unit_xyz(hh["lon"].fill_null(0.0).to_numpy(), hh["lat"].fill_null(0.0).to_numpy())
    for role in Role:
        if role.value not in index.trees:
            continue
        w_rows, tree = index.trees[role.value]
        tiers = [t for t in (1, 2, 3) if any(r == role for r, _ in settings.eligible_roles(t))]
        h_rows = np.flatnonzero(np.isin(tier, tiers) & located)
        if h_rows.size == 0:
            continue
        k = min(_NEIGHBOURS, w_rows.size)
        dist, idx = tree.query(xyz[h_rows], k=k)
        dist = np.asarray(dist, dtype=np.float64).reshape(h_rows.size, k)
        code = w_rows[np.asarray(idx).reshape(h_rows.size, k)]
        dist[code == own[h_rows, None]] = np.inf  # the household's own worker is not "other"
        # Nearest, ties to the smaller worker code (= smaller id), also against other roles.
        cand_d = np.concatenate([dist, best_d[h_rows, None]], axis=1)
        cand_w = np.concatenate([code, best_w[h_rows, None]], axis=1)
        cand_w_key = np.where(cand_w < 0, np.iinfo(np.int64).max, cand_w)
        pick = np.lexsort((cand_w_key, cand_d), axis=1)[:, 0]
        rows = np.arange(h_rows.size)
        best_d[h_rows] = cand_d[rows, pick]
        best_w[h_rows] = cand_w[rows, pick]
    return np.where(np.isfinite(best_d), best_w, -1)


# ----------------------------------------------------------------------------- explain_plan


def explain_plan(
    plan: pl.DataFrame,
    candidates: pl.DataFrame | None,
    inputs: PlanInputs,
    settings: AssignmentSettings,
    *,
    loads: pl.DataFrame | None = None,
    index: WorkerIndex | None = None,
    thresholds: pl.DataFrame | None = None,
    only: Collection[str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Explain every household of ``plan`` (or those in ``only``) and the load of every worker.

    Returns ``(household_explanations, worker_loads)``, the first with one row per plan row in
    the plan's order. For each household the nearest worker whose role may serve its tier,
    other than its own worker, is reported with the first reason (in this order) that kept
    the household from it: inactive, outside jurisdiction, own household, conflict of
    interest, forbidden, pinned elsewhere, at capacity, farther, plan trade-off (or
    no_alternative when no such worker exists). A plan trade-off's text says which cause
    applied (:func:`tradeoff_causes`). The nearest worker is searched over all workers, not
    only ``candidates``; the arcs (None: built here for the townships that need them) give
    the workload-balance thresholds of the trade-off causes.

    ``loads`` (:func:`~assignment.loads.worker_loads` of the whole plan) lets a caller explain
    one township's ``plan`` at a time with the same result as the whole plan at once: the
    nearest other worker may be in another township, and its load is the whole plan's;
    ``index`` (:class:`WorkerIndex` of ``inputs.workers``) spares rebuilding the worker side
    on every such call. ``thresholds`` (``township_id, worker_id, soft_hours``: the solve's
    workload-balance thresholds, :attr:`assignment.plan.TownshipResult.thresholds`) spares
    building the arcs of its townships again for the trade-off causes (:func:`_soft_hours`).

    ``only``: the households whose rows are returned (in the plan's order), e.g. the one that
    ``explain`` asks about. Their figures are computed with the whole of ``plan``, as without
    it, to the last bit (polars' float kernels may round a value differently in a frame of
    another length); only the trade-off causes, a Python loop, are worked out for them alone.
    """
    plan = plan.with_columns(pl.col("household_id").cast(pl.String),
                             pl.col("worker_id").cast(pl.String))  # fmt: skip
    if loads is None:
        loads = worker_loads(plan, inputs.workers)  # sorted by worker_id, like ws
    hh = _households_side(inputs, plan).with_row_index("_row")
    index = index if index is not None else WorkerIndex.of(inputs.workers)
    ws = index.side
    alt = _nearest_other_workers(hh, index, settings)
    found = alt >= 0
    # Gather the alternative's worker and load columns by row; row ``ws.height`` is all null
    # (for households with no alternative).
    if not loads["worker_id"].equals(ws["worker_id"]):  # both sorted by id, one row each
        raise AssertionError("worker loads and worker table are not aligned")
    gather = np.where(found, alt, ws.height)
    load_cols = loads.select(
        pl.col("hours_used").alias("_used"), pl.col("households").alias("_n"),
        "monthly_hours", "max_households",
    )  # fmt: skip
    ws_null = pl.concat([ws, ws.clear(1)])
    load_null = pl.concat([load_cols, load_cols.clear(1)])
    pairs = (
        pl.concat(
            [hh, ws_null[gather], load_null[gather], pl.DataFrame({"_found": found})],
            how="horizontal",
        )
        .join(_flag(inputs.conflicts, "conflict"), on=["household_id", "worker_id"], how="left",
              maintain_order="left")
        .join(_flag(inputs.forbids, "forbidden"), on=["household_id", "worker_id"], how="left",
              maintain_order="left")
        .join(pins_by_household(inputs.pins), on="household_id", how="left",
              maintain_order="left")
        .join(_previous_workers(inputs.previous), on="household_id", how="left",
              maintain_order="left")
        .with_columns(_road_factor(settings).alias("road_factor"))
        .with_columns(rules.travel_minutes_per_visit(settings).alias("travel_minutes"))
        .with_columns(rules.hours_per_month(settings).alias("pair_hours"))
    )  # fmt: skip
    after = pairs.select(
        (pl.col("_used") + pl.col("pair_hours")).alias("hours_used"),
        (pl.col("_n") + 1).alias("households"),
        "monthly_hours",
        "max_households",
    )
    fits = rules.within_hours_capacity(after) & rules.within_count_capacity(after)
    pinned_elsewhere = pl.col("pinned_to").is_not_null() & ~pl.col("pinned_to").list.contains(
        pl.col("worker_id")
    )
    farther = pl.col("_own").is_not_null() & (
        pl.col("travel_minutes") >= pl.col("_own_travel") - _EPS
    )
    reason = (
        pl.when(~pl.col("_found")).then(pl.lit(Reason.NO_ALTERNATIVE.value))
        .when(~rules.worker_active()).then(pl.lit(Reason.INACTIVE.value))
        .when(~rules.in_jurisdiction(settings)).then(pl.lit(Reason.OUTSIDE_JURISDICTION.value))
        .when(~rules.not_own_household()).then(pl.lit(Reason.OWN_HOUSEHOLD.value))
        .when(~rules.no_declared_conflict()).then(pl.lit(Reason.CONFLICT_OF_INTEREST.value))
        .when(~rules.not_forbidden()).then(pl.lit(Reason.FORBIDDEN.value))
        .when(pinned_elsewhere.fill_null(False)).then(pl.lit(Reason.PINNED_ELSEWHERE.value))
        .when(~pl.col("_fits")).then(pl.lit(Reason.AT_CAPACITY.value))
        .when(farther).then(pl.lit(Reason.FARTHER.value))
        .otherwise(pl.lit(Reason.PLAN_TRADEOFF.value))
    )  # fmt: skip
    pairs = pairs.with_columns(fits.alias("_fits")).with_columns(reason.alias("reason_code"))
    if only is not None:
        asked = pl.Series(list(only), dtype=pl.String).implode()
        pairs = pairs.filter(pl.col("household_id").is_in(asked))
        plan = plan.filter(pl.col("household_id").is_in(asked))
    pairs = pairs.join(
        tradeoff_causes(
            pairs, hh, loads, candidates=candidates, inputs=inputs, settings=settings,
            thresholds=thresholds,
        ),
        on="_row", how="left", maintain_order="left",
    )  # fmt: skip
    zh = {r.value: t[0] for r, t in REASON_TEXT.items()}
    en = {r.value: t[1] for r, t in REASON_TEXT.items()}
    if_found = pl.when(pl.col("_found"))
    explained = pairs.select(
        "household_id",
        if_found.then(pl.col("worker_id")).alias("alt_worker_id"),
        if_found.then(pl.col("role")).alias("alt_role"),
        if_found.then(pl.col("travel_minutes")).alias("alt_travel_minutes"),
        "previous_worker_id",
        "reason_code",
        (
            pl.col("reason_code").replace_strict(zh, return_dtype=pl.String)
            + _detail_zh().fill_null("")
            + pl.col("_cause_zh").fill_null("")
        ).alias("reason_zh"),
        (
            pl.col("reason_code").replace_strict(en, return_dtype=pl.String)
            + _detail_en().fill_null("")
            + pl.col("_cause_en").fill_null("")
        ).alias("reason_en"),
    )
    plan_cols = [c for c in HOUSEHOLD_EXPLANATION_COLUMNS[:9] if c in plan.columns]
    out = pl.concat([plan.select(plan_cols), explained.drop("household_id")], how="horizontal")
    return out.select(HOUSEHOLD_EXPLANATION_COLUMNS), loads


# ----------------------------------------------------------------------------- trade-off causes


def _soft_hours(  # noqa: PLR0917  (the explanation's inputs)
    hh: pl.DataFrame,
    townships: list[str],
    candidates: pl.DataFrame | None,
    inputs: PlanInputs,
    settings: AssignmentSettings,
    thresholds: pl.DataFrame | None = None,
) -> dict[str, float]:
    """Each worker's workload-balance threshold in hours (:func:`rules.balance_threshold`)
    for ``townships``: from ``thresholds`` (the solve's, per township) where they hold the
    township, else from ``candidates`` or from arcs built here one township at a time.

    Arcs never cross a township (jurisdiction), so building them per township gives the same
    thresholds while holding only one township's arcs in memory (the whole prefecture's arcs
    would take many GB at 1 M households). The solve computed the same thresholds from the
    same arcs, so taking them from it gives the same figures without building the arcs again
    (most of the time of explaining a township)."""
    if settings.balance_weight <= 0 or not townships:
        return {}
    township = pl.col("township_id").cast(pl.String)
    out: dict[str, float] = {}
    if thresholds is not None:
        given = thresholds.filter(township.is_in(townships))
        out.update(given.select(pl.col("worker_id").cast(pl.String), "soft_hours").iter_rows())
        solved = set(given["township_id"].cast(pl.String).to_list())
        townships = [tw for tw in townships if tw not in solved]
        if not townships:
            return out
    if candidates is not None:
        workers = inputs.workers.filter(township.is_in(townships))
        soft = rules.balance_threshold(workers, candidates, settings)
        out.update(soft.select(pl.col("worker_id").cast(pl.String), "soft_hours").iter_rows())
        return out
    households = hh.filter(
        pl.col("township_id").is_in(townships) & pl.col("tier").is_not_null()
    ).select("household_id", "county_id", "township_id", "village_id", "grid_id", "lon",
             "lat", pl.col("tier").cast(pl.Int8), "risk")  # fmt: skip
    by_township = households.partition_by("township_id", as_dict=True, maintain_order=True)
    for (tw,), part in by_township.items():
        workers = inputs.workers.filter(township == tw)
        arcs = build_candidates(
            part, workers, inputs.previous, inputs.conflicts, settings,
            pins=inputs.pins, forbids=inputs.forbids,
        )  # fmt: skip
        soft = rules.balance_threshold(workers, arcs, settings)
        out.update(soft.select(pl.col("worker_id").cast(pl.String), "soft_hours").iter_rows())
    return out


def tradeoff_causes(
    pairs: pl.DataFrame,
    hh: pl.DataFrame,
    loads: pl.DataFrame,
    *,
    candidates: pl.DataFrame | None,
    inputs: PlanInputs,
    settings: AssignmentSettings,
    thresholds: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Which cause kept each plan trade-off household from the nearer worker with room.

    Moving the household to that worker saves travel (visits x minutes per visit, or, for an
    unvisited household, its unassigned penalty less the new arc's cost) and changes the
    policy's penalty terms, the same ones the solver's cost is made of: continuity (its worker
    is last month's), up-cover (the nearer worker is a higher role than the tier's own) and
    workload balance (the nearer worker would go above its balance threshold, net of the
    relief of its own worker). The causes that applied are the terms that make the move cost
    more; when no term does, or the terms together cost less than the move saves, the plan is
    not optimal for that household (a solver stopped at its limit, or a heuristic plan), and
    the text says so with the saving. ``thresholds``: the solve's workload-balance thresholds
    (see :func:`explain_plan`). Returns ``_row, _cause_zh, _cause_en``.
    """
    schema = {"_row": pl.UInt32, "_cause_zh": pl.String, "_cause_en": pl.String}
    t = pairs.filter(pl.col("reason_code") == Reason.PLAN_TRADEOFF.value)
    if t.height == 0:
        return pl.DataFrame(schema=schema)
    townships = sorted(set(t["township_id"].drop_nulls()))
    soft = _soft_hours(hh, townships, candidates, inputs, settings, thresholds)
    # The loads of the workers these rows name only (a per-township call would otherwise
    # turn every worker of the prefecture into a dict entry).
    named = pl.concat([t["worker_id"].cast(pl.String), t["_own"].cast(pl.String)]).drop_nulls()
    used = dict(
        loads.filter(pl.col("worker_id").is_in(named.unique().implode()))
        .select("worker_id", "hours_used")
        .iter_rows()
    )
    t = t.with_columns(
        rules.visits_per_month(settings).alias("_visits"),
        rules.is_up_cover(settings).alias("_alt_up_cover"),
        rules.travel_minutes_per_month(settings).alias("_alt_travel_cost"),
        rules.unassigned_penalty(settings).alias("_unassigned"),
    )
    weight = settings.balance_weight
    rows = []
    for r in t.iter_rows(named=True):
        own, alt, prev = r["_own"], r["worker_id"], r["previous_worker_id"]
        zh: list[str] = []
        en: list[str] = []
        cost = 0.0
        if own is None:
            # Visiting it at all saves the unassigned penalty, less the new arc's cost.
            saving = float(r["_unassigned"]) - float(r["_alt_travel_cost"])
            saving -= settings.up_cover_penalty if r["_alt_up_cover"] else 0.0
            saving -= settings.continuity_penalty if prev not in (None, alt) else 0.0
        else:
            saving = float(r["_visits"]) * (float(r["_own_travel"]) - float(r["travel_minutes"]))
            if prev is not None and prev == own:
                cost += settings.continuity_penalty
                zh.append(
                    f"延续上月走访人员 {own}(换人计 {settings.continuity_penalty:g} 分钟当量)"
                )
                en.append(
                    f"it keeps last month's worker {own} (a change costs "
                    f"{settings.continuity_penalty:g} minutes-equivalent)"
                )
            elif prev is not None and prev == alt:
                cost -= settings.continuity_penalty
            if r["_alt_up_cover"] and not r["_own_up_cover"]:
                cost += settings.up_cover_penalty
                zh.append(
                    f"避免上位兜底(该人员承接属上位兜底, 计 {settings.up_cover_penalty:g} 分钟当量)"
                )
                en.append(
                    f"no up-cover (that worker's role is above the tier's own, and an "
                    f"up-cover costs {settings.up_cover_penalty:g} minutes-equivalent)"
                )
            elif r["_own_up_cover"] and not r["_alt_up_cover"]:
                cost -= settings.up_cover_penalty
        if alt in soft:
            balance = float(
                rules.overload_change(used.get(alt, 0.0), float(r["pair_hours"]), soft[alt], weight)
            )
            if own is not None and own in soft:
                balance += float(
                    rules.overload_change(used.get(own, 0.0), -float(r["_own_hours"]), soft[own],
                                          weight)
                )  # fmt: skip
            cost += balance
            if balance > _EPS:
                zh.append(
                    f"为他户留出工时(该人员将超出均衡份额 {soft[alt]:.1f} 小时, 计 {balance:.1f})"
                )
                en.append(
                    f"capacity kept for others (that worker would go above its balanced share "
                    f"of {soft[alt]:.1f} h, costing {balance:.1f})"
                )
        if zh and cost >= saving - _EPS:
            rows.append((
                r["_row"],
                ", 但方案保持现状: " + "; ".join(zh),
                ", but the plan keeps its pairing: " + "; ".join(en),
            ))  # fmt: skip
        else:
            rows.append((
                r["_row"],
                f", 且没有规则支持现状: 改派可省 {saving - cost:,.1f} 分钟当量, 方案在此未达最优"
                "(求解器到达限制或为启发式方案)",
                f", and no rule of the policy favours the current pairing: the move would save "
                f"{saving - cost:,.1f} minutes-equivalent (the plan is not optimal for this "
                "household: a solver limit or a heuristic plan)",
            ))  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def _previous_workers(previous: pl.DataFrame | None) -> pl.DataFrame:
    """Last month's worker per household (same rule as the candidate builder)."""
    if previous is None:
        return pl.DataFrame(schema={"household_id": pl.String, "previous_worker_id": pl.String})
    return latest_previous(
        previous.with_columns(
            pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String)
        )
    )


def _worker_area(words: tuple[str, str, str], separator: str) -> pl.Expr:
    """`` (人员属乡镇 T、村 V、网格 G)``: the worker's areas, each after its word, the ones it
    has none of left out (a cadre has no village or grid: it read "乡镇 - 村 - 网格")."""
    parts = [
        pl.concat_str([pl.lit(f"{word} "), pl.col(col)])  # null where the worker has none
        for word, col in zip(words, ("w_township_id", "w_village_id", "w_grid_id"), strict=True)
    ]
    return pl.concat_str(
        [pl.lit(" ("), pl.concat_str(parts, separator=separator, ignore_nulls=True), pl.lit(")")]
    )


def _detail_zh() -> pl.Expr:
    at_cap = pl.format(
        " (已用 {}/{} 小时, {}/{} 户)", pl.col("_used").round(1), pl.col("monthly_hours").round(1),
        pl.col("_n"), pl.col("max_households"),
    )  # fmt: skip
    return (
        pl.when(pl.col("reason_code") == Reason.AT_CAPACITY.value).then(at_cap)
        .when(pl.col("reason_code") == Reason.OUTSIDE_JURISDICTION.value)
        .then(_worker_area(("人员属乡镇", "村", "网格"), "、"))
        .when(pl.col("reason_code") == Reason.PINNED_ELSEWHERE.value)
        .then(pl.format(" (指定 {})", pl.col("pinned_to").list.join(",")))
        .otherwise(pl.lit(""))
    )  # fmt: skip


def _detail_en() -> pl.Expr:
    at_cap = pl.format(
        " ({}/{} h, {}/{} households used)", pl.col("_used").round(1),
        pl.col("monthly_hours").round(1), pl.col("_n"), pl.col("max_households"),
    )  # fmt: skip
    return (
        pl.when(pl.col("reason_code") == Reason.AT_CAPACITY.value).then(at_cap)
        .when(pl.col("reason_code") == Reason.OUTSIDE_JURISDICTION.value)
        .then(_worker_area(("worker in township", "village", "grid"), ", "))
        .when(pl.col("reason_code") == Reason.PINNED_ELSEWHERE.value)
        .then(pl.format(" (pinned to {})", pl.col("pinned_to").list.join(",")))
        .otherwise(pl.lit(""))
    )  # fmt: skip

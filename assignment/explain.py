"""Explanations of a plan: why each household got its worker, and what else it could get.

Three outputs (issue 4, point 5):

* :func:`explain_plan` -> per household: its worker, role, travel, hours, continuity and
  up-cover, and the *nearest worker of an eligible role it did not get*, with a reason code and
  text in Chinese and English; per worker: households, hours used and utilisation.
* :func:`alternatives` -> for one household, every other allowed worker ranked by what the
  switch would change in the objective, including the household that would be displaced when
  that worker is full and that household's cheapest fallback.

The reasons come from the same rule functions the candidate builder uses
(:mod:`assignment.constraints`), so "why" is computed by the code that decides "what".
The nearest workers are found with a k-d tree on the unit sphere (chord distance orders points
exactly as great-circle distance does), so this scales to the whole prefecture.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from assignment import constraints as rules
from assignment.domain import AssignmentSettings, Role
from assignment.validator import PlanInputs

__all__ = [
    "REASON_TEXT",
    "Reason",
    "alternatives",
    "explain_plan",
    "worker_loads",
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
    Reason.OUTSIDE_JURISDICTION: ("住户不在该人员管辖范围内", "outside that worker's jurisdiction"),
    Reason.OWN_HOUSEHOLD: ("该人员本人家庭, 需回避", "it is that worker's own household"),
    Reason.CONFLICT_OF_INTEREST: ("与该人员存在利益冲突", "declared conflict of interest"),
    Reason.FORBIDDEN: ("督导禁止该配对", "a supervisor forbade that pairing"),
    Reason.PINNED_ELSEWHERE: ("督导已指定其他人员", "a supervisor pinned another worker"),
    Reason.AT_CAPACITY: ("该人员工时或户数已满", "that worker is at capacity"),
    Reason.FARTHER: ("该人员比已分配人员更远", "that worker is farther than the one assigned"),
    Reason.PLAN_TRADEOFF: (
        "该人员有余力, 但整体方案更优(延续上月人员/避免上位兜底/为他户留出容量)",
        "that worker has room, but the overall plan is better as is "
        "(continuity, no up-cover, capacity kept for others)",
    ),
    Reason.NO_ALTERNATIVE: ("没有其他可承接该类别的人员", "no other worker of an eligible role"),
}

HOUSEHOLD_EXPLANATION_COLUMNS = (
    "household_id", "township_id", "tier", "worker_id", "role", "travel_minutes",
    "hours_per_month", "kept_previous", "up_cover", "previous_worker_id", "alt_worker_id",
    "alt_role", "alt_travel_minutes", "reason_code", "reason_zh", "reason_en",
)  # fmt: skip


# ----------------------------------------------------------------------------- loads


def worker_loads(plan: pl.DataFrame, workers: pl.DataFrame) -> pl.DataFrame:
    """Per worker (every worker, also idle ones): households, hours used and utilisation."""
    used = (
        plan.filter(pl.col("worker_id").is_not_null())
        .group_by("worker_id")
        .agg(
            pl.len().alias("households"),
            pl.col("hours_per_month").sum().alias("hours_used"),
            pl.col("travel_minutes").sum().alias("travel_minutes_per_visit_total"),
            pl.col("up_cover").sum().alias("up_cover_households"),
            pl.col("kept_previous").sum().alias("kept_previous_households"),
        )
    )
    wk = workers.select(
        pl.col("worker_id").cast(pl.String),
        pl.col("role").cast(pl.String),
        pl.col("township_id").cast(pl.String),
        pl.col("village_id").cast(pl.String),
        pl.col("grid_id").cast(pl.String),
        pl.col("active").cast(pl.Boolean),
        pl.col("monthly_hours").cast(pl.Float64),
        pl.col("max_households").cast(pl.Int64),
    ).unique("worker_id", keep="first", maintain_order=True)
    return (
        wk.join(used, on="worker_id", how="left")
        .with_columns(
            pl.col("households").fill_null(0).cast(pl.Int64),
            pl.col("hours_used").fill_null(0.0),
            pl.col("up_cover_households").fill_null(0).cast(pl.Int64),
            pl.col("kept_previous_households").fill_null(0).cast(pl.Int64),
        )
        .with_columns(
            pl.when(pl.col("monthly_hours") > 0)
            .then(pl.col("hours_used") / pl.col("monthly_hours"))
            .alias("utilisation_hours"),
            pl.when(pl.col("max_households") > 0)
            .then(pl.col("households") / pl.col("max_households"))
            .alias("utilisation_count"),
        )
        .drop("travel_minutes_per_visit_total")
        .sort("worker_id")
    )


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


def _pins_by_household(pins: pl.DataFrame | None) -> pl.DataFrame:
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
    hh: pl.DataFrame, ws: pl.DataFrame, settings: AssignmentSettings
) -> np.ndarray:
    """Per row of ``hh``, the row of ``ws`` of the nearest worker of an eligible role other
    than the household's own worker (``_own``), or -1 when there is none.

    Ties in distance go to the smaller id (``ws`` is sorted by id). Vectorised: a k-d tree
    query per role, then a row-wise minimum in numpy.
    """
    own = (
        hh["_own"].cast(pl.Enum(ws["worker_id"]), strict=False).to_physical().cast(pl.Int64)
        .fill_null(-1).to_numpy()
    )  # fmt: skip
    best_d = np.full(hh.height, np.inf)
    best_w = np.full(hh.height, -1, dtype=np.int64)
    tier = hh["tier"].fill_null(0).to_numpy()
    located = (hh["lon"].is_not_null() & hh["lat"].is_not_null()).to_numpy()
    xyz = _unit_xyz(hh["lon"].fill_null(0.0).to_numpy(), hh["lat"].fill_null(0.0).to_numpy())
    roles = ws["role"].to_numpy()
    for role in Role:
        w_rows = np.flatnonzero(roles == role.value)
        tiers = [t for t in (1, 2, 3) if any(r == role for r, _ in settings.eligible_roles(t))]
        h_rows = np.flatnonzero(np.isin(tier, tiers) & located)
        if w_rows.size == 0 or h_rows.size == 0:
            continue
        tree = cKDTree(_unit_xyz(ws["w_lon"].to_numpy()[w_rows], ws["w_lat"].to_numpy()[w_rows]))
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
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Explain every household of ``plan`` and the load of every worker.

    Returns ``(household_explanations, worker_loads)``, the first with one row per plan row in
    the plan's order. For each household the nearest worker whose role may serve its tier,
    other than its own worker, is reported with the first reason (in this order) that kept
    the household from it: inactive, outside jurisdiction, own household, conflict of
    interest, forbidden, pinned elsewhere, at capacity, farther, plan trade-off (or
    no_alternative when no such worker exists). ``candidates`` is not needed for this (it is
    for :func:`alternatives`) and may be None; it is accepted so callers pass what they have.
    """
    del candidates  # the nearest worker is searched over all workers, not only the arcs
    plan = plan.with_columns(pl.col("household_id").cast(pl.String),
                             pl.col("worker_id").cast(pl.String))  # fmt: skip
    loads = worker_loads(plan, inputs.workers)  # sorted by worker_id, like ws
    hh = _households_side(inputs, plan)
    ws = _worker_side(inputs.workers)
    alt = _nearest_other_workers(hh, ws, settings)
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
        .join(_pins_by_household(inputs.pins), on="household_id", how="left",
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
    own = (pl.col("own_household_id") == pl.col("household_id")).fill_null(False)
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
        .when(own).then(pl.lit(Reason.OWN_HOUSEHOLD.value))
        .when(~rules.no_conflict_of_interest()).then(pl.lit(Reason.CONFLICT_OF_INTEREST.value))
        .when(~rules.not_forbidden()).then(pl.lit(Reason.FORBIDDEN.value))
        .when(pinned_elsewhere.fill_null(False)).then(pl.lit(Reason.PINNED_ELSEWHERE.value))
        .when(~pl.col("_fits")).then(pl.lit(Reason.AT_CAPACITY.value))
        .when(farther).then(pl.lit(Reason.FARTHER.value))
        .otherwise(pl.lit(Reason.PLAN_TRADEOFF.value))
    )  # fmt: skip
    pairs = pairs.with_columns(fits.alias("_fits")).with_columns(reason.alias("reason_code"))
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
        ).alias("reason_zh"),
        (
            pl.col("reason_code").replace_strict(en, return_dtype=pl.String)
            + _detail_en().fill_null("")
        ).alias("reason_en"),
    )
    plan_cols = [c for c in HOUSEHOLD_EXPLANATION_COLUMNS[:9] if c in plan.columns]
    out = pl.concat([plan.select(plan_cols), explained.drop("household_id")], how="horizontal")
    return out.select(HOUSEHOLD_EXPLANATION_COLUMNS), loads


def _previous_workers(previous: pl.DataFrame | None) -> pl.DataFrame:
    """Last month's worker per household (same rule as the candidate builder)."""
    from assignment.candidates import latest_previous

    if previous is None:
        return pl.DataFrame(schema={"household_id": pl.String, "previous_worker_id": pl.String})
    return latest_previous(
        previous.with_columns(
            pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String)
        )
    )


def _detail_zh() -> pl.Expr:
    at_cap = pl.format(
        " (已用 {}/{} 小时, {}/{} 户)", pl.col("_used").round(1), pl.col("monthly_hours").round(1),
        pl.col("_n"), pl.col("max_households"),
    )  # fmt: skip
    return (
        pl.when(pl.col("reason_code") == Reason.AT_CAPACITY.value).then(at_cap)
        .when(pl.col("reason_code") == Reason.OUTSIDE_JURISDICTION.value)
        .then(pl.format(" (人员属 {} 乡镇 {} 村 {} 网格)", pl.col("w_township_id").fill_null("-"),
                        pl.col("w_village_id").fill_null("-"), pl.col("w_grid_id").fill_null("-")))
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
        .then(pl.format(" (worker in township {} village {} grid {})",
                        pl.col("w_township_id").fill_null("-"),
                        pl.col("w_village_id").fill_null("-"), pl.col("w_grid_id").fill_null("-")))
        .when(pl.col("reason_code") == Reason.PINNED_ELSEWHERE.value)
        .then(pl.format(" (pinned to {})", pl.col("pinned_to").list.join(",")))
        .otherwise(pl.lit(""))
    )  # fmt: skip


# ----------------------------------------------------------------------------- alternatives

ALTERNATIVE_COLUMNS = (
    "rank", "worker_id", "role", "travel_minutes", "hours_per_month", "arc_cost",
    "arc_change", "fits", "displaced_household_id", "displaced_fallback_worker_id",
    "displaced_change", "balance_change", "objective_change", "note_zh", "note_en",
)  # fmt: skip


def _risk_of(inputs: PlanInputs) -> dict[str, float]:
    if "p_tier1" not in inputs.scores.columns:
        return {}
    return dict(
        inputs.scores.select(
            pl.col("household_id").cast(pl.String), pl.col("p_tier1").cast(pl.Float64)
        ).iter_rows()
    )


def _unassigned_cost(settings: AssignmentSettings, tier: int, risk: float | None) -> float:
    """Same rule as :func:`assignment.constraints.unassigned_penalty`: base x (1 + risk)."""
    frame = pl.DataFrame(
        {"tier": [tier], "risk": [risk]}, schema={"tier": pl.Int64, "risk": pl.Float64}
    )
    return float(frame.select(rules.unassigned_penalty(settings)).item())  # fmt: skip


def alternatives(
    household_id: str,
    plan: pl.DataFrame,
    candidates: pl.DataFrame,
    inputs: PlanInputs,
    settings: AssignmentSettings,
) -> pl.DataFrame:
    """Every other allowed worker of ``household_id``, ranked by the objective change.

    ``objective_change`` = (arc cost of the alternative - the household's current cost, its
    arc cost or its unassigned penalty) + ``displaced_change`` when the alternative is full:
    the cheapest single household of that worker whose removal makes room is displaced to its
    own cheapest fallback (a worker with room, the switching household's old worker included,
    or unassigned at its penalty). Pinned households are never displaced. A switch that no
    single displacement can make room for has ``fits`` false and a null change.
    ``balance_change`` is the change of the workload-balance cost of every worker the switch
    touches (:func:`assignment.constraints.balance_threshold`), included in the total.
    """
    plan = plan.with_columns(pl.col("household_id").cast(pl.String),
                             pl.col("worker_id").cast(pl.String))  # fmt: skip
    cand = candidates.with_columns(
        pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String)
    )
    row = plan.filter(pl.col("household_id") == household_id)
    if row.height == 0:
        raise KeyError(f"household {household_id!r} is not in the plan")
    current = row.row(0, named=True)
    w0 = current["worker_id"]
    risk = _risk_of(inputs)
    cost = {(h, w): c for h, w, c in cand.select("household_id", "worker_id", "cost").iter_rows()}
    if w0 is None:
        c0 = _unassigned_cost(settings, int(current["tier"]), risk.get(household_id))
    else:
        c0 = cost.get((household_id, w0), float("nan"))

    loads = worker_loads(plan, inputs.workers)
    room_h = {
        w: cap - used
        for w, cap, used in loads.select("worker_id", "monthly_hours", "hours_used").iter_rows()
    }
    room_n = {w: cap - n for w, cap, n in
              loads.select("worker_id", "max_households", "households").iter_rows()}  # fmt: skip
    if w0 is not None:  # the switching household leaves its worker
        room_h[w0] = room_h.get(w0, 0.0) + float(current["hours_per_month"] or 0.0)
        room_n[w0] = room_n.get(w0, 0) + 1
    pins = _pins_by_household(inputs.pins)
    pinned_to = {h: set(ws) for h, ws in pins.iter_rows()}
    tier_of = dict(plan.select("household_id", pl.col("tier").cast(pl.Int64)).iter_rows())
    members: dict[str, list[tuple[str, float]]] = {}
    for h, w, hours in (
        plan.filter(pl.col("worker_id").is_not_null())
        .select("household_id", "worker_id", "hours_per_month")
        .iter_rows()
    ):
        members.setdefault(w, []).append((h, float(hours)))
    arcs_of: dict[str, list[tuple[str, float, float]]] = {}
    for h, w, hours, c in (
        cand.select("household_id", "worker_id", "hours_per_month", "cost")
        .sort(["household_id", "cost", "worker_id"])
        .iter_rows()
    ):
        arcs_of.setdefault(h, []).append((w, float(hours), float(c)))

    def fallback(g: str, leaving: str) -> tuple[str | None, float, float]:
        """Cheapest new place of ``g`` when it leaves ``leaving``: a worker with room, or none;
        (worker, cost, hours)."""
        for w, hours, c in arcs_of.get(g, []):
            if w != leaving and room_n.get(w, 0) >= 1 and room_h.get(w, 0.0) + _EPS >= hours:
                return w, c, hours
        return None, _unassigned_cost(settings, tier_of.get(g, 3), risk.get(g)), 0.0

    soft: dict[str, float] = {}
    if settings.balance_weight > 0 and "up_cover" in cand.columns:
        soft = dict(
            rules.balance_threshold(inputs.workers, cand, settings)
            .select(pl.col("worker_id").cast(pl.String), "soft_hours")
            .iter_rows()
        )
    used_h = dict(loads.select("worker_id", "hours_used").iter_rows())

    def balance_change(moves: list[tuple[str | None, float]]) -> float:
        """Change of the balance cost when each (worker, hours) in ``moves`` is applied."""
        delta: dict[str, float] = {}
        for w, dh in moves:
            if w is not None and w in soft:
                delta[w] = delta.get(w, 0.0) + dh
        total = 0.0
        for w, dh in delta.items():
            u, s = used_h.get(w, 0.0), soft[w]
            total += settings.balance_weight * (max(0.0, u + dh - s) - max(0.0, u - s))
        return total

    h0 = float(current["hours_per_month"] or 0.0) if w0 is not None else 0.0

    out = []
    for w, hours, c in arcs_of.get(household_id, []):
        if w == w0:
            continue
        fits = room_n.get(w, 0) >= 1 and room_h.get(w, 0.0) + _EPS >= hours
        displaced: str | None = None
        fb_worker: str | None = None
        d_change: float | None = None
        moves: list[tuple[str | None, float]] = [(w0, -h0), (w, hours)]
        if not fits:
            best: tuple[float, str, str | None, float, float] | None = None
            for g, g_hours in sorted(members.get(w, [])):
                if w in pinned_to.get(g, set()) or g == household_id:
                    continue
                if room_n.get(w, 0) + 1 < 1 or room_h.get(w, 0.0) + g_hours + _EPS < hours:
                    continue
                fw, fc, fh = fallback(g, w)
                change = fc - cost.get((g, w), fc)
                if best is None or (change, g) < (best[0], best[1]):
                    best = (change, g, fw, g_hours, fh)
            if best is not None:
                d_change, displaced, fb_worker, g_out, fb_hours = best
                moves += [(w, -g_out), (fb_worker, fb_hours)]
                fits = True
        arc_change = c - c0
        b_change = balance_change(moves) if fits else None
        total = None if not fits else arc_change + (d_change or 0.0) + (b_change or 0.0)
        notes_zh, notes_en = [], []
        if household_id in pinned_to and w not in pinned_to[household_id]:
            notes_zh.append("违反督导指定")
            notes_en.append("breaks a supervisor's pin")
        if not fits:
            notes_zh.append("需调出多户才能腾出容量")
            notes_en.append("needs more than one household displaced")
        elif displaced is not None:
            notes_zh.append(f"调出 {displaced} 至 {fb_worker or '未分配'}")
            notes_en.append(f"moves {displaced} to {fb_worker or 'unassigned'}")
        out.append((w, hours, c, arc_change, fits, displaced, fb_worker, d_change, b_change, total,
                    "; ".join(notes_zh), "; ".join(notes_en)))  # fmt: skip
    frame = pl.DataFrame(
        out,
        schema={
            "worker_id": pl.String, "hours_per_month": pl.Float64, "arc_cost": pl.Float64,
            "arc_change": pl.Float64, "fits": pl.Boolean, "displaced_household_id": pl.String,
            "displaced_fallback_worker_id": pl.String, "displaced_change": pl.Float64,
            "balance_change": pl.Float64, "objective_change": pl.Float64,
            "note_zh": pl.String, "note_en": pl.String,
        },
        orient="row",
    )  # fmt: skip
    extra = cand.filter(pl.col("household_id") == household_id).select(
        "worker_id", "role", "travel_minutes"
    )
    return (
        frame.join(extra, on="worker_id", how="left")
        .sort(["objective_change", "worker_id"], nulls_last=True)
        .with_row_index("rank", offset=1)
        .select(ALTERNATIVE_COLUMNS)
    )

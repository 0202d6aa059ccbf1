"""What-if of one household: every other allowed worker, ranked by the objective change.

For each alternative worker: the change of the household's own arc cost, the household that
would be displaced when that worker is full (the cheapest single one to move, never a pinned
one) with its own cheapest fallback, and the change of the workload-balance cost of every
worker the switch touches. The rules come from :mod:`assignment.constraints`, the same
functions the solver uses.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator

import polars as pl

from assignment import constraints as rules
from assignment.domain import AssignmentSettings, PlanInputs
from assignment.errors import InputError
from assignment.explain import pins_by_household
from assignment.loads import worker_loads

__all__ = ["ALTERNATIVE_COLUMNS", "alternatives"]

ALTERNATIVE_COLUMNS = (
    "rank", "worker_id", "role", "travel_minutes", "hours_per_month", "arc_cost",
    "arc_change", "fits", "displaced_household_id", "displaced_tier",
    "displaced_fallback_worker_id", "displaced_change", "balance_change", "objective_change",
    "note_zh", "note_en",
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
    """Every other allowed worker of ``household_id``, ranked by the objective change, then
    (among equal changes, and among the switches without one) by travel time.

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
        raise InputError(f"农户不在方案中 (household {household_id!r} is not in the plan)")
    current = row.row(0, named=True)
    w0 = current["worker_id"]
    risk = _risk_of(inputs)
    # Only the household's own arcs and those of the households its alternative workers hold
    # (who may be displaced) are looked at one by one: the rest stay in polars.
    alt_workers = cand.filter(pl.col("household_id") == household_id)["worker_id"].implode()
    involved = pl.concat(
        [
            row.select("household_id"),
            plan.filter(pl.col("worker_id").is_in(alt_workers)).select("household_id"),
        ]
    )["household_id"].implode()
    near = cand.filter(pl.col("household_id").is_in(involved))
    # Priced one by one: the household's own arcs, and each held household's arc to the worker
    # holding it (what moving it out saves); a held household's other arcs only when it is
    # moved (arcs_of). Those are a few hundred of the tens of thousands of arcs in ``near``.
    held = plan.filter(pl.col("worker_id").is_in(alt_workers)).select("household_id", "worker_id")
    priced = pl.concat(
        [
            near.filter(pl.col("household_id") == household_id),
            near.join(held, on=["household_id", "worker_id"], how="semi"),
        ]
    )
    cost = {(h, w): c for h, w, c in priced.select("household_id", "worker_id", "cost").iter_rows()}
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
    pins = pins_by_household(inputs.pins)
    pinned_to = {h: set(ws) for h, ws in pins.iter_rows()}
    tier_of = dict(
        plan.filter(pl.col("household_id").is_in(involved))
        .select("household_id", pl.col("tier").cast(pl.Int64))
        .iter_rows()
    )
    members: dict[str, list[tuple[str, float]]] = {}
    for h, w, hours in (
        plan.filter(pl.col("worker_id").is_in(alt_workers))
        .select("household_id", "worker_id", "hours_per_month")
        .iter_rows()
    ):
        members.setdefault(w, []).append((h, float(hours)))
    arcs = near.select("household_id", "worker_id", "hours_per_month", "cost").sort(
        ["household_id", "cost", "worker_id"]
    )
    # Columns as lists (sorted by household): a household's arcs found by bisection and read
    # one by one when asked for (a fallback stops at the first with room), instead of a tuple
    # for every arc of ``near`` up front.
    arc_ids, arc_workers, arc_hours, arc_costs = (arcs[c].to_list() for c in arcs.columns)

    def arcs_of(h: str) -> Iterator[tuple[str, float, float]]:
        """Household ``h``'s arcs, cheapest first: ``(worker, hours, cost)``."""
        for i in range(bisect_left(arc_ids, h), bisect_right(arc_ids, h)):
            yield arc_workers[i], float(arc_hours[i]), float(arc_costs[i])

    def has_room(w: str, hours: float) -> bool:
        """Whether worker ``w`` can take one more household of ``hours``."""
        return bool(rules.fits_capacity(hours, room_h.get(w, 0.0), 1, room_n.get(w, 0)))

    def fallback(g: str, leaving: str) -> tuple[str | None, float, float]:
        """Cheapest new place of ``g`` when it leaves ``leaving``: a worker with room, or none;
        (worker, cost, hours)."""
        for w, hours, c in arcs_of(g):
            if w != leaving and has_room(w, hours):
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
        return sum(
            float(rules.overload_change(used_h.get(w, 0.0), dh, soft[w], settings.balance_weight))
            for w, dh in delta.items()
        )

    h0 = float(current["hours_per_month"] or 0.0) if w0 is not None else 0.0

    out = []
    for w, hours, c in arcs_of(household_id):
        if w == w0:
            continue
        fits = has_room(w, hours)
        displaced: str | None = None
        fb_worker: str | None = None
        d_change: float | None = None
        moves: list[tuple[str | None, float]] = [(w0, -h0), (w, hours)]
        if not fits:
            best: tuple[float, str, str | None, float, float] | None = None
            for g, g_hours in sorted(members.get(w, [])):
                if w in pinned_to.get(g, set()) or g == household_id:
                    continue
                if not rules.fits_capacity(
                    hours, room_h.get(w, 0.0) + g_hours, 1, room_n.get(w, 0) + 1
                ):
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
        d_tier = None if displaced is None else tier_of.get(displaced)
        out.append((w, hours, c, arc_change, fits, displaced, d_tier, fb_worker, d_change,
                    b_change, total, "; ".join(notes_zh), "; ".join(notes_en)))  # fmt: skip
    frame = pl.DataFrame(
        out,
        schema={
            "worker_id": pl.String, "hours_per_month": pl.Float64, "arc_cost": pl.Float64,
            "arc_change": pl.Float64, "fits": pl.Boolean, "displaced_household_id": pl.String,
            "displaced_tier": pl.Int64, "displaced_fallback_worker_id": pl.String,
            "displaced_change": pl.Float64,
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
        .sort(["objective_change", "travel_minutes", "worker_id"], nulls_last=True)
        .with_row_index("rank", offset=1)
        .select(ALTERNATIVE_COLUMNS)
    )

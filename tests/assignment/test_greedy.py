"""Greedy baseline: order (pins, tier, risk), nearest own-role worker with room, validity."""

from __future__ import annotations

import polars as pl
from test_validator import world_inputs

from assignment.candidates import build_candidates
from assignment.domain import AssignmentSettings, PlanInputs
from assignment.greedy import PLAN_SCHEMA, greedy_plan
from assignment.validator import validate_plan
from visit_planner.synthetic.scores import truth_scores

S = AssignmentSettings()


def _hh_for_candidates(inputs: PlanInputs) -> pl.DataFrame:
    return inputs.households.join(
        inputs.scores.select(
            "household_id", pl.col("final_tier").alias("tier"), pl.col("p_tier1").alias("risk")
        ),
        on="household_id",
    )


def _solve(inputs: PlanInputs, settings: AssignmentSettings = S) -> pl.DataFrame:
    hh = _hh_for_candidates(inputs)
    cand = build_candidates(
        hh, inputs.workers, inputs.previous, inputs.conflicts, settings, inputs.pins,
        inputs.forbids,
    )  # fmt: skip
    return greedy_plan(
        cand, hh, inputs.workers, pins=inputs.pins, forbids=inputs.forbids,
        conflicts=inputs.conflicts,
    )  # fmt: skip


def _who(plan: pl.DataFrame) -> dict[str, str | None]:
    return dict(plan.select("household_id", "worker_id").iter_rows())


def _arcs(rows: list[tuple[str, str, int, float, float, bool]]) -> pl.DataFrame:
    """Hand-made arcs: (household, worker, tier, travel, hours, up_cover)."""
    return pl.DataFrame(
        rows,
        schema={"household_id": pl.String, "worker_id": pl.String, "tier": pl.Int8,
                "travel_minutes": pl.Float64, "hours_per_month": pl.Float64,
                "up_cover": pl.Boolean},
        orient="row",
    ).with_columns(
        pl.lit("T1").alias("township_id"),
        pl.when(pl.col("up_cover")).then(pl.lit("cadre")).otherwise(pl.lit("village_official"))
        .alias("role"),
        pl.col("travel_minutes").alias("cost"),
        pl.lit(False).alias("kept_previous"),
    )  # fmt: skip


def _hh(rows: list[tuple[str, int, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"household_id": pl.String, "tier": pl.Int8, "risk": pl.Float64},
        orient="row",
    ).with_columns(pl.lit("T1").alias("township_id"))  # fmt: skip


def _wk(caps: dict[str, tuple[float, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "worker_id": list(caps),
            "monthly_hours": [c[0] for c in caps.values()],
            "max_households": [c[1] for c in caps.values()],
        }
    )


def test_world_plan_is_valid_and_complete() -> None:
    inputs = world_inputs()
    plan = _solve(inputs)
    assert plan.schema == pl.Schema(PLAN_SCHEMA)
    assert plan["household_id"].to_list() == ["H1", "H2", "H3", "H4", "H5"]
    assert validate_plan(plan, inputs, S) == []
    # Nearest own-role worker with room: H5 (tier 2, village V2) gets VO2.
    assert _who(plan) == {"H1": "C1", "H2": "VO1", "H3": "GW1", "H4": "GW3", "H5": "VO2"}


def test_higher_tier_first_for_a_shared_worker() -> None:
    # C1 has room for one household; tier 1 beats a nearer, riskier tier 2.
    arcs = _arcs([("a", "C1", 2, 1.0, 1.0, True), ("b", "C1", 1, 9.0, 1.0, False)])
    plan = greedy_plan(arcs, _hh([("a", 2, 0.9), ("b", 1, 0.5)]), _wk({"C1": (10.0, 1)}))
    assert _who(plan) == {"a": None, "b": "C1"}


def test_higher_risk_first_within_a_tier() -> None:
    arcs = _arcs([("a", "W", 2, 1.0, 1.0, False), ("b", "W", 2, 5.0, 1.0, False)])
    plan = greedy_plan(arcs, _hh([("a", 2, 0.2), ("b", 2, 0.7)]), _wk({"W": (1.5, 5)}))
    assert _who(plan) == {"a": None, "b": "W"}


def test_nearest_worker_with_room_and_id_ties() -> None:
    arcs = _arcs(
        [
            ("a", "W2", 2, 3.0, 1.0, False),
            ("a", "W1", 2, 3.0, 1.0, False),
            ("a", "W3", 2, 1.0, 1.0, False),
        ]
    )
    hh = _hh([("a", 2, 0.1)])
    assert _who(greedy_plan(arcs, hh, _wk({"W1": (9, 9), "W2": (9, 9), "W3": (9, 9)}))) == {
        "a": "W3"
    }
    # W3 full (count), then the tie between W1 and W2 goes to the smaller id.
    assert _who(greedy_plan(arcs, hh, _wk({"W1": (9, 9), "W2": (9, 9), "W3": (9, 0)}))) == {
        "a": "W1"
    }
    # W1 short of hours.
    assert _who(greedy_plan(arcs, hh, _wk({"W1": (0.5, 9), "W2": (9, 9), "W3": (9, 0)}))) == {
        "a": "W2"
    }


def test_own_role_before_up_cover() -> None:
    arcs = _arcs([("a", "C1", 2, 1.0, 1.0, True), ("a", "VO1", 2, 8.0, 1.0, False)])
    hh = _hh([("a", 2, 0.1)])
    assert _who(greedy_plan(arcs, hh, _wk({"C1": (9, 9), "VO1": (9, 9)}))) == {"a": "VO1"}
    assert _who(greedy_plan(arcs, hh, _wk({"C1": (9, 9), "VO1": (9, 0)}))) == {"a": "C1"}


def test_pins_first_and_only_the_pinned_worker() -> None:
    arcs = _arcs(
        [
            ("a", "W1", 1, 1.0, 1.0, False),
            ("b", "W1", 2, 9.0, 1.0, False),
            ("b", "W2", 2, 1.0, 1.0, False),
        ]
    )
    pins = pl.DataFrame({"household_id": ["b"], "worker_id": ["W1"]})
    plan = greedy_plan(
        arcs, _hh([("a", 1, 0.9), ("b", 2, 0.1)]), _wk({"W1": (9, 1), "W2": (9, 9)}), pins=pins
    )
    # b is pinned to W1, goes first, and takes W1's only slot although W2 is nearer.
    assert _who(plan) == {"a": None, "b": "W1"}


def test_infeasible_pin_falls_back_to_normal_choice() -> None:
    arcs = _arcs([("a", "W2", 2, 1.0, 1.0, False)])
    pins = pl.DataFrame({"household_id": ["a"], "worker_id": ["W9"]})
    plan = greedy_plan(arcs, _hh([("a", 2, 0.1)]), _wk({"W2": (9, 9)}), pins=pins)
    assert _who(plan) == {"a": "W2"}


def test_forbids_and_conflicts_are_reapplied() -> None:
    arcs = _arcs([("a", "W1", 2, 1.0, 1.0, False), ("a", "W2", 2, 2.0, 1.0, False),
                  ("a", "W3", 2, 3.0, 1.0, False)])  # fmt: skip
    wk = _wk({"W1": (9, 9), "W2": (9, 9), "W3": (9, 9)})
    pair = pl.DataFrame({"household_id": ["a"], "worker_id": ["W1"]})
    pair2 = pl.DataFrame({"household_id": ["a"], "worker_id": ["W2"]})
    plan = greedy_plan(arcs, _hh([("a", 2, 0.1)]), wk, forbids=pair, conflicts=pair2)
    assert _who(plan) == {"a": "W3"}


def test_unassigned_rows_are_explicit() -> None:
    plan = greedy_plan(_arcs([]), _hh([("a", 1, 0.3)]), _wk({"W": (9, 9)}))
    row = plan.row(0, named=True)
    assert row["worker_id"] is None and row["tier"] == 1 and row["township_id"] == "T1"
    assert row["kept_previous"] is False and row["up_cover"] is False


def test_deterministic_under_row_order() -> None:
    inputs = world_inputs()
    hh = _hh_for_candidates(inputs)
    cand = build_candidates(hh, inputs.workers, inputs.previous, None, S)
    a = greedy_plan(cand, hh, inputs.workers)
    b = greedy_plan(
        cand.sample(fraction=1.0, shuffle=True, seed=3),
        hh.reverse(),
        inputs.workers.reverse(),
    )
    assert a.equals(b)


def test_capacity_pressure_plan_is_valid() -> None:
    # Tight capacities force up-covers and unassigned rows; the plan must still be valid.
    inputs = world_inputs()
    wk = inputs.workers.with_columns(
        pl.when(pl.col("worker_id").is_in(["VO1", "GW1"]))
        .then(0)
        .otherwise(pl.col("max_households"))
        .alias("max_households")
    )
    from dataclasses import replace

    inputs = replace(inputs, workers=wk)
    plan = _solve(inputs)
    assert validate_plan(plan, inputs, S) == []
    who = _who(plan)
    assert who["H2"] == "C1"  # up-cover by the township cadre
    assert plan.filter(pl.col("household_id") == "H2")["up_cover"].item() is True


def test_small_prefecture_with_pins_and_forbids_is_valid(small_prefecture) -> None:  # type: ignore[no-untyped-def]
    """On the synthetic prefecture, random pins and forbids: valid plan, every pin honoured."""
    p = small_prefecture
    scores = truth_scores(p)
    inputs = PlanInputs(
        households=p.households, workers=p.workers, scores=scores,
        previous=p.previous_assignment, conflicts=p.conflicts,
    )  # fmt: skip
    hh = _hh_for_candidates(inputs)
    cand = build_candidates(hh, p.workers, p.previous_assignment, p.conflicts, S)
    # One pin per worker (so pins alone never exceed a capacity), on distinct households.
    pins = (
        cand.sample(n=2000, seed=7)
        .unique("worker_id", keep="first", maintain_order=True)
        .unique("household_id", keep="first", maintain_order=True)
        .head(40)
        .select("household_id", "worker_id")
    )
    forbids = (
        cand.join(pins, on="household_id", how="anti")
        .sample(n=300, seed=8)
        .select("household_id", "worker_id")
    )
    cand2 = build_candidates(hh, p.workers, p.previous_assignment, p.conflicts, S, pins, forbids)
    plan = greedy_plan(cand2, hh, p.workers, pins=pins, forbids=forbids, conflicts=p.conflicts)
    inputs = PlanInputs(
        households=p.households, workers=p.workers, scores=scores,
        previous=p.previous_assignment, conflicts=p.conflicts, pins=pins, forbids=forbids,
    )  # fmt: skip
    assert pins.height == 40
    assert validate_plan(plan, inputs, S) == []
    # The plain greedy (no pins) differs on some pinned household: pins really steer it.
    free = greedy_plan(cand, hh, p.workers)
    moved = pins.join(free, on=["household_id", "worker_id"], how="anti")
    assert moved.height > 0

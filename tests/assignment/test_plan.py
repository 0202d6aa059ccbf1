"""solve_township / solve_prefecture on small constructed and generated townships.

Every plan produced here is re-checked by the independent validator.
"""

from __future__ import annotations

import polars as pl
import pytest

from assignment.domain import AssignmentSettings, PlanInputs, Status
from assignment.executor import LocalProcessExecutor, SerialExecutor
from assignment.plan import PLAN_COLUMNS, solve_prefecture, solve_township
from assignment.validator import validate_plan
from tests.assignment.helpers import households, workers

S = AssignmentSettings()


def scores_of(hh: pl.DataFrame) -> pl.DataFrame:
    return hh.select(
        "household_id", pl.col("tier").alias("final_tier"), pl.col("risk").alias("p_tier1")
    )


def assert_valid(plan: pl.DataFrame, hh: pl.DataFrame, ws: pl.DataFrame, **kw: object) -> None:
    inputs = PlanInputs(households=hh.drop("tier", "risk"), workers=ws, scores=scores_of(hh), **kw)  # type: ignore[arg-type]
    violations = validate_plan(plan.select(PLAN_COLUMNS), inputs, S)
    assert violations == [], violations[:5]


def small_world() -> tuple[pl.DataFrame, pl.DataFrame]:
    hh = households(
        [{"household_id": f"h{i:02d}", "tier": 3, "lat": 23.5 + i * 0.001} for i in range(12)]
        + [
            {"household_id": "t2a", "tier": 2},
            {"household_id": "t2b", "tier": 2},
            {"household_id": "t1a", "tier": 1, "risk": 0.9},
            {"household_id": "t1b", "tier": 1, "risk": 0.2},
        ]
    )
    ws = workers(
        [
            {"worker_id": "g1", "monthly_hours": 1.5},  # ~8 tier-3 households
            {"worker_id": "o1", "role": "village_official", "monthly_hours": 3.0},
            {"worker_id": "c1", "role": "cadre", "monthly_hours": 1.6},  # one tier-1 only
        ]
    )
    return hh, ws


def test_small_township_plan_is_valid_and_ordered() -> None:
    hh, ws = small_world()
    res = solve_township(hh, ws, S)
    assert res.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert res.bound is not None and res.objective is not None
    assert res.bound <= res.objective + 1e-6
    plan = res.plan
    assert tuple(plan.columns[: len(PLAN_COLUMNS)]) == PLAN_COLUMNS
    assert plan.height == hh.height
    assert_valid(plan, hh, ws)
    # The cadre can take one tier-1 household: the higher-risk one wins.
    got = dict(zip(plan["household_id"], plan["worker_id"], strict=True))
    assert got["t1a"] == "c1" and got["t1b"] is None
    assert res.diagnostics["unassigned_tier1"] == 1
    assert "1 more cadres" in str(res.diagnostics["shortfall"])
    assert "基层干部" in str(res.diagnostics["shortfall"])


def test_shortfall_capacity_really_covers() -> None:
    hh, ws = small_world()
    res = solve_township(hh, ws, S)
    extra = int(res.diagnostics["extra_cadres"])  # type: ignore[call-overload]
    more = pl.concat(
        [
            ws,
            workers(
                [
                    {"worker_id": f"new{k}", "role": "cadre", "monthly_hours": 1.6}
                    for k in range(extra)
                ]
            ),
        ]
    )
    again = solve_township(hh, more, S)
    assert again.diagnostics["unassigned_tier1"] == 0


def test_township_without_cadre_is_reported_and_solved() -> None:
    hh, ws = small_world()
    ws = ws.filter(pl.col("role") != "cadre")
    res = solve_township(hh, ws, S)
    assert res.diagnostics["unassigned_tier1"] == 2
    kinds = {i.kind for i in res.issues}
    assert "no_eligible_worker" in kinds
    assert any("t1a" in i.ids for i in res.issues)
    assert_valid(res.plan, hh, ws)


def test_bad_inputs_reported_rest_solved() -> None:
    hh, ws = small_world()
    hh2 = households(
        [
            {
                "household_id": "x1",
                "tier": 3,
                "township_id": "T2",
                "grid_id": "G7",
                "village_id": "V7",
            }
        ]
    )
    ws2 = workers(
        [
            {"worker_id": "gx", "township_id": "T2", "village_id": "V7", "grid_id": "G7"},
            {"worker_id": "zero", "monthly_hours": 0.0},
        ]
    )
    all_hh, all_ws = pl.concat([hh, hh2]), pl.concat([ws, ws2])
    pins = pl.DataFrame(
        {
            "household_id": ["h00", "h00", "t1b", "h01", "nobody"],
            "worker_id": ["g1", "o1", "g1", "c1", "g1"],
        }
    )
    previous = pl.DataFrame({"household_id": ["h02"], "worker_id": ["ghost"], "month": ["2026-10"]})
    res = solve_prefecture(
        all_hh, all_ws, S, pins=pins, previous=previous, executor=SerialExecutor()
    )
    kinds = {i.kind for i in res.issues}
    assert {
        "duplicate_pin",
        "unknown_pin",
        "infeasible_pin",
        "zero_capacity",
        "previous_unknown_worker",
    } <= kinds
    text = " ".join(i.message for i in res.issues)
    for needle in ("h00", "nobody", "t1b→g1", "zero", "ghost"):
        assert needle in text
    assert res.plan.height == all_hh.height  # both townships solved
    assert res.plan.filter(pl.col("household_id") == "x1")["worker_id"][0] == "gx"
    assert res.diagnostics.height == 2
    assert_valid(res.plan, all_hh, all_ws, previous=previous)


def test_pin_over_capacity_is_dropped_others_kept() -> None:
    hh, ws = small_world()
    pins = pl.DataFrame({"household_id": ["t1a", "t1b"], "worker_id": ["c1", "c1"]})
    res = solve_prefecture(hh, ws, S, pins=pins, executor=SerialExecutor())
    assert any(i.kind == "infeasible_pin" and "t1b" in i.ids for i in res.issues)
    got = dict(zip(res.plan["household_id"], res.plan["worker_id"], strict=True))
    assert got["t1a"] == "c1"
    assert_valid(res.plan, hh, ws, pins=pins.filter(pl.col("household_id") == "t1a"))


@pytest.fixture(scope="module")
def tiny_prefecture():  # type: ignore[no-untyped-def]
    from visit_planner.synthetic import generate

    p = generate(scale=0.003, seed=2)
    hh = p.households.join(
        p.truth.select("household_id", "p_tier1", "true_tier"), on="household_id"
    ).with_columns(
        pl.coalesce("assessed_tier", "true_tier").cast(pl.Int8).alias("tier"),
        pl.col("p_tier1").alias("risk"),
    )
    return p, hh


def test_generated_prefecture_valid_and_deterministic(tiny_prefecture) -> None:  # type: ignore[no-untyped-def]
    p, hh = tiny_prefecture
    kw = {"previous": p.previous_assignment, "conflicts": p.conflicts}
    one = solve_prefecture(hh, p.workers, S, executor=SerialExecutor(), **kw)
    two = solve_prefecture(hh, p.workers, S, executor=LocalProcessExecutor(2), **kw)
    assert one.plan.equals(two.plan)
    assert one.objective == pytest.approx(two.objective, rel=1e-12)
    assert one.bound <= one.objective
    assert one.diagnostics.height == hh["township_id"].n_unique()
    inputs = PlanInputs(
        households=p.households,
        workers=p.workers,
        scores=scores_of(hh),
        previous=p.previous_assignment,
        conflicts=p.conflicts,
    )
    assert validate_plan(one.plan.select(PLAN_COLUMNS), inputs, S) == []


def test_optimizer_beats_greedy(tiny_prefecture) -> None:  # type: ignore[no-untyped-def]
    from assignment.candidates import build_candidates
    from assignment.greedy import greedy_plan

    p, hh = tiny_prefecture
    res = solve_prefecture(
        hh,
        p.workers,
        S,
        previous=p.previous_assignment,
        conflicts=p.conflicts,
        executor=SerialExecutor(),
    )
    cand = build_candidates(hh, p.workers, p.previous_assignment, p.conflicts, S)
    greedy = greedy_plan(cand, hh, p.workers, conflicts=p.conflicts)
    pen = hh.select("household_id", "tier", "risk")

    def objective(plan: pl.DataFrame) -> float:
        j = (
            plan.select("household_id", "worker_id")
            .join(
                cand.select("household_id", "worker_id", "cost"),
                on=["household_id", "worker_id"],
                how="left",
            )
            .join(pen, on="household_id")
        )
        base = pl.col("tier").replace_strict({1: 1e5, 2: 1e4, 3: 1e3}, return_dtype=pl.Float64)
        return float(
            j.select(
                pl.when(pl.col("worker_id").is_null())
                .then(base * (1 + pl.col("risk")))
                .otherwise(pl.col("cost"))
                .sum()
            ).item()
        )

    # The production objective: arc costs and penalties plus the workload-balance cost (the
    # greedy baseline has no balance term, so its objective is compared without it).
    balance = float(res.diagnostics["balance_cost"].sum())
    assert balance > 0
    assert objective(res.plan) + balance == pytest.approx(res.objective, rel=1e-9)
    assert objective(res.plan) < objective(greedy)
    t1 = lambda plan: plan.filter((pl.col("tier") == 1) & pl.col("worker_id").is_not_null()).height  # noqa: E731
    assert t1(res.plan) >= t1(greedy)

"""One satisfied / violated pair per rule of assignment.constraints."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from assignment import constraints as rules
from assignment.domain import AssignmentSettings

S = AssignmentSettings()


def pair(**kw: object) -> pl.DataFrame:
    base = {
        "household_id": "h",
        "tier": 3,
        "risk": 0.2,
        "township_id": "T",
        "village_id": "V",
        "grid_id": "G",
        "lon": 104.0,
        "lat": 23.0,
        "worker_id": "w",
        "role": "grid_worker",
        "w_township_id": "T",
        "w_village_id": "V",
        "w_grid_id": "G",
        "w_lon": 104.0,
        "w_lat": 23.0,
        "active": True,
        "own_household_id": None,
        "conflict": None,
        "forbidden": None,
        "road_factor": 1.4,
        "up_cover": False,
        "kept_previous": False,
        "previous_worker_id": None,
        "travel_minutes": 10.0,
    }
    base.update(kw)
    return pl.DataFrame(
        [base],
        schema_overrides={
            "own_household_id": pl.String,
            "conflict": pl.Boolean,
            "forbidden": pl.Boolean,
            "previous_worker_id": pl.String,
        },
    )


def ev(df: pl.DataFrame, expr: pl.Expr) -> object:
    return df.select(expr.alias("x"))["x"][0]


@pytest.mark.parametrize(
    ("tier", "role", "ok"),
    [
        (3, "grid_worker", True),
        (3, "village_official", True),
        (3, "cadre", False),
        (2, "village_official", True),
        (2, "cadre", True),
        (2, "grid_worker", False),
        (1, "cadre", True),
        (1, "village_official", False),
    ],
)
def test_role_eligible(tier: int, role: str, ok: bool) -> None:
    assert ev(pair(tier=tier, role=role), rules.role_eligible(S)) is ok


def test_up_cover_can_be_switched_off() -> None:
    s = AssignmentSettings(cadre_takes_tier2=False)
    assert ev(pair(tier=2, role="cadre"), rules.role_eligible(s)) is False
    assert ev(pair(tier=2, role="cadre"), rules.is_up_cover(S)) is True
    assert ev(pair(tier=2, role="village_official"), rules.is_up_cover(S)) is False


def test_jurisdiction() -> None:
    assert ev(pair(), rules.in_jurisdiction(S)) is True
    assert ev(pair(w_grid_id="G2"), rules.in_jurisdiction(S)) is False
    off = pair(role="village_official", w_grid_id=None)
    assert ev(off, rules.in_jurisdiction(S)) is True
    assert (
        ev(
            pair(role="village_official", w_grid_id=None, w_village_id="V9"),
            rules.in_jurisdiction(S),
        )
        is False
    )
    assert (
        ev(pair(role="cadre", w_village_id=None, w_grid_id=None), rules.in_jurisdiction(S)) is True
    )
    assert (
        ev(
            pair(role="cadre", w_township_id="T9", w_village_id=None, w_grid_id=None),
            rules.in_jurisdiction(S),
        )
        is False
    )


def test_active_conflict_forbidden() -> None:
    assert ev(pair(), rules.worker_active()) is True
    assert ev(pair(active=False), rules.worker_active()) is False
    assert ev(pair(), rules.no_declared_conflict()) is True
    assert ev(pair(conflict=True), rules.no_declared_conflict()) is False
    assert ev(pair(own_household_id="h"), rules.no_declared_conflict()) is True
    assert ev(pair(), rules.not_own_household()) is True
    assert ev(pair(own_household_id="h"), rules.not_own_household()) is False
    assert ev(pair(conflict=True), rules.not_own_household()) is True
    assert ev(pair(), rules.not_forbidden()) is True
    assert ev(pair(forbidden=True), rules.not_forbidden()) is False


def test_capacity_rules() -> None:
    loads = pl.DataFrame(
        {
            "hours_used": [10.0, 10.5],
            "monthly_hours": [10.0, 10.0],
            "households": [3, 4],
            "max_households": [3, 3],
        }
    )
    assert rules.within_hours_capacity(loads).to_list() == [True, False]
    assert rules.within_count_capacity(loads).to_list() == [True, False]


def test_travel_and_hours() -> None:
    # 0.1 degree of latitude is ~11.12 km; x1.4 road factor / 25 km/h x 60 x 2 (round trip).
    df = pair(lat=23.1).drop("travel_minutes")
    t = ev(df, rules.travel_minutes_per_visit(S))
    assert t == pytest.approx(11.119 * 1.4 / 25 * 60 * 2, rel=1e-3)
    df = pair(tier=1, travel_minutes=30.0)
    assert ev(df, rules.hours_per_month(S)) == pytest.approx(2 * (45 + 30) / 60)
    assert ev(df, rules.travel_minutes_per_month(S)) == pytest.approx(60.0)


def test_soft_penalties() -> None:
    assert ev(pair(up_cover=True), rules.up_cover_penalty(S)) == 60.0
    assert ev(pair(), rules.up_cover_penalty(S)) == 0.0
    assert ev(pair(previous_worker_id="x"), rules.continuity_penalty(S)) == 30.0
    assert ev(pair(previous_worker_id="w", kept_previous=True), rules.continuity_penalty(S)) == 0.0
    assert ev(pair(), rules.continuity_penalty(S)) == 0.0  # no previous worker: nothing to keep


def test_unassigned_penalty_orders_tier_then_risk() -> None:
    df = pl.DataFrame({"tier": [1, 2, 2, 3], "risk": [0.0, 1.0, 0.5, 1.0]})
    p = df.select(rules.unassigned_penalty(S).alias("p"))["p"].to_list()
    assert p[0] > p[1] > p[2] > p[3]
    assert math.isclose(p[1], 20_000.0)


def test_balance_spread() -> None:
    loads = pl.DataFrame(
        {"role": ["cadre", "cadre"], "hours_used": [10.0, 30.0], "monthly_hours": [40.0, 40.0]}
    )
    out = rules.balance_spread(loads)
    assert out["spread"][0] == pytest.approx(0.75 - 0.5)


def test_area_columns_are_the_one_mapping() -> None:
    assert rules.area_columns("township") == ("township_id",)
    assert rules.area_columns("village") == ("township_id", "village_id")
    assert rules.area_columns("grid") == ("township_id", "village_id", "grid_id")
    assert [rules.area_key(a) for a in ("township", "village", "grid")] == [
        "township_id",
        "village_id",
        "grid_id",
    ]


def test_fits_capacity_and_overload_change() -> None:
    assert bool(rules.fits_capacity(10.0, 10.0, 3, 3))
    assert not bool(rules.fits_capacity(10.0 + 1e-6, 10.0, 3, 3))
    assert not bool(rules.fits_capacity(9.0, 10.0, 4, 3))
    got = rules.fits_capacity(np.array([1.0, 5.0]), np.array([2.0, 4.0]), 1, 1)
    assert got.tolist() == [True, False]
    # 2 h over a threshold of 8 h at weight 20; moving 3 h in adds 1 h below and 2 h above.
    assert rules.overload_change(10.0, 0.0, 8.0, 20.0) == 0.0
    assert rules.overload_change(7.0, 3.0, 8.0, 20.0) == pytest.approx(40.0)
    assert rules.overload_change(10.0, -3.0, 8.0, 20.0) == pytest.approx(-40.0)
    assert rules.overload_change(10.0, 5.0, 8.0, 0.0) == 0.0

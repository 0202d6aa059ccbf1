"""The candidates contract: which arcs exist and how they are priced."""

from __future__ import annotations

import polars as pl
import pytest

from assignment.candidates import CANDIDATE_COLUMNS, build_candidates
from assignment.domain import AssignmentSettings
from tests.assignment.helpers import households, workers

S = AssignmentSettings()


def _world() -> tuple[pl.DataFrame, pl.DataFrame]:
    hh = households(
        [
            {"household_id": "h1", "tier": 1},
            {"household_id": "h2", "tier": 2},
            {"household_id": "h3", "tier": 3},
            {"household_id": "h4", "tier": 3, "grid_id": "G2"},
            {"household_id": "h5", "tier": 3, "village_id": "V2", "grid_id": "G9"},
        ]
    )
    ws = workers(
        [
            {"worker_id": "c1", "role": "cadre"},
            {"worker_id": "o1", "role": "village_official"},
            {"worker_id": "g1", "role": "grid_worker"},
            {"worker_id": "g2", "role": "grid_worker", "grid_id": "G2", "own_household_id": "h4"},
            {
                "worker_id": "g9",
                "role": "grid_worker",
                "active": False,
                "village_id": "V2",
                "grid_id": "G9",
            },
        ]
    )
    return hh, ws


def test_contract_columns_and_dtypes() -> None:
    hh, ws = _world()
    cand = build_candidates(hh, ws, None, None, S)
    assert tuple(cand.columns) == CANDIDATE_COLUMNS
    assert cand.schema["tier"] == pl.Int8
    assert cand.schema["role"] == pl.String
    assert cand["household_id"].to_list() == sorted(cand["household_id"].to_list())


def test_structure_of_arcs() -> None:
    hh, ws = _world()
    cand = build_candidates(hh, ws, None, None, S)
    arcs = set(zip(cand["household_id"], cand["worker_id"], strict=True))
    # tier 1: cadre only; tier 2: official or cadre; tier 3: grid's worker or village's official
    assert arcs == {
        ("h1", "c1"),
        ("h2", "o1"),
        ("h2", "c1"),
        ("h3", "g1"),
        ("h3", "o1"),
        ("h4", "o1"),
    }  # g2 owns h4; g9 inactive
    up = dict(
        zip(
            zip(cand["household_id"], cand["worker_id"], strict=True), cand["up_cover"], strict=True
        )
    )
    assert up[("h2", "c1")] and up[("h3", "o1")] and not up[("h3", "g1")]


def test_conflicts_forbids_pins_previous() -> None:
    hh, ws = _world()
    conflicts = pl.DataFrame({"worker_id": ["o1"], "household_id": ["h3"]})
    forbids = pl.DataFrame({"household_id": ["h2"], "worker_id": ["c1"]})
    pins = pl.DataFrame({"household_id": ["h2"], "worker_id": ["o1"]})
    prev = pl.DataFrame(
        {"household_id": ["h3", "h3"], "worker_id": ["o1", "g1"], "month": ["2026-09", "2026-10"]}
    )
    cand = build_candidates(hh, ws, prev, conflicts, S, pins=pins, forbids=forbids)
    arcs = set(zip(cand["household_id"], cand["worker_id"], strict=True))
    assert ("h3", "o1") not in arcs and ("h2", "c1") not in arcs
    row = cand.filter(pl.col("household_id") == "h3").row(0, named=True)
    assert row["worker_id"] == "g1" and row["kept_previous"] is True
    assert cand.filter(pl.col("household_id") == "h2")["pinned"].to_list() == [True]


def test_cost_and_hours() -> None:
    hh = households([{"household_id": "h", "tier": 2, "lat": 23.6}])
    ws = workers([{"worker_id": "c", "role": "cadre"}])
    prev = pl.DataFrame({"household_id": ["h"], "worker_id": ["zzz"], "month": ["2026-10"]})
    row = build_candidates(hh, ws, prev, None, S).row(0, named=True)
    t = row["travel_minutes"]
    assert t == pytest.approx(11.119 * 1.4 / 25 * 60 * 2, rel=1e-3)
    assert row["hours_per_month"] == pytest.approx((30 + t) / 60)
    assert row["cost"] == pytest.approx(t + 60 + 30)  # travel + up-cover + continuity


def test_county_road_factor() -> None:
    s = AssignmentSettings(road_factor_by_county={"532621": 2.8})
    hh = households([{"household_id": "h", "tier": 3, "lat": 23.6}])
    ws = workers([{"worker_id": "g"}])
    a = build_candidates(hh, ws, None, None, S)["travel_minutes"][0]
    b = build_candidates(hh, ws, None, None, s)["travel_minutes"][0]
    assert b == pytest.approx(2 * a)

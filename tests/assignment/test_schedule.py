"""The solving order: tier-1-pressed townships first, then the largest; deterministic."""

from __future__ import annotations

import math

import polars as pl

from assignment.domain import AssignmentSettings
from assignment.schedule import PRESSURE_FIRST, solve_order, top_pressure, township_pressures


def test_pressure_is_the_top_tiers_on_site_hours_per_cadre_hour() -> None:
    settings = AssignmentSettings()  # tier 1: 2 visits of 45 min a month, by cadres
    assert top_pressure(100, 300.0, settings) == 150.0 / 300.0
    assert top_pressure(0, 0.0, settings) == 0.0
    assert math.isinf(top_pressure(3, 0.0, settings))  # tier-1 households, no cadre


def test_pressures_sum_the_serving_roles_hours_per_township() -> None:
    workers = pl.DataFrame(
        {
            "township_id": ["t1", "t1", "t1", "t2"],
            "role": ["cadre", "cadre", "grid_worker", "village_official"],
            "monthly_hours": [20.0, 30.0, 100.0, 50.0],
        }
    )
    got = township_pressures({"t1": 10, "t2": 4, "t3": 0}, workers, AssignmentSettings())
    assert got["t1"] == 15.0 / 50.0  # grid workers do not serve tier 1
    assert math.isinf(got["t2"])  # no cadre at all
    assert got["t3"] == 0.0


def test_pressed_townships_first_most_pressed_first_then_largest() -> None:
    sizes = {"a": 100, "b": 5_000, "c": 300, "d": 300, "e": 50}
    pressures = {"a": PRESSURE_FIRST, "b": 0.1, "c": 0.2, "d": 0.2, "e": 0.9}
    assert solve_order(sizes, pressures) == ["e", "a", "b", "c", "d"]
    # Deterministic whatever the mappings' order, and a township without a pressure is
    # ordered by its size.
    assert solve_order(dict(reversed(sizes.items())), {"e": 0.9, "a": PRESSURE_FIRST}) == [
        "e",
        "a",
        "b",
        "c",
        "d",
    ]

"""assignment.tradeoff: scenario figures (coverage, travel, staff, proven bound) and sweeps."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from assignment import tradeoff
from assignment.domain import AssignmentSettings
from assignment.solver.options import SolverOptions
from assignment.tradeoff import (
    Scenario,
    SolvedScenarios,
    scenario_figures,
    sweep,
    with_cadence,
)
from tests.assignment.helpers import households, workers

S = AssignmentSettings()


def world() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two tier-1 and two tier-2 households; one cadre with hours for two tier-1 visits of
    2 a month (45 min each, no travel: 3 h), one village official."""
    hh = households(
        [
            {"household_id": "t1a", "tier": 1, "risk": 0.9},
            {"household_id": "t1b", "tier": 1, "risk": 0.5},
            {"household_id": "t2a", "tier": 2, "risk": 0.2},
            {"household_id": "t2b", "tier": 2, "risk": 0.1},
        ]
    )
    ws = workers(
        [
            {"worker_id": "c1", "role": "cadre", "monthly_hours": 3.2},
            {"worker_id": "o1", "role": "village_official", "monthly_hours": 10.0},
        ]
    )
    return hh, ws


def test_with_cadence_changes_one_tier_only() -> None:
    changed = with_cadence(S, 1, 3.0)
    assert changed.tier(1).visits_per_month == 3.0
    assert changed.tier(1).role == S.tier(1).role
    assert changed.tier(1).minutes_on_site == S.tier(1).minutes_on_site
    assert changed.tier(2) == S.tier(2) and changed.tier(3) == S.tier(3)
    assert S.tier(1).visits_per_month == 2.0  # the original is untouched
    with pytest.raises(ValueError, match="must be > 0"):
        with_cadence(S, 2, 0.0)


def test_figures_of_a_covered_township() -> None:
    hh, ws = world()
    f = scenario_figures(hh, ws, S)
    assert f["tier1_households"] == 2 and f["tier1_covered"] == 2
    assert f["tier1_coverage"] == 1.0
    assert f["used_cadre"] == 1 and f["extra_cadre"] == 0 and f["staff_cadre"] == 1
    assert f["used_village_official"] == 1
    assert f["bound"] is not None and f["objective"] is not None
    assert f["bound"] <= f["objective"] + 1e-6  # type: ignore[operator]
    assert f["status"] in ("optimal", "feasible")
    assert f["failed_townships"] == ""
    assert f["tier1_max_coverable"] == 2 and f["tier1_coverage_proven"] is True


def test_more_visits_than_capacity_leave_tier1_short_and_price_the_staff() -> None:
    hh, ws = world()
    f = scenario_figures(hh, ws, with_cadence(S, 1, 4.0))  # 3 h per tier-1 household now
    assert f["tier1_covered"] == 1  # the cadre covers the riskier household only
    assert f["tier1_coverage"] == 0.5
    # The solver proves no plan covers more: the bound is the plan's coverage here.
    assert f["tier1_max_coverable"] == 1 and f["tier1_coverage_bound"] == 0.5
    assert f["tier1_coverage_proven"] is True
    assert f["extra_cadre"] == 1
    assert f["staff_cadre"] == f["used_cadre"] + f["extra_cadre"]  # type: ignore[operator]
    # The priced staff really covers it: add that many cadres and solve again.
    more = pl.concat([ws, workers([{"worker_id": "c2", "role": "cadre", "monthly_hours": 3.2}])])
    again = scenario_figures(hh, more, with_cadence(S, 1, 4.0))
    assert again["tier1_coverage"] == 1.0 and again["extra_cadre"] == 0


def test_sweep_rows_in_order_with_params_and_replaced_tiers() -> None:
    hh, ws = world()
    tiers = hh.select("household_id", "risk").with_columns(pl.lit(2, dtype=pl.Int8).alias("tier"))
    table = sweep(
        hh,
        ws,
        [
            Scenario("today", S, params={"visits": 2.0}),
            Scenario("more", with_cadence(S, 1, 4.0), params={"visits": 4.0}),
            Scenario("all tier 2", S, tiers=tiers, params={"visits": 2.0}),
        ],
    )
    assert table["scenario"].to_list() == ["today", "more", "all tier 2"]
    assert table["visits"].to_list() == [2.0, 4.0, 2.0]
    assert table["tier1_households"].to_list() == [2, 2, 0]
    assert table["tier2_households"].to_list()[2] == 4
    # Deterministic: the same scenarios give the same figures.
    again = sweep(hh, ws, [Scenario("today", S, params={"visits": 2.0})])
    assert again.drop("seconds").row(0) == table.drop("seconds").row(0)


def test_sweep_refuses_tiers_missing_households() -> None:
    hh, ws = world()
    partial = hh.select("household_id", "tier", "risk").head(3)
    with pytest.raises(ValueError, match=r"no tier for 1 household.*t2b"):
        sweep(hh, ws, [Scenario("partial", S, tiers=partial)])


def counted_solves(monkeypatch: pytest.MonkeyPatch) -> list[AssignmentSettings]:
    """Spy on the solve of a sweep: each call of ``scenario_figures`` appends its settings
    (and still solves)."""
    calls: list[AssignmentSettings] = []
    real = tradeoff.scenario_figures

    def spy(hh: pl.DataFrame, ws: pl.DataFrame, settings: AssignmentSettings, **kw: Any) -> Any:
        calls.append(settings)
        return real(hh, ws, settings, **kw)

    monkeypatch.setattr(tradeoff, "scenario_figures", spy)
    return calls


def test_a_repeated_setting_is_solved_once_and_gives_the_row_of_a_new_solve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Notebook 3.0 has today's policy in its baseline and in each of its four sweeps: the
    same effective inputs (settings equal though built anew, the households' own tiers given
    as a scenario's tiers in another row order) are solved once across sweeps sharing one
    SolvedScenarios, and reused under another name and params."""
    hh, ws = world()
    calls = counted_solves(monkeypatch)
    solved = SolvedScenarios()
    baseline = sweep(hh, ws, [Scenario("policy", S)], solved=solved)
    own_tiers = hh.select("household_id", "tier", "risk").reverse()
    cadence = sweep(
        hh,
        ws,
        [
            Scenario("more", with_cadence(S, 1, 4.0), params={"visits": 4.0}),
            Scenario("today", with_cadence(S, 1, 2.0), params={"visits": 2.0}),
            Scenario("today's tiers", S, tiers=own_tiers, params={"visits": 2.0}),
            Scenario("more again", with_cadence(S, 1, 4.0), params={"visits": 4.0}),
        ],
        solved=solved,
    )
    assert [c.tier(1).visits_per_month for c in calls] == [2.0, 4.0]  # two solves in all
    assert (solved.solved, solved.reused) == (2, 3)
    figures = [c for c in baseline.columns if c not in ("scenario", "seconds")]
    today = baseline.select(figures).row(0)
    assert cadence.filter(pl.col("visits") == 2.0).select(figures).rows() == [today, today]
    assert cadence["scenario"].to_list() == ["more", "today", "today's tiers", "more again"]
    assert cadence.select(figures).row(0) == cadence.select(figures).row(3)
    # The same rows as solving each setting anew, without the cache.
    monkeypatch.undo()
    for i, settings in enumerate([with_cadence(S, 1, 4.0), S]):
        fresh = scenario_figures(hh, ws, settings)
        assert tuple(fresh[c] for c in figures) == cadence.select(figures).row(i)
    assert cadence["tier1_covered"].to_list() == [1, 2, 2, 1]  # the two settings differ


def test_one_sweep_solves_a_repeated_setting_once_without_being_given_a_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hh, ws = world()
    calls = counted_solves(monkeypatch)
    table = sweep(hh, ws, [Scenario("a", S), Scenario("b", S)])
    assert len(calls) == 1
    assert table.drop("scenario").row(0) == table.drop("scenario").row(1)
    sweep(hh, ws, [Scenario("a", S)])  # a new sweep without ``solved`` solves again
    assert len(calls) == 2


def test_other_effective_inputs_are_solved_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only equal inputs are reused: other tiers, workers, previous plan, conflicts or solver
    options are each solved (and give their own figures)."""
    hh, ws = world()
    calls = counted_solves(monkeypatch)
    solved = SolvedScenarios()
    sweep(hh, ws, [Scenario("today", S)], solved=solved)
    all2 = hh.select("household_id", "risk").with_columns(pl.lit(2, dtype=pl.Int8).alias("tier"))
    tiers = sweep(hh, ws, [Scenario("all tier 2", S, tiers=all2)], solved=solved)
    assert tiers["tier1_households"].to_list() == [0]
    fewer = sweep(hh, ws.filter(pl.col("role") != "cadre"), [Scenario("x", S)], solved=solved)
    assert fewer["tier1_covered"].to_list() == [0]
    previous = pl.DataFrame({"household_id": ["t1a"], "worker_id": ["c1"]})
    sweep(hh, ws, [Scenario("x", S)], previous=previous, solved=solved)
    conflicts = pl.DataFrame({"household_id": ["t1a"], "worker_id": ["c1"]})
    sweep(hh, ws, [Scenario("x", S)], conflicts=conflicts, solved=solved)
    sweep(hh, ws, [Scenario("x", S)], options=SolverOptions(packing_effort=300), solved=solved)
    assert len(calls) == 6 and (solved.solved, solved.reused) == (6, 0)
    sweep(hh, ws, [Scenario("x", S)], options=SolverOptions(packing_effort=300), solved=solved)
    assert len(calls) == 6 and solved.reused == 1


def test_a_settings_changed_after_its_solve_is_not_mistaken_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Settings' tiers are a plain dict: changing it after a sweep must not make the stale
    solve match the changed settings."""
    hh, ws = world()
    calls = counted_solves(monkeypatch)
    solved = SolvedScenarios()
    settings = AssignmentSettings()
    sweep(hh, ws, [Scenario("before", settings)], solved=solved)
    settings.tiers[1] = with_cadence(settings, 1, 4.0).tier(1)  # type: ignore[index]
    after = sweep(hh, ws, [Scenario("after", settings)], solved=solved)
    assert len(calls) == 2 and after["tier1_covered"].to_list() == [1]

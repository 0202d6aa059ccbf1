"""The tier-1 coverage figures and their summary lines."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from assignment.diagnostics import (
    cost_gap_with_coverage_fixed,
    coverage_figures,
    coverage_summary,
    coverage_text,
)
from assignment.solver.coverage import Coverage


def cov(best: int, upper: int) -> Coverage:
    return Coverage(10, 9, best, upper, np.arange(9), np.full(9, -1))


def test_figures_report_the_proof_apart_from_the_cost() -> None:
    assert coverage_figures(cov(7, 7)) == {
        "tier1_households": 10,
        "tier1_covered": 7,
        "tier1_max_coverable": 7,
        "tier1_coverage_proven": True,
        "tier1_uncertainty": 0,
    }
    open_ = coverage_figures(cov(6, 8))
    assert open_["tier1_coverage_proven"] is False and open_["tier1_uncertainty"] == 2
    assert set(coverage_figures(None).values()) == {None}


def test_texts_name_the_proven_maximum_or_the_uncertainty() -> None:
    assert "no plan covers more than 7 of the 10 tier-1 households" in coverage_text(cov(7, 7))
    assert "已证明" in coverage_text(cov(7, 7))
    assert "at most 2 more may be coverable" in coverage_text(cov(6, 8))


def test_summary_counts_proven_townships_and_names_the_others() -> None:
    diag = pl.DataFrame(
        {
            "township_id": ["T2", "T1", "T3"],
            "tier1_coverage_proven": [True, False, True],
            "tier1_uncertainty": [0, 3, 0],
        }
    )
    zh, en = coverage_summary(diag)
    assert zh.startswith("一类户覆盖数已证明为最大: 2/3 个乡镇")
    assert "T1 至多还可能多覆盖 3 户" in zh
    assert en == (
        "tier-1 coverage proven maximal in 2 of 3 townships; "
        "not proven: T1 at most 3 more may be coverable"
    )
    assert coverage_summary(pl.DataFrame({"township_id": ["T1"]})) == []


def test_summary_says_a_failed_township_has_no_coverage_figure() -> None:
    # A township whose solve failed has no uncertainty figure: said in words, not as "?".
    diag = pl.DataFrame(
        {
            "township_id": ["T1", "T2"],
            "tier1_coverage_proven": [True, None],
            "tier1_uncertainty": [0, None],
        },
        schema_overrides={"tier1_coverage_proven": pl.Boolean, "tier1_uncertainty": pl.Int64},
    )
    zh, en = coverage_summary(diag)
    assert "T2 求解未完成, 一类户覆盖情况未知" in zh and "?" not in zh
    assert en.endswith("not proven: T2 not solved, its tier-1 coverage is unknown")


def test_summary_gives_the_cost_gap_with_coverage_fixed_over_the_proven_townships() -> None:
    diag = pl.DataFrame(
        {
            "township_id": ["T1", "T2", "T3"],
            "tier1_coverage_proven": [True, True, False],
            "tier1_uncertainty": [0, 0, 2],
            "objective": [100.0, 300.0, 50.0],
            "cost_bound": [99.0, 297.0, None],  # T3: coverage not proven, no such bound
        }
    )
    assert cost_gap_with_coverage_fixed(diag) == pytest.approx(4.0 / 400.0)
    zh, en = coverage_summary(diag)
    assert "一类户覆盖固定时的成本差距 1.000%" in zh
    assert en.startswith(
        "tier-1 coverage proven maximal in 2 of 3 townships; cost gap with coverage fixed 1.000%"
    )
    assert cost_gap_with_coverage_fixed(diag.drop("cost_bound")) is None
    # The penalties every plan covering the maxima pays leave the objective; the same
    # distance to the bound is then a larger part of what the plan can still change.
    paid = diag.with_columns(unavoidable_penalty=pl.Series([60.0, 240.0, None]))
    assert cost_gap_with_coverage_fixed(paid) == pytest.approx(4.0 / 100.0)
    zh, en = coverage_summary(paid)
    assert "一类户覆盖固定时的成本差距 4.000%" in zh


def _township(n_t1: int, cadres: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A township of ``n_t1`` tier-1 households spread around a point and ``cadres`` cadres
    of 24 h / 15 households, the first far off at the edge."""
    from tests.assignment.helpers import households, workers

    hh = households([
        {"household_id": f"h{k:03d}", "tier": 1, "risk": 0.5,
         "lon": 104.0 + 0.01 * (k % 7), "lat": 23.5 + 0.01 * (k // 7)}
        for k in range(n_t1)
    ])  # fmt: skip
    ws = workers([
        *({"worker_id": f"c{k}", "role": "cadre", "monthly_hours": 24.0, "max_households": 15,
           "lon": 104.3, "lat": 23.8} for k in range(cadres)),
        {"worker_id": "g0", "role": "grid_worker"},  # the township has other workers
    ])  # fmt: skip
    return hh, ws


def _record(hh: pl.DataFrame, ws: pl.DataFrame, forbids: pl.DataFrame | None = None) -> dict:
    from assignment.candidates import build_candidates
    from assignment.diagnostics import shortfall
    from visit_planner.policy import load_policy, settings_from_policy

    settings = settings_from_policy(load_policy())
    arcs = build_candidates(hh, ws, None, None, settings, forbids=forbids)
    (record,) = shortfall(hh, ws, settings, arcs=arcs)
    return record


def test_shortfall_never_needs_fewer_new_cadres_with_fewer_cadres_or_more_households() -> None:
    """The new-cadre figure depends on the uncovered households only (new cadres based at
    their centre): one cadre fewer and more uncovered households never need fewer."""
    with_one = _record(*_township(29, 1))
    without = _record(*_township(37, 0))
    assert without["extra_workers"] >= with_one["extra_workers"] >= 1
    assert with_one["extra_hours"] > 0 and "more hours of the present cadres" in str(
        with_one["text"]
    )
    # No cadre at all: no "hours of the present cadres", every household named.
    assert without["extra_hours"] == 0 and without["no_present_worker"] == 37
    assert "more hours of the present" not in str(without["text"])
    assert "have no present cadre allowed to visit them" in str(without["text"])
    for n in (5, 10, 20, 40):
        assert (
            _record(*_township(n + 5, 1))["extra_workers"]
            >= _record(*_township(n, 1))["extra_workers"]
        )


def test_shortfall_names_households_every_present_cadre_is_forbidden() -> None:
    hh, ws = _township(1, 2)
    forbids = pl.DataFrame({"household_id": ["h000", "h000"], "worker_id": ["c0", "c1"]})
    record = _record(hh, ws, forbids)
    text = str(record["text"])
    assert record["extra_workers"] == 1 and record["extra_hours"] == 0
    assert "more hours cannot help" in text and "h000" in text and "增加工时无济于事" in text
    assert "the uncovered tier-1 household" in text and "all 1" not in text


def test_shortfall_names_households_no_new_worker_of_that_capacity_can_take() -> None:
    """A policy of very long visits (100,000 minutes on site a month): each tier-1 household
    needs more hours than a new cadre has. The shortfall said '12621 more cadres would cover
    all 106'; no number of such cadres covers one (a household has one visitor)."""
    from dataclasses import replace

    from assignment.candidates import build_candidates
    from assignment.diagnostics import shortfall
    from assignment.domain import TierSettings
    from visit_planner.policy import load_policy, settings_from_policy

    base = settings_from_policy(load_policy())
    t1 = base.tier(1)
    long_visits = TierSettings(t1.role, t1.visits_per_month, 100_000.0)
    settings = replace(base, tiers={**base.tiers, 1: long_visits})
    hh, ws = _township(3, 1)
    (record,) = shortfall(hh, ws, settings, arcs=build_candidates(hh, ws, None, None, settings))
    text = str(record["text"])
    assert record["extra_workers"] == 0 and record["beyond_new_worker"] == 3
    assert "增加同等人员无法覆盖" in text and "no new cadre of that capacity can take one" in text
    assert "h000, h001, h002" in text and "more cadres" not in text
    # With ordinary visits nothing is beyond a new cadre, and the count is as before.
    usual = _record(*_township(3, 1))
    assert usual["beyond_new_worker"] == 0 and usual["extra_workers"] >= 1


def test_an_open_townships_english_text_has_no_chinese() -> None:
    """The English half of an unproven coverage ended '(not proven within the work limit;
    基层干部 cadre)': Chinese in English mode on the dashboard's pages."""
    import re

    import numpy as np

    from assignment.diagnostics import coverage_text
    from assignment.solver.coverage import Coverage

    cov = Coverage(445, 445, 242, 243, np.arange(3), np.zeros(3, dtype=np.int64))
    zh, en = coverage_text(cov).split(" / ")
    assert zh.startswith("方案覆盖 242/445 户一类户")
    assert en.endswith("(not proven within the work limit)")
    assert not re.search(r"[\u4e00-\u9fff]", en)


def test_the_net_gap_measures_noise_against_the_whole_objective() -> None:
    """The cost gap is a share of the objective less what every plan pays; a bound a hair
    above the plan (floating-point noise of sums near 1e6) must not read as a solver bug
    because the remainder is small, and the gap never exceeds 1."""
    from assignment.bounds import relative_gap_net
    from assignment.errors import SolverInternalError

    assert relative_gap_net(1e6, 1e6 + 1e-3, 1e6 - 10.0) == 0.0  # noise: no error, no gap
    assert relative_gap_net(1e6, 1e6 - 4.0, 1e6 - 10.0) == pytest.approx(0.4)
    assert relative_gap_net(100.0, 100.0, 100.0) == 0.0  # everything unavoidable
    assert relative_gap_net(100.0, 90.0, 99.0) == 1.0  # at most 1
    assert relative_gap_net(None, 1.0, 0.0) is None
    with pytest.raises(SolverInternalError):
        relative_gap_net(1e6, 1e6 + 10.0, 0.0)  # beyond noise of the whole: a bug

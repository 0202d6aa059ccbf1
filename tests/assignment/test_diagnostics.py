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

"""The promotion gate on constructed evaluations: pass and refuse cases."""

from __future__ import annotations

import math

import polars as pl

from risk_model.evaluate import Metrics
from risk_model.fairness import FairnessReport
from risk_model.promote import GateConfig, promotion_gate
from risk_model.training import Evaluation


def _ev(recall: float, f1: float, gap: float) -> Evaluation:
    m = Metrics(
        n=100,
        log_loss=0.5,
        macro_f1=f1,
        ece=0.01,
        precision=[0.5] * 3,
        recall=[recall, 0.5, 0.5],
        f1=[f1] * 3,
        confusion=[[0] * 3] * 3,
        tier1_recall=recall,
        tier1_recall_ci=(0.0, 1.0),
        tier1_precision=0.5,
        accuracy=0.8,
    )
    return Evaluation(metrics=m, fairness=FairnessReport(pl.DataFrame(), {"g": gap}, {"g": 0.0}))


def test_first_version_passes_without_a_champion() -> None:
    d = promotion_gate(_ev(0.1, 0.3, 0.2), None)
    assert d.passed and "no champion" in d.note


def test_equal_or_slightly_worse_within_tolerance_passes() -> None:
    d = promotion_gate(_ev(0.49, 0.445, 0.10), _ev(0.50, 0.45, 0.10))
    assert d.passed
    assert [c.name for c in d.checks] == ["tier1_recall", "macro_f1", "largest_group_gap"]


def test_lower_recall_is_refused() -> None:
    d = promotion_gate(_ev(0.40, 0.46, 0.05), _ev(0.50, 0.45, 0.10))
    assert not d.passed
    assert [c.passed for c in d.checks] == [False, True, True]
    assert "未通过 FAIL 一类户召回率 tier-1 recall" in d.summary()


def test_lower_f1_is_refused() -> None:
    d = promotion_gate(_ev(0.50, 0.40, 0.05), _ev(0.50, 0.45, 0.10))
    assert [c.passed for c in d.checks] == [True, False, True]


def test_wider_group_gap_is_refused_and_tolerance_is_configurable() -> None:
    cand, champ = _ev(0.55, 0.46, 0.15), _ev(0.50, 0.45, 0.10)
    assert not promotion_gate(cand, champ).passed
    assert promotion_gate(cand, champ, GateConfig(gap_tolerance=0.06)).passed


def test_undefined_gap_is_not_compared() -> None:
    d = promotion_gate(_ev(0.5, 0.45, math.nan), _ev(0.5, 0.45, 0.1))
    assert d.passed


def test_gate_lines_are_bilingual_in_one_wording_and_name_a_generic_class() -> None:
    """Tester's defect 14: ``FAIL macro-F1`` had no Chinese, the undefined gap was English
    only, and tier 1 was 一类召回率 here but 一类户召回率 in ``train``."""
    lines = promotion_gate(_ev(0.4, 0.40, math.nan), _ev(0.5, 0.45, 0.1)).summary().splitlines()
    # Chinese first, each term with its English, as the CLI's lines
    assert (
        lines[0]
        == "未通过 FAIL 一类户召回率 tier-1 recall 0.400 >= 0.480 (冠军 champion 0.500-0.02)"
    )
    assert lines[1].startswith("未通过 FAIL 宏平均F1 macro-F1 0.400 >= 0.440 (冠军 champion")
    assert lines[2] == (
        "通过 PASS 最大组间差距 largest group gap: 一类户过少, 不予比较 / not comparable, "
        "too few tier-1"
    )
    generic = promotion_gate(
        _ev(0.5, 0.45, 0.1), _ev(0.5, 0.45, 0.1), top=("class 'high'", "类别“high”")
    ).summary()
    assert generic.startswith("通过 PASS 类别“high”召回率 class 'high' recall 0.500")
    assert "一类户" not in generic


def test_a_check_failed_by_less_than_its_rounding_shows_the_digits_that_differ() -> None:
    """A candidate recall of 0.4227 against a limit of 0.4233 read 'FAIL … 0.423 >= 0.423'."""
    d = promotion_gate(_ev(0.4227, 0.5, 0.1), _ev(0.4433, 0.5, 0.1))
    assert not d.checks[0].passed
    assert "未通过 FAIL 一类户召回率 tier-1 recall 0.4227 >= 0.4233 (冠军 champion 0.443-0.02)" in (
        d.summary()
    )
    # Figures apart at three decimals, or equal, keep three.
    assert "macro-F1 0.500 >= 0.490" in d.summary()
    assert "largest group gap 0.100 <= 0.100" in d.summary()

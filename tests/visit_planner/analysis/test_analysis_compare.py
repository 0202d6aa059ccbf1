"""visit_planner.analysis.compare: the comparison tables and the reasons table (pure parts;
the whole flow with MLflow runs in tests/notebooks)."""

from __future__ import annotations

import numpy as np
import polars as pl

from risk_model.decision import DecisionRule
from risk_model.evaluate import classification_metrics, compare_to_bayes
from risk_model.fairness import group_error_rates
from risk_model.promote import GateCheck, GateDecision
from risk_model.spec import household_spec
from risk_model.training import Evaluation
from visit_planner.analysis.compare import Comparison, GateOutcome, reasons_table

RULE = DecisionRule.from_matrix([[0, 3, 6], [1, 0, 1.5], [1.5, 1, 0]], 3)


def evaluation(rng: np.random.Generator, y: np.ndarray, bayes: np.ndarray) -> Evaluation:
    proba = rng.dirichlet([1, 1, 1], size=len(y))
    groups = {"head_gender": np.where(np.arange(len(y)) % 2 == 0, "F", "M")}
    return Evaluation(
        metrics=classification_metrics(y, proba, RULE),
        fairness=group_error_rates(y, RULE.decide(proba), groups),
        bayes=compare_to_bayes(y, proba, bayes, RULE),
        proba=proba,
    )


def test_table_and_fairness_of_a_comparison() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)
    bayes = rng.dirichlet([2, 2, 2], size=400)
    evals = {"champion": evaluation(rng, y, bayes), "challenger": evaluation(rng, y, bayes)}
    comp = Comparison(pl.DataFrame(), household_spec(), evals, {"champion": 1, "challenger": 2}, y)
    table = comp.table()
    assert table["model"].to_list() == ["champion", "challenger", "贝叶斯极限 Bayes limit"]
    assert table["log_loss"][0] == evals["champion"].metrics.log_loss
    assert table["log_loss"][2] == evals["champion"].bayes.bayes.log_loss  # type: ignore[union-attr]
    gaps = [ev.bayes.cross_entropy_gap_pct for ev in evals.values() if ev.bayes is not None]
    assert table["cross_entropy_gap_pct"].to_list() == [*gaps, 0.0]
    fair = comp.fairness()
    assert fair.columns[0] == "model"
    assert fair.filter(pl.col("model") == "challenger").height == 2  # F and M


def test_gate_outcome_summary_says_the_verdict() -> None:
    check = GateCheck("macro_f1", 0.5, 0.6, 0.59, False, "macro-F1 0.500 >= 0.590")
    refused = GateOutcome(2, False, GateDecision(False, [check]), 1)
    assert refused.summary().splitlines() == [
        "未通过 FAIL macro-F1 0.500 >= 0.590",
        "版本 2 未通过晋升门槛, 冠军模型不变 / version 2 refused; the champion stays",
    ]
    promoted = GateOutcome(3, True, GateDecision(True, []), 1).summary()
    assert promoted == "版本 3 已晋升为冠军模型 / version 3 promoted to champion"


def test_reasons_table_one_row_per_reason() -> None:
    reasons = pl.Series(
        "reasons",
        [
            [{"code": "members", "contribution": 0.1, "text": "成员 members 5"}],
            [
                {"code": "disputes_12m", "contribution": 0.2, "text": "纠纷 disputes 3"},
                {"code": "members", "contribution": -0.1, "text": "成员 members 1"},
            ],
        ],
    )
    scores = pl.DataFrame(
        {
            "household_id": ["b", "a"], "final_tier": [1, 3], "tier_source": ["model", "rule"],
            "p_tier1": [0.6, 0.1],
        }
    ).with_columns(reasons)  # fmt: skip
    table = reasons_table(scores, ["a", "b"])
    assert table["household_id"].to_list() == ["a", "a", "b"]  # sorted by household
    assert table["code"].to_list() == ["disputes_12m", "members", "members"]
    assert table.filter(pl.col("household_id") == "a")["tier_source"].to_list() == ["rule"] * 2
    assert table.columns[-3:] == ["code", "contribution", "text"]

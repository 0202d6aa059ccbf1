"""``explain`` in words: the previous worker is last month's, or in a township an amendment
re-solved, that of the month's previous version; why the household has its tier."""

from __future__ import annotations

import re

import polars as pl
from rich.cells import cell_len

from visit_planner.cli.explain_text import (
    alternative_lines,
    decision_lines,
    household_lines,
    tier_lines,
)
from visit_planner.cli.narrow_encoding import narrow, without_chinese_twins
from visit_planner.policy import load_policy

HOUSEHOLD = {
    "household_id": "H0000002",
    "tier": 2,
    "township_id": "532622001",
    "worker_id": "W000194",
    "role": "village_official",
    "travel_minutes": 12.0,
    "hours_per_month": 1.5,
    "kept_previous": True,
    "previous_worker_id": "W000194",
    "up_cover": False,
}


def test_a_monthly_plan_names_last_months_worker() -> None:
    text = "\n".join(household_lines(HOUSEHOLD))
    assert "延续上月走访人员 same visitor as last month: 是 yes (上月 last month W000194)" in text
    assert "previous version" not in text


def test_an_amendment_names_the_previous_version_of_the_month() -> None:
    lines = household_lines({**HOUSEHOLD, "previous_this_month": True})
    text = "\n".join(lines)
    assert "延续本月上一版本人员 same as this month's previous version: 是 yes" in text
    assert "本月上一版本 previous version of this month: W000194" in text
    assert "上月" not in text and "last month" not in text
    assert max(cell_len(line) for line in "\n".join(lines).splitlines()) <= 80


def test_a_carried_over_township_of_an_amendment_keeps_last_month() -> None:
    # Townships an amendment carried over keep their explanations (no column, or null).
    text = "\n".join(household_lines({**HOUSEHOLD, "previous_this_month": None}))
    assert "上月 last month W000194" in text


SCORE = {
    "household_id": "H0000002",
    "p_tier1": 0.599,
    "p_tier2": 0.391,
    "p_tier3": 0.010,
    "model_tier": 1,
    "final_tier": 1,
    "tier_source": "model",
    "model_version": "3",
    "rule": None,
    "override_reason": None,
    "reasons": [
        {"code": "ill_members", "contribution": 1.81,
         "text": "重病成员数 1 人 / seriously ill members: 1 person +1.81"},
        {"code": "village_points", "contribution": -0.33,
         "text": "村规民约积分 86.2 分 / village points: 86.2 points -0.33"},
    ],
}  # fmt: skip


def test_the_tier_is_explained_by_the_model_its_probabilities_and_reasons() -> None:
    lines = tier_lines(SCORE)
    assert lines[0] == "类别来源 tier decided by: 风险模型 the risk model (版本 version 3)"
    assert lines[1:3] == [
        "  模型估计的概率 probabilities:",
        "    一类户 tier 1 59.9% · 二类户 tier 2 39.1% · 三类户 tier 3 1.0%",
    ]
    # Without Chinese each figure still says its tier (it read "0.1% - 3.7% - 96.1%").
    assert narrow(lines[2], "ascii") == "    tier 1 59.9% - tier 2 39.1% - tier 3 1.0%"
    assert "    ↑ 重病成员数 1 人 / seriously ill members: 1 person +1.81" in lines
    assert "    ↓ 村规民约积分 86.2 分 / village points: 86.2 points -0.33" in lines
    assert max(cell_len(line) for line in lines) <= 80


def test_a_rule_or_an_override_is_named_as_the_tiers_source() -> None:
    rule = tier_lines({**SCORE, "tier_source": "rule", "rule": "dangerous_housing"})
    assert rule[0] == "类别来源 tier decided by: 政策规则 a policy rule: dangerous_housing"
    override = tier_lines(
        {**SCORE, "tier_source": "override", "override_reason": "家访发现独居老人病重 " * 4}
    )
    assert override[0].startswith("类别来源 tier decided by: 督导调整 a supervisor's override:")
    assert len(override) > len(rule)  # the long reason wraps, under 80 columns
    assert "  模型的类别 the model's tier: 一类户 tier 1" not in override  # the same tier
    raised = tier_lines({**SCORE, "tier_source": "override", "model_tier": 3, "final_tier": 1})
    assert raised[1] == "  模型的类别 the model's tier: 三类户 tier 3"
    assert max(cell_len(line) for line in override) <= 80


def test_a_line_after_a_chinese_prefix_is_wrapped_in_display_columns() -> None:
    # The audit's case: measured with len(), the first line came out 84 columns wide and the
    # terminal broke it again ("... visited, roof" / "collapsing").
    score = {**SCORE, "tier_source": "override", "override_reason": "#1 root: visited, roof "
             "collapsing", "model_tier": 2}  # fmt: skip
    lines = tier_lines(score)
    assert lines[:2] == [
        "类别来源 tier decided by: 督导调整 a supervisor's override: #1 root: visited,",
        "  roof collapsing",
    ]
    assert max(cell_len(line) for line in lines) <= 80
    wide = tier_lines(score, width=100)  # a wider terminal: one line
    assert wide[0].endswith("#1 root: visited, roof collapsing")
    reasons = [{"code": "x", "contribution": 1.0, "text": "重病成员数 1 人 / " + "word " * 30}]
    narrow = [
        line for line in tier_lines({**SCORE, "reasons": reasons}, width=60) if "word" in line
    ]
    assert len(narrow) > 1 and max(cell_len(line) for line in narrow) <= 60


def test_scores_without_probabilities_or_reasons_say_only_what_they_have() -> None:
    assert tier_lines(None) == []
    assert tier_lines({"household_id": "H0000002", "final_tier": 2, "p_tier1": 0.2}) == []
    unsourced = tier_lines({**SCORE, "tier_source": None})
    assert unsourced[0] == "类别来源 tier decided by: 本方案未记录 not recorded in this run"
    assert "模型估计的概率 probabilities" in unsourced[1]


COST = load_policy().risk.cost_matrix  # the embedded policy's [risk] cost_matrix
LESS_PROBABLE = {**SCORE, "p_tier1": 0.247, "p_tier2": 0.541, "p_tier3": 0.212}  # tier 1


def test_a_model_tier_says_it_is_the_least_expected_cost_with_the_policys_costs() -> None:
    assert [COST[0][1], COST[0][2]] == [3.0, 6.0]  # the policy's costs of a missed tier 1
    lines = tier_lines(LESS_PROBABLE, cost=COST)
    assert "  按政策取误判期望代价最小的类别, 不一定是概率最大的类别" in lines
    text = " ".join(" ".join(lines).split())
    assert "the tier of least expected cost of a wrong tier under the policy" in text
    assert "  误判代价: 一类户误为二类户 3, 误为三类户 6, 其他误判 1–1.5" in lines
    assert "costs: tier 1 as tier 2: 3, as tier 3: 6 (visits missed)" in text
    # 0.541·1 + 0.212·1.5 = 0.86 < 0.247·3 + 0.212·1 = 0.95 < 0.247·6 + 0.541·1.5 = 2.29
    costs = "    一类户 tier 1 0.86 · 二类户 tier 2 0.95 · 三类户 tier 3 2.29"
    assert lines[lines.index("  期望代价 expected cost:") + 1] == costs
    assert lines.index(costs) > 1
    assert narrow(costs, "ascii") == "    tier 1 0.86 - tier 2 0.95 - tier 3 2.29"
    assert max(cell_len(line) for line in lines) <= 80


def test_without_the_matrix_the_tier_was_decided_with_the_rule_alone() -> None:
    rule = decision_lines(LESS_PROBABLE, None)
    assert rule[0] == "  按政策取误判期望代价最小的类别, 不一定是概率最大的类别"
    assert not [line for line in rule if "期望代价 expected cost" in line or "3" in line]
    # A 0/1 matrix gives the most probable tier (2), not the model's: no figures from it.
    zero_one = [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    assert decision_lines(LESS_PROBABLE, zero_one) == rule
    # A tier from a rule or an override is not the decision rule's.
    override = tier_lines({**LESS_PROBABLE, "tier_source": "override"}, cost=COST)
    assert not [line for line in override if "期望代价" in line]


def _alternatives(*rows: dict[str, object]) -> pl.DataFrame:
    """Ranked alternatives as ``assignment.alternatives`` gives them (the columns read)."""
    base = {
        "worker_id": None, "role": "village_official", "travel_minutes": 10.0, "rank": None,
        "objective_change": None, "fits": True, "displaced_household_id": None,
        "displaced_tier": None, "displaced_fallback_worker_id": None,
    }  # fmt: skip
    return pl.DataFrame([{**base, **r} for r in rows])


CHANGED = {**HOUSEHOLD, "worker_id": "W000195", "kept_previous": False}


def test_a_changed_worker_says_where_last_months_worker_ranks_and_what_it_would_do() -> None:
    alternatives = _alternatives(
        {"worker_id": "W000196", "rank": 1, "objective_change": 3.0},
        {"worker_id": "W000194", "rank": 2, "objective_change": 4100.5, "fits": True,
         "displaced_household_id": "H0000009", "displaced_tier": 1},
    )  # fmt: skip
    lines = household_lines(CHANGED, alternatives=alternatives)
    text = "\n".join(lines)
    assert "  未延续的原因 why not:\n    W000194 为备选第 2 位, 代价 +4,100.5" in text
    assert "1 户一类户(H0000009)无人走访" in text
    assert "W000194 is alternative 2, cost +4,100.5: would leave 1 tier-1 household" in text
    assert max(cell_len(line) for line in text.splitlines()) <= 80


def test_a_changed_worker_not_among_the_alternatives_may_not_serve_the_household() -> None:
    alternatives = _alternatives({"worker_id": "W000196", "rank": 1, "objective_change": 3.0})
    lines = household_lines(CHANGED, alternatives=alternatives)
    text = "\n".join(lines)
    flat = "".join(line.strip() for line in text.splitlines())
    assert "W000194 不在本月可分配给该户的人员中(其角色不承接二类户" in flat
    assert "W000194 is not among the workers allowed for this household this month" in text
    assert max(cell_len(line) for line in text.splitlines()) <= 80


def test_a_kept_worker_or_no_alternatives_add_no_why_not() -> None:
    alternatives = _alternatives({"worker_id": "W000196", "rank": 1, "objective_change": 3.0})
    assert "未延续" not in "\n".join(household_lines(HOUSEHOLD, alternatives=alternatives))
    assert "未延续" not in "\n".join(household_lines(CHANGED))


def test_the_alternatives_heading_is_chinese_first_then_english() -> None:
    # It read "备选人员 alternatives, best first (最优在前)": Chinese on both sides of the English.
    alternatives = _alternatives({"worker_id": "W000196", "rank": 1, "objective_change": 3.0})
    lines = alternative_lines(alternatives)
    assert lines[0] == "备选人员 (最优在前) alternatives, best first"
    assert lines[2].startswith(" 1. W000196 村组干部 village official")


def test_a_rule_is_named_by_its_words_and_the_models_reasons_are_not_the_tiers() -> None:
    # A rule- or override-tiered household listed the model's reasons as "主要原因 main
    # reasons", and a rule only by its code.
    rules = {
        "alone_dangerous_housing": ("独居老人且住房为D级危房", "elderly alone in grade-D housing")
    }
    raised = {**SCORE, "tier_source": "rule", "rule": "alone_dangerous_housing", "model_tier": 3,
              "final_tier": 2}  # fmt: skip
    lines = tier_lines(raised, rules=rules)
    text = "\n".join(lines)
    flat = "".join(line.strip() for line in lines)
    assert "政策规则 a policy rule: 独居老人且住房为D级危房 /" in lines[0]
    assert "(alone_dangerous_housing)" in text
    assert "模型的主要原因 the model's main reasons" in text
    assert "类别由政策规则决定, 不依据以下因素" in flat
    assert "  主要原因 main reasons" not in text
    override = tier_lines({**SCORE, "tier_source": "override", "override_reason": "家访"})
    assert "类别由督导调整决定, 不依据以下因素" in "".join(x.strip() for x in override)
    assert max(cell_len(line) for line in [*lines, *override]) <= 80


def test_a_tier_below_one_whose_first_reason_raises_the_risk_says_it_was_not_enough() -> None:
    tier3 = {**SCORE, "model_tier": 3, "final_tier": 3, "p_tier1": 0.02, "p_tier3": 0.9}
    lines = tier_lines(tier3)
    assert lines[-2].startswith("    ↑ 的因素提高一类户风险, 但合计不足以定为一类户, 故为三类户")
    assert (
        lines.index("    ↓ 村规民约积分 86.2 分 / village points: 86.2 points -0.33")
        < len(lines) - 2
    )
    assert max(cell_len(line) for line in lines) <= 80
    lowered = {**tier3, "reasons": SCORE["reasons"][::-1]}  # the first reason lowers the risk
    assert not any("不足以" in line for line in tier_lines(lowered))
    assert not any("不足以" in line for line in tier_lines(SCORE))  # a 一类户


def test_on_a_stream_without_chinese_every_line_is_english_with_its_figures() -> None:
    # ``PYTHONIOENCODING=ascii visit-planner explain`` printed "  / min per visit; 1.5 / h a
    # month" (the travel minutes went with the Chinese around them), "  1-1.5" (what the
    # costs' Chinese line kept), "() alternatives, best first", " 2. W000194 village
    # official, min: cost ..." and "    H0000009() W000197" above each English line.
    alternatives = _alternatives(
        {"worker_id": "W000196", "rank": 1, "objective_change": 3.0},
        {"worker_id": "W000194", "rank": 2, "objective_change": 4100.5, "travel_minutes": 42.0,
         "displaced_household_id": "H0000009", "displaced_tier": 1,
         "displaced_fallback_worker_id": "W000197"},
    )  # fmt: skip
    lines = household_lines(CHANGED, alternatives=alternatives)
    lines[1:1] = tier_lines(LESS_PROBABLE, cost=COST)
    lines += ["", *alternative_lines(alternatives)]
    ascii_lines = [narrow(line, "ascii") for line in without_chinese_twins(lines, "ascii")]
    assert "  travel 12 min a visit, 1.5 h a month" in ascii_lines
    assert "alternatives, best first" in ascii_lines
    at = ascii_lines.index(" 2. W000194 village official: cost +4,100.5")
    assert ascii_lines[at + 1] == "    travel 42 min; would move H0000009 (tier 1) to W000197"
    assert " 1. W000196 village official: cost +3.0" in ascii_lines
    assert "  why not:" in ascii_lines
    # No line of figures alone, or of empty brackets, is left of a Chinese line ...
    junk = [line for line in ascii_lines if "()" in line or re.fullmatch(r"[-\d.,/+: ]+", line)]
    assert junk == []
    # ... and on a stream that holds Chinese every line is printed, each language a line.
    lines = "\n".join(lines).split("\n")
    assert without_chinese_twins(lines, "utf-8") == lines
    assert "  往返 12 分钟/次, 每月 1.5 小时" in lines
    at = lines.index(" 2. W000194 村组干部 village official: 代价 cost +4,100.5")
    assert lines[at + 1] == "    往返 42 分钟; 须将 H0000009(一类户)改派给 W000197"
    assert max(cell_len(line) for line in lines) <= 80

"""``explain`` in words: the previous worker is last month's, or in a township an amendment
re-solved, that of the month's previous version; why the household has its tier."""

from __future__ import annotations

from rich.cells import cell_len

from visit_planner.cli.explain_text import household_lines, tier_lines

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
    assert "延续上月人员 same as last month: 是 yes (上月 last month W000194)" in text
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
    assert "模型估计的概率 probabilities: 一类户 59.9% · 二类户 39.1% · 三类户 1.0%" in lines[1]
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
    assert "  模型的分类 the model's tier: 一类户 tier 1" not in override  # the same tier
    raised = tier_lines({**SCORE, "tier_source": "override", "model_tier": 3, "final_tier": 1})
    assert raised[1] == "  模型的分类 the model's tier: 三类户 tier 3"
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

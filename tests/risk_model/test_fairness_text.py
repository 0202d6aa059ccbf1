"""The fairness audit in words (risk_model.fairness_text): sizes stated, tiny groups not
over-read, the gap's two groups named, Chinese first."""

from __future__ import annotations

import numpy as np

from risk_model.fairness import group_error_rates
from risk_model.fairness_text import GroupWords, group_check_lines


def _report():  # type: ignore[no-untyped-def]
    """Group a: 40 true tier 1, 30 found; b: 25 true tier 1, 10 found; c: 5 true tier 1, all
    found (too few to compare); d: none."""
    y_true, y_pred, group = [], [], []
    for name, n, pos, found in (("a", 200, 40, 30), ("b", 150, 25, 10), ("c", 60, 5, 5),
                                ("d", 30, 0, 0)):  # fmt: skip
        y_true += [0] * pos + [2] * (n - pos)
        y_pred += [0] * found + [1] * (pos - found) + [2] * (n - pos)
        group += [name] * n
    return group_error_rates(np.array(y_true), np.array(y_pred), {"sex": np.array(group)})


WORDS = GroupWords({"sex": "性别 sex"}, lambda attribute, g: f"组{g} group {g}")


def test_each_group_states_its_size_and_what_was_found() -> None:
    lines = group_check_lines(_report(), n_rows=440, words=WORDS)
    assert lines[0].startswith("分组核对 / check by group (440 户留出 held-out households)")
    assert "  性别 sex:" in lines
    assert "    组a group a: 200 户 households, 一类户 tier-1 40, 找出 found 30 (75%)" in lines
    assert "    组b group b: 150 户 households, 一类户 tier-1 25, 找出 found 10 (40%)" in lines


def test_a_tiny_group_is_shown_but_not_compared() -> None:
    """Five tier-1 households found in full read "100%" beside the others, as if the model
    served the group best; it is said to be too small, and the gap leaves it out."""
    lines = group_check_lines(_report(), n_rows=440, words=WORDS)
    assert (
        "    组c group c: 60 户 households, 一类户 tier-1 5, 找出 found 5 (100%): 样本太少 "
        "(不足 20 户一类户), 不作比较 / too few (under 20) to compare"
    ) in lines
    assert (
        "    组d group d: 30 户 households, 一类户 tier-1 0: 无一类户, 不计 / none, not counted"
        in lines
    )
    assert "    差距 gap: 35 个百分点 points (组b group b 40% / 组a group a 75%)" in lines


def test_no_gap_without_two_groups_large_enough() -> None:
    y = np.array([0] * 5 + [2] * 50)
    report = group_error_rates(y, y, {"county_id": np.array(["x"] * 30 + ["y"] * 25)})
    lines = group_check_lines(report, n_rows=55, top=("class 'high'", "类别“high”"))
    assert lines[-1] == (
        "    差距: 类别“high”达 20 个的组不足两个, 不计算 / gap: fewer than two groups with 20+ "
        "class 'high' rows, not computed"
    )
    assert "  county_id:" in lines  # a spec's column, as it is


def test_a_spec_tables_groups_are_counted_in_rows_not_households() -> None:
    """A clinic table's check by group counted its patients in 户 households."""
    lines = group_check_lines(
        _report(), n_rows=440, words=WORDS, top=("class 'high'", "类别“high”")
    )
    assert lines[0] == (
        "分组核对 / check by group (440 行留出 held-out rows): 各组真实类别“high”中"
        "模型找出的比例 / the share of each group's true class 'high' rows the model finds"
    )
    assert "    组a group a: 200 行 rows, 类别“high” / class 'high' 40, 找出 found 30 (75%)" in (
        lines
    )
    assert (
        "    组c group c: 60 行 rows, 类别“high” / class 'high' 5, 找出 found 5 (100%): 样本太少 "
        "(不足 20 个类别“high”), 不作比较 / too few (under 20 of class 'high') to compare"
    ) in lines
    assert (
        "    组d group d: 30 行 rows, 类别“high” / class 'high' 0: 无类别“high”, 不计 / "
        "no class 'high', not counted"
    ) in lines
    assert not any("户" in line or "households" in line for line in lines)


def test_a_spec_tables_groups_read_as_english_on_a_stream_without_chinese() -> None:
    """A spec's class in Chinese quotes (类别“high”) kept its quoted name on an ASCII
    stream: 'F: 290 rows, "high" class 'high' 0: "high", none, not counted'."""
    from visit_planner.cli.narrow_encoding import narrow

    lines = group_check_lines(_report(), n_rows=440, top=("class 'high'", "类别“high”"))
    shown = [narrow(line, "ascii") for line in lines]
    assert "    a: 200 rows, class 'high' 40, found 30 (75%)" in shown
    assert (
        "    c: 60 rows, class 'high' 5, found 5 (100%): too few (under 20 of class 'high') "
        "to compare"
    ) in shown
    assert "    d: 30 rows, class 'high' 0: no class 'high', not counted" in shown
    assert not any('"' in line for line in shown), shown


def test_the_households_words_name_groups_and_counties() -> None:
    from visit_planner.risk_job import group_words

    words = group_words()
    assert words.attributes["head_ethnicity"] == "户主民族 head's ethnicity"
    assert words.group("head_ethnicity", "yi") == "彝族 Yi"
    assert words.group("head_gender", "F") == "女 female"
    assert words.group("county_id", "532601") == "文山市 Wenshan (532601)"
    assert words.group("clinic", "yi") == "yi"

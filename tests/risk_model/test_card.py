"""The model card (risk_model/card.py): what it says of a spec's table's model."""

from __future__ import annotations

import polars as pl

from risk_model import train
from risk_model.card import model_card
from risk_model.decision import DecisionRule, ordinal_cost_matrix
from risk_model.spec import FeatureSpec, parse_spec
from tests.risk_model.helpers import FAST, TOY_SPEC, without_held_out_top_class


def test_a_spec_tables_card_names_its_highest_risk_class_not_tier_1(
    toy_spec: FeatureSpec, toy_frame: pl.DataFrame
) -> None:
    """A model of classes high/medium/low had its card's metrics, groups and reasons worded
    'tier-1' (train and models say class 'high')."""
    rule = DecisionRule.from_matrix(ordinal_cost_matrix(3), 3)
    card = model_card(train(toy_frame, toy_spec, rule, config=FAST), data_name="clinics.csv")
    assert "tier-1" not in card and "tier 1" not in card
    assert "| class 'high' recall (95 % CI) | class 'high' precision |" in card
    assert "| n class 'high' | class 'high' recall | class 'high' FPR |" in card
    assert "Largest class 'high' recall gap per attribute" in card
    assert "add up to the model's class 'high' score" in card
    assert "(group-wise by `clinic_id`, fraction 0.2, seed 0)" in card
    assert "audit-only columns `sex`, names" in card


def test_a_card_without_group_or_audit_columns_says_so(toy_frame: pl.DataFrame) -> None:
    """A spec without group_column read 'group-wise by `None`', one without audit columns
    'audit-only columns , names'."""
    spec = parse_spec(
        TOY_SPEC.replace('group_column = "clinic_id"\n', "")
        .replace('audit_columns = ["sex"]\n', "")
        .replace('fairness_columns = ["sex", "region"]\n', ""),
        "toy.toml",
    )
    rule = DecisionRule.from_matrix(ordinal_cost_matrix(3), 3)
    card = model_card(train(toy_frame, spec, rule, config=FAST), data_name="clinics.csv")
    assert "(random rows, fraction 0.2, seed 0)" in card and "None" not in card
    assert "audit-only columns (none), names" in card


def test_the_households_card_keeps_tier_1(household_result) -> None:  # type: ignore[no-untyped-def]
    card = model_card(household_result, data_name="households.parquet")
    assert "| tier-1 recall (95 % CI) | tier-1 precision |" in card
    assert "(group-wise by `village_id`" in card


def test_the_households_card_has_the_check_by_group_in_words(household_result) -> None:  # type: ignore[no-untyped-def]
    """The card's groups were a table of codes (532624, yi, F) beside recalls of groups of
    7 tier-1 households, nothing saying they were too few to read; it now carries the check
    by group as train prints it."""
    from visit_planner.risk_job import group_words

    card = model_card(household_result, data_name="households.parquet", words=group_words())
    block = card.split("```text\n", 1)[1].split("\n```", 1)[0]
    assert block.startswith("分组核对 / check by group (")
    assert "  户主民族 head's ethnicity:" in block
    assert "彝族 Yi: " in block and "女 female: " in block
    assert "麻栗坡县 Malipo (532624): " in block  # the held-out villages' counties
    assert "不作比较 / too few (under 20) to compare" in block


def test_a_spec_tables_card_says_what_it_predicts_not_household_tiers(
    toy_spec: FeatureSpec, toy_frame: pl.DataFrame
) -> None:
    """A clinic table's card was titled "household risk tiers", said it ranked households to
    plan grassroots visits, counted its groups in 户 households and its limits named
    assessors' past tiers."""
    rule = DecisionRule.from_matrix(ordinal_cost_matrix(3), 3)
    card = model_card(train(toy_frame, toy_spec, rule, config=FAST), data_name="clinics.csv")
    assert card.startswith("# Model card — `severity` of `clinics.csv`\n")
    assert "household risk tiers" not in card and "Ranks households" not in card
    assert "户" not in card and "assessors' past tiers" not in card
    assert "Predicts `severity` of each row of a table like `clinics.csv`" in card
    assert "(keyed by `patient_id`) in the ordered classes ['high', 'medium', 'low']" in card
    assert "行留出 held-out rows" in card
    assert "- Trained on the recorded `severity` labels" in card


def test_a_class_none_of_whose_rows_is_held_out_has_no_recall_in_the_card(
    toy_spec: FeatureSpec, toy_frame: pl.DataFrame
) -> None:
    """A rare top class all of whose rows fell in the training groups read "0.000 (—–—)":
    a recall of zero, as if the model had missed every one."""
    result = without_held_out_top_class(toy_spec, toy_frame)
    card = model_card(result, data_name="clinics.csv")
    table = card.split("## Held-out metrics", 1)[1].split("\n\n", 1)[0]
    for kind in (result.chosen, *result.baseline_evaluations):
        assert f"| {kind} | " in table
    assert table.count("| — (—–—) |") == 1 + len(result.baseline_evaluations)
    assert "0.000 (" not in table

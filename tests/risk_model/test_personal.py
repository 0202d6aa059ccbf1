"""A person's numbers in a table's values (risk_model.personal): refused where they would be
stored in MLflow, never repeated in a message."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest

from risk_model.decision import DecisionRule
from risk_model.errors import ScoringDataError, TrainingDataError
from risk_model.features import value_problems
from risk_model.personal import PATTERNS, holds_personal_number, personal_values, redact
from risk_model.spec import FeatureSpec
from risk_model.training import train
from tests.risk_model.helpers import FAST, POLICY_COST

ID_CARD = "53262219900101123X"
MOBILE = "13912345678"
NUMBERS = re.compile(r"[0-9]{11,}")


def test_the_patterns_are_visit_planners() -> None:
    """One rule of what a person's number is, for the model and for the overrides."""
    from visit_planner.personal_text import personal_number

    assert len(PATTERNS) == 3
    full_width = "５３２６２２１９９００１０１１２３４"
    others = ("H0000001", "12345678901", "1391234567890", "W000123")
    for text in (ID_CARD, MOBILE, full_width, "电话" + MOBILE, *others):
        assert holds_personal_number(text) == (personal_number(text) is not None), text


def test_values_holding_a_number_are_found_and_redacted() -> None:
    values = pl.Series("备注", ["联系人电话" + MOBILE, "独居", None, ID_CARD, "13912345678901"])
    assert personal_values(values).to_list() == [True, False, False, True, False]
    assert redact("联系人电话" + MOBILE) == "联系人电话<手机号码 mobile phone number>"
    assert redact(ID_CARD) == "<身份证号码 ID-card number>"


def test_only_values_with_eleven_digits_in_a_row_reach_the_patterns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every table's ids are labelled through personal_values: a Python regex per distinct id
    took 1.0 of validate's 4.4 s at scale 0.1. Only a value with 11 digits in a row (ASCII or
    full-width) can hold a number, and only those are checked one by one."""
    from risk_model import personal

    seen: list[str] = []
    check = personal.holds_personal_number

    def counted(text: object) -> bool:
        seen.append(str(text))
        return check(text)

    monkeypatch.setattr(personal, "holds_personal_number", counted)
    ids = pl.Series("household_id", [f"H{i:07d}" for i in range(1000)])
    assert not personal_values(ids).any() and seen == []
    wide = "电话１３９１２３４５６７８"  # full-width, as a Chinese input method types it
    mixed = pl.Series("x", ["H0000001", wide, "12345678901", "1391234567"])
    assert personal_values(mixed).to_list() == [False, True, False, False]
    assert sorted(seen) == sorted([wide, "12345678901"])


def _with_remarks(toy_frame: pl.DataFrame) -> pl.DataFrame:
    """The toy table with a free-text remarks column, every third row a contact's mobile."""
    n = toy_frame.height
    remarks = [f"联系人电话139{i:08d}" if i % 3 == 0 else ("独居", "低保")[i % 2] for i in range(n)]
    return toy_frame.with_columns(pl.Series("备注", remarks))


def test_a_categorical_feature_holding_mobile_numbers_is_refused(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    """Every value of a categorical feature is stored with the model (encoder, drift
    reference) in MLflow: a remarks column holding contacts' mobiles was registered as is."""
    spec = FeatureSpec(**{**toy_spec.__dict__, "categorical": ("region", "备注")})
    rule = DecisionRule.from_matrix(np.array(POLICY_COST), 3)
    with pytest.raises(TrainingDataError) as exc:
        train(_with_remarks(toy_frame), spec, rule, config=FAST, source="t.csv")
    text = str(exc.value)
    assert "备注: 取值含疑似身份证号码或手机号码" in text
    assert "1,000 value(s) hold what looks like an ID-card or mobile number" in text
    assert "e.g. P00000, P00003, P00006" in text
    assert not NUMBERS.search(text)


def test_a_fairness_column_holding_id_numbers_is_refused(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    """A fairness column's values are the report's group labels (fairness.csv in MLflow)."""
    frame = toy_frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit(ID_CARD)).otherwise("region")
        .alias("region")
    )  # fmt: skip
    rule = DecisionRule.from_matrix(np.array(POLICY_COST), 3)
    with pytest.raises(TrainingDataError, match=r"region: 取值含疑似.*e\.g\. P00004:") as exc:
        train(frame, toy_spec, rule, config=FAST)
    assert ID_CARD not in str(exc.value)


def test_an_id_that_is_an_id_card_number_is_named_by_its_row(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    """A spec's id column may be the ID-card number (id_column = "身份证号"): a message named
    the bad rows by it, and listed duplicated ones."""
    ids = [f"532622199001{i:05d}X" for i in range(toy_frame.height)]
    ids[7] = ids[3]  # a duplicate
    frame = toy_frame.with_columns(
        pl.Series("patient_id", ids),
        pl.when(pl.int_range(pl.len()) == 5).then(-1.0).otherwise("age").alias("age"),
    )
    problems = "\n".join(
        value_problems(frame, numeric=["age"], boolean=[], bounds={"age": (0, 120)},
                       id_column="patient_id")
    )  # fmt: skip
    assert "编号重复 (1 duplicated id(s) in 2 rows, e.g. 第 4 行 row 4, 第 8 行 row 8)" in problems
    assert "e.g. 第 6 行 row 6" in problems
    assert not NUMBERS.search(problems), problems


def test_an_unseen_remark_at_scoring_is_shown_without_its_number(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    from risk_model.features import check_scoring_frame

    spec = FeatureSpec(**{**toy_spec.__dict__, "categorical": ("region",)})
    rule = DecisionRule.from_matrix(np.array(POLICY_COST), 3)
    result = train(toy_frame, spec, rule, config=FAST)
    encoder = result.pipeline.named_steps["features"]
    later = toy_frame.head(3).with_columns(pl.lit("电话" + MOBILE).alias("region"))
    with pytest.raises(ScoringDataError) as exc:
        check_scoring_frame(later, encoder, dict(spec.bounds), id_column="patient_id")
    assert "电话<手机号码 mobile phone number>" in str(exc.value)
    assert MOBILE not in str(exc.value)

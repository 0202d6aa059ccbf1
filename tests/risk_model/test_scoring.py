"""Scoring: output schema, rules, overrides, reasons, drift and bad input."""

from __future__ import annotations

import polars as pl
import pytest

from risk_model import ScoringDataError
from risk_model.rules import Rule
from risk_model.scoring import score

RULES = [
    Rule(
        "alone_dangerous_housing",
        "elderly_living_alone AND housing_safety_grade = 'D'",
        min_class=1,
        text_zh="独居老人且住房为D级危房",
        text_en="alone in D housing",
    )
]


def _score(result, frame, **kw):  # type: ignore[no-untyped-def]
    return score(
        frame,
        result.pipeline,
        result.spec,
        result.rule,
        tables=result.reason_tables,
        drift_reference=result.drift_reference,
        model_version="7",
        **kw,
    )


def test_scores_schema_and_values(household_result, households) -> None:  # type: ignore[no-untyped-def]
    out = _score(household_result, households, rules=RULES).scores
    assert out.columns == [
        "household_id",
        "p_tier1",
        "p_tier2",
        "p_tier3",
        "model_tier",
        "final_tier",
        "tier_source",
        "reasons",
        "model_version",
        "rule",
        "override_reason",
    ]
    assert out.height == households.height
    assert out["household_id"].to_list() == households["household_id"].to_list()
    total = out["p_tier1"] + out["p_tier2"] + out["p_tier3"]
    assert ((total - 1).abs() < 1e-9).all()
    assert set(out["final_tier"].unique()) <= {1, 2, 3}
    assert out["model_tier"].dtype == pl.Int8
    assert set(out["tier_source"].unique()) <= {"model", "rule"}
    assert (out["model_version"] == "7").all()


def test_rule_raises_tier_and_is_marked(household_result, households) -> None:  # type: ignore[no-untyped-def]
    # Make some households match the rule for sure.
    forced = households.head(300).with_columns(
        pl.lit(True).alias("elderly_living_alone"), pl.lit("D").alias("housing_safety_grade")
    )
    out = _score(household_result, forced, rules=RULES).scores
    assert (out["final_tier"] <= 2).all()
    raised = out.filter(pl.col("tier_source") == "rule")
    assert raised.height == out.filter(pl.col("model_tier") == 3).height
    assert (raised["rule"] == "alone_dangerous_housing").all()
    assert (
        out.filter(pl.col("tier_source") == "model")["rule"].null_count()
        == out.filter(pl.col("tier_source") == "model").height
    )


def test_invalid_rule_is_a_clear_error(household_result, households) -> None:  # type: ignore[no-untyped-def]
    from risk_model import RuleError

    with pytest.raises(RuleError, match="rule 'broken'"):
        _score(
            household_result, households.head(5), rules=[Rule("broken", "no_such_column > 1", 1)]
        )


def test_overrides_are_applied_last_with_reason(household_result, households) -> None:  # type: ignore[no-untyped-def]
    ids = households["household_id"].head(2).to_list()
    overrides = pl.DataFrame(
        {"household_id": ids, "tier": [1, 3], "reason": ["村委会反映新情况", "已搬离 / moved away"]}
    )
    out = _score(household_result, households.head(50), rules=RULES, overrides=overrides).scores
    o = out.filter(pl.col("household_id").is_in(ids)).sort("household_id")
    assert o["final_tier"].to_list() == [1, 3]
    assert o["tier_source"].to_list() == ["override", "override"]
    assert o["override_reason"].to_list() == ["村委会反映新情况", "已搬离 / moved away"]
    assert out.filter(pl.col("tier_source") == "override").height == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (pl.DataFrame({"household_id": ["nope"], "tier": [1], "reason": ["x"]}), "unknown ids"),
        (
            pl.DataFrame({"household_id": ["H0000001"], "tier": [4], "reason": ["x"]}),
            "tier must be",
        ),
        (
            pl.DataFrame({"household_id": ["H0000001"], "tier": [1], "reason": [" "]}),
            "needs a reason",
        ),
        (pl.DataFrame({"household_id": ["H0000001"], "tier": [1]}), "missing column"),
    ],
)
def test_bad_overrides_are_refused(household_result, households, overrides, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScoringDataError, match=message):
        _score(household_result, households.head(20), overrides=overrides)


def test_reasons_are_top3_signed_with_bilingual_text(household_result, households) -> None:  # type: ignore[no-untyped-def]
    out = _score(household_result, households).scores
    reasons = out["reasons"].to_list()
    assert all(len(r) == 3 for r in reasons)
    first = reasons[0]
    mags = [abs(x["contribution"]) for x in first]
    assert mags == sorted(mags, reverse=True)
    assert all(" / " in x["text"] for x in first)
    assert all(x["text"].endswith(f"{abs(x['contribution']):.2f}") for x in first)
    # The highest-risk households are explained by risk-raising (positive) contributions.
    top = out.sort("p_tier1", descending=True).head(20)
    assert all(r[0]["contribution"] > 0 for r in top["reasons"].to_list())
    low = out.sort("p_tier1").head(20)
    assert all(sum(x["contribution"] for x in r) < 0.05 for r in low["reasons"].to_list())


def test_missing_column_unseen_category_out_of_range(household_result, households) -> None:  # type: ignore[no-untyped-def]
    h = households.head(30)
    with pytest.raises(ScoringDataError, match=r"missing column.*disputes_12m"):
        _score(household_result, h.drop("disputes_12m"))
    odd = h.with_columns(
        pl.when(pl.int_range(pl.len()) < 2)
        .then(pl.lit("E"))
        .otherwise(pl.col("housing_safety_grade"))
        .alias("housing_safety_grade")
    )
    with pytest.raises(
        ScoringDataError,
        match=r"housing_safety_grade: 训练中未出现的类别 \(unseen category \['E'\]",
    ):
        _score(household_result, odd)
    res = _score(household_result, odd, on_unseen="missing")
    assert res.check.unseen_rows == {"housing_safety_grade": 2}
    assert res.scores.height == 30
    neg = h.with_columns(pl.lit(-1, dtype=pl.Int16).alias("members"))
    with pytest.raises(
        ScoringDataError, match=r"members: 超出有效范围 \(30 value\(s\) outside the valid range"
    ):
        _score(household_result, neg)


def test_duplicate_ids_are_refused(household_result, households) -> None:  # type: ignore[no-untyped-def]
    first = households["household_id"][0]
    with pytest.raises(
        ScoringDataError,
        match=rf"household_id: 编号重复 \(1 duplicated id\(s\) in 2 rows, e\.g\. {first}\)",
    ):
        _score(household_result, pl.concat([households.head(3), households.head(1)]))


def test_null_ids_are_refused_and_null_features_are_scored_as_missing_with_a_warning(
    household_result, households
) -> None:  # type: ignore[no-untyped-def]
    """Tester's defect 7: a null id was scored silently; a null value too (NaN was refused)."""
    h = households.head(5)
    no_id = h.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(None)
        .otherwise(pl.col("household_id"))
        .alias("household_id")
    )
    with pytest.raises(
        ScoringDataError,
        match=r"household_id: 编号为空 \(1 row\(s\) without an id, "
        r"e\.g\. 第 3 行 row 3\)",
    ):
        _score(household_result, no_id)
    no_members = h.with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(None)
        .otherwise(pl.col("members"))
        .alias("members")
    )
    result = _score(household_result, no_members)
    assert result.scores.height == 5
    # The logistic model (the synthetic prefecture's best) fills a missing number with its
    # training median, and the warning says so.
    assert household_result.chosen == "logistic"
    median = household_result.pipeline.named_steps["features"].median_["members"]
    assert (
        f"members: 1 个缺失值, 按训练中位数 {median:g} 评分 / 1 missing value(s), scored as the "
        f"training median {median:g}" in result.check.warnings()
    )


def test_drift_is_flagged_when_the_population_shifts(household_result, households) -> None:  # type: ignore[no-untyped-def]
    same = _score(household_result, households).drift
    assert not same["flagged"].any()
    shifted = households.with_columns(
        pl.lit("D").alias("housing_safety_grade"),
        (pl.col("last_visit_days") + 200).alias("last_visit_days"),
    )
    res = _score(household_result, shifted)
    assert set(res.drift_flagged) == {"housing_safety_grade", "last_visit_days"}
    assert res.drift.columns == ["feature", "psi", "flagged"]

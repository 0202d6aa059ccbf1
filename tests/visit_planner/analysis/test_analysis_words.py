"""visit_planner.analysis.words: household columns in words, Chinese first."""

from __future__ import annotations

import polars as pl

from risk_model.spec import household_spec
from visit_planner.analysis import explore, words
from visit_planner.contracts import columns as c


def test_every_household_column_has_words() -> None:
    """No column of the households contract is shown by its raw name."""
    for name in c.HOUSEHOLDS:
        zh, en = words.column_words(name)
        assert name not in (zh, en), name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), name


def test_words_are_the_specs_and_the_glossarys() -> None:
    assert words.column_words("members") == household_spec().label("members")
    assert words.column_label("township_id") == "乡镇 township"
    assert words.column_label("head_ethnicity") == "户主民族 head's ethnicity"
    assert words.column_label("county_id") == "县 county"


def test_an_unknown_column_keeps_its_name() -> None:
    assert words.column_label("my_column") == "my_column"


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_scenario_table_is_headed_chinese_first_with_its_status_in_words() -> None:
    """Notebook 3.0's tables: the sweep's columns headed Chinese first, a solve's status in
    both languages (it arrives in English from assignment.tradeoff), values kept."""
    columns = [
        "scenario", "visits_per_month", "cost_factor", "cost_miss_tier1_as_3", "status",
        "objective", "bound", "gap", "tier1_households", "tier2_households", "tier3_households",
        "tier1_covered", "tier1_coverage", "tier1_max_coverable", "tier1_coverage_bound",
        "tier1_coverage_proven", "travel_hours_month", "used_cadre", "extra_cadre",
        "staff_cadre", "used_village_official", "extra_grid_worker", "failed_townships",
        "seconds",
    ]  # fmt: skip
    frame = pl.DataFrame({name: [None, None] for name in columns}).with_columns(
        pl.Series("status", ["feasible", "optimal"]), pl.Series("objective", [1.5, 2.0])
    )
    shown = words.table(frame)
    for header in shown.columns:
        assert has_chinese(header) and "_" not in header, header
        assert header.index(header.split()[0]) == 0 and has_chinese(header.split()[0]), header
    assert shown["求解状态 status"].to_list() == ["可行 feasible", "最优 optimal"]
    assert shown["目标值 objective"].to_list() == [1.5, 2.0]
    assert words.table_header("used_cadre") == "已用基层干部 cadres used"
    assert words.table_header("tier2_households") == "二类户数 tier 2 households"


def test_the_notebooks_tables_have_words_for_every_column(small_prefecture) -> None:
    """The summaries notebook 1.0 shows: no column left under its code name."""
    hh = explore.with_county_name(small_prefecture.households)
    frames = [
        explore.feature_summary(hh), explore.flag_shares(hh),
        explore.tier_shares(hh, by=("county_id", "township_id")), explore.missing_values(hh),
        explore.outliers(hh), explore.composition(hh, "head_gender"), explore.audit_groups(hh),
    ]  # fmt: skip
    for frame in frames:
        headers = words.table(frame).columns
        assert all(has_chinese(h) for h in headers), headers


def test_a_table_without_a_status_is_only_renamed() -> None:
    shown = words.table(pl.DataFrame({"model": ["a"], "tier1_recall": [0.9]}))
    assert shown.columns == ["模型 model", "一类户召回率 tier-1 recall"]
    assert shown.row(0) == ("a", 0.9)


def test_tiers_and_outcomes_are_shown_in_words() -> None:
    """A tier by its name, never a bare number; an override's outcome in both languages
    (the corrections' report of notebook 2.0)."""
    frame = pl.DataFrame(
        {"tier": pl.Series([1, 2, 3], dtype=pl.Int8), "households": [3, 4, 5],
         "outcome": ["applied", "not_applied", None]}
    )  # fmt: skip
    shown = words.table(frame)
    assert shown.columns == ["类别 tier", "农户数 households", "结果 outcome"]
    assert shown["类别 tier"].to_list() == ["一类户 tier 1", "二类户 tier 2", "三类户 tier 3"]
    assert shown["结果 outcome"].to_list() == ["已生效 applied", "未生效 not applied", None]


def test_household_columns_in_a_table_are_words_with_their_code_beside() -> None:
    """A table's ``feature`` and ``field`` values are the column's words, Chinese first, and
    the code a reader types (a spec, a correction) stays in a column beside them; an audit
    attribute, its groups, coded values and yes/no are words too."""
    frame = pl.DataFrame(
        {"feature": ["members", "elderly_living_alone"], "value": ["true", "drought"],
         "attribute": ["head_ethnicity", "county_id"], "group": ["yi", "532601"],
         "enough_tier1": [True, False]}
    )  # fmt: skip
    shown = words.table(frame)
    assert shown.columns[:2] == ["特征 feature", "特征代码 feature code"]
    assert shown["特征 feature"].to_list() == [
        "家庭人口 household members",
        "独居老人 elderly living alone",
    ]
    assert shown["特征代码 feature code"].to_list() == ["members", "elderly_living_alone"]
    assert shown["取值 value"].to_list() == ["是 yes", "干旱 drought"]
    assert shown["审计属性 attribute"].to_list() == ["户主民族 head's ethnicity", "县 county"]
    assert shown["人群 group"].to_list() == ["彝族 Yi", "文山市 Wenshan (532601)"]
    assert shown["一类户足够 enough tier 1"].to_list() == ["是 yes", "否 no"]
    report = words.table(pl.DataFrame({"field": ["last_visit_days"], "value": ["21"]}))
    assert report.row(0) == ("距上次走访天数 days since last visit", "last_visit_days", "21")
    assert report.columns[1] == "字段代码 field code"


def test_tier_source_and_registry_tags_in_words() -> None:
    shown = words.table(
        pl.DataFrame({"tier_source": ["model", "rule"], "aliases": ["champion", ""],
                      "promotion_gate": ["pass", "fail"]})
    )  # fmt: skip
    assert shown["类别来源 tier source"].to_list() == [
        "风险模型 the risk model",
        "政策规则 a policy rule",
    ]
    assert shown["别名 aliases"].to_list() == ["冠军 champion", ""]
    assert shown["晋升门槛 promotion gate"].to_list() == ["通过 pass", "未通过 fail"]

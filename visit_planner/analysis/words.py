"""Household columns in words for the notebooks' figures: Chinese first, English alongside
(``家庭人口 household members``), never the raw column name where a word is known.

The features' words are the built-in spec's (:func:`risk_model.spec.household_spec`, the
words a household's reasons use); places and tiers are the glossary's
(:mod:`visit_planner.vocabulary`); the audit attributes and the rest are worded as the
dashboard words them (户主民族 head's ethnicity, 县 county).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import polars as pl

from risk_model.spec import household_spec
from visit_planner.export.labels import TIER_SOURCE, county_name
from visit_planner.vocabulary import ROLE_TERMS, TERMS, TIER_TERMS, outcome_words, status_words

OTHER_COLUMNS: Final[dict[str, tuple[str, str]]] = {
    "county_id": ("县", "county"),
    "township_id": TERMS["township"],
    "village_id": ("村", "village"),
    "grid_id": ("网格", "grid"),
    "household_id": TERMS["household"],
    "assessed_tier": ("本次评估类别", "assessed tier"),
    # As a column, beside the assessed tier and as the dashboard names it; a reason's label
    # (the spec's "上次评估 一类户 / previous assessment: tier 1") is followed by the tier.
    "previous_tier": ("上次评估类别", "previous tier"),
    "head_ethnicity": ("户主民族", "head's ethnicity"),
    "head_gender": ("户主性别", "head's gender"),
    "lon": ("经度", "longitude"),
    "lat": ("纬度", "latitude"),
}
"""Words of the household columns that are not the spec's features (areas, ids, the label,
the audit-only attributes, coordinates), and of a feature whose reason label does not read as
a column heading (previous_tier)."""


def column_words(name: str) -> tuple[str, str]:
    """(Chinese, English) words of a household column; the column name twice when none is
    known (a column of some other data)."""
    if name in OTHER_COLUMNS:
        return OTHER_COLUMNS[name]
    return household_spec().label(name)


def column_label(name: str) -> str:
    """``家庭人口 household members``: a household column's words, Chinese first; the column
    name alone when no word is known."""
    zh, en = column_words(name)
    return zh if zh == en else f"{zh} {en}"


def _role_columns() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for role, (zh, en) in ROLE_TERMS.items():
        out[f"used_{role}"] = (f"已用{zh}", f"{en}s used")
        out[f"extra_{role}"] = (f"另需{zh}", f"extra {en}s")
        out[f"staff_{role}"] = (f"所需{zh}", f"{en}s needed")
    return out


def _tier_columns() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for t, (zh, en) in TIER_TERMS.items():
        out[f"tier{t}"] = (zh, en)
        out[f"tier{t}_share"] = (f"{zh}占比", f"{en} share")
        out[f"tier{t}_households"] = (f"{zh}数", f"{en} households")
        out[f"tier{t}_covered"] = (f"已覆盖{zh}", f"{en} covered")
    return out


TABLE_COLUMNS: Final[dict[str, tuple[str, str]]] = {
    # areas: a code column beside the name column explore.with_county_name adds
    "county_id": ("县代码", "county code"),
    "township_id": ("乡镇代码", "township code"),
    "village_id": ("村代码", "village code"),
    # the summaries of visit_planner.analysis.explore
    "feature": ("特征", "feature"),
    "feature_code": ("特征代码", "feature code"),
    "unit": ("单位", "unit"),
    "mean": ("均值", "mean"),
    "median": ("中位数", "median"),
    "p95": ("95 分位数", "p95"),
    "max": ("最大值", "max"),
    "missing": ("缺失数", "missing"),
    "value": ("取值", "value"),
    "households": TERMS["households"],
    "share": ("占比", "share"),
    "unassessed": ("未评定", "unassessed"),
    "unassessed_share": ("未评定占比", "unassessed share"),
    "column": ("字段", "column"),
    "q1": ("下四分位数", "Q1"),
    "q3": ("上四分位数", "Q3"),
    "fence": ("异常值界限", "fence"),
    "above": ("超出界限户数", "above the fence"),
    "examples": ("示例农户", "examples"),
    "group": ("人群", "group"),
    "attribute": ("审计属性", "attribute"),
    "heldout_households": ("留出村农户数", "held-out households"),
    "heldout_tier1": ("留出村一类户数", "held-out tier 1"),
    "enough_tier1": ("一类户足够", "enough tier 1"),
    # the comparison of visit_planner.analysis.compare
    "model": ("模型", "model"),
    "log_loss": ("对数损失", "log-loss"),
    "macro_f1": ("宏平均 F1", "macro-F1"),
    "tier1_recall": ("一类户召回率", "tier-1 recall"),
    "tier1_precision": ("一类户精确率", "tier-1 precision"),
    "tier1_fpr": ("一类户误报率", "tier-1 false-positive rate"),
    "ece": ("校准误差", "ECE"),
    "largest_group_gap": ("最大组间差距", "largest group gap"),
    "log_loss_gap_pct": ("对数损失距极限 %", "log-loss gap %"),
    "cross_entropy_gap_pct": ("交叉熵距极限 %", "cross-entropy gap %"),
    "n": ("户数", "n"),
    "n_tier1": ("真实一类户数", "true tier 1"),
    "final_tier": ("最终类别", "final tier"),
    "tier_source": ("类别来源", "tier source"),
    "p_tier1": ("一类户概率", "P(tier 1)"),
    "code": ("理由代码", "reason code"),
    "contribution": ("贡献", "contribution"),
    "text": ("理由", "reason"),
    # the scenarios of assignment.tradeoff.sweep (notebook 3.0)
    "scenario": ("情景", "scenario"),
    "tier": ("类别", "tier"),
    "visits_per_month": ("每月走访次数", "visits per month"),
    "cost_factor": ("代价倍数", "cost factor"),
    "cost_miss_tier1_as_3": ("一类户判为三类户的代价", "cost of tier 1 called tier 3"),
    "status": ("求解状态", "status"),
    "objective": ("目标值", "objective"),
    "bound": ("已证明下界", "proven bound"),
    "gap": ("差距", "gap"),
    "tier1_coverage": ("一类户覆盖率", "tier-1 coverage"),
    "tier1_max_coverable": ("一类户可覆盖上限", "tier 1 max coverable"),
    "tier1_coverage_bound": ("一类户覆盖率上限", "tier-1 coverage bound"),
    "tier1_coverage_proven": ("已达上限", "coverage proven"),
    "travel_hours_month": ("路途小时/月", "travel hours per month"),
    "failed_townships": ("失败乡镇", "failed townships"),
    "seconds": ("秒", "seconds"),
    # the corrections' report (visit_planner.analysis.corrections) and the model registry
    "override_id": ("督导调整编号", "override id"),
    "field": ("字段", "field"),
    "field_code": ("字段代码", "field code"),
    "outcome": ("结果", "outcome"),
    "why_not": ("未生效原因", "why not applied"),
    "version": ("版本", "version"),
    "aliases": ("别名", "aliases"),
    "kind": ("模型类型", "kind"),
    "data": ("数据文件", "data file"),
    "promotion_gate": ("晋升门槛", "promotion gate"),
    "county": ("县", "county"),
    "township": TERMS["township"],
    **_tier_columns(),
    **_role_columns(),
}
"""Words of the analysis tables' columns (the summaries, the comparison, the scenarios)."""


def table_header(name: str) -> str:
    """``一类户覆盖率 tier-1 coverage``: a table column's header, Chinese first (a household
    column's words where it is one); the name alone when no word is known."""
    zh, en = TABLE_COLUMNS.get(name) or column_words(name)
    return zh if zh == en else f"{zh} {en}"


def tier_words(tier: object) -> str:
    """``一类户 tier 1``: a tier by its name (the value as it is when not a tier)."""
    zh_en = TIER_TERMS.get(int(tier)) if isinstance(tier, int) else None
    return " ".join(zh_en) if zh_en else str(tier)


GROUP_NAMES: Final[dict[str, str]] = {
    "han": "汉族 Han",
    "zhuang": "壮族 Zhuang",
    "miao": "苗族 Miao",
    "yi": "彝族 Yi",
    "yao": "瑶族 Yao",
    "M": "男 male",
    "F": "女 female",
}
"""Chinese with English for the audit groups of the synthetic data (others as they are)."""

CODED_VALUES: Final[dict[str, str]] = {
    "true": "是 yes",
    "false": "否 no",
    "none": "无 none",
    "drought": "干旱 drought",
    "landslide": "滑坡 landslide",
    "flood": "洪涝 flood",
    **GROUP_NAMES,
}
"""Coded household values in words: a yes/no field, the hazards, the audit groups (the
dashboard's words); a value not listed (a housing grade ``A``) is shown as it is."""

GATE_WORDS: Final[dict[str, str]] = {
    "pass": "通过 pass",
    "fail": "未通过 fail",
    "champion": "冠军 champion",
}
"""The registry's promotion tags and aliases in words."""


def group_words(group: object) -> str:
    """``彝族 Yi``, ``女 female``, ``文山市 Wenshan (532601)``: an audit group (an ethnicity,
    a gender or a county code) in words; the value as it is when none is known."""
    text = str(group)
    if text in GROUP_NAMES:
        return GROUP_NAMES[text]
    name = county_name(text)
    return f"{name} ({text})" if name else text


def value_words(value: object) -> str:
    """A coded value of a household field in words (:data:`CODED_VALUES`), else as it is."""
    return CODED_VALUES.get(str(value), str(value))


def source_words(source: object) -> str:
    """``风险模型 the risk model``: what decided a household's tier."""
    zh_en = TIER_SOURCE.get(source if isinstance(source, str) else None)
    return " ".join(zh_en) if zh_en else str(source)


def gate_words(value: object) -> str:
    """A promotion tag or alias in words (``通过 pass``); a comma-separated list word by word."""
    return ",".join(GATE_WORDS.get(v, v) for v in str(value).split(",")) if value else ""


VALUE_WORDS: Final[dict[str, Callable[[Any], str]]] = {
    "status": status_words,
    "outcome": outcome_words,
    "tier": tier_words,
    "final_tier": tier_words,
    "feature": column_label,
    "field": column_label,
    "column": column_label,
    "attribute": column_label,
    "group": group_words,
    "value": value_words,
    "tier_source": source_words,
    "promotion_gate": gate_words,
    "aliases": gate_words,
}
"""Columns whose values a table shows in words, and how."""

CODE_KEPT: Final = ("feature", "field")
"""Columns worded in a table whose code stays beside them (``feature_code``, ``field_code``):
the name a reader types in a spec, a correction or a call."""

YES_NO: Final = {True: "是 yes", False: "否 no"}


def table(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as a notebook shows it: every column headed in words, Chinese first
    (:func:`table_header`), and the values of :data:`VALUE_WORDS` in words: a solve's
    ``status`` (``可行 feasible``), an override's ``outcome`` (``已生效 applied``), a tier by
    its name (``一类户 tier 1``), a household column by its words (``家庭人口 household
    members``, the code kept beside it for :data:`CODE_KEPT`), an audit group, a coded value
    and a yes/no (``是 yes``).
    The analysis functions keep their column names (code reads them); this is for display."""
    for column in CODE_KEPT:
        if column in frame.columns and f"{column}_code" not in frame.columns:
            at = frame.columns.index(column) + 1
            frame = frame.insert_column(at, frame[column].alias(f"{column}_code"))
    for name, dtype in frame.schema.items():
        if dtype == pl.Boolean:
            frame = frame.with_columns(
                pl.col(name).replace_strict(YES_NO, default=None, return_dtype=pl.String)
            )
    for column, say in VALUE_WORDS.items():
        if column in frame.columns:
            found = frame[column].drop_nulls().unique().to_list()
            frame = frame.with_columns(
                pl.col(column).replace_strict(
                    {v: say(v) for v in found}, default=None, return_dtype=pl.String
                )
            )
    return frame.rename({name: table_header(name) for name in frame.columns})

"""The fairness audit in words a planner reads: per group, how many households (a spec's
table: rows), how many of the top class, how many of those the model found, Chinese first.

:mod:`risk_model.fairness` computes the figures; ``train`` and ``promote`` print these lines
(and the promotion gate's refusal and audit line carry them), so the check by ethnicity,
gender and county is seen every time a model is trained or promoted, not only as one "group
gap" number. A group with fewer than ``min_positives`` households of the top class is shown
with its counts and said to be too small to compare: its share found would swing by many
points with one household more or less, and the gap leaves it out (as the gate does).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import polars as pl

from risk_model.fairness import FairnessReport
from risk_model.spec import top_class_names


def _plain_group(attribute: str, group: str) -> str:
    return group


@dataclass(frozen=True)
class GroupWords:
    """How an application names the audit's attributes and groups: ``attributes`` maps a
    column to its words (``head_ethnicity`` → ``户主民族 head's ethnicity``); ``group``
    names a value of a column (``yi`` → ``彝族 Yi``, a county code → its name and code)."""

    attributes: Mapping[str, str] = field(default_factory=dict)
    group: Callable[[str, str], str] = _plain_group


def _counted(top: tuple[str, str]) -> tuple[str, str, str]:
    """What the audit counts, (Chinese measure word, Chinese, English): households for the
    household tiers (``一类户`` / ``tier-1``), rows for a spec's table, whose rows need not
    be households (a clinic's patients). Follows ``top``, itself a function of the classes
    (:func:`risk_model.spec.top_class_names`), so every caller words it alike."""
    if top == top_class_names([1, 2, 3]):
        return "户", "户", "households"
    return "个", "行", "rows"


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def _group_line(
    row: dict[str, object], words: GroupWords, attribute: str, *, top: tuple[str, str],
    min_positives: int,
) -> str:  # fmt: skip
    """One group: its size, its top-class households and how many of them were found."""
    en, zh = top
    measure, unit_zh, unit_en = _counted(top)
    name = words.group(attribute, str(row["group"]))
    n, n_top = int(row["n"]), int(row["n_tier1"])  # type: ignore[call-overload]
    # A spec's class name is the user's text inside Chinese quotes (类别“high”), which a
    # stream without Chinese keeps ("high"): its Chinese is set apart as the Chinese half of
    # a ``中文 / English`` pair whose English names the class too, and is then left out
    # whole. The household tiers' words (一类户 tier-1) stay as they were.
    tiers = unit_en == "households"
    pair = f"{zh} {en}" if tiers else f"{zh} / {en}"
    head = f"    {name}: {n:,} {unit_zh} {unit_en}, {pair} {n_top:,}"
    if n_top == 0:
        return f"{head}: 无{zh}, 不计 / " + ("none" if tiers else f"no {en}") + ", not counted"
    recall = float(row["tier1_recall"])  # type: ignore[arg-type]
    found = round(recall * n_top)
    line = f"{head}, 找出 found {found:,} ({_pct(recall)})"
    if n_top < min_positives:
        line += (
            f": 样本太少 (不足 {min_positives} {measure}{zh}), 不作比较 / too few (under "
            + (f"{min_positives}" if tiers else f"{min_positives} of {en}")
            + ") to compare"
        )
    return line


def _gap_line(
    part: pl.DataFrame, words: GroupWords, attribute: str, *, gap: float,
    top: tuple[str, str], min_positives: int,
) -> str:  # fmt: skip
    """The attribute's largest gap between groups large enough, naming the two groups."""
    en, zh = top
    measure, _, unit_en = _counted(top)
    if math.isnan(gap):
        return (
            f"    差距: {zh}达 {min_positives} {measure}的组不足两个, 不计算 / gap: fewer than "
            f"two groups with {min_positives}+ {en} {unit_en}, not computed"
        )
    big = part.filter(pl.col("n_tier1") >= min_positives).drop_nans("tier1_recall")
    low = big.sort("tier1_recall").row(0, named=True)
    high = big.sort("tier1_recall").row(-1, named=True)
    return (
        f"    差距 gap: {round(100 * gap)} 个百分点 points "
        f"({words.group(attribute, str(low['group']))} {_pct(low['tier1_recall'])} / "
        f"{words.group(attribute, str(high['group']))} {_pct(high['tier1_recall'])})"
    )


def group_check_lines(
    report: FairnessReport,
    *,
    n_rows: int,
    words: GroupWords | None = None,
    top: tuple[str, str] = ("tier-1", "一类户"),
) -> list[str]:
    """The audit as lines, Chinese first: a heading saying what is measured and on how many
    held-out rows, then per attribute each group (:func:`_group_line`) and its gap.
    ``top``: the (English, Chinese) name of the highest-risk class; a group under the
    report's ``min_positives`` is said to be too small to compare. The household tiers'
    groups are counted in households, a spec's table's in rows (:func:`_counted`)."""
    words = words or GroupWords()
    min_positives = report.min_positives
    en, zh = top
    _, unit_zh, unit_en = _counted(top)
    if report.table.height == 0:
        return []
    lines = [
        f"分组核对 / check by group ({n_rows:,} {unit_zh}留出 held-out {unit_en}): 各组真实{zh}中"
        f"模型找出的比例 / the share of each group's true {en} {unit_en} the model finds"
    ]
    for attribute in report.table["attribute"].unique(maintain_order=True).to_list():
        part = report.table.filter(pl.col("attribute") == attribute)
        lines.append(f"  {words.attributes.get(attribute, attribute)}:")
        lines += [
            _group_line(row, words, attribute, top=top, min_positives=min_positives)
            for row in part.iter_rows(named=True)
        ]
        gap = report.recall_gap.get(attribute, math.nan)
        lines.append(
            _gap_line(part, words, attribute, gap=gap, top=top, min_positives=min_positives)
        )
    return lines

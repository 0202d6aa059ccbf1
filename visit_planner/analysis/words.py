"""Household columns in words for the notebooks' figures: Chinese first, English alongside
(``家庭人口 household members``), never the raw column name where a word is known.

The features' words are the built-in spec's (:func:`risk_model.spec.household_spec`, the
words a household's reasons use); places and tiers are the glossary's
(:mod:`visit_planner.vocabulary`); the audit attributes and the rest are worded as the
dashboard words them (户主民族 head's ethnicity, 县 county).
"""

from __future__ import annotations

from typing import Final

from risk_model.spec import household_spec
from visit_planner.vocabulary import TERMS

OTHER_COLUMNS: Final[dict[str, tuple[str, str]]] = {
    "county_id": ("县", "county"),
    "township_id": TERMS["township"],
    "village_id": ("村", "village"),
    "grid_id": ("网格", "grid"),
    "household_id": TERMS["household"],
    "assessed_tier": ("本次评估类别", "assessed tier"),
    "head_ethnicity": ("户主民族", "head's ethnicity"),
    "head_gender": ("户主性别", "head's gender"),
    "lon": ("经度", "longitude"),
    "lat": ("纬度", "latitude"),
}
"""Words of the household columns that are not the spec's features (areas, ids, the label,
the audit-only attributes, coordinates)."""


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

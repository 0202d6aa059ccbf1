"""visit_planner.analysis.words: household columns in words, Chinese first."""

from __future__ import annotations

from risk_model.spec import household_spec
from visit_planner.analysis import words
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

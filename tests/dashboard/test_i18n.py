"""dashboard.i18n: how an account's jurisdiction is named."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest

from dashboard import i18n
from visit_planner.contracts.places import forget_places, remember_places


@pytest.fixture
def places() -> Iterator[None]:
    remember_places(
        pl.DataFrame(
            {
                "code": ["532626001"],
                "level": ["township"],
                "name_zh": ["锦屏镇"],
                "name_en": ["Jinping"],
            }
        )
    )
    yield
    forget_places()


def test_a_township_scope_is_named_by_its_township_not_only_its_county(places: None) -> None:
    # A township-scoped supervisor's sidebar said "乡镇 532626001（丘北县）": the county's name.
    assert i18n.scope("township", "532626001", "zh") == "乡镇 532626001（锦屏镇 · 丘北县）"
    assert i18n.scope("township", "532626001", "en").startswith("township 532626001 (Jinping")
    assert i18n.scope("county", "532626", "zh") == "丘北县 532626"
    assert i18n.scope("prefecture", None, "en") == "the prefecture"


def test_without_place_names_a_township_scope_keeps_its_code_and_county() -> None:
    assert i18n.scope("township", "532626001", "zh") == "乡镇 532626001（丘北县）"

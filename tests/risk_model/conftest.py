"""Fixtures of the risk model tests: a small non-household dataset and fast model settings."""

from __future__ import annotations

import polars as pl
import pytest
from risk_helpers import POLICY_COST, TOY_SPEC, make_toy

from risk_model.decision import DecisionRule
from risk_model.spec import FeatureSpec, parse_spec


@pytest.fixture(scope="session")
def toy_spec() -> FeatureSpec:
    """The spec of the clinic dataset, parsed from TOML like a user's file."""
    return parse_spec(TOY_SPEC, "toy.toml")


@pytest.fixture(scope="session")
def toy_frame() -> pl.DataFrame:
    """3 000 clinic rows."""
    return make_toy()


@pytest.fixture(scope="session")
def policy_rule() -> DecisionRule:
    """The default policy's cost matrix."""
    return DecisionRule.from_matrix(POLICY_COST, 3)


@pytest.fixture(scope="session")
def households(small_prefecture) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """Households of the small synthetic prefecture."""
    return small_prefecture.households


@pytest.fixture(scope="session")
def truth(small_prefecture) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """Bayes probabilities of the small synthetic prefecture."""
    return small_prefecture.truth

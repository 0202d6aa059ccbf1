"""Fixtures of the risk model tests: a small non-household dataset and fast model settings."""

from __future__ import annotations

import polars as pl
import pytest

from risk_model.decision import DecisionRule
from risk_model.spec import FeatureSpec, parse_spec
from tests.risk_model.helpers import POLICY_COST, TOY_SPEC, make_toy


@pytest.fixture(scope="session", autouse=True)
def _one_openmp_thread():  # type: ignore[no-untyped-def]
    """Tiny models on a shared 2-core machine: OpenMP / BLAS threads only wait for each other."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


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


@pytest.fixture(scope="session")
def household_result(households, truth, policy_rule):  # type: ignore[no-untyped-def]
    """A fast model trained on the small prefecture (with the Bayes comparison)."""
    from risk_model import household_spec, train
    from tests.risk_model.helpers import FAST

    return train(households, household_spec(), policy_rule, config=FAST, truth=truth)


@pytest.fixture(scope="session")
def registry(tmp_path_factory):  # type: ignore[no-untyped-def]
    """An embedded MLflow registry in a temporary workspace (one per test session)."""
    from risk_model.tracking import Registry, Tracking

    ws = tmp_path_factory.mktemp("mlflow-ws")
    return Registry(Tracking.embedded(ws / "mlflow.db", ws / "mlartifacts"))

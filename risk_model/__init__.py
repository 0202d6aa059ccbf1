"""Household risk model: features, models, decision rule, evaluation, tracking, scoring.

Public API (polars frames and plain dataclasses in and out; no knowledge of the application)::

    from risk_model import FeatureSpec, household_spec, load_spec, DecisionRule, train, evaluate

    spec = household_spec()                       # or load_spec(Path("my_spec.toml"))
    rule = DecisionRule.from_matrix(cost, spec.n_classes)
    result = train(households, spec, rule, truth=truth)   # fit + held-out evaluation
    result.evaluation.metrics.macro_f1, result.evaluation.bayes.log_loss_gap_pct

MLflow lives only in :mod:`risk_model.tracking`; scoring in :mod:`risk_model.scoring`.
"""

from typing import TYPE_CHECKING, Any

from risk_model.decision import DecisionRule
from risk_model.errors import (
    PromotionRefusedError,
    RegistryError,
    RiskModelError,
    RuleError,
    ScoringDataError,
    SpecError,
)
from risk_model.spec import FeatureSpec, household_spec, load_spec, parse_spec

if TYPE_CHECKING:
    from risk_model.training import Evaluation, TrainConfig, TrainResult, evaluate, train

_TRAINING = frozenset({"Evaluation", "TrainConfig", "TrainResult", "evaluate", "train"})


def __getattr__(name: str) -> Any:
    """Training's names on first use: ``risk_model.drift`` (or ``.spec``) alone then does not
    import scikit-learn and MLflow (seconds; the dashboard reads drift without them)."""
    if name in _TRAINING:
        from risk_model import training

        return getattr(training, name)
    raise AttributeError(f"module 'risk_model' has no attribute {name!r}")


__all__ = [
    "DecisionRule",
    "Evaluation",
    "FeatureSpec",
    "PromotionRefusedError",
    "RegistryError",
    "RiskModelError",
    "RuleError",
    "ScoringDataError",
    "SpecError",
    "TrainConfig",
    "TrainResult",
    "evaluate",
    "household_spec",
    "load_spec",
    "parse_spec",
    "train",
]

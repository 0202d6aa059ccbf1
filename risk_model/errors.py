"""Exceptions of the risk model package.

Every error a caller can cause derives from :class:`RiskModelError`; the application package
converts it into its own user-error type at the CLI edge. Messages name the column, the value
and the first offending ids.

    RiskModelError
    ├── ConfigError         an unusable argument (cost matrix, class weights, model kind,
    │                       split fraction); also a ValueError
    ├── SpecError           the feature spec is invalid or does not fit the data
    │   └── TrainingDataError   data to train on holds bad values (ids, numbers, bounds)
    ├── ScoringDataError    data to score is missing a feature column or holds bad values
    ├── RuleError           a policy rule's ``when`` expression cannot be evaluated
    ├── RegistryError       no such model version / alias, or the registry cannot be used
    ├── PromotionRefusedError    the promotion gate refused a candidate (see ``decision``)
    └── PromotionFailedError     the gate passed but the champion alias could not be moved
"""

from __future__ import annotations

from typing import Any


class RiskModelError(Exception):
    """Base class of the risk model's user-facing errors."""


class SpecError(RiskModelError):
    """The feature spec is invalid, or names a column / class the data does not have."""


class TrainingDataError(SpecError):
    """Data to train on holds values scoring would refuse: missing or duplicate ids, values
    that are not numbers / booleans, NaN or values outside the spec's bounds."""


class ScoringDataError(RiskModelError):
    """Data to score is missing a feature column, or holds unseen categories / bad values."""


class RuleError(RiskModelError):
    """A policy rule's ``when`` expression cannot be parsed or evaluated."""


class RegistryError(RiskModelError):
    """The model registry has no such model, version or alias."""


class PromotionRefusedError(RiskModelError):
    """The promotion gate refused the candidate; ``decision`` holds the failed checks."""

    def __init__(self, message: str, decision: Any = None) -> None:
        super().__init__(message)
        self.decision = decision


class PromotionFailedError(RiskModelError):
    """Moving the champion alias failed after the gate; ``failure``
    (:class:`risk_model.promote.AliasFailure`) says where the alias is now."""

    def __init__(self, message: str, failure: Any = None) -> None:
        super().__init__(message)
        self.failure = failure


class ConfigError(RiskModelError, ValueError):
    """An argument that cannot be used (cost matrix shape, class weights, model kind, ...)."""

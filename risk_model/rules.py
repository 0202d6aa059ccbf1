"""Policy rules applied after the model: a household matching a rule gets at least its tier.

A rule's ``when`` is a polars SQL expression over the household columns (e.g.
``elderly_living_alone AND housing_safety_grade = 'D'``), evaluated with :func:`pl.sql_expr`.
``min_class`` is the lowest-risk class index the rule allows (0 = highest risk), so a rule
only ever raises risk. A household raised by a rule gets ``tier_source = "rule"`` and the
rule's code; where several rules match, the strictest wins (then the first listed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from risk_model.errors import RuleError


@dataclass(frozen=True)
class Rule:
    """One policy rule (``min_class`` is a class index: 0 = highest risk)."""

    code: str
    when: str
    min_class: int
    text_zh: str = ""
    text_en: str = ""


@dataclass(frozen=True)
class RuleOutcome:
    """Per row: the final class index, whether a rule raised it, and which rule."""

    final: np.ndarray
    raised: np.ndarray
    rule_code: pl.Series


def rule_mask(frame: pl.DataFrame, rule: Rule) -> np.ndarray:
    """Rows matching ``rule.when`` (null counts as not matching); RuleError when invalid."""
    try:
        expr = pl.sql_expr(rule.when)
        s = frame.select(expr.alias("m")).to_series()
    except Exception as exc:  # polars raises several types for SQL / column errors
        raise RuleError(f"rule {rule.code!r}: cannot evaluate `{rule.when}`: {exc}") from None
    if s.dtype != pl.Boolean:
        raise RuleError(
            f"rule {rule.code!r}: `{rule.when}` is not a true/false condition (got {s.dtype})"
        )
    return s.fill_null(False).to_numpy()


def apply_rules(frame: pl.DataFrame, model_class: np.ndarray, rules: Sequence[Rule]) -> RuleOutcome:
    """Raise ``model_class`` where rules require it (pure; see the module docstring)."""
    final = np.asarray(model_class, dtype=np.int64).copy()
    best = np.full(final.shape, np.iinfo(np.int64).max)
    code = np.full(final.shape, None, dtype=object)
    for rule in rules:
        m = rule_mask(frame, rule)
        stricter = m & (rule.min_class < best)
        best[stricter] = rule.min_class
        code[stricter & (rule.min_class < final)] = rule.code
    raised = best < final
    final = np.where(raised, best, final)
    code[~raised] = None
    return RuleOutcome(
        final=final, raised=raised, rule_code=pl.Series("rule", code.tolist(), dtype=pl.String)
    )

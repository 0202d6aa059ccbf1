"""Scoring: probabilities, model tier, policy rules, overrides, reasons and drift.

``score(frame, model, ...)`` returns the ``scores`` table (docs/architecture.md, "Outputs") —
the id, ``p_tier1..3`` (the spec's probability columns), ``model_tier``, ``final_tier``,
``tier_source`` (``model`` | ``rule`` | ``override``), ``reasons``, ``model_version`` — plus
``rule`` (code of the rule that raised the tier) and ``override_reason``, and the drift report.

Order of precedence: the model's tier (expected-cost decision), then policy rules (which only
raise risk), then supervisor overrides (which set the tier, up or down, with a reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from risk_model.attribution import Fidelity, attribute, fidelity
from risk_model.decision import DecisionRule
from risk_model.drift import drift_report
from risk_model.errors import ScoringDataError
from risk_model.features import ScoringCheck, check_scoring_frame
from risk_model.reasons import ReasonTables, explain
from risk_model.rules import Rule, apply_rules
from risk_model.spec import FeatureSpec
from risk_model.training import predict_proba

TierSource = Literal["model", "rule", "override"]


@dataclass
class ScoreResult:
    """Scores, the drift report, what the input check found, and the reasons' fidelity."""

    scores: pl.DataFrame
    drift: pl.DataFrame
    check: ScoringCheck
    fidelity: Fidelity | None = None  # None for older (partial-dependence) reasons

    @property
    def drift_flagged(self) -> list[str]:
        """Features whose PSI is over the threshold."""
        return self.drift.filter(pl.col("flagged"))["feature"].to_list()


def _class_series(name: str, idx: np.ndarray, spec: FeatureSpec) -> pl.Series:
    values = [spec.classes[i] for i in range(spec.n_classes)]
    dtype: pl.DataType = pl.Int8() if all(isinstance(v, int) for v in values) else pl.String()
    lookup = pl.Series(values, dtype=dtype)
    return lookup.gather(idx.astype(np.int64)).alias(name)


def check_overrides(overrides: pl.DataFrame, ids: pl.Series, spec: FeatureSpec) -> pl.DataFrame:
    """Validate supervisor overrides (id, ``tier``, ``reason``); return id, class index, reason."""
    need = [spec.id_column, "tier", "reason"]
    missing = [c for c in need if c not in overrides.columns]
    if missing:
        raise ScoringDataError(f"overrides: missing column(s) {', '.join(missing)}")
    o = overrides.select(need)
    dup = o[spec.id_column].filter(o[spec.id_column].is_duplicated()).unique().sort()
    if dup.len():
        raise ScoringDataError(f"overrides: duplicate ids {dup.head(5).to_list()}")
    blank = o.filter(pl.col("reason").is_null() | (pl.col("reason").str.strip_chars() == ""))
    if blank.height:
        raise ScoringDataError(
            "overrides: every override needs a reason; missing for "
            f"{blank[spec.id_column].head(5).to_list()}"
        )
    index = {str(c): i for i, c in enumerate(spec.classes)}
    tiers = o["tier"].cast(pl.String)
    bad = o.filter(~tiers.is_in(list(index)) | tiers.is_null())
    if bad.height:
        raise ScoringDataError(
            f"overrides: tier must be one of {list(spec.classes)}; got "
            f"{bad['tier'].head(5).to_list()}"
        )
    unknown = o.filter(~pl.col(spec.id_column).is_in(ids.implode()))
    if unknown.height:
        raise ScoringDataError(
            f"overrides: unknown ids {unknown[spec.id_column].head(5).to_list()}"
        )
    return o.with_columns(tiers.replace_strict(index, return_dtype=pl.Int64).alias("class_index"))


def score(
    frame: pl.DataFrame,
    model: Any,
    spec: FeatureSpec,
    rule: DecisionRule,
    *,
    tables: ReasonTables,
    drift_reference: dict[str, Any],
    model_version: str,
    rules: Sequence[Rule] = (),
    overrides: pl.DataFrame | None = None,
    psi_threshold: float = 0.2,
    on_unseen: Literal["error", "missing"] = "error",
    source: str = "data",
) -> ScoreResult:
    """Score every row of ``frame`` (see the module docstring for the columns)."""
    if frame.height == 0:
        raise ScoringDataError(
            f"{source}: the table has no rows (only a header?): nothing to score / 数据表为空"
        )
    encoder = model.named_steps["features"]
    check = check_scoring_frame(
        frame,
        encoder,
        dict(spec.bounds),
        id_column=spec.id_column,
        on_unseen=on_unseen,
        source=source,
    )
    ids = frame[spec.id_column]
    if ids.is_duplicated().any():
        raise ScoringDataError(
            f"{source}: duplicate {spec.id_column} "
            f"{ids.filter(ids.is_duplicated()).head(3).to_list()}"
        )
    fid: Fidelity | None = None
    if tables.method == "exact":
        encoded = encoder.transform(frame)  # once, for the probabilities and the reasons
        proba = predict_proba(model, frame, spec.n_classes, encoded=encoded)
        att = attribute(model, frame, spec, tables.reference, encoded=encoded)
        reasons = explain(tables, frame, contributions_matrix=att.contributions)
        fid = fidelity(att, proba)
    else:
        proba = predict_proba(model, frame, spec.n_classes)
        reasons = explain(tables, frame)
    model_idx = rule.decide(proba).astype(np.int64)
    outcome = apply_rules(frame, model_idx, rules)
    final_idx = outcome.final
    source_col = np.where(outcome.raised, "rule", "model").astype(object)
    override_reason = pl.Series("override_reason", [None] * frame.height, dtype=pl.String)
    if overrides is not None and overrides.height:
        o = check_overrides(overrides, ids, spec)
        joined = frame.select(spec.id_column).join(
            o, on=spec.id_column, how="left", maintain_order="left"
        )
        has = joined["class_index"].is_not_null().to_numpy()
        final_idx = np.where(has, joined["class_index"].fill_null(0).to_numpy(), final_idx)
        source_col[has] = "override"
        override_reason = joined["reason"].alias("override_reason")
    cols: list[pl.Series] = [ids]
    cols += [pl.Series(name, proba[:, j]) for j, name in enumerate(spec.prob_columns)]
    cols += [
        _class_series("model_tier", model_idx, spec),
        _class_series("final_tier", final_idx, spec),
        pl.Series("tier_source", source_col.tolist(), dtype=pl.String),
        reasons,
        pl.Series("model_version", [model_version] * frame.height, dtype=pl.String),
        outcome.rule_code,
        override_reason,
    ]
    scores = pl.DataFrame(cols)
    return ScoreResult(
        scores=scores,
        drift=drift_report(drift_reference, frame, psi_threshold),
        check=check,
        fidelity=fid,
    )

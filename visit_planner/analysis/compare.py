"""Champion against challenger on the same held-out villages (notebook 2.0).

The comparison uses exactly the rows the promotion gate uses
(:func:`risk_model.promote.heldout_rows`: the challenger's own group-wise split of the data),
the registry's models and each version's own spec, and the policy's decision rule, so the
tables of a notebook are the figures the gate then decides on. Promotion itself goes through
:func:`visit_planner.risk_job.promote_version`, the function ``visit-planner promote`` calls
(MLflow tags, audit file and store audit entry included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from risk_model.errors import PromotionRefusedError
from risk_model.promote import GateDecision, heldout_rows
from risk_model.spec import FeatureSpec, spec_from_dict
from risk_model.training import Evaluation, evaluate, summarise
from visit_planner.errors import RiskJobError
from visit_planner.model_registry import registry_for, user_errors
from visit_planner.paths import resolve_workspace
from visit_planner.policy import load_policy
from visit_planner.risk_job import (
    TRUTH,
    promote_version,
    read_data,
    resolve_data,
    risk_settings,
)


@dataclass
class Comparison:
    """Evaluations of several versions on one set of held-out rows."""

    heldout: pl.DataFrame
    spec: FeatureSpec
    evaluations: dict[str, Evaluation]
    versions: dict[str, int]
    y: np.ndarray = field(repr=False)

    def table(self) -> pl.DataFrame:
        """One row per model (and the Bayes limit when known): the headline metrics, and the
        distance to the Bayes limit on the held-out labels (``log_loss_gap_pct``, noisy on few
        villages: a model may fall below the limit by chance) and against the true
        probabilities (``cross_entropy_gap_pct``, the lower-variance measure)."""
        rows = [(name, ev) for name, ev in self.evaluations.items()]
        out = summarise(rows).with_columns(
            pl.Series(
                "cross_entropy_gap_pct",
                [ev.bayes.cross_entropy_gap_pct if ev.bayes else None for _, ev in rows],
                dtype=pl.Float64,
            )
        )
        first = next(iter(self.evaluations.values()))
        if first.bayes is not None:
            b = first.bayes.bayes
            bayes = pl.DataFrame(
                [
                    {
                        "model": "贝叶斯极限 Bayes limit",
                        "log_loss": b.log_loss,
                        "macro_f1": b.macro_f1,
                        "tier1_recall": b.tier1_recall,
                        "tier1_precision": b.tier1_precision,
                        "ece": b.ece,
                        "largest_group_gap": None,
                        "log_loss_gap_pct": 0.0,
                        "cross_entropy_gap_pct": 0.0,
                    }
                ],
                schema=out.schema,
            )
            out = pl.concat([out, bayes])
        return out

    def fairness(self) -> pl.DataFrame:
        """Per-group tier-1 recall and false-positive rate of every model, side by side."""
        frames = [
            ev.fairness.table.with_columns(pl.lit(name).alias("model"))
            for name, ev in self.evaluations.items()
        ]
        return pl.concat(frames).select("model", pl.exclude("model"))


def compare_versions(
    versions: dict[str, int],
    data: Path,
    *,
    heldout_of: int,
    home: Path | None = None,
    truth: Path | None = None,
) -> Comparison:
    """Evaluate registered ``versions`` (display name -> version) on the held-out rows of
    version ``heldout_of`` in ``data`` (a file or a directory with households.*), against the
    Bayes limit when a truth table is given or lies beside the data."""
    data_file = resolve_data(data)
    if truth is None and (data_file.parent / f"{TRUTH}.parquet").exists():
        truth = data_file.parent / f"{TRUTH}.parquet"
    truth_frame = read_data(truth) if truth is not None else None
    with user_errors():
        registry = registry_for(resolve_workspace(home))
        held = heldout_rows(registry, heldout_of, read_data(data_file))
        policy = load_policy()
        evaluations: dict[str, Evaluation] = {}
        spec: FeatureSpec | None = None
        for name, version in versions.items():
            model, info = registry.load_model(version)
            spec = spec_from_dict(registry.load_json(info.run_id, "spec.json"))
            rule = risk_settings(policy, spec).rule
            evaluations[name] = evaluate(model, held, spec, rule, truth=truth_frame)
    if spec is None:
        raise RiskJobError("没有可比较的模型版本 (no version to compare)")
    labelled = held.filter(pl.col(spec.target).is_not_null())
    y = spec.encode_target(labelled[spec.target]).astype(np.int64)
    return Comparison(held, spec, evaluations, dict(versions), y)


@dataclass(frozen=True)
class GateOutcome:
    """What the promotion gate decided for a version, promoted or not."""

    version: int
    promoted: bool
    decision: GateDecision
    previous_champion: int | None

    def summary(self) -> str:
        """The gate's checks, one per line, and the verdict."""
        verdict = (
            f"版本 {self.version} 已晋升为冠军模型 / version {self.version} promoted to champion"
            if self.promoted
            else f"版本 {self.version} 未通过晋升门槛, 冠军模型不变 / version {self.version} "
            "refused; the champion stays"
        )
        return f"{self.decision.summary()}\n{verdict}".strip()


def run_gate(version: int, data: Path, *, home: Path | None = None) -> GateOutcome:
    """Promote ``version`` through the gate exactly as ``visit-planner promote`` does (no
    force); a refusal is an outcome here, not an error."""
    try:
        res = promote_version(version, data, home=home)
    except RiskJobError as exc:
        cause = exc.__cause__
        if isinstance(cause, PromotionRefusedError) and isinstance(cause.decision, GateDecision):
            champion = registry_for(resolve_workspace(home)).champion()
            return GateOutcome(
                version, False, cause.decision, champion.version if champion else None
            )
        raise
    return GateOutcome(version, True, res.decision, res.previous_champion)


def reasons_table(scores: pl.DataFrame, household_ids: list[str]) -> pl.DataFrame:
    """The scored reasons of the given households, one row per reason: the household's
    tiers, P(tier 1), and each reason's signed contribution and text."""
    picked = scores.filter(pl.col("household_id").is_in(household_ids)).sort("household_id")
    return (
        picked.select("household_id", "final_tier", "tier_source", "p_tier1", "reasons")
        .explode("reasons")
        .unnest("reasons")
    )

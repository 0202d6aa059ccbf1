"""Train and evaluate: the data scientist's Python API (no MLflow here; see ``tracking``).

``train(frame, spec, rule)`` splits the labelled rows group-wise, fits the default model and
the baselines, evaluates all of them on the same held-out rows (against the Bayes limit when
a truth frame is given), audits per-group error rates, and prepares what scoring needs
(reason tables, drift reference). ``evaluate(pipeline, frame, spec, rule)`` does the
held-out part alone — e.g. for a champion on new data.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from risk_model.decision import DecisionRule
from risk_model.drift import drift_reference
from risk_model.errors import SpecError
from risk_model.evaluate import (
    BayesComparison,
    Metrics,
    classification_metrics,
    compare_to_bayes,
    group_split,
)
from risk_model.fairness import FairnessReport, group_error_rates
from risk_model.model import ModelKind, build_pipeline
from risk_model.reasons import ReasonTables, fit_reason_tables
from risk_model.spec import FeatureSpec


@dataclass(frozen=True)
class TrainConfig:
    """How to train: model kind and its parameters, baselines, split, sampling, seed."""

    kind: ModelKind = "hgb"
    params: dict[str, Any] = field(default_factory=dict)
    baselines: tuple[ModelKind, ...] = ("logistic", "scorecard")
    test_fraction: float = 0.2
    seed: int = 0
    # Baselines are for comparison; on very large data they are fitted on a sample.
    baseline_max_rows: int = 200_000
    reason_sample_rows: int = 300
    reason_grid: int = 10
    # OpenMP threads for fitting the boosted model (0 = all). Growing a tree runs many small
    # parallel regions; on a busy 2-core machine their barriers wait for descheduled threads.
    # Measured on 729 k rows, 41 iterations: 1 thread 16.7 s, 2 threads 120 s. Prediction
    # (one large parallel loop over rows) keeps every thread.
    fit_threads: int = 1


def predict_proba(pipeline: Pipeline, frame: pl.DataFrame, n_classes: int) -> np.ndarray:
    """Class probabilities with one column per class index (absent classes get 0)."""
    p = pipeline.predict_proba(frame)
    classes = np.asarray(pipeline.classes_, dtype=np.int64)
    if p.shape[1] == n_classes and np.array_equal(classes, np.arange(n_classes)):
        return p
    out = np.zeros((p.shape[0], n_classes))
    out[:, classes] = p
    return out


@dataclass
class Evaluation:
    """Held-out evaluation of one model."""

    metrics: Metrics
    fairness: FairnessReport
    bayes: BayesComparison | None = None
    proba: np.ndarray | None = field(default=None, repr=False)  # the evaluated probabilities

    def flat(self, prefix: str = "") -> dict[str, float]:
        """All scalar metrics (for tracking and the promotion gate)."""
        out = self.metrics.flat() | self.fairness.flat()
        if self.bayes is not None:
            out |= self.bayes.flat()
        return {f"{prefix}{k}": v for k, v in out.items()}


def labelled(frame: pl.DataFrame, spec: FeatureSpec, *, source: str = "data") -> pl.DataFrame:
    """Rows with a target value, after checking columns and target classes."""
    spec.check_columns(frame.columns, training=True, source=source)
    spec.encode_target(frame[spec.target], source=source)  # raises on unknown classes
    return frame.filter(pl.col(spec.target).is_not_null())


def evaluate(
    pipeline: Pipeline,
    frame: pl.DataFrame,
    spec: FeatureSpec,
    rule: DecisionRule,
    *,
    truth: pl.DataFrame | None = None,
) -> Evaluation:
    """Evaluate a fitted pipeline on labelled ``frame`` (the held-out rows)."""
    frame = labelled(frame, spec)
    y = spec.encode_target(frame[spec.target]).astype(np.int64)
    proba = predict_proba(pipeline, frame, spec.n_classes)
    metrics = classification_metrics(y, proba, rule)
    groups = {c: frame[c].to_numpy() for c in spec.fairness_columns if c in frame.columns}
    fairness = group_error_rates(y, rule.decide(proba), groups)
    bayes = None
    if truth is not None:
        bayes_p = truth_probabilities(frame, truth, spec)
        bayes = compare_to_bayes(y, proba, bayes_p, rule)
    return Evaluation(metrics=metrics, fairness=fairness, bayes=bayes, proba=proba)


def truth_probabilities(frame: pl.DataFrame, truth: pl.DataFrame, spec: FeatureSpec) -> np.ndarray:
    """Bayes probabilities of ``frame``'s rows from a truth table (id + probability columns)."""
    need = [spec.id_column, *spec.prob_columns]
    missing = [c for c in need if c not in truth.columns]
    if missing:
        raise SpecError(f"truth table: missing column(s) {', '.join(missing)}")
    joined = frame.select(spec.id_column).join(
        truth.select(need), on=spec.id_column, how="left", maintain_order="left"
    )
    p = joined.select(spec.prob_columns).to_numpy()
    if np.isnan(p).any():
        raise SpecError("truth table: some evaluated ids have no Bayes probabilities")
    return p


@dataclass
class TrainResult:
    """A fitted model with everything tracking and scoring need."""

    spec: FeatureSpec
    rule: DecisionRule
    config: TrainConfig
    pipeline: Pipeline
    evaluation: Evaluation
    baselines: dict[str, Pipeline]
    baseline_evaluations: dict[str, Evaluation]
    reason_tables: ReasonTables
    drift_reference: dict[str, Any]
    n_rows: int
    n_labelled: int
    n_train: int
    n_test: int
    fit_seconds: float
    test_frame: pl.DataFrame  # held-out rows (features, target, audit) for plots; never logged
    test_proba: np.ndarray

    def metrics(self) -> dict[str, float]:
        """Every scalar metric: the model's unprefixed, baselines' as ``{kind}_...``."""
        out = self.evaluation.flat()
        for kind, ev in self.baseline_evaluations.items():
            out |= ev.metrics.flat(f"{kind}_")
            if ev.bayes is not None:
                out[f"{kind}_log_loss_gap_pct"] = ev.bayes.log_loss_gap_pct
                out[f"{kind}_macro_f1_gap"] = ev.bayes.macro_f1_gap
        out["reasons_fidelity_r2"] = self.reason_tables.fidelity_r2
        out["fit_seconds"] = self.fit_seconds
        return out


def _fit(
    spec: FeatureSpec,
    kind: ModelKind,
    frame: pl.DataFrame,
    y: np.ndarray,
    *,
    seed: int,
    params: dict[str, Any],
    threads: int = 0,
) -> Pipeline:
    pipe = build_pipeline(spec, kind, seed=seed, **params)
    if threads > 0:
        with threadpool_limits(limits=threads, user_api="openmp"):
            return pipe.fit(frame.select(spec.features), y)
    if kind == "logistic":
        # A 26-column problem gains nothing from threaded BLAS, and on a busy 2-core machine
        # the BLAS threads mostly wait for each other (measured: 5x slower than one thread).
        with threadpool_limits(limits=1, user_api="blas"):
            return pipe.fit(frame.select(spec.features), y)
    return pipe.fit(frame.select(spec.features), y)


def train(
    frame: pl.DataFrame,
    spec: FeatureSpec,
    rule: DecisionRule,
    *,
    config: TrainConfig | None = None,
    truth: pl.DataFrame | None = None,
) -> TrainResult:
    """Split, fit the model and baselines, evaluate them all on the same held-out rows."""
    config = config or TrainConfig()
    data = labelled(frame, spec)
    y_all = spec.encode_target(data[spec.target]).astype(np.int64)
    present = np.unique(y_all)
    if len(present) < spec.n_classes:
        absent = [spec.classes[i] for i in range(spec.n_classes) if i not in present]
        raise SpecError(f"no labelled rows of class(es) {absent}: cannot learn them")
    test_mask = group_split(
        data, spec.group_column, test_fraction=config.test_fraction, seed=config.seed
    )
    train_df, test_df = data.filter(~test_mask), data.filter(test_mask)
    y_train = y_all[~test_mask]
    if len(np.unique(y_train)) < spec.n_classes:
        raise SpecError("the training split misses a class; use more data or fewer groups")
    started = time.perf_counter()
    pipeline = _fit(
        spec,
        config.kind,
        train_df,
        y_train,
        seed=config.seed,
        params=config.params,
        threads=config.fit_threads,
    )
    fit_seconds = time.perf_counter() - started
    evaluation = evaluate(pipeline, test_df, spec, rule, truth=truth)
    baselines: dict[str, Pipeline] = {}
    baseline_evals: dict[str, Evaluation] = {}
    rng = np.random.default_rng(config.seed)
    if train_df.height > config.baseline_max_rows:
        idx = np.sort(rng.choice(train_df.height, config.baseline_max_rows, replace=False))
        b_df, b_y = train_df[idx], y_train[idx]
    else:
        b_df, b_y = train_df, y_train
    for kind in config.baselines:
        baselines[kind] = _fit(spec, kind, b_df, b_y, seed=config.seed, params={})
        baseline_evals[kind] = evaluate(baselines[kind], test_df, spec, rule, truth=truth)
    n_sample = min(config.reason_sample_rows, train_df.height)
    sample = train_df[np.sort(rng.choice(train_df.height, n_sample, replace=False))]
    tables = fit_reason_tables(
        lambda f: predict_proba(pipeline, f, spec.n_classes)[:, 0],
        sample,
        spec,
        grid_size=config.reason_grid,
    )
    keep = [
        c
        for c in (spec.id_column, *spec.features, spec.target, *spec.fairness_columns)
        if c in test_df.columns
    ]
    return TrainResult(
        spec=spec,
        rule=rule,
        config=config,
        pipeline=pipeline,
        evaluation=evaluation,
        baselines=baselines,
        baseline_evaluations=baseline_evals,
        reason_tables=tables,
        drift_reference=drift_reference(train_df, spec),
        n_rows=frame.height,
        n_labelled=data.height,
        n_train=train_df.height,
        n_test=test_df.height,
        fit_seconds=fit_seconds,
        test_frame=test_df.select(list(dict.fromkeys(keep))),
        test_proba=evaluation.proba
        if evaluation.proba is not None
        else predict_proba(pipeline, test_df, spec.n_classes),
    )


def summarise(results: Sequence[tuple[str, Evaluation]]) -> pl.DataFrame:
    """A comparison table: one row per model with the headline metrics."""
    rows = []
    for name, ev in results:
        m = ev.metrics
        rows.append(
            {
                "model": name,
                "log_loss": m.log_loss,
                "macro_f1": m.macro_f1,
                "tier1_recall": m.tier1_recall,
                "tier1_precision": m.tier1_precision,
                "ece": m.ece,
                "largest_group_gap": ev.fairness.largest_gap,
                "log_loss_gap_pct": ev.bayes.log_loss_gap_pct if ev.bayes else None,
            }
        )
    return pl.DataFrame(rows)

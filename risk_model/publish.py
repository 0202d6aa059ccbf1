"""Publish a training result to the registry: params, metrics, plots, tables, card, model.

Builds everything that is logged (and checks it holds no identifiers) but leaves MLflow to
:mod:`risk_model.tracking`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from risk_model.card import model_card
from risk_model.fairness_text import GroupWords
from risk_model.plots import (
    calibration_bins,
    calibration_plot,
    confusion_plot,
    group_plot,
    importance_label,
    importance_plot,
)
from risk_model.tracking import Registry
from risk_model.training import TrainResult, predict_proba
from risk_model.versions import VersionInfo


def input_example(result: TrainResult) -> pd.DataFrame:
    """The model's input example, feature columns only, made of no household: a row of
    typical values (each numeric feature's median over the held-out rows, each categorical's
    most frequent level there) and a row with every feature missing. MLflow keeps the
    example beside the model; held-out rows there were real households' records (illness,
    disability, petitions).

    Numerics as float64 and categoricals as strings, so the signature allows missing values.
    """
    spec = result.spec
    rows_seen = result.test_frame  # the held-out rows TrainResult keeps
    typical = {
        **{c: rows_seen[c].cast(pl.Float64).median() for c in spec.numeric},
        **{c: _most_frequent(rows_seen[c]) for c in spec.categorical},
        **{c: rows_seen[c].cast(pl.Int8).sum() * 2 > rows_seen[c].count() for c in spec.boolean},
    }
    schema = {
        **{c: pl.Float64 for c in spec.numeric},
        **{c: pl.Boolean for c in spec.boolean},
        **{c: pl.String for c in spec.categorical},
    }
    return (
        pl.DataFrame([typical, dict.fromkeys(typical)], schema=schema)
        .select(spec.features)
        .to_pandas()
    )


def _most_frequent(column: pl.Series) -> str | None:
    """The most frequent non-missing value as text (ties: the first in sorted order); None
    when the column is all missing."""
    values = column.drop_nulls().cast(pl.String)
    if values.is_empty():
        return None
    counts = values.value_counts(sort=False).sort(["count", values.name], descending=[True, False])
    return str(counts[values.name][0])


def run_params(result: TrainResult, *, data_name: str, data_sha256: str) -> dict[str, object]:
    """Hyper-parameters, split settings and column names (never values)."""
    spec, cfg = result.spec, result.config
    clf = result.pipeline.named_steps["clf"]
    runner = result.runner_up
    params: dict[str, object] = {
        "kind": result.chosen,
        "requested_kind": cfg.kind,
        "selected_by": "held-out log-loss" if cfg.select else "requested kind",
        "candidates_log_loss": {k: round(v, 6) for k, v in result.ranking},
        "runner_up": f"{runner[0]} ({runner[1]:.6f})" if runner else "",
        "dropped_features": list(result.dropped_features),
        "reasons_method": result.reason_tables.method,
        "fit_threads": cfg.fit_threads,
        "seed": cfg.seed,
        "test_fraction": cfg.test_fraction,
        "baselines": ",".join(cfg.baselines),
        "data_file": data_name,
        "data_sha256": data_sha256,
        "n_rows": result.n_rows,
        "n_train": result.n_train,
        "n_test": result.n_test,
        "target": spec.target,
        "classes": list(spec.classes),
        "group_column": spec.group_column or "",
        "features": list(spec.features),
        "cost_matrix": [list(r) for r in result.rule.cost],
    }
    params |= {
        f"clf_{k}": v
        for k, v in clf.get_params().items()
        if isinstance(v, int | float | str | bool | type(None))
    }
    if hasattr(clf, "n_iter_"):
        params["clf_n_iter"] = clf.n_iter_
    return params


def _provenance_notes(extra: Mapping[str, object]) -> list[str]:
    """The model card's lines of the data's provenance beyond its file: the supervisors'
    corrections applied (file, SHA-256, counts), when the version was trained with them."""
    if "corrections_sha256" not in extra:
        return []
    return [
        f"supervisors' data corrections / 数据更正: `{extra.get('corrections_file', '')}` "
        f"(sha256 `{extra['corrections_sha256']}`): applied {extra.get('corrections_applied')}, "
        f"not applied {extra.get('corrections_not_applied')}, revoked "
        f"{extra.get('corrections_revoked')}"
    ]


def publish(
    registry: Registry,
    result: TrainResult,
    *,
    data_name: str,
    data_sha256: str,
    tags: dict[str, str] | None = None,
    extra_params: Mapping[str, object] | None = None,
    words: GroupWords | None = None,
) -> VersionInfo:
    """Log ``result`` as a run and register its model; returns the new version.
    ``extra_params``: more of the data's provenance (e.g. the corrections file's name, hash
    and counts), logged beside :func:`run_params`; names and aggregates only. ``words``: how
    the model card's check by group names the groups."""
    spec = result.spec
    names = [str(c) for c in spec.classes]
    top, tables = spec.top_class_names(), result.reason_tables
    y = spec.encode_target(result.test_frame[spec.target]).astype(np.int64)
    probas: dict[str, np.ndarray] = {result.chosen: result.test_proba[:, 0]}
    for kind, pipe in result.baselines.items():
        ev_proba = result.baseline_evaluations[kind].proba
        probas[kind] = (
            ev_proba
            if ev_proba is not None
            else predict_proba(pipe, result.test_frame, spec.n_classes)
        )[:, 0]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        files = {
            "plots/confusion.png": confusion_plot(
                result.evaluation.metrics.confusion, names, d / "confusion.png"
            ),
            "plots/calibration.png": calibration_plot(
                (y == 0).astype(float), probas, d / "calibration.png", top=top
            ),
            "plots/importance.png": importance_plot(
                tables.importance(),
                d / "importance.png",
                label=importance_label(tables.method, tables.unit, top),
            ),
            "plots/groups.png": group_plot(
                result.evaluation.fairness.table, d / "groups.png", top=top
            ),
        }
        fairness_csv = d / "fairness.csv"
        result.evaluation.fairness.table.write_csv(fairness_csv)
        files["fairness.csv"] = fairness_csv
        evals = {
            "model": result.evaluation.metrics.to_dict(),
            **{k: e.metrics.to_dict() for k, e in result.baseline_evaluations.items()},
        }
        if result.evaluation.bayes is not None:
            evals["bayes"] = result.evaluation.bayes.bayes.to_dict()
        texts = {
            "model_card.md": model_card(
                result,
                data_name=data_name,
                data_notes=_provenance_notes(extra_params or {}),
                words=words,
            ),
            "spec.json": json.dumps(spec.to_dict(), ensure_ascii=False, indent=1),
            "reason_tables.json": json.dumps(result.reason_tables.to_dict(), ensure_ascii=False),
            "drift_reference.json": json.dumps(result.drift_reference),
            "calibration.json": json.dumps(
                {k: calibration_bins((y == 0).astype(float), p) for k, p in probas.items()}
            ),
            "evaluation.json": json.dumps(evals, default=float, indent=1),
            "selection.json": json.dumps(
                {
                    "chosen": result.chosen,
                    "by": "held-out log-loss" if result.config.select else "requested kind",
                    "ranking": [{"kind": k, "log_loss": v} for k, v in result.ranking],
                    "notes": result.notes,
                },
                ensure_ascii=False,
                indent=1,
            ),
        }
        scorecard = (
            result.pipeline if result.chosen == "scorecard" else result.baselines.get("scorecard")
        )
        if scorecard is not None:
            texts["scorecard_points.json"] = json.dumps(
                scorecard.named_steps["clf"].describe(spec.features), ensure_ascii=False
            )
        return registry.log_training(
            model=result.pipeline,
            params={
                **run_params(result, data_name=data_name, data_sha256=data_sha256),
                **(extra_params or {}),
            },
            metrics=result.metrics(),
            input_example=input_example(result),
            files=files,
            texts=texts,
            tags=tags,
            run_name=f"train-{result.chosen}",
        )

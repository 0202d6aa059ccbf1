"""The model page's queries: the registered model versions, what training logged for one of
them, and the drift of this month's households in scope against its training data.

The registry is read through :mod:`dashboard.registry` (a child process, so the server never
imports MLflow). Versions and training's reports are aggregates, open to every role; the drift
is computed over the households of the user's townships only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from dashboard import registry
from dashboard.data import run_files
from dashboard.data.scope import ScopedAccess
from visit_planner.errors import VisitPlannerError


class ModelFilesMissingError(VisitPlannerError):
    """The files a model version's training logged cannot be found (the registry's words:
    which, and where they were looked for); the page says so and goes on."""


@dataclass(frozen=True)
class ModelReport:
    """What a training run logged for one model version, as the registry holds it."""

    version: int
    fairness: pl.DataFrame | None  # attribute, group, n, n_tier1, tier1_recall, tier1_fpr
    card: str | None  # the model card (markdown)
    calibration_png: bytes | None  # the held-out reliability curves, as training drew them
    calibration: pl.DataFrame | None = None  # model, mean_predicted, observed, n (logged bins)
    evaluation: dict[str, Any] | None = None  # held-out metrics of the model and baselines
    selection: dict[str, Any] | None = None  # which candidate training chose, and by what
    missing: str | None = None  # why none of its files can be read (the registry's words)


@dataclass(frozen=True)
class Drift:
    """This month's households (in scope) against the training data of the run's model."""

    model_version: int
    threshold: float  # PSI above which a feature is flagged (the run's policy)
    households: int
    report: pl.DataFrame  # feature, psi, flagged (largest shift first)


def model_candidates(
    params: Mapping[str, str], metrics: Mapping[str, float], selection: Mapping[str, Any] | None
) -> tuple[str, str | None, list[tuple[str, str]]]:
    """The candidates training compared: ``(chosen kind, how it was chosen, [(kind, metric
    prefix), ...])`` with the chosen model first (its metrics carry no prefix) and then each
    other candidate that logged metrics (those training ranked, the kind requested when it was
    not chosen, and the baselines). A baseline of the chosen kind is the same model and is
    left out (a logistic champion is not shown twice with equal figures). How: ``log_loss``,
    ``request`` or None when training did not log its selection.

    Training logs the chosen kind as ``kind`` and the one asked for as ``requested_kind``:
    reading ``kind`` alone as the request left the boosted trees (asked for, not chosen) out of
    the comparison while the calibration curve drew them."""
    chosen = str((selection or {}).get("chosen") or params.get("kind") or "")
    by = str((selection or {}).get("by") or params.get("selected_by") or "")
    how = "log_loss" if "log-loss" in by else ("request" if "request" in by else None)
    shown = [(chosen, "")]
    # Every candidate: those ranked on held-out log-loss (best first), the kind requested (a
    # runner-up when another was chosen, its metrics then logged with its prefix) and the
    # baselines.
    ranking = (selection or {}).get("ranking") or []
    ranked = [str(r.get("kind") or "") for r in ranking if isinstance(r, Mapping)]
    requested = [str(params.get(k) or "") for k in ("requested_kind", "kind")]
    kinds = [*ranked, *requested, *str(params.get("baselines") or "").split(",")]
    for kind in dict.fromkeys(k.strip() for k in kinds):
        if kind and kind != chosen and any(m.startswith(f"{kind}_") for m in metrics):
            shown.append((kind, f"{kind}_"))
    return chosen, how, shown


def _json(raw: bytes | None) -> Any:
    return None if raw is None else json.loads(raw.decode("utf-8"))


def _calibration(raw: bytes | None) -> pl.DataFrame | None:
    """``calibration.json`` (per model: the bins' mean predicted P(tier 1), observed share
    and count) as one long frame; None when training did not log it."""
    data = _json(raw)
    if not isinstance(data, dict) or not data:
        return None
    rows = [
        {"model": str(name), "mean_predicted": float(p), "observed": float(o), "n": int(n)}
        for name, bins in data.items()
        for p, o, n in zip(bins["mean_predicted"], bins["observed"], bins["n"], strict=True)
    ]
    return pl.DataFrame(rows) if rows else None


def _model_report(home: str, version: int) -> ModelReport:
    """The logged fairness table, model card, evaluation and calibration of a version, from
    the registry snapshot (read in a child process, see :mod:`dashboard.registry`)."""
    snap = registry.snapshot(Path(home))
    if version not in {v.version for v in snap.versions}:
        raise VisitPlannerError(
            f"模型版本 {version} 未登记 / model version {version} is not registered"
        )
    fairness = snap.artifact(version, "fairness.csv")
    card = snap.artifact(version, "model_card.md")
    return ModelReport(
        version=version,
        fairness=None if fairness is None else pl.read_csv(fairness),
        card=None if card is None else card.decode("utf-8"),
        calibration_png=snap.artifact(version, "plots/calibration.png"),
        calibration=_calibration(snap.artifact(version, "calibration.json")),
        evaluation=_json(snap.artifact(version, "evaluation.json")),
        selection=_json(snap.artifact(version, "selection.json")),
        missing=snap.files_missing(version),
    )


def _drift_reference(home: str, version: int) -> str:
    """The binned training distribution the version logged (JSON text)."""
    snap = registry.snapshot(Path(home))
    raw = snap.artifact(version, "drift_reference.json")
    missing = snap.files_missing(version)
    if raw is None and missing is not None:
        raise ModelFilesMissingError(
            f"模型版本 {version} 的漂移基准无法读取 / the drift reference of model version "
            f"{version} cannot be read: {missing}"
        )
    if raw is None:
        raise VisitPlannerError(
            f"模型版本 {version} 没有记录漂移基准 / model version {version} logged no drift "
            "reference"
        )
    return raw.decode("utf-8")


@lru_cache(maxsize=8)
def _drift(root: str, townships: tuple[str, ...], reference: str, threshold: float) -> Drift:
    """PSI of every feature over the townships' stored households (read column by column)."""
    from risk_model.drift import drift_report

    ref = json.loads(reference)
    reader = run_files.reader(root)  # each file checked against the manifest's hash
    frames = []
    for tw in townships:
        rel = f"townships/{tw}/inputs/households.parquet"
        present = reader.columns_of(rel)
        if present is not None:
            frames.append(reader.frame(rel, [c for c in ref if c in present]))
    frame = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    version = int(reader.manifest.model_version or 0)
    return Drift(version, threshold, frame.height, drift_report(ref, frame, threshold))


class ModelQueries(ScopedAccess):
    """The model page."""

    def model_versions(self) -> list[Any]:
        """Every registered model version with aliases, tags and metrics (newest first; read
        again when the registry changes, see :mod:`dashboard.registry`)."""
        return list(registry.snapshot(self.workspace.root).versions)

    def model_report(self, version: int) -> ModelReport:
        """The fairness table across groups, the model card and the calibration curves that
        training logged for ``version`` (aggregates only: every role may read them)."""
        return _model_report(str(self.workspace.root), int(version))

    def drift(self, month: str) -> Drift | None:
        """Drift flags of the month's households in scope against the training data of the
        model that scored them (PSI per feature, flagged above the policy's threshold); None
        when the run records no model version."""
        from visit_planner.policy import parse_policy

        run = self.current_run(month)
        root = self._root(run)
        version = run_files.reader(root).manifest.model_version
        if not version or not str(version).isdigit():
            return None
        threshold = parse_policy(run.policy_text, "run policy").risk.psi_threshold
        reference = _drift_reference(str(self.workspace.root), int(version))
        return _drift(root, tuple(self.townships(month)), reference, float(threshold))

"""MLflow registry: a training run registers a version; nothing personal is logged; promotion."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import polars as pl
import pytest

from risk_model import PromotionRefusedError, RegistryError, RiskModelError, household_spec, train
from risk_model.decision import DecisionRule
from risk_model.promote import promote
from risk_model.publish import publish
from tests.risk_model.helpers import FAST

# A rule that calls tier 1 readily, so that tier-1 recall is large for a real model.
EAGER = DecisionRule.from_matrix([[0, 10, 20], [1, 0, 1], [2, 1, 0]], 3)


@pytest.fixture(scope="module")
def first_version(registry, household_result):  # type: ignore[no-untyped-def]
    return publish(registry, household_result, data_name="households.parquet", data_sha256="0" * 64)


def test_training_run_registers_a_version_with_its_artifacts(registry, first_version) -> None:  # type: ignore[no-untyped-def]
    assert first_version.version >= 1
    arts = registry.list_artifacts(first_version.run_id)
    for name in (
        "model_card.md",
        "fairness.csv",
        "spec.json",
        "reason_tables.json",
        "drift_reference.json",
        "plots/confusion.png",
        "plots/calibration.png",
        "plots/importance.png",
        "plots/groups.png",
        "scorecard_points.json",
        "selection.json",
    ):
        assert name in arts, name
    assert "log_loss_gap_pct" in first_version.metrics
    assert "reasons_fidelity_max_abs_error" in first_version.metrics


def test_the_registered_model_is_the_held_out_best_and_the_choice_is_logged(
    registry, first_version, household_result
) -> None:  # type: ignore[no-untyped-def]
    r = household_result
    assert first_version.params["kind"] == r.chosen
    assert first_version.params["selected_by"] == "held-out log-loss"
    logged = json.loads(first_version.params["candidates_log_loss"])
    assert set(logged) == {"hgb", "logistic", "scorecard"}
    assert min(logged, key=logged.get) == r.chosen
    assert first_version.params["runner_up"].startswith(r.ranking[1][0])
    assert first_version.metrics["selection_margin_log_loss"] >= 0
    selection = registry.load_json(first_version.run_id, "selection.json")
    assert selection["chosen"] == r.chosen
    assert [x["kind"] for x in selection["ranking"]] == [k for k, _ in r.ranking]
    assert registry.tracking.artifact_location.startswith("file://")


def test_nothing_personal_reaches_mlflow(registry, first_version, households, tmp_path) -> None:  # type: ignore[no-untyped-def]
    local = registry.download_run_artifacts(first_version.run_id, tmp_path)
    model_dir = tmp_path / "model"
    from mlflow.artifacts import download_artifacts

    download_artifacts(
        artifact_uri=registry.model_uri(first_version.version), dst_path=str(model_dir)
    )
    example = json.loads(next(model_dir.rglob("input_example.json")).read_text())
    assert set(example["columns"]) == set(household_spec().features)
    # No household's record: a row of typical values and a row with every feature missing.
    typical, missing = example["data"]
    assert len(example["data"]) == 2
    assert all(v is None or math.isnan(v) for v in missing)
    assert all(v is not None for v in typical)
    texts = [
        p.read_text("utf-8", errors="ignore")
        for p in [*Path(local).rglob("*"), *model_dir.rglob("*")]
        if p.is_file() and p.suffix in {".json", ".md", ".csv", ".txt", ".yaml", ""}
    ]
    texts.append(json.dumps(first_version.params))
    blob = "\n".join(texts)
    ids = households["household_id"].to_list()
    assert not re.search(r"\bH\d{7}\b", blob), "a household id was logged"
    assert not any(i in blob for i in ids[:200])
    for col in ("household_id", "lon", "lat"):
        assert f'"{col}"' not in json.dumps(example)
    # Audit columns appear only as aggregate group labels, never in the model's input.
    assert "head_ethnicity" not in json.dumps(example)


def test_no_champion_is_a_clear_error(registry, first_version) -> None:  # type: ignore[no-untyped-def]
    if registry.champion() is None:
        with pytest.raises(RegistryError, match="no champion yet"):
            registry.load_model()


def test_promotion_gate_passes_then_refuses_then_force_is_audited(
    registry,
    first_version,
    households,
    truth,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    audit = tmp_path / "audit.jsonl"
    first = promote(registry, first_version.version, households, EAGER, audit_file=audit)
    assert first.decision.passed
    assert registry.champion().version == first_version.version
    model, info = registry.load_model()
    assert info.version == first_version.version
    assert model.predict_proba(households.head(3)).shape == (3, 3)

    # A candidate trained on shuffled labels has no tier-1 recall: the gate refuses it.
    shuffled = households.with_columns(pl.col("assessed_tier").shuffle(seed=0))
    bad = train(shuffled, household_spec(), EAGER, config=FAST)
    bad_version = publish(registry, bad, data_name="shuffled.parquet", data_sha256="1" * 64)
    with pytest.raises(
        PromotionRefusedError, match="未通过 FAIL 一类户召回率 tier-1 recall"
    ) as exc:
        promote(registry, bad_version.version, households, EAGER, audit_file=audit)
    assert not exc.value.decision.passed
    assert registry.champion().version == first_version.version
    # The refusal is on the version too (for visit-planner models), not only in the file.
    tags = registry.version(bad_version.version).tags
    assert tags["refused_against"] == str(first_version.version)
    assert tags["refused_checks"].startswith("tier1_recall 0.")
    assert " < " in tags["refused_checks"] and "promoted_at" not in tags
    assert tags["refused_at"].endswith("+00:00")

    with pytest.raises(RiskModelError, match="needs a --reason"):
        promote(registry, bad_version.version, households, EAGER, force=True)
    forced = promote(
        registry,
        bad_version.version,
        households,
        EAGER,
        force=True,
        reason="test: forced on purpose",
        audit_file=audit,
    )
    assert forced.forced
    champ = registry.champion()
    assert champ.version == bad_version.version
    assert champ.tags["promotion_forced"] == "true"
    assert champ.tags["promotion_reason"] == "test: forced on purpose"
    lines = [json.loads(x) for x in audit.read_text().splitlines()]
    assert [x["promoted"] for x in lines] == [True, False, True]
    assert lines[-1]["forced"] and lines[-1]["reason"] == "test: forced on purpose"
    # Going back: the good model's recall passes, but a useless model has (uselessly) small
    # group gaps, so the gap check can refuse it — the gate is conservative; force it back.
    promote(
        registry,
        first_version.version,
        households,
        EAGER,
        audit_file=audit,
        force=True,
        reason="test: restore the real model",
    )
    assert registry.champion().version == first_version.version


def test_unknown_version_is_a_clear_error(registry, first_version) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RegistryError) as err:
        registry.version(999)
    assert str(err.value) == (  # Chinese first, and where the versions are listed
        "没有该模型版本 (model 'household-risk' has no version 999; visit-planner models lists "
        "the versions)"
    )


def test_quiet_registration_drops_mlflow_chatter_and_keeps_real_messages(capsys) -> None:  # type: ignore[no-untyped-def]
    import sys
    import warnings

    from risk_model.tracking import quiet_registration

    with quiet_registration():
        print("Successfully registered model 'household-risk'.", file=sys.stderr)
        print("Created version '3' of model 'household-risk'.", file=sys.stderr)
        print("a real problem: disk full", file=sys.stderr)
        warnings.warn("Hint: Inferred schema contains integer column(s). ...", stacklevel=1)
    err = capsys.readouterr().err
    assert "a real problem: disk full" in err
    assert "Successfully registered" not in err and "Created version" not in err
    with pytest.raises(ValueError, match="boom"), quiet_registration():
        raise ValueError("boom")


def test_mlflows_log_of_a_database_error_it_raises_again_is_dropped() -> None:
    """The registry's database locked: MLflow logged the error with its whole traceback
    before raising it as MlflowException, so ``promote``'s one-line error came after a
    screen of traceback. That one log record is dropped; MLflow's other warnings are kept."""
    import logging

    import risk_model.tracking  # noqa: F401  (installs the filter)

    logger = logging.getLogger("mlflow.store.db.utils")

    def record(msg: str) -> logging.LogRecord:
        return logger.makeRecord(logger.name, logging.ERROR, __file__, 1, msg, (), None)

    assert not logger.filter(
        record("SQLAlchemy database error. The following exception is caught.\n%s")
    )
    assert logger.filter(record("Database migration in progress"))

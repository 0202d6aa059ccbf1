"""The CLI starts without importing its heavy libraries.

The defect: every command, ``--help`` included, took about 5 s to start, because importing
``visit_planner.cli`` imported MLflow, scikit-learn, skops, pandera, SciPy and the store
through the command modules' top-level imports of their jobs. The jobs are now imported by
the commands that run them. These checks look at what a fresh interpreter has imported (not
at the time it took), so they hold on a loaded machine too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from visit_planner.contracts.tables import TABLES

ROOT = Path(__file__).resolve().parents[2]

ML_AND_SOLVERS = (
    "mlflow",
    "sklearn",
    "skops",
    "pandera",
    "pandas",
    "scipy",
    "ortools",
    "highspy",
    "streamlit",
)
"""What only the modelling, validation and solving commands (and the dashboard) need."""

HEAVY = (*ML_AND_SOLVERS, "sqlalchemy", "alembic", "argon2")
"""Not imported by ``import visit_planner.cli`` nor by any ``--help``: the store's libraries
are added only by the commands that open the store."""


def _loaded_after(
    commands: list[list[str]], tmp_path: Path, names: tuple[str, ...]
) -> tuple[list[int], list[str]]:
    """Import the CLI in a fresh interpreter, run ``commands`` in it (each as
    ``visit-planner ARGS``) and report each command's exit code and which of ``names``
    (top-level packages) were imported by the end."""
    script = f"""
import json, sys
import visit_planner.cli as cli
codes = []
for args in {commands!r}:
    sys.argv = ["visit-planner", *args]
    try:
        cli.main()
    except SystemExit as exc:
        codes.append(exc.code or 0)
    else:
        codes.append(0)
loaded = sorted(n for n in {names!r} if n in sys.modules)
print(json.dumps({{"codes": codes, "loaded": loaded}}))
"""
    env = {**os.environ, "VISIT_PLANNER_HOME": str(tmp_path / "workspace"), "COLUMNS": "80"}
    env.pop("VISIT_PLANNER_STORE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return [int(c) for c in result["codes"]], [str(n) for n in result["loaded"]]


def test_importing_the_cli_imports_no_heavy_library(tmp_path: Path) -> None:
    _, loaded = _loaded_after([], tmp_path, HEAVY)
    assert loaded == [], (
        f"importing visit_planner.cli imported {loaded}: import them inside the command that "
        "needs them"
    )


@pytest.mark.parametrize(
    "commands",
    [
        [["--help"], ["--version"]],
        [["check-plan", "--help"], ["explain", "--help"], ["assign", "--help"]],
        [["plan", "--help"], ["train", "--help"], ["models", "--help"], ["demo", "--help"]],
        [["runs", "list", "--help"], ["users", "add", "--help"], ["overrides", "--help"]],
    ],
    ids=["root", "check-explain-assign", "plan-model-demo", "store-groups"],
)
def test_help_imports_no_heavy_library(commands: list[list[str]], tmp_path: Path) -> None:
    codes, loaded = _loaded_after(commands, tmp_path, HEAVY)
    assert codes == [0] * len(commands)
    assert loaded == []


def test_store_commands_import_no_model_or_solver(tmp_path: Path) -> None:
    """``store upgrade``, ``runs list``, ``users list`` and ``audit list`` open the store
    (SQLAlchemy) and nothing of the modelling or solving stack."""
    commands = [["store", "upgrade"], ["runs", "list"], ["users", "list"], ["audit", "list"]]
    codes, loaded = _loaded_after(commands, tmp_path, HEAVY)
    assert codes == [0, 0, 0, 0]
    assert (tmp_path / "workspace" / "store.db").is_file()  # the commands did use the store
    assert "sqlalchemy" in loaded
    assert not set(ML_AND_SOLVERS) & set(loaded)


def test_listing_the_models_imports_mlflow_but_no_modelling_or_solving_library(
    tmp_path: Path,
) -> None:
    """``models`` reads the registry only (:mod:`visit_planner.model_registry`): MLflow, but
    not scikit-learn and skops (training, scoring, model files) nor the solvers; it took
    about 5 s to start when it imported the training job."""
    from visit_planner.model_registry import registry_for
    from visit_planner.paths import Workspace

    registry_for(Workspace(tmp_path / "workspace")).versions()  # a registry, still empty
    codes, loaded = _loaded_after([["models"]], tmp_path, HEAVY)
    assert codes == [0]
    assert "mlflow" in loaded  # the command did read the registry
    assert not {"sklearn", "skops", "pandera", "ortools", "highspy", "streamlit"} & set(loaded)


def test_models_on_a_new_workspace_imports_nothing_heavy_and_creates_nothing(
    tmp_path: Path,
) -> None:
    """``models`` before any ``train`` imported MLflow (5-7 s on a busy machine) and created
    the workspace and a 1 MB MLflow database to say there were no versions."""
    codes, loaded = _loaded_after([["models"]], tmp_path, (*HEAVY, "polars"))
    assert codes == [0]
    assert loaded == []
    assert not (tmp_path / "workspace").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["score", "--data", "{tmp}/households.parquet", "--out", "{tmp}/scores.txt"],
        ["score", "--data", "{tmp}/nowhere.parquet", "--out", "{tmp}/scores.parquet"],
        [
            *("assign", "--scores", "{tmp}/s.parquet", "--households", "{tmp}/h.parquet"),
            *("--workers", "{tmp}/w.parquet", "--out", "{tmp}/out"),
            *("--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"),
        ],
        ["plan", "--month", "2026-11", "--data", "{tmp}/nowhere"],
        [
            *("plan", "--month", "2026-11", "--data", "{tmp}/month"),
            *("--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"),
        ],
    ],
    ids=[
        "score-out-suffix",
        "score-no-data",
        "assign-no-scheduler",
        "plan-no-data",
        "plan-no-scheduler",
    ],
)
def test_a_refused_command_answers_before_importing_its_job(
    args: list[str], tmp_path: Path
) -> None:
    """A wrong ``--out``, ``--data`` or ``--scheduler`` was refused only after the job and
    with it scikit-learn, MLflow and OR-Tools were imported: 7-12 s on a busy machine for a
    one-line answer (``plan``: 3.4-3.6 s at load 4). The command checks them first now
    (same message, exit 2)."""
    (tmp_path / "households.parquet").write_bytes(b"")
    month = tmp_path / "month"  # every required table there (not read: refused before)
    month.mkdir()
    for name in TABLES:
        (month / f"{name}.parquet").write_bytes(b"")
    command = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    codes, loaded = _loaded_after([command], tmp_path, ML_AND_SOLVERS)
    assert codes == [2]
    assert not {"sklearn", "mlflow", "ortools", "highspy", "skops"} & set(loaded), loaded


def test_inputs_that_are_not_there_are_refused_before_the_readers(tmp_path: Path) -> None:
    """``validate /nonexistent`` took about 0.9 s (1.0-1.3 s at load 4) to say the directory
    does not exist, and ``assign`` given only files that are not there about 1.4-1.9 s: the
    check lived in the readers (:mod:`visit_planner.contracts.tables`), which import pandera
    and polars. It runs before them now (:mod:`visit_planner.contracts.input_paths`, used by
    the readers too): same message, exit 2, neither library imported. ``plan --data
    /nonexistent`` took 1.9-2.7 s at load 4 to refuse (0.4-0.5 s now): the readers' module
    (pandera, polars) was imported before the directory was looked at; the model commands
    refused a missing ``--data`` or ``--truth`` after importing polars (``score``) or the
    whole modelling stack (``train``, ``promote``)."""
    missing = tmp_path / "nowhere"
    (a_file := tmp_path / "households.csv").write_text("household_id\n", encoding="utf-8")
    commands = [
        ["validate", str(missing)],
        ["validate", str(a_file)],
        [
            *("assign", "--scores", f"{missing}/s.csv", "--households", f"{missing}/h.csv"),
            *("--workers", f"{missing}/w.csv", "--conflicts", f"{missing}/c.csv"),
            *("--out", str(tmp_path / "out")),
        ],
        ["plan", "--month", "2026-11", "--data", str(missing)],
        ["train", "--data", str(a_file), "--truth", f"{missing}/truth.parquet"],
        ["score", "--data", str(missing), "--out", str(tmp_path / "scores.parquet")],
        ["promote", "--version", "1", "--data", str(missing)],
        ["overrides", "import", f"{missing}/overrides.csv"],
    ]
    codes, loaded = _loaded_after(commands, tmp_path, ("pandera", "pandas", "polars"))
    assert codes == [2] * len(commands)
    assert loaded == []
    assert not (tmp_path / "out").exists()


def test_plan_refuses_a_bad_month_or_a_missing_policy_before_importing_polars(
    tmp_path: Path,
) -> None:
    """``plan --month 2026-13 --data <a month's directory>`` imported polars (and NumPy)
    before refusing the month: ``parse_month`` lived in the synthetic generator
    (:mod:`visit_planner.synthetic.next_month`), and the month was checked after the data
    directory's readers were imported. It lives in :mod:`visit_planner.months` (the standard
    library only) and is checked first; ``--policy`` that is not there is refused with
    ``--data``'s check."""
    month = tmp_path / "month"  # every required table there (not read: refused before)
    month.mkdir()
    for name in TABLES:
        (month / f"{name}.parquet").write_bytes(b"")
    commands = [
        ["plan", "--month", "2026-13", "--data", str(month)],
        ["plan", "--month", "2026-11", "--data", str(month), "--policy", f"{tmp_path}/p.toml"],
    ]
    codes, loaded = _loaded_after(commands, tmp_path, ("polars", "numpy", "pandera", "pandas"))
    assert codes == [2, 2]
    assert loaded == []

"""MLflow tracking and model registry — the only module of the package that imports MLflow.

Embedded by default: tracking and registry in one SQLite file under the workspace, artifacts
in a directory beside it, each experiment created with an explicit ``artifact_location``
(MLflow's default would be ``./mlruns`` in whatever directory the command ran). A server URL
works too (``Tracking(tracking_uri="http://127.0.0.1:5000", ...)``). Telemetry must be off
before import: the application calls ``go_offline()`` first.

Serialization: skops, never pickle. At log time the model's untrusted types are listed and
accepted only if they come from ``sklearn``, ``numpy``, ``scipy`` or ``risk_model`` (our own
estimators); anything else is refused. At load time the model file is read with skops directly
against the same allow-list computed from the file itself — not against the list stored in
the model's MLmodel file, which whoever wrote the model controls. So loading never needs
``MLFLOW_ALLOW_PICKLE_DESERIALIZATION``.

Nothing personal is logged: params are hyper-parameters and column *names*; the input example
holds feature columns only (no id, no audit column); artifacts are aggregates.

A workspace moved or restored at another path: MLflow records every artifact location as an
absolute URI (the experiment's, each run's, each model version's) and has no API to change
one. So the registry reads a recorded local location that no longer exists from the same
place under the workspace's own artifact directory (:meth:`Registry.artifact_root`), and a
new training run in such a workspace goes to a new experiment at the workspace's own
directory, the old one renamed to say where it was (:meth:`Registry.experiment_id`).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

# MLflow draws tqdm progress bars for artifact downloads whenever tqdm is installed (shap
# brings it): on a terminal and in redirected output they are noise. Off unless the user asks.
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient

with warnings.catch_warnings():
    # MLflow's own pyfunc modules warn about their own type hints on first import; the
    # warning is about MLflow internals, not about our model, so it is silenced here only.
    warnings.filterwarnings("ignore", message=".*type hint is inferred as AnyType.*")
    import mlflow.pyfunc

from risk_model.errors import RegistryError, RiskModelError
from risk_model.versions import VersionInfo

TRUSTED_MODULE_PREFIXES = ("sklearn.", "numpy.", "scipy.", "risk_model.", "builtins.")
# HistGradientBoosting keeps a functools.partial; skops checks the wrapped callable on its own.
TRUSTED_EXACT = frozenset({"functools.partial"})
CHAMPION = "champion"
MODEL_FILE = "model.skops"
# MLflow logs database migrations and registrations at INFO: keep the CLI output readable.
logging.getLogger("mlflow").setLevel(logging.WARNING)


def _not_a_reraised_database_error(record: logging.LogRecord) -> bool:
    """False for MLflow's log of a database error it raises again as MlflowException (with
    its whole traceback, on the CLI's stderr before the command's own one-line error)."""
    return not str(record.msg).startswith("SQLAlchemy database error.")


# The registry's database locked or full: the MlflowException raised is the caller's to
# say (``promote`` says where the champion is); MLflow's own log of it was a traceback.
logging.getLogger("mlflow.store.db.utils").addFilter(_not_a_reraised_database_error)
# Lines MLflow prints itself (not through logging) when it registers a version: chatter for
# our users, who get the project's own "registered version N" line instead.
_REGISTRY_CHATTER = re.compile(
    r"^(Successfully registered model '[^']*'\.|Created version '\d+' of model '[^']*'\.?"
    r"|Registered model '[^']*' already exists\. Creating a new version of this model\.\.\.)$"
)

# What MLflow says when its database was made by another MLflow version.
_SCHEMA_MISMATCH = re.compile(
    r"out-of-date database schema \(found version (?P<found>\S+), but expected "
    r"(?P<expected>[^)\s]+)\)"
)


@contextlib.contextmanager
def quiet_registration() -> Iterator[None]:
    """Drop MLflow's own registration lines and its integer-column schema hint; keep the rest.

    MLflow prints "Successfully registered model …" / "Created version …" to stderr and warns
    "Inferred schema contains integer column(s)" about the *predicted class index* (an integer
    output, which never has missing values). Everything else MLflow writes to stderr during
    the block — a real warning or error — is passed on unchanged, and exceptions propagate.
    """
    buffer = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(buffer):
            warnings.filterwarnings(
                "ignore", message=r".*Inferred schema contains integer column\(s\).*"
            )
            yield
    finally:
        kept = [
            line
            for line in buffer.getvalue().splitlines()
            if line.strip() and not _REGISTRY_CHATTER.match(line.strip())
        ]
        if kept:
            print("\n".join(kept), file=sys.stderr)


def trusted_types(model: Any = None, *, file: Path | None = None) -> list[str]:
    """Types skops does not trust by default, after checking each is from an allowed module."""
    import skops.io as sio  # with scikit-learn: only when a model is saved or loaded

    found = (
        sio.get_untrusted_types(file=file)
        if file is not None
        else sio.get_untrusted_types(data=sio.dumps(model))
    )
    bad = [t for t in found if not t.startswith(TRUSTED_MODULE_PREFIXES) and t not in TRUSTED_EXACT]
    if bad:
        raise RiskModelError(f"model holds types outside the trusted modules: {bad}")
    return found


@dataclass(frozen=True)
class Tracking:
    """Where MLflow keeps runs and models."""

    tracking_uri: str
    artifact_location: str
    experiment: str = "household-risk"
    model_name: str = "household-risk"

    @classmethod
    def embedded(cls, db: Path, artifacts: Path, **kw: str) -> Tracking:
        """SQLite database ``db`` and artifact directory ``artifacts`` (absolute paths)."""
        db.parent.mkdir(parents=True, exist_ok=True)
        artifacts.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{db.resolve()}", artifacts.resolve().as_uri(), **kw)


class Registry:
    """Runs and model versions of one experiment / registered model."""

    def __init__(self, tracking: Tracking) -> None:
        self.tracking = tracking
        mlflow.set_tracking_uri(tracking.tracking_uri)
        mlflow.set_registry_uri(tracking.tracking_uri)
        try:
            # Opens a database store at once: MLflow checks the database's schema there.
            self.client = MlflowClient(
                tracking_uri=tracking.tracking_uri, registry_uri=tracking.tracking_uri
            )
        except MlflowException as exc:
            raise _schema_refusal(exc, tracking.tracking_uri) from None

    # -------------------------------------------------------------- logging
    def experiment_id(self) -> str:
        """Id of the experiment, created with the explicit artifact location if needed.

        An experiment whose recorded artifact location is not the workspace's own directory
        (a workspace restored at another path) would put a new run's files at the old path:
        outside this workspace, or in another copy of it. It is renamed instead
        (``household-risk (#1) @ file:///old/…``; its runs and model versions stay readable,
        see :meth:`artifact_root`) and a new experiment of the name starts at the workspace's
        own directory.
        """
        exp = self.client.get_experiment_by_name(self.tracking.experiment)
        own = self._own_root()
        if exp is not None and (own is None or _same_location(str(exp.artifact_location), own)):
            return str(exp.experiment_id)
        if exp is not None:
            self.client.rename_experiment(
                exp.experiment_id,
                f"{self.tracking.experiment} (#{exp.experiment_id}) @ {exp.artifact_location}",
            )
        # A server decides where artifacts go when no location is given.
        return str(
            self.client.create_experiment(
                self.tracking.experiment, artifact_location=self.tracking.artifact_location or None
            )
        )

    def log_training(
        self,
        *,
        model: Any,
        params: Mapping[str, Any],
        metrics: Mapping[str, float],
        input_example: pd.DataFrame,
        files: Mapping[str, Path],
        texts: Mapping[str, str],
        tags: Mapping[str, str] | None = None,
        run_name: str | None = None,
    ) -> VersionInfo:
        """Log one training run and register its model as a new version."""
        import sklearn

        trusted = trusted_types(model)
        with (
            quiet_registration(),
            mlflow.start_run(experiment_id=self.experiment_id(), run_name=run_name),
        ):
            mlflow.log_params({k: _param(v) for k, v in params.items()})
            mlflow.log_metrics(
                {k: float(v) for k, v in metrics.items() if v is not None and np.isfinite(v)}
            )
            for name, path in files.items():
                mlflow.log_artifact(
                    str(path),
                    artifact_path=str(Path(name).parent) if Path(name).parent != Path() else None,
                )
            for name, text in texts.items():
                mlflow.log_text(text, name)
            if tags:
                mlflow.set_tags(dict(tags))
            signature = infer_signature(input_example, model.predict(input_example))
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                serialization_format="skops",
                skops_trusted_types=trusted,
                signature=signature,
                input_example=input_example,
                registered_model_name=self.tracking.model_name,
                pip_requirements=[
                    f"scikit-learn=={sklearn.__version__}",
                    f"skops=={_version('skops')}",
                    f"polars=={_version('polars')}",
                ],
            )
        version = info.registered_model_version
        if version is None:
            raise RegistryError("MLflow did not register the model version")
        return self.version(int(version))

    # ------------------------------------------------------------- registry
    def _info(self, mv: Any) -> VersionInfo:
        run = self.client.get_run(mv.run_id)
        return VersionInfo(
            version=int(mv.version),
            run_id=mv.run_id,
            aliases=list(mv.aliases or []),
            tags=dict(mv.tags or {}),
            created_ms=int(mv.creation_timestamp),
            metrics=dict(run.data.metrics),
            params=dict(run.data.params),
        )

    def version(self, version: int) -> VersionInfo:
        """A registered version; RegistryError if it does not exist."""
        try:
            return self._info(self.client.get_model_version(self.tracking.model_name, str(version)))
        except MlflowException:
            raise RegistryError(
                f"没有该模型版本 (model {self.tracking.model_name!r} has no version {version}; "
                "visit-planner models lists the versions)"
            ) from None

    def versions(self) -> list[VersionInfo]:
        """All versions, newest first."""
        try:
            found = self.client.search_model_versions(f"name='{self.tracking.model_name}'")
        except MlflowException:
            return []
        infos = sorted((self._info(mv) for mv in found), key=lambda v: -v.version)
        # Version search results carry no aliases: take them from the registered model.
        try:
            aliases = self.client.get_registered_model(self.tracking.model_name).aliases or {}
        except MlflowException:
            aliases = {}
        for info in infos:
            info.aliases = sorted(a for a, v in aliases.items() if int(v) == info.version)
        return infos

    def champion(self) -> VersionInfo | None:
        """The version under alias ``champion``, or None."""
        try:
            mv = self.client.get_model_version_by_alias(self.tracking.model_name, CHAMPION)
        except MlflowException:
            return None
        return self._info(mv)

    def set_champion(self, version: int, tags: Mapping[str, str]) -> None:
        """Move the ``champion`` alias to ``version`` and record ``tags`` on that version."""
        self.version(version)
        self.client.set_registered_model_alias(self.tracking.model_name, CHAMPION, str(version))
        for k, v in tags.items():
            self.client.set_model_version_tag(self.tracking.model_name, str(version), k, v)

    def set_version_tags(self, version: int, tags: Mapping[str, str]) -> None:
        """Record ``tags`` on ``version`` without moving any alias (a refused promotion)."""
        self.version(version)
        for k, v in tags.items():
            self.client.set_model_version_tag(self.tracking.model_name, str(version), k, v)

    # -------------------------------------------------------------- loading
    def model_uri(self, version: int | None = None) -> str:
        """``models:/name@champion`` or ``models:/name/version``."""
        name = self.tracking.model_name
        return f"models:/{name}@{CHAMPION}" if version is None else f"models:/{name}/{version}"

    def load_model(self, version: int | None = None) -> tuple[Any, VersionInfo]:
        """Load the champion (or ``version``) with skops and the checked allow-list."""
        info = self.champion() if version is None else self.version(version)
        if info is None:
            raise RegistryError(
                f"尚无冠军模型, 请先晋升一个版本 (model {self.tracking.model_name!r} has no "
                "champion yet: promote a version first with visit-planner promote --version N "
                "--data FILE)"
            )
        name = self.tracking.model_name
        root = self.artifact_root(
            self.client.get_model_version_download_uri(name, str(info.version)),
            self.client.get_run(info.run_id).info.experiment_id,  # the model's run
            (f"模型版本 {info.version}", f"model version {info.version}"),
        )
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(mlflow.artifacts.download_artifacts(artifact_uri=root, dst_path=tmp))
            files = list(local.rglob(MODEL_FILE))
            if not files:
                raise RegistryError(
                    f"模型文件缺失 (version {info.version} has no {MODEL_FILE} in {root}: "
                    "not a skops model)"
                )
            import skops.io as sio

            model = sio.load(files[0], trusted=trusted_types(file=files[0]))
        return model, info

    def run_root(self, run_id: str) -> str:
        """Where the artifacts of run ``run_id`` are (see :meth:`artifact_root`)."""
        try:
            info = self.client.get_run(run_id).info
        except MlflowException:
            raise RegistryError(f"没有该运行记录 (MLflow has no run {run_id})") from None
        return self.artifact_root(
            str(info.artifact_uri), str(info.experiment_id), (f"运行 {run_id}", f"run {run_id}")
        )

    def artifact_root(self, recorded: str, experiment_id: str, what: tuple[str, str]) -> str:
        """The artifact location MLflow ``recorded`` for ``what``, where it can be read.

        A recorded local directory that exists, or any remote location, is returned as it is.
        A local one that does not exist (the workspace was restored at another path: MLflow
        keeps absolute locations and cannot change them) is read from the same place under
        the workspace's own artifact directory, relative to the experiment's recorded
        location. When it is not there either, RegistryError names both paths and ``what``
        (its Chinese, then its English name).
        """
        recorded_path = _local_path(recorded)
        if recorded_path is None or recorded_path.exists():
            return recorded
        own = self._own_root()
        exp_root = str(self.client.get_experiment(experiment_id).artifact_location)
        exp_path = _local_path(exp_root)
        candidate: Path | None = None
        if own is not None and exp_path is not None:
            own_path = _local_path(own)
            try:
                relative = recorded_path.relative_to(exp_path)
            except ValueError:
                relative = None
            if own_path is not None and relative is not None:
                candidate = own_path / relative
                if candidate.exists():
                    return candidate.as_uri()
        zh, en = what
        looked_zh = f", 也不在本工作区的 {candidate}" if candidate is not None else ""
        looked_en = f", nor at {candidate} in this workspace" if candidate is not None else ""
        # Chinese, then the English in one closing parenthesis: a page showing one language
        # (the dashboard, visit_planner.vocabulary.zh_en) can tell them apart.
        raise RegistryError(
            f"{zh} 的文件不在记录的位置 {recorded_path}{looked_zh}, 请恢复工作目录的 mlartifacts/ "
            f"(the files of {en} are recorded at {recorded_path}, which does not "
            f"exist{looked_en}: restore the workspace's mlartifacts/ directory with its "
            "mlflow.db, docs/deployment.md section 6)"
        )

    def load_json(self, run_id: str, name: str) -> Any:
        """A JSON artifact of a run."""
        return json.loads(read_artifact(self, run_id, name).decode("utf-8"))

    def list_artifacts(self, run_id: str) -> list[str]:
        """Paths of every artifact file of a run (recursively)."""
        root = self.run_root(run_id)
        out: list[str] = []
        stack = [""]
        while stack:
            path = stack.pop()
            uri = f"{root}/{path}" if path else root
            for f in mlflow.artifacts.list_artifacts(artifact_uri=uri):
                # Entries are named relative to the URI's parent: keep the last part only.
                name = f"{path}/{Path(f.path).name}" if path else Path(f.path).name
                (stack.append(name) if f.is_dir else out.append(name))
        return sorted(out)

    def download_run_artifacts(self, run_id: str, dst: Path) -> Path:
        """All artifacts of a run into ``dst`` (for tests and audits)."""
        return Path(
            mlflow.artifacts.download_artifacts(
                artifact_uri=self.run_root(run_id), dst_path=str(dst)
            )
        )

    def _own_root(self) -> str | None:
        """The workspace's own artifact directory as a URI; None for a server's."""
        loc = self.tracking.artifact_location.rstrip("/")
        return loc if _local_path(loc) is not None else None


def _schema_refusal(exc: MlflowException, uri: str) -> Exception:
    """What to do about an MLflow database made by another MLflow version (MLflow raised its
    own exception, a traceback through the CLI: after installing a visit-planner that brings
    a newer MLflow, every model command failed so); ``exc`` itself for any other error."""
    found = _SCHEMA_MISMATCH.search(str(exc))
    if found is None:
        return exc
    mlflow_cli = Path(sys.executable).parent / "mlflow"
    return RegistryError(
        f"MLflow 数据库版本与本程序不符 (the MLflow database {uri} is at schema version "
        f"{found['found']}, the MLflow {mlflow.__version__} of this program expects "
        f"{found['expected']}: if an older version made it, back the workspace up "
        f"(docs/deployment.md section 6), then run `{mlflow_cli} db upgrade {uri}`; "
        "if a newer visit-planner made it, use that version)"
    )


def _param(v: Any) -> str:
    s = json.dumps(v, ensure_ascii=False, default=str) if not isinstance(v, str) else v
    return s[:6000]


def _version(pkg: str) -> str:
    from importlib.metadata import version

    return version(pkg)


def read_artifact(registry: Registry, run_id: str, name: str) -> bytes:
    """The bytes of one artifact file of a run (``fairness.csv``, ``model_card.md``, a plot),
    read-only; RegistryError naming the run and the artifact when it has none."""
    root = registry.run_root(run_id)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = mlflow.artifacts.download_artifacts(artifact_uri=f"{root}/{name}", dst_path=tmp)
        except (MlflowException, OSError):
            raise RegistryError(
                f"运行记录缺少文件 (run {run_id} has no artifact {name!r})"
            ) from None
        return Path(path).read_bytes()


def _local_path(uri: str) -> Path | None:
    """The local path of a ``file:`` URI or a bare absolute path; None for a remote URI."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(url2pathname(parsed.path))
    if parsed.scheme == "" and uri.startswith("/"):
        return Path(uri)
    return None


def _same_location(a: str, b: str) -> bool:
    """Whether two recorded artifact locations name the same place."""
    pa, pb = _local_path(a), _local_path(b)
    if pa is not None and pb is not None:
        return pa == pb
    return a.rstrip("/") == b.rstrip("/")

"""The model page of a workspace restored without its ``mlartifacts/``: it says which files are
missing and where they were looked for, instead of showing the champion as if training had
logged no model card, fairness table or calibration."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest
from streamlit.testing.v1 import AppTest

import dashboard
from dashboard import auth, i18n
from dashboard.registry import FILES_MISSING, SEE_ABOVE
from tests.dashboard.helpers import PASSWORD, build_site

APP = Path(dashboard.__file__).resolve().parent / "app.py"


@pytest.fixture(scope="module")
def restored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the old path, the workspace moved elsewhere without its ``mlartifacts/``)."""
    tracking, registry_uri = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    base = tmp_path_factory.mktemp("model_files_missing")
    site = build_site(base / "srv")
    new = base / "restored" / "ws"
    new.parent.mkdir()
    shutil.move(site.home, new)
    shutil.rmtree(new / "mlartifacts")
    mlflow.set_tracking_uri(tracking)
    mlflow.set_registry_uri(registry_uri)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VISIT_PLANNER_HOME", str(new))
        mp.delenv("VISIT_PLANNER_STORE_URL", raising=False)
        mp.delenv("VISIT_PLANNER_MLFLOW_URI", raising=False)
        yield site.home, new


def test_the_snapshot_names_the_missing_files_and_where_they_were_looked_for(
    restored: tuple[Path, Path],
) -> None:
    from dashboard import registry

    old, new = restored
    tracking, registry_uri = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        data = registry.read_registry(new)
    finally:
        mlflow.set_tracking_uri(tracking)
        mlflow.set_registry_uri(registry_uri)
    snap = registry.parse(data)
    assert [v.version for v in snap.versions] == [1]
    assert snap.artifact(1, "model_card.md") is None
    why = snap.files_missing(1)
    assert why is not None  # was: no word, as if training had logged nothing
    assert str(old / "mlartifacts") in why  # where MLflow recorded them
    assert str(new / "mlartifacts") in why  # and where this workspace has them
    assert "restore the workspace's mlartifacts/ directory" in why
    # Restoring the directory's contents (a tar's mlartifacts/1/...) changes the snapshot's
    # key: the page reads the registry again, without a restart of the dashboard.
    (new / "mlartifacts").mkdir(exist_ok=True)  # opening the registry may have made it empty
    before = registry.registry_key(new)
    (new / "mlartifacts" / "1").mkdir()
    assert registry.registry_key(new) != before
    (new / "mlartifacts" / "1").rmdir()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_model_page_says_which_files_are_missing(
    restored: tuple[Path, Path], lang: i18n.Lang
) -> None:
    old, new = restored
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.text_input(key="login_username").input("scientist")
    at.text_input(key="login_password").input(PASSWORD)
    submit = next(b for b in at.button if b.label in (i18n.t("sign_in", "zh"), "Sign in"))
    at = submit.click().run()
    at.switch_page("views/model.py")
    at.session_state[auth.LANG_KEY] = lang
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [str(e.value) for e in at.error]
    assert len(errors) == 1, errors
    said = errors[0]
    assert said.startswith(FILES_MISSING[lang].format(v=1))
    assert "model_card.md" in said and "drift_reference.json" in said
    assert str(old / "mlartifacts") in said and str(new / "mlartifacts") in said
    assert "Traceback" not in said
    # The registry's message in the page's language (Chinese with the details alongside)
    assert ("的文件不在记录的位置" in said) == (lang == "zh")
    assert "restore the workspace's mlartifacts/ directory" in said
    infos = [str(e.value) for e in at.info]
    assert infos.count(SEE_ABOVE[lang]) == 2  # the drift and the model card sections
    assert i18n.t("model_card_none", lang) not in infos  # "training logged no card": untrue
    assert len(at.dataframe[-1].value) == 1  # the versions table still shows

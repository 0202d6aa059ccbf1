"""The sign-in form when one client address has failed too often (password spraying), under
``streamlit.testing.v1.AppTest``: a small workspace with one account and no run (the form
needs none), so the test stays fast; the store-level rules are tested in
``tests/visit_planner/store/test_store_users.py``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dashboard
from dashboard import auth, i18n
from tests.dashboard.helpers import PASSWORD
from tests.visit_planner.store.helpers import raw_sql
from visit_planner import clock
from visit_planner.errors import LoginError
from visit_planner.paths import Workspace
from visit_planner.store import Store, users
from visit_planner.store.codec import utc_now

APP = Path(dashboard.__file__).resolve().parent / "app.py"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """A workspace with one planner account, as the app's (``VISIT_PLANNER_HOME``)."""
    ws = Workspace(tmp_path / "home")
    with Store.for_workspace(ws) as store:
        store.add_user("planner1", "planner", scope_kind="prefecture", password=PASSWORD,
                       actor="tests")  # fmt: skip
    monkeypatch.setenv("VISIT_PLANNER_HOME", str(ws.root))
    monkeypatch.delenv("VISIT_PLANNER_STORE_URL", raising=False)
    yield ws


def _sign_in(username: str, password: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    submit = next(b for b in at.button if b.label in (i18n.t("sign_in", "zh"), "Sign in"))
    return submit.click().run()


def test_a_paused_address_is_refused_with_when_to_try_again(workspace: Workspace) -> None:
    """After 20 failed sign-ins from this browser's address (a spray over many names), even
    the right password is refused, in the page's language only, saying until when; the
    refusal is audited with the address, and no session starts."""
    with Store.for_workspace(workspace) as store:
        for n in range(users.MAX_CLIENT_FAILURES):
            with pytest.raises(LoginError):
                store.authenticate(f"guess{n:02d}", "Summer2026!", client=auth.LOCAL_CLIENT)
    first = utc_now()  # at most this late: the pause ends 15 minutes after the first failure
    try:
        for lang in ("zh", "en"):
            at = _sign_in("planner1", PASSWORD, lang)
            assert not at.exception
            [error] = [e.value for e in at.error]
            heading, _, said = error.partition(" — ")
            assert heading == f"**{i18n.t('login_refused', lang)}**"
            template = i18n.t("login_client_blocked", lang, until="@")
            lead, _, tail = template.partition("@")
            assert said.startswith(lead) and said.endswith(tail), said
            until = said[len(lead) : len(said) - len(tail)]
            latest = clock.shown_in(first + users.CLIENT_WINDOW, lang)
            assert until <= latest and ("北京时间" in until) == (lang == "zh"), until
            assert auth.VIEWER_KEY not in at.session_state
        with Store.for_workspace(workspace) as store:
            last = store.audit_entries()[-1]
            row = store.get_user("planner1")
        assert (last.action, last.subject, last.details["reason"]) == (
            "login.failed", "planner1", "client_blocked",
        )  # fmt: skip
        assert last.details["client"] == auth.LOCAL_CLIENT
        assert row.failed_logins == 0  # the password was not even checked
    finally:  # the store is the test's own; nothing else signs in from it
        raw_sql(f"sqlite:///{workspace.store_db}", "DELETE FROM login_failures")
    assert _sign_in("planner1", PASSWORD).session_state[auth.VIEWER_KEY].username == "planner1"
    assert timedelta(minutes=15) == users.CLIENT_WINDOW


def _change_password(at: AppTest, current: str, new: str) -> AppTest:
    at.text_input(key="pw_current").input(current)
    at.text_input(key="pw_new").input(new)
    at.text_input(key="pw_again").input(new)
    submit = next(b for b in at.button if b.label == i18n.t("change_submit", "en"))
    return submit.click().run()


def test_a_new_account_replaces_a_weak_password_before_any_plan(workspace: Workspace) -> None:
    """Before the first plan is published the sidebar had no 修改密码 form (the page stopped
    at 'no plan yet'), so an account kept the password an administrator printed. The form is
    there now, and refuses a guessable password with what to do, in the page's language."""
    at = _sign_in("planner1", PASSWORD, "en")
    assert [i.value for i in at.info] == [i18n.t("no_months", "en")]
    at = _change_password(at, PASSWORD, "123456789012")
    assert [e.value for e in at.sidebar.error] == [
        "The password is too easy to guess: it is, or is close to, a commonly used password. "
        "Choose a longer one made of several unrelated words or random characters."
    ]
    at = _change_password(at, PASSWORD, "PLANNER1-river-42")
    assert "it contains the account's username" in at.sidebar.error[0].value
    at = _change_password(at, PASSWORD, "river jade kettle 42")
    assert not at.sidebar.error and not at.exception
    assert [s.value for s in at.sidebar.success] == [i18n.t("password_changed", "en")]
    with Store.for_workspace(workspace) as store:
        assert store.authenticate("planner1", "river jade kettle 42").username == "planner1"

"""Sign-in sessions in a real browser: deep links, reloads, sign-out, refusals, new versions.

``visit-planner dashboard`` on 127.0.0.1, Playwright with Debian's Chromium (never
``playwright install``), a fresh browser context (no cookie) per test. A shared link opened
while signed out keeps its page and query parameters through the sign-in; a reload keeps the
sign-in (the token cookie, resumption audited) until sign-out, which revokes the token even
for a copy of the cookie; a page the role may not see goes to the overview with a note; a
wrong password is refused in the session's language only; an amendment published with the CLI
while the server runs shows at the next run. Screenshots go to ``tests/dashboard/screenshots``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from dashboard import i18n
from tests.dashboard.helpers import (
    COUNTY,
    MONTH,
    OTHER_TOWNSHIP,
    SCREENSHOTS,
    SETTLE_GAP_MS,
    SETTLE_GRACE_MS,
    TIMEOUT_MS,
    TOWNSHIP,
    Site,
    audit_actions,
    fill_sign_in,
    forwarding_proxy,
    heading,
    idle,
    publish_amendment,
)
from visit_planner.store import MIN_PASSWORD_LENGTH, Store

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser context: no cookie, no session."""
    made = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield made
    made.close()


def new_tab(context: Any) -> Any:
    """A tab of ``context`` with the tests' timeout."""
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    return tab


def settle(page: Any) -> None:
    """Let a run that ends in another run (a sign-in, a page switch) finish too."""
    idle(page, SETTLE_GAP_MS, SETTLE_GRACE_MS)


def sidebar(page: Any) -> str:
    """The sidebar's text."""
    return str(page.get_by_test_id("stSidebar").inner_text())


def main_text(page: Any) -> str:
    """The main area's text."""
    return str(page.get_by_test_id("stMain").inner_text())


def session_cookie(context: Any) -> dict[str, Any] | None:
    """The dashboard's token cookie in ``context``, if any."""
    found = [c for c in context.cookies() if c["name"].startswith("visit_planner_session")]
    return found[0] if found else None


def shows_township(page: Any, township: str) -> None:
    """Wait until the township page's choice is ``township``."""
    from playwright.sync_api import expect

    box = page.get_by_role("combobox", name=i18n.t("choose_township", "en"))
    expect(box).to_have_value(re.compile(rf" \({township}\)$"), timeout=TIMEOUT_MS)


def shot(page: Any, name: str) -> None:
    """A screenshot of the visible window into SCREENSHOTS."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"session-{name}.png"))


def test_a_deep_link_survives_the_sign_in_and_a_reload_keeps_it(
    context: Any, server: str, site: Site
) -> None:
    link = f"{server}/township?lang=en&township={OTHER_TOWNSHIP}"  # not the first township
    page = new_tab(context)
    page.goto(link)  # the server's first request (dashboard/views, not pages: see app.py)
    page.get_by_label("Password", exact=True).wait_for()
    settle(page)
    assert page.url == link and page.get_by_test_id("stSidebarNav").count() == 0
    fill_sign_in(page, "planner1", lang="en")
    settle(page)
    heading(page, i18n.t("page_township", "en"))
    assert page.url == link and "Signed in as planner1" in sidebar(page)
    shows_township(page, OTHER_TOWNSHIP)
    shot(page, "deep-link")
    cookie = session_cookie(context)
    assert cookie is not None and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["name"].endswith(f"_{server.rsplit(':', 1)[1]}")
    # the token itself is in no audit entry (only the server process holds its hash)
    with Store.for_workspace(site.workspace) as store:
        assert all(cookie["value"] not in str(e) for e in store.audit_entries())

    page.reload()
    settle(page)
    heading(page, i18n.t("page_township", "en"))
    assert page.url == link and "Signed in as planner1" in sidebar(page)
    shows_township(page, OTHER_TOWNSHIP)
    assert audit_actions(site, "planner1")[-2:] == ["login", "login.resumed"]
    shot(page, "after-reload")

    # a second tab of the same browser is signed in too
    other = new_tab(context)
    other.goto(f"{server}/runs?lang=en")
    settle(other)
    heading(other, i18n.t("page_runs", "en"))

    # sign-out revokes the token: the cookie goes, and a copy of it signs no one in
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    page.get_by_label("Password", exact=True).wait_for()
    settle(page)
    assert session_cookie(context) is None
    page.reload()
    settle(page)
    assert page.get_by_label("Password", exact=True).is_visible()
    # the other tab's next run finds the token revoked and signs out, saying why
    other.get_by_test_id("stSidebar").get_by_text("中文", exact=True).click()
    settle(other)
    assert i18n.t("session_expired", "zh") in main_text(other)
    thief = context.browser.new_context()
    try:
        thief.add_cookies([{**cookie, "expires": -1}])
        stolen = new_tab(thief)
        stolen.goto(link)
        settle(stolen)
        assert stolen.get_by_label("Password", exact=True).is_visible()
        assert "planner1" not in sidebar(stolen)
    finally:
        thief.close()
    assert audit_actions(site, "planner1").count("login.resumed") == 2  # reload, second tab


def test_a_link_to_a_page_the_role_may_not_see_opens_the_overview_with_a_note(
    context: Any, server: str, site: Site
) -> None:
    page = new_tab(context)
    page.goto(f"{server}/household?lang=en&household={site.household}")
    idle(page)
    fill_sign_in(page, "viewer1", lang="en")
    settle(page)
    heading(page, i18n.t("page_overview", "en"))
    text = main_text(page)
    assert i18n.t("page_not_allowed", "en", page=i18n.t("page_household", "en")) in text
    assert site.household not in text and "Page not found" not in page.inner_text("body")
    assert page.url.endswith("/?lang=en")  # the language stays English
    shot(page, "role-note")


def test_a_wrong_password_is_refused_in_the_sessions_language_only(
    context: Any, server: str, site: Site
) -> None:
    page = new_tab(context)
    page.goto(f"{server}/?lang=en")
    idle(page)
    fill_sign_in(page, "sup_town", "not-the-password", lang="en")
    alert = page.get_by_test_id("stAlert").first
    alert.wait_for()
    text = str(alert.inner_text())
    assert text == f"{i18n.t('login_refused', 'en')} — {i18n.t('login_wrong', 'en')}"
    assert not CJK.search(text)
    assert audit_actions(site, "sup_town")[-1] == "login.failed"
    shot(page, "wrong-password-en")


def test_an_amendment_published_while_the_server_runs_shows_at_the_next_run(
    context: Any, server: str, site: Site
) -> None:
    with Store.for_workspace(site.workspace) as store:
        before = store.current_run(MONTH)
    assert before is not None
    page = new_tab(context)
    page.goto(f"{server}/?lang=en")
    idle(page)
    fill_sign_in(page, "planner1", lang="en")
    settle(page)
    assert f"version {before.version} (run {before.run_id[:12]}" in main_text(page)
    publish_amendment(site, TOWNSHIP)
    with Store.for_workspace(site.workspace) as store:
        after = store.current_run(MONTH)
    assert after is not None and after.version == before.version + 1
    page.reload()  # the sign-in stays; the page reads the new current run
    settle(page)
    text = main_text(page)
    assert f"version {after.version} (run {after.run_id[:12]}" in text
    assert before.run_id[:12] not in text
    shot(page, "amended")


def audit_clients(site: Site, subject: str) -> list[tuple[str, str | None]]:
    """The audit log's ``(action, details.client)`` about ``subject``, oldest first."""
    with Store.for_workspace(site.workspace) as store:
        return [(e.action, e.details.get("client")) for e in store.audit_entries()
                if e.subject == subject]  # fmt: skip


def test_every_sign_in_and_sign_out_records_the_client_address(
    browser: Any, server: str, site: Site
) -> None:
    """A refused sign-in, the sign-in, a reload's resumption and the sign-out each record
    where the browser connected from: behind a proxy on this machine (docs/deployment.md's
    nginx, here :func:`forwarding_proxy`), the address its ``X-Forwarded-For`` names, the only
    sender the server trusts it from; a browser on this machine itself, ``local``."""
    at = "203.0.113.7"
    proxied = browser.new_context()
    with forwarding_proxy(server, at) as behind_proxy:
        try:
            page = new_tab(proxied)
            page.goto(f"{behind_proxy}/runs?lang=en")
            fill_sign_in(page, "sup_county", "not the password", lang="en")
            settle(page)
            fill_sign_in(page, "sup_county", lang="en")
            settle(page)
            heading(page, i18n.t("page_runs", "en"))
            page.reload()
            settle(page)
            heading(page, i18n.t("page_runs", "en"))
            page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
            page.get_by_label("Password", exact=True).wait_for()
            settle(page)
        finally:
            proxied.close()
    assert audit_clients(site, "sup_county")[-4:] == [
        ("login.failed", at), ("login", at), ("login.resumed", at), ("logout", at),
    ]  # fmt: skip
    direct = browser.new_context()
    try:
        page = new_tab(direct)
        page.goto(f"{server}/runs?lang=en")
        fill_sign_in(page, "sup_county", lang="en")
        settle(page)
        heading(page, i18n.t("page_runs", "en"))
    finally:
        direct.close()
    assert audit_clients(site, "sup_county")[-1] == ("login", "local")


def change_password_in(page: Any, current: str, new: str, again: str | None = None) -> None:
    """Fill the sidebar's 修改密码 form (English page, in its expander) and submit it."""
    bar = page.get_by_test_id("stSidebar")
    if not bar.get_by_label("Current password", exact=True).is_visible():
        bar.get_by_text("Change password", exact=True).first.click()
    bar.get_by_label("Current password", exact=True).fill(current)
    bar.get_by_label(i18n.t("new_password", "en", n=MIN_PASSWORD_LENGTH), exact=True).fill(new)
    bar.get_by_label("New password again", exact=True).fill(new if again is None else again)
    bar.get_by_role("button", name="Save new password").click()
    settle(page)


def test_an_account_changes_its_own_password_and_its_other_sessions_end(
    browser: Any, server: str, site: Site
) -> None:
    """The initial password an administrator printed is replaced by its owner in the sidebar:
    a wrong current password or two differing new ones are refused; after the change this
    browser stays signed in (also after a reload: its token was renewed), another browser
    signed in as the account is signed out at its next run, the old password no longer signs
    in and the new one does; audited with the client address, never the password."""
    with Store.for_workspace(site.workspace) as store:
        store.add_user(
            "pw_owner", "planner", scope_kind="county", scope_id=COUNTY,
            password="initial pass 1", actor="tests",
        )  # fmt: skip
    mine, other = browser.new_context(), browser.new_context()
    try:
        page, elsewhere = new_tab(mine), new_tab(other)
        for tab in (page, elsewhere):
            tab.goto(f"{server}/runs?lang=en")
            fill_sign_in(tab, "pw_owner", "initial pass 1", lang="en")
            settle(tab)
            heading(tab, i18n.t("page_runs", "en"))
        change_password_in(page, "not my password", "my own pass 2026")
        assert "The current password is wrong." in sidebar(page)
        change_password_in(page, "initial pass 1", "my own pass 2026", "my own pass 2027")
        assert "The two new passwords differ." in sidebar(page)
        change_password_in(page, "initial pass 1", "Pw_Owner-2026")  # the account's own name
        assert (
            "The password is too easy to guess: it contains the account's username. Choose a "
            "longer one made of several unrelated words or random characters."
        ) in " ".join(sidebar(page).split())
        change_password_in(page, "initial pass 1", "my own pass 2026")
        assert "Password changed" in sidebar(page) and "Signed in as pw_owner" in sidebar(page)
        shot(page, "password-changed")
        page.reload()
        settle(page)
        heading(page, i18n.t("page_runs", "en"))
        assert "Signed in as pw_owner" in sidebar(page)
        elsewhere.get_by_test_id("stSidebar").get_by_text("中文", exact=True).click()
        settle(elsewhere)
        assert elsewhere.get_by_label("密码", exact=True).is_visible()
        assert i18n.t("password_reset_signed_out", "zh") in main_text(elsewhere)
        fill_sign_in(elsewhere, "pw_owner", "initial pass 1")
        settle(elsewhere)
        assert elsewhere.get_by_label("密码", exact=True).is_visible()
        fill_sign_in(elsewhere, "pw_owner", "my own pass 2026")
        settle(elsewhere)
        assert "pw_owner" in sidebar(elsewhere)
    finally:
        mine.close()
        other.close()
    with Store.for_workspace(site.workspace) as store:
        entries = [e for e in store.audit_entries() if e.subject == "pw_owner"]
    changes = [(e.action, e.details.get("client")) for e in entries if "password" in e.action]
    assert changes == [
        ("user.password_change_refused", "local"), ("user.password_change", "local"),
    ]  # fmt: skip
    assert not [e for e in entries if "pass 20" in str(e.details)]

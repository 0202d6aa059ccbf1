"""The dashboard's pages under ``streamlit.testing.v1.AppTest``, for every role and jurisdiction.

Each test signs in through the login form (the store checks the password), opens pages through
the router and reads what the page shows. Scope attacks edit what a user can edit - query
parameters, the household or worker id typed in, the session's state - and the page must refuse
because its data access is built from the account the store holds, not from editable state.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import dashboard
from dashboard import auth, i18n
from dashboard.data import PAGE_ROWS, SHEET_WITHHELD, Viewer
from dashboard.data import township as township_data
from dashboard.widgets import md
from tests.dashboard.helpers import (
    ACCOUNTS,
    MONTH,
    OTHER_TOWNSHIP,
    PASSWORD,
    TOWNSHIP,
    Site,
    access,
    audit_actions,
    damaged,
    page_title,
    streamlit_flags,
    township_households,
)
from tests.visit_planner.helpers import flat
from visit_planner.policy import parse_policy
from visit_planner.store import Store

APP = Path(dashboard.__file__).resolve().parent / "app.py"
PAGES = ("overview", "township", "household", "worker", "corrections", "runs", "model")
HOUSEHOLD_PAGES = ("household", "worker", "corrections")
TIMEOUT = 60


# --------------------------------------------------------------------------- helpers


def open_app(query: dict[str, str] | None = None) -> AppTest:
    """The app at its login form (``query``: the URL's query parameters)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def sign_in(username: str, password: str = PASSWORD, **kw: dict[str, str]) -> AppTest:
    """The app after submitting the login form."""
    at = open_app(**kw)
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    submit = next(b for b in at.button if b.label in (i18n.t("sign_in", "zh"), "Sign in"))
    return submit.click().run()


def go(at: AppTest, page: str, lang: str | None = None) -> AppTest:
    """Open ``page`` through the router (in ``lang``: AppTest runs a navigation page's own
    script after the first run, not the entry script's language switch, so the test sets the
    session's language as the switch would)."""
    at.switch_page(f"views/{page}.py")
    if lang is not None:
        at.session_state[auth.LANG_KEY] = lang
    return at.run()


def go_filled(at: AppTest, page: str, site: Site, lang: str | None = None) -> AppTest:
    """Open ``page`` (:func:`go`) and, on the household and worker pages, look up the site's
    household or worker, so that every page shows what it is for."""
    at = go(at, page, lang)
    if page == "household":
        at.text_input(key="household").input(site.household).run()
    elif page == "worker":
        at.text_input(key="worker").input(site.worker).run()
    return at


def page_text(at: AppTest) -> str:
    """Everything the page says, tables included."""
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "error", "warning", "info"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [str(e.value) for e in at.success]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_csv(index=False) for df in at.dataframe]
    return "\n".join(parts)


def elements(at: AppTest, *kinds: str) -> list[Any]:
    """Elements of the types ``kinds`` in the page's order: those the testing API does not
    model (charts, maps) by proto type, or several of its own types in one list."""
    found = []

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", None) in kinds:
                found.append(child)
            walk(child)

    walk(at.main)
    return found


def chart_rows(chart: object) -> int:
    """Rows of data a chart carries (Arrow IPC streams inside its proto)."""
    proto = chart.proto  # type: ignore[attr-defined]
    blobs = [d.data.data for d in proto.datasets] + [proto.data.data]
    return sum(pa.ipc.open_stream(b).read_all().num_rows for b in blobs if b)


def check_clean(at: AppTest) -> None:
    """No exception, no error; tables within the row limit and under translated headings;
    charts with data; maps without a base map."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    for df in at.dataframe:
        table = df.value
        assert len(table) <= PAGE_ROWS
        raw = [c for c in table.columns if c in i18n.COLUMNS or re.fullmatch(r"[a-z0-9_]+", c)]
        assert not raw, f"raw column names shown: {raw}"
    for chart in elements(at, "vega_lite_chart"):
        assert chart_rows(chart) > 0, "empty chart"
    assert not elements(at, "deck_gl_json_chart"), "maps are Vega-Lite charts, not deck.gl"
    for chart in elements(at, "vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if "projection" in spec:  # a map: its data inline, no URL (tiles, GeoJSON) fetched
            assert '"url"' not in chart.proto.spec


# --------------------------------------------------------------------------- signing in


def test_the_app_asks_to_sign_in_and_shows_nothing_else(site: Site) -> None:
    at = open_app()
    assert not at.exception
    assert [t.value for t in at.title] == [i18n.t("app_title", "zh")]
    assert not at.dataframe and not at.metric
    assert at.text_input(key="login_password").value == ""


def test_the_heap_is_frozen_once_when_the_sign_in_form_is_drawn(site: Site) -> None:
    # Streamlit collects garbage after every script run; walking the ~240,000 objects of the
    # imported modules cost 0.15 s a run, twice between the sign-in click and the overview.
    import gc

    assert not at_login_form_errors(open_app())
    frozen = gc.get_freeze_count()
    assert frozen > 50_000  # the modules' objects, out of the collector's way
    assert not at_login_form_errors(open_app())
    assert gc.get_freeze_count() <= frozen  # once per process: later objects stay collectable


def at_login_form_errors(at: AppTest) -> list[str]:
    """Exceptions and errors of a run of the login form."""
    assert [t.value for t in at.title] == [i18n.t("app_title", "zh")]
    return [str(e.value) for e in [*at.exception, *at.error]]


def test_a_wrong_password_is_refused_and_audited(site: Site) -> None:
    at = sign_in("sup_town", "not-the-password")
    assert not at.exception
    assert any(i18n.t("login_refused", "zh") in e.value for e in at.error)
    assert not at.metric
    assert audit_actions(site, "sup_town")[-1] == "login.failed"
    at = sign_in("nobody_here", "whatever-it-is")
    assert any(i18n.t("login_refused", "zh") in e.value for e in at.error)
    assert audit_actions(site, "nobody_here") == ["login.failed"]


def test_a_wrong_password_in_english_is_refused_in_english_only(site: Site) -> None:
    at = sign_in("sup_town", "not-the-password", query={"lang": "en"})
    assert [e.value for e in at.error] == ["**Sign-in refused** — Wrong username or password."]


def test_a_revoked_or_expired_token_signs_the_session_out(site: Site) -> None:
    from dashboard.sessions import SESSIONS

    at = sign_in("sup_town")
    digest = at.session_state[auth.SESSION_KEY]
    assert at.metric and SESSIONS.touch(digest) is not None  # a live token, by its hash
    assert auth.COOKIE_SET_KEY not in at.session_state  # the token went to the browser
    SESSIONS.revoke(digest)  # sign-out in another tab, or the idle timeout
    at.run()
    assert not at.metric
    assert i18n.t("session_expired", "zh") in " ".join(w.value for w in at.warning)
    assert auth.SESSION_KEY not in at.session_state


@pytest.mark.parametrize("change", ["reset", "disable"])
def test_a_password_reset_or_a_disabled_account_ends_its_open_sessions(
    site: Site, change: str
) -> None:
    # A reset is what an administrator does when a password may be known to someone else:
    # a session opened with the old one went on (reloads too, by its token) as long as the
    # role and jurisdiction were unchanged.
    from dashboard.sessions import SESSIONS

    name = f"sup_{change}"
    with Store.for_workspace(site.workspace) as store:
        store.add_user(
            name, "supervisor", scope_kind="township", scope_id=TOWNSHIP, password=PASSWORD,
            actor="tests",
        )  # fmt: skip
    at = sign_in(name)
    digest = at.session_state[auth.SESSION_KEY]
    assert at.metric and SESSIONS.touch(digest) is not None
    at.run()
    assert at.metric  # the same account, unchanged: still signed in
    with Store.for_workspace(site.workspace) as store:
        if change == "reset":
            store.reset_password(name, "another-long-password", actor="tests")
        else:
            store.disable_user(name, actor="tests", reason="left the post")
    at.run()
    assert not at.metric and not at.dataframe
    notice = "password_reset_signed_out" if change == "reset" else "account_gone"
    assert i18n.t(notice, "zh") in " ".join(w.value for w in at.warning)
    assert auth.VIEWER_KEY not in at.session_state
    assert SESSIONS.touch(digest) is None  # the token is revoked: a reload signs no one in
    if change == "reset":  # the new password signs in
        assert sign_in(name, "another-long-password").metric


# --------------------------------------------------------------------------- every page, every role

MENUS = {
    "planner1": PAGES,
    "sup_town": PAGES,
    "sup_county": PAGES,
    "scientist": PAGES,
    "viewer1": ("overview", "township", "runs", "model"),
}


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_every_page_of_the_role_renders_in_scope(site: Site, username: str) -> None:
    role, kind, scope_id = ACCOUNTS[username]
    viewer = Viewer(username, role, kind, scope_id)
    at = sign_in(username)
    check_clean(at)
    assert at.title[0].value == i18n.t("page_overview", "zh")
    assert audit_actions(site, username)[-1] == "login"
    for page in set(PAGES) - set(MENUS[username]):  # not in the menu of this role
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"views/{page}.py")
    for page in MENUS[username]:
        at = go(at, page)
        check_clean(at)
        assert at.title[0].value == page_title(page, "zh"), page
        text = page_text(at)
        shown = set(re.findall(r"\b5326\d{5}\b", text))
        assert all(viewer.covers(tw) for tw in shown), (page, shown)
    if username not in ("planner1", "viewer1"):  # scoped: the township choice is the scope
        at = go(at, "township")
        options = at.selectbox(key="township").options
        assert options and all(viewer.covers(o.rsplit("(", 1)[1].rstrip(")")) for o in options)


def test_overview_of_a_township_supervisor_counts_that_township_only(site: Site) -> None:
    at = sign_in("sup_town")
    caption = at.caption[0].value  # the run: its month, version and when it was published
    assert "北京时间 20" in caption and "UTC" not in caption
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[i18n.t("all_townships", "zh")] == "1"
    households = int(metrics[i18n.t("households", "zh")].replace(",", ""))
    at = sign_in("planner1")
    everyone = int(
        {m.label: m.value for m in at.metric}[i18n.t("households", "zh")].replace(",", "")
    )
    assert 0 < households < everyone


def test_english_switch_translates_headings_tables_and_tiers(site: Site) -> None:
    at = sign_in("planner1")
    assert at.sidebar.button_group[0].options == ["中文", "English"]
    at.session_state[auth.LANG_KEY] = "en"
    at.run()
    check_clean(at)
    assert at.title[0].value == "Overview"
    columns = {c for df in at.dataframe for c in df.value.columns}
    assert {"Township", "Households", "Tier-1 uncovered"} <= columns
    assert not any(re.search(r"[\u4e00-\u9fff]", c) for c in columns)
    at = go(at, "household", lang="en")
    at.text_input(key="household").input(site.household)
    at.session_state[auth.LANG_KEY] = "en"
    at.run()
    check_clean(at)
    assert at.metric[0].value.startswith("tier ")
    assert "Main reasons" in page_text(at)


# --------------------------------------------------------------------------- the household page


def test_household_page_explains_tier_and_worker(site: Site) -> None:
    at = go(sign_in("sup_town"), "household")
    at.text_input(key="household").input(site.household).run()
    check_clean(at)
    text = page_text(at)
    assert site.household in text and site.worker in text
    assert i18n.t("reasons", "zh") in text and i18n.t("reasons_caption", "zh") in text
    assert re.search("↑ 提高风险|↓ 降低风险", text)
    assert i18n.t("source_model", "zh") in text or "政策规则" in text or "督导调整" in text
    assert i18n.t("alternatives", "zh") in text
    history = at.dataframe[-2].value
    assert list(history[i18n.label("month", "zh")]) == [MONTH]
    record = dict(at.dataframe[-1].value.itertuples(index=False, name=None))
    assert record[i18n.RECORD_FIELDS["petitions_12m"][0]] != "—"  # a supervisor sees them


def test_the_household_page_says_the_models_tier_is_the_least_expected_cost(
    site: Site,
) -> None:
    """A household the model put in tier 1 with 25 % for tier 1 and 55 % for tier 2 showed
    those probabilities and "decided by the risk model" only, which reads as a mistake: the
    tier is the one of least expected cost under the policy's cost matrix, not the most
    probable one (``explain`` says so, with the costs). The page says it too, with each
    tier's expected cost, in both languages."""
    run = access(site, "planner").current_run(MONTH)
    cost = parse_policy(run.policy_text, "run policy").risk.cost_matrix
    scores = pl.read_parquet(site.home / run.path / "scores.parquet").filter(
        (pl.col("tier_source") == "model") & pl.col("household_id").is_in(site_township(site))
    )
    # the township's household whose tier is least probable against the most probable
    probs = pl.concat_list("p_tier1", "p_tier2", "p_tier3")
    pick = (
        scores.with_columns(
            (probs.list.max() - probs.list.get(pl.col("model_tier").cast(pl.Int64) - 1)).alias(
                "margin"
            )
        )
        .sort("margin", "household_id", descending=[True, False])
        .row(0, named=True)
    )
    p = [pick[f"p_tier{k}"] for k in (1, 2, 3)]
    expected = [sum(p[i] * cost[i][j] for i in range(3)) for j in range(3)]
    assert expected.index(min(expected)) + 1 == pick["model_tier"]
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "household", lang)
        at.text_input(key="household").input(pick["household_id"]).run()
        check_clean(at)
        captions = [str(c.value) for c in at.caption]
        said = next((c for c in captions if c.startswith(i18n.t("tier_rule", lang))), None)
        assert said is not None, captions
        for k in (1, 2, 3):
            assert f"{i18n.tier(k, lang)} {expected[k - 1]:.2f}" in said, said
        second = "期望代价" if lang == "zh" else " Expected"  # two sentences, spaced in English
        assert i18n.t("tier_rule", lang) + second in said, said
        assert f"{cost[0][1]:g}" in said and f"{cost[0][2]:g}" in said


def alternative_items(at: AppTest) -> tuple[list[str], list[str], list[str]]:
    """The household page's ranked alternatives as shown: the items of the list under the
    heading, the items under its expander, and the expander's label (empty when none)."""

    def items(markdown: str) -> list[str]:
        return re.split(r"\n(?=\d+\. )", markdown)

    listed = next(str(m.value) for m in at.main.markdown if str(m.value).startswith("1. "))
    more = [e for e in at.main.expander if str(e.label) != i18n.t("record", "zh")
            and str(e.label) != i18n.t("record", "en")]  # fmt: skip
    if not more:
        return items(listed), [], []
    return items(listed), items(str(more[0].markdown[0].value)), [str(more[0].label)]


def test_the_alternatives_read_one_worker_an_item_on_a_phone_too(site: Site) -> None:
    """The ranked alternatives were a six-column table (st.table) whose cells broke one
    character a line on a phone (390 px): 村 / 组 / 干 / 部, the reasons a word a line. They are
    now a numbered list, one worker an item (rank, worker, role, travel per visit; then why not,
    led by the cost written as the reasons write it, +18,526.1), the first few shown and the
    rest under an expander that says how many; no table. Both languages."""
    planner = access(site, "planner")
    household, alternatives = next(
        (h, a)
        for h in site_township(site)[:80]
        if (a := planner.household(MONTH, h)["alternatives"]).height > 6
    )
    costs = [v for v in alternatives["objective_change"].to_list() if v is not None]
    assert costs, "priced alternatives"
    unassigned = planner.household(MONTH, household)["explanation"].get("worker_id") is None
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "household", lang)
        at.text_input(key="household").input(household).run()
        check_clean(at)
        assert not at.table, "no static table: its cells broke a character a line on a phone"
        shown, folded, label = alternative_items(at)
        assert shown and folded, (shown, folded)
        assert label == [i18n.t("alternatives_more", lang, n=len(folded))]
        assert len(shown) + len(folded) == alternatives.height
        for item, alt in zip(shown + folded, alternatives.iter_rows(named=True), strict=True):
            head, why = item.split("\n")
            assert head.startswith(f"{alt['rank']}. **{alt['worker_id']}** · "), head
            assert i18n.role(alt["role"], lang) in head
            assert i18n.fmt_minutes(alt["travel_minutes"], lang) in head
            assert why.strip() == i18n.why_not(alt, lang, unassigned=unassigned), why
            if alt["objective_change"] is not None:
                assert i18n.fmt_signed(alt["objective_change"]) in why
        assert i18n.t("alternatives_caption", lang) in page_text(at)


def test_the_household_page_links_to_its_visitors_page(site: Site) -> None:
    """On a phone, seeing who visits a household, the supervisor had to open the menu, go to
    the worker page and type the id to see that worker's households and hours. The visitor
    now comes with a link to that page (?worker=), in the page's language; a household no
    one visits has none."""
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "household", lang)
        at.text_input(key="household").input(site.household).run()
        check_clean(at)
        links = [e.proto for e in at.get("page_link") if e.proto.page.endswith("worker")]
        assert [(p.label, p.query_string) for p in links] == [
            (i18n.t("open_worker", lang, w=site.worker), f"worker={site.worker}&lang={lang}")
        ]
    planner = access(site, "planner")
    unvisited = next(
        h
        for h in site_township(site)
        if planner.household(MONTH, h)["explanation"]["worker_id"] is None
    )
    at = go(sign_in("sup_town"), "household")
    at.text_input(key="household").input(unvisited).run()
    check_clean(at)
    assert not [e for e in at.get("page_link") if e.proto.page.endswith("worker")]


def test_a_household_no_one_visits_shows_no_empty_figures(site: Site) -> None:
    """A household no one visits showed its visitor as 未分配 and then three figures that were
    only a dash (人员角色 —, 每次路途 —, 每月工时 —): two rows of nothing on a phone. It now shows
    the visitor figure alone (why no one visits it follows); a visited household all four.
    Its history's worker column said "—" for the month: 未分配 / unassigned now."""
    planner = access(site, "planner")
    unvisited = next(
        h
        for h in site_township(site)
        if planner.household(MONTH, h)["explanation"]["worker_id"] is None
    )
    for lang in i18n.LANGS:
        for household, labels in (
            (unvisited, ["assigned_worker"]),
            (site.household, ["assigned_worker", "role", "travel", "hours_month"]),
        ):
            at = go(sign_in("sup_town"), "household", lang)
            at.text_input(key="household").input(household).run()
            check_clean(at)
            expected = [i18n.label(k, lang) if k == "role" else i18n.t(k, lang) for k in labels]
            assert [m.label for m in at.metric][1:] == expected, household
            assert "—" not in [m.value for m in at.metric]
            # the history's worker column: 未分配 / unassigned for a month no one visits it
            # (it read "—"), as the figure above says
            history = at.dataframe[-2].value[i18n.label("visitor", lang)].to_list()
            assert "—" not in history and None not in history
            if household == unvisited:
                assert history == [i18n.t("not_assigned", lang)] == [at.metric[1].value]


def site_township(site: Site) -> list[str]:
    """The households of the township supervisor's township in the site's current run."""
    run = access(site, "planner").current_run(MONTH)
    plan = pl.read_parquet(
        site.home / run.path / "plan.parquet", columns=["household_id", "township_id"]
    )
    return plan.filter(pl.col("township_id") == TOWNSHIP)["household_id"].to_list()


def test_travel_is_said_per_visit_and_round_trip_as_the_policy_has_it(site: Site) -> None:
    """The household page and the tables called a plan's travel minutes "one way" (单程路途),
    where the plan holds a visit's travel there and back (the default policy's round trip;
    ``explain`` and the printed lists say 往返): twice the one-way time, mislabelled. Now it
    is the travel per visit, and the household page's figure says round trip, as the run's
    policy has it, in both languages."""
    run = access(site, "planner").current_run(MONTH)
    assert parse_policy(run.policy_text, "run policy").travel.round_trip
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "household", lang)
        at.text_input(key="household").input(site.household).run()
        check_clean(at)
        travel = next(m for m in at.metric if m.label == i18n.t("travel", lang))
        assert travel.proto.help == i18n.t("travel_round_trip", lang)
        assert ("往返" if lang == "zh" else "Round trip") in travel.proto.help
        # the worker's households, under the same heading
        at = go(sign_in("sup_town"), "worker", lang)
        at.text_input(key="worker").input(site.worker).run()
        check_clean(at)
        headings = [str(c) for df in at.dataframe for c in df.value.columns]
        assert i18n.label("travel_minutes", lang) in headings, headings
        assert not any("单程" in h or "one way" in h for h in headings)
    assert i18n.label("travel_minutes", "zh") == "每次路途"
    assert i18n.label("travel_minutes", "en") == "Travel per visit"


def test_the_worker_pages_township_choice_follows_a_worker_opened_by_id(site: Site) -> None:
    """A worker opened by id (typed, or ?worker= in a link) was shown under "选择乡镇" naming
    the first township of the list, another than the worker's, with that township's workers
    to choose from. The choice now follows the worker's township once; choosing another
    township to pick from afterwards stays chosen."""
    at = go(sign_in("planner1"), "worker")
    towns = at.selectbox(key="worker_township").options
    assert len(towns) > 1
    at.text_input(key="worker").input(site.other_worker).run()
    check_clean(at)
    assert at.selectbox(key="worker_township").value == OTHER_TOWNSHIP
    assert site.other_worker in page_text(at)
    # the worker choice names the worker shown (it read 请选择 above them)
    assert at.selectbox(key="worker_pick").value == site.other_worker
    at.selectbox(key="worker_township").set_value(TOWNSHIP).run()
    check_clean(at)
    assert at.selectbox(key="worker_township").value == TOWNSHIP  # not snapped back
    at.text_input(key="worker").input(site.worker).run()
    assert at.selectbox(key="worker_township").value == TOWNSHIP
    assert site.worker in page_text(at)
    assert at.selectbox(key="worker_pick").value == site.worker


def test_data_scientist_sees_sensitive_fields_masked(site: Site) -> None:
    at = go(sign_in("scientist"), "household")
    at.text_input(key="household").input(site.household).run()
    check_clean(at)
    record = dict(at.dataframe[-1].value.itertuples(index=False, name=None))
    assert record[i18n.RECORD_FIELDS["petitions_12m"][0]] == "—"
    assert record[i18n.RECORD_FIELDS["members"][0]] != "—"
    at = go(sign_in("sup_town"), "household")
    at.text_input(key="household").input(site.household).run()
    record = dict(at.dataframe[-1].value.itertuples(index=False, name=None))
    assert record[i18n.RECORD_FIELDS["petitions_12m"][0]] != "—"
    # the run keeps no ethnicity or gender (docs/privacy.md): no role reads them per household
    assert i18n.RECORD_FIELDS["head_ethnicity"][0] not in record
    assert i18n.RECORD_FIELDS["head_gender"][0] not in record


# --------------------------------------------------------------------------- a damaged run


def test_a_damaged_file_of_the_run_is_a_message_on_the_page_not_a_traceback(site: Site) -> None:
    # Read directly, a cut-short worker_loads.parquet was polars' ComputeError as a traceback
    # on the worker page; the message is in the page's language, the file's path unchanged.
    with damaged(site, "worker_loads.parquet") as path:
        at = go(sign_in("planner1"), "worker")
        at.text_input(key="worker").input(site.worker).run()
        assert not at.exception, [e.value for e in at.exception]
        (message,) = [str(e.value) for e in at.error]
        assert message.startswith(f"{path}: 方案文件已损坏, 无法读取（damaged"), message
        remedy = "；请查看全部受损文件, 并从备份恢复工作目录（run `visit-planner runs check "
        assert remedy in message, message
        assert message.endswith("section 6）。") and not at.dataframe
    tw = f"townships/{TOWNSHIP}/summary.json"
    with damaged(site, tw) as path:
        at = go(sign_in("planner1"), "overview", "en")
        assert not at.exception, [e.value for e in at.exception]
        (message,) = [str(e.value) for e in at.error]
        assert message.startswith(f"{path}: changed: its hash is not the one"), message
        assert "; run `visit-planner runs check " in message and "section 6." in message
        assert not re.search("[\u4e00-\u9fff]", message), message  # English only
        assert not at.metric  # no figure shown from the run


# --------------------------------------------------------------------------- scope attacks


def is_one_chinese_sentence(message: str) -> bool:
    """A refusal as the Chinese page says it: a sentence in Chinese (ids, codes and place
    names aside, no English word), ended, and without the English of it or a heading."""
    words = re.sub(r"\([^()]*\)|[A-Z]\d+", "", message)  # codes in brackets, ids
    return (
        re.search("[\u4e00-\u9fff]", message) is not None
        and re.search(r"[A-Za-z]{3,}", words) is None
        and " / " not in message
        and not message.startswith("**")
        and message.endswith("。")
    )


def refused(at: AppTest, *needles: str, absent: tuple[str, ...] = ()) -> None:
    """The page refused with a clean message (no traceback) naming ``needles`` and none of
    ``absent``: a township out of scope is named ("不在您的辖区内"); a household or worker
    asked for by id gets the answer of an id that does not exist ("您的辖区内没有…"), which
    does not say where it is."""
    assert not at.exception, [e.value for e in at.exception]
    messages = " ".join(e.value for e in at.error)
    refusals = ("不在您的辖区内", "您的辖区内没有", "仅可查看汇总")
    assert any(r in messages for r in refusals), messages
    for message in (e.value for e in at.error):  # one sentence in Chinese, no heading before it
        assert is_one_chinese_sentence(message), message
    for needle in needles:
        assert needle in messages
    for hidden in absent:
        assert hidden not in messages, messages


def test_a_household_of_another_township_is_refused_however_asked(site: Site) -> None:
    at = go(sign_in("sup_town"), "household")
    at.text_input(key="household").input(site.other_household).run()
    refused(at, site.other_household, absent=(OTHER_TOWNSHIP,))
    assert site.other_household not in " ".join(str(m.value) for m in at.metric)
    assert not at.dataframe
    # the id in the URL (?household=...) of the page, as a link would carry it
    at = sign_in("sup_town", query={"household": site.other_household})
    at = go(at, "household")
    refused(at, site.other_household, absent=(OTHER_TOWNSHIP,))
    # a county supervisor: their county's household yes, another county's no
    at = go(sign_in("sup_county"), "household")
    at.text_input(key="household").input(site.county_household).run()
    check_clean(at)
    at.text_input(key="household").input(site.household).run()
    refused(at, site.household, absent=(TOWNSHIP,))


def test_counts_in_tables_have_thousands_separators(site: Site) -> None:
    # The overview and runs tables printed "1327" where the headline metrics print "1,327":
    # every integer column is shown localized (still a number, so it sorts).
    for page in ("overview", "runs", "township"):
        at = go(sign_in("planner1"), page)
        check_clean(at)
        assert at.dataframe, page
        for table in at.dataframe:
            config = json.loads(table.proto.columns or "{}")
            integers = [
                c for c, t in table.value.dtypes.items() if str(t).startswith(("int", "Int"))
            ]
            for column in integers:
                assert config.get(column, {}).get("type_config", {}).get("format") == "localized", (
                    page,
                    column,
                    config.get(column),
                )


def test_a_household_no_one_visits_says_why(site: Site) -> None:
    # Before: "last month's visitor was W…; changed", "the nearest OTHER eligible worker",
    # and nothing of the township's shortfall.
    from dashboard.data import DataAccess
    from visit_planner.paths import Workspace

    planner = DataAccess(Workspace(site.home), Viewer("planner1", "planner", "prefecture", None))
    short = planner.overview(MONTH).townships.filter(
        (pl.col("unassigned_tier1") > 0) & (pl.col("shortfall") != "")
    )
    tw, text = short.select("township_id", "shortfall").row(0)
    uncovered = planner.township(MONTH, tw)["uncovered"].filter(pl.col("tier") == 1)
    household = uncovered["household_id"][0]
    for lang in ("zh", "en"):
        at = go(sign_in("planner1"), "household", lang)
        at.text_input(key="household").input(household).run()
        check_clean(at)
        warnings = " ".join(w.value for w in at.warning)
        assert i18n.t("unassigned_why", lang) in warnings
        assert i18n.pick(text, lang) in warnings
        # a sentence, as on the township page: it ended "…可覆盖这些农户", no 。
        assert warnings.endswith(i18n.pick(text, lang) + ("。" if lang == "zh" else "."))
        body = page_text(at)
        previous = planner.household(MONTH, household)["explanation"]["previous_worker_id"]
        if previous:
            assert i18n.t("continuity_none_now", lang, w=previous) in body
            assert i18n.t("continuity_changed", lang, w=previous) not in body
        nearest = planner.household(MONTH, household)["explanation"]["alt_worker_id"]
        if nearest:  # the nearest worker, not "the nearest OTHER" (no one was chosen)
            assert nearest in body
            assert ("另一位" if lang == "zh" else "nearest other") not in body


def test_a_townships_shortfall_reads_as_a_sentence(site: Site) -> None:
    # The township page's warning began 'proven: no plan covers…' in lower case and ended
    # without a full stop, the English and the Chinese alike.
    planner = access(site, "planner")
    short = planner.overview(MONTH).townships.filter(
        (pl.col("unassigned_tier1") > 0) & (pl.col("shortfall") != "")
    )
    tw, text = short.select("township_id", "shortfall").row(0)
    for lang, end in (("zh", "。"), ("en", ".")):
        at = go(sign_in("planner1"), "township", lang)
        at.selectbox(key="township").set_value(tw).run()
        check_clean(at)
        said = [w.value for w in at.warning if i18n.pick(text, lang)[1:12] in w.value]
        assert said == [i18n.pick(text, lang)[:1].upper() + i18n.pick(text, lang)[1:] + end]


def test_the_nearest_other_worker_is_named_by_role_not_called_eligible(site: Site) -> None:
    """The sentence "The nearest other eligible worker, W000187 (cadre, 23 min), was not
    chosen: that worker is inactive" contradicted itself: the worker is the nearest of a role
    that serves the tier, eligible or not, and the reason says why not. The sentence now names
    it by its role ("the nearest other cadre") in both languages."""
    from dashboard.data import DataAccess
    from visit_planner.paths import Workspace

    planner = DataAccess(Workspace(site.home), Viewer("planner1", "planner", "prefecture", None))
    ex = planner.household(MONTH, site.household)["explanation"]
    assert ex["alt_worker_id"], "the site's household has a nearest other worker"
    for lang in ("zh", "en"):
        at = go(sign_in("planner1"), "household", lang)
        at.text_input(key="household").input(site.household).run()
        check_clean(at)
        said = [m.value for m in at.markdown if ex["alt_worker_id"] in m.value]
        assert len(said) == 1, said
        role = i18n.role(ex["alt_role"], lang)
        start = {"zh": f"最近的另一位{role} ", "en": f"The nearest other {role}, "}[lang]
        assert said[0].startswith(start), said
        assert not re.search("eligible|可承接", said[0]), said
        assert i18n.named(ex["reason_zh" if lang == "zh" else "reason_en"], lang) in said[0]


def test_township_and_worker_of_another_jurisdiction_are_refused(site: Site) -> None:
    at = sign_in("sup_town", query={"township": OTHER_TOWNSHIP})
    at = go(at, "township")
    refused(at, OTHER_TOWNSHIP)
    at = go(sign_in("sup_town"), "worker")
    at.text_input(key="worker").input(site.other_worker).run()
    refused(at, site.other_worker, absent=(OTHER_TOWNSHIP,))
    assert not at.dataframe
    at.text_input(key="worker").input(site.worker).run()
    check_clean(at)
    assert site.worker in page_text(at)


def test_refusals_are_one_sentence_in_the_pages_language(site: Site) -> None:
    # Refusals read "**无法显示** — 您的辖区内没有农户 H… / no household H… in your
    # jurisdiction": a heading before a sentence that says why, and both languages at once.
    cases = [
        ("sup_town", "household", {"household": site.other_household}),
        ("sup_town", "worker", {"worker": site.other_worker}),
        ("sup_town", "township", {"township": OTHER_TOWNSHIP}),
    ]
    for username, page, query in cases:
        for lang in ("zh", "en"):
            at = go(sign_in(username, query={**query, "lang": lang}), page, lang)
            assert not at.exception
            assert [x.value for x in at.title] == [page_title(page, lang)]  # then why
            [message] = [e.value for e in at.error]
            if lang == "zh":
                assert is_one_chinese_sentence(message), message
            else:  # a place without an English name keeps its Chinese one
                words = message
                for code in (OTHER_TOWNSHIP, TOWNSHIP):
                    words = words.replace(i18n.township(code, "en"), "")
                assert not re.search("[\u4e00-\u9fff]", words), message
                assert message[0].isupper() and message.endswith("."), message
            assert "无法显示" not in message and "Cannot show" not in message
    # a role without sensitive fields: the visit sheet withheld, said in the page's language
    for lang in ("zh", "en"):
        at = go(sign_in("scientist", query={"worker": site.worker}), "worker", lang)
        [said] = [i.value for i in at.info]
        assert said == i18n.notice(SHEET_WITHHELD, lang)  # type: ignore[arg-type]
        assert (re.search("[\u4e00-\u9fff]", said) is None) == (lang == "en"), said


def test_an_edited_session_scope_is_not_trusted(site: Site) -> None:
    at = go(sign_in("sup_town"), "household")
    # widen the session's viewer to the whole prefecture as a planner
    at.session_state[auth.VIEWER_KEY] = Viewer("sup_town", "planner", "prefecture", None)
    at.text_input(key="household").input(site.other_household).run()
    assert not at.exception
    assert site.other_household not in page_text(at)
    assert not at.metric and not at.dataframe
    assert i18n.t("session_changed", "zh") in " ".join(w.value for w in at.warning)
    assert auth.VIEWER_KEY not in at.session_state  # signed out
    # another account's name with the signature made for this one: refused the same way
    at = go(sign_in("sup_town"), "overview")
    at.session_state[auth.VIEWER_KEY] = Viewer("planner1", "planner", "prefecture", None)
    at.run()
    assert not at.metric and not at.dataframe
    assert i18n.t("session_changed", "zh") in " ".join(w.value for w in at.warning)
    # and the entry script, on the next visit, asks to sign in again
    at = open_app()
    assert [t.value for t in at.title] == [i18n.t("app_title", "zh")]


def test_a_viewer_gets_aggregates_only(site: Site) -> None:
    # the household page is not in a viewer's menu; run directly with a signed viewer session
    # it still refuses, because the data layer does
    viewer = Viewer("viewer1", "viewer", "prefecture", None)
    at = AppTest.from_file(str(APP.parent / "views" / "household.py"), default_timeout=TIMEOUT)
    with Store.for_workspace(site.workspace) as store:
        stamp = auth.password_stamp(store.get_user("viewer1"))
    for key, value in auth.session_values(viewer, stamp).items():
        at.session_state[key] = value
    at.query_params["household"] = site.household
    at.run()
    refused(at)
    at = go(sign_in("viewer1"), "township")
    check_clean(at)
    text = page_text(at)
    assert "浏览账户仅可查看汇总" in text  # the uncovered count, no households
    assert not re.search(r"\bH\d{7}\b", text)


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_every_map_has_the_legend_of_what_it_draws(site: Site, username: str) -> None:
    # The viewer's township map (worker bases only) had the planner's legend of tiers and
    # uncovered rings; the overview's map had none. (An overview of one township maps it.)
    at = sign_in(username)
    pages = ["overview", "township", *(["worker"] if username != "viewer1" else [])]
    for page in pages:
        at = go(at, page)
        if page == "worker":  # the first worker of the account's first township
            first = at.selectbox(key="worker_pick").options[0].split(" · ")[0]
            at.text_input(key="worker").input(first).run()
        check_clean(at)
        maps_drawn = [e for e in elements(at, "vega_lite_chart") if "projection" in e.proto.spec]
        legends = [m.value for m in at.markdown if "<span style" in m.value]
        assert len(maps_drawn) == len(legends) == 1, (page, legends)
        legend = legends[0]
        if page == "overview" and len(access(site, *ACCOUNTS[username]).townships(MONTH)) > 1:
            assert "乡镇" in legend and "人员驻地" not in legend  # the townships' map
        elif username == "viewer1":  # bases only: no household is drawn for a viewer
            assert "人员驻地" in legend and "类户" not in legend and "未覆盖" not in legend
        else:
            assert "类户" in legend and "人员驻地" in legend, (page, legend)


def test_a_township_supervisors_overview_maps_the_townships_households(site: Site) -> None:
    """The overview's map of townships drew one dot in a frame of half a degree for a
    township's supervisor, which said nothing. With one township in scope the overview maps
    that township as the township page does: its households by tier, worker bases and
    outline, named by the township. A prefecture's overview keeps the townships' map."""
    at = sign_in("sup_town")
    check_clean(at)
    headings = [h.value for h in at.subheader]
    assert i18n.t("township_map", "zh") in headings
    assert i18n.t("townships_map", "zh") not in headings
    (drawn,) = [e for e in elements(at, "vega_lite_chart") if "projection" in e.proto.spec]
    spec = json.loads(drawn.proto.spec)
    assert i18n.township(TOWNSHIP, "zh") in spec["description"]
    households = len(township_households(site))
    assert chart_rows(drawn) > households  # a dot a household, bases, outline, frame
    legend = next(m.value for m in at.markdown if "<span style" in m.value)
    assert "类户" in legend and "人员驻地" in legend
    at = sign_in("planner1")
    assert i18n.t("townships_map", "zh") in [h.value for h in at.subheader]
    assert i18n.t("township_map", "zh") not in [h.value for h in at.subheader]


def _quarterly_household(site: Site) -> tuple[str, str]:
    """A tier-3 household of TOWNSHIP with a visitor, and what its visits read as on its
    visit list in Chinese (``每季度 1 次 · 本月…``), worked out by the lists' own rule."""
    from visit_planner.export.due import next_visit
    from visit_planner.export.labels import visits_due_parts

    data = access(site, "planner")
    run = data.current_run(MONTH)
    root = site.home / run.path / "townships" / TOWNSHIP
    plan = pl.read_parquet(root / "plan.parquet")
    pick = plan.filter((pl.col("tier") == 3) & pl.col("worker_id").is_not_null()).sort(
        "household_id"
    )["household_id"][0]
    last = data.household(MONTH, pick)["record"]["last_visit_days"]
    per_month = parse_policy(run.policy_text, "run policy").tier(3).visits_per_month
    due = next_visit(per_month, last, MONTH)
    assert due is not None  # the test site's tier 3 is visited once a quarter
    return pick, f"{visits_due_parts(per_month)[0]} · {due.zh}"


def test_the_household_page_says_whether_its_visit_falls_this_month(site: Site) -> None:
    """The visit lists say of a household visited once a quarter whether it is due this
    month (本月应走访 / 已逾期 / 本月未到期 / 无上次走访记录), reckoned from its last visit;
    the household page said nothing of it. It says it in the lists' words, and its history
    calls the month's worker 走访人员 (the visitor above it), not 人员编号."""
    household, said = _quarterly_household(site)
    at = go(sign_in("sup_town"), "household")
    at.text_input(key="household").input(household).run()
    check_clean(at)
    sep = i18n.label_sep("zh")
    assert f"**{i18n.t('visit_frequency', 'zh')}**{sep}{said}" in [m.value for m in at.markdown]
    history = at.dataframe[-2].value
    assert list(history.columns) == ["月份", "版本", "类别", "走访人员"]


def test_the_workers_households_say_whether_each_visit_falls_this_month(site: Site) -> None:
    """The worker page's households, as the worker's visit list: each one's visits and,
    once a quarter, whether this month (the same words and reckoning as the list)."""
    household, said = _quarterly_household(site)
    run = access(site, "planner").current_run(MONTH)
    plan = pl.read_parquet(site.home / run.path / "townships" / TOWNSHIP / "plan.parquet")
    worker = plan.filter(pl.col("household_id") == household)["worker_id"][0]
    at = go(sign_in("sup_town"), "worker")
    at.text_input(key="worker").input(worker).run()
    check_clean(at)
    table = next(
        df.value for df in at.dataframe if i18n.label("visit_frequency", "zh") in df.value.columns
    )
    row = table[table[i18n.label("household_id", "zh")] == household]
    assert list(row[i18n.label("visit_frequency", "zh")]) == [said]


# --------------------------------------------------------------------------- corrections


def submit_correction(at: AppTest, household: str, reason: str, tier: int = 1) -> AppTest:
    """Fill the corrections form with a tier override and submit it."""
    at.selectbox(key="correction_kind").set_value("tier")
    at.text_input(key="correction_household").input(household)
    at.text_area(key="correction_reason").input(reason)
    at.selectbox(key="correction_tier").set_value(tier)
    return next(b for b in at.button if b.label == i18n.t("submit", "zh")).click().run()


def test_supervisor_submits_a_correction_in_scope_only(site: Site) -> None:
    at = go(sign_in("sup_town"), "corrections")
    at = submit_correction(at, site.household, "家访发现新情况 / new facts at the visit")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == i18n.t("submitted", "zh", id=1)
    # the list: what a supervisor acts on (no township column for a township's account), the
    # kind and the change in one cell; who, when and until when in the expander below it
    listing = at.dataframe[0].value
    assert list(listing.columns) == [
        i18n.label(c, "zh")
        for c in ("id", "household_id", "change", "outcome", "reason", "override_status")
    ]
    assert list(listing[i18n.label("household_id", "zh")]) == [site.household]
    assert list(listing[i18n.label("outcome", "zh")]) == [i18n.t("outcome_pending", "zh")]
    assert list(listing[i18n.label("change", "zh")]) == ["类别调整：一类户"]
    details = at.expander[0]
    assert details.label == i18n.t("override_details", "zh")
    assert details.dataframe[0].value.iloc[0][
        [i18n.label(c, "zh") for c in ("id", "author", "expires_on")]
    ].tolist() == [1, "sup_town", i18n.t("no_expiry", "zh")]
    # a household of another township: refused by the data layer, nothing recorded
    at = submit_correction(at, site.other_household, "not mine")
    refused(at, site.other_household, absent=(OTHER_TOWNSHIP,))
    assert len(at.dataframe[0].value) == 1
    # a reason is required
    at = submit_correction(at, site.household, "")
    assert [e.value for e in at.error] == [i18n.t("reason_required", "zh")]


def test_a_correction_lacking_what_its_kind_needs_is_asked_for_in_the_forms_words(
    site: Site,
) -> None:
    """A tier override without a tier was refused with the CLI's option (类别调整须给出类别
    (--tier 1/2/3)), a data correction without a field as "字段 None 不可更正", a pin without a
    worker as "缺少必填字段: worker_id（a pin override needs worker_id）". Each now names what
    the form lacks, in the page's language, and nothing is recorded."""
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "corrections", lang)
        for kind, fill, key in (
            ("tier", {"correction_tier": None}, "tier_required"),
            ("pin", {}, "worker_required"),
            ("forbid", {}, "worker_required"),
            ("correction", {"correction_field": None}, "field_required"),
            ("correction", {"correction_field": "members"}, "value_required"),
        ):
            at.selectbox(key="correction_kind").set_value(kind)
            at.text_input(key="correction_household").input(site.household)
            at.text_area(key="correction_reason").input("入户核实 / checked at the door")
            at.text_input(key="correction_worker").input("")
            at.text_input(key="correction_value").input("")
            for widget, value in fill.items():
                at.selectbox(key=widget).set_value(value)
            at = next(b for b in at.button if b.label == i18n.t("submit", lang)).click().run()
            assert not at.exception, [e.value for e in at.exception]
            assert [e.value for e in at.error] == [i18n.t(key, lang)], (lang, kind)
            assert not at.success
    with Store.for_workspace(site.workspace) as store:
        assert not [o for o in store.list_overrides() if o.reason.startswith("入户核实")]


def test_a_revoked_correction_reads_revoked_with_who_revoked_it(site: Site) -> None:
    """A correction revoked (``overrides revoke``) before the month's plan was listed as
    待下次方案 / pending beside its status 已撤销, and who revoked it, when and why were
    nowhere on the page. Its outcome now says it no longer applies, and the expander lists
    the revocation, in both languages."""
    with Store.for_workspace(site.workspace) as store:
        number = store.add_override(
            "tier", site.county_household, author="sup_county", reason="热线反映", tier=1
        ).id
        store.revoke_override(number, "planner1", "已核实 / checked")
    for lang in i18n.LANGS:
        at = go(sign_in("sup_county"), "corrections", lang)
        check_clean(at)
        listing = at.dataframe[0].value
        row = listing[listing[i18n.label("id", lang)] == number].iloc[0]
        assert row[i18n.label("outcome", lang)] == i18n.t("outcome_revoked", lang)
        assert row[i18n.label("override_status", lang)] == i18n.t("status_revoked", lang)
        details = at.expander[0].dataframe[0].value
        revocation = details[details[i18n.label("id", lang)] == number].iloc[0]
        assert revocation[
            [i18n.label(c, lang) for c in ("revoked_by", "revoke_reason")]
        ].tolist() == ["planner1", "已核实 / checked"]
    assert i18n.t("outcome_revoked", "zh") == "已撤销，不再生效"


def uncorrected(site: Site) -> list[str]:
    """The households of the township supervisor's township that no override names yet
    (the module's tests share one store), sorted."""
    with Store.for_workspace(site.workspace) as store:
        named = {o.household_id for o in store.list_overrides()}
    return sorted(set(site_township(site)) - named)


def test_the_household_page_lists_its_corrections_the_plan_did_not_apply(site: Site) -> None:
    """A supervisor who had just pinned a household to a worker (waiting for the next plan)
    opened its page and read only "overrides applied: none": no trace of the pin. The page
    now lists the household's standing corrections the month's plan did not apply, each with
    what it asks and what became of it (pending); a revoked one is not listed, and the data
    layer gives another township's supervisor none of them."""
    household = uncorrected(site)[-1]
    with Store.for_workspace(site.workspace) as store:
        pin = store.add_override(
            "pin", household, author="sup_town", reason="住得最近", worker_id=site.worker
        )
        gone = store.add_override("tier", household, author="sup_town", reason="误报", tier=2)
        store.revoke_override(gone.id, "sup_town", "撤回 / withdrawn")
    mine = access(site, "supervisor", "township", TOWNSHIP)
    listed = mine.overrides(MONTH, limit=None, household_id=household)
    assert sorted(listed["id"].to_list()) == sorted([pin.id, gone.id])
    other = access(site, "supervisor", "township", OTHER_TOWNSHIP)
    assert other.overrides(MONTH, limit=None, household_id=household).height == 0
    row = listed.filter(pl.col("id") == pin.id).row(0, named=True)
    assert row["outcome"] == "pending"
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "household", lang)
        at.text_input(key="household").input(household).run()
        check_clean(at)
        body = page_text(at)
        assert i18n.t("overrides_not_applied", lang) in body, lang
        expected = f"#{pin.id} {md(i18n.override_what(row, lang))} · "
        assert expected + md(i18n.override_outcome(row, lang)) in body, (lang, body)
        assert f"#{gone.id} " not in body  # revoked: no plan will apply it
    # a household without such a correction shows no such list
    at = go(sign_in("sup_town"), "household", "zh")
    at.text_input(key="household").input(uncorrected(site)[0]).run()
    assert i18n.t("overrides_not_applied", "zh") not in page_text(at)


def test_the_household_page_opens_the_corrections_form_with_the_household(site: Site) -> None:
    """Seeing a household's tier or visitor wrong, a supervisor had to open the menu, go to
    the corrections page and type the household's id again (on a phone too). The household
    page now links to the corrections page (?correct=), whose form comes with the household
    filled in, for the roles that correct; the link is a convenience only: a household of
    another township given so is refused by the data layer when submitted."""
    household = uncorrected(site)[0]
    for username in ("sup_town", "planner1", "scientist"):
        for lang in i18n.LANGS:
            at = go(sign_in(username), "household", lang)
            at.text_input(key="household").input(household).run()
            check_clean(at)
            links = [e.proto for e in at.get("page_link") if e.proto.page.endswith("corrections")]
            expected = [
                (
                    i18n.t("open_overrides", lang, h=household),
                    f"correct={household}&lang={lang}",
                )
            ]
            assert [(p.label, p.query_string) for p in links] == (
                expected if username != "scientist" else []
            ), (username, lang)
    # following the link: the form holds the household; submitted, it is recorded
    at = go(sign_in("sup_town", query={"correct": household}), "corrections")
    check_clean(at)
    assert at.text_input(key="correction_household").value == household
    at.text_area(key="correction_reason").input("入户核实 / checked at the door")
    at.selectbox(key="correction_tier").set_value(2)
    at = next(b for b in at.button if b.label == i18n.t("submit", "zh")).click().run()
    assert not at.error, [e.value for e in at.error]
    listing = at.dataframe[0].value
    assert household in listing[i18n.label("household_id", "zh")].tolist()
    # what the user then types stays: the page's next run does not fill the link's in again
    at.text_input(key="correction_household").input(site.household)
    at.text_area(key="correction_reason").input("")
    at = next(b for b in at.button if b.label == i18n.t("submit", "zh")).click().run()
    assert [e.value for e in at.error] == [i18n.t("reason_required", "zh")]
    assert at.text_input(key="correction_household").value == site.household
    # another township's household in the link: filled in, refused on submission
    at = go(sign_in("sup_town", query={"household": site.other_household}), "corrections")
    assert at.text_input(key="correction_household").value == site.other_household
    at = submit_correction(at, site.other_household, "not mine")
    refused(at, site.other_household, absent=(OTHER_TOWNSHIP,))


def test_the_form_empties_once_a_correction_is_recorded(site: Site) -> None:
    """The form kept every value after "纠正 #N 已记录", so a second Enter sent the same
    correction again: refused as conflicting with #N, the one just recorded, and the
    confirmation gone. Recorded, the form now empties (the kind kept) under the confirmation,
    and a second Enter asks for a household, recording nothing; refused, it keeps what was
    typed. Both languages."""
    household, _ = uncorrected(site)[:2]
    with Store.for_workspace(site.workspace) as store:
        before = len(store.list_overrides())
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "corrections", lang)
        at.selectbox(key="correction_kind").set_value("correction")
        at.text_input(key="correction_household").input(household)
        at.text_area(key="correction_reason").input("入户核实 / checked at the door")
        at.selectbox(key="correction_field").set_value("members")
        at.text_input(key="correction_value").input("12")
        at.text_input(key="correction_evidence").input("户口簿 / household register")
        submit = next(b for b in at.button if b.label == i18n.t("submit", lang))
        at = submit.click().run()
        check_clean(at)
        [said] = [s.value for s in at.success]
        number = int(re.search(r"#(\d+)", said)[1])  # type: ignore[index]
        assert said == i18n.t("submitted", lang, id=number)
        assert at.selectbox(key="correction_kind").value == "correction"
        assert [at.text_input(key=k).value for k in (
            "correction_household", "correction_worker", "correction_value",
            "correction_evidence")] == ["", "", "", ""]  # fmt: skip
        assert at.text_area(key="correction_reason").value == ""
        assert at.selectbox(key="correction_field").value is None
        assert at.date_input(key="correction_expires").value is None
        # emptied, a choice reads "—" as its empty option does, not "Choose an option"
        for key in ("correction_tier", "correction_field"):
            assert at.selectbox(key=key).proto.placeholder == "—"
        # Enter again: asked for a household, nothing recorded twice
        submit = next(b for b in at.button if b.label == i18n.t("submit", lang))
        at = submit.click().run()
        assert [e.value for e in at.error] == [i18n.t("household_required", lang)]
        assert not at.success
        # refused (another township's household): what was typed stays, to be fixed
        at.text_input(key="correction_household").input(site.other_household)
        at.text_area(key="correction_reason").input("not mine")
        at.selectbox(key="correction_field").set_value("members")
        at.text_input(key="correction_value").input("12")
        submit = next(b for b in at.button if b.label == i18n.t("submit", lang))
        at = submit.click().run()
        assert at.error and not at.success
        assert at.text_input(key="correction_household").value == site.other_household
        assert at.text_area(key="correction_reason").value == "not mine"
        # revoked, so that the next language's submission does not conflict with it
        with Store.for_workspace(site.workspace) as store:
            store.revoke_override(number, "sup_town", "测试 / test")
    with Store.for_workspace(site.workspace) as store:
        added = store.list_overrides()[before:]
    assert [(o.household_id, o.field, o.value) for o in added] == [
        (household, "members", "12")
    ] * len(i18n.LANGS)


def test_a_supervisor_revokes_a_correction_on_the_page_audited(site: Site) -> None:
    """The page offered no way to revoke a correction, though a conflicting one was refused
    with "to change it, revoke #N first (visit-planner overrides revoke N --reason ...)", a
    command a supervisor cannot run. The page now has a revoke form: the correction chosen
    among the standing ones of the jurisdiction, a reason required; the list above shows it
    revoked at once, the audit log has it under the supervisor's name. Both languages."""
    household = uncorrected(site)[0]
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "corrections", lang)
        at.selectbox(key="correction_kind").set_value("tier")
        at.text_input(key="correction_household").input(household)
        at.text_area(key="correction_reason").input("热线反映 / hotline")
        at.selectbox(key="correction_tier").set_value(1)
        at = next(b for b in at.button if b.label == i18n.t("submit", lang)).click().run()
        number = int(at.dataframe[0].value[i18n.label("id", lang)].max())
        # a second tier for the household (the form emptied once the first was recorded):
        # refused, naming where to revoke the first
        at.text_input(key="correction_household").input(household)
        at.text_area(key="correction_reason").input("热线反映 / hotline")
        at.selectbox(key="correction_tier").set_value(2)
        at = next(b for b in at.button if b.label == i18n.t("submit", lang)).click().run()
        said = " ".join(e.value for e in at.error)
        assert f"#{number}" in said and "visit-planner" not in said, said
        assert i18n.t("revoke_override", lang) in said, said
        assert i18n.t("revoke_override", lang) in [h.value for h in at.subheader]
        # the revoke box chooses nothing of its own accord (it kept the last choice, or showed
        # the first correction, and a planner revoked an older one than meant): asked to choose
        assert at.selectbox(key="revoke_id").value is None
        at = next(b for b in at.button if b.label == i18n.t("revoke", lang)).click().run()
        assert [e.value for e in at.error] == [i18n.t("revoke_choose_required", lang)]
        # revoked without a reason: asked for one, nothing changed
        at.selectbox(key="revoke_id").set_value(number)
        at = next(b for b in at.button if b.label == i18n.t("revoke", lang)).click().run()
        assert [e.value for e in at.error] == [i18n.t("revoke_reason_required", lang)]
        at.selectbox(key="revoke_id").set_value(number)
        at.text_input(key="revoke_reason").input("核实无误 / checked, no change")
        at = next(b for b in at.button if b.label == i18n.t("revoke", lang)).click().run()
        check_clean(at)
        assert [s.value for s in at.success] == [i18n.t("revoked", lang, id=number)]
        listing = at.dataframe[0].value
        row = listing[listing[i18n.label("id", lang)] == number].iloc[0]
        assert row[i18n.label("override_status", lang)] == i18n.t("status_revoked", lang)
        assert row[i18n.label("outcome", lang)] == i18n.t("outcome_revoked", lang)
        standing = [o for b in at.selectbox if b.key == "revoke_id" for o in b.options]
        assert not [o for o in standing if o.startswith(f"#{number} ")]  # no longer offered
        assert all(b.value is None for b in at.selectbox if b.key == "revoke_id")
        assert audit_actions(site, f"override {number}") == ["override.add", "override.revoke"]
    # a data scientist sees the list, but neither form
    at = go(sign_in("scientist"), "corrections")
    check_clean(at)
    assert i18n.t("revoke_override", "zh") not in [h.value for h in at.subheader]


def test_revoking_the_last_override_says_so_before_saying_none_is_left(site: Site) -> None:
    """After a supervisor revoked the last standing override of the jurisdiction, the page
    said 辖区内暂无可撤销的督导调整 (none left to revoke) above 已撤销督导调整 #N (revoked):
    the state before the deed. The outcome now comes first, then that none is left."""
    with Store.for_workspace(site.workspace) as store:
        named = {o.household_id for o in store.list_overrides()}
    run = access(site, "planner").current_run(MONTH)
    plan = pl.read_parquet(site.home / run.path / "plan.parquet")
    quiet = (  # a township no override names (the module's tests share one store)
        plan.group_by("township_id")
        .agg(pl.col("household_id").is_in(list(named)).any().alias("named"), "household_id")
        .filter(~pl.col("named") & ~pl.col("township_id").is_in([TOWNSHIP, OTHER_TOWNSHIP]))
        .sort("township_id")
        .row(0, named=True)
    )
    with Store.for_workspace(site.workspace) as store:
        store.add_user(
            "sup_quiet", "supervisor", scope_kind="township", scope_id=quiet["township_id"],
            password=PASSWORD, actor="tests",
        )  # fmt: skip
    for lang in i18n.LANGS:
        with Store.for_workspace(site.workspace) as store:
            number = store.add_override(
                "tier", quiet["household_id"][0], author="sup_quiet", reason="热线", tier=1
            ).id
        at = go(sign_in("sup_quiet"), "corrections", lang)
        at.selectbox(key="revoke_id").set_value(number)
        at.text_input(key="revoke_reason").input("核实无误 / checked")
        at = next(b for b in at.button if b.label == i18n.t("revoke", lang)).click().run()
        check_clean(at)
        said = [
            (e.type, e.value)
            for e in elements(at, "success", "info")
            if e.value in (i18n.t("revoked", lang, id=number), i18n.t("revoke_none", lang))
        ]
        assert said == [
            ("success", i18n.t("revoked", lang, id=number)),
            ("info", i18n.t("revoke_none", lang)),
        ], said


def test_why_a_correction_was_not_applied_reads_whole_on_a_phone_too(site: Site) -> None:
    """Why a correction was not applied was only in the table's outcome cell, cut with "…"
    past 230 px and whole only on hover (a phone has none), its column off a 390 px screen.
    Each correction not applied is now also listed under the table with the whole reason,
    places named, in the page's language."""
    household = uncorrected(site)[0]
    reason = (
        f"指定 {household}→{site.worker} (乡镇 {TOWNSHIP}) 已忽略: 网格员不承接一类户 / pin "
        f"{household}→{site.worker} (township {TOWNSHIP}) is ignored: a grid worker does not "
        "serve tier-1 households"
    )
    with Store.for_workspace(site.workspace) as store:
        number = store.add_override(
            "pin", household, author="sup_town", reason="同村 / same village", worker_id=site.worker
        ).id
        store.record_outcomes(store.current_run(MONTH).run_id, [(number, "not_applied", reason)])
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "corrections", lang)
        check_clean(at)
        text = "\n".join(str(m.value) for m in at.markdown)
        said = i18n.override_outcome({"outcome": "not_applied", "outcome_reason": reason}, lang)
        assert i18n.township(TOWNSHIP, lang) in said  # the place by name and code
        change = i18n.override_what({"kind": "pin", "worker_id": site.worker}, lang)
        assert f"- **#{number}** {household} · {md(change)}  \n  {md(said)}" in text, text
        assert re.search(re.escape(i18n.t("not_applied_why", lang, n=0)).replace("0", r"\d+"), text)
    with Store.for_workspace(site.workspace) as store:
        store.revoke_override(number, "sup_town", "test")


def test_the_corrections_beyond_the_tables_rows_are_counted_and_revocable(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data layer cut the list to its newest PAGE_ROWS and the page said nothing of the
    rest: once a jurisdiction had more (revoked ones stay listed for good), the older ones,
    standing pins too, vanished from the page and could not be revoked. The table now says
    how many of how many it shows, and every standing one is offered to revoke. (PAGE_ROWS
    set to 1 here.)"""
    first, second = uncorrected(site)[:2]
    with Store.for_workspace(site.workspace) as store:
        older = store.add_override("tier", first, author="sup_town", reason="早先", tier=1).id
        newer = store.add_override("tier", second, author="sup_town", reason="新近", tier=1).id
    listed = access(site, "supervisor", "township", TOWNSHIP).overrides(MONTH, limit=None)
    monkeypatch.setattr("dashboard.data.PAGE_ROWS", 1)
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "corrections", lang)
        check_clean(at)
        assert at.dataframe[0].value[i18n.label("id", lang)].tolist() == [newer]
        shown = i18n.t("rows_shown", lang, shown="1", total=f"{listed.height:,}")
        assert shown in [c.value for c in at.caption], [c.value for c in at.caption]
        offered = at.selectbox(key="revoke_id").options
        assert [o for o in offered if o.startswith(f"#{older} ")], offered
    with Store.for_workspace(site.workspace) as store:
        for number in (older, newer):
            store.revoke_override(number, "sup_town", "test")


def test_the_form_says_a_new_correction_is_checked_by_the_newest_month(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With last month chosen in the sidebar, the list shows that month's outcomes while a new
    correction is checked against the newest month's run (as ``overrides add``): the form
    says so, naming that month; with the newest month chosen it says nothing. (A later month
    is made to exist by the data layer's list of months only: the list must not ask the
    store for another month's run when the month shown has every household it names.)"""
    from dashboard.data import DataAccess

    at = go(sign_in("sup_town"), "corrections")
    check_clean(at)
    assert not [c for c in at.caption if "2026-12" in str(c.value)]
    monkeypatch.setattr(DataAccess, "months", lambda self: ["2026-12", MONTH])
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "corrections", lang)
        at.selectbox(key=auth.MONTH_KEY).set_value(MONTH).run()  # the sidebar's month
        check_clean(at)
        said = i18n.t("override_newest_month", lang, month="2026-12")
        assert said in [c.value for c in at.caption], [c.value for c in at.caption]


def test_a_corrections_evidence_is_in_the_details(site: Site) -> None:
    """The evidence a supervisor gives with a data correction was kept but shown nowhere on
    the page; the details expander now lists it, in both languages."""
    household = uncorrected(site)[0]
    members = int(access(site, "planner").household(MONTH, household)["record"]["members"])
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "corrections", lang)
        if lang == "zh":
            at.selectbox(key="correction_kind").set_value("correction")
            at.text_input(key="correction_household").input(household)
            at.text_area(key="correction_reason").input("入户核实 / checked at the door")
            at.selectbox(key="correction_field").set_value("members")
            at.text_input(key="correction_value").input(str(members + 1))
            at.text_input(key="correction_evidence").input("村委会证明")
            at = next(b for b in at.button if b.label == i18n.t("submit", lang)).click().run()
            assert not at.error, [e.value for e in at.error]
        details = at.expander[0].dataframe[0].value
        mine = details[details[i18n.label("household_id", lang)] == household]
        assert mine[i18n.label("evidence", lang)].tolist() == ["村委会证明"], lang


def metric_rows(at: AppTest) -> list[Any]:
    """The block holding each metric of the page's main area."""
    found = []

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", None) == "metric":
                found.append(node)
            walk(child)

    walk(at.main)
    return found


def test_every_pages_figures_wrap_instead_of_being_cut(site: Site) -> None:
    """The headline figures sat in st.columns, which cut them in a narrow window (``45…``,
    ``922 …``); every page's figures are now in a row that wraps (the browser test checks
    them whole at 800 px)."""
    at = sign_in("planner1")
    for page in PAGES:
        at = go_filled(at, page, site)
        check_clean(at)
        rows = metric_rows(at)
        assert rows or page == "corrections", page  # the corrections page has no figures
        for row in rows:
            flex = row.proto.flex_container
            assert flex.direction == flex.HORIZONTAL and flex.wrap, (page, row.proto)


def test_no_page_writes_its_own_source_notes(site: Site) -> None:
    """The corrections page opened with an English developer's note ("Pixels of the
    corrections table's text columns: ...") in both languages: a bare string after a
    constant, which Streamlit's magic writes onto the page. No page script has a bare
    string other than its module docstring, and the page shows none."""
    scripts = [APP, *sorted((APP.parent / "views").glob("*.py"))]
    for script in scripts:
        body = ast.parse(script.read_text(encoding="utf-8")).body
        bare = [
            node.lineno
            for node in body[1:]
            if isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ]
        assert bare == [], (script.name, bare)
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "corrections", lang)
        check_clean(at)
        assert not [m.value for m in at.markdown if "Pixels" in str(m.value)]


def test_data_scientist_reads_corrections_but_cannot_submit(site: Site) -> None:
    at = go(sign_in("scientist"), "corrections")
    check_clean(at)
    assert not at.main.get("form")  # the sidebar's is the account's own password form
    assert i18n.t("read_only", "zh") in " ".join(i.value for i in at.info)


# --------------------------------------------------------------------------- runs and model


def test_one_townships_gap_reads_the_same_in_the_caption_and_the_table(site: Site) -> None:
    # A township supervisor's overview said the plan is within 0.26% of the best possible plan
    # and, in the table below it, 0.3% for that one township: the same figure, two ways.
    for lang in i18n.LANGS:
        at = go(sign_in("sup_town"), "overview", lang)
        check_clean(at)
        caption = next(c.value for c in at.caption if c.value.startswith(
            i18n.t("proven_caption_yes", lang, gap="")[:12]))  # fmt: skip
        said = re.findall(r"\d+\.\d+%", caption)
        table = at.dataframe[-1].value
        assert said and list(table[i18n.label("gap", lang)]) == said, (caption, table)


def test_runs_diff_and_rollback_by_a_planner_is_audited(site: Site) -> None:
    at = go(sign_in("sup_town"), "runs")
    check_clean(at)
    assert len(at.dataframe[0].value) == 2
    assert i18n.t("rollback_button", "zh") not in [b.label for b in at.button]
    at = go(sign_in("planner1"), "runs")
    check_clean(at)
    assert i18n.t("diff_churn", "zh") in page_text(at)
    # Published at, in Beijing time (UTC+8) under a heading that says so, never UTC.
    with Store.for_workspace(site.workspace) as store:
        runs = store.list_runs()  # every run, as the page lists them
    published = set(at.dataframe[0].value["发布时间（北京时间）"])
    assert published == {f"{r.created_at + timedelta(hours=8):%Y-%m-%d %H:%M}" for r in runs}
    assert "UTC" not in page_text(at)
    at.text_input[0].input("v2 rolled back for the test")
    at = next(b for b in at.button if b.label == i18n.t("rollback_button", "zh")).click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[-1].value == i18n.t("rollback_done", "zh", month=MONTH, version=1)
    with Store.for_workspace(site.workspace) as store:
        current = store.current_run(MONTH)
        assert current is not None and current.version == 1
        entry = [e for e in store.audit_entries() if e.action.startswith("rollback")][-1]
        assert entry.actor == "planner1"


def test_switching_language_on_the_runs_page_logs_no_streamlit_warning(
    site: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The runs comparison's choices had a default index and, after a language switch, their
    value set again through the session state (keep_choices): Streamlit logged "The widget
    with key "diff_a" was created with a default value but also had its value set via the
    Session State API" with a stack trace into the server's log, which reads as a crash. The
    default pair now comes through the session state only; the choices stay as they were."""
    from streamlit.elements.lib import policies

    monkeypatch.setattr(policies, "_shown_default_value_warning", False)  # once a process
    at = go(sign_in("planner1"), "runs")
    check_clean(at)
    chosen = (at.selectbox(key="diff_a").value, at.selectbox(key="diff_b").value)
    assert chosen[0] != chosen[1]
    with caplog.at_level("WARNING"):
        at = go(at, "runs", "en")
        check_clean(at)
    assert not [r.getMessage() for r in caplog.records if "default value" in r.getMessage()]
    assert (at.selectbox(key="diff_a").value, at.selectbox(key="diff_b").value) == chosen


def test_model_page_shows_the_registry_champion(site: Site) -> None:
    at = go(sign_in("viewer1"), "model")
    check_clean(at)
    text = page_text(at)
    assert "UTC" not in text and "晋升时间 北京时间 20" in text  # when it was promoted
    versions = at.dataframe[-1].value
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", versions["登记时间（北京时间）"][0])
    # the rows of training data a count, with thousands separators as every count (the
    # registry keeps it as the text "3000", which the table showed as 3000 beside 1,186)
    rows = versions[i18n.label("n_rows", "zh")]
    assert rows.dtype.kind == "i" and rows[0] > 1_000, rows
    config = json.loads(at.dataframe[-1].proto.columns or "{}")
    assert config[i18n.label("n_rows", "zh")]["type_config"]["format"] == "localized"
    assert i18n.t("model_version", "zh", v=1) in text
    assert i18n.label("tier1_recall", "zh") in text
    assert len(at.dataframe[-1].value) == 1
    # calibration, errors across groups, drift flags and the model card
    for key in ("calibration", "fairness", "drift", "model_card"):
        assert i18n.t(key, "zh") in text, key
    assert i18n.t("drift_ok", "zh") in text or "显著漂移" in text
    groups = next(df.value for df in at.dataframe if "分组依据" in df.value.columns)
    assert {"户主民族", "户主性别", "县"} <= set(groups["分组依据"])
    assert "汉族" in set(groups["群体"]) and "女" in set(groups["群体"])
    # the calibration curve drawn from the logged bins, its axes in Chinese
    specs = [
        json.dumps(json.loads(e.proto.spec), ensure_ascii=False)
        for e in elements(at, "vega_lite_chart")
    ]
    assert any(i18n.t("calibration_x", "zh") in spec for spec in specs)
    # the recall by group as bars across, the groups' names upright on the side (under
    # upright bars they were written sideways, a quarter turn, even two of them at 1,366 px)
    recall = i18n.t("recall_axis", "zh")
    fairness = [json.loads(s) for s in specs if recall in s]
    assert len(fairness) == 3, len(fairness)  # county, ethnicity, gender
    for spec in fairness:
        y, x = spec["encoding"]["y"], spec["encoding"]["x"]
        assert y["type"] in ("nominal", "ordinal") and x["type"] == "quantitative", spec["encoding"]
        assert x["title"] == recall
    assert len({spec["height"] for spec in fairness}) == 1  # side by side, one height
    assert not any("data:image/png;base64," in m.value for m in at.markdown)
    # the candidates: the chosen one marked once, no "this model" column beside its twin
    compare = at.dataframe[0].value
    chosen = [c for c in compare.columns if i18n.t("chosen_mark", "zh") in c]
    assert len(chosen) == 1 and len(set(compare.columns)) == len(compare.columns)
    assert "本模型" not in compare.columns
    assert at.expander and "Model card" in at.expander[0].markdown[0].value


# --------------------------------------------------------------------------- places, name first

PLACE_CODE = re.compile(r"(?<![\w.])5326\d{2}(?:\d{3}){0,2}(?![\w.])")
"""A county (6 digits), township (9) or village (12) code of the prefecture, standing alone."""
NAME_THEN_CODE = re.compile(r"[^\s\d(（]+ \((5326\d{2}(?:\d{3}){0,2})\)")
"""The one form a place takes: its name (``开化街道 · 文山市``), then its code in brackets."""


def labels_shown(at: AppTest) -> list[str]:
    """Every text of the page: headings, messages, metrics, tables, the sidebar, the choices
    of its select boxes and the maps' tooltips and labels."""
    texts = [page_text(at)]
    texts += [str(e.value) for e in at.sidebar.caption]
    texts += [str(o) for box in at.selectbox for o in box.options]
    for chart in elements(at, "vega_lite_chart"):
        proto = chart.proto
        for blob in [d.data.data for d in proto.datasets] + [proto.data.data]:
            if blob:
                table = pa.ipc.open_stream(blob).read_all()
                texts += [str(v) for c in ("tip", "text") if c in table.column_names
                          for v in table.column(c).to_pylist()]  # fmt: skip
    return texts


def codes_not_name_first(texts: list[str]) -> list[str]:
    """The place codes in ``texts`` not written ``name (code)``, with their context."""
    wrong = []
    for text in texts:
        named = {m.start(1) for m in NAME_THEN_CODE.finditer(text)}
        wrong += [
            text[max(0, m.start() - 30) : m.end() + 5]
            for m in PLACE_CODE.finditer(text)
            if m.start() not in named
        ]
    return wrong


def test_every_place_is_named_first_then_its_code(site: Site) -> None:
    # Townships read "532601001（开化街道 · 文山市）" in the choices, tables and headings,
    # "莲城镇 (532627001)" on the map and "乡镇 township 532601001" in the messages: now every
    # county, township and village the pages show reads name first, then the code.
    seen = 0
    for lang in ("zh", "en"):
        at = sign_in("planner1")
        for page in PAGES:
            at = go_filled(at, page, site, lang)
            check_clean(at)
            texts = labels_shown(at)
            assert codes_not_name_first(texts) == [], (lang, page)
            seen += sum(len(NAME_THEN_CODE.findall(t)) for t in texts)
        # a scoped account: its jurisdiction in the sidebar, a township it may not see refused
        at = sign_in("sup_town", query={"township": OTHER_TOWNSHIP, "lang": lang})
        at = go(at, "township", lang)
        texts = labels_shown(at)
        assert any(f"({OTHER_TOWNSHIP})" in e.value for e in at.error)
        assert any(f"({TOWNSHIP})" in c.value for c in at.sidebar.caption)
        assert codes_not_name_first(texts) == [], lang
    assert seen > 50  # the walk read places: choices, tables, maps, headings
    assert codes_not_name_first(["乡镇 532601001（开化街道）", "开化街道 (532601001)"]) == [
        "乡镇 532601001（开化街道"
    ]


def test_the_sidebar_names_the_township_of_the_account_on_a_fresh_server(site: Site) -> None:
    # A fresh server knows no place names until a page has read the run: the sidebar's line,
    # drawn before the page, read "督导，乡镇 丘北县 (532626001)" (the county's name beside the
    # township's code) on the first sign-in. It is written after the page now.
    from dashboard.data import run_files
    from visit_planner.contracts.places import forget_places, place_name

    forget_places()  # as in a server just started: no name known, no run read
    run_files.reader.cache_clear()
    at = sign_in("sup_town")
    check_clean(at)
    name = place_name(TOWNSHIP, "zh")
    assert name  # the overview read the run, and with it the places
    (line,) = [c.value for c in at.sidebar.caption if "sup_town" in c.value]  # one line
    assert f"{name} · " in line and f"({TOWNSHIP})" in line, line


# --------------------------------------------------------------------------- plain parts


def test_township_what_if_compares_and_only_a_planner_publishes(site: Site) -> None:
    at = go(sign_in("sup_town"), "township")
    check_clean(at)
    busiest = at.selectbox(key="wf_worker").options[1]
    at.selectbox(key="wf_worker").select(busiest)
    at.number_input(key="wf_hours").set_value(0.0)
    run = next(b for b in at.button if b.label == i18n.t("whatif_run", "zh"))
    at = run.click().run()
    check_clean(at)
    table = at.dataframe[-1].value
    assert list(table.columns) == [
        i18n.t("whatif_figure", "zh"), i18n.t("whatif_before", "zh"), i18n.t("whatif_after", "zh")
    ]  # fmt: skip
    assert i18n.t("wf_households_moved", "zh") in table.iloc[:, 0].tolist()
    # "已覆盖户数 1315 → 1327": its figures with thousands separators, as every table's counts
    config = json.loads(at.dataframe[-1].proto.columns or "{}")
    for column in (i18n.t("whatif_before", "zh"), i18n.t("whatif_after", "zh")):
        assert config.get(column, {}).get("type_config", {}).get("format") == "localized", config
    assert i18n.t("whatif_publish", "zh") not in [b.label for b in at.button]  # supervisors
    with Store.for_workspace(site.workspace) as store:
        before = store.current_run(MONTH)
    at = go(sign_in("planner1"), "township")
    at.multiselect(key="wf_remove").select(at.multiselect(key="wf_remove").options[0])
    at = next(b for b in at.button if b.label == i18n.t("whatif_run", "zh")).click().run()
    check_clean(at)
    publish = next(b for b in at.button if b.label == i18n.t("whatif_publish", "zh"))
    at = publish.click().run()
    assert not at.error, [e.value for e in at.error]
    with Store.for_workspace(site.workspace) as store:
        after = store.current_run(MONTH)
    assert before is not None and after is not None
    assert after.kind == "amend" and after.version > before.version  # the next number
    assert after.parent_run_id == before.run_id


def test_the_what_if_offers_every_worker_of_the_township(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The what-if's workers (hours to change, who leaves) were the worker-loads table's first
    page: at scale 1 a township has 450-1,100 workers and only the 200 busiest could be
    chosen. With the page cut to 5 rows here, the table shows 5 and the what-if offers every
    worker of the township, the busiest first as in the table."""
    monkeypatch.setattr(township_data, "PAGE_ROWS", 5)
    at = go(sign_in("sup_town"), "township")
    check_clean(at)
    staff = access(site, "planner").workers_of(MONTH, TOWNSHIP)
    assert staff.height > 5
    loads = at.dataframe[-1].value
    assert len(loads) == 5
    offered = at.selectbox(key="wf_worker").options[1:]  # after "no change"
    leaving = at.multiselect(key="wf_remove").options
    assert len(offered) == len(leaving) == staff.height
    shown = loads[i18n.label("worker_id", "zh")].tolist()
    assert [o.split(" · ")[0] for o in offered[:5]] == shown


def test_a_worker_added_in_a_what_if_serves_the_village_or_grid_chosen(site: Site) -> None:
    """A village official or grid worker added in the what-if had no village or grid (the
    form did not ask), so it served no household and the what-if showed no effect of it. The
    form now asks for the new worker's village or grid: without one such a worker is refused
    with a message; with a grid, the new grid worker takes households of that grid."""
    at = go(sign_in("sup_town"), "township")
    check_clean(at)
    area = at.selectbox(key="wf_add_area")
    grids = [o for o in area.options if "G" in o]
    assert grids, area.options
    run = i18n.t("whatif_run", "zh")
    at.selectbox(key="wf_add_role").set_value("grid_worker")
    at = next(b for b in at.button if b.label == run).click().run()
    assert [e.value for e in at.error] == [i18n.t("whatif_area_grid_worker", "zh")]
    # a grid: the new worker serves households of it (WHATIF001 in the re-solved plan)
    grid = access(site, "planner").areas(MONTH, TOWNSHIP)["grid_id"].drop_nulls()[0]
    at.selectbox(key="wf_add_role").set_value("grid_worker")
    at.selectbox(key="wf_add_area").set_value(grid)
    at.number_input(key="wf_add").set_value(40.0)
    at = next(b for b in at.button if b.label == run).click().run()
    check_clean(at)
    _, result = at.session_state["whatif_result"]
    plan = result.solved.result.plan
    served = plan.filter(pl.col("worker_id") == "WHATIF001")
    assert served.height > 0
    grid_of = dict(result.inputs.households.select("household_id", "grid_id").iter_rows())
    assert {grid_of[h] for h in served["household_id"].to_list()} == {grid}


def test_pick_keeps_each_sentence_of_a_bilingual_text_in_one_language() -> None:
    text = (
        "方案覆盖 445/745 户一类户(未能证明) / the plan covers 445 of the 745 tier-1 "
        "households; at most 12 more (not proven; 基层干部 cadre); 需增加 37 名基层干部才能覆盖 "
        "/ 37 more cadres would cover them"
    )
    assert (
        i18n.pick(text, "zh") == "方案覆盖 445/745 户一类户(未能证明)；需增加 37 名基层干部才能覆盖"
    )
    english = i18n.pick(text, "en")
    assert english.endswith("; 37 more cadres would cover them") and "需增加" not in english
    assert i18n.pick("只有中文", "en") == "只有中文" and i18n.pick("甲 / A", "en") == "A"


def test_every_column_has_both_labels_and_unknown_ones_fail() -> None:
    for name, (zh, en, _) in i18n.COLUMNS.items():
        assert zh and en and re.search(r"[\u4e00-\u9fff]", zh), name
    import polars as pl

    with pytest.raises(KeyError):
        i18n.table(pl.DataFrame({"no_such_column": [1]}), ["no_such_column"], "zh")


def test_dashboard_command_serves_on_loopback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from visit_planner.cli import dashboard as command

    seen: dict[str, object] = {}
    monkeypatch.setattr(
        command.os, "execve", lambda path, args, env: seen.update(args=args, env=env)
    )
    command.dashboard(home=tmp_path, store_url="sqlite:////x/store.db", port=8642)
    args = list(seen["args"])  # type: ignore[call-overload]
    assert args[1:4] == ["-m", "streamlit", "run"] and args[4].endswith("dashboard/app.py")
    flags = dict(zip(args[5::2], args[6::2], strict=True))
    assert flags == {
        "--server.address": "127.0.0.1",
        "--server.port": "8642",
        "--server.headless": "true",
        "--browser.gatherUsageStats": "false",
        "--client.toolbarMode": "minimal",
    }
    env = seen["env"]
    assert env["VISIT_PLANNER_HOME"] == str(tmp_path.resolve())  # type: ignore[index]
    assert env["VISIT_PLANNER_STORE_URL"] == "sqlite:////x/store.db"  # type: ignore[index]
    # Streamlit's English start-up lines would only repeat the bilingual address line.
    assert env["STREAMLIT_LOGGER_HIDE_WELCOME_MESSAGE"] == "true"  # type: ignore[index]
    assert env["STREAMLIT_LOGGER_LEVEL"] == "warning"  # type: ignore[index]


def test_dashboard_address_is_configurable_and_warns_off_loopback(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    cli: Callable[..., Any],
    no_exec: dict[str, Any],
) -> None:
    from visit_planner.cli import dashboard as command

    seen = no_exec

    def flags() -> dict[str, str]:
        return streamlit_flags(seen)

    code, _, err = cli("dashboard", "--home", str(tmp_path), "--port", "8643")
    assert code == 0 and flags()["--server.address"] == "127.0.0.1"
    assert "注意" not in err and "Warning" not in err

    # a port of the test's own: a dashboard already serving on 8501 here would be refused
    code, _, err = cli(
        "dashboard", "--home", str(tmp_path), "--address", "0.0.0.0", "--port", "8643"
    )
    assert code == 0 and flags()["--server.address"] == "0.0.0.0"
    assert seen["env"]["STREAMLIT_SERVER_ADDRESS"] == "0.0.0.0"  # type: ignore[index]
    text = " ".join(err.split())
    assert "对网络开放" in text and "open to the network" in text and "0.0.0.0:8643" in text

    monkeypatch.setenv(command.ADDRESS_ENV, "192.168.1.20")
    code, _, err = cli("dashboard", "--home", str(tmp_path), "--port", "8643")
    assert code == 0 and flags()["--server.address"] == "192.168.1.20"
    assert "open to the network" in " ".join(err.split())

    monkeypatch.setenv(command.ADDRESS_ENV, "::1")  # loopback in IPv6: no warning
    code, _, err = cli("dashboard", "--home", str(tmp_path), "--port", "8643")
    assert code == 0 and flags()["--server.address"] == "::1" and "Warning" not in err

    seen.clear()
    code, _, err = cli("dashboard", "--home", str(tmp_path), "--address", "my-laptop")
    assert code != 0 and not seen
    assert "--address" in err and "not an IP address" in flat(err) and "Traceback" not in err


def test_a_column_of_sentences_is_narrowed_and_short_text_is_not() -> None:
    frame = pl.DataFrame(
        {
            "编号": [1, 2],
            "理由": ["入户核实：家中有重病老人，需提高类别，并请村干部每周回访一次", None],
            "Reason": ["short", "a reason of a few words, as a supervisor writes it in full"],
            "乡镇": ["开化街道 · 文山市 (532601001)", None],
        }
    )
    assert auth.sentence_columns(frame) == ["理由", "Reason"]
    assert auth.text_px("开化街道 (532601001)") == 4 * 14 + 12 * 7


def test_a_tables_first_column_stays_on_screen_when_scrolled_sideways() -> None:
    """On a phone (390 px) a table shows about 4 of its 9 columns and scrolled sideways no
    longer said whose row each was: the first column is pinned, unless it is sentences."""
    frame = pl.DataFrame(
        {
            "乡镇 township": ["开化街道 (532601001)"],
            "户数 households": [1327],
            "理由": ["入户核实：家中有重病老人，需提高类别，并请村干部每周回访一次"],
        }
    )
    config = auth.table_columns(frame)
    assert config["乡镇 township"]["pinned"] is True
    assert config["户数 households"]["pinned"] is None  # the others scroll
    assert config["户数 households"]["type_config"]["format"] == "localized"
    assert config["理由"]["width"] == auth.SENTENCE_WIDTH
    by_count = auth.table_columns(frame.select("户数 households", "理由"))
    assert by_count["户数 households"]["pinned"] is True  # a count first: pinned, localized
    sentences_first = auth.table_columns(frame.select("理由", "户数 households"))
    assert sentences_first["理由"]["pinned"] is None  # it would fill a phone's screen


def test_a_long_township_name_takes_a_second_line_rather_than_lose_its_code() -> None:
    """At 1,366 px the township column is 210 px: "Kaihua Subdistrict · Wenshan (5326" was
    cut, its code lost (whole only on hover); the rows of such a table are two lines now, and
    a table whose names fit (the Chinese one) keeps Streamlit's rows of one line."""
    widths = {"乡镇": auth.TOWNSHIP_WIDTH, "Township": auth.TOWNSHIP_WIDTH}
    zh = pl.DataFrame({"乡镇": ["开化街道 · 文山市 (532601001)", None], "户数": [1620, 1]})
    en = pl.DataFrame({"Township": ["Kaihua Subdistrict · Wenshan (532601001)"], "n": [1]})
    assert auth.row_height(zh, widths, "乡镇") is None
    assert auth.row_height(en, widths, "Township") == auth.TWO_LINE_ROW > 64  # 4 rem: wraps
    assert auth.row_height(en, widths, None) is None  # no column asked to be read whole
    assert auth.row_height(en, {}, "Township") is None  # nor one of its own width
    # as many rows on screen as Streamlit's rows of one line (10): 8 townships, no scroll
    assert auth.table_height(8, auth.TWO_LINE_ROW) == 8 * 66 + 38
    assert auth.table_height(200, auth.TWO_LINE_ROW) == 10 * 66 + 38
    assert auth.table_height(200, None) == "auto"


def test_the_overviews_township_table_is_two_lines_in_english_only(site: Site) -> None:
    at = sign_in("planner1")
    check_clean(at)
    table = at.dataframe[-1]
    assert i18n.label("township_id", "zh") in table.value.columns
    assert table.proto.row_height == 0  # Streamlit's default: one line
    at.session_state[auth.LANG_KEY] = "en"
    at.run()
    check_clean(at)
    table = at.dataframe[-1]
    names = table.value[i18n.label("township_id", "en")].tolist()
    assert any(auth.text_px(n) > auth.TOWNSHIP_WIDTH for n in names), names
    assert table.proto.row_height == auth.TWO_LINE_ROW

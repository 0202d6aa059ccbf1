"""The runs, township and overview pages after actions: what a rollback may go back to, the
page redrawn from the new current run after a rollback or a published amendment, the diff's
default pair, and a jurisdiction with no households in the month's plan."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import i18n
from tests.dashboard.helpers import MONTH, PASSWORD, Site
from tests.dashboard.test_app import check_clean, go, page_text, sign_in
from visit_planner.store import Store


def plan_again(site: Site) -> None:
    """Publish one more full run of MONTH (the next version)."""
    from visit_planner.plan_job import run_plan
    from visit_planner.plan_steps import PlanRequest

    run_plan(
        PlanRequest(month=MONTH, data=site.data, home=site.home, processes=1, actor="planner1")
    )


def versions(at: AppTest, key: str) -> list[int]:
    """The versions a run select box offers, in order (labels ``2026-11 v2 · ...``)."""
    box = at.selectbox(key=key)
    return [int(label.split(" · ")[0].split(" v")[1]) for label in box.options]


def roll_back(at: AppTest, reason: str = "test rollback") -> AppTest:
    at.text_input[0].input(reason)
    return next(b for b in at.button if b.label == i18n.t("rollback_button", "zh")).click().run()


def test_rollback_offers_only_runs_earlier_than_the_current_one(site: Site) -> None:
    plan_again(site)  # v1 superseded, v2 superseded, v3 current
    at = go(sign_in("planner1"), "runs")
    check_clean(at)
    assert versions(at, "rollback_to") == [2, 1]  # newest first, never the current
    at = roll_back(at)  # to the default: v2
    assert not at.exception and not at.error, [e.value for e in at.error]
    with Store.for_workspace(site.workspace) as store:
        current = store.current_run(MONTH)
    assert current is not None and current.version == 2
    # The same page, redrawn from the new current run, with the message kept.
    check_clean(at)
    assert [s.value for s in at.success][-1] == i18n.t(
        "rollback_done", "zh", month=MONTH, version=2
    )
    assert versions(at, "rollback_to") == [1]  # not v3, rolled back and later than v2
    statuses = dict(zip(at.dataframe[0].value["版本"], at.dataframe[0].value["状态"], strict=True))
    assert statuses[2] == i18n.run_status("current", "zh")
    assert statuses[3] == i18n.run_status("rolled_back", "zh")
    at = go(sign_in("planner1"), "runs")
    check_clean(at)
    assert versions(at, "rollback_to") == [1]
    at = roll_back(at)
    assert not at.error, [e.value for e in at.error]
    at = go(sign_in("planner1"), "runs")
    assert i18n.t("rollback_none", "zh") in page_text(at)
    assert i18n.t("rollback_button", "zh") not in [b.label for b in at.button]


def test_a_what_if_that_adds_a_worker_is_not_offered_for_publishing(site: Site) -> None:
    """The added worker is a placeholder (WHATIF001) at the area's centre: published, its
    visit list would go to nobody. The planner sees why there is no Publish button."""
    at = go(sign_in("planner1"), "township")
    at.selectbox(key="wf_add_role").select("cadre")
    at = next(b for b in at.button if b.label == i18n.t("whatif_run", "zh")).click().run()
    check_clean(at)
    assert i18n.t("whatif_result", "zh") in page_text(at)
    assert i18n.t("whatif_publish", "zh") not in [b.label for b in at.button]
    assert i18n.t("whatif_added_not_published", "zh") in [c.value for c in at.caption]


def test_publishing_an_amendment_redraws_the_township_page(site: Site) -> None:
    at = go(sign_in("planner1"), "township")
    township = at.selectbox(key="township").value
    at.multiselect(key="wf_remove").select(at.multiselect(key="wf_remove").options[0])
    at = next(b for b in at.button if b.label == i18n.t("whatif_run", "zh")).click().run()
    check_clean(at)
    publish = next(b for b in at.button if b.label == i18n.t("whatif_publish", "zh"))
    at = publish.click().run()
    check_clean(at)
    with Store.for_workspace(site.workspace) as store:
        after = store.current_run(MONTH)
    assert after is not None and after.kind == "amend"
    assert [s.value for s in at.success][-1] == i18n.t(
        "whatif_published", "zh", run=after.run_id[:12], v=after.version
    )
    # No stale what-if (nor its Publish button); the figures are the new run's.
    assert i18n.t("whatif_publish", "zh") not in [b.label for b in at.button]
    assert i18n.t("whatif_result", "zh") not in page_text(at)
    fresh = go(sign_in("planner1"), "township")
    assert fresh.selectbox(key="township").value == township
    shown = {m.label: m.value for m in at.metric}
    assert shown == {m.label: m.value for m in fresh.metric}


def test_diff_defaults_to_the_current_run_and_the_one_it_replaced(site: Site) -> None:
    # After the tests above: v1 superseded, v2 and v3 rolled back, v4 (the amendment) current.
    at = go(sign_in("planner1"), "runs")
    check_clean(at)
    with Store.for_workspace(site.workspace) as store:
        version = {r.run_id: (r.version, r.status) for r in store.list_runs()}
    assert version[at.selectbox(key="diff_b").value] == (4, "current")
    assert version[at.selectbox(key="diff_a").value] == (1, "superseded")  # not rolled back
    # one churn format, two decimals, in the list and in the diff's headline
    churn = i18n.label("churn_tier_unchanged", "zh")
    listed = [c for c in at.dataframe[0].value[churn] if isinstance(c, str)]
    assert listed and all(re.fullmatch(r"\d+\.\d\d%", c) for c in listed), listed
    headline = next(m.value for m in at.metric if m.label == churn)
    assert re.fullmatch(r"\d+\.\d\d%", headline), headline
    # One figure, one name: the headline, the runs list and the comparison's table said
    # 换人（类别未变的农户中）, 换人率（类别未变） and 换人率 for it.
    assert churn == "换人率（类别未变）" and churn in at.dataframe[1].value.columns


def test_a_scoped_runs_list_says_its_churn_is_the_prefectures(site: Site) -> None:
    at = go(sign_in("sup_town"), "runs")
    check_clean(at)
    assert i18n.label("churn_tier_unchanged", "zh") not in at.dataframe[0].value.columns
    assert i18n.t("runs_churn_scoped", "zh") in page_text(at)
    assert any(m.label == i18n.t("diff_churn", "zh") for m in at.metric)  # the scoped one


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_jurisdiction_without_households_gets_one_notice_and_no_figures(
    site: Site, lang: str
) -> None:
    with Store.for_workspace(site.workspace) as store:
        if not any(u.username == "sup_empty" for u in store.list_users()):
            store.add_user(
                "sup_empty", "supervisor", scope_kind="township", scope_id="532601099",
                password=PASSWORD, actor="tests",
            )  # fmt: skip
    for page in ("overview", "township"):
        at = go(sign_in("sup_empty"), page, lang)
        check_clean(at)
        assert [x.value for x in at.title] == [i18n.t(f"page_{page}", lang)]
        # the jurisdiction in the page's language, name first (was "乡镇 township 532601099")
        scope = {"zh": "乡镇 文山市 (532601099)", "en": "township Wenshan (532601099)"}[lang]
        notice = i18n.t("jurisdiction_empty", lang, scope=scope)  # type: ignore[arg-type]
        assert [x.value for x in at.info] == [notice]
        assert not at.metric and not at.dataframe and not at.success and not at.warning


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_single_run_says_there_is_nothing_to_compare_yet(
    site: Site, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one run published (a new workspace's first month) the comparison said "Choose two
    different runs." with no run box to choose from; it now says that there is nothing to
    compare it with until the next run."""
    from dashboard.data.runs import RunQueries

    every = RunQueries.runs
    monkeypatch.setattr(RunQueries, "runs", lambda self: every(self)[:1])
    at = go(sign_in("planner1"), "runs", lang)
    check_clean(at)
    assert len(at.dataframe[0].value) == 1
    infos = [x.value for x in at.info]
    assert i18n.t("diff_one_run", lang) in infos  # type: ignore[arg-type]
    assert i18n.t("diff_same", lang) not in infos  # type: ignore[arg-type]
    assert not [b for b in at.selectbox if b.key in ("diff_a", "diff_b")]

"""The runs, township and overview pages after actions: what a rollback may go back to, the
page redrawn from the new current run after a rollback or a published amendment, the diff's
default pair, and a jurisdiction with no households in the month's plan."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard import i18n
from tests.dashboard.helpers import MONTH, Site
from tests.dashboard.test_app import check_clean, go, page_text, sign_in
from visit_planner.store import Store


def plan_again(site: Site) -> None:
    """Publish one more full run of MONTH (the next version)."""
    from visit_planner.plan_job import PlanRequest, run_plan

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
    at = go(sign_in("planner1"), "runs")
    check_clean(at)
    assert versions(at, "rollback_to") == [1]  # not v3, rolled back and later than v2
    at = roll_back(at)
    assert not at.error, [e.value for e in at.error]
    at = go(sign_in("planner1"), "runs")
    assert i18n.t("rollback_none", "zh") in page_text(at)
    assert i18n.t("rollback_button", "zh") not in [b.label for b in at.button]

"""The dashboard in a real browser: ``visit-planner dashboard`` served on 127.0.0.1, driven by
Playwright with Debian's Chromium (``/usr/bin/chromium``; never ``playwright install``).

Signs in as a township supervisor, opens a household of their township (reasons and visitor on
the page) and one of another township (refused), checks that a wrong password is refused and
audited, that the map draws, that the choices follow the language switch and long texts stay
readable at 1,400 px, that at 1,366 px the main tables (every account's corrections too) fit
without a sideways scroll and the demand chart's legend is whole (on a 390 px phone too), that
the township map, the demand chart and the household's probabilities have a name a screen
reader reads (their marks none) and no heading adds a "Link to heading" tab stop, and that no
request leaves 127.0.0.1; saves a screenshot of every page in Chinese and in English to
``tests/dashboard/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import polars as pl
import pytest

from dashboard import charts, i18n
from dashboard.data import DataAccess, Viewer
from tests.dashboard.helpers import (
    COUNTY,
    MONTH,
    OTHER_TOWNSHIP,
    SCREENSHOTS,
    TIMEOUT_MS,
    TOWNSHIP,
    Site,
    audit_actions,
    charts_drawn,
    enter,
    fill_sign_in,
    heading,
    idle,
    open_page,
    publish_amendment,
    sign_in,
    switch_language,
)
from visit_planner.store import Store

PAGES = ("overview", "township", "household", "worker", "corrections", "runs", "model")


@pytest.fixture(scope="module")
def requests_made() -> list[str]:
    """Every URL the browser asked for during this module."""
    return []


@pytest.fixture
def page(browser: object, requests_made: list[str]) -> Iterator[object]:
    """A fresh browser context (no session) recording its requests."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    context.on("request", lambda request: requests_made.append(request.url))
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    yield tab
    context.close()


def laptop_page(browser: object, requests_made: list[str]) -> tuple[Any, Any]:
    """A fresh context at the 1,366 px laptop size (:data:`LAPTOP`), recording its requests,
    and its page: (context, page); the caller closes the context."""
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[attr-defined]
    context.on("request", lambda request: requests_made.append(request.url))
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    return context, tab


def screenshot(page: object, name: str) -> Path:
    """The whole page (the window grown to the main area's height) into SCREENSHOTS."""
    SCREENSHOTS.mkdir(exist_ok=True)
    height = page.evaluate(  # type: ignore[attr-defined]
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
    )
    page.set_viewport_size({"width": 1400, "height": max(1000, int(height) + 40)})  # type: ignore[attr-defined]
    idle(page)
    # A chart (maps too) draws after the run has ended: wait for every chart's canvas, then
    # its drawing, so that no screenshot shows an empty box.
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
            .every(e => e.querySelector('canvas, svg.marks'))"""
    )
    charts_drawn(page)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    return path


def only_loopback(requests_made: list[str]) -> None:
    """No request of the browser went anywhere but 127.0.0.1."""
    outside = sorted(
        {u for u in requests_made if urlsplit(u).scheme in ("http", "https", "ws", "wss")}
        - {u for u in requests_made if urlsplit(u).hostname == "127.0.0.1"}
    )
    assert requests_made and not outside, outside


# --------------------------------------------------------------------------- tests


def under_heading(scope: Any, title: str, testid: str) -> Any:
    """The first Streamlit element ``testid`` (``stDataFrame``, ``stVegaLiteChart``) after
    the ``h3`` heading that reads ``title``, in ``scope`` (a page or its main area)."""
    return scope.locator(
        f"xpath=//h3[contains(., '{title}')]/following::*[@data-testid='{testid}'][1]"
    )


def in_each_language(page: Any, name: str) -> Iterator[i18n.Lang]:
    """Open page ``name`` in each language in turn, Chinese first and then switched, and
    yield the language once it is open."""
    for lang in i18n.LANGS:
        if lang != "zh":
            switch_language(page, lang)
        open_page(page, name, lang)
        yield lang


def test_a_wrong_password_is_refused_and_audited(
    page: object, server: str, site: Site, requests_made: list[str]
) -> None:
    before = audit_actions(site, "sup_county")
    sign_in(page, server, "sup_county", "wrong-password-here")
    page.get_by_text(i18n.t("login_refused", "zh")).wait_for()  # type: ignore[attr-defined]
    assert page.get_by_test_id("stSidebarNav").count() == 0  # type: ignore[attr-defined]
    assert audit_actions(site, "sup_county") == [*before, "login.failed"]
    only_loopback(requests_made)


def test_supervisor_sees_reasons_and_visitor_of_own_household_only(
    page: object, server: str, site: Site, requests_made: list[str]
) -> None:
    sign_in(page, server, "sup_town")
    heading(page, i18n.t("page_overview", "zh"))
    assert audit_actions(site, "sup_town")[-1] == "login"
    open_page(page, "household", "zh")
    enter(page, i18n.t("household_id_input", "zh"), site.household)
    page.get_by_text(i18n.t("reasons_caption", "zh")).wait_for()  # type: ignore[attr-defined]
    # The reasons draw before the visitor's section below them: wait for the run to end (a
    # full CI run once read the page in between).
    idle(page)
    viewer = Viewer("sup_town", "supervisor", "township", TOWNSHIP)
    expected = DataAccess(site.workspace, viewer).household(MONTH, site.household)
    body = page.inner_text("body")  # type: ignore[attr-defined]
    reasons = expected["score"]["reasons"]
    assert reasons and all(i18n.reason_line(r, "zh") in body for r in reasons)
    assert site.worker in body and expected["explanation"]["worker_id"] == site.worker
    # a household of another township: refused, nothing of it shown
    enter(page, i18n.t("household_id_input", "zh"), site.other_household)
    page.get_by_text("您的辖区内没有农户").wait_for()  # type: ignore[attr-defined]
    idle(page)  # the run has ended: the previous household's elements are gone, not stale
    body = page.inner_text("body")  # type: ignore[attr-defined]
    # refused as an id that does not exist would be: nothing says where the household is
    assert site.other_household in body and OTHER_TOWNSHIP not in body
    assert i18n.t("reasons", "zh") not in body
    assert "Traceback" not in body
    only_loopback(requests_made)


def test_the_overviews_own_address_opens_it_when_signed_in(
    page: object, server: str, requests_made: list[str]
) -> None:
    """The sign-in form answers at every page's address, /overview too (a bookmark of it, a
    shared link); opened while signed in, that address showed Streamlit's English dialog
    "Page not found ... Running the app's main page." over the overview. It now opens the
    overview, in the link's language, without the dialog."""
    sign_in(page, server, "sup_town")
    heading(page, i18n.t("page_overview", "zh"))
    page.goto(f"{server}/overview?lang=en")  # type: ignore[attr-defined]
    heading(page, i18n.t("page_overview", "en"))
    idle(page)
    body = page.inner_text("body")  # type: ignore[attr-defined]
    assert "Page not found" not in body and "does not seem to exist" not in body
    assert i18n.t("households", "en") in body  # the overview's figures, not just its title
    assert urlsplit(page.url).path == "/"  # type: ignore[attr-defined]
    only_loopback(requests_made)


def test_the_township_map_draws_without_a_base_map(
    page: object, server: str, requests_made: list[str]
) -> None:
    from PIL import Image

    sign_in(page, server, "sup_town")
    open_page(page, "township", "zh")
    heading(page, i18n.t("township_map", "zh"))
    chart = under_heading(page, i18n.t("township_map", "zh"), "stVegaLiteChart")
    chart.locator("canvas, svg.marks").first.wait_for()
    chart.scroll_into_view_if_needed()
    charts_drawn(page)
    pixels = np.asarray(Image.open(io.BytesIO(chart.screenshot())).convert("RGB"), dtype=int)

    def near(rgb: tuple[int, int, int]) -> int:
        return int((np.abs(pixels - np.array(rgb)).sum(axis=2) < 60).sum())

    assert near((33, 195, 84)) > 30, "no tier-3 households drawn"  # green dots
    assert near((28, 131, 225)) > 10, "no worker bases drawn"  # blue dots
    # A screen reader hears the map by its name in the page's language (it was 'Vega
    # visualization', then one item per dot read out as its coordinates and colours) ...
    name = chart.get_attribute("aria-label")
    assert name.startswith(i18n.t("township_map", "zh")) and "（无底图，离线）：标出" in name
    assert i18n.tier(1, "zh") in name and i18n.t("legend_bases", "zh") in name
    assert chart.locator("[role='graphics-symbol']").count() == 0
    # ... and no heading of the page adds an English 'Link to heading' tab stop: a keyboard
    # user tabbed through one before every section
    assert page.locator("main a[aria-label='Link to heading']").count() == 0  # type: ignore[attr-defined]
    assert page.locator("main h3").count() >= 4  # type: ignore[attr-defined]
    only_loopback(requests_made)


def test_an_uncovered_household_opens_its_page_from_the_township_list(
    browser: object, server: str, site: Site, requests_made: list[str]
) -> None:
    """A supervisor's first question: which households no one visits, and why. The township
    page listed them by id only, and each id had to be typed into the household page. A row
    ticked now opens that household's page (why its tier, why no one visits it, who could),
    on a 1,366 px laptop, in the page's language; going back shows the township again. A
    row of the worker loads opens that worker's page the same way."""
    data = DataAccess(site.workspace, Viewer("sup_town", "supervisor", "township", TOWNSHIP))
    info = data.township(MONTH, TOWNSHIP)
    uncovered = info["uncovered"]["household_id"].to_list()
    assert uncovered, "the site's township has no uncovered household to open"
    context, page = laptop_page(browser, requests_made)
    page.goto(f"{server}/township?township={TOWNSHIP}&lang=en")
    fill_sign_in(page, "sup_town", lang="en")
    heading(page, i18n.t("page_township", "en"))
    page.get_by_text(i18n.t("uncovered_pick", "en")).wait_for()
    grid = under_heading(page, i18n.t("uncovered_households", "en"), "stDataFrame")
    grid.scroll_into_view_if_needed()
    idle(page)
    box = grid.bounding_box()
    assert box is not None
    row = min(1, len(uncovered) - 1)  # the second row where there is one: not just the first
    page.mouse.click(box["x"] + 15, box["y"] + 35 * (row + 1) + 17)  # the row's tick box
    heading(page, i18n.t("page_household", "en"))
    idle(page)
    shown = page.get_by_label(i18n.t("household_id_input", "en"), exact=True).input_value()
    assert shown == uncovered[row]
    page.get_by_text(i18n.t("unassigned_why", "en")).first.wait_for()  # why no one visits it
    assert urlsplit(page.url).path == "/household"
    page.go_back()
    heading(page, i18n.t("page_township", "en"))
    idle(page)
    assert urlsplit(page.url).path == "/township"  # not sent on to the household again
    # the worker loads likewise open a worker's page: the busiest worker, first in the list
    grid = under_heading(page, i18n.t("worker_loads", "en"), "stDataFrame")
    grid.scroll_into_view_if_needed()
    idle(page)
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)
    heading(page, i18n.t("page_worker", "en"))
    idle(page)
    worker = page.get_by_label(i18n.t("worker_id_label", "en"), exact=True).input_value()
    assert worker == info["loads"]["worker_id"][0]
    heading(page, i18n.t("worker_households", "en"))
    context.close()
    only_loopback(requests_made)


def test_every_page_in_chinese_and_english(
    page: object, server: str, site: Site, requests_made: list[str]
) -> None:
    page.goto(server)  # type: ignore[attr-defined]
    page.get_by_label(i18n.t("password", "zh"), exact=True).wait_for()  # type: ignore[attr-defined]
    assert page.get_by_test_id("stSidebarNav").count() == 0  # type: ignore[attr-defined]
    screenshot(page, "0-login-zh")
    sign_in(page, server, "planner1")
    for lang in i18n.LANGS:
        if lang != "zh":
            switch_language(page, lang)
        for name in PAGES:
            open_page(page, name, lang)
            if name == "household":
                enter(page, i18n.t("household_id_input", lang), site.household)
                page.get_by_text(i18n.t("reasons_caption", lang)).wait_for()  # type: ignore[attr-defined]
            elif name == "worker":
                enter(page, i18n.t("worker_id_label", lang), site.worker)
                heading(page, i18n.t("worker_households", lang))
                # the printable sheet, exported from the run on request, under a name in the
                # page's language (it was visit-list-….html on the Chinese page too)
                button = page.get_by_role("button", name=i18n.t("sheet_button", lang))  # type: ignore[attr-defined]
                # A click during a rerun can land on a button about to be replaced (seen
                # once in CI under load): click only once the run has ended, and give the
                # sheet, built on the server when asked for, time on a busy machine.
                button.wait_for()
                idle(page)
                with page.expect_download(timeout=90_000) as download:  # type: ignore[attr-defined]
                    button.click()
                sheet = Path(download.value.path()).read_text("utf-8")
                assert f"走访清单 Visit list {MONTH} {site.worker}" in sheet
                assert site.household in sheet and "<script" not in sheet
                sheet_name = i18n.t("sheet_file", lang, month=MONTH, worker=site.worker)
                assert download.value.suggested_filename == f"{sheet_name}.html"
            body = page.inner_text("body")  # type: ignore[attr-defined]
            assert "Traceback" not in body and "Error" not in body.split("\n")[0]
            screenshot(page, f"{PAGES.index(name) + 1}-{name}-{lang}")
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()  # type: ignore[attr-defined]
    page.get_by_label(i18n.t("password", "en"), exact=True).wait_for()  # type: ignore[attr-defined]
    idle(page)
    screenshot(page, "0-login-en")
    assert len(list(SCREENSHOTS.glob("*.png"))) >= 2 * (len(PAGES) + 1)
    only_loopback(requests_made)


def test_choices_follow_the_language_and_long_texts_stay_readable(
    page: object, server: str, site: Site, requests_made: list[str]
) -> None:
    """After the switch to English the choices read in English and keep what was chosen (the
    browser used to go on showing the Chinese label); the what-if's lines and the multiselect's
    placeholder read in the page's language; villages are named; at 1,400 px the household's
    reasons are whole and the corrections' outcome columns are on screen."""
    planner = DataAccess(site.workspace, Viewer("planner1", "planner", "prefecture", None))
    chosen = planner.townships(MONTH)[1]
    with Store.for_workspace(site.workspace) as store:  # a correction to list
        store.add_override(
            "tier", site.other_household, author="planner1", reason="浏览器测试", tier=2
        )
    sign_in(page, server, "planner1")
    main = page.get_by_test_id("stMain")  # type: ignore[attr-defined]
    open_page(page, "township", "zh")
    main.get_by_label(i18n.t("choose_township", "zh")).first.click()
    page.get_by_role("option", name=i18n.township(chosen, "zh")).click()  # type: ignore[attr-defined]
    idle(page)
    main.get_by_placeholder(i18n.t("choose_options", "zh"), exact=True).wait_for()
    main.get_by_role("button", name=i18n.t("whatif_run", "zh")).click()
    none_zh = i18n.t("whatif_changes", "zh", changes=i18n.t("wf_change_none", "zh"))
    main.get_by_text(none_zh).wait_for(timeout=120_000)
    idle(page)

    switch_language(page, "en")
    heading(page, i18n.t("page_township", "en"))
    none_en = i18n.t("whatif_changes", "en", changes=i18n.t("wf_change_none", "en"))
    main.get_by_text(none_en).wait_for()
    # the chosen township kept, and named in English (a choice shows in its input's value)
    assert main.get_by_label(i18n.t("choose_township", "en")).input_value() == i18n.township(
        chosen, "en"
    )
    for label, value in (
        ("whatif_worker", "whatif_tier_none"),
        ("whatif_add_role", "whatif_add_none"),
        ("whatif_tier", "whatif_tier_none"),
    ):
        assert main.get_by_label(i18n.t(label, "en")).input_value() == i18n.t(value, "en")
    main.get_by_placeholder(i18n.t("choose_options", "en"), exact=True).wait_for()

    # the worker's households by village name and code
    open_page(page, "worker", "en")
    enter(page, i18n.t("worker_id_label", "en"), site.worker)
    heading(page, i18n.t("worker_households", "en"))
    village = i18n.place(planner.worker(MONTH, site.worker)["households"]["village_id"][0], "en")
    assert "(" in village  # the site's places have names
    grid = main.get_by_test_id("stDataFrame").last
    grid.scroll_into_view_if_needed()
    idle(page)
    assert village in grid.locator("td").all_inner_texts()

    # the reasons a worker was not chosen, whole (they were cut off in English)
    run = planner.current_run(MONTH)
    plan = pl.read_parquet(site.workspace.root / run.path / "plan.parquet")
    ids = plan.filter(pl.col("township_id") == TOWNSHIP).sort("household_id")["household_id"]
    household, alts = next(
        (h, a)
        for h in ids.head(40)
        if (a := planner.household(MONTH, h)["alternatives"]).height > 0
    )
    open_page(page, "household", "en")
    enter(page, i18n.t("household_id_input", "en"), household)
    text = alternatives_text(page, "en")
    unassigned = planner.household(MONTH, household)["explanation"].get("worker_id") is None
    why = [i18n.why_not(r, "en", unassigned=unassigned) for r in alts.iter_rows(named=True)]
    assert all(w in text for w in why), text

    # the corrections' outcome beside what each asks for, on screen at 1,400 px
    open_page(page, "corrections", "en")
    grid = main.get_by_test_id("stDataFrame").first  # the list (the expander's table follows)
    grid.scroll_into_view_if_needed()
    idle(page)
    headers = grid.locator("th").all_inner_texts()  # the grid's columns on screen
    for column in ("household_id", "change", "outcome", "reason", "override_status"):
        assert i18n.label(column, "en") in headers, headers
    screenshot(page, "8-choices-corrections-en")
    only_loopback(requests_made)


LAPTOP: dict[str, int] = {"width": 1366, "height": 768}
"""A supervisor's laptop: the main tables must be readable at this size."""

WIDE_TABLES: dict[str, tuple[tuple[str, ...], bool]] = {
    "overview": (("township_id", "households", "unassigned_tier1", "workers",
                  "utilisation_cadre", "utilisation_village_official",
                  "utilisation_grid_worker", "status", "gap"), True),
    "township": (("worker_id", "role", "active", "households", "hours_used", "monthly_hours",
                  "utilisation_hours", "kept_previous_households", "up_cover_households"), True),
    "worker": (("household_id", "tier", "village_id", "travel_minutes", "hours_per_month",
                "kept_previous", "up_cover", "last_visit_days"), True),
    "runs": (("month", "version", "run_id", "run_kind", "run_status", "published_at",
              "created_by", "model_version", "tier1_uncovered", "churn_tier_unchanged"), True),
    # who, when and until when in an expander below the list
    "corrections": (("id", "household_id", "township_id", "change", "outcome", "reason",
                     "override_status"), True),
    "model": (("version", "aliases", "promoted_at", "gate", "registered_at", "n_rows",
               "tier1_recall", "macro_f1", "ece"), True),
}  # fmt: skip
"""Per page, the columns of its widest table that must be on screen at 1,366 px, and whether
the whole table fits (no sideways scroll)."""


def test_the_main_tables_are_readable_on_a_1366_px_laptop(
    browser: object, server: str, site: Site, requests_made: list[str]
) -> None:
    """At 1,366 x 768 the overview's townships table lost its last three columns in English
    (1,097 px of columns in 904), the corrections' township and dates, the runs' churn and the
    model versions' calibration error, behind a sideways scroll that showed nothing of itself.
    Now every main table's key columns are on screen, inside the window, in both languages."""
    with Store.for_workspace(site.workspace) as store:  # a correction to list
        store.add_override(
            "tier", site.county_household, author="planner1", reason="笔记本", tier=1
        )
    context, page = laptop_page(browser, requests_made)
    sign_in(page, server, "planner1")
    main = page.get_by_test_id("stMain")
    for lang in i18n.LANGS:
        if lang != "zh":
            switch_language(page, lang)
        for name, (columns, whole) in WIDE_TABLES.items():
            open_page(page, name, lang)
            if name == "worker":
                enter(page, i18n.t("worker_id_label", lang), site.worker)
                heading(page, i18n.t("worker_households", lang))
            wanted = [i18n.label(c, lang) for c in columns]
            # the page's tables, not one in an expander (the corrections' details, closed)
            grids = main.locator(
                "[data-testid='stDataFrame']"
                ":not([data-testid='stExpander'] [data-testid='stDataFrame'])"
            )
            found = None
            for _ in range(3):  # on a loaded machine a table may draw after the run: again
                grids.first.wait_for()
                for i in range(grids.count()):
                    grid = grids.nth(i)
                    grid.scroll_into_view_if_needed()
                    idle(page)
                    headers = grid.locator("th").all_inner_texts()  # the columns drawn
                    if wanted[0] in headers and wanted[1] in headers:
                        found = grid, headers
                if found is not None:
                    break
            assert found is not None, (name, lang)
            grid, headers = found
            assert [c for c in wanted if c not in headers] == [], (name, lang, headers)
            box = grid.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"]
            overflow = grid.evaluate(
                "e => { const s = e.querySelector('.dvn-scroller');"
                " return s ? s.scrollWidth - s.clientWidth : 0 }"
            )
            assert not whole or overflow <= 1, (name, lang, overflow)
            page.screenshot(path=str(SCREENSHOTS / f"laptop-{name}-{lang}.png"))
    context.close()
    only_loopback(requests_made)


def fits_whole(page: object, grid: Any, columns: list[str], lang: i18n.Lang) -> None:
    """The table ``grid`` shows ``columns`` (their headings, in order) without a sideways
    scroll (its scroller's scrollWidth within its clientWidth), inside a LAPTOP window."""
    grid.scroll_into_view_if_needed()
    idle(page)
    headers = grid.locator("th").all_inner_texts()
    assert headers == [i18n.label(c, lang) for c in columns], (lang, headers)
    width = grid.evaluate(
        "e => { const s = e.querySelector('.dvn-scroller'); return [s.scrollWidth, s.clientWidth] }"
    )
    assert width[0] <= width[1], (headers, width)
    box = grid.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"]


def test_the_corrections_fit_a_1366_px_laptop_for_every_account(
    browser: object, server: str, site: Site, requests_made: list[str]
) -> None:
    """At 1,366 x 768 the corrections' list scrolled sideways for a prefecture's and a
    county's account (1,386-1,524 px of columns in 1,076: status, who, when and until when off
    screen). Now a county's and a township's list fit too (the prefecture's is in WIDE_TABLES)
    - the kind and the change in one cell, the outcome with why not in one, the text columns
    at set widths - and who submitted each correction, when and until when are in the
    expander below it, which fits as well."""
    planner = DataAccess(site.workspace, Viewer("planner1", "planner", "prefecture", None))
    plan = pl.read_parquet(site.workspace.root / planner.current_run(MONTH).path / "plan.parquet")
    county = plan.filter(pl.col("township_id").str.starts_with(COUNTY)).sort("household_id")
    with Store.for_workspace(site.workspace) as store:  # long cells, in both languages
        store.add_override(
            "correction", county["household_id"][1], author="sup_county",
            reason="热线诉求登记有误：村委会核实后更正为 3 次，原登记把重复来电算作新诉求",
            field="hotline_requests_12m", value="3",
        )  # fmt: skip
        store.add_override(
            "tier", county["household_id"][2], author="sup_county", tier=2,
            reason="The family moved back from Guangdong in October; the head works locally now",
        )  # fmt: skip
        store.add_override(
            "tier", site.household, author="sup_town", tier=1,
            reason="入户核实：家中有重病老人，需提高类别，并请村干部每周回访一次",
        )  # fmt: skip
    for username, where in (("sup_county", ["township_id"]), ("sup_town", [])):
        context, page = laptop_page(browser, requests_made)
        sign_in(page, server, username)
        main = page.get_by_test_id("stMain")
        for lang in in_each_language(page, "corrections"):
            shown = ["id", "household_id", *where, "change", "outcome", "reason",
                     "override_status"]  # fmt: skip
            fits_whole(page, main.get_by_test_id("stDataFrame").first, shown, lang)
            # who submitted each, when and until when: in the expander below, opened
            expander = main.get_by_test_id("stExpander")
            details = expander.get_by_test_id("stDataFrame")
            if not details.is_visible():
                expander.get_by_text(i18n.t("override_details", lang)).click()
                idle(page)
            fits_whole(
                page, details, ["id", "household_id", "author", "created_at", "expires_on"], lang
            )
            page.screenshot(path=str(SCREENSHOTS / f"laptop-corrections-{username}-{lang}.png"))
        context.close()
    only_loopback(requests_made)


LEGEND_TEXTS = """e => {
  const svg = e.querySelector('svg.marks'), box = svg.getBoundingClientRect();
  const read = sel => [...svg.querySelectorAll(sel)].map(t => {
    const r = t.getBoundingClientRect();
    return [t.textContent, r.left >= box.left - 1 && r.right <= box.right + 1];
  });
  return {legend: read('.role-legend-label text'), axis: read('.role-axis-label text')};
}"""
"""A Vega chart's legend and axis labels as drawn (its SVG): each text, and whether it lies
inside the chart (to a pixel: the axis's last figure, flush with its end, may pass it by half
of one). Vega writes a label cut at its width limit with "…"."""


PHONE: dict[str, int] = {"width": 390, "height": 844}
"""A supervisor's phone in a village."""


def township_supervisor_on_a_phone(
    browser: Any, server: str, requests_made: list[str]
) -> tuple[Any, Any]:
    """A phone's browser context (every request it makes recorded in ``requests_made``) and
    its page, signed in as the township supervisor and on the overview."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.on("request", lambda request: requests_made.append(request.url))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, server, "sup_town")
    heading(page, i18n.t("page_overview", "zh"))
    return context, page


def demand_legend_is_whole(page: Any, lang: i18n.Lang, name: str) -> None:
    """The township page's demand chart (open in ``lang``): every legend label and every role
    on its axis whole and inside the chart; a screenshot of it saved as ``name``."""
    main = page.get_by_test_id("stMain")
    chart = under_heading(main, i18n.t("demand_capacity", lang), "stVegaLiteChart")
    chart.locator("svg.marks .role-legend-label text").first.wait_for()
    chart.scroll_into_view_if_needed()
    drawn = chart.evaluate(LEGEND_TEXTS)
    expected = [i18n.t(k, lang) for k in ("demand_hours", "available_hours", "used_hours")]
    assert drawn["legend"] == [[text, True] for text in expected], (lang, drawn)
    roles = [i18n.role(r, lang) for r in ("cadre", "village_official", "grid_worker")]
    drawn_roles = [a[0] for a in drawn["axis"] if a[0] in roles]
    assert drawn_roles and drawn_roles == [r for r in roles if r in drawn_roles], drawn
    assert not [a for a in drawn["axis"] if "…" in a[0] or not a[1]], (lang, drawn)
    # A screen reader hears the chart by its title and every role's hours, in the page's
    # language; it heard 'Vega visualization', then Vega's English for each axis and bar.
    said = chart.get_attribute("aria-label")
    assert said.startswith(i18n.t("demand_capacity", lang)), (lang, said)
    assert all(f"{role} {expected[0]} " in said for role in drawn_roles), (lang, said)
    assert chart.locator("[role='graphics-symbol']").count() == 0, lang
    chart.screenshot(path=str(SCREENSHOTS / f"{name}-{lang}.png"))


def test_the_demand_charts_legend_is_whole(
    browser: object, server: str, requests_made: list[str]
) -> None:
    """The township page's demand chart (st.bar_chart) cut its legend's longest label at 1,366
    px: 需求工时（含未覆盖农… / hours needed incl. uncov…. Now every label is whole and
    inside the chart, in both languages, as are the roles on its axis."""
    context, page = laptop_page(browser, requests_made)
    sign_in(page, server, "sup_county")
    for lang in in_each_language(page, "township"):
        demand_legend_is_whole(page, lang, "laptop-demand")
    context.close()
    only_loopback(requests_made)


def test_the_demand_charts_legend_is_whole_on_a_phone(
    browser: object, server: str, requests_made: list[str]
) -> None:
    """On a phone (390 x 844) the demand chart's legend ran on in one line past the chart's
    edge: '需求工时（含未覆盖农户） 可用工时' and the third, 已用工时 / hours used, out of
    sight. It is one entry a line now, every label whole, in both languages."""
    context, page = township_supervisor_on_a_phone(browser, server, requests_made)
    for lang in i18n.LANGS:  # the menu is folded away on a phone: the page's address
        page.goto(f"{server}/township?lang={lang}")
        heading(page, i18n.t("demand_capacity", lang))
        idle(page)
        demand_legend_is_whole(page, lang, "phone-demand")
    folded_menu_is_out_of_the_tab_order(page)
    context.close()
    only_loopback(requests_made)


FOCUSED = """() => {const e = document.activeElement;
    return {testid: e.getAttribute('data-testid'), label: e.innerText || e.ariaLabel,
            inSidebar: !!e.closest('[data-testid="stSidebar"]')}}"""
"""Where the keyboard's focus is: the element's test id and words, and whether it is in the
sidebar."""


def folded_menu_is_out_of_the_tab_order(page: Any) -> None:
    """On a phone the sidebar is folded away; Tab went through its menu links, language,
    sign-out and month (eleven stops) out of sight before the page's first box. Now Tab
    goes from 'skip to main content' to the button that opens the menu, then the page; once
    opened with the keyboard, the menu's links are reached."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    stops = []
    for _ in range(4):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
    assert not [s for s in stops if s["inSidebar"]], stops
    assert "stExpandSidebarButton" in [s["testid"] for s in stops], stops
    page.get_by_test_id("stExpandSidebarButton").focus()
    page.keyboard.press("Enter")
    nav = page.get_by_test_id("stSidebarNavLink").first
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('[data-testid=\"stSidebar\"]'))"
        ".visibility === 'visible'"
    )
    nav.focus()
    assert page.evaluate(FOCUSED)["inSidebar"]


def alternatives_text(page: Any, lang: i18n.Lang) -> str:
    """The household page's ranked alternatives (open in ``lang``), the folded ones unfolded:
    their text, once every item is checked to read in a few whole lines (at most 6, the
    worker's id on one line) inside the page's width."""
    main = page.get_by_test_id("stMain")
    main.get_by_text(i18n.t("alternatives_caption", lang)).wait_for()
    # (no re.escape: Playwright hands the pattern to the browser, whose RegExp reads an
    # escaped space as no match; the label has no other special character)
    folded = i18n.t("alternatives_more", lang, n=0).replace("0", r"\d+")
    more = main.locator("[data-testid='stExpander'] summary").filter(
        has_text=re.compile(rf"{folded}\s*$")
    )
    if more.count():
        more.first.click()
        idle(page)
    items = main.locator("xpath=//h3[contains(., '" + i18n.t("alternatives", lang) + "')]"
                         "/following::ol[1]/li | //details//ol/li")  # fmt: skip
    assert items.count() > 0
    right = main.evaluate("e => e.getBoundingClientRect().right")
    for i in range(items.count()):
        shape = items.nth(i).evaluate(
            """e => ({lines: e.getBoundingClientRect().height
                        / parseFloat(getComputedStyle(e).lineHeight),
                     right: e.getBoundingClientRect().right,
                     id: e.querySelector('strong').getClientRects().length})"""
        )
        assert shape["lines"] <= 6.5 and shape["id"] == 1, (lang, i, shape)
        assert shape["right"] <= right + 1, (lang, i, shape, right)
    return str(main.inner_text())


def page_links_are_whole(page: Any, lang: i18n.Lang, expected: int) -> None:
    """At least ``expected`` page links in the main area (``st.page_link``), each label whole:
    none wider than its box, which ends inside the page (Streamlit keeps a link's label on
    one line and cuts it at the window's edge without a mark)."""
    shapes = page.get_by_test_id("stMain").evaluate(
        """main => [...main.querySelectorAll("[data-testid='stPageLink-NavLink']")].map(a => {
            const label = a.lastElementChild;
            return {text: a.innerText, scroll: label.scrollWidth, width: label.clientWidth,
                    right: label.getBoundingClientRect().right,
                    edge: main.getBoundingClientRect().right}; })"""
    )
    assert len(shapes) >= expected, (lang, shapes)
    cut = [s for s in shapes if s["scroll"] > s["width"] + 1 or s["right"] > s["edge"] + 1]
    assert cut == [], (lang, cut)


def page_link_reads(page: Any, label: str) -> None:
    """The main area's page link (``st.page_link``) named ``label`` shows that label: its
    text element, scrolled into view, reads ``label``, has a size, and is what the screen
    shows at its centre (not covered, not transparent)."""
    link = page.get_by_test_id("stMain").get_by_role("link", name=label, exact=True)
    link.scroll_into_view_if_needed()
    seen = link.evaluate(
        """a => { const p = a.querySelector("[data-testid='stMarkdownContainer']");
            const r = p.getBoundingClientRect(), style = getComputedStyle(p);
            const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return {text: p.innerText, width: r.width, height: r.height, onTop: p.contains(top),
                    opacity: style.opacity, visibility: style.visibility}; }"""
    )
    assert seen["text"] == label and seen["width"] > 0 and seen["height"] > 0, seen
    assert seen["onTop"] and seen["opacity"] == "1" and seen["visibility"] == "visible", seen


def test_the_household_page_reads_on_a_phone(
    browser: object, server: str, site: Site, requests_made: list[str]
) -> None:
    """On a phone (390 x 844) the household page's ranked alternatives were a six-column table
    whose cells broke one character a line (村 / 组 / 干 / 部, the reasons a word a line):
    unreadable. Each alternative is now an item of a numbered list, a few whole lines inside
    the screen, in both languages; the page's links read whole (the correction's was cut at
    the screen's edge); the page scrolls no sideways. Screenshots
    ``phone-household-<lang>.png``."""
    planner = DataAccess(site.workspace, Viewer("planner1", "planner", "prefecture", None))
    ids = (
        pl.read_parquet(site.workspace.root / planner.current_run(MONTH).path / "plan.parquet")
        .filter(pl.col("township_id") == TOWNSHIP)
        .sort("household_id")["household_id"]
    )
    household, alts = next(
        (h, a)
        for h in ids.head(80)
        if (a := planner.household(MONTH, h)["alternatives"]).height > 6
    )
    unassigned = planner.household(MONTH, household)["explanation"].get("worker_id") is None
    context, page = township_supervisor_on_a_phone(browser, server, requests_made)
    for lang in i18n.LANGS:  # the menu is folded away on a phone: the page's address
        page.goto(f"{server}/household?lang={lang}&household={household}")
        heading(page, i18n.t("alternatives", lang))
        idle(page)
        text = alternatives_text(page, lang)
        # the model's probabilities, which the page shows only as bars, are the chart's name
        # a screen reader says ('Vega visualization' before, then Vega's English per bar)
        score = planner.household(MONTH, household)["score"]
        said = page.get_by_test_id("stVegaLiteChart").first.get_attribute("aria-label")
        assert said == charts.spoken(
            i18n.t("probabilities", lang),
            [f"{i18n.tier(k, lang)} {100 * score[f'p_tier{k}']:.1f}%" for k in (1, 2, 3)],
            lang,
        ), said
        for alt in alts.iter_rows(named=True):
            assert i18n.why_not(alt, lang, unassigned=unassigned) in text, alt["worker_id"]
        # its links, to the visitor's page and to correct it, read whole: the second was cut
        # at the screen's edge ('纠正农户 H0000123（类别、指定或禁止人员、数')
        page_links_are_whole(page, lang, expected=2)
        # the link to add an override, reported as an empty pill in a screenshot, reads
        page_link_reads(page, i18n.t("open_overrides", lang, h=household))
        assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth + 1")
        page.screenshot(path=str(SCREENSHOTS / f"phone-household-{lang}.png"), full_page=True)
    context.close()
    only_loopback(requests_made)


def test_the_household_pages_link_opens_its_correction_on_a_phone(
    browser: object, server: str, site: Site, requests_made: list[str]
) -> None:
    """A supervisor on a phone, seeing a household's tier or visitor wrong, follows the
    household page's link "为农户 H… 提交督导调整" and lands on the overrides form with the
    household filled in (AppTest cannot see it: Streamlit drops the household page's own
    ?household= on leaving that page, so the link carries ?correct=), submits, and revokes it
    on the same page; the page scrolls no sideways. Both languages. Screenshots
    ``phone-corrections-<lang>.png``."""
    with Store.for_workspace(site.workspace) as store:
        named = {o.household_id for o in store.list_overrides()}
    planner = DataAccess(site.workspace, Viewer("planner1", "planner", "prefecture", None))
    ids = (
        pl.read_parquet(site.workspace.root / planner.current_run(MONTH).path / "plan.parquet")
        .filter(pl.col("township_id") == TOWNSHIP)
        .sort("household_id")["household_id"]
    )
    household = next(h for h in ids if h not in named)
    context, page = township_supervisor_on_a_phone(browser, server, requests_made)
    for lang in i18n.LANGS:
        page.goto(f"{server}/household?lang={lang}&household={household}")
        heading(page, i18n.t("alternatives", lang))
        idle(page)
        label = i18n.t("open_overrides", lang, h=household)
        page.get_by_role("link", name=re.compile(re.escape(label))).click()
        heading(page, i18n.t("new_override", lang))
        idle(page)
        box = page.get_by_label(i18n.label("household_id", lang), exact=True)
        assert box.input_value() == household, (lang, page.url)
        page.get_by_label(i18n.t("reason", lang), exact=True).fill("入户核实 / at the door")
        page.get_by_label(i18n.t("tier_input", lang), exact=True).click()
        page.get_by_role("option", name=i18n.tier(2, lang)).click()
        page.get_by_role("button", name=i18n.t("submit", lang), exact=True).click()
        idle(page)
        with Store.for_workspace(site.workspace) as store:
            number = max(o.id for o in store.list_overrides() if o.household_id == household)
        page.get_by_text(i18n.t("submitted", lang, id=number)).wait_for()
        which = page.get_by_label(i18n.t("revoke_which", lang), exact=True)
        which.click()
        which.press("ArrowDown")  # a tap focuses the box on a phone; the list opens so
        page.get_by_role("option", name=re.compile(f"^#{number} ")).click()
        page.get_by_label(i18n.t("revoke_reason_input", lang), exact=True).fill("录入有误")
        page.get_by_role("button", name=i18n.t("revoke", lang), exact=True).click()
        idle(page)
        page.get_by_text(i18n.t("revoked", lang, id=number)).wait_for()
        assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth + 1")
        page.screenshot(path=str(SCREENSHOTS / f"phone-corrections-{lang}.png"))
        with Store.for_workspace(site.workspace) as store:
            assert store.get_override(number).revoked_by == "sup_town"
    context.close()
    only_loopback(requests_made)


DIFF_COLUMNS: tuple[str, ...] = (
    "township_id", "changed_of_tier_unchanged", "churn_tier_unchanged",
    "changed_of_tier_changed", "uncovered_tier1_change", "travel_hours_change",
)  # fmt: skip
"""The runs page's diff table: a township's row of ``visit-planner runs diff``."""


NARROW: dict[str, int] = {"width": 800, "height": 900}
"""A narrow window: half a wide screen, or a small laptop's browser beside another window."""


def test_the_headline_figures_are_whole_in_a_narrow_window(
    browser: object, server: str, site: Site, requests_made: list[str]
) -> None:
    """In an 800 px window the pages' headline figures sat in fixed columns and were cut: the
    model page's six metrics read ``45…  44…  0.…``, the runs comparison's travel ``922 …``,
    the household's tier ``tier 2 (m…``. They now wrap onto the next line instead: every
    figure and its label whole, in both languages."""
    context = browser.new_context(viewport=NARROW)  # type: ignore[attr-defined]
    context.on("request", lambda request: requests_made.append(request.url))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, server, "planner1")
    main = page.get_by_test_id("stMain")
    for lang in i18n.LANGS:
        if lang != "zh":
            switch_language(page, lang)
        for name in ("overview", "township", "household", "runs", "model"):
            open_page(page, name, lang)
            if name == "household":
                enter(page, i18n.t("household_id_input", lang), site.household)
                heading(page, i18n.t("assignment", lang))
            figures = main.locator("[data-testid='stMetricValue'], [data-testid='stMetricLabel']")
            figures.first.wait_for()
            idle(page)
            cut = [
                figures.nth(i).inner_text()
                for i in range(figures.count())
                if figures.nth(i).evaluate(
                    "e => [e, ...e.querySelectorAll('*')]"
                    ".some(c => c.scrollWidth > c.clientWidth + 1)"
                )
            ]
            assert cut == [], (name, lang, cut)
            page.screenshot(path=str(SCREENSHOTS / f"narrow-{name}-{lang}.png"), full_page=True)
    context.close()
    only_loopback(requests_made)


def test_the_runs_diff_fits_a_1366_px_laptop(
    browser: object, server: str, site: Site, requests_made: list[str]
) -> None:
    """At 1,366 x 768 the runs page's table of what changed between two runs scrolled sideways
    (1,279 px of columns in 1,076 in Chinese, 1,345 in English: the travel before and after
    off screen). Now the pairs of figures are one cell each, as ``runs diff`` prints them
    (``6 / 1,604``, ``8 → 12``), and the table fits whole in both languages. (Last in the
    module: it publishes an amendment of another township, which the other tests do not
    look at.)"""
    planner = DataAccess(site.workspace, Viewer("planner1", "planner", "prefecture", None))
    plan = pl.read_parquet(site.workspace.root / planner.current_run(MONTH).path / "plan.parquet")
    moved = plan.filter(
        (pl.col("township_id") == OTHER_TOWNSHIP) & pl.col("worker_id").is_not_null()
    ).sort("household_id")
    with Store.for_workspace(site.workspace) as store:  # a household that must change worker
        store.add_override(
            "forbid", moved["household_id"][0], author="planner1", reason="回避 (recusal)",
            worker_id=moved["worker_id"][0],
        )  # fmt: skip
    publish_amendment(site, OTHER_TOWNSHIP)
    context, page = laptop_page(browser, requests_made)
    sign_in(page, server, "planner1")
    main = page.get_by_test_id("stMain")
    for lang in in_each_language(page, "runs"):
        grid = under_heading(main, i18n.t("diff", lang), "stDataFrame")
        fits_whole(page, grid, list(DIFF_COLUMNS), lang)
        cells = grid.locator("td").all_inner_texts()
        assert i18n.township(OTHER_TOWNSHIP, lang) in cells, (lang, cells)
        assert any(" / " in c for c in cells) and any(" → " in c for c in cells), cells
        page.screenshot(path=str(SCREENSHOTS / f"laptop-runs-diff-{lang}.png"))
    context.close()
    only_loopback(requests_made)

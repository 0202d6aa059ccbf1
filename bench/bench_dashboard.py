"""Benchmark of the dashboard in a real browser on a published ``--scale 1`` month.

Usage::

    .venv/bin/python bench/bench_dashboard.py --scale 1
    .venv/bin/python bench/bench_dashboard.py --scale 0.1 --account township

The workspace is prepared once and kept under ``bench/.cache/dashboard_scale<S>_seed<N>``
(``--work`` to choose another place): the month 2026-11 generated, a model trained and
promoted, and the month planned and published into the workspace's store - each step the CLI
a planner runs (:func:`bench_plan.cli`), skipped when its result is already there. Then
``visit-planner dashboard`` is started on a free port of 127.0.0.1 and driven by Playwright
with Debian's Chromium (the flags of the browser test), signed in as a planner of the whole
prefecture, or (``--account county`` / ``township``) as a supervisor of the county or the
township of the township closest to 10 k households: what a scoped account waits for, whose
pages should read its own townships only. Measured, wall clock in the browser until the
page's own element is on screen and Streamlit's run has ended: the app's run state
(``data-test-script-state``) as :func:`tests.dashboard.helpers.idle` watches it, up to the
moment the run ended (the quiet it then waits, 300 ms, is not counted; when it sees no run,
up to the moment it began to wait). Until 2026-12-07 (commit f24d684) ``idle`` waited a
fixed 300 ms, counted in every figure, and did not wait for a run still going after it, so
figures of the two ways differ step by step. Timed:

* first paint of every page (target < 3 s): the first visit of each page in a fresh server,
  so every page reads its data cold;
* interactions (target < 1 s): choose another township (not for a township's account, which
  has one), search a household, switch the language;
* one what-if on the township closest to 10 k households (target < 10 s): its busiest cadre
  gets 10 more hours, solved on the spot.

Beside each wall-clock figure, the CPU seconds spent meanwhile by the dashboard's server process
and by Chromium's processes (``psutil``, children of this process), which tell where the time
goes. The machine is shared: the load average (``os.getloadavg``) before and after is written
beside the figures. Writes ``bench/results/dashboard_scale<S>.md`` (a scoped account's:
``dashboard_scale<S>_<account>.md``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_assign import write_result  # noqa: E402
from bench_plan import M1, cli  # noqa: E402

from dashboard import i18n  # noqa: E402
from tests.dashboard.helpers import (  # noqa: E402
    CHROMIUM_ARGS,
    RUN_ENDED,
    DashboardStartError,
    enter,
    heading,
    idle,
    open_page,
    page_title,
    served_dashboard,
    switch_language,
)
from visit_planner.offline import go_offline  # noqa: E402
from visit_planner.paths import Workspace  # noqa: E402
from visit_planner.store import Store  # noqa: E402

PAGES = ("overview", "township", "household", "worker", "corrections", "runs", "model")
ACCOUNTS: dict[str, tuple[str, str, str]] = {
    "prefecture": ("bench_planner", "planner", "a planner of the whole prefecture"),
    "county": ("bench_county", "supervisor", "a supervisor of county {scope}"),
    "township": ("bench_township", "supervisor", "a supervisor of township {scope}"),
}
"""``--account`` -> (username, role, who it is in the result's text)."""
CHROMIUM = "/usr/bin/chromium"


def prepare(work: Path, scale: float, seed: int, processes: int) -> tuple[Path, dict[str, float]]:
    """The workspace with a published month (steps already done are skipped); returns the
    workspace and the seconds of the steps that ran."""
    home, data = work / "ws", work / M1
    ran: dict[str, float] = {}
    if not (data / "households.parquet").is_file():
        ran["generate"], _, _ = cli(
            home, "generate", "--scale", f"{scale:g}", "--seed", str(seed), "--month", M1,
            "--out", str(data),
        )  # fmt: skip
    with Store.for_workspace(Workspace(home)) as store:
        published = store.current_run(M1) is not None
    if not published:
        from visit_planner.model_registry import list_models

        if not any("champion" in v.aliases for v in list_models(home)):
            ran["train"], _, _ = cli(home, "train", "--data", str(data))
            cli(home, "promote", "--version", "1", "--data", str(data))
        ran["plan"], _, _ = cli(
            home, "plan", "--month", M1, "--data", str(data), "--workers-processes", str(processes)
        )
    return home, ran


@dataclass(frozen=True)
class Target:
    """Whom and what the benchmark asks about."""

    account: str  # a key of ACCOUNTS
    scope: str | None  # the county or township of a scoped account
    township: str  # the township closest to 10 k households (in the account's scope)
    households: int  # its households
    other: str | None  # another township in scope (chosen on the township page), if any
    household: str  # a household in scope, searched on the household page

    @property
    def user(self) -> str:
        """The account's username."""
        return ACCOUNTS[self.account][0]

    @property
    def who(self) -> str:
        """``a supervisor of township 532625001``."""
        return ACCOUNTS[self.account][2].format(scope=self.scope)


def target(run_dir: Path, account: str) -> Target:
    """The township closest to 10 k households, the account's scope around it, another
    township of that scope and a household of it (of the township itself when there is no
    other)."""
    plan = pl.read_parquet(run_dir / "plan.parquet", columns=["household_id", "township_id"])
    sizes = plan.group_by("township_id").len()
    big = sizes.with_columns((pl.col("len") - 10_000).abs().alias("d")).sort("d", "township_id")
    tw, n_tw = str(big["township_id"][0]), int(big["len"][0])
    scope = {"prefecture": None, "county": tw[:6], "township": tw}[account]
    others = [str(t) for t in big["township_id"][1:] if scope is None or t.startswith(scope)]
    other = others[0] if others else None
    mine = plan.filter(pl.col("township_id") == (other or tw)).sort("household_id")
    household = str(mine["household_id"][len(plan) % mine.height])
    return Target(account, scope, tw, n_tw, other, household)


def bench_account(home: Path, who: Target) -> str:
    """The account of ``who`` for the browser (a new random password each time)."""
    password = secrets.token_urlsafe(18)
    _, role, _ = ACCOUNTS[who.account]
    with Store.for_workspace(Workspace(home)) as store:
        if who.user in {u.username for u in store.list_users()}:
            store.reset_password(who.user, password, actor="bench")
        else:
            store.add_user(
                who.user, role, scope_kind=who.account, scope_id=who.scope, password=password,
                actor="bench",
            )  # fmt: skip
    return password


@contextmanager
def dashboard(home: Path, log: Path) -> Iterator[str]:
    """``visit-planner dashboard`` on a free port of 127.0.0.1 (stopped at the end)."""
    try:
        with served_dashboard(home, log, timeout=120) as url:
            yield url
    except DashboardStartError as exc:
        raise SystemExit(str(exc)) from None


Row = tuple[str, str, float, float, float, float]
"""what, detail, seconds, target, server CPU seconds, browser CPU seconds."""


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds so far of the dashboard server and of Chromium (this process's children)."""
    server = browser = 0.0
    for proc in psutil.Process().children(recursive=True):
        try:
            times = proc.cpu_times()
            command = " ".join(proc.cmdline()[:4])
        except psutil.Error:  # ended meanwhile
            continue
        if "streamlit" in command or "visit-planner" in command:
            server += times.user + times.system
        elif "chrom" in command:
            browser += times.user + times.system
    return server, browser


def timed(action: Callable[[], object]) -> tuple[float, float, float]:
    """Seconds ``action`` takes, until the last Streamlit run it waited for ended (it also
    waits for its own element), and the server's and the browser's CPU seconds meanwhile."""
    server, browser = cpu_seconds()
    RUN_ENDED.clear()
    start = time.perf_counter()
    action()
    seconds = (RUN_ENDED[-1] if RUN_ENDED else time.perf_counter()) - start
    server_after, browser_after = cpu_seconds()
    return seconds, server_after - server, browser_after - browser


LAST_HEADING = {"model": "model_versions", "runs": "diff", "township": "whatif"}
"""A heading near the end of a page, waited for too: the page is whole, not just begun."""


def open_whole(page: object, name: str) -> None:
    """Open a page from the menu and wait until its last part is on screen."""
    open_page(page, name, "zh")
    if name in LAST_HEADING:
        heading(page, i18n.t(LAST_HEADING[name], "zh"))
        idle(page)


def type_choice(page: object, label: str, option: str) -> None:
    """Type ``option`` into the select box labelled ``label`` (the user's typing time)."""
    box = page.get_by_label(label, exact=True)  # type: ignore[attr-defined]
    box.click()
    page.keyboard.type(option)  # type: ignore[attr-defined]


def commit_choice(page: object) -> None:
    """Enter: the select box takes the typed option and Streamlit runs."""
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    idle(page)


def choose(page: object, label: str, option: str) -> None:
    """Pick ``option`` of the select box labelled ``label`` (type it, Enter)."""
    type_choice(page, label, option)
    commit_choice(page)


def measure(url: str, password: str, run_dir: Path, who: Target) -> list[Row]:
    """(what, detail, seconds, target, server CPU, browser CPU) of every measurement."""
    from playwright.sync_api import sync_playwright

    tw, n_tw, household = who.township, who.households, who.household
    loads = pl.read_parquet(run_dir / "townships" / tw / "worker_loads.parquet")
    cadre = loads.filter(pl.col("role") == "cadre").sort("hours_used", descending=True)
    worker, hours = str(cadre["worker_id"][0]), float(cadre["monthly_hours"][0])
    rows: list[Row] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(url)
        page.get_by_label(i18n.t("password", "zh"), exact=True).wait_for()

        def login_page() -> None:
            page.goto(url)
            page.get_by_label(i18n.t("password", "zh"), exact=True).wait_for()
            idle(page)

        rows.append(("first paint", "sign-in page (登录), address opened", 3.0, *timed(login_page)))
        # The form is filled before the clock: typing is the user's time, not the app's.
        page.get_by_label(i18n.t("username", "zh"), exact=True).fill(who.user)
        page.get_by_label(i18n.t("password", "zh"), exact=True).fill(password)

        def signed_in() -> None:
            page.get_by_role("button", name=i18n.t("sign_in", "zh")).click()
            heading(page, i18n.t("page_overview", "zh"))
            idle(page)

        rows.append(
            ("first paint", "overview (总览), from the sign-in click", 3.0, *timed(signed_in))
        )
        for name in PAGES[1:]:
            title = f"{name} ({page_title(name, 'zh')})"
            rows.append(("first paint", title, 3.0, *timed(partial(open_whole, page, name))))
        again = timed(lambda: open_page(page, "overview", "zh"))
        rows.append(("first paint", "overview again", 3.0, *again))
        open_page(page, "township", "zh")
        if who.other is not None:  # from another township (the page may have opened on tw)
            choose(page, i18n.t("choose_township", "zh"), i18n.township(who.other, "zh"))
            # Timed from Enter: typing the township's name is the user's time, not the app's.
            type_choice(page, i18n.t("choose_township", "zh"), i18n.township(tw, "zh"))
            chosen = timed(partial(commit_choice, page))
            detail = f"choose township {tw} ({n_tw:,} households)"
            rows.append(("interaction", detail, 1.0, *chosen))

        def what_if() -> None:
            choose(page, i18n.t("whatif_worker", "zh"), worker)
            hours_box = page.get_by_label(i18n.t("whatif_hours", "zh"), exact=True)
            hours_box.fill(f"{hours + 10:g}")

            def run() -> None:
                page.get_by_role("button", name=i18n.t("whatif_run", "zh")).click()
                page.get_by_text(i18n.t("whatif_result", "zh")).first.wait_for()
                idle(page)

            detail = f"{worker} {hours:g} → {hours + 10:g} h, township {tw} ({n_tw:,} households)"
            rows.append(("what-if", detail, 10.0, *timed(run)))

        what_if()
        open_page(page, "household", "zh")

        def search() -> None:
            enter(page, i18n.t("household_id_input", "zh"), household)
            page.get_by_text(i18n.t("reasons_caption", "zh")).first.wait_for()

        rows.append(("interaction", f"search household {household}", 1.0, *timed(search)))
        english = timed(lambda: switch_language(page, "en"))
        rows.append(("interaction", "switch language to English (household page)", 1.0, *english))
        chinese = timed(lambda: switch_language(page, "zh"))
        rows.append(("interaction", "switch back to Chinese", 1.0, *chinese))
        browser.close()
    return rows


def published(
    work: Path | None, scale: float, seed: int, processes: int
) -> tuple[Path, Path, dict[str, float], Path]:
    """The bench's workspace (``work``, by default cached under ``bench/.cache``), prepared
    when missing (:func:`prepare`): the directory, the workspace, the seconds of the
    preparation steps that ran now, and the directory of M1's current run (also
    bench_runs_check's)."""
    work = work or ROOT / "bench" / ".cache" / f"dashboard_scale{scale:g}_seed{seed}"
    work.mkdir(parents=True, exist_ok=True)
    home, ran = prepare(work, scale, seed, processes)
    with Store.for_workspace(Workspace(home)) as store:
        run = store.current_run(M1)
    assert run is not None
    return work, home, ran, home / run.path


def main() -> None:
    """Prepare (or reuse) the workspace, serve, measure, write the table."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--account", choices=tuple(ACCOUNTS), default="prefecture")
    ap.add_argument("--work", type=Path, default=None, help="Keep the workspace here.")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()
    work, home, ran, run_dir = published(args.work, args.scale, args.seed, args.processes)
    n = pl.scan_parquet(run_dir / "plan.parquet").select(pl.len()).collect().item()
    who = target(run_dir, args.account)
    password = bench_account(home, who)
    load_before = os.getloadavg()
    with dashboard(home, work / "dashboard.log") as url:
        rows = measure(url, password, run_dir, who)
    load_after = os.getloadavg()
    scoped = args.account != "prefecture"
    option, suffix = (f" --account {args.account}", f"_{args.account}") if scoped else ("", "")
    lines = [
        f"# Dashboard in a real browser: scale {args.scale:g} ({n:,} households), seed {args.seed}",
        "",
        f"Command: `.venv/bin/python bench/bench_dashboard.py --scale {args.scale:g}{option}` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); `visit-planner dashboard` on "
        f"127.0.0.1 driven by Playwright with Debian's Chromium (headless), signed in as "
        f"{who.who}; each figure is wall clock in the browser until the "
        "page's element is shown and Streamlit's run has ended (the app's run state, watched "
        "by tests/dashboard/helpers.py idle(), not counting the 300 ms of quiet it waits after "
        "the run; before 2026-12-07 each figure held a fixed 300 ms instead and missed a run "
        "outlasting it); choosing a township is timed from Enter, after the "
        "name is typed, signing in from the click, after the form is filled. First paints are "
        "the first "
        "visit of each page in a fresh server (data read cold). The CPU columns are the seconds "
        "the server process and Chromium's processes worked meanwhile (headless Chromium draws "
        "maps and charts in software: no GPU).",
        "",
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in load_after)} (2 cores shared with other jobs).",
        "",
        "| what | detail | seconds | target | met | server CPU s | Chromium CPU s |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {what} | {detail} | **{sec:.2f}** | < {target:g} s | "
            f"{'yes' if sec < target else 'no'} | {server:.2f} | {browser:.2f} |"
            for what, detail, target, sec, server, browser in rows
        ],
        "",
        "Workspace preparation this time (skipped when cached): "
        + (", ".join(f"{k} {v:.0f} s" for k, v in ran.items()) or "all cached"),
    ]
    write_result(args.results, f"dashboard_scale{args.scale:g}{suffix}.md", lines)


if __name__ == "__main__":
    main()

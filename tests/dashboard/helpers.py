"""A small published prefecture for the dashboard's tests, and its accounts.

:func:`build_site` generates the synthetic prefecture at scale 0.003 (seed 2, eight townships of
one county each), trains and promotes a risk model, plans the month twice (so that the runs page
has two runs to compare and one to roll back to) and creates one account of each kind through
the store's API. The tests build it once per session as a template and give each module its
own copy (:func:`copy_site`); :func:`tree_digest` tells whether a copy wrote into the template.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

import polars as pl

from dashboard import i18n
from dashboard.data import DataAccess, Viewer
from visit_planner.paths import Workspace
from visit_planner.store import Store

MONTH: Final = "2026-11"
PASSWORD: Final = "correct-horse-battery"
TOWNSHIP: Final = "532601001"  # the township supervisor's
COUNTY: Final = "532626"  # the county supervisor's
OTHER_TOWNSHIP: Final = "532622001"  # in neither supervisor's jurisdiction

ACCOUNTS: Final[dict[str, tuple[str, str, str | None]]] = {
    "planner1": ("planner", "prefecture", None),
    "sup_town": ("supervisor", "township", TOWNSHIP),
    "sup_county": ("supervisor", "county", COUNTY),
    "scientist": ("data_scientist", "prefecture", None),
    "viewer1": ("viewer", "prefecture", None),
}
"""username -> (role, scope kind, scope id)."""

CHROMIUM: Final = Path("/usr/bin/chromium")
"""Debian's Chromium, which the browser tests drive (never ``playwright install``)."""
SCREENSHOTS: Final = Path(__file__).resolve().parent / "screenshots"
"""Where the browser tests save their screenshots (git-ignored)."""
TIMEOUT_MS: Final = 30_000
"""Playwright's timeout in the browser tests."""

CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
"""Flags of Debian's Chromium under Playwright (the browser test and bench/bench_dashboard)."""


@dataclass(frozen=True)
class Site:
    """A workspace with a published month, and ids the tests ask about."""

    home: Path
    data: Path
    household: str  # assigned, of TOWNSHIP, with a worker and risk reasons
    worker: str  # that household's worker
    other_household: str  # of OTHER_TOWNSHIP
    other_worker: str  # a worker of OTHER_TOWNSHIP
    county_household: str  # of the county supervisor's county

    @property
    def workspace(self) -> Workspace:
        """The site's workspace."""
        return Workspace(self.home)


class DashboardStartError(RuntimeError):
    """``visit-planner dashboard`` exited or did not answer in time (the message has its log)."""


def free_port() -> int:
    """A port of 127.0.0.1 no one listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served_dashboard(
    home: Path, log_path: Path, timeout: float = 60, *, base_path: str = "",
    cwd: Path | None = None, port: int | None = None,
) -> Iterator[str]:  # fmt: skip
    """``visit-planner dashboard --home HOME [--base-path BASE]`` on ``port`` of 127.0.0.1
    (a free one by default; started in ``cwd``: where Streamlit finds
    ``.streamlit/secrets.toml``), yielding its URL (with the base path, no slash at the end)
    once its health check answers; stopped (terminate, then kill) at the end."""
    port = port or free_port()
    command = [
        str(Path(sys.executable).parent / "visit-planner"), "dashboard", "--home", str(home),
        "--port", str(port), *(["--base-path", base_path] if base_path else []),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
    url = f"http://127.0.0.1:{port}" + (f"/{base_path.strip('/')}" if base_path else "")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except (URLError, OSError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise DashboardStartError(f"the dashboard did not start:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@contextmanager
def forwarding_proxy(url: str, client: str) -> Iterator[str]:
    """A reverse proxy on 127.0.0.1 in front of ``url`` (``http://127.0.0.1:PORT[/path]``)
    that sends every request on with ``X-Forwarded-For: client``, as docs/deployment.md's
    nginx does; yields its own URL (same path), stopped at the end.

    A browser cannot stand in for it: Chromium under Playwright sends a context's
    ``extra_http_headers`` with page requests but not with a WebSocket's handshake (seen with
    Chromium 150 and Playwright 1.65), which is where Streamlit reads the client's address.
    Each connection carries one request (sent on with ``Connection: close``) or one
    WebSocket, so the header goes into every request's head; the rest is copied as is.
    """
    target = urlsplit(url)
    host, port = target.hostname or "127.0.0.1", target.port
    loop = asyncio.new_event_loop()
    writers: set[asyncio.StreamWriter] = set()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        writers.update((writer, upstream_writer))
        request, *fields = head.decode("latin-1").split("\r\n")[:-2]
        upgrade = any(f.lower().startswith("upgrade:") for f in fields)
        replaced = ("x-forwarded-for:",) + (() if upgrade else ("connection:", "keep-alive:"))
        kept = [f for f in fields if not f.lower().startswith(replaced)]
        added = [f"X-Forwarded-For: {client}", *([] if upgrade else ["Connection: close"])]
        upstream_writer.write("\r\n".join([request, *kept, *added, "", ""]).encode("latin-1"))
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    listening: list[asyncio.Server] = []
    ready = threading.Event()

    def serve() -> None:  # in a thread of its own: Playwright's sync API holds this one's loop
        asyncio.set_event_loop(loop)
        listening.append(loop.run_until_complete(asyncio.start_server(forward, "127.0.0.1", 0)))
        ready.set()
        loop.run_forever()
        # Stopped: close what is still open (a WebSocket, say) and let the closing finish.
        listening[0].close()
        for writer in writers:
            writer.close()
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(asyncio.sleep(0.1))  # the transports' own close callbacks
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    if not ready.wait(timeout=10):
        raise RuntimeError("the test's forwarding proxy did not start")
    try:
        yield f"http://127.0.0.1:{listening[0].sockets[0].getsockname()[1]}{target.path}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def build_site(root: Path) -> Site:
    """Generate, train, promote, plan twice and add the accounts (about 15 s)."""
    from risk_model import TrainConfig
    from visit_planner.plan_job import run_plan
    from visit_planner.plan_steps import PlanRequest
    from visit_planner.risk_job import promote_version, train_from_file
    from visit_planner.synthetic import generate, write_prefecture

    data = root / "data"
    home = root / "ws"
    write_prefecture(generate(scale=0.003, seed=2), data)
    train_from_file(data, home=home, config=TrainConfig(params={"max_iter": 30}))
    promote_version(1, data, home=home)
    request = PlanRequest(month=MONTH, data=data, home=home, processes=1, actor="planner1")
    run_plan(request)
    outcome = run_plan(request)
    with Store.for_workspace(Workspace(home)) as store:
        for name, (role, kind, scope_id) in ACCOUNTS.items():
            store.add_user(
                name, role, scope_kind=kind, scope_id=scope_id, password=PASSWORD, actor="tests"
            )
    plan = pl.read_parquet(outcome.run_dir / "plan.parquet")
    mine = plan.filter((pl.col("township_id") == TOWNSHIP) & pl.col("worker_id").is_not_null())
    pick = mine.sort("tier", "household_id").row(0, named=True)  # a tier-1 household if any
    other = plan.filter(pl.col("township_id") == OTHER_TOWNSHIP).sort("household_id")
    county = plan.filter(pl.col("township_id").str.starts_with(COUNTY)).sort("household_id")
    return Site(
        home=home,
        data=data,
        household=pick["household_id"],
        worker=pick["worker_id"],
        other_household=other["household_id"][0],
        other_worker=other.drop_nulls("worker_id")["worker_id"][0],
        county_household=county["household_id"][0],
    )


def copy_site(template: Site, root: Path) -> Site:
    """A copy of the whole root :func:`build_site` made for ``template`` (``data/`` and
    ``ws/``) into the empty directory ``root``, and the Site with every path rebased into it.

    The copy is a workspace restored at another path, which the product reads as it is:
    MLflow's recorded artifact locations are the template's, read there while it exists, and
    a training in the copy starts a new experiment at the copy's own ``mlartifacts``
    (``risk_model.tracking``), so a module's overrides, amendments, accounts and model
    versions stay in its copy. A path of the Site outside the template's root raises
    ValueError: the copy would still point into the template.
    """
    source = template.home.parent
    shutil.copytree(source, root, dirs_exist_ok=True)
    rebased = {
        field.name: root / value.relative_to(source)
        for field in dataclasses.fields(template)
        if isinstance(value := getattr(template, field.name), Path)
    }
    return dataclasses.replace(template, **rebased)


def tree_digest(root: Path) -> str:
    """SHA-256 of the tree under ``root``: every directory's and file's relative path, and
    each file's bytes (not times or modes)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_dir():
            digest.update(f"d {name}\0".encode())
        else:
            content = path.read_bytes()
            digest.update(f"f {name} {len(content)}\0".encode() + content)
    return digest.hexdigest()


def access(site: Site, role: str, kind: str = "prefecture", scope: str | None = None) -> DataAccess:
    """The site's data layer as an account of ``role`` and jurisdiction ``kind`` (``scope``)
    sees it (the account's name is ``u``)."""
    return DataAccess(site.workspace, Viewer("u", role, kind, scope))


RUN_FILE_CACHES: Final = (
    "reader", "whole", "township_frame", "township_input", "summary", "township_ids",
)  # fmt: skip
"""The process caches of :mod:`dashboard.data.run_files`."""


def forget_run_files() -> None:
    """Empty the data layer's process caches of published runs' files, as on a server just
    started: a test that changes a run's files has them read (and checked) again."""
    from dashboard.data import run_files

    for name in RUN_FILE_CACHES:
        getattr(run_files, name).cache_clear()


@contextmanager
def damaged(site: Site, rel: str, how: str = "cut short") -> Iterator[Path]:
    """MONTH's current run with its file ``rel`` damaged - ``cut short`` (half its bytes) or
    ``column`` (rewritten without its last column, valid Parquet) - and the data layer's
    caches emptied; the file's bytes given back afterwards. Yields the file's path."""
    run = access(site, "planner").current_run(MONTH)
    path = site.home / run.path / rel
    kept = path.read_bytes()
    if how == "cut short":
        path.write_bytes(kept[: len(kept) // 2])
    else:
        frame = pl.read_parquet(path)
        frame.drop(frame.columns[-1]).write_parquet(path)
    forget_run_files()
    try:
        yield path
    finally:
        path.write_bytes(kept)
        forget_run_files()


def township_households(site: Site) -> list[str]:
    """The households of TOWNSHIP in MONTH's current run, sorted."""
    run = access(site, "planner").current_run(MONTH)
    plan = pl.read_parquet(site.home / run.path / "townships" / TOWNSHIP / "plan.parquet")
    return sorted(plan["household_id"].to_list())


def audit_actions(site: Site, subject: str) -> list[str]:
    """The audit log's actions about ``subject`` (e.g. a username), oldest first."""
    with Store.for_workspace(site.workspace) as store:
        return [e.action for e in store.audit_entries() if e.subject == subject]


# --------------------------------------------------------------------------- driving the app
# (Playwright pages; shared by tests/dashboard/test_browser.py and bench/bench_dashboard.py)


RUN_ENDED: list[float] = []
"""When each run :func:`idle` waited for ended (``time.perf_counter``): the benchmark times
the app up to there, not the quiet period after it."""

START_GRACE_MS: Final = 600
"""How long :func:`idle` waits for a run to start when it sees none (the old ``idle``'s
whole wait): a click or an Enter reaches the server, and the server's 'running' reaches the
page, only after a moment (more under load), and a run that came and went before the wait
began shows nothing either."""
RUN_GAP_MS: Final = 300
"""How long the app must stay not running before :func:`idle` counts its run as ended (the
old ``idle``'s pause after its check): a run ending in ``st.rerun`` or ``st.switch_page`` is
two runs, and the page is 'not running' between them (8-66 ms seen on a loaded machine)."""
SETTLE_GRACE_MS: Final = 2700
SETTLE_GAP_MS: Final = 1500
"""The waits of a sign-in's or page switch's runs (``settle`` in
tests/dashboard/test_session_browser.py): no run seen, the old ``settle``'s whole wait
(2.7 s); else 1.5 s of quiet after the run, the old ``settle``'s pause, now counted from the
run's end. A second run can start well after the first ended on a loaded machine (1.9 s once,
for a page link clicked while the sign-in still ran, with the load average at 11 on two
cores)."""

_IDLE_SCRIPT: Final = """
async ([grace, gap, timeout]) => {
  const busy = state => !['notRunning', 'compilationError'].includes(state);
  const app = () => document.querySelector('[data-testid="stApp"]');
  const start = performance.now();
  let seen = false, endedAt = null;
  const look = (ranSince = false) => {
    if (busy(app()?.getAttribute('data-test-script-state'))) {
      seen = true;
      endedAt = null;
    } else if (ranSince || endedAt === null) {
      seen = seen || ranSince;
      endedAt = performance.now();
    }
  };
  // A run that began and ended between two looks is in the changes' old values.
  const watcher = new MutationObserver(changes => look(changes.some(c => busy(c.oldValue))));
  watcher.observe(document.body, {
    attributes: true, attributeOldValue: true, subtree: true,
    attributeFilter: ['data-test-script-state']});
  try {
    look();
    for (;;) {
      await new Promise(tick => setTimeout(tick, 20));
      look();
      const now = performance.now();
      if (endedAt !== null && (seen ? now - endedAt >= gap : now - start >= grace))
        return now - endedAt;
      if (now - start > timeout)
        throw new Error(`the app was still running after ${timeout} ms`);
    }
  } finally {
    watcher.disconnect();
  }
}
"""
"""The page side of :func:`idle`: Streamlit's own run state (the app's
``data-test-script-state``), watched from the call on; returns how long ago the run ended."""


def idle(page: object, gap_ms: int = RUN_GAP_MS, grace_ms: int = START_GRACE_MS) -> None:
    """Wait until Streamlit has finished the run an action started: the app's run state has
    been 'not running' for ``gap_ms`` since a run was seen, or for ``grace_ms`` with none
    seen.

    Streamlit's status widget ('Running...') is no sign: it shows only once a run has lasted
    500 ms, and the dashboard's (Streamlit 1.67, ``--client.toolbarMode minimal``) was never
    seen at all, so waiting for it to go away waited for nothing."""
    quiet_ms = page.evaluate(_IDLE_SCRIPT, [grace_ms, gap_ms, TIMEOUT_MS])  # type: ignore[attr-defined]
    RUN_ENDED.append(time.perf_counter() - float(quiet_ms) / 1000)


def charts_drawn(page: object) -> None:
    """Wait until every chart (maps too) on the page has drawn: its canvas has a painted
    pixel, or its SVG has marks. A chart draws after the run has ended, so a screenshot or
    a pixel count taken before would show an empty box."""
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].every(e => {
          if (e.querySelector('svg.marks .role-mark')) return true;
          const canvas = e.querySelector('canvas');
          if (!canvas || !canvas.width || !canvas.height) return false;
          const pixels = canvas.getContext('2d')
            .getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) return true;
          return false;
        })""",
        polling=100,
    )


def sign_in(page: object, url: str, username: str, password: str = PASSWORD) -> None:
    """Open ``url``, fill the login form and submit it."""
    page.goto(url)  # type: ignore[attr-defined]
    fill_sign_in(page, username, password)


def fill_sign_in(
    page: object, username: str, password: str = PASSWORD, lang: i18n.Lang = "zh"
) -> None:
    """Fill the login form shown at the page's address (in ``lang``) and submit it. The form's
    title adds no English 'Link to heading' tab stop (as no page's heading does)."""
    page.get_by_label(i18n.t("username", lang), exact=True).fill(username)  # type: ignore[attr-defined]
    assert page.locator("a[aria-label='Link to heading']").count() == 0  # type: ignore[attr-defined]
    page.get_by_label(i18n.t("password", lang), exact=True).fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name=i18n.t("sign_in", lang), exact=True).click()  # type: ignore[attr-defined]
    idle(page)


def publish_amendment(site: Site, township: str) -> str:
    """Publish an amendment of ``township`` for MONTH with the CLI, as a planner would while
    the dashboard runs (``plan --amend``); its output. Exit 0, or 3 when a township is left
    with uncovered tier-1 households (still published)."""
    command = [
        str(Path(sys.executable).parent / "visit-planner"), "plan", "--month", MONTH,
        "--data", str(site.data), "--home", str(site.home), "--amend", "--township", township,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode in (0, 3), done.stdout + done.stderr
    return done.stdout


def heading(page: object, text: str) -> None:
    """Wait for a page title or section heading."""
    page.get_by_role("heading", name=text, exact=True).first.wait_for()  # type: ignore[attr-defined]


# A page's address (its file name) where it differs from its title's text key: the overrides
# page (督导调整) kept its address /corrections, so that links and bookmarks still open it.
TITLE_KEYS: Final = {"corrections": "page_overrides"}


def page_title(name: str, lang: i18n.Lang) -> str:
    """The title of the page at ``/name`` in ``lang``."""
    return i18n.t(TITLE_KEYS.get(name, f"page_{name}"), lang)


def open_page(page: object, name: str, lang: i18n.Lang) -> None:
    """Open a page from the sidebar menu."""
    title = page_title(name, lang)
    nav = page.get_by_test_id("stSidebarNav")  # type: ignore[attr-defined]
    nav.get_by_role("link", name=re.compile(re.escape(title))).click()
    heading(page, title)
    idle(page)


def enter(page: object, label: str, value: str) -> None:
    """Type into a text input and commit it (Enter)."""
    box = page.get_by_label(label, exact=True)  # type: ignore[attr-defined]
    box.fill(value)
    box.press("Enter")
    idle(page)


def switch_language(page: object, lang: i18n.Lang) -> None:
    """Click the sidebar's language switch."""
    sidebar = page.get_by_test_id("stSidebar")  # type: ignore[attr-defined]
    sidebar.get_by_text(i18n.LANG_NAMES[lang], exact=True).click()
    idle(page)


def streamlit_flags(seen: dict[str, Any]) -> dict[str, str]:
    """The Streamlit options of the dashboard command line recorded by the ``no_exec``
    fixture (``--server.address`` → value)."""
    args = list(seen["args"])
    return dict(zip(args[5::2], args[6::2], strict=True))


@contextmanager
def launched_chromium(chromium: Path) -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright for the ``with`` block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()

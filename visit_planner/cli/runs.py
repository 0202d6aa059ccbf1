"""``runs``, ``overrides``, ``audit`` and ``store``: the published runs and their history.

visit-planner runs list [--month M] | show RUN | check RUN | diff A B | rollback RUN
                   --reason TEXT | export RUN --out DIR
  (RUN: a run id or a prefix of 6+ characters, or a month YYYY-MM for its current run;
   rollback's older --month M --to RUN still works)
visit-planner overrides add --kind tier|pin|forbid|correction --household H ... --reason TEXT
                        | import FILE [--data DIR] | list [--all] | revoke ID --reason TEXT
                        | export-corrections --out F
visit-planner audit verify | list [--limit N] [--action A[,B]] [--since YYYY-MM-DD]
visit-planner store status | upgrade | unlock MONTH --reason TEXT

The store (SQLAlchemy), the run files (polars) and the override checks (the contracts, pandera)
are imported by the commands that use them, so that importing the CLI stays quick.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from visit_planner import clock
from visit_planner.actor import current_actor
from visit_planner.cli._app import HomeOption, app, console, err_console
from visit_planner.cli.audit_text import (
    audit_detail_lines,
    chosen_actions,
    filter_heading,
    since_day,
)
from visit_planner.cli.plan import StoreUrlOption
from visit_planner.cli.summary_text import (
    print_hanging,
    print_input_notes,
    print_shortfalls,
    print_wrapped,
)
from visit_planner.errors import ContractError, PlanFileError, StoreError, VisitPlannerError
from visit_planner.paths import Workspace, resolve_workspace
from visit_planner.typed_text import typed_id
from visit_planner.vocabulary import (
    OVERRIDE_FILE_COLUMNS,
    OVERRIDE_KIND_ZH,
    RUN_KIND_ZH,
    RUN_STATUS_ZH,
    TERMS,
    TIER_TERMS,
    outcome_words,
    status_words,
    term,
)

if TYPE_CHECKING:
    import polars as pl

    from visit_planner.overrides import Override
    from visit_planner.runs import RunManifest, RunReader
    from visit_planner.runs.check import RunRules
    from visit_planner.store import OutcomeRow, OverrideRow, RunRow, Store

runs_app = typer.Typer(help="已发布方案 — Published runs of the months.", no_args_is_help=True)
overrides_app = typer.Typer(
    help="督导调整 — Supervisors' standing overrides.\n\nFour kinds: tier, pin, forbid and data "
    "correction.",
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="审计日志 — The append-only, hash-chained audit log.", no_args_is_help=True
)
store_app = typer.Typer(help="数据库 — The store database.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(overrides_app, name="overrides")
app.add_typer(audit_app, name="audit")
app.add_typer(store_app, name="store")

RunArgument = Annotated[
    str,
    typer.Argument(
        metavar="RUN",
        help="方案编号, 或月份 YYYY-MM 即该月当前方案 — Run id (or a prefix of 6+ characters), "
        "or a month YYYY-MM for that month's current run.",
    ),
]
"""How every runs command names one run (:func:`run_named`)."""

ReasonOption = Annotated[
    str, typer.Option("--reason", help="原因 — Why (recorded in the audit log).")
]


@contextmanager
def _store(
    home: Path | None, url: str | None, *, new_store: bool = False
) -> Iterator[tuple[Store, Workspace]]:
    """The workspace's existing store: these commands read or change what is recorded, so a
    workspace or store that does not exist (a mistyped ``--home``) is refused, naming the
    path, and nothing is created (``plan`` and ``store upgrade`` create them). ``new_store``
    (``overrides add`` / ``import``, which may come before the first plan): the store may be
    created, but only in a workspace directory that exists."""
    from visit_planner.store import Store

    workspace = resolve_workspace(home)
    if new_store:
        Store.require_workspace(workspace, url)
    with Store.for_workspace(workspace, url, create=new_store) as store:
        yield store, workspace


def _run_dir(workspace: Workspace, run: RunRow) -> Path:
    """The directory of the published ``run`` in ``workspace``. A PlanFileError naming the run,
    the workspace and what to do when it is not there (a --home that is not the workspace the
    store's runs were planned in, e.g. with VISIT_PLANNER_STORE_URL set) or has lost its
    manifest: the reader's own error told to 'pass the --out directory of assign'."""
    from visit_planner.runs.manifest import MANIFEST

    root = workspace.root / run.path
    name = f"{run.month} v{run.version} ({run.run_id[:12]})"
    if not root.is_dir():
        raise PlanFileError(
            f"方案 {name} 的文件不在工作目录 {workspace.root} 中, 请用 --home 指定编制该方案的"
            f"工作目录 (run {name} is in the store, but its files are not in the workspace "
            f"{workspace.root}: {root} does not exist; give --home or VISIT_PLANNER_HOME the "
            "workspace the run was planned in)"
        )
    if not (root / MANIFEST).is_file():
        raise PlanFileError(
            f"方案 {name} 缺少 {MANIFEST}, 文件已被改动, 请从备份恢复工作目录 (run {name} has no "
            f"{MANIFEST} in {root}: its files were changed or removed, and a published run never "
            "changes; restore the workspace from its backup: docs/deployment.md, section 6)"
        )
    return root


def _reader(workspace: Workspace, run: RunRow, *, remember: bool = True) -> RunReader:
    """The run's reader (:class:`~visit_planner.runs.RunReader`, which refuses a damaged
    file it is asked for); ``remember=False`` for the commands that list every damaged
    file, a damaged places file among them."""
    from visit_planner.runs import RunReader

    return RunReader(_run_dir(workspace, run), remember=remember)


TABLE_SUFFIXES = (".csv", ".parquet")
"""What ``runs diff --out`` and ``overrides export-corrections --out`` write."""


def _check_table_out(out: Path) -> None:
    """Refuse, before any work, an output file that cannot be written as asked: a suffix other
    than .csv or .parquet (a CSV written under any name read as 'CSV text named .parquet'),
    or a directory."""
    if out.suffix.lower() not in TABLE_SUFFIXES:
        raise PlanFileError(
            f"{out}: 输出文件须为 .csv 或 .parquet (use a .csv or .parquet file name)"
        )
    if out.is_dir():
        raise PlanFileError(f"{out}: 输出路径是目录 (is a directory; give a file name)")


def _write_table(frame: pl.DataFrame, out: Path) -> None:
    """Write ``frame`` to ``out`` (checked by :func:`_check_table_out`), its directory made if
    missing, whole or not at all (a temporary file renamed into place); CSV with a BOM, so
    that a spreadsheet reads its Chinese, and its text cells that would run as a formula
    there marked ``'`` (:func:`~visit_planner.csv_cells.formula_safe`: a supervisor's reason
    ``=HYPERLINK(…)`` in the corrections export, a place name in a diff), which the tool takes
    off again where it reads the file back (``train --corrections``). A path that cannot be
    written is said, not a traceback."""
    from visit_planner.csv_cells import formula_safe

    tmp = out.with_name(f".{out.name}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".csv":
            formula_safe(frame).write_csv(tmp, include_bom=True)
        else:
            frame.write_parquet(tmp)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PlanFileError(
            f"{out}: 无法写入输出文件 (cannot write the file: {exc.strerror or exc})"
        ) from None


# --------------------------------------------------------------------------- runs


def _status(status: str, sep: str = " ", *, zh_first: bool = False) -> str:
    """``rolled_back 已回滚``: the stored status with its Chinese (``已回滚 rolled_back`` in a
    line; English first in the runs table, whose headers read English over Chinese)."""
    zh = RUN_STATUS_ZH.get(status)
    if zh is None:
        return status
    return f"{zh}{sep}{status}" if zh_first else f"{status}{sep}{zh}"


def _kind(kind: str, sep: str = " ", *, zh_first: bool = False) -> str:
    """``amend 修订``: the stored kind with its Chinese (Chinese first with ``zh_first``)."""
    zh = RUN_KIND_ZH.get(kind)
    if zh is None:
        return kind
    return f"{zh}{sep}{kind}" if zh_first else f"{kind}{sep}{zh}"


@runs_app.command("list")
def runs_list(
    month: Annotated[
        str | None, typer.Option("--month", help="只列此月 — Only this month.")
    ] = None,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """方案列表 — Every run, newest month first, with its status.

    Each with its version, status, who and coverage.
    """
    with _store(home, store_url) as (store, workspace):
        cleared = _clear_leftovers(store, workspace)
        rows = store.list_runs(month)
        others = [] if rows or month is None else store.list_runs()
    if not rows:  # "no runs yet" for a month without runs read as if the store were empty
        print_hanging(_no_runs(month, others), console)
    else:
        console.print(_runs_table(rows))
    for note in cleared:  # on stderr, as plan's notes: the listing alone on stdout
        print_hanging(f"提示 note: {note}", style="yellow")


def _clear_leftovers(store: Store, workspace: Workspace) -> list[str]:
    """Remove what killed plans left under the workspace's months (the validated households
    among it), as ``plan`` does first, each month under its lock taken for the moment and
    given back (a month being planned is left alone: its directories are that plan's own);
    the notices, one line a month. ``runs list`` is what a planner runs after a crash. A store
    that refuses the lock (a read-only account) leaves them, said in one line."""
    from visit_planner.interrupted import clear_interrupted_runs, months_with_leftovers

    try:
        return clear_interrupted_runs(store, workspace, held=None)
    except StoreError as exc:
        left = ", ".join(m.name for m in months_with_leftovers(workspace.runs_dir))
        return [
            f"{workspace.runs_dir}: 中断运行留下的临时目录未清理 ({left}: staging/work "
            f"directories of interrupted runs left, the month's lock could not be taken: "
            f"{exc}; the next plan removes them)"
        ]


CHURN_HEADER = f"{TERMS['churn'][1]}\n(tier\nunchanged)\n{TERMS['churn'][0]}\n(类别未变)"
"""``runs list``'s churn column, with what it counts as the dashboard's runs page and
``runs diff`` say it: the households whose tier did not change (换人率（类别未变） / Churn
(tier unchanged)); it read "churn" alone."""


def _runs_table(rows: list[RunRow]) -> Table:
    """The runs, newest month first, the current one of each month in bold."""
    table = Table(
        "run\n方案", "month\n月份\nversion\n版本", "kind\n类型", "status\n状态",
        term("actor", "\n", english_first=True), "tier-1\nuncovered\n一类户\n未覆盖",
        CHURN_HEADER,
    )  # fmt: skip
    for column in table.columns:
        column.no_wrap = True
    # At 80 columns a long account name folds; the run id and the month are never cut (no
    # outer border, the version under the month: room for an account name of 10 characters
    # on one line, with a rolled_back run listed).
    table.show_edge = False
    table.columns[0].min_width, table.columns[1].min_width = 12, 7
    table.columns[4].no_wrap, table.columns[4].overflow = False, "fold"
    for r in sorted(rows, key=lambda r: (r.month, r.version), reverse=True):
        style = "bold" if r.status == "current" else ""
        table.add_row(
            r.run_id[:12], f"{r.month}\nv{r.version}", _kind(r.kind, "\n"),
            _status(r.status, "\n"), r.created_by, f"{r.metrics.get('tier1_uncovered', 0):,}",
            "-" if "churn_tier_unchanged" not in r.metrics
            else f"{float(r.metrics['churn_tier_unchanged']):.2%}",
            style=style,
        )  # fmt: skip
    return table


def _no_runs(month: str | None, others: list[RunRow]) -> str:
    """What ``runs list`` says when it lists nothing: no run at all, or none of ``month``
    with the months that have runs (``others``)."""
    if month is None or not others:
        return "尚无方案 / no runs yet"
    months = sorted({r.month for r in others})
    shown = ", ".join(months) if len(months) <= 6 else f"{months[0]} … {months[-1]}"
    return f"{month} 尚无方案 / no runs of {month} (已有方案的月份 months with runs: {shown})"


@runs_app.command("show")
def runs_show(
    run: RunArgument,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """方案详情 — One run: provenance, figures and overrides.

    Its provenance, headline figures, and the overrides with their outcomes.
    """
    from visit_planner.runs.continuity import amendment_chain, continued_run_id, run_name

    with _store(home, store_url) as (store, workspace):
        row = run_named(store, run)
        outcomes = store.outcomes(row.run_id)
        known = {o.id: o for o in store.list_overrides()}
        reader = _reader(workspace, row, remember=False)
        chain = amendment_chain(store, row)
        resolved = {r.run_id: amended_townships(workspace, r) for r in chain}
        try:  # an amendment's is its parent's: files of another run, which may be gone
            continued = continued_run_id(store, workspace.root, row)
            previous = None if continued is None else store.get_run(continued)
        except (PlanFileError, StoreError):
            previous = None
    bad = reader.verify()
    if not bad:
        reader.remember_places()  # a damaged places file is named below, not read
    m = row.metrics
    lines = [
        f"{term('run')} {row.run_id}  {row.month} v{row.version} "
        f"({_kind(row.kind, zh_first=True)}, {_status(row.status, zh_first=True)})",
        f"创建 created {clock.shown_both(row.created_at)} {term('actor')} {row.created_by}",
        f"模型 model 版本 version {row.model_version}; 程序版本 code {row.code_version}",
        f"政策 policy sha256 {row.policy_sha256[:16]}; 方案哈希 plan hash {row.plan_sha256[:16]}",
        "文件 files "
        + ("校验一致 verified" if not bad else f"已被修改 CHANGED: {', '.join(bad[:5])}"),
        f"{term('households')} {m.get('households', 0):,}; {term('tier1_uncovered')} "
        f"{m.get('tier1_uncovered', 0):,}",
        f"路途 travel {float(m.get('travel_minutes_month') or 0) / 60:,.0f} h/month; "
        f"求解状态 status {status_words(m.get('status'))}",
    ]
    for name, info in sorted(row.inputs.items()):
        lines += [
            f"输入 input {name}: sha256 {str(info.get('sha256'))[:16]}",
            f"  {info.get('path')}",
        ]
    lines += amendment_lines(chain, reader.manifest, resolved)
    if previous is not None:  # the run whose plan was its previous assignment, and its status
        status = (
            "" if previous.status == "current" else f" ({_status(previous.status, zh_first=True)})"
        )
        lines.append(f"延续上月方案 continues {run_name(previous)}{status}")
    lines += [outcome_line(o, known.get(o.override_id)) for o in outcomes]
    lines.append(f"文件 files: {reader.root}")
    for line in lines:  # wrapped at spaces: ids, hashes and paths are never broken
        print_hanging(line.rstrip(), console, rest="  ")
    if not bad:  # each short township by name, and what would cover it
        print_shortfalls(reader.diagnostics())
    mismatch = parent_mismatch(chain, reader.manifest)
    if mismatch is not None:
        print_hanging(f"警告 WARNING: {mismatch}", err_console, style="bold red")
    if bad:
        print_hanging(
            "警告 WARNING: 方案文件与发布时不符, 请查看全部受损文件, 并从备份恢复工作目录 (the "
            "run's files are not those published: "
            f"`visit-planner runs check {row.run_id[:12]}` names every damaged file; restore "
            "the workspace from its backup: docs/deployment.md, section 6)",
            err_console,
            style="bold red",
        )
    if bad or mismatch is not None:
        raise typer.Exit(4)


def amended_townships(workspace: Workspace, run: RunRow) -> list[str] | None:
    """The townships the amendment ``run`` re-solved, as its manifest records them; None for
    a monthly plan, an amendment written before they were recorded, or a run whose files
    are not here (``runs show`` then says nothing of them)."""
    from visit_planner.runs.manifest import RunManifest

    if run.kind != "amend":
        return None
    try:
        return RunManifest.read(workspace.root / run.path).amended_townships
    except PlanFileError:
        return None


def amendment_lines(
    chain: list[RunRow], manifest: RunManifest, resolved: Mapping[str, list[str] | None]
) -> list[str]:
    """What ``runs show`` says of an amendment (``chain``: the run and the runs it amends,
    newest first, :func:`~visit_planner.runs.continuity.amendment_chain`): the run it
    amends with that run's plan hash, then every version of the chain, one a line, with the
    townships each amendment re-solved by name and code (``resolved``, by run id, from their
    manifests), so that a month amended several times reads back to its plan. Nothing for a
    run that amends none. ``manifest``: the run's own, which records its parent since that
    was added (said when it agrees, as the run's files then name it without the store; when
    it does not, :func:`parent_mismatch` warns)."""
    from visit_planner.contracts.places import place_label
    from visit_planner.runs.continuity import run_name

    if len(chain) < 2:
        return []
    parent = chain[1]
    agrees = parent_mismatch(chain, manifest) is None and manifest.parent_run_id is not None
    recorded = " (与方案清单所记相同 as its manifest says)" if agrees else ""
    lines = [
        f"修订自 amends {run_name(parent)}; 方案哈希 plan hash {parent.plan_sha256[:16]}{recorded}",
        "修订链 versions, newest first:",
    ]
    for r in chain:
        lines.append(
            f"  {run_name(r)} {_kind(r.kind, zh_first=True)}, {_status(r.status, zh_first=True)}"
        )
        if townships := resolved.get(r.run_id):
            named = ", ".join(place_label(tw) for tw in townships)
            lines.append(f"    重新求解 re-solved: {named}")
    return lines


def parent_mismatch(chain: list[RunRow], manifest: RunManifest) -> str | None:
    """A warning when ``manifest``, of the run ``chain[0]`` (then the runs it amends, as the
    store records them), names another parent than the store (another run, or the same run
    with another plan hash): the run's files or the store were changed since it was
    published. None when they agree, or the manifest names none (a monthly plan, or an
    amendment written before manifests recorded their parent)."""
    if manifest.parent_run_id is None:
        return None
    parent = chain[1] if len(chain) > 1 else None
    if parent is not None and (manifest.parent_run_id, manifest.parent_plan_sha256) == (
        parent.run_id,
        parent.plan_sha256,
    ):
        return None
    said = f"{manifest.parent_run_id[:12]} (plan hash {str(manifest.parent_plan_sha256)[:16]})"
    store = (
        "none" if parent is None else f"{parent.run_id[:12]} (plan hash {parent.plan_sha256[:16]})"
    )
    return (
        f"方案清单记录的上一版本与数据库不符, 方案文件或数据库已被改动 (the run's manifest says "
        f"it amends {said}, the store {store}: the run's files or the store were changed "
        "since it was published)"
    )


DIFF_ROWS = 30
"""At most this many townships in ``runs diff``'s table (those with the most changes); the
rest are counted below it and all are in ``--out``."""


DIFF_LEGEND = (
    "换人 worker changed = 类别未变而换人 / 类别未变的农户 (another worker / all, among the "
    "households whose tier is unchanged)",
    "类别变化 tier changed = 类别变化而换人 / 类别变化的农户 (another worker / all, among the "
    "households whose tier changed)",
)
"""What ``runs diff``'s two churn columns count, below its table; each line's English says
it whole (the line read ``worker changed = tier unchanged`` on a stream without Chinese)."""


def diff_rows(diff: pl.DataFrame, limit: int = DIFF_ROWS) -> tuple[pl.DataFrame, int]:
    """The townships ``runs diff`` shows: those whose visitors or tier-1 uncovered changed,
    at most ``limit`` (the most changed), in township order; and how many changed townships
    that leaves out (the table used to stop at the first 30 by code, saying nothing)."""
    import polars as pl

    changed = diff.filter(
        (pl.col("worker_changed") > 0)
        | (pl.col("uncovered_tier1_a") != pl.col("uncovered_tier1_b"))
    )
    shown = (
        changed.sort(["worker_changed", "township_id"], descending=[True, False])
        .head(limit)
        .sort("township_id")
    )
    return shown, changed.height - shown.height


def _diff_table(rows: pl.DataFrame, label: Callable[[str], str]) -> Table:
    """``runs diff``'s table: one township a row (``label``: its name and code)."""
    table = Table(
        "乡镇\ntownship", "换人\nworker\nchanged", "类别变化\ntier\nchanged",
        "一类户未覆盖\ntier-1\nuncovered", "路途时长\ntravel h",
    )  # fmt: skip
    for column in table.columns[1:]:  # the figures are never cut; a long name wraps at spaces
        column.no_wrap = True
    for r in rows.iter_rows(named=True):
        table.add_row(
            label(r["township_id"]),
            f"{r['changed_tier_unchanged']:,} / {r['tier_unchanged']:,}",
            f"{r['changed_tier_changed']:,} / {r['tier_changed']:,}",
            f"{r['uncovered_tier1_a']} → {r['uncovered_tier1_b']}",
            f"{r['travel_minutes_month_a'] / 60:,.0f} → {r['travel_minutes_month_b'] / 60:,.0f}",
        )
    return table


def diff_direction(a: RunRow, b: RunRow) -> str | None:
    """The note ``runs diff A B`` prints when A is later than B (by month, then version):
    every change then reads backwards in time, which a planner who swapped the two would not
    notice; None when A is the earlier run. The same run twice is refused (VisitPlannerError):
    it compared a run with itself and reported "no township changed", as if two versions
    had agreed."""
    if a.run_id == b.run_id:
        raise VisitPlannerError(
            f"两个参数是同一方案, 无可比较 (runs diff: A and B are the same run "
            f"{a.run_id[:12]} = {a.month} v{a.version}; give two different runs, the earlier "
            "first)"
        )
    if (a.month, a.version) <= (b.month, b.version):
        return None
    return (
        f"比较方向: 较新 → 较旧 (direction: newer → older: A {a.month} v{a.version} is later "
        f"than B {b.month} v{b.version}, so every change below reads backwards in time; give "
        "the earlier run first to read it forwards)"
    )


MONTH_NAME = re.compile(r"\d{4}-\d{1,2}")
"""A run argument written as a month (``2027-01``): that month's current run."""


def run_named(store: Store, text: str) -> RunRow:
    """The run ``text`` names: a month ``YYYY-MM`` (that month's current run, refused when it
    has none) or a run id or prefix (:meth:`Store.get_run`). ``runs diff 2026-12 2027-01``
    was refused as "no run '2026-12'", though a month is how a planner names a plan."""
    if MONTH_NAME.fullmatch(text) is None:
        return store.get_run(text)
    return current_run_of(store, text)


def current_run_of(store: Store, month: str) -> RunRow:
    """``month``'s current run (the store refuses a month not written ``YYYY-MM``); refused
    when it has none, in words that read whole in English alone (``ERROR: 2027-02 month
    2027-02 has no current run`` on a stream without Chinese, as ``runs export`` said it)."""
    row = store.current_run(month)
    if row is None:
        raise PlanFileError(f"月份 {month} 尚无当前方案 (month {month} has no current run)")
    return row


@runs_app.command("diff")
def runs_diff(
    a: Annotated[
        str,
        typer.Argument(
            metavar="A",
            help="前一方案 (编号, 或月份 YYYY-MM 即该月当前方案) — The earlier run: its id (or "
            "prefix), or a month YYYY-MM for that month's current run.",
        ),
    ],
    b: Annotated[
        str,
        typer.Argument(
            metavar="B", help="后一方案 (同上) — The later run (the same: id or month)."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="乡镇对比表 — Write the per-township table (.csv or .parquet)."),
    ] = None,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """方案对比 — Compare two runs: churn, coverage, travel.

    Churn (split by tier changed / unchanged), coverage and travel, per township. A run is
    named by its id (or a prefix of 6 or more hex characters), or by a month YYYY-MM for
    that month's current run: runs diff 2026-12 2027-01 compares the two months' plans.
    """
    import polars as pl

    from visit_planner.contracts.places import place_label, place_name
    from visit_planner.runs import diff_runs, diff_totals

    if out is not None:
        _check_table_out(out)
    with _store(home, store_url) as (store, workspace):
        ra, rb = run_named(store, a), run_named(store, b)
    direction = diff_direction(ra, rb)
    if direction is not None:
        print_hanging(f"提示 note: {direction}", style="yellow")
    diff = diff_runs(_reader(workspace, ra), _reader(workspace, rb))
    totals = diff_totals(diff)
    shown, more = diff_rows(diff)
    if shown.height:
        console.print(_diff_table(shown, place_label))
        for line in DIFF_LEGEND:
            print_hanging(line, console)
    else:
        console.print("各乡镇均无变化 / no township changed", highlight=False)
    if more:
        print_hanging(
            f"另有 {more} 个乡镇有变化, 上表列出换人最多的 {shown.height} 个; 全部见 "
            f"--out FILE / {more} more townships changed; the table lists the {shown.height} "
            "with the most changes, --out FILE writes them all",
            console,
        )
    both = (  # Chinese first, as every other line of the summary
        "两个版本都有的农户 households in both versions"
        if ra.month == rb.month
        else "两月都有的农户 households in both months"
    )
    console.print(f"{ra.month} v{ra.version} → {rb.month} v{rb.version}", highlight=False)
    for line in (
        f"换人 worker changed: {int(totals['worker_changed']):,} / "
        f"{int(totals['in_both']):,} ({both})",
        f"{term('churn')}: {totals['churn_tier_unchanged']:.2%} (类别未变 tier unchanged)",
        f"一类户未覆盖 tier-1 uncovered: {int(totals['uncovered_tier1_a'])} → "
        f"{int(totals['uncovered_tier1_b'])}",
        f"路途 travel: {totals['travel_minutes_month_a'] / 60:,.0f} → "
        f"{totals['travel_minutes_month_b'] / 60:,.0f} h/month",
    ):  # wrapped at spaces, continuations under the text (a line ran past 80 columns)
        print_hanging(line, console, first="  ", rest="    ")
    if out is not None:
        named = diff.with_columns(
            pl.col("township_id")
            .map_elements(lambda code: place_name(code, "zh"), return_dtype=pl.String)
            .alias("township_name")
        ).select("township_id", "township_name", pl.exclude("township_id", "township_name"))
        _write_table(named, out)
        print_wrapped([f"已输出 wrote {out}"])


@runs_app.command("check")
def runs_check(  # noqa: PLR0917  (Typer options)
    run: RunArgument,
    township: Annotated[
        list[str] | None,
        typer.Option("--township", help="只校验这些乡镇 (编号或名称) — Only these (code or name)."),
    ] = None,
    show: Annotated[
        int, typer.Option("--show", help="列出违规数 — Violations to list.", min=0)
    ] = 20,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="违规明细文件 — Write every violation to this Parquet file (as check-plan --out).",
            show_default=False,
        ),
    ] = None,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """独立校验已发布方案 — Check a published run: files, then every rule.

    First its files: every file its manifest lists, unchanged, and the policy and plan
    hashes the store recorded when it was published. Then check-plan's independent
    validator, every rule re-derived from the inputs each township was solved from as the
    run keeps them (the supervisors' tier overrides, corrections, pins and forbids among
    them) and the run's own policy. Exits 4 when a file changed or a rule is broken.
    --out writes every violation as check-plan --out does (the same columns; none
    written when a file changed, since the rules were then not checked).
    """
    from assignment.validator import violations_frame
    from visit_planner.cli.check_plan import (
        EXIT_VIOLATIONS,
        check_violations_out,
        write_atomic,
    )
    from visit_planner.runs.check import (
        applied_overrides,
        changed_files,
        check_run_rules,
        store_mismatches,
    )
    from visit_planner.runs.townships import township_codes

    check_violations_out(out)  # refused before any work
    with _store(home, store_url) as (store, workspace):
        row = run_named(store, run)
        recorded = store.run_townships(row.run_id)
        applied = applied_overrides(store.outcomes(row.run_id), store.list_overrides())
    reader = _reader(workspace, row, remember=False)  # every damaged file named, not the first
    changed = changed_files(reader)
    known = [t.township_id for t in recorded]
    if not changed:  # its places are intact: named in every line below
        reader.remember_places()
        if township:
            codes = township_codes(township, known, reader.places(), row.run_id[:12])
        else:
            codes = known
    print_hanging(
        f"{term('run')} {row.run_id}  {row.month} v{row.version} "
        f"({_kind(row.kind, zh_first=True)}, {_status(row.status, zh_first=True)})",
        console,
        rest="  ",
    )
    if changed:
        print_hanging(f"文件 files: 与方案清单不符 CHANGED ({len(changed)})", console)
        for problem in changed:
            print_hanging(problem, console, first="  ", rest="    ")
        print_hanging(
            "方案未通过校验 / run INVALID: 文件与发布时不符, 规则未校验; 请从备份恢复工作目录, "
            "或回滚到完好的版本 (its files are not those published, so its rules were not "
            "checked: restore the workspace from its backup, docs/deployment.md section 6, "
            "or roll back to an intact version)",
            console,
            style="red",
        )
        raise typer.Exit(EXIT_VIOLATIONS)
    mismatches = store_mismatches(reader, row, recorded)
    if mismatches:
        print_hanging(f"文件 files: 方案清单与数据库记录不符 ({len(mismatches)}) (the manifest "
                      "disagrees with the store)", console)  # fmt: skip
        for problem in mismatches:
            print_hanging(problem, console, first="  ", rest="    ")
    else:
        print_hanging(
            f"文件 files: 校验一致 verified ({len(reader.manifest.files):,} 个文件 files, "
            "与数据库记录一致 as the store recorded them)",
            console,
            rest="  ",
        )
    rules = check_run_rules(reader, codes, applied)
    if out is not None:
        write_atomic(violations_frame(rules.check.violations), out)
    lines = checked_lines(rules, reader.manifest.amended_townships, len(applied))
    for line in lines:
        print_hanging(line, console, rest="  ")
    print_input_notes(rules.check.warnings, [i.message for i in rules.check.issues])
    if rules.valid and not mismatches:
        console.print(
            f"[green]方案通过校验 / run valid[/]: {rules.check.plan_rows:,} 行 rows, "
            "0 处违规 violations",
            highlight=False,
        )
        return
    for problem in rules.problems:
        print_hanging(problem, console, rest="  ")
    if rules.check.violations:
        from visit_planner.cli.check_plan import print_violations

        check = rules.check
        print_violations(
            check.summary, check.violations, rules.township_of, show, "方案未通过校验 / run INVALID"
        )
    else:
        print_hanging(
            f"方案未通过校验 / run INVALID: {len(rules.problems) + len(mismatches):,} 处问题 "
            "problems",
            console,
            style="red",
        )
    raise typer.Exit(EXIT_VIOLATIONS)


def checked_lines(rules: RunRules, amended: Sequence[str] | None, applied: int) -> list[str]:
    """What ``runs check`` checked the rules against: the townships and households, the
    run's own inputs and policy, the supervisors' overrides among them, and for an
    amendment which townships were re-solved."""
    from visit_planner.contracts.places import place_label

    n = len(rules.townships)
    lines = [
        f"规则 rules: {n:,} 个乡镇 township{'s' if n != 1 else ''}, "
        f"{rules.households:,} 户 households, 依据方案保存的输入与策略 (against the inputs "
        "each township was solved from and the policy, as the run keeps them)",
        f"督导调整 overrides: 指定 {rules.pins:,} pins, 禁止 {rules.forbids:,} forbids "
        f"(方案保存的 as the run keeps them); 类别调整与数据更正已在农户的类别与数据中 (tier "
        f"overrides and corrections are in the households' tiers and data); 数据库记为已生效 "
        f"{applied:,} applied per the store",
    ]
    if amended:
        named = ", ".join(place_label(tw) for tw in amended)
        lines.append(
            f"修订 amendment: 重新求解 re-solved {named}; 其余乡镇沿用上一版本, 各按其求解时的"
            "上月结对核对 (the others carried over; each township's kept_previous marks are "
            "checked against the previous assignment it was solved from)"
        )
    return lines


@runs_app.command("rollback")
def runs_rollback(  # noqa: PLR0917  (Typer options)
    reason: ReasonOption,
    run: Annotated[
        str | None,
        typer.Argument(
            metavar="RUN",
            help="回滚到的方案 (编号) — The earlier run to make current again: its id (or a "
            "prefix of 6+ characters); its month is the run's.",
            show_default=False,
        ),
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(
            "--month",
            help="月份 (可省略) — The month, YYYY-MM (optional: the run's).",
            show_default=False,
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", help="同 RUN — The same as RUN (the older form).", show_default=False),
    ] = None,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """回滚 — Make an earlier run of its month current again.

    The run is named as every runs command names one: runs rollback RUN --reason TEXT.
    The older form --month M --to RUN still works. Later runs are kept; the rollback is
    audited.
    """
    from visit_planner.runs.continuity import next_month_note

    if run is not None and to is not None:
        raise typer.BadParameter(
            "方案只需给一次 (give the run once: RUN, or the older --to RUN)", param_hint="--to"
        )
    named = run if run is not None else to
    if named is None:
        raise typer.BadParameter(
            "缺少要回滚到的方案 (give the run to make current again: runs rollback RUN "
            "--reason TEXT)",
            param_hint="RUN",
        )
    with _store(home, store_url) as (store, workspace):
        target = store.get_run(named)
        row = store.rollback(
            month or target.month, target.run_id, actor=current_actor(), reason=reason
        )
        following = next_month_note(store, workspace.root, row)
    console.print(f"当前 current: {row.run_id[:12]} = {row.month} v{row.version}")
    if following is not None:
        print_hanging(f"提示 note: {following}", style="yellow")


@runs_app.command("export")
def runs_export(  # noqa: PLR0917  (Typer options)
    run: Annotated[
        str,
        typer.Argument(
            metavar="RUN",
            help="方案编号, 或月份 YYYY-MM 即该月当前方案 — Run id (or prefix), or a month "
            "YYYY-MM for its current run ('current' with --month also works).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="输出目录 — Directory for the visit lists.")],
    month: Annotated[
        str | None,
        typer.Option("--month", help="月份 — With run 'current' (with a run id: its month)."),
    ] = None,
    township: Annotated[
        list[str] | None,
        typer.Option("--township", help="只导出这些乡镇 (编号或名称) — Only these (code or name)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="覆盖 — Replace an earlier export in --out, whole.")
    ] = False,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """走访清单 — Visit lists: CSV, Excel workbook, A4 sheets.

    A CSV, the same as an Excel workbook (codes as text), and one printable A4 sheet per
    worker. --out must be absent or empty; with --overwrite it may hold an earlier export,
    which is then replaced whole (a directory holding anything else is refused).
    """
    from visit_planner.export import export_visit_lists

    with _store(home, store_url) as (store, workspace):
        if run == "current":
            if month is None:
                raise PlanFileError(
                    "导出当前方案需指定 --month (runs export current needs --month YYYY-MM)"
                )
            row = current_run_of(store, month)
        else:
            row = run_named(store, run)
            if month is not None and month != row.month:  # it was ignored: another month's lists
                raise PlanFileError(
                    f"方案 {row.run_id[:12]} 是 {row.month} 的方案, 不是 {month} 的 (run "
                    f"{row.run_id[:12]} is of {row.month}, not of --month {month}; for the "
                    f"current run of {month}: runs export current --month {month})"
                )
        current = store.current_run(row.month) if row.status != "current" else None
    superseded_by = (
        None
        if row.status == "current"
        else f"{current.run_id[:12]} (v{current.version})"
        if current
        else "—"
    )
    summary = export_visit_lists(
        _run_dir(workspace, row),
        out,
        month=row.month,
        townships=township or None,
        overwrite=overwrite,
        superseded_by=superseded_by,
    )
    unassigned = (
        f"未分配 unassigned: {summary.unassigned:,} 户 households "
        f"({' '.join(TIER_TERMS[1])} {summary.unassigned_tier1:,}), "
        "见 listed in unassigned.csv, unassigned.html"
        if summary.unassigned
        else "未分配 unassigned: 0 (全部农户均有走访人员 every household has a visitor)"
    )
    print_wrapped(
        [
            f"已输出 wrote {summary.sheets:,} 份清单 sheets, {summary.households:,} 户 households",
            f"方案 run: {row.run_id[:12]} = {row.month} v{row.version}",
            unassigned,
            f"目录 into {out}",
            "(visit_lists.csv, visit_lists.xlsx, sheets/, index.html, unassigned.csv, "
            "unassigned.html)",
            "用 Excel 或 WPS 请打开 visit_lists.xlsx, 编号不会变成科学计数 (in Excel or WPS, open "
            "visit_lists.xlsx: its codes stay as written)",
        ]
    )
    if superseded_by is not None:
        print_wrapped(superseded_note(row.run_id[:12], superseded_by, console.encoding))


def superseded_note(run_id: str, current: str, encoding: str) -> list[str]:
    """What ``runs export`` says of a run that is no longer its month's current one, a line
    in each language; on a stream of ``encoding`` that cannot carry Chinese the English
    alone, labelled (the Chinese line's ids read ``note: a90591a884fd (c479db1a12c8
    (v2)),`` above it)."""
    from visit_planner.cli.narrow_encoding import said_in
    from visit_planner.export.labels import SUPERSEDED

    zh, en = SUPERSEDED
    zh_line = f"{zh.format(run=run_id, current=current)}; 每页均已注明"
    en_line = f"{en.format(run=run_id, current=current)}; every page says so"
    if said_in(zh_line, en_line, encoding):
        return [f"注意 note: {en_line}"]
    return [f"注意 note: {zh_line}", en_line]


# --------------------------------------------------------------------------- overrides


def _data_for_check(
    store: Store, workspace: Workspace, household_id: str, data: Path | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Households (with ``tier``) and workers to check a new override against: the given data
    directory, else the newest current run's stored inputs (the household's township, and the
    workers of every township: a worker elsewhere is out of jurisdiction, not gone)."""
    import polars as pl

    if data is not None:
        from visit_planner.contracts import load_inputs

        month = load_inputs(data)
        tier = pl.coalesce("assessed_tier", "previous_tier").cast(pl.Int8).alias("tier")
        return month.households.with_columns(tier), month.workers
    current = [r for r in store.list_runs() if r.status == "current"]
    if not current:
        raise PlanFileError(
            "尚无已发布方案可供核对调整, 请用 --data 指定数据目录 (no published run to check "
            "the override against: pass --data DIR, the month's input directory)"
        )
    newest = max(current, key=lambda r: (r.month, r.version))
    reader = _reader(workspace, newest)
    try:
        township = reader.township_of(household_id)
    except PlanFileError:  # it named the run's directory, not what to do
        run = f"{newest.month} v{newest.version} ({newest.run_id[:12]})"
        raise PlanFileError(
            f"农户 {household_id} 不在最新已发布方案 {run} 中(已迁出、注销或编号有误; 按某月数据"
            f"核对请用 --data DIR) / household {household_id} is not in the newest published "
            f"run, {run}: moved away, left or a wrong id (to check against a month's data, "
            "pass --data DIR)"
        ) from None
    inputs = reader.inputs(township)
    if inputs["households"] is None or inputs["workers"] is None:
        raise PlanFileError(
            f"方案未保存输入数据, 请加 --data DIR (run {newest.run_id[:12]} has no stored "
            "inputs; pass --data DIR)"
        )
    others = [reader.inputs(tw)["workers"] for tw in reader.townships() if tw != township]
    workers = pl.concat(
        [inputs["workers"], *(w for w in others if w is not None)], how="diagonal_relaxed"
    )
    return inputs["households"], workers


@overrides_app.command("add")
def overrides_add(  # noqa: PLR0917  (Typer options)
    kind: Annotated[
        str, typer.Option("--kind", help="调整类型 — tier | pin | forbid | correction")
    ],
    household: Annotated[
        str, typer.Option("--household", help="农户编号 — Household id.", callback=typed_id)
    ],
    reason: ReasonOption,
    worker: Annotated[
        str | None,
        typer.Option("--worker", help="人员编号 — Worker id (pin, forbid).", callback=typed_id),
    ] = None,
    tier: Annotated[
        int | None,
        typer.Option("--tier", help="类别 1/2/3 (一类户/二类户/三类户) — 1, 2 or 3 (tier)."),
    ] = None,
    field: Annotated[
        str | None, typer.Option("--field", help="农户字段 — Household field (correction).")
    ] = None,
    value: Annotated[
        str | None, typer.Option("--value", help="更正值 — Corrected value (correction).")
    ] = None,
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="依据 — Evidence (correction).")
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="有效期至 — Last day it applies, YYYY-MM-DD.")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="核对数据 — Data to check against (default: the newest current run)."
        ),
    ] = None,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """新增督导调整 — Add a standing override.

    It is checked against the data, and audited.
    """
    from visit_planner.overrides import (
        EXPIRY_FORMS,
        KINDS,
        Override,
        check_new_override,
        expiry_date,
    )
    from visit_planner.policy import load_policy, settings_from_policy

    if kind not in KINDS:
        raise typer.BadParameter(
            f"{kind!r}: 调整类型无效 (use one of {', '.join(KINDS)})", param_hint="--kind"
        )
    try:
        expires_on = expiry_date(expires) if expires else None
    except ValueError:
        raise typer.BadParameter(
            f"{expires!r}: 日期格式应为 YYYY-MM-DD (is not a date YYYY-MM-DD) — 可写 "
            f"written {EXPIRY_FORMS}",
            param_hint="--expires",
        ) from None
    author = current_actor()
    candidate = Override(
        id=0, kind=kind, household_id=household, reason=reason, author=author, worker_id=worker,
        tier=tier, field=field, value=value, evidence=evidence, expires_on=expires_on,
    )  # fmt: skip
    with _store(home, store_url, new_store=True) as (store, workspace):
        try:
            households, workers = _data_for_check(store, workspace, household, data)
        except PlanFileError as exc:
            raise StoreError(f"调整被拒绝 override refused ({kind} {household}): {exc}") from None
        settings = settings_from_policy(load_policy())
        today = clock.today()  # Wenshan's date, not the machine's (a server kept in UTC)
        in_force = store.list_overrides(active_on=today)
        problems = check_new_override(
            candidate, households, workers, settings, today=today, in_force=in_force
        )
        if problems:
            raise StoreError(
                f"调整被拒绝 override refused ({kind} {household}): " + "; ".join(problems)
            )
        row = store.add_override(
            kind, household, author=author, reason=reason, worker_id=worker, tier=tier,
            field=field, value=value, evidence=evidence, expires_on=expires_on, today=today,
        )  # fmt: skip
    console.print(f"已新增 added {term('override')} #{row.id} ({row.kind} {row.household_id})")


@overrides_app.command("import")
def overrides_import(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help=f"调整文件 — CSV or Parquet file; columns {', '.join(OVERRIDE_FILE_COLUMNS)}.",
        ),
    ],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="核对数据 — Data to check against (default: the newest current run)."
        ),
    ] = None,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """批量导入督导调整 — Add a file's overrides, all or none.

    Every row is checked (the file's columns and values, then each override against the
    data, as `overrides add` does); every problem of the file is reported in one run,
    naming the row, its ids, the field and the rule, and then nothing is added.
    """
    from visit_planner.contracts.input_paths import file_problem

    if problem := file_problem(file):  # at once, in every command's words
        raise PlanFileError(problem)
    from visit_planner.cli.summary_text import print_problems, problem_texts
    from visit_planner.contracts.report import Problem
    from visit_planner.overrides import (
        check_overrides_against_data,
        check_overrides_against_store,
        parse_override_file,
        read_override_table,
    )
    from visit_planner.policy import load_policy, settings_from_policy

    read = read_override_table(file)
    print_problems(read.notes)  # empty rows at the end left out, header names read as meant
    frame = read.frame
    author = current_actor()
    today = clock.today()  # Wenshan's date, not the machine's (a server kept in UTC)
    overrides, problems = parse_override_file(frame, file, today=today, author=author)
    with _store(home, store_url, new_store=True) as (store, workspace):
        if overrides:  # also when other rows have problems: every problem in one run
            settings = settings_from_policy(load_policy())
            cache: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}

            def data_for(o: Override) -> tuple[pl.DataFrame, pl.DataFrame]:
                key = "" if data is not None else o.household_id
                if key not in cache:
                    cache[key] = _data_for_check(store, workspace, o.household_id, data)
                return cache[key]

            in_force = store.list_overrides(active_on=today)
            try:
                problems += check_overrides_against_data(
                    overrides, file, data_for, settings, today=today, in_force=in_force
                )
            except VisitPlannerError as exc:
                if not problems:
                    raise
                problems.append(Problem(str(file), "", f"not checked against the data: {exc}"))
            problems += check_overrides_against_store(
                overrides, file, store.list_overrides(active_on=today)
            )
        if problems:
            raise ContractError(
                [
                    f"{file}: 文件有 {len(problems)} 处问题, 未导入任何调整 "
                    f"({len(problems)} problem(s); nothing was imported)",
                    *problem_texts(problems),
                ]
            )
        rows = store.add_overrides(  # one transaction: all or none
            [
                {
                    "kind": o.kind, "household_id": o.household_id, "author": author,
                    "reason": o.reason, "worker_id": o.worker_id, "tier": o.tier,
                    "field": o.field, "value": o.value, "evidence": o.evidence,
                    "expires_on": o.expires_on,
                }
                for _, o in overrides
            ],
            today=today,
        )  # fmt: skip
    console.print(
        f"已导入 imported {len(rows)} 条调整 override(s), 来自 from {file}: "
        + id_span([r.id for r in rows])
    )


def id_span(ids: Sequence[int]) -> str:
    """``#7–#1506`` for consecutive ids (one import's, as one transaction numbers them),
    else the ids one by one: an import of 1,500 rows printed 1,500 of them."""
    if len(ids) > 2 and list(ids) == list(range(ids[0], ids[0] + len(ids))):
        return f"#{ids[0]}–#{ids[-1]}"
    return ", ".join(f"#{i}" for i in ids)


# The dashboard's wording of the override statuses (the kinds': vocabulary.OVERRIDE_KIND_ZH).
OVERRIDE_STATUS_ZH = {"active": "有效", "revoked": "已撤销"}


def _override_set(o: OverrideRow) -> str:
    """What an override sets: ``→ 一类户 tier 1``, ``→ W000188``, ``✕ W000188``,
    ``members = 5``."""
    from assignment.domain import TIER_NAMES_ZH

    return {
        "tier": f"→ {TIER_NAMES_ZH.get(o.tier or 0, '?')} tier {o.tier}",
        "pin": f"→ {o.worker_id}", "forbid": f"✕ {o.worker_id}",
        "correction": f"{o.field} = {o.value}",
    }.get(o.kind, "")  # fmt: skip


def _override_what(o: OverrideRow) -> str:
    """An override in a line: ``(类别调整 tier H0000001 → 一类户 tier 1)``."""
    return f"({OVERRIDE_KIND_ZH.get(o.kind, '')} {o.kind} {o.household_id} {_override_set(o)})"


def outcome_line(outcome: OutcomeRow, override: OverrideRow | None) -> str:
    """What became of an override in a run, naming which it is (kind, household, what it
    sets; ``runs show`` gave its number alone): ``督导调整 override #1 (类别调整 tier H0000001 →
    一类户 tier 1): 已生效 applied``."""
    what = f" {_override_what(override)}" if override is not None else ""
    return (
        f"{term('override')} #{outcome.override_id}{what}: {outcome_words(outcome.outcome)} "
        f"{outcome.reason}"
    ).rstrip()


def _override_lines(o: OverrideRow) -> list[str]:
    """One override as a short block: ids, dates and the worker never cut, the reason on its
    own line (so ``overrides list`` reads at 80 columns and when redirected)."""
    what = _override_set(o)
    status = f"{OVERRIDE_STATUS_ZH.get(o.status, '')} {o.status}".strip()
    expires = f"; expires 到期 {o.expires_on}" if o.expires_on else ""
    return [
        f"#{o.id} {OVERRIDE_KIND_ZH.get(o.kind, '')} {o.kind}  {o.household_id} {what}  [{status}]",
        f"    {term('actor', english_first=True)} {o.author}{expires}",
        f"    reason 原因: {o.reason}",
    ]


@overrides_app.command("list")
def overrides_list(
    all_: Annotated[bool, typer.Option("--all", help="含已撤销 — Also revoked ones.")] = False,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """督导调整列表 — Standing overrides."""
    with _store(home, store_url) as (store, _):
        rows = store.list_overrides(status=None if all_ else "active")
    if not rows:
        console.print("无调整 / no overrides")
        return
    for o in rows:
        for line in _override_lines(o):
            console.print(line, highlight=False, markup=False, soft_wrap=True)


@overrides_app.command("revoke")
def overrides_revoke(
    override_id: Annotated[int, typer.Argument(metavar="ID", help="调整编号 — Override number.")],
    reason: ReasonOption,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """撤销调整 — Revoke an override; audited."""
    with _store(home, store_url) as (store, _):
        row = store.revoke_override(override_id, current_actor(), reason)
    console.print(f"已撤销 revoked {term('override')} #{row.id}")


def file_time(moment: datetime) -> str:
    """``2026-12-07 13:39:12+08:00``: a moment as a file for people writes it, in Beijing
    time (the times every command and the dashboard show) to the second, its offset
    explicit, so that it reads unambiguously in a spreadsheet and parses back as ISO 8601
    (:meth:`datetime.fromisoformat`, polars). ``export-corrections`` wrote the store's UTC
    with microseconds (``2026-12-07T05:39:12.123456+00:00``): eight hours off what the
    supervisor saw when recording the correction."""
    return clock.to_beijing(moment).isoformat(sep=" ", timespec="seconds")


@overrides_app.command("export-corrections")
def overrides_export_corrections(
    out: Annotated[Path, typer.Option("--out", help="输出文件 — File (.csv or .parquet).")],
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """导出数据更正 — Export data corrections for training.

    Every data correction with its status and expiry, for the next training set:
    visit-planner train --data DIR --corrections F applies the active ones in force.
    When each was recorded (created_at) is Beijing time with its offset,
    e.g. 2026-12-07 13:39:12+08:00.
    """
    import polars as pl

    _check_table_out(out)
    with _store(home, store_url) as (store, _):
        rows = [o for o in store.list_overrides() if o.kind == "correction"]
    frame = pl.DataFrame(
        [
            {
                "override_id": o.id, "household_id": o.household_id, "field": o.field,
                "value": o.value, "evidence": o.evidence, "author": o.author,
                "reason": o.reason, "created_at": file_time(o.created_at),
                "status": o.status,
                "expires_on": o.expires_on.isoformat() if o.expires_on else None,
            }
            for o in rows
        ],
        schema={"override_id": pl.Int64, "household_id": pl.String, "field": pl.String,
                "value": pl.String, "evidence": pl.String, "author": pl.String,
                "reason": pl.String, "created_at": pl.String, "status": pl.String,
                "expires_on": pl.String},
    )  # fmt: skip
    _write_table(frame, out)
    print_wrapped([f"已输出 wrote {frame.height} 条更正 corrections", f"文件 to {out}"])


# --------------------------------------------------------------------------- audit, store


@audit_app.command("verify")
def audit_verify(home: HomeOption = None, store_url: StoreUrlOption = None) -> None:
    """校验审计链 — Check the audit log's hash chain.

    Names the first entry edited, removed or reordered.
    """
    with _store(home, store_url) as (store, _):
        check = store.verify_audit()
    # Wrapped at spaces: the 64-character hash is never broken (on a line of its own).
    if check.ok:
        print_hanging(check.message, console)
        _check_last_promotion(home, store_url)
        return
    for line in check.message.splitlines():
        print_hanging(line, err_console, style="bold red")
    raise typer.Exit(4)


def _check_last_promotion(home: Path | None, store_url: str | None) -> None:
    """An intact chain can still hold a promotion that never took effect (a ``promote``
    killed between its entry and the alias move): said as a warning when the log's last
    promotion is not the registry's champion. The registry is read only when the log holds
    a promotion (MLflow takes seconds to import)."""
    from visit_planner.cli.model import print_promotion_mismatch
    from visit_planner.cli.promotion_truth import PROMOTIONS
    from visit_planner.model_registry import registry_for, user_errors

    with _store(home, store_url) as (store, workspace):
        found, _, _ = store.audit_listing(1, actions=PROMOTIONS)
    if not found or found[-1].action == "promote.failed":
        return
    with user_errors():
        champion = registry_for(workspace).champion()
    print_promotion_mismatch(home, None if champion is None else int(champion.version), store_url)


@audit_app.command("list")
def audit_list(
    limit: Annotated[int, typer.Option("--limit", min=1, help="条数 — Last N entries.")] = 20,
    action: Annotated[
        list[str] | None,
        typer.Option(
            "--action",
            metavar="ACTION",
            help=(
                "只列这些操作 — Only entries of these actions (repeatable, or a comma list), "
                "e.g. `override.revoke`, `login.failed`; an unknown one is refused with the "
                "list of known ones."
            ),
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="YYYY-MM-DD",
            help="起始日期 — Only entries on or after this day, YYYY-MM-DD (Beijing time).",
            show_default=False,
        ),
    ] = None,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """审计日志 — The last entries of the audit log.

    Only the entries of some actions (--action), on or after a day (--since), when asked.
    """
    try:
        start = None if since is None else since_day(since)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    with _store(home, store_url) as (store, _):
        actions: list[str] = []
        if action:
            try:
                actions = chosen_actions(action, store.audit_actions())
            except ValueError as exc:
                raise typer.BadParameter(str(exc), param_hint="--action") from None
        entries, last, head = store.audit_listing(limit, actions=actions, since=start)
    cut = None if last == head else audit_end_note(last, head)
    heading = filter_heading(actions, start)
    if heading is not None:
        print_hanging(heading, console)
    if not entries and cut is None:
        console.print(
            "没有符合的记录 / no entries match" if heading else "尚无记录 / no entries yet"
        )
        return
    if not entries:
        print_hanging(f"警告 WARNING: {cut}", err_console, style="bold red")
        raise typer.Exit(4)
    # One short block per entry rather than a table: a subject (a run id of 32 characters)
    # stays whole on its own line, to be copied, at any width; nothing is folded or cut.
    console.print(
        f"# · 时间 at ({clock.ZONE_ZH} {clock.ZONE_EN}) · {term('actor')} · 操作 action\n"
        "    对象 subject",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    for e in entries:
        at = clock.shown(e.at, seconds=True)  # seconds: entries come close together
        client = e.details.get("client") if isinstance(e.details, dict) else None
        # A sign-in's address, unless it is the subject (an address paused or cleared).
        origin = f"  · 来自 from {client}" if client and client != e.subject else ""
        console.print(
            f"#{e.seq}  {at}  {e.actor}  {e.action}\n    {e.subject}{origin}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        # What happened, wrapped under the subject at spaces (a reason may be long).
        for line in audit_detail_lines(e.action, e.details):
            print_hanging(line, console, first="    ", rest="      ")
    if cut is not None:
        print_hanging(f"警告 WARNING: {cut}", err_console, style="bold red")
        raise typer.Exit(4)


def audit_end_note(last: int | None, head: int | None) -> str:
    """What ``audit list`` says when the log does not end where its head record does
    (``last``: its last entry, None when it has none): entries cut off its end (all of them:
    it said "no entries yet"), written by hand after the head, or the head record gone.
    ``中文 / English``: on a stream without Chinese the English alone (it read ``WARNING: (the
    head record is missing; ...): run ...``, the brackets left without their Chinese)."""
    has = f"审计日志止于第 {last} 条" if last else "审计日志已无条目"
    has_en = f"the log ends at entry {last}" if last else "the log has no entries"
    verify = "run `visit-planner audit verify`"
    if head is None:
        return f"审计链头记录缺失, {has} / the head record is missing; {has_en}: {verify}"
    if last is not None and last > head:
        return (
            f"{has}, 链头记录止于第 {head} 条, 其后的条目非本程序写入 / {has_en}, its head "
            f"record at entry {head}: the entries after it were not written by visit-planner: "
            f"{verify}"
        )
    return (
        f"{has}, 链头记录为第 {head} 条, 末尾条目被删除 / {has_en}, its head record at entry "
        f"{head}: entries were removed from its end: {verify}"
    )


@store_app.command("upgrade")
def store_upgrade(home: HomeOption = None, store_url: StoreUrlOption = None) -> None:
    """升级数据库 — Migrate the store to this version's schema."""
    from visit_planner.store import Store
    from visit_planner.store import store_url as resolve_url
    from visit_planner.store.engine import workspace_store_url

    workspace = resolve_workspace(home)
    url = resolve_url(workspace, store_url)
    if url == workspace_store_url(workspace):
        workspace.ensure()  # the workspace's own store; a store elsewhere makes no workspace
    result = Store.upgrade(url, actor=current_actor())
    console.print(f"数据库 store: {result.where}", highlight=False, soft_wrap=True)
    console.print(
        f"数据库版本 store schema: {result.before or '空 empty'} → {result.after}"
        + ("" if result.changed else " (已是最新 already current)")
    )


@store_app.command("status")
def store_status(home: HomeOption = None, store_url: StoreUrlOption = None) -> None:
    """数据库状态 — Schema version, month locks and what to do.

    Also lists the months' planning locks: holder, since when, and whether it still runs
    on this machine (wait for it before an upgrade or a restart). Changes nothing (an
    SQLite file that does not exist is not created). Exit status 0 when the store is at
    this program's version, 1 when it is not (empty, older: run store upgrade; newer or
    not a store: see the message).
    """
    from visit_planner.store import Store
    from visit_planner.store import store_url as resolve_url
    from visit_planner.store.engine import Database
    from visit_planner.store.schema import pending, refusal

    workspace = resolve_workspace(home)
    Store.require_workspace(workspace, store_url)
    url = resolve_url(workspace, store_url)
    db = Database.connect(url)
    missing = db.missing_directory
    where, upgrade = db.where, db.upgrade_command
    db.dispose()
    if missing is not None:
        raise db.no_directory_error(missing)
    status = Store.schema_status(url)
    console.print(f"数据库 store: {where}", highlight=False, soft_wrap=True)
    console.print(
        f"数据库版本 store schema: {status.current or '空 empty'} "
        f"(本程序 this program: {status.head})",
        highlight=False,
    )
    if status.state in ("current", "old"):  # every version has month_locks as it is read
        _print_month_locks(url)
    if status.state == "current":
        console.print("状态 state: 已是最新 current", highlight=False)
        return
    print_hanging(f"状态 state: {refusal(status, where, upgrade)}", console)
    steps = pending(status.current) if status.state in ("old", "empty") else []
    if steps:
        console.print("升级将执行 store upgrade would apply:", highlight=False)
        for revision, what in steps:
            print_hanging(f"  {revision} {what}", console, rest="       ")
    raise typer.Exit(1)


def _print_month_locks(url: str) -> None:
    """The months' planning locks of the store at ``url``, each with what this machine can
    tell of its holder (``store status``)."""
    from visit_planner.cli.lock_text import holder_state_line, lock_line, locks_heading
    from visit_planner.store.engine import Database
    from visit_planner.store.locks import held

    db = Database.connect(url)
    try:
        locks = held(db)
    finally:
        db.dispose()
    console.print(locks_heading(locks), highlight=False)
    for lock in locks:
        print_hanging(lock_line(lock), console, first="  ", rest="    ")
        print_hanging(holder_state_line(lock), console, first="    ", rest="    ")


@store_app.command("unlock")
def store_unlock(
    month: Annotated[
        str, typer.Argument(metavar="MONTH", help="月份 — The month whose lock to release.")
    ],
    reason: ReasonOption,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """解除锁定 — Release a month's planning lock.

    One left by a process on another machine or container (or on this one before a
    restart), which cannot be checked from here; audited. Refused while its process still
    runs on this machine.
    """
    with _store(home, store_url) as (store, _):
        holder = store.force_release_month_lock(month, actor=current_actor(), reason=reason)
    console.print(f"已解除 released: {holder}" if holder else f"{month} 未锁定 was not locked")

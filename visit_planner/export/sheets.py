"""Write the visit lists of a run: one CSV, one printable A4 sheet per worker, the households
on no list (a CSV and a printable sheet), an index.

Layout of ``out``::

    visit_lists.csv       one row per assigned household (lists.LIST_COLUMNS), UTF-8 with a
                          byte-order mark so that spreadsheet programs read the Chinese text
    visit_lists.xlsx      the same rows and those of unassigned.csv for a clerk to open in
                          Excel or WPS (workbook_sheets): codes and ids as text, headers and
                          tiers in words, the unassigned households' sheet, then a sheet per
                          county; the same run gives the same bytes
    sheets/<worker>.html  one sheet per worker with at least one household this month
    unassigned.csv        one row per household of the exported townships that the plan
                          leaves unassigned (lists.UNASSIGNED_COLUMNS), tier 1 first, with
                          township and village by name and code and the run's reason; the
                          header alone when there is none (same encoding as visit_lists.csv)
    unassigned.html       the same households to print and hand to the townships: one page per
                          township (those with unassigned tier-1 households first), its
                          shortfall, tier 1 first, a column to write the arranged visitor in;
                          it says so when there is none
    index.html            the counts to check against the run's (households by tier, on the
                          sheets and unassigned, workers with no household), a link to the
                          workbook, the unassigned
                          households (first, as in unassigned.html), then every worker of the
                          exported townships, with links to the sheets, under each township's
                          counts; last, the CSVs' columns with their Chinese and English
                          headers. A township-scoped export names its townships (by name
                          and code, of how many of the run's) on the index, the unassigned
                          sheet, every workbook sheet and every printed footer

``out`` is checked before any work (:func:`visit_planner.outputs.check_output_dir`): a file, or a
non-empty directory, is refused unless ``overwrite`` is given and the directory holds an earlier
export (its ``visit_lists.csv``), which is then replaced whole: no sheet of a worker who is no
longer on any list stays beside the new ones. Everything is written under a staging directory
first and moved into place when complete, so a failure leaves the previous export (or
nothing) behind, never half of one.

The two CSV files keep their field names (``household_id``, ``tier``, …) as their one header
row, in English, while the workbook and every printed page head each column in Chinese with
English (:data:`labels.COLUMN_HEADERS`), and the index lists each CSV column beside those
headers. The CSVs are the export's data files, read back by name: by the tests of this
package, by ``pl.read_csv(...)["household_id"]`` in a county's own scripts, and as a pairs
file (``household_id, worker_id``) by the pins and forbids contracts, whose header names
must be the field names. A bilingual name (``户编号 household_id``) would break each of them;
a second header row of Chinese would be read as a household by every one of them and turn
every numeric column into text. A clerk is pointed at ``visit_lists.xlsx`` (the CLI and the
index say so), which also keeps the 12-digit codes that Excel turns into ``5.32601E+11`` in
a CSV.

The two CSV files are opened by clerks in Excel or WPS, which run a cell that starts with
``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK(...)`` sends the row to a web
address when clicked). Their text comes partly from the month's input files (ids, grid and
village codes, place names), which the contracts accept as any non-blank text, so such a
cell gets a leading ``'`` in the CSV (:func:`visit_planner.csv_cells.formula_safe`, the
one escape of every CSV written for people), which spreadsheets show as
text; codes, names and numbers as they should be are written unchanged. The workbook writes
every text with ``write_string``, which is never a formula, and the HTML pages are
escaped.
"""

from __future__ import annotations

import math
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import jinja2
import polars as pl

from visit_planner import clock
from visit_planner.csv_cells import formula_safe
from visit_planner.errors import PlanFileError
from visit_planner.export import labels, templates
from visit_planner.export.due import Due, next_visit
from visit_planner.export.lists import (
    LIST_COLUMNS,
    REASON_TOWNSHIP_FAILED,
    UNASSIGNED_COLUMNS,
    township_rows,
    township_unassigned,
)
from visit_planner.export.workbook import write_workbook
from visit_planner.export.workbook_sheets import created_at, workbook_sheets
from visit_planner.outputs import check_output_dir
from visit_planner.runs import RunReader
from visit_planner.runs.townships import township_codes
from visit_planner.vocabulary import TIER_TERMS

CSV_NAME: Final = "visit_lists.csv"
WORKBOOK_NAME: Final = "visit_lists.xlsx"
INDEX_NAME: Final = "index.html"
SHEETS_DIR: Final = "sheets"
UNASSIGNED_CSV: Final = "unassigned.csv"
UNASSIGNED_SHEET: Final = "unassigned.html"  # beside the index: no worker's sheet can take it
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class ExportSummary:
    """What :func:`export_visit_lists` wrote."""

    out: Path
    month: str
    run_id: str
    townships: tuple[str, ...]
    households: int  # rows of the CSV: assigned households
    unassigned: int  # households of the exported townships on no list (rows of unassigned.csv)
    unassigned_tier1: int  # of which tier 1
    sheets: int  # workers with a sheet
    workers_without_households: int  # listed in the index, no sheet
    superseded_by: str | None = None  # the month's current run, when this run is not it

    @property
    def csv(self) -> Path:
        """The CSV file."""
        return self.out / CSV_NAME

    @property
    def workbook(self) -> Path:
        """The workbook of both CSVs, for Excel or WPS."""
        return self.out / WORKBOOK_NAME

    @property
    def index(self) -> Path:
        """The index page."""
        return self.out / INDEX_NAME

    @property
    def unassigned_csv(self) -> Path:
        """The CSV of the households on no list."""
        return self.out / UNASSIGNED_CSV

    @property
    def unassigned_sheet(self) -> Path:
        """The printable sheet of the households on no list."""
        return self.out / UNASSIGNED_SHEET


def export_visit_lists(
    run_dir: Path,
    out: Path,
    *,
    month: str,
    townships: list[str] | None = None,
    overwrite: bool = False,
    superseded_by: str | None = None,
) -> ExportSummary:
    """Write the visit lists of the run in ``run_dir`` for ``month`` into ``out``.

    ``townships`` limits the export to those townships, each by code or name (default: every
    township of the run); one not in the run is an error that names it and lists the run's
    townships (:func:`~visit_planner.runs.townships.township_codes`). ``out`` must be absent
    or empty, or (with ``overwrite``) an earlier export, replaced whole (see the module
    docstring). ``superseded_by``: the month's current run (``653f9725900b (v2)``) when the
    run exported is no longer current; every page then says so (:data:`labels.SUPERSEDED`),
    its footer too, so that no list of an outdated plan is handed out as this month's.
    """
    if not _MONTH.match(month):
        raise PlanFileError(f"月份格式应为 YYYY-MM (month must be YYYY-MM, got {month!r})")
    check_output_dir(out, overwrite=overwrite, marker=CSV_NAME)
    made = _first_missing(out)
    stage = _staging_dir(out)  # before any work: an --out that cannot be written fails at once
    done = False
    try:
        reader = RunReader(run_dir)
        known = reader.townships()
        chosen = (
            township_codes(townships, known, reader.places(), reader.manifest.run_id[:12])
            if townships
            else known
        )
        parts = [township_rows(reader, tw) for tw in chosen]
        rows = pl.concat([p[0] for p in parts])
        workers = pl.concat([p[1] for p in parts])
        diagnostics = reader.diagnostics()
        unassigned = _unassigned(reader, chosen, diagnostics)
        run_id = reader.manifest.run_id[:12]
        stale = _stale_view(run_id, superseded_by)
        published = _published(reader.manifest.created_at)
        scope = labels.export_scope(chosen, len(known), _counties(rows, workers, unassigned))
        try:
            files = _write_stage(
                stage, month, run_id, rows, workers, unassigned, diagnostics,
                townships=chosen, stale=stale, published=published, scope=scope,
            )  # fmt: skip
            sheets = workbook_sheets(
                rows, unassigned, month=month, run_id=run_id, stale=stale, published=published,
                scope=scope,
            )  # fmt: skip
            write_workbook(
                stage / WORKBOOK_NAME,
                sheets,
                title=f"走访清单 Visit lists · {month} · {run_id}{_scope_mark(scope)}",
                created=created_at(reader.manifest.created_at, month),
            )
            _move_into_place(stage, out)
        except OSError as exc:  # disk full, a directory made read-only meanwhile
            raise PlanFileError(
                f"{out}: 无法写入走访清单 (cannot write the visit lists: {exc.strerror or exc})"
            ) from None
        done = True
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if made is not None and not done:
            shutil.rmtree(made, ignore_errors=True)  # made for this export: nothing left behind
    return ExportSummary(
        out=out,
        month=month,
        run_id=reader.manifest.run_id,
        townships=tuple(chosen),
        households=rows.height,
        unassigned=unassigned.height,
        unassigned_tier1=int((unassigned["tier"] == 1).sum()),
        sheets=len(files),
        workers_without_households=workers.height - len(files),
        superseded_by=superseded_by,
    )


def _stale_view(run_id: str, superseded_by: str | None) -> dict[str, str] | None:
    """The notice of a run that is not its month's current one (``zh``, ``en``, and the
    footer's ``mark``), None for the current run."""
    if superseded_by is None:
        return None
    zh, en = labels.SUPERSEDED
    return {
        "zh": zh.format(run=run_id, current=superseded_by),
        "en": en.format(run=run_id, current=superseded_by),
        "mark": labels.SUPERSEDED_MARK,
    }


def _published(created_at: str) -> str | None:
    """When the run was published, in Beijing time (``2026-12-07 19:50``), as every page of
    the export says it beside the run's id: a township that receives an amended plan tells
    its sheets from the earlier ones by it. None for a manifest without a readable time."""
    try:
        return clock.shown(created_at)
    except (ValueError, TypeError):
        return None


def _counties(*frames: pl.DataFrame) -> dict[str, str | None]:
    """Each township's county code, from the frames' ``township_id`` and ``county_id``."""
    columns = (pl.col("township_id").cast(pl.String), pl.col("county_id").cast(pl.String))
    pairs = pl.concat([f.select(*columns) for f in frames]).drop_nulls("township_id")
    return dict(pairs.unique("township_id", keep="first", maintain_order=True).iter_rows())


def _scope_mark(scope: dict[str, str] | None) -> str:
    """`` · 仅 only 锦屏镇 (532626001)`` after a scoped export's titles and footers; nothing
    for an export of the whole run."""
    return f" · {scope['short']}" if scope else ""


def _first_missing(out: Path) -> Path | None:
    """The outermost of ``out`` and its parents that does not exist (what making ``out``
    creates), or None when ``out`` exists."""
    missing = None
    for path in (out, *out.parents):
        if path.exists():
            break
        missing = path
    return missing


def _staging_dir(out: Path) -> Path:
    """A new staging directory inside ``out`` (made, with its parents, when missing); a
    PlanFileError naming ``out`` and why when it cannot be made (a file on the way, no write
    permission, a read-only file system): it was a traceback after the run had been read."""
    stage = out / f".staging-{uuid.uuid4().hex}"
    try:
        (stage / SHEETS_DIR).mkdir(parents=True)
    except OSError as exc:
        raise PlanFileError(
            f"{out}: 无法创建输出目录 (cannot create the output directory: "
            f"{exc.strerror or exc}{_where(out)})"
        ) from None
    return stage


def _where(out: Path) -> str:
    """``; /x/y is a file`` when a file stands where one of ``out``'s parents should be (the
    error then names the path being made, not the file in the way); else nothing."""
    for parent in out.parents:
        if parent.exists():
            return "" if parent.is_dir() else f"; {parent} 是文件 is a file"
    return ""


def _write_stage(  # noqa: PLR0917  (the export's parts)
    stage: Path,
    month: str,
    run_id: str,
    rows: pl.DataFrame,
    workers: pl.DataFrame,
    unassigned: pl.DataFrame,
    diagnostics: pl.DataFrame,
    *,
    townships: list[str],
    stale: dict[str, str] | None,
    published: str | None,
    scope: dict[str, str] | None,
) -> dict[str, str]:
    """Write the whole export of ``townships`` into ``stage`` (its ``sheets/`` made); the
    sheets' file names by worker. ``stale``: the notice of a run that is not current
    (:func:`_stale_view`); ``published``: when the run was, in Beijing time
    (:func:`_published`); ``scope``: the townships of a scoped export
    (:func:`labels.export_scope`), named on the index and the unassigned sheet."""
    mark = f" · {stale['mark']}" if stale else ""
    as_of = labels.last_visit_note(month)
    formula_safe(rows).write_csv(stage / CSV_NAME, include_bom=True)
    formula_safe(unassigned).write_csv(stage / UNASSIGNED_CSV, include_bom=True)
    env = _environment()
    sheet = env.get_template("sheet")
    files = _sheet_files(workers.filter(pl.col("households") > 0)["worker_id"].to_list())
    by_worker = rows.partition_by("worker_id", as_dict=True, maintain_order=True)
    for w in workers.filter(pl.col("households") > 0).iter_rows(named=True):
        own = by_worker[(w["worker_id"],)]
        views = [_row_view(r, month) for r in own.iter_rows(named=True)]
        html = sheet.render(
            style=templates.STYLE,
            page_footer=_page_footer(f"走访清单 Visit list · {month} · {w['worker_id']}{mark}"),
            month=month,
            stale=stale,
            run_id=run_id,
            published=published,
            w=_worker_view(w),
            as_of=as_of,
            rows=views,
            due_note=_due_note(views),
        )
        (stage / SHEETS_DIR / files[w["worker_id"]]).write_text(html, "utf-8")
    u = _unassigned_view(unassigned, diagnostics, month)
    page = env.get_template("unassigned").render(
        style=templates.STYLE,
        page_footer=_page_footer(
            f"未分配农户 Unassigned households · {month}{_scope_mark(scope)}{mark}"
        ),
        month=month,
        as_of=as_of,
        scope=scope,
        stale=stale,
        run_id=run_id,
        published=published,
        u=u,
        printable=True,
    )
    (stage / UNASSIGNED_SHEET).write_text(page, "utf-8")
    index = env.get_template("index").render(
        style=templates.STYLE,
        page_footer=_page_footer(f"走访清单目录 Visit lists · {month}{_scope_mark(scope)}{mark}"),
        month=month,
        as_of=as_of,
        scope=scope,
        columns=_columns_view(month),
        run_id=run_id,
        published=published,
        total=_counts_view(rows, unassigned, workers, files),
        workbook=WORKBOOK_NAME,
        stale=stale,
        u=u,
        printable=False,
        townships=_index_view(townships, workers, files, rows, unassigned),
    )
    (stage / INDEX_NAME).write_text(index, "utf-8")
    return files


def _columns_view(month: str) -> list[dict[str, str]]:
    """The columns of the two CSV files with their headers in Chinese and English, for the
    index: the files keep their field names (see the module docstring), and the index says
    what each means."""
    columns = dict.fromkeys([*LIST_COLUMNS, *UNASSIGNED_COLUMNS])
    heads = labels.column_headers(list(columns), month)
    return [
        {"name": c, "zh": zh, "en": en, "files": _files_of(c)}
        for c, (zh, en) in zip(columns, heads, strict=True)
    ]


def _files_of(column: str) -> str:
    """Which of the two CSV files hold ``column``."""
    return " · ".join(
        name
        for name, cols in ((CSV_NAME, LIST_COLUMNS), (UNASSIGNED_CSV, UNASSIGNED_COLUMNS))
        if column in cols
    )


def _environment() -> jinja2.Environment:
    pages = {
        "sheet": templates.SHEET,
        "index": templates.INDEX,
        "unassigned": templates.UNASSIGNED,
        "unassigned_blocks": templates.UNASSIGNED_BLOCKS,
        "parts": templates.PARTS,
    }
    return jinja2.Environment(
        loader=jinja2.DictLoader(pages),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _unassigned(reader: RunReader, townships: list[str], diagnostics: pl.DataFrame) -> pl.DataFrame:
    """The households of ``townships`` the plan leaves unassigned (:data:`UNASSIGNED_COLUMNS`),
    tier 1 first, then by township, village and id, each with its township's diagnostics
    (shortfall text; the error of a failed solve)."""
    by_township = {r["township_id"]: r for r in diagnostics.iter_rows(named=True)}
    parts = []
    for tw in townships:
        diag = by_township.get(tw, {})
        parts.append(
            township_unassigned(
                reader, tw, shortfall=diag.get("shortfall") or "", error=diag.get("error")
            )
        )
    return (
        pl.concat(parts)
        .select(UNASSIGNED_COLUMNS)
        .sort("tier", "township_id", "village_id", "household_id", nulls_last=True)
    )


def _sheet_files(worker_ids: list[str]) -> dict[str, str]:
    """A safe, unique file name per worker: its id, with anything but letters, digits, ``_``,
    ``.`` and ``-`` replaced (ids come from data and must not reach outside ``sheets/``)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for wid in worker_ids:
        base = _UNSAFE.sub("_", wid).lstrip(".") or "worker"
        name, k = f"{base}.html", 1
        while name in used:
            k += 1
            name = f"{base}-{k}.html"
        used.add(name)
        names[wid] = name
    return names


def _page_footer(title: str) -> str:
    """The CSS ``content`` of a printed page's footer: ``title`` and the page number as a
    Chinese office writes it, then in English: ``… · 第 2 页 / 共 4 页 · page 2 of 4`` (it read
    ``第 2 / 4 页 page``, a form neither language uses)."""
    return (
        _css_string(f"{title} · 第 ")
        + ' counter(page) " 页 / 共 " counter(pages) " 页 · page " counter(page) " of "'
        + " counter(pages)"
    )


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string or the style element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    escaped = escaped.replace("\n", "\\a ").replace("\r", "")
    return f'"{escaped}"'


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _worker_view(w: dict[str, Any]) -> dict[str, Any]:
    """The header fields of one worker's sheet."""
    monthly = w["monthly_hours"]
    used = w["hours_planned"]
    counts = {t: int(w[f"tier{t}"]) for t in (1, 2, 3)}
    return {
        "worker_id": w["worker_id"],
        "role_zh": labels.role_zh(w["role"]),
        "role_en": labels.role_en(w["role"]),
        "township": labels.place(w["township_id"], w["county_id"]),
        "village": labels.place(w["village_id"]) if w["village_id"] else "全乡镇 whole township",
        "grid": w["grid_id"] or ("全村 whole village" if w["village_id"] else "—"),
        "hours_planned": _hours(used),
        "monthly_hours": _hours(monthly),
        "utilisation": f"{100 * used / monthly:.0f} %" if monthly else "—",
        "households": w["households"],
        "tier_counts_zh": _tier_counts(counts, "zh"),
        "tier_counts_en": _tier_counts(counts, "en"),
        "active": w["active"],
    }


def _row_view(r: dict[str, Any], month: str) -> dict[str, Any]:
    """One table row of a sheet: the household's village by name and code and its grid (a
    township cadre's households lie in many grids, and the sheet showed none of them); under
    a cadence of one visit every few months, whether it is due this month (:mod:`.due`)."""
    zh, en = labels.visits_due_parts(r["visits_per_month"])
    last = r["last_visit_days"]
    return {
        "tier": r["tier"],
        "household_id": r["household_id"],
        "village_id": labels.place(r["village_id"]),
        "grid_id": r["grid_id"] or "—",
        "tier_zh": labels.TIER_ZH[r["tier"]],
        "tier_en": TIER_TERMS[r["tier"]][1],
        "visits_zh": zh,
        "visits_en": en,
        "due": _due_view(next_visit(r["visits_per_month"], last, month)),
        "reasons": r["reasons"],
        "last_visit": "—" if last is None else last,
        "slots": _visit_slots(r["visits_per_month"]),
    }


def _due_view(due: Due | None) -> dict[str, Any] | None:
    """A household's next visit for a template (``zh``, ``en``, ``now``), or None."""
    return None if due is None else {"zh": due.zh, "en": due.en, "now": due.now}


def _due_note(rows: list[dict[str, Any]]) -> dict[str, str] | None:
    """The sentence above a table with rows that say whether a visit is due this month: the
    plan does not say it, the last visit and the cadence do (:mod:`.due`). None when no row
    says it (every household is visited every month)."""
    if not any(r["due"] for r in rows):
        return None
    return {
        "zh": "方案不排定每季度等农户在哪个月走访; “本月应走访 / 本月未到期”按上次走访日期"
        "和走访频次推算。",
        "en": "The plan does not say in which month a quarterly (or less frequent) visit falls; "
        "'due this month' / 'not due this month' is reckoned from the last visit and the "
        "visit frequency.",
    }


def _visit_slots(per_month: float) -> list[str]:
    """One numbered line (①, ②, …) per visit to write its date in, where a month may have
    more than one: as many as the most visits a month can be due (6 a month: ① to ⑥; 1.5 a
    month: ① ②, some months have two). The sheet gave at most four and none below two a
    month, so a policy of weekly visits left the visitor no line for the fifth."""
    n = math.ceil(per_month - 1e-9) if per_month > 1 else 0
    return [chr(0x2460 + i) if i < 20 else f"({i + 1})" for i in range(n)]  # ① … ⑳, (21)


def _unassigned_view(
    unassigned: pl.DataFrame, diagnostics: pl.DataFrame, month: str
) -> dict[str, Any]:
    """The unassigned households by township for the index and the printable sheet: townships
    with unassigned tier-1 households first (then by id), tier 1 first within each."""
    n = unassigned.height
    by_tier = {t: int((unassigned["tier"] == t).sum()) for t in (1, 2, 3)}
    errors = (
        dict(diagnostics.select("township_id", "error").iter_rows())
        if "error" in diagnostics.columns
        else {}
    )
    towns: list[dict[str, Any]] = []
    for (tw,), group in unassigned.partition_by("township_id", as_dict=True).items():
        tiers = {t: int((group["tier"] == t).sum()) for t in (1, 2, 3)}
        first = group.row(0, named=True)
        notes = [x.strip() for x in str(first["shortfall"] or "").split("; ") if x.strip()]
        if errors.get(tw):
            zh, en = labels.REASON_TOWNSHIP_FAILED
            notes.insert(0, f"{zh} / {en}: {errors[tw]}")
        towns.append({
            "id": str(tw),
            "name": labels.place(str(tw), first["county_id"]),
            "n": f"{group.height:,}",
            "tier1": tiers[1],
            "counts_zh": _tier_counts(tiers, "zh"),
            "counts_en": _tier_counts(tiers, "en"),
            "notes": notes,
            "rows": [_unassigned_row_view(r, month) for r in group.iter_rows(named=True)],
        })  # fmt: skip
    return {
        "n": n,
        "n_text": f"{n:,}",
        "counts_zh": _tier_counts(by_tier, "zh"),
        "counts_en": _tier_counts(by_tier, "en"),
        "none_zh": "所导出乡镇的全部农户均已分配走访人员，没有未分配农户。",
        "none_en": "Every household of the exported townships has a visitor: none is unassigned.",
        "sheet": UNASSIGNED_SHEET,
        "csv": UNASSIGNED_CSV,
        "due_note": _due_note([r for t in towns for r in t["rows"]]),
        "townships": sorted(towns, key=lambda t: (t["tier1"] == 0, t["id"])),
    }


def _tier_counts(counts: dict[int, int], lang: str) -> str:
    """``一类户 8, 二类户 0, 三类户 0`` (or ``tier 1: 8, ...``), each tier's name and count
    joined by no-break spaces, so that a line never ends between them (``tier 3:`` above
    its ``0``)."""
    if lang == "zh":
        return ", ".join(f"{labels.TIER_ZH[t]}\u00a0{counts[t]:,}" for t in (1, 2, 3))
    return ", ".join(f"tier\u00a0{t}:\u00a0{counts[t]:,}" for t in (1, 2, 3))


def _unassigned_row_view(r: dict[str, Any], month: str) -> dict[str, Any]:
    """One table row of the unassigned households (a failed township's error is said once,
    above its table)."""
    zh, en = labels.visits_due_parts(r["visits_per_month"])
    failed = r["reason_code"] == REASON_TOWNSHIP_FAILED
    last = r["last_visit_days"]
    due = _due_view(next_visit(r["visits_per_month"], last, month))
    return {
        "tier": r["tier"],
        "household_id": r["household_id"],
        "village": labels.place(r["village_id"]),
        "grid": r["grid_id"] or "—",
        "tier_zh": labels.TIER_ZH[r["tier"]],
        "tier_en": TIER_TERMS[r["tier"]][1],
        "visits_zh": zh,
        "visits_en": en,
        "due": due,
        "previous": r["previous_worker_id"] or "—",
        # The visit's context on a sheet that has no column of its own for it.
        "last_zh": "距上次走访 —" if last is None else f"距上次走访 {last} 天",
        "last_en": "last visit —"
        if last is None
        else f"{last} day{'' if last == 1 else 's'} since last visit",
        "reasons": r["reasons"] or "—",
        "reason_zh": labels.REASON_TOWNSHIP_FAILED[0] + " (见上)" if failed else r["reason_zh"],
        "reason_en": labels.REASON_TOWNSHIP_FAILED[1] + " (see above)"
        if failed
        else r["reason_en"],
    }


def _counts_view(
    rows: pl.DataFrame, unassigned: pl.DataFrame, workers: pl.DataFrame, files: dict[str, str]
) -> dict[str, str]:
    """The figures that let an office check the export against the run's summary: every
    household of the plan, by tier, is on one sheet or on the unassigned list, and how many
    workers have no sheet. ``{zh, en}``: ``共 1,311 户 (一类户 80, …): 1,303 户在 59 份清单上,
    8 户未分配 (一类户 8, …); 3 名人员本月无走访农户。`` and its English."""
    by_tier = {t: int((rows["tier"] == t).sum()) for t in (1, 2, 3)}
    left = {t: int((unassigned["tier"] == t).sum()) for t in (1, 2, 3)}
    total = {t: by_tier[t] + left[t] for t in (1, 2, 3)}
    n, sheets = sum(total.values()), sum(w in files for w in workers["worker_id"])
    idle = workers.height - sheets
    left_zh = f" ({_tier_counts(left, 'zh')})" if unassigned.height else ""
    left_en = f" ({_tier_counts(left, 'en')})" if unassigned.height else ""
    return {
        "zh": f"共 {n:,} 户 ({_tier_counts(total, 'zh')}): {rows.height:,} 户在 {sheets:,} "
        f"份清单上, {unassigned.height:,} 户未分配{left_zh}; {idle:,} 名人员本月无走访农户。",
        "en": f"{n:,} household{_s(n)} ({_tier_counts(total, 'en')}): {rows.height:,} on "
        f"{sheets:,} sheet{_s(sheets)}, {unassigned.height:,} unassigned{left_en}; "
        f"{idle:,} worker{_s(idle)} with no household this month.",
    }


def _s(n: int) -> str:
    """The English plural ending of a count."""
    return "" if n == 1 else "s"


def _index_view(
    townships: list[str],
    workers: pl.DataFrame,
    files: dict[str, str],
    rows: pl.DataFrame,
    unassigned: pl.DataFrame,
) -> list[dict[str, Any]]:
    """Every township exported, with its counts (:func:`_counts_view`) and workers (those
    with a sheet first by role, then the others). A township without workers has its section
    too (it was left out, its households in the unassigned list alone, its counts nowhere)."""
    rank = {"cadre": 0, "village_official": 1, "grid_worker": 2}
    out = []
    for tw in townships:
        group = workers.filter(pl.col("township_id") == tw)
        left = unassigned.filter(pl.col("township_id") == tw)
        ordered = sorted(
            group.iter_rows(named=True), key=lambda w: (rank.get(w["role"], 9), w["worker_id"])
        )
        views = []
        for w in ordered:
            view = _worker_view(w)
            view["sheet"] = (
                f"{SHEETS_DIR}/{files[w['worker_id']]}" if w["worker_id"] in files else ""
            )
            views.append(view)
        counties = [*group["county_id"], *left["county_id"]]
        county = counties[0] if counties else None
        counts = _counts_view(rows.filter(pl.col("township_id") == tw), left, group, files)
        out.append({
            "id": tw, "name": labels.place(str(tw), county), "counts": counts, "workers": views
        })  # fmt: skip
    return sorted(out, key=lambda t: t["id"])


def _move_into_place(stage: Path, out: Path) -> None:
    """Replace everything in ``out`` (an earlier export: :func:`export_visit_lists` checked it)
    by the staged entries, the index last."""
    for old in out.iterdir():
        if old == stage:
            continue
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
    for name in (SHEETS_DIR, CSV_NAME, WORKBOOK_NAME, UNASSIGNED_CSV, UNASSIGNED_SHEET,
                 INDEX_NAME):  # fmt: skip
        (stage / name).replace(out / name)

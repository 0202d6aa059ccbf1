"""What a clerk filing the month's visit lists reads on them: the townships a scoped export
covers, the day the days since the last visit are counted to, and what each CSV column is."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import polars as pl
import pytest
from markupsafe import escape

from tests.visit_planner.helpers import short_staffed_run
from visit_planner.contracts.places import place_label
from visit_planner.contracts.tables import read_table
from visit_planner.export import ExportSummary, export_visit_lists, labels
from visit_planner.export.lists import LIST_COLUMNS, UNASSIGNED_COLUMNS

_TOWNSHIP = "532624001"  # of the short run's three: the one with unassigned households


@pytest.fixture(scope="module")
def short_run(small_prefecture, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """A run of three townships of three counties (tests.visit_planner.helpers)."""
    return short_staffed_run(small_prefecture, tmp_path_factory)


@pytest.fixture(scope="module")
def scoped(short_run: Path, tmp_path_factory: pytest.TempPathFactory) -> ExportSummary:
    out = tmp_path_factory.mktemp("scoped") / "lists"
    return export_visit_lists(short_run, out, month="2026-11", townships=[_TOWNSHIP])


def _sheets(path: Path) -> dict[str, str]:
    """Each worksheet's XML by file name, and the document properties (``core``)."""
    with zipfile.ZipFile(path) as z:
        out = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/")}
        out["core"] = z.read("docProps/core.xml").decode("utf-8")
    return out


def _texts(xml: str) -> list[str]:
    """The text of a worksheet's cells, in order (entities of the XML undone)."""
    found = re.findall(r"<t[^>]*>([^<]*)</t>", xml)
    return [t.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") for t in found]


def test_a_scoped_export_names_its_townships_everywhere(scoped: ExportSummary) -> None:
    """``runs export --township X`` titled its workbook, its footers and its sheets as if for
    the whole run (a county sheet read '1 个乡镇 township'): every title, footer and page now
    says which of the run's townships it holds, by name and code."""
    name = place_label(_TOWNSHIP)
    assert name != _TOWNSHIP and "(" in name  # the fixture's premise: the places table names it
    zh = f"仅导出本方案 3 个乡镇中的 1 个: {name}"
    en = f"1 of the run's 3 townships only: {name}"
    book = _sheets(scoped.workbook)
    assert (
        f"<dc:title>走访清单 Visit lists · 2026-11 · {scoped.run_id[:12]} · 仅 only {name}"
        in (book["core"])
    )
    worksheets = {k: v for k, v in book.items() if k != "core"}
    assert len(worksheets) == 2  # the unassigned households and the township's county
    for xml in worksheets.values():
        texts = _texts(xml)
        assert texts[1] == f"{zh} / {en}", texts[:3]  # below the title, above the header
        footer = re.search(r"<oddFooter>([^<]*)</oddFooter>", xml)
        assert footer is not None and f"仅 only {name} · &amp;A" in footer[1]
    county = next(_texts(x)[0] for x in worksheets.values() if "走访清单" in _texts(x)[0])
    assert f", {name}: {scoped.households:,} 户 households" in county
    assert "个乡镇" not in county
    for page in (scoped.index, scoped.unassigned_sheet):
        html = " ".join(page.read_text("utf-8").split())
        assert f'<p class="scope">{zh} <span class="en">{escape(en)}</span></p>' in html
        assert f"仅 only {name}" in html  # the printed footer
    assert scoped.unassigned > 0  # the unassigned sheet's title is the township's
    assert (
        f"{scoped.unassigned:,} 户 households" in _texts(worksheets["xl/worksheets/sheet1.xml"])[0]
    )


def test_a_whole_run_export_says_no_scope(short_run: Path, tmp_path: Path) -> None:
    """Naming every township of the run is the whole run: no scope line, titles as before."""
    got = export_visit_lists(
        short_run, tmp_path / "all", month="2026-11", townships=["532601001", "532623001",
                                                                 _TOWNSHIP]
    )  # fmt: skip
    assert 'class="scope"' not in got.index.read_text("utf-8")
    book = _sheets(got.workbook)
    assert "仅 only" not in book["core"]
    for key, xml in book.items():
        if key != "core":
            assert not any("仅导出" in t for t in _texts(xml))
            assert "个乡镇 township" in _texts(xml)[0] or "未分配农户" in _texts(xml)[0]


def test_a_scoped_export_is_the_same_bytes_again(
    short_run: Path, scoped: ExportSummary, tmp_path: Path
) -> None:
    again = export_visit_lists(short_run, tmp_path / "again", month="2026-11",
                               townships=[_TOWNSHIP])  # fmt: skip
    files = sorted(p.relative_to(scoped.out) for p in scoped.out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again.out) for p in again.out.rglob("*") if p.is_file())
    for f in files:
        assert (scoped.out / f).read_bytes() == (again.out / f).read_bytes(), f


def test_many_townships_are_counted_in_the_short_title() -> None:
    """A footer holds 255 characters: past three townships, the short title counts them; the
    index's line names every one."""
    codes = [f"53260100{k}" for k in range(1, 5)]
    scope = labels.export_scope(codes, 9, dict.fromkeys(codes, "532601"))
    assert scope is not None
    assert scope["short"] == "仅 only 4 个乡镇 townships"
    assert all(c in scope["zh"] and c in scope["en"] for c in codes)
    assert scope["zh"].startswith("仅导出本方案 9 个乡镇中的 4 个: ")
    assert labels.export_scope(codes, 4, {}) is None


@pytest.mark.parametrize(
    ("month", "day"),
    [("2026-12", "2026-11-30"), ("2026-01", "2025-12-31"), ("2024-03", "2024-02-29")],
)
def test_the_last_visit_is_counted_to_the_end_of_the_month_before(month: str, day: str) -> None:
    assert labels.last_visit_as_of(month) == day
    assert labels.last_visit_header(month) == (
        f"距上次走访天数 (截至 {day})",
        f"days since last visit, as of {day}",
    )


def test_the_csvs_keep_field_names_and_the_index_says_what_each_is(
    scoped: ExportSummary,
) -> None:
    """The CSVs are read back by their field names (a pins file is ``household_id,
    worker_id``): their one header row stays the field names; the index lists every column
    with its Chinese and English header, the last visit's with its day."""
    for path, columns in ((scoped.csv, LIST_COLUMNS), (scoped.unassigned_csv, UNASSIGNED_COLUMNS)):
        first = path.read_bytes().decode("utf-8-sig").splitlines()[0]
        assert tuple(first.split(",")) == columns
    pins, _warnings = read_table(scoped.csv, "pins")  # the extra columns only warned about
    assert pins.height == scoped.households
    assert pins.columns == ["household_id", "worker_id"]
    html = " ".join(scoped.index.read_text("utf-8").split())
    for column in dict.fromkeys([*LIST_COLUMNS, *UNASSIGNED_COLUMNS]):
        zh, en = labels.column_headers([column], "2026-11")[0]
        cell = f'<td class="id">{column}</td><td>{zh} <span class="en">{escape(en)}</span></td>'
        assert cell in html, column
    assert "距上次走访天数 (截至 2026-10-31)" in html
    rows = pl.read_csv(scoped.csv, infer_schema=False)
    assert rows["township_id"].unique().to_list() == [_TOWNSHIP]

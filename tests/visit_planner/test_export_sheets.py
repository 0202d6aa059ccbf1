"""The printed pages of a visit-list export as a clerk prints them on A4 and a worker carries
them: every cell in both languages, in the glossary's words."""

from __future__ import annotations

import re

import polars as pl
import pytest

from tests.visit_planner.helpers import short_staffed_run
from visit_planner.export import ExportSummary, export_visit_lists
from visit_planner.vocabulary import TIER_TERMS


@pytest.fixture(scope="module")
def exported(small_prefecture, tmp_path_factory: pytest.TempPathFactory) -> ExportSummary:  # type: ignore[no-untyped-def]
    """The export of a run of three townships, some households unassigned
    (tests.visit_planner.helpers.short_staffed_run)."""
    run = short_staffed_run(small_prefecture, tmp_path_factory)
    return export_visit_lists(run, tmp_path_factory.mktemp("sheets") / "lists", month="2026-11")


def _tier_cells(html: str) -> list[str]:
    """The inner HTML of every tier cell of a page's tables."""
    return re.findall(r'<td class="tier">(.*?)</td>', html, re.S)


def test_a_tier_cell_says_its_tier_in_both_languages(exported: ExportSummary) -> None:
    """A sheet's tier cell read ``一类户`` alone, where every other cell has its English; it
    now reads ``一类户<br><span class="en">tier 1</span>``, the glossary's words, on the
    workers' sheets and the unassigned households' pages alike."""
    rows = pl.read_csv(exported.csv, infer_schema=False)
    both = {t: f'{zh}<br><span class="en">{en}</span>' for t, (zh, en) in TIER_TERMS.items()}
    checked = 0
    for (worker,), own in rows.partition_by("worker_id", as_dict=True).items():
        html = (exported.out / "sheets" / f"{worker}.html").read_text("utf-8")
        assert _tier_cells(html) == [both[int(t)] for t in own["tier"]], worker
        checked += own.height
    assert checked == rows.height > 0
    unassigned = pl.read_csv(exported.unassigned_csv, infer_schema=False)
    assert set(unassigned["tier"]) == {"1", "2", "3"}  # the fixture's premise
    for page in (exported.unassigned_sheet, exported.index):
        cells = _tier_cells(page.read_text("utf-8"))
        assert sorted(cells) == sorted(both[int(t)] for t in unassigned["tier"]), page.name


def test_a_sheet_counts_its_households_by_tier_in_both_languages(
    exported: ExportSummary,
) -> None:
    """A sheet's heading counted its households as ``12 (一类户 12, 二类户 0, 三类户 0)``,
    Chinese alone, under ``户数``, a wording the glossary replaced by 农户数; it now reads
    ``农户数 Households 12 (一类户 12, 二类户 0, 三类户 0 / tier 1: 12, tier 2: 0, tier 3:
    0)``, each tier beside its count with no line break between them."""
    rows = pl.read_csv(exported.csv, infer_schema=False)
    for (worker,), own in rows.partition_by("worker_id", as_dict=True).items():
        html = (exported.out / "sheets" / f"{worker}.html").read_text("utf-8")
        n = {t: int((own["tier"] == str(t)).sum()) for t in (1, 2, 3)}
        zh = ", ".join(f"{TIER_TERMS[t][0]}\u00a0{n[t]}" for t in (1, 2, 3))
        en = ", ".join(f"tier\u00a0{t}:\u00a0{n[t]}" for t in (1, 2, 3))
        heading = re.search(r'<dt>(\S+) <span class="en">Households</span></dt>\s*<dd[^>]*>'
                            r"(.*?)</dd>", html, re.S)  # fmt: skip
        assert heading is not None, worker
        assert heading[1] == "农户数", worker
        assert re.sub(r"[ \n]+", " ", heading[2]) == (  # no-break spaces kept
            f'{own.height} ({zh} / <span class="en">{en}</span>)'
        ), worker
    index = exported.index.read_text("utf-8")
    assert '<th>农户数 <span class="en">Households</span></th>' in index
    assert not re.search(r"(?<!农)户数 <span", index)


def test_a_row_of_the_index_is_never_split_across_two_pages(exported: ExportSummary) -> None:
    """The index's worker rows run to two or three lines (村组干部 / village official, a
    village by name and code): like the sheets' rows, each now stays whole on one printed
    page, and the header is repeated on every page."""
    index = exported.index.read_text("utf-8")
    style = index.split("<style>")[1].split("</style>")[0]
    assert "table.index thead { display: table-header-group; }" in style
    assert "table.index tr { break-inside: avoid; page-break-inside: avoid; }" in style
    assert "table.list tr { break-inside: avoid; page-break-inside: avoid; }" in style


def _frequency_cells(html: str) -> list[str]:
    """The text of every visit-frequency cell of a worker's sheet (the fifth column)."""
    rows = re.findall(r"<tr class=\"t\d\">(.*?)</tr>", html, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[4] for row in rows]
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]


def test_a_quarterly_household_says_whether_it_is_due_this_month(
    exported: ExportSummary,
) -> None:
    """A grid worker's sheet said ``每季度 1 次 quarterly`` under ``本月应走访 Visits due``,
    as if every household on it were to be visited this month; the plan only pairs them. The
    column is now the visit frequency, and a quarterly household's cell says what its last
    visit gives: November 2026 (counted back from 2026-10-31), a visit in August falls due in
    November, one before August is overdue, one since September is not due. A household
    visited every month has no such line."""
    rows = pl.read_csv(exported.csv, infer_schema=False)
    seen: dict[str, int] = {}
    for (worker,), own in rows.partition_by("worker_id", as_dict=True).items():
        html = (exported.out / "sheets" / f"{worker}.html").read_text("utf-8")
        head = '<th>走访频次 / 本月<span class="en">Visit frequency / this month</span></th>'
        assert head in html
        assert "Visits due" not in html
        cells = _frequency_cells(html)
        assert len(cells) == own.height, worker
        for cell, tier, days in zip(cells, own["tier"], own["last_visit_days"], strict=True):
            if tier != "3":
                assert cell in {"每月 2 次 2 a month", "每月 1 次 1 a month"}, cell
                continue
            d = int(days)
            want = (
                "本月未到期 not due this month" if d <= 60
                else "本月应走访 due this month" if d <= 91
                else "已逾期 overdue"
            )  # fmt: skip
            assert cell == f"每季度 1 次 quarterly {want}", (worker, d, cell)
            seen[want] = seen.get(want, 0) + 1
        if "3" in set(own["tier"]):
            assert "按上次走访日期和走访频次推算" in html and "reckoned from the last visit" in html
    assert len(seen) == 3, seen  # the fixture has all three


def test_the_unassigned_sheet_prints_landscape_with_room_to_write(
    exported: ExportSummary,
) -> None:
    """The unassigned households' sheet printed 19 households of the demo on 6 portrait
    pages, each row as tall as a 33 mm column of reasons made it, with 20 mm to write the
    arranged visitor in. It now prints A4 landscape with 10 mm margins, its columns filling
    the 277 mm between them, the reasons 52 mm and the explanation 86 mm wide, 30 mm to write
    in; each row still stays whole on one page."""
    html = exported.unassigned_sheet.read_text("utf-8")
    assert "@page { size: A4 landscape; margin: 10mm; }" in html
    assert "table.list tr { break-inside: avoid; page-break-inside: avoid; }" in html
    for group in re.findall(r"<colgroup>(.*?)</colgroup>", html, re.S):
        widths = [int(w) for w in re.findall(r"width: (\d+)mm", group)]
        assert sum(widths) == 297 - 2 * 10, widths
        assert widths[-3:] == [52, 86, 30], widths
    # The index keeps its portrait page and its own columns.
    assert "landscape" not in exported.index.read_text("utf-8")

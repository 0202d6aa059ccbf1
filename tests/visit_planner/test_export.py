"""Printable visit lists of a run: the CSV, the A4 sheets and the index."""

from __future__ import annotations

import errno
import re
import shutil
import zipfile
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import (
    assign_run,
    resealed,
    short_staffed,
    short_staffed_run,
    write_inputs,
)
from visit_planner.contracts.places import place_label
from visit_planner.errors import PlanFileError
from visit_planner.export import ExportSummary, export_visit_lists, labels
from visit_planner.export.lists import LIST_COLUMNS, UNASSIGNED_COLUMNS
from visit_planner.export.sheets import _sheet_files, _visit_slots
from visit_planner.outputs import OutputError
from visit_planner.runs import RunReader

_VOID = {"meta", "br", "col", "link", "img", "hr", "input"}


class _WellFormed(HTMLParser):
    """Checks that every non-void element is closed, in order; records links and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links += [v for k, v in attrs if k == "href" and v]
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(path: Path) -> _WellFormed:
    parser = _WellFormed()
    parser.feed(path.read_text("utf-8"))
    parser.close()
    assert parser.errors == [], (path, parser.errors[:3])
    assert parser.stack == [], (path, parser.stack)
    return parser


@pytest.fixture(scope="module")
def run_dir(small_prefecture, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """One ``assign`` run of the small prefecture with truth-based scores."""
    d = write_inputs(small_prefecture, tmp_path_factory.mktemp("export_inputs"), places=True)
    return assign_run(d, tmp_path_factory.mktemp("export_run") / "run")


@pytest.fixture(scope="module")
def exported(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ExportSummary:
    return export_visit_lists(run_dir, tmp_path_factory.mktemp("lists"), month="2026-11")


def test_csv_lists_every_assigned_household_once(run_dir: Path, exported: ExportSummary) -> None:
    plan = pl.read_parquet(run_dir / "plan.parquet")
    assigned = plan.filter(pl.col("worker_id").is_not_null())
    csv = pl.read_csv(exported.csv, schema_overrides={"village_id": pl.String})
    assert tuple(csv.columns) == LIST_COLUMNS
    assert csv["household_id"].is_unique().all()
    assert sorted(csv["household_id"].to_list()) == sorted(assigned["household_id"].to_list())
    assert exported.households == csv.height == assigned.height
    assert exported.unassigned == plan.height - assigned.height
    per_worker = dict(csv.group_by("worker_id").len().iter_rows())
    assert per_worker == dict(assigned.group_by("worker_id").len().iter_rows())
    # The worker and tier are the plan's; every row has a cadence and a reason.
    joined = csv.join(plan, on="household_id", suffix="_plan")
    assert (joined["worker_id"] == joined["worker_id_plan"]).all()
    assert (joined["tier"] == joined["tier_plan"]).all()
    due = dict(csv.select("tier", "visits_due").unique().iter_rows())
    assert due == {
        1: "每月 2 次 / 2 a month",
        2: "每月 1 次 / 1 a month",
        3: "每季度 1 次 / quarterly",
    }
    assert csv["reasons"].null_count() == 0 and csv["reasons"].str.contains(" / ").all()
    assert set(csv["reason_source"]) == {"assignment"}  # the run stored no risk reasons
    assert csv["last_visit_days"].null_count() == 0
    assert exported.csv.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read CJK


def test_one_sheet_per_worker_with_households(run_dir: Path, exported: ExportSummary) -> None:
    plan = pl.read_parquet(run_dir / "plan.parquet").filter(pl.col("worker_id").is_not_null())
    counts = dict(plan.group_by("worker_id").len().iter_rows())
    sheets = sorted((exported.out / "sheets").iterdir())
    assert [p.stem for p in sheets] == sorted(counts)
    assert exported.sheets == len(counts)
    # A cadre's sheet: headings, the blank name slot, one table row per household.
    cadre = plan.filter(pl.col("role") == "cadre")["worker_id"][0]
    path = exported.out / "sheets" / f"{cadre}.html"
    html = path.read_text("utf-8")
    parsed = _parse(path)
    text = " ".join(parsed.text)
    for heading in ("走访清单", "Visit list", "月份", "基层干部", "cadre", "乡镇", "Township"):
        assert heading in text, heading
    for column in ("户编号", "类别", "走访频次", "走访事由", "距上次走访天数", "走访日期"):
        assert column in text, column
    # The last visit's number says its unit in Chinese too (the heading read '上次走访 days
    # ago': '上次走访 32' to a reader of the Chinese), and the day it is counted to (it said
    # 'days ago' of no day: a sheet filed and read a month later misleads by a month).
    assert "距上次走访天数" in text and "Days since last visit" in text
    flat = " ".join(text.split())
    assert "“距上次走访天数”截至 2026-10-31 (上月末)。" in flat
    assert "Days since last visit are counted to 2026-10-31, the end of the previous month." in flat
    assert re.search(
        r"姓名 <span class=\"en\">Name</span>: <span class=\"blank name\"></span>", html
    )
    assert "签名" in text and "日期" in text
    assert "2026-11" in text and cadre in text
    assert html.count('<tr class="t') == counts[cadre]
    assert "一类户" in text
    assert "@page { size: A4; margin: 15mm; }" in html
    assert "display: table-header-group" in html
    assert '"Noto Sans CJK SC", sans-serif' in html


def test_printed_pages_are_numbered_as_an_office_writes_it(exported: ExportSummary) -> None:
    """Every printed page's footer reads '第 2 页 / 共 4 页 · page 2 of 4' (it read
    '第 2 / 4 页 page', a form neither language uses), after the sheet's title and month; the
    index's too (a 22-page index printed without page numbers)."""
    number = (
        '第 " counter(page) " 页 / 共 " counter(pages) " 页 · page " counter(page) " of " '
        "counter(pages);"
    )
    sheet = next((exported.out / "sheets").iterdir())
    footers = {
        sheet: f'"走访清单 Visit list · 2026-11 · {sheet.stem} · {number}',
        exported.unassigned_sheet: f'"未分配农户 Unassigned households · 2026-11 · {number}',
        exported.index: f'"走访清单目录 Visit lists · 2026-11 · {number}',
    }
    for path, footer in footers.items():
        html = path.read_text("utf-8")
        assert "@bottom-right { content: " + footer in html, path
        assert "页 page" not in html, path


def test_every_page_says_when_its_run_was_published_in_beijing_time(
    run_dir: Path, exported: ExportSummary
) -> None:
    """A township that receives an amended plan holds two piles of sheets of the same month:
    each page (the workers' sheets, the unassigned households, the index) and each sheet of
    the workbook says when its run was published, in Beijing time (UTC+8), beside the run's
    id; before, no page had a date or time at all."""
    created = RunReader(run_dir).manifest.created_at
    beijing = timezone(timedelta(hours=8))
    when = datetime.fromisoformat(created).astimezone(beijing).strftime("%Y-%m-%d %H:%M")
    said = f"发布于 published {when} (北京时间 Beijing time)"
    pages = [
        *sorted((exported.out / "sheets").iterdir()),
        exported.unassigned_sheet,
        exported.index,
    ]
    for page in pages:
        sub = re.search(r'<p class="sub">(.*?)</p>', page.read_text("utf-8"), re.S)
        assert sub is not None, page
        text = " ".join(re.sub(r"<[^>]+>", "", sub[1]).split())
        assert f"方案 run {exported.run_id[:12]} · {said}" in text, (page, text)
    with zipfile.ZipFile(exported.workbook) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) > 1
        for name in sheets:
            assert f"方案 run {exported.run_id[:12]} · {said}" in book.read(name).decode(), name


def test_a_line_per_visit_due_to_write_its_date(run_dir: Path, tmp_path: Path) -> None:
    """As many numbered date lines as the most visits a month can be due: a policy of 6 visits
    a month gave four lines (① to ④), one of 1.5 a month none."""
    assert _visit_slots(2.0) == ["①", "②"]
    assert _visit_slots(1.5) == ["①", "②"]  # some months two
    assert _visit_slots(1.0) == [] and _visit_slots(1 / 3) == []  # the cell is the line
    assert _visit_slots(6.0) == ["①", "②", "③", "④", "⑤", "⑥"]
    assert len(_visit_slots(4.33)) == 5
    assert _visit_slots(21.0)[19:] == ["⑳", "(21)"]
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    policy = (copy / "policy.toml").read_text("utf-8")
    policy, n = re.subn(r"(\[tiers\.1\][^\[]*visits_per_month = )[0-9.]+", r"\g<1>6.0", policy)
    assert n == 1
    (copy / "policy.toml").write_text(policy, "utf-8")
    resealed(copy, "policy.toml")
    got = export_visit_lists(copy, tmp_path / "lists", month="2026-11")
    csv = pl.read_csv(got.csv, schema_overrides={"village_id": pl.String})
    tier1 = csv.filter(pl.col("tier") == 1)
    assert tier1.height > 0 and set(tier1["visits_due"]) == {"每月 6 次 / 6 a month"}
    worker = tier1["worker_id"][0]
    html = (got.out / "sheets" / f"{worker}.html").read_text("utf-8")
    lines = '<td class="notes">①<br>②<br>③<br>④<br>⑤<br>⑥</td>'
    assert html.count(lines) == tier1.filter(pl.col("worker_id") == worker).height


def test_a_run_no_longer_current_says_so_on_every_page(run_dir: Path, tmp_path: Path) -> None:
    """The lists of a superseded or rolled-back run (a run id copied from last week's message)
    looked like this month's: every page now says the run is not the current one and names
    that, its footer too; the current run's pages say nothing of it."""
    tw = RunReader(run_dir).townships()[0]
    got = export_visit_lists(
        run_dir, tmp_path / "old", month="2026-11", townships=[tw], superseded_by="0123abcd (v2)"
    )
    assert got.superseded_by == "0123abcd (v2)"
    run_id = RunReader(run_dir).manifest.run_id[:12]
    zh = f"本清单所属方案 {run_id} 已不是本月当前方案 (当前方案为 0123abcd (v2)), 请勿按本清单走访"
    en = f"run {run_id} is no longer the month's current run (that is 0123abcd (v2))"
    pages = [got.index, got.unassigned_sheet, *sorted((got.out / "sheets").iterdir())]
    assert len(pages) > 2
    for page in pages:
        text = " ".join(" ".join(_parse(page).text).split())
        assert f"{zh} {en}: do not visit from this list" in text, page
    for page in pages:  # every printed page's footer
        assert "· 已非当前方案 not the current run · 第 " in page.read_text("utf-8"), page
    current = export_visit_lists(run_dir, tmp_path / "now", month="2026-11", townships=[tw])
    assert current.superseded_by is None
    for page in [current.index, current.unassigned_sheet, *(current.out / "sheets").iterdir()]:
        html = page.read_text("utf-8")
        assert "当前方案" not in html and "not the current run" not in html, page


def test_pages_are_well_formed_and_self_contained(exported: ExportSummary) -> None:
    pages = [exported.index, *sorted((exported.out / "sheets").iterdir())]
    for path in pages:
        html = path.read_text("utf-8")
        _parse(path)
        assert not re.search(r"https?://", html), path
        assert "<script" not in html and "@import" not in html and "url(" not in html, path
    index = _parse(exported.index)
    assert len(index.links) == exported.sheets + 2  # the unassigned households', the workbook
    assert "unassigned.html" in index.links and "visit_lists.xlsx" in index.links
    assert all((exported.out / link).is_file() for link in index.links)
    page = exported.unassigned_sheet.read_text("utf-8")
    _parse(exported.unassigned_sheet)
    assert not re.search(r"https?://", page) and "<script" not in page and "url(" not in page
    assert "走访清单目录" in " ".join(index.text)


def test_tier_wording_is_one_per_tier(exported: ExportSummary) -> None:
    texts = " ".join(p.read_text("utf-8") for p in (exported.out / "sheets").iterdir())
    for word in ("一类户", "二类户", "三类户"):
        assert word in texts
    assert "一类(高风险)" not in texts  # the policy's names stay in the policy


def test_townships_filter_and_errors(run_dir: Path, tmp_path: Path) -> None:
    tw = RunReader(run_dir).townships()[1]
    got = export_visit_lists(run_dir, tmp_path / "one", month="2026-12", townships=[tw])
    csv = pl.read_csv(got.csv, schema_overrides={"township_id": pl.String})
    assert set(csv["township_id"]) == {tw} and got.townships == (tw,)
    assert "2026-12" in got.index.read_text("utf-8")
    with pytest.raises(PlanFileError, match="NOPE") as refused:
        export_visit_lists(run_dir, tmp_path / "x", month="2026-12", townships=["NOPE"])
    # The run's townships are offered, by name and code; not the run directory's path.
    assert "乡镇不在本月方案中" in str(refused.value) and str(run_dir) not in str(refused.value)
    assert place_label(tw) in str(refused.value)
    places = RunReader(run_dir).places()
    assert places is not None
    name = places.filter(pl.col("code") == tw)["name_zh"][0]
    by_name = export_visit_lists(run_dir, tmp_path / "two", month="2026-12", townships=[name])
    assert by_name.townships == (tw,)
    with pytest.raises(PlanFileError, match="YYYY-MM"):
        export_visit_lists(run_dir, tmp_path / "x", month="12/2026")
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())


def test_a_file_as_out_is_refused_before_any_work(run_dir: Path, tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("mine", "utf-8")
    with pytest.raises(
        OutputError, match=r"afile: 输出路径是文件, 需要目录 \(is a file, not a directory\)"
    ):
        export_visit_lists(run_dir, afile, month="2026-11")
    assert afile.read_text("utf-8") == "mine"


def test_an_out_that_cannot_be_made_is_refused_before_any_work(tmp_path: Path) -> None:
    """A file where a parent directory should be (or no permission, a read-only file system)
    was a traceback from mkdir after the run had been read; now a message naming the file in
    the way, before the run is opened (``no_run`` does not exist)."""
    afile = tmp_path / "afile"
    afile.write_text("mine", "utf-8")
    for out in (afile / "lists", afile / "a" / "b"):
        with pytest.raises(PlanFileError) as refused:
            export_visit_lists(tmp_path / "no_run", out, month="2026-11")
        assert str(refused.value) == (
            f"{out}: 无法创建输出目录 (cannot create the output directory: Not a directory; "
            f"{afile} 是文件 is a file)"
        )
    assert afile.read_text("utf-8") == "mine"


def test_a_failed_write_leaves_the_earlier_export_or_nothing(
    run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills up while the sheets are written: a message naming the directory
    and why, no traceback; an earlier export stays whole, a directory made for this export
    is removed."""
    out = tmp_path / "lists"
    export_visit_lists(run_dir, out, month="2026-11")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def full(self: Path, *args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    for target, overwrite in ((out, True), (tmp_path / "new" / "lists", False)):
        with pytest.raises(PlanFileError) as refused:
            export_visit_lists(run_dir, target, month="2026-11", overwrite=overwrite)
        assert str(refused.value) == (
            f"{target}: 无法写入走访清单 (cannot write the visit lists: No space left on device)"
        )
    monkeypatch.undo()
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not (tmp_path / "new").exists()


def test_a_non_empty_out_needs_overwrite_and_is_then_replaced_whole(
    run_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "lists"
    first = export_visit_lists(run_dir, out, month="2026-11")
    before = (out / "visit_lists.csv").read_bytes()
    with pytest.raises(OutputError, match=r"not empty.*--overwrite"):
        export_visit_lists(run_dir, out, month="2026-11")
    assert (out / "visit_lists.csv").read_bytes() == before  # untouched
    # An earlier export is replaced whole: nothing of it stays beside the new lists.
    (out / "sheets" / "W-LEFT.html").write_text("a worker who left", "utf-8")
    (out / "notes.txt").write_text("stray", "utf-8")
    tw = RunReader(run_dir).townships()[0]
    again = export_visit_lists(run_dir, out, month="2026-11", townships=[tw], overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == [
        "index.html", "sheets", "unassigned.csv", "unassigned.html", "visit_lists.csv",
        "visit_lists.xlsx",
    ]  # fmt: skip
    assert len(list((out / "sheets").iterdir())) == again.sheets < first.sheets
    # A directory that is not an export is never emptied, --overwrite or not.
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("keep", "utf-8")
    with pytest.raises(OutputError, match="not this tool's output"):
        export_visit_lists(run_dir, other, month="2026-11", overwrite=True)
    assert [p.name for p in other.iterdir()] == ["keep.txt"]


def test_assignment_reasons_name_last_months_visitor_in_one_wording(
    exported: ExportSummary,
) -> None:
    """走访人员 / visitor: the worker who visits the household, one wording for kept and taken
    over (was 延续上月走访人员 but 接替上月人员)."""
    reasons = set(pl.read_csv(exported.csv)["reasons"])
    assert "延续上月走访人员 / same visitor as last month" in reasons
    taking_over = [r for r in reasons if r.startswith("接替")]
    assert taking_over, reasons
    for r in taking_over:
        assert re.fullmatch(r"接替上月走访人员 (W\d+) / takes over from last month's visitor \1", r)


def test_risk_reasons_are_used_when_the_run_stored_them(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    reader = RunReader(copy)
    tw = reader.townships()[0]
    households = reader.plan(tw)["household_id"]
    reason = pl.Struct({"code": pl.String, "contribution": pl.Float64, "text": pl.String})
    reasons = [
        [
            {
                "code": "elderly_living_alone",
                "contribution": 0.85,
                "text": "独居老人 / alone +0.85",
            },
            {"code": "village_points", "contribution": -0.1, "text": "积分 80 / points 80 -0.10"},
        ]
    ] * households.len()
    pl.DataFrame(
        {"household_id": households, "reasons": pl.Series(reasons, dtype=pl.List(reason))}
    ).write_parquet(copy / "townships" / tw / "scores.parquet")
    got = export_visit_lists(copy, tmp_path / "lists", month="2026-11", townships=[tw])
    csv = pl.read_csv(got.csv)
    assert set(csv["reason_source"]) == {"risk"}
    assert set(csv["reasons"]) == {"独居老人 / alone"}  # raising reasons only, no magnitude


def test_unassigned_households_say_what_to_check_and_when_last_visited(
    run_dir: Path, tmp_path: Path
) -> None:
    """Whoever the township arranges to visit an unassigned household needs what a visit list
    gives: the reasons of its tier (what to check) and its last visit; the unassigned CSV and
    sheet had neither (reasons) or only the CSV (last visit)."""
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    reader = RunReader(copy)
    missing = reader.plan(reader.townships()[0]).head(0)
    for tw in reader.townships():
        missing = reader.plan(tw).filter(pl.col("worker_id").is_null())
        if missing.height:
            break
    assert missing.height > 0  # the fixture's premise
    tw = str(missing["township_id"][0])
    households = reader.plan(tw)["household_id"]
    reason = pl.Struct({"code": pl.String, "contribution": pl.Float64, "text": pl.String})
    alone = {"code": "elderly_living_alone", "contribution": 0.85, "text": "独居老人 / alone +0.85"}
    pl.DataFrame(
        {"household_id": households, "reasons": pl.Series([[alone]] * households.len(),
                                                          dtype=pl.List(reason))}
    ).write_parquet(copy / "townships" / tw / "scores.parquet")  # fmt: skip
    got = export_visit_lists(copy, tmp_path / "lists", month="2026-11", townships=[tw])
    u = _unassigned_csv(got.unassigned_csv)
    assert tuple(u.columns) == UNASSIGNED_COLUMNS
    assert sorted(u["household_id"]) == sorted(missing["household_id"])
    assert set(u["reasons"]) == {"独居老人 / alone"}  # raising reasons, no magnitude
    days = dict(reader.inputs(tw)["households"].select("household_id", "last_visit_days")
                .iter_rows())  # fmt: skip
    sheet = " ".join(" ".join(_parse(got.unassigned_sheet).text).split())
    assert "走访事由 Reasons" in sheet and sheet.count("独居老人 / alone") == missing.height
    for hid in missing["household_id"]:
        n = days[hid]
        assert f"距上次走访 {n} 天" in sheet
        assert f"· {n} day{'' if n == 1 else 's'} since last visit" in sheet
    assert "“距上次走访天数”截至 2026-10-31 (上月末)。" in sheet


def test_an_overridden_or_rule_raised_tier_gives_its_own_reason(
    run_dir: Path, tmp_path: Path
) -> None:
    """A household a supervisor made 一类户 was listed with the model's reasons for the tier
    the override replaced (e.g. 家庭人口 2 人 for a tier-3 prediction): now the override's
    reason (without its author), and a rule's text before the risk reasons."""
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    reader = RunReader(copy)
    tw = reader.townships()[0]
    households = reader.plan(tw).filter(pl.col("worker_id").is_not_null())["household_id"]
    rule = reader.policy.risk.rules[0]
    reason = pl.Struct({"code": pl.String, "contribution": pl.Float64, "text": pl.String})
    n = households.len()
    members = {"code": "members", "contribution": 0.2, "text": "家庭人口 2 人 / members +0.20"}
    source = ["override", "rule"] + ["model"] * (n - 2)
    pl.DataFrame(
        {
            "household_id": households,
            "tier_source": source,
            "reasons": pl.Series(
                [[members]] * n,
                dtype=pl.List(reason),
            ),
            "rule": [None, rule.code] + [None] * (n - 2),
            "override_reason": ["#6 planner.li: 独居老人需关注"] + [None] * (n - 1),
        }
    ).write_parquet(copy / "townships" / tw / "scores.parquet")
    got = export_visit_lists(copy, tmp_path / "lists", month="2026-11", townships=[tw])
    csv = pl.read_csv(got.csv)
    by_household = {r["household_id"]: r for r in csv.iter_rows(named=True)}
    overridden, raised = by_household[households[0]], by_household[households[1]]
    assert overridden["reason_source"] == "override"
    assert overridden["reasons"] == "督导调整类别 / tier set by a supervisor #6: 独居老人需关注"
    assert raised["reason_source"] == "rule"
    assert raised["reasons"] == (
        f"政策规则: {rule.text_zh} / policy rule: {rule.text_en}; 家庭人口 2 人 / members"
    )
    others = csv.filter(~pl.col("household_id").is_in(households[:2].to_list()))
    assert set(others["reason_source"]) == {"risk"}
    assert set(others["reasons"]) == {"家庭人口 2 人 / members"}
    sheet = (got.out / "sheets" / f"{overridden['worker_id']}.html").read_text("utf-8")
    assert "独居老人需关注" in sheet and "planner.li" not in sheet


def test_labels() -> None:
    assert labels.visits_due(2.0) == "每月 2 次 / 2 a month"
    assert labels.visits_due(1 / 3) == "每季度 1 次 / quarterly"
    assert labels.visits_due(0.5) == "每两个月 1 次 / every 2 months"
    assert labels.visits_due(1 / 6) == "每 6 个月 1 次 / every 6 months"
    assert labels.visits_due(1.5) == "每月 1.50 次 / 1.50 a month"
    # 类别 is a tier: the nearest worker who can take the household's tier (not a "类别人员")
    assert labels.REASON_NEAREST[0].startswith("最近的可承接该类别的人员 {} (")
    assert labels.place("532624003", "532624") == "532624003 (麻栗坡县 Malipo)"
    assert labels.place("999", "999") == "999"
    assert [labels.role_zh(r) for r in ("cadre", "village_official", "grid_worker")] == [
        "基层干部", "村组干部", "网格员",
    ]  # fmt: skip


def test_sheet_file_names_stay_inside_the_folder() -> None:
    names = _sheet_files(["W1", "../../etc/x", "a/b", "a_b", ".."])
    assert names["W1"] == "W1.html"
    assert all("/" not in n and not n.startswith(".") for n in names.values())
    assert len(set(names.values())) == 5


def test_places_are_named_in_the_lists(run_dir: Path, exported: ExportSummary) -> None:
    """The run keeps the inputs' place names; the CSV and the sheets name every place."""
    places = RunReader(run_dir).places()
    assert places is not None and set(places["level"]) == {"county", "township", "village"}
    rows = pl.read_csv(exported.csv, infer_schema=False)
    assert rows["township_name"].null_count() == 0 and rows["village_name"].null_count() == 0
    assert rows["county_name"].null_count() == 0
    named = dict(places.select("code", "name_zh").iter_rows())
    first = rows.row(0, named=True)
    assert first["township_name"] == named[first["township_id"]]
    assert first["county_name"] == named[first["county_id"]]  # e.g. 文山市 beside 532601
    assert rows.columns.index("county_name") == rows.columns.index("county_id") + 1
    sheet = next((exported.out / "sheets").glob("*.html")).read_text("utf-8")
    index = (exported.out / "index.html").read_text("utf-8")
    assert labels.place("532601001") in index
    assert f"{named['532601001']} Kaihua Subdistrict (532601001)" in index  # both languages
    village = re.search(r"(\d{12})", sheet)
    assert village is not None
    code = village.group(1)  # e.g. 老园村 Laoyuan (532625001001): both languages on paper
    assert f"{named[code]} " in sheet and f"{labels.place(code)}" in sheet
    assert labels.place(code).startswith(named[code]) and labels.place(code).endswith(f"({code})")


def test_each_household_on_a_sheet_says_its_village_and_grid(exported: ExportSummary) -> None:
    """A township cadre's households lie in many grids; the sheet showed each one's village
    and no grid (its heading's grid reads '—' for a cadre): each row now has the village by
    name and code and, below it, the household's grid, as the CSV and unassigned.html have."""
    rows = pl.read_csv(exported.csv, infer_schema=False)
    cadres = rows.filter(pl.col("role") == "cadre")
    assert cadres.group_by("worker_id").agg(pl.col("grid_id").n_unique())["grid_id"].max() > 1
    checked = 0
    for (worker,), own in rows.partition_by("worker_id", as_dict=True).items():
        html = (exported.out / "sheets" / f"{worker}.html").read_text("utf-8")
        assert '<th>村 / 网格<span class="en">Village / grid</span></th>' in html
        cells = re.findall(
            r'<td class="id">(H[^<]*)</td>\s*<td class="id">([^<]*)<br>([^<]*)</td>', html
        )
        assert [(h, grid) for h, _, grid in cells] == list(
            own.select("household_id", "grid_id").iter_rows()
        ), worker
        assert [v for _, v, _ in cells] == [labels.place(v) for v in own["village_id"]], worker
        checked += len(cells)
    assert checked == rows.height


def test_places_fall_back_to_codes_without_names() -> None:
    from visit_planner.contracts.places import forget_places, place_label, remember_places

    forget_places()
    try:
        assert labels.place("532601001", "532601") == "532601001 (文山市 Wenshan)"
        assert place_label("532601999001") == "532601999001"
        remember_places(pl.DataFrame({"code": ["532601999001"], "name_zh": ["龙塘村"],
                                      "name_en": ["Longtang"]}))  # fmt: skip
        assert place_label("532601999001") == "龙塘村 Longtang (532601999001)"
        assert place_label("532601999001", "zh") == "龙塘村 (532601999001)"
        assert labels.place("532601999001") == "龙塘村 Longtang (532601999001)"
    finally:
        forget_places()


# ----------------------------------------------------------------------- unassigned households


def _rows_of_sections(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """``(township heading, [(tier class, household id), ...])`` of each township section of an
    unassigned-households page, in order."""
    out = []
    for section in re.findall(r'<section class="township">(.*?)</section>', html, re.S):
        heading = re.search(r"<h3>(.*?)</h3>", section, re.S)
        assert heading is not None
        rows = re.findall(r'<tr class="t(\d)">\s*<td class="num">\d+</td>\s*'
                          r'<td class="id">([^<]+)</td>', section)  # fmt: skip
        text = re.sub(r"<[^>]+>", "", heading.group(1))  # the heading's text, tags dropped
        out.append((" ".join(text.split()), rows))
    return out


def _unassigned_csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False).with_columns(pl.col("tier").cast(pl.Int8))


def test_unassigned_households_are_named_with_place_and_reason(
    run_dir: Path, exported: ExportSummary
) -> None:
    """The small prefecture's run leaves tier-1 households of one township uncovered: the CSV,
    the index and the printable sheet name every one, with its township and village by name
    and code, the run's reason and the township's shortfall."""
    plan = pl.read_parquet(run_dir / "plan.parquet")
    missing = plan.filter(pl.col("worker_id").is_null())
    assert missing.height > 0  # the fixture's premise
    u = _unassigned_csv(exported.unassigned_csv)
    assert tuple(u.columns) == UNASSIGNED_COLUMNS
    assert exported.unassigned_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    assert sorted(u["household_id"]) == sorted(missing["household_id"])
    assert exported.unassigned == u.height == missing.height
    assert exported.unassigned_tier1 == int((missing["tier"] == 1).sum())
    # Tier and township are the plan's; places by name and code, as the visit lists say them.
    joined = u.join(missing, on="household_id", suffix="_plan")
    assert (joined["tier"] == joined["tier_plan"]).all()
    assert (joined["township_id"] == joined["township_id_plan"]).all()
    places = RunReader(run_dir).places()
    assert places is not None
    named = dict(places.select("code", "name_zh").iter_rows())
    for r in u.iter_rows(named=True):
        assert r["township_name"] == named[r["township_id"]]
        assert r["village_name"] == named[r["village_id"]]
        assert r["county_name"] == named[r["county_id"]]
    # The reason is the run's explanation: the nearest worker of an eligible role, and why not.
    expl = pl.read_parquet(run_dir / "explanations.parquet").filter(pl.col("worker_id").is_null())
    by_id = {r["household_id"]: r for r in expl.iter_rows(named=True)}
    for r in u.iter_rows(named=True):
        e = by_id[r["household_id"]]
        assert r["reason_code"] == e["reason_code"]
        assert r["nearest_worker_id"] == e["alt_worker_id"]
        assert e["reason_zh"].split(" (")[0] in r["reason_zh"]
        assert r["reason_zh"].startswith(f"最近的可承接该类别的人员 {e['alt_worker_id']} (")
        assert r["reason_en"].startswith(f"nearest worker of an eligible role {e['alt_worker_id']}")
    diag = dict(pl.read_parquet(run_dir / "diagnostics.parquet")
                .select("township_id", "shortfall").iter_rows())  # fmt: skip
    assert all(r["shortfall"] == diag[r["township_id"]] for r in u.iter_rows(named=True))
    assert u["shortfall"].str.contains("一类户").all()
    # No name, no ID-card number, no personal attribute: the columns are the contract's alone.
    assert not {"head_ethnicity", "head_gender", "name", "id_card"} & set(u.columns)
    # Index and printable sheet: each household once, in its township's section.
    tw = str(missing["township_id"][0])
    label = labels.place(tw)  # 锦屏镇 Jinping Town (532626001): both languages on paper
    assert label.startswith(f"{named[tw]} ") and label.endswith(f"Town ({tw})")
    for page in (exported.index, exported.unassigned_sheet):
        html = page.read_text("utf-8")
        sections = _rows_of_sections(html)
        assert [h for h, _ in sections] == [
            f"乡镇 Township {label} · {missing.height} 户未分配 unassigned "
            f"(一类户 {exported.unassigned_tier1}, 二类户 0, 三类户 0 / "
            f"tier 1: {exported.unassigned_tier1}, tier 2: 0, tier 3: 0)"
        ]  # the counts in English too (they were in Chinese alone)
        assert sorted(hid for _, hid in sections[0][1]) == sorted(missing["household_id"])
        text = " ".join(_parse(page).text)
        assert "需增加" in text and "would cover" in text  # the township's shortfall
        assert "head_ethnicity" not in html
    index = exported.index.read_text("utf-8")
    assert f"{missing.height} 户未分配" in index and 'href="unassigned.html"' in index
    # The unassigned households come before the workers' tables.
    assert index.index('id="unassigned"') < index.index("人员编号")
    sheet = exported.unassigned_sheet.read_text("utf-8")
    assert "安排走访人员" in sheet and "乡镇负责人" in sheet  # to be filled in by the township
    # The subtitle's counts: the Chinese, then ' / ' and the English, as the sheets' shortfall
    # notes and reasons put them (they ran together: '三类户 0 tier 1: …').
    sub = " ".join(re.search(r'<p class="sub">(.*?)</p>', sheet, re.S)[1].split())
    sub = re.sub(r"<[^>]+>", "", sub)
    n1, n2, n3 = (int((missing["tier"] == t).sum()) for t in (1, 2, 3))
    assert sub.endswith(
        f"{missing.height} 户 households (一类户 {n1}, 二类户 {n2}, 三类户 {n3} / "
        f"tier 1: {n1}, tier 2: {n2}, tier 3: {n3})"
    ), sub
    # A tier and its count are never split across two lines.
    assert f"三类户\u00a0{n3}" in sheet and f"tier\u00a03:\u00a0{n3}" in sheet
    assert "@page { size: A4; margin: 15mm; }" in sheet


@pytest.fixture(scope="module")
def short_run(small_prefecture, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """A run of three townships: 532624001 with one worker of the lower roles and no cadre
    (tier-1, 2 and 3 households unassigned), 532601001 with three grid workers (tier 3 only),
    532623001 fully staffed (none)."""
    return short_staffed_run(small_prefecture, tmp_path_factory)


def test_unassigned_tier1_first_everywhere(short_run: Path, tmp_path: Path) -> None:
    got = export_visit_lists(short_run, tmp_path / "lists", month="2026-11")
    plan = pl.read_parquet(short_run / "plan.parquet")
    missing = plan.filter(pl.col("worker_id").is_null())
    assert set(missing["tier"]) == {1, 2, 3}  # the fixture's premise
    u = _unassigned_csv(got.unassigned_csv)
    assert sorted(u["household_id"]) == sorted(missing["household_id"])
    # Per township and tier, the counts of the run's diagnostics.
    diag = pl.read_parquet(short_run / "diagnostics.parquet")
    for r in diag.iter_rows(named=True):
        for t in (1, 2, 3):
            n = u.filter((pl.col("township_id") == r["township_id"]) & (pl.col("tier") == t))
            assert n.height == r[f"unassigned_tier{t}"], (r["township_id"], t)
    # The CSV: tier 1 first, then tier 2, then tier 3.
    tiers = u["tier"].to_list()
    assert tiers == sorted(tiers) and tiers[0] == 1
    assert set(u["township_id"]) == {"532601001", "532624001"}
    assert u["township_name"].null_count() == 0 and u["reason_zh"].null_count() == 0
    # A tier-1 household with no cadre of its own: the nearest cadre is of another township,
    # named with its code.
    first = u.row(0, named=True)
    assert first["nearest_role"] == "cadre" and first["reason_code"] == "outside_jurisdiction"
    assert labels.place("532623001") in first["reason_zh"]
    # The pages: the township with unassigned tier-1 households first, tier 1 first in each.
    for page in (got.index, got.unassigned_sheet):
        sections = _rows_of_sections(page.read_text("utf-8"))
        assert [h.split(" · ")[0] for h, _ in sections] == [
            f"乡镇 Township {labels.place('532624001')}",
            f"乡镇 Township {labels.place('532601001')}",
        ]
        for _, rows in sections:
            order = [int(t) for t, _ in rows]
            assert order == sorted(order)
        assert sorted(hid for _, rows in sections for _, hid in rows) == sorted(
            missing["household_id"]
        )
        assert sections[0][1][0][0] == "1"
    sheet = got.unassigned_sheet.read_text("utf-8")
    assert "section.township + section.township { break-before: page;" in sheet
    # The printed sheet names the township in its table's header, repeated on every page (a
    # page after a township's first said no township); the index has its heading alone.
    for tw in ("532624001", "532601001"):
        where = (
            f'<tr class="where"><th colspan="9">乡镇 <span class="en">Township</span> '
            f"{labels.place(tw)} ·\n未分配农户 "
            '<span class="en">Unassigned households</span> · 2026-11</th></tr>'
        )
        section = next(s for s in sheet.split("<section")[1:] if labels.place(tw) in s)
        thead = section.split("<thead>")[1].split("</thead>")[0]
        assert thead.lstrip().startswith(where), tw
    assert sheet.count('<tr class="where">') == 2
    assert '<tr class="where">' not in got.index.read_text("utf-8")


def _counts_text(plan: pl.DataFrame, sheets: int, idle: int) -> str:
    """The counts the index gives of ``plan``'s households (its Chinese half)."""

    def tiers(frame: pl.DataFrame) -> str:
        n = [frame.filter(pl.col("tier") == t).height for t in (1, 2, 3)]
        return f"一类户\u00a0{n[0]:,}, 二类户\u00a0{n[1]:,}, 三类户\u00a0{n[2]:,}"

    left = plan.filter(pl.col("worker_id").is_null())
    on_lists = plan.height - left.height
    return (
        f"共 {plan.height:,} 户 ({tiers(plan)}): {on_lists:,} 户在 {sheets:,} 份清单上, "
        f"{left.height:,} 户未分配{f' ({tiers(left)})' if left.height else ''}; "
        f"{idle:,} 名人员本月无走访农户。"
    )


def test_index_counts_add_up_to_the_run(short_run: Path, tmp_path: Path) -> None:
    """The index says how many households the exported townships have, by tier, how many are
    on the sheets and how many unassigned, and how many workers have no sheet, for the whole
    export and per township: an office checks them against the run's summary (it gave the
    sheets and the households on them, nothing to check the total against)."""
    got = export_visit_lists(short_run, tmp_path / "lists", month="2026-11")
    plan = pl.read_parquet(short_run / "plan.parquet")
    reader = RunReader(short_run)
    html = got.index.read_text("utf-8")
    notes = re.findall(r'<p class="note">(共 [^<]*) <span class="en">([^<]*)</span></p>', html)
    assert len(notes) == 1 + len(reader.townships())
    workers = pl.concat([reader.inputs(tw)["workers"] for tw in reader.townships()])
    idle = workers.height - got.sheets
    assert idle > 0 and got.unassigned > 0  # the fixture's premise
    assert notes[0][0] == _counts_text(plan, got.sheets, idle)
    assert notes[0][1].startswith(f"{plan.height:,} households (tier\u00a01:\u00a0")
    figures = f"{got.households:,} on {got.sheets:,} sheets, {got.unassigned:,} unassigned"
    assert figures in notes[0][1]
    # Each township's, in the order of the index's sections, against its plan and workers.
    towns = re.findall(r"<h2>乡镇 <span class=\"en\">Township</span> [^<]*\((\d+)\)</h2>", html)
    assert sorted(towns) == sorted(reader.townships())
    for tw, (zh, _) in zip(towns, notes[1:], strict=True):
        own = plan.filter(pl.col("township_id") == tw)
        staff = reader.inputs(tw)["workers"].filter(pl.col("township_id") == tw)
        sheets = own["worker_id"].drop_nulls().n_unique()
        assert zh == _counts_text(own, sheets, staff.height - sheets), tw


def test_a_township_without_workers_has_its_section_in_the_index(
    small_prefecture,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    """A township whose workers all left had no section in the index (its households were in
    the unassigned list alone, its counts nowhere): it now has its heading, its counts and a
    line saying it has no workers."""
    (tmp_path / "inputs").mkdir()
    none = {"cadre": 0, "village_official": 0, "grid_worker": 0}
    pref = short_staffed(small_prefecture, {"532601001": {}, "532624001": none})
    run = assign_run(write_inputs(pref, tmp_path / "inputs", places=True), tmp_path / "run")
    got = export_visit_lists(run, tmp_path / "lists", month="2026-11")
    html = got.index.read_text("utf-8")
    towns = re.findall(r"<h2>乡镇 <span class=\"en\">Township</span> [^<]*\((\d+)\)</h2>", html)
    assert towns == ["532601001", "532624001"]
    empty = html.split(f"{labels.place('532624001')}</h2>")[1].split('<h2 id="columns">')[0]
    plan = pl.read_parquet(run / "plan.parquet").filter(pl.col("township_id") == "532624001")
    assert plan.height > 0 and plan["worker_id"].null_count() == plan.height
    assert empty.startswith(f'\n<p class="note">{_counts_text(plan, 0, 0)} <span class="en">')
    assert '<p class="none">本乡镇本月没有人员。' in empty and "<table" not in empty


def test_unassigned_follow_the_townships_exported(short_run: Path, tmp_path: Path) -> None:
    """A township's export names its own unassigned households, none of another's."""
    got = export_visit_lists(short_run, tmp_path / "one", month="2026-11", townships=["532601001"])
    u = _unassigned_csv(got.unassigned_csv)
    plan = pl.read_parquet(short_run / "plan.parquet")
    own = plan.filter(pl.col("worker_id").is_null() & (pl.col("township_id") == "532601001"))
    other = plan.filter(pl.col("worker_id").is_null() & (pl.col("township_id") != "532601001"))
    assert sorted(u["household_id"]) == sorted(own["household_id"])
    assert got.unassigned == own.height and got.unassigned_tier1 == 0
    for page in (got.index, got.unassigned_sheet):
        html = page.read_text("utf-8")
        assert "532624001" not in html
        assert not any(h in html for h in other["household_id"].head(50))


def test_no_unassigned_households_is_said(
    small_prefecture, short_run: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A run that leaves no household unassigned says so (and so does a township's export)."""
    (tmp_path / "inputs").mkdir()
    pref = short_staffed(small_prefecture, {"532623001": {}})
    full = assign_run(write_inputs(pref, tmp_path / "inputs", places=True), tmp_path / "run")
    assert pl.read_parquet(full / "plan.parquet")["worker_id"].null_count() == 0
    for run, townships in ((full, None), (short_run, ["532623001"])):
        out = tmp_path / f"lists-{len(townships or [])}"
        got = export_visit_lists(run, out, month="2026-11", townships=townships)
        u = _unassigned_csv(got.unassigned_csv)
        assert u.height == 0 and tuple(u.columns) == UNASSIGNED_COLUMNS
        assert got.unassigned == got.unassigned_tier1 == 0
        for page in (got.index, got.unassigned_sheet):
            text = " ".join(_parse(page).text)
            assert "没有未分配农户" in text and "none is unassigned" in text, page
            assert "<section" not in page.read_text("utf-8")
        index = got.index.read_text("utf-8")
        assert "0 户未分配;" in index and not re.search(r"[1-9][\d,]* 户未分配", index)


def test_a_failed_township_says_its_error_once(run_dir: Path, tmp_path: Path) -> None:
    """A township whose solve failed: every household of it unassigned, the error said above
    its table, each row pointing to it."""
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    reader = RunReader(copy)
    tw = reader.townships()[0]
    plan_file = copy / "townships" / tw / "plan.parquet"
    pl.read_parquet(plan_file).with_columns(
        pl.lit(None, pl.String).alias("worker_id")
    ).write_parquet(plan_file)
    error = "RuntimeError: solver exploded (at plan.py:1)"
    diag = pl.read_parquet(copy / "diagnostics.parquet")
    diag.with_columns(
        pl.when(pl.col("township_id") == tw).then(pl.lit(error)).otherwise(pl.col("error"))
        .cast(pl.String).alias("error")
    ).write_parquet(copy / "diagnostics.parquet")  # fmt: skip
    resealed(copy, f"townships/{tw}/plan.parquet", "diagnostics.parquet")
    got = export_visit_lists(copy, tmp_path / "lists", month="2026-11", townships=[tw])
    u = _unassigned_csv(got.unassigned_csv)
    assert sorted(u["household_id"]) == sorted(pl.read_parquet(plan_file)["household_id"])
    assert set(u["reason_code"]) == {"township_failed"}
    assert u["reason_en"].str.ends_with(error).all()
    sheet = got.unassigned_sheet.read_text("utf-8")
    assert sheet.count(error) == 1
    assert sheet.count("(见上)") == u.height
    assert got.households == 0 and got.sheets == 0

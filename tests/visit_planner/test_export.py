"""Printable visit lists of a run: the CSV, the A4 sheets and the index."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import assign_run, write_inputs
from visit_planner.errors import PlanFileError
from visit_planner.export import ExportSummary, export_visit_lists, labels
from visit_planner.export.lists import LIST_COLUMNS
from visit_planner.export.sheets import _sheet_files
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
        1: "2 a month / 每月 2 次",
        2: "1 a month / 每月 1 次",
        3: "quarterly / 每季度 1 次",
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
    for column in ("户编号", "类别", "本月应走访", "走访事由", "上次走访", "走访日期"):
        assert column in text, column
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


def test_pages_are_well_formed_and_self_contained(exported: ExportSummary) -> None:
    pages = [exported.index, *sorted((exported.out / "sheets").iterdir())]
    for path in pages:
        html = path.read_text("utf-8")
        _parse(path)
        assert not re.search(r"https?://", html), path
        assert "<script" not in html and "@import" not in html and "url(" not in html, path
    index = _parse(exported.index)
    assert len(index.links) == exported.sheets
    assert all((exported.out / link).is_file() for link in index.links)
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
    with pytest.raises(PlanFileError, match="NOPE"):
        export_visit_lists(run_dir, tmp_path / "x", month="2026-12", townships=["NOPE"])
    with pytest.raises(PlanFileError, match="YYYY-MM"):
        export_visit_lists(run_dir, tmp_path / "x", month="12/2026")
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())


def test_a_file_as_out_is_refused_before_any_work(run_dir: Path, tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("mine", "utf-8")
    with pytest.raises(OutputError, match=r"afile: is a file, not a directory"):
        export_visit_lists(run_dir, afile, month="2026-11")
    assert afile.read_text("utf-8") == "mine"


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
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "sheets", "visit_lists.csv"]
    assert len(list((out / "sheets").iterdir())) == again.sheets < first.sheets
    # A directory that is not an export is never emptied, --overwrite or not.
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("keep", "utf-8")
    with pytest.raises(OutputError, match="not this tool's output"):
        export_visit_lists(run_dir, other, month="2026-11", overwrite=True)
    assert [p.name for p in other.iterdir()] == ["keep.txt"]


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


def test_labels() -> None:
    assert labels.visits_due(2.0) == "2 a month / 每月 2 次"
    assert labels.visits_due(1 / 3) == "quarterly / 每季度 1 次"
    assert labels.visits_due(0.5) == "every 2 months / 每两个月 1 次"
    assert labels.visits_due(1 / 6) == "every 6 months / 每 6 个月 1 次"
    assert labels.visits_due(1.5) == "1.50 a month / 每月 1.50 次"
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
    assert f"{named['532601001']} (532601001)" in index  # 开化街道 (532601001)
    village = re.search(r"(\d{12})", sheet)
    assert village is not None
    code = village.group(1)  # e.g. 老园村 Laoyuan (532625001001): both languages on paper
    assert f"{named[code]} " in sheet and f"{labels.place(code)}" in sheet
    assert labels.place(code).startswith(named[code]) and labels.place(code).endswith(f"({code})")


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

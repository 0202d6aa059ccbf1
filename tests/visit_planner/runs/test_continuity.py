"""Which run a month continues, and the notes when months are planned out of order: a month
planned again, amended or rolled back after the next one was planned; a month planned while
the month before it has no run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.visit_planner.helpers import flat
from tests.visit_planner.runs.helpers import published
from visit_planner.runs.continuity import (
    continued_run_id,
    file_month_note,
    missing_previous_note,
    next_month_note,
)
from visit_planner.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty SQLite store in the workspace ``tmp_path``."""
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


def test_an_amendment_continues_what_its_months_plan_continued(
    store: Store, tmp_path: Path
) -> None:
    dec = published(store, tmp_path, "2026-12")
    jan = published(store, tmp_path, "2027-01", previous=dec)
    jan2 = published(store, tmp_path, "2027-01", parent=jan)
    jan3 = published(store, tmp_path, "2027-01", parent=jan2)
    # A what-if published from the dashboard names its parent, of its own month, as its
    # previous run: not the month before either.
    jan4 = published(store, tmp_path, "2027-01", previous=jan3, parent=jan3)
    assert continued_run_id(store, tmp_path, dec) is None  # the data's file
    assert continued_run_id(store, tmp_path, jan) == dec.run_id
    assert continued_run_id(store, tmp_path, jan3) == dec.run_id
    assert continued_run_id(store, tmp_path, jan4) == dec.run_id
    assert next_month_note(store, tmp_path, dec) is None  # January continues it still


def test_the_next_month_following_another_run_of_the_month_is_noted(
    store: Store, tmp_path: Path
) -> None:
    dec = published(store, tmp_path, "2026-12")
    assert next_month_note(store, tmp_path, dec) is None  # no January yet
    jan = published(store, tmp_path, "2027-01", previous=dec)
    assert next_month_note(store, tmp_path, dec) is None  # January continues it
    assert next_month_note(store, tmp_path, jan) is None  # no February
    # December amended after January was planned (across the year's end).
    dec2 = published(store, tmp_path, "2026-12", parent=dec)
    note = flat(next_month_note(store, tmp_path, dec2) or "")
    jan_name, dec_name = f"2027-01 v1 ({jan.run_id[:12]})", f"2026-12 v1 ({dec.run_id[:12]})"
    assert note.startswith(
        f"下月当前方案 {jan_name} 延续的是 {dec_name}; 2026-12 现在的当前方案是 2026-12 v2, "
        "如需下月延续它, 请重新编制 2027-01 (the next month's current run "
        f"{jan_name} continues {dec_name}, while 2026-12 v2 is now 2026-12's current run: "
    ), note
    assert note.endswith("plan 2027-01 again for it to continue 2026-12 v2)")
    # Rolled back to the run January continues: nothing to say.
    store.rollback("2026-12", dec.run_id, actor="planner01", reason="test")
    assert next_month_note(store, tmp_path, store.get_run(dec.run_id)) is None


def test_a_next_month_planned_first_is_noted_as_made_from_its_file(
    store: Store, tmp_path: Path
) -> None:
    jan = published(store, tmp_path, "2027-01")  # planned before December
    dec = published(store, tmp_path, "2026-12")
    note = flat(next_month_note(store, tmp_path, dec) or "")
    assert note.startswith(
        f"下月当前方案 2027-01 v1 ({jan.run_id[:12]}) 编制时 2026-12 尚无已发布方案, "
        "其上月结对取自数据文件; 2026-12 现在的当前方案是 2026-12 v1,"
    ), note
    assert "was planned when 2026-12 had no published run: its previous assignment was its " \
        "data's file, while 2026-12 v1 is now 2026-12's current run" in note  # fmt: skip


def test_a_month_planned_without_the_month_before_is_noted(store: Store, tmp_path: Path) -> None:
    file = tmp_path / "data" / "previous_assignment.parquet"
    # A programme's first month: the file is what it is for.
    assert missing_previous_note(store, "2027-01", file, ["2026-12"]) is None
    published(store, tmp_path, "2026-11")
    published(store, tmp_path, "2027-03")  # a later month is no earlier plan to continue
    note = flat(missing_previous_note(store, "2027-01", file, ["2026-12", "2026-11"]) or "")
    assert note == (
        f"上月 2026-12 尚无已发布方案 (已发布的最近月份为 2026-11), 上月结对取自数据文件 {file} "
        "(月份 2026-11, 2026-12); 如需延续已发布的方案, 请先编制 2026-12 (2026-12 has no "
        "published run, the latest month published is 2026-11: the previous assignment is "
        f"the data's file {file} (pairs of 2026-11, 2026-12), as in a programme's first "
        "month; to continue the published plans, plan 2026-12 first)"
    )
    bare = flat(missing_previous_note(store, "2027-01", None, []) or "")
    assert "本月无上月结对 (数据无 previous_assignment)" in bare
    assert "this month has no previous assignment, as in a programme's first month" in bare


def test_a_previous_assignment_file_of_another_month_than_the_month_before_is_noted(
    tmp_path: Path,
) -> None:
    file = tmp_path / "previous_assignment.parquet"
    assert file_month_note("2027-01", file, ["2026-11", "2026-12"]) is None  # history is fine
    assert file_month_note("2027-01", None, []) is None
    assert file_month_note("2027-01", file, []) is None  # an empty file: no pairs to misread
    assert flat(file_month_note("2027-01", file, ["2026-10"]) or "") == (
        f"{file}: 上月结对的最近月份为 2026-10, 不是上月 2026-12; 其人员仍被当作上月走访人员"
        "计算延续和换人, 请提供 2026-12 的结对 (the previous assignment's latest month is "
        "2026-10, not 2026-12, the month before 2027-01: its workers are taken as last "
        "month's for continuity and churn; give the pairs of 2026-12)"
    )
    assert "最近月份为 2027-01, 不是上月 2026-12" in (
        file_month_note("2027-01", file, ["2027-01"]) or ""
    )

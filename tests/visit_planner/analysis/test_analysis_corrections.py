"""visit_planner.analysis.corrections: supervisors' data corrections into a training set."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from visit_planner.analysis import corrections
from visit_planner.errors import VisitPlannerError
from visit_planner.overrides import Override
from visit_planner.paths import resolve_workspace
from visit_planner.store import Store

DAY = date(2026, 11, 1)


def test_corrections_from_the_store_applied_to_training_data(
    small_prefecture,
    tmp_path: Path,
) -> None:
    hh, workers = small_prefecture.households, small_prefecture.workers
    target = hh["household_id"][5]
    with Store.for_workspace(resolve_workspace(tmp_path / "ws")) as store:
        first = corrections.add_correction(
            store, hh, workers, target, "last_visit_days", "21",
            reason="visit log", evidence="走访台账", author="tester", today=DAY,
        )  # fmt: skip
        with pytest.raises(  # Chinese first, as overrides add words it
            VisitPlannerError,
            match=rf"^更正被拒绝 correction refused \(household {target}, field members\): 值 '0'",
        ):
            corrections.add_correction(
                store, hh, workers, target, "members", "0",
                reason="typo", evidence="-", author="tester", today=DAY,
            )  # fmt: skip
        standing = corrections.standing_corrections(store)
    assert [o.id for o in standing] == [first]
    out = corrections.apply_corrections(hh, standing, on=DAY)
    assert out.households.height == hh.height
    row = out.households.filter(pl.col("household_id") == target)
    assert row["last_visit_days"][0] == 21
    others = out.households.filter(pl.col("household_id") != target)
    assert others.equals(hh.filter(pl.col("household_id") != target))
    report = out.report()
    assert report.select("household_id", "outcome").row(0) == (target, "applied")


def test_a_correction_that_cannot_apply_is_reported_not_dropped(small_prefecture) -> None:
    hh = small_prefecture.households
    gone = Override(
        id=7, kind="correction", household_id="H9999999", reason="r", author="a",
        field="members", value="3",
    )  # fmt: skip
    out = corrections.apply_corrections(hh, [gone], on=DAY)
    assert out.households.equals(hh)
    report = out.report().row(0, named=True)
    assert report["outcome"] == "not_applied"
    assert "H9999999" in report["why_not"]
    with pytest.raises(
        VisitPlannerError, match=r"不是数据更正 \(override\(s\) .* are not data corrections"
    ):
        corrections.apply_corrections(
            hh, [Override(id=8, kind="tier", household_id="x", reason="r", author="a", tier=1)],
            on=DAY,
        )  # fmt: skip


def test_write_training_set_keeps_the_truth_beside_it(
    small_prefecture_dir: Path, tmp_path: Path
) -> None:
    frame = pl.read_parquet(small_prefecture_dir / "households.parquet").head(10)
    out = corrections.write_training_set(frame, small_prefecture_dir, tmp_path / "train")
    assert sorted(p.name for p in out.iterdir()) == ["households.parquet", "truth.parquet"]
    assert pl.read_parquet(out / "households.parquet").equals(frame)
    with pytest.raises(VisitPlannerError, match=r"文件已存在, 请换一个目录 \(already exists"):
        corrections.write_training_set(frame, small_prefecture_dir, tmp_path / "train")


def test_a_correction_is_checked_against_wenshans_date_not_the_machines(
    small_prefecture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a server kept in UTC, before 08:00 in Wenshan, the machine's date is yesterday's:
    a standing correction that expired yesterday in Wenshan still blocked a new one."""
    from datetime import timedelta

    from visit_planner import clock

    machine = date.today()
    wenshan = machine + timedelta(days=1)  # the machine's date is Wenshan's yesterday
    monkeypatch.setattr(clock, "today", lambda now=None: wenshan)
    hh, workers = small_prefecture.households, small_prefecture.workers
    target = hh["household_id"][5]
    with Store.for_workspace(resolve_workspace(tmp_path / "ws")) as store:
        store.add_override(
            "correction", target, author="tester", reason="visit log", field="last_visit_days",
            value="21", evidence="走访台账", expires_on=machine, today=machine,
        )  # fmt: skip
        new = corrections.add_correction(
            store, hh, workers, target, "last_visit_days", "30",
            reason="new visit log", evidence="走访台账", author="tester",
        )  # fmt: skip
        assert [o.id for o in corrections.standing_corrections(store, on=wenshan)] == [new]

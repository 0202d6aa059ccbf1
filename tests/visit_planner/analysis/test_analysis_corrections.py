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

"""Supervisors' data corrections into a training table (``train --corrections``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from visit_planner import clock
from visit_planner.errors import RiskJobError
from visit_planner.hashing import file_sha256
from visit_planner.risk_corrections import apply_corrections_file, read_corrections

HEADER = "override_id,household_id,field,value,evidence,author,reason,created_at,status,expires_on"


def _export(path: Path, *rows: str) -> Path:
    """A corrections file as ``overrides export-corrections`` writes it: CSV with a BOM."""
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8-sig")
    return path


def _row(oid: int, household: str, field: str, value: str, **kw: str) -> str:
    status, expires = kw.get("status", "active"), kw.get("expires", "")
    free_text = "诊断书,张三,张三 电话告知,2026-11-02T01:00:00"  # evidence, author, reason, at
    return f"{oid},{household},{field},{value},{free_text},{status},{expires}"


def test_an_export_reads_back_active_by_id_revoked_named_and_no_free_text(tmp_path: Path) -> None:
    f = _export(
        tmp_path / "corrections.csv",
        _row(3, "H0000003", "members", "7"),
        _row(1, "H0000001", "serious_illness_members", "2", expires="2099/1/31"),  # Excel's
        _row(2, "H0000002", "members", "5", status="revoked"),
    )
    active, revoked = read_corrections(f)
    assert [(o.id, o.household_id, o.field, o.value) for o in active] == [
        (1, "H0000001", "serious_illness_members", "2"),
        (3, "H0000003", "members", "7"),
    ]
    assert active[0].expires_on is not None and active[0].expires_on.isoformat() == "2099-01-31"
    assert revoked == [2]
    # The reason, author and evidence stay in the file: nothing carries them further.
    assert all((o.reason, o.author, o.evidence) == ("", "", None) for o in active)
    # The same rows as Parquet (the other format export-corrections writes) read the same.
    pq = tmp_path / "corrections.parquet"
    pl.read_csv(f, infer_schema=False).write_parquet(pq)
    assert read_corrections(pq) == (active, revoked)


def test_a_file_that_is_no_export_is_refused_with_every_problem_named(tmp_path: Path) -> None:
    f = _export(
        tmp_path / "bad.csv",
        _row(1, "H0000001", "assessed_tier", "1"),
        _row(2, "H0000002", "head_ethnicity", "han"),
        _row(3, "H0000003", "income", "9"),
        _row(4, "H0000004", "members", "5", status="deleted"),
        _row(4, "H0000005", "members", "5"),
        _row(6, "H0000006", "members", "5", expires="31/12/2026"),
        _row(9, "H0000009", "members", "5", expires="2026-02-30"),
        _row(7, "H0000007", "members", "6"),
        _row(8, "H0000007", "members", "7"),
    )
    with pytest.raises(RiskJobError) as exc:
        read_corrections(f)
    text = str(exc.value)
    assert (
        "column 'field': 字段 'assessed_tier': 类别不能作为数据更正, 类别调整不作为训练标签 "
        "(a tier is not a data correction: a tier override is never a training label) — #1"
    ) in text
    assert "字段 'head_ethnicity': 该字段不可更正 (this field cannot be corrected" in text
    assert "字段 'income': 农户表中没有该字段 (no such households column) — #3" in text
    assert "column 'status': 须为 active 或 revoked (must be active or revoked) — #4" in text
    assert "column 'override_id': 编号重复 (given twice) — #4" in text
    assert "column 'expires_on': 日期格式应为 YYYY-MM-DD (is not a date YYYY-MM-DD) — #6" in text
    assert "(is not a date YYYY-MM-DD) — #9 (2026-02-30)" in text
    assert "同一农户同一字段有多条现行更正" in text and "— #7, #8" in text
    assert all(line.startswith(str(f)) for line in text.splitlines())


def test_a_file_without_the_exports_columns_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("household_id,field\nH0000001,members\n", encoding="utf-8")
    with pytest.raises(RiskJobError, match=r"更正文件缺少列 override_id, value \(the corrections"):
        read_corrections(f)


def test_corrections_apply_by_the_plans_rules_and_each_one_not_applied_is_named(
    small_prefecture: Any, tmp_path: Path
) -> None:
    households = small_prefecture.households
    first, second = households["household_id"][:2].to_list()
    members = int(households["members"][0])
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    f = _export(
        tmp_path / "corrections.csv",
        _row(1, first, "members", str(members + 1)),
        _row(2, "H9999999", "disputes_12m", "3"),  # the household has left
        _row(3, second, "petitions_12m", "4", expires=yesterday),
        _row(4, second, "members", "9", status="revoked"),
    )
    done = apply_corrections_file(households, f)
    got = done.frame.filter(pl.col("household_id") == first)["members"][0]
    assert got == members + 1
    # Every other cell is the data's own: nothing else is mixed in.
    assert done.frame.filter(pl.col("household_id") != first).equals(
        households.filter(pl.col("household_id") != first)
    )
    assert done.applied == 1 and done.revoked == [4]
    assert [(x.override_id, x.household_id) for x in done.not_applied] == [
        (2, "H9999999"),
        (3, second),
    ]
    assert "household H9999999 is not in this month's data" in done.not_applied[0].reason
    assert f"expired on {yesterday}" in done.not_applied[1].reason
    assert done.params() == {
        "corrections_file": "corrections.csv",
        "corrections_sha256": file_sha256(f),
        "corrections_applied": 1,
        "corrections_not_applied": 2,
        "corrections_revoked": 1,
    }
    notes = "\n".join(done.notes())
    assert "已应用 1 条 applied, 未应用 2 条 not applied, 已撤销 1 条 revoked" in notes
    assert "更正 correction #2 (H9999999) 未应用 not applied: 农户 H9999999" in notes
    assert "revoked, not applied: #4" in notes


def test_a_table_without_every_households_column_takes_no_corrections(
    small_prefecture: Any, tmp_path: Path
) -> None:
    f = _export(tmp_path / "c.csv", _row(1, "H0000001", "members", "7"))
    with pytest.raises(RiskJobError, match=r"the data misses lon, lat\)$"):
        apply_corrections_file(small_prefecture.households.drop("lon", "lat"), f)


def test_a_formula_marked_by_the_export_is_read_back_as_written(tmp_path: Path) -> None:
    """export-corrections marks a cell Excel or WPS would run as a formula with a leading ';
    train --corrections reads the file back to the values the store holds."""
    from visit_planner.cli.runs import _write_table

    frame = pl.DataFrame(
        {
            "override_id": [1, 2], "household_id": ["=H1", "H2"], "field": ["lon", "members"],
            "value": ["-104.2", "4"], "evidence": ["@x", None], "author": ["s", "s"],
            "reason": ["+r", "r"], "created_at": ["2026-11-02T01:00:00"] * 2,
            "status": ["active", "active"], "expires_on": [None, None],
        }
    )  # fmt: skip
    path = tmp_path / "corrections.csv"
    _write_table(frame, path)
    assert "'=H1" in path.read_text(encoding="utf-8-sig")  # opens as text in a spreadsheet
    active, _ = read_corrections(path)
    assert [(o.household_id, o.field, o.value) for o in active] == [
        ("=H1", "lon", "-104.2"),
        ("H2", "members", "4"),
    ]

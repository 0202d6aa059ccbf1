"""Supervisors' data corrections into a training table: ``train --corrections FILE``.

A correction (``overrides add --kind correction``) says a field of a household's data is wrong
and gives the right value; ``overrides export-corrections --out FILE`` writes the store's
corrections to a file for the next training set. This module reads such a file and applies
its corrections to the table a model is trained (or a candidate is promoted) on, by the
monthly plan's own rules (:func:`visit_planner.analysis.corrections.apply_corrections`), so
that the model learns from the corrected values and only from them.

Each correction of the file is applied or named with why not (its household is no longer in
the data, it expired, its value contradicts the household's other fields); a revoked one is
not applied and counted. A file that is no such export is refused, naming the file, column,
rule and override ids: a missing column, an id given twice, two corrections of one field of
one household, a status other than active/revoked, and a field no correction may change
(ids, places, audit-only columns, and the tiers: a tier override is a supervisor's
judgement applied at scoring, never a training label or feature).

Only ``override_id``, ``household_id``, ``field``, ``value``, ``status`` and ``expires_on``
are read; the evidence, author and reason stay in the file. What the model records is the
file's name, its SHA-256 and the counts (:meth:`AppliedCorrections.params`): never a
household id or a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from visit_planner import clock
from visit_planner.contracts import columns as contract_columns
from visit_planner.contracts.reader import read_raw, unreadable_reason
from visit_planner.csv_cells import formula_text_back
from visit_planner.errors import ContractError, RiskJobError
from visit_planner.hashing import file_sha256
from visit_planner.overrides import APPLIED, CORRECTABLE_FIELDS, Override, expiry_date
from visit_planner.typed_text import typed_id

REQUIRED = ("override_id", "household_id", "field", "value")
"""The columns a corrections file must have (``overrides export-corrections`` writes them)."""
STATUSES = ("active", "revoked")
SHOWN = 5  # ids named in a message before "+N more"


@dataclass(frozen=True)
class NotApplied:
    """A correction of the file that did not apply to the table, and why."""

    override_id: int
    household_id: str
    reason: str


@dataclass(frozen=True)
class AppliedCorrections:
    """A table with a corrections file applied, and what became of each correction."""

    frame: pl.DataFrame
    file: Path
    sha256: str
    applied: int
    not_applied: list[NotApplied]
    revoked: list[int]

    def params(self) -> dict[str, object]:
        """What a model version records of the file: name, SHA-256 and counts (no ids)."""
        return {
            "corrections_file": self.file.name,
            "corrections_sha256": self.sha256,
            "corrections_applied": self.applied,
            "corrections_not_applied": len(self.not_applied),
            "corrections_revoked": len(self.revoked),
        }

    def notes(self) -> list[str]:
        """The lines ``train`` and ``promote`` print: the counts, then each correction not
        applied with its reason (never dropped unnamed)."""
        lines = [
            f"数据更正 corrections: {self.file} (sha256 {self.sha256[:8]}): 已应用 "
            f"{self.applied} 条 applied, 未应用 {len(self.not_applied)} 条 not applied, "
            f"已撤销 {len(self.revoked)} 条 revoked"
        ]
        if self.revoked:
            lines.append(f"已撤销的更正未应用 / revoked, not applied: {_ids(self.revoked)}")
        lines += [
            f"更正 correction #{x.override_id} ({x.household_id}) 未应用 not applied: {x.reason}"
            for x in self.not_applied
        ]
        return lines


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:SHOWN])
    return shown + (f" (+{len(ids) - SHOWN} more)" if len(ids) > SHOWN else "")


def read_corrections(path: Path) -> tuple[list[Override], list[int]]:
    """The active corrections of ``path`` (an ``export-corrections`` file, .csv or .parquet)
    by id, and the ids of its revoked ones; every problem of the file in one error."""
    try:
        raw = read_raw(path, ("override_id",))
    except ContractError as exc:
        raise RiskJobError("\n".join(exc.problems)) from None
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise RiskJobError(f"{path}: {unreadable_reason(path, exc)}") from None
    raw = raw.rename({c: typed_id(c) or c for c in raw.columns})
    if missing := [c for c in REQUIRED if c not in raw.columns]:
        raise RiskJobError(
            f"{path}: 更正文件缺少列 {', '.join(missing)} (the corrections file misses "
            f"column(s) {', '.join(missing)}; write it with visit-planner overrides "
            "export-corrections --out FILE)"
        )
    read = tuple(c for c in (*REQUIRED, "status", "expires_on") if c in raw.columns)
    # The export marks a cell that would run as a spreadsheet formula with a leading "'"
    # (csv_cells.formula_safe): taken off again, so the file reads back to the same values.
    text = formula_text_back(
        raw.select(pl.col(c).cast(pl.String).str.strip_chars() for c in read), read
    )
    problems: list[str] = []
    ids = text["override_id"].cast(pl.Int64, strict=False)
    if bad := [
        f"{h} ({v})"
        for h, v, i in zip(text["household_id"], text["override_id"], ids, strict=True)
        if i is None
    ]:
        problems.append(
            f"{path}: column 'override_id': 须为整数 (must be a whole number) — "
            f"{len(bad)} row(s): {', '.join(bad[:SHOWN])}"
        )
    twice = sorted({int(i) for i in ids.filter(ids.is_duplicated()).drop_nulls()})
    if twice:
        problems.append(f"{path}: column 'override_id': 编号重复 (given twice) — {_ids(twice)}")
    status = text["status"] if "status" in text.columns else pl.Series(["active"] * text.height)
    status = status.fill_null("active").str.to_lowercase()
    frame = text.with_columns(ids.alias("override_id"), status.alias("status"))
    wrong = frame.filter(~pl.col("status").is_in(STATUSES))
    if wrong.height:
        problems.append(
            f"{path}: column 'status': 须为 active 或 revoked (must be active or revoked) — "
            f"{_ids(wrong['override_id'].drop_nulls().to_list())}"
        )
    empty = frame.filter(pl.col("household_id").is_null() | pl.col("field").is_null())
    if empty.height:
        problems.append(
            f"{path}: columns 'household_id', 'field': 不得为空 (must not be empty) — "
            f"{_ids(empty['override_id'].drop_nulls().to_list())}"
        )
    problems += _field_problems(path, frame)
    expires: list[date | None] = []
    given = frame.get_column("expires_on", default=pl.Series([None] * frame.height))
    for oid, value in zip(frame["override_id"], given, strict=True):
        try:
            expires.append(_date(value) if value else None)
        except ValueError:
            problems.append(
                f"{path}: column 'expires_on': 日期格式应为 YYYY-MM-DD (is not a date "
                f"YYYY-MM-DD) — #{oid} ({value})"
            )
            expires.append(None)
    active = frame.with_columns(pl.Series("expires", expires, dtype=pl.Date)).filter(
        pl.col("status") == "active"
    )
    pairs = active.filter(pl.struct("household_id", "field").is_duplicated())
    if pairs.height:
        problems.append(
            f"{path}: 同一农户同一字段有多条现行更正 (several active corrections of one field of "
            f"one household; revoke all but one) — {_ids(pairs['override_id'].to_list())}"
        )
    if problems:
        raise RiskJobError("\n".join(problems))
    corrections = [
        Override(
            id=int(oid),
            kind="correction",
            household_id=typed_id(household) or "",
            reason="",  # the file's reasons and evidence are not read: they stay in the file
            author="",
            field=field,
            value=value,
            expires_on=expires_on,
        )
        for oid, household, field, value, expires_on in active.select(
            "override_id", "household_id", "field", "value", "expires"
        ).iter_rows()
    ]
    revoked = sorted(frame.filter(pl.col("status") == "revoked")["override_id"].to_list())
    return sorted(corrections, key=lambda o: o.id), revoked


def _date(text: str) -> date:
    """A day written ``2026-12-31``, or ``2026/12/31`` as Excel or WPS saves the exported
    column again (:func:`visit_planner.overrides.expiry_date`, the one rule for an expiry);
    ValueError for anything else."""
    return expiry_date(text)


def _field_problems(path: Path, frame: pl.DataFrame) -> list[str]:
    """A field no correction may change, named with the ids that name it: a tier (a tier
    override is no training label), an id or place, an audit-only column, or no households
    column at all."""
    problems: list[str] = []
    for field, group in frame.filter(
        pl.col("field").is_not_null() & ~pl.col("field").is_in(CORRECTABLE_FIELDS)
    ).group_by("field", maintain_order=True):
        ids = _ids(group["override_id"].drop_nulls().to_list())
        name = field[0]
        if name in ("assessed_tier", "previous_tier"):
            why = (
                "类别不能作为数据更正, 类别调整不作为训练标签 (a tier is not a data correction: "
                "a tier override is never a training label)"
            )
        elif name in contract_columns.HOUSEHOLDS:
            why = (
                "该字段不可更正 (this field cannot be corrected: an id, place or audit-only column)"
            )
        else:
            why = "农户表中没有该字段 (no such households column)"
        problems.append(
            f"{path}: column 'field': 字段 {name!r}: {why} — {ids}; correctable: "
            f"{', '.join(CORRECTABLE_FIELDS)}"
        )
    return problems


def apply_corrections_file(households: pl.DataFrame, path: Path) -> AppliedCorrections:
    """``households`` (a households table with every contract column) with the active
    corrections of ``path`` applied by the monthly plan's rules, checked on today's date in
    Wenshan (an expired correction is named, not applied)."""
    from visit_planner.analysis.corrections import apply_corrections

    if missing := [c for c in contract_columns.HOUSEHOLDS if c not in households.columns]:
        raise RiskJobError(
            f"{path}: 数据更正只适用于完整的农户表 (corrections apply to a households table "
            f"with every households contract column; the data misses {', '.join(missing)})"
        )
    corrections, revoked = read_corrections(path)
    done = apply_corrections(households, corrections, on=clock.today())
    by_id = {o.id: o for o in corrections}
    not_applied = [
        NotApplied(x.override_id, by_id[x.override_id].household_id, x.reason)
        for x in done.outcomes
        if x.outcome != APPLIED
    ]
    return AppliedCorrections(
        frame=done.households,
        file=path,
        sha256=file_sha256(path),
        applied=len(corrections) - len(not_applied),
        not_applied=not_applied,
        revoked=revoked,
    )

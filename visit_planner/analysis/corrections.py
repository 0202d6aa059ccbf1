"""Supervisors' data corrections into the next training set.

A correction (``overrides add --kind correction``) says a field of a household's data is
wrong and gives the right value with evidence; every ``plan`` re-scores the household with it,
and ``overrides export-corrections`` lists them "for the next training set". This module does
that last step: the standing corrections of the store are applied to a training table with the
same rules the monthly plan uses (:func:`visit_planner.overrides.apply_overrides`), and each
one is reported as applied or not applied with its reason - never silently dropped.

Labels are not changed: a correction changes a data field; tier overrides (a supervisor's
judgement of the tier) are not used as training labels.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from visit_planner import clock
from visit_planner.errors import VisitPlannerError
from visit_planner.overrides import Outcome, Override, apply_overrides, check_new_override
from visit_planner.plan_steps import as_override
from visit_planner.policy import load_policy, settings_from_policy
from visit_planner.store import Store

TRUTH_FILE = "truth.parquet"


@dataclass(frozen=True)
class CorrectedSet:
    """A training table with the corrections applied, and what became of each."""

    households: pl.DataFrame
    outcomes: list[Outcome]
    corrections: list[Override]

    def report(self) -> pl.DataFrame:
        """One row per correction: id, household, field, value, applied or not and why."""
        by_id = {o.override_id: o for o in self.outcomes}
        return pl.DataFrame(
            [
                {
                    "override_id": x.id,
                    "household_id": x.household_id,
                    "field": x.field,
                    "value": x.value,
                    "outcome": by_id[x.id].outcome,
                    "why_not": by_id[x.id].reason,
                }
                for x in self.corrections
            ],
            schema={
                "override_id": pl.Int64,
                "household_id": pl.String,
                "field": pl.String,
                "value": pl.String,
                "outcome": pl.String,
                "why_not": pl.String,
            },
        )


def add_correction(  # noqa: PLR0917  (the fields of a correction)
    store: Store,
    households: pl.DataFrame,
    workers: pl.DataFrame,
    household_id: str,
    field: str,
    value: str,
    *,
    reason: str,
    evidence: str,
    author: str,
    today: date | None = None,
) -> int:
    """Check a correction against the data as ``overrides add`` does and record it (audited);
    its id. Refused with every problem named (unknown household, field that cannot be
    corrected, value that breaks the contract)."""
    day = today or clock.today()  # Wenshan's date, not the machine's (a server in UTC)
    candidate = Override(
        id=0,
        kind="correction",
        household_id=household_id,
        reason=reason,
        author=author,
        field=field,
        value=value,
        evidence=evidence,
    )
    with_tier = households.with_columns(
        pl.coalesce("assessed_tier", "previous_tier").cast(pl.Int8).alias("tier")
    )
    settings = settings_from_policy(load_policy())
    problems = check_new_override(candidate, with_tier, workers, settings, today=day)
    if problems:
        raise VisitPlannerError(
            f"更正被拒绝 correction refused (household {household_id}, field {field}): "
            + "; ".join(problems)
        )
    row = store.add_override(
        "correction",
        household_id,
        author=author,
        reason=reason,
        field=field,
        value=value,
        evidence=evidence,
        today=day,
    )
    return row.id


def standing_corrections(store: Store, on: date | None = None) -> list[Override]:
    """The active data corrections of the store (in force on ``on`` when given), by id."""
    rows = store.list_overrides(active_on=on, status="active")
    return sorted((as_override(r) for r in rows if r.kind == "correction"), key=lambda o: o.id)


def apply_corrections(
    households: pl.DataFrame, corrections: Sequence[Override], *, on: date
) -> CorrectedSet:
    """``households`` with ``corrections`` applied by the plan's own rules (see module doc)."""
    wrong = [o.id for o in corrections if o.kind != "correction"]
    if wrong:
        raise VisitPlannerError(f"不是数据更正 (override(s) {wrong} are not data corrections)")
    no_workers = pl.DataFrame(schema={"worker_id": pl.String, "active": pl.Boolean})
    applied = apply_overrides(corrections, households, no_workers, on=on)
    return CorrectedSet(applied.households, applied.outcomes, list(corrections))


def write_training_set(corrected: pl.DataFrame, source: Path, out: Path) -> Path:
    """Write ``corrected`` as ``out/households.parquet`` with the source's truth table beside
    it when there is one (so training still compares with the Bayes limit). ``out`` must not
    hold a training set already; returns ``out``."""
    target = out / "households.parquet"
    if target.exists():
        raise VisitPlannerError(
            f"{target}: 文件已存在, 请换一个目录 (already exists; choose another directory)"
        )
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / ".households.parquet.tmp"
    corrected.write_parquet(tmp)
    tmp.replace(target)
    if (source / TRUTH_FILE).exists():
        shutil.copyfile(source / TRUTH_FILE, out / TRUTH_FILE)
    return out

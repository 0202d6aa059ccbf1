"""The household page's queries: one household of the user's jurisdiction (its record, tier,
reasons, worker and ranked alternatives) and its tier and worker month by month.

An id is looked up as typed (trimmed, then upper-cased) and refused alike whether it is in no
run or in another jurisdiction (:meth:`~dashboard.data.scope.ScopedAccess._household_in_scope`);
viewers see no household; roles without sensitive fields get them masked
(:mod:`dashboard.data.sensitive`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import polars as pl

from dashboard.data import run_files
from dashboard.data.scope import PAGE_ROWS, ScopedAccess
from dashboard.data.sensitive import mask_notes, mask_record, mask_score
from visit_planner.contracts.columns import AUDIT_ONLY


@lru_cache(maxsize=256)
def _alternatives(root: str, household_id: str) -> pl.DataFrame:
    """A household's ranked alternatives (a page), kept: asking again costs nothing."""
    return run_files.reader(root).alternatives(household_id).head(PAGE_ROWS)


class HouseholdQueries(ScopedAccess):
    """The household page."""

    def household(self, month: str, household_id: str) -> dict[str, Any]:
        """Everything the household page shows, if the user may see it: tier with
        probabilities and reasons, how the tier came about, the worker with the reason and the
        ranked alternatives, overrides applied; for a household no one visits, its township's
        shortfall (``shortfall``: the capacity that would cover it). The record never has the
        audit-only ethnicity and gender, also from an older run that kept them. For roles without
        sensitive fields (:attr:`Viewer.sees_sensitive`) they are masked in the record, and
        nothing else carries them: the risk reasons built from one are left out
        (``score["reasons_withheld"]`` counts them, :data:`WITHHELD_REASONS`), a rule reading
        one is named :data:`WITHHELD_RULE`, and a correction of one shows no values."""
        self._require_households()
        run = self.current_run(month)
        root = self._root(run)
        household_id, township_id = self._household_in_scope(root, household_id)
        inputs = run_files.township_input(root, township_id, "households")
        scores = run_files.township_frame(root, township_id, "scores")
        expl = run_files.township_frame(root, township_id, "explanations")
        assert inputs is not None and expl is not None
        # Runs published before 6871230 still hold the audit-only columns: no role sees them.
        record = (
            inputs.drop(AUDIT_ONLY, strict=False)
            .filter(pl.col("household_id") == household_id)
            .row(0, named=True)
        )
        if not self.viewer.sees_sensitive:
            record = mask_record(record)
        score = None
        if scores is not None:
            rows = scores.filter(pl.col("household_id") == household_id)
            score = rows.row(0, named=True) if rows.height else None
        explanation = expl.filter(pl.col("household_id") == household_id).row(0, named=True)
        if not self.viewer.sees_sensitive:
            score = None if score is None else mask_score(score, root)
            explanation["overrides"] = mask_notes(explanation.get("overrides"))
        shortfall = None
        if explanation.get("worker_id") is None:  # why no one visits it: the township's gap
            diag = run_files.whole(root, "diagnostics").filter(pl.col("township_id") == township_id)
            if diag.height and "shortfall" in diag.columns:
                shortfall = diag["shortfall"][0] or None
        return {
            "run": run,
            "household_id": household_id,
            "township_id": township_id,
            "record": record,
            "score": score,
            "explanation": explanation,
            "alternatives": _alternatives(root, household_id),
            "shortfall": shortfall,
        }

    def household_history(self, household_id: str) -> pl.DataFrame:
        """The household's tier and worker in every month's current run that has it in the
        user's jurisdiction (newest first); the id as :meth:`household` takes it, refused
        (:meth:`_absent`) when no month has it there. A month that has it in another
        jurisdiction (a household that moved in) is left out, unnamed: it used to refuse the
        whole household, so a township's supervisor could not look up a household of their
        own township that had moved in from another."""
        self._require_households()
        rows = []
        for month in self.months():
            run = self.current_run(month)
            root = self._root(run)
            there = self._find_household(root, household_id)
            if there is None or not self.viewer.covers(there[1]):  # not in that month's run,
                continue  # or not the user's that month
            hid, tw = there
            plan = run_files.township_frame(root, tw, "plan")
            assert plan is not None
            found = plan.filter(pl.col("household_id") == hid)
            rows.append(
                {
                    "month": month,
                    "version": run.version,
                    "township_id": tw,
                    "tier": int(found["tier"][0]),
                    "worker_id": found["worker_id"][0],
                }
            )
        if not rows:  # in no month's run in the jurisdiction: refused as one of no run
            raise self._absent("household", household_id)
        return pl.DataFrame(
            rows,
            schema={"month": pl.String, "version": pl.Int64, "township_id": pl.String,
                    "tier": pl.Int64, "worker_id": pl.String},
        )  # fmt: skip

"""Every input file of a plan command (``assign``, ``check-plan``, ``explain``) read through
its contract in one pass.

Each file is read and checked on its own and the problems of all of them are raised together
(one :class:`~visit_planner.errors.ContractError`), so a user fixes every file in one run;
warnings (columns outside a contract, dropped) are returned with the frames for the command
to print.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from visit_planner.contracts.report import Problem
from visit_planner.contracts.tables import read_table
from visit_planner.errors import ContractError
from visit_planner.plan_files import PlanPaths


@dataclass(frozen=True)
class PlanTables:
    """The checked frames of a plan's input files (None: the optional file was not given)."""

    households: pl.DataFrame
    workers: pl.DataFrame
    scores: pl.DataFrame
    previous: pl.DataFrame | None
    conflicts: pl.DataFrame | None
    pins: pl.DataFrame | None
    forbids: pl.DataFrame | None
    warnings: tuple[Problem, ...] = ()

    def tier_and_risk(self) -> pl.DataFrame:
        """The scores as the optimizer reads them: ``household_id, tier, risk`` (the final
        tier and P(tier 1))."""
        return self.scores.select(
            "household_id", pl.col("final_tier").alias("tier"), pl.col("p_tier1").alias("risk")
        )


_FILES = (
    # (PlanPaths field, contract table)
    ("households", "households"),
    ("workers", "workers"),
    ("scores", "scores"),
    ("previous", "previous_assignment"),
    ("conflicts", "conflicts"),
    ("pins", "pins"),
    ("forbids", "forbids"),
)

_NO_ROWS = {
    "households": "the households table has no rows (没有农户)",
    "workers": "the workers table has no rows (没有工作人员)",
    "scores": "the scores table has no rows (没有评分)",
}
"""Tables a plan cannot be made or checked without any row of."""


def read_plan_tables(paths: PlanPaths) -> PlanTables:
    """Read and check every file of ``paths`` through its contract; raise one ContractError
    with the problems of every file (a households or workers file with only a header is one:
    a plan of no households, or of households nobody may visit, is not a plan)."""
    frames: dict[str, pl.DataFrame | None] = {}
    warnings: list[Problem] = []
    messages: list[str] = []
    for attr, table in _FILES:
        path: Path | None = getattr(paths, attr)
        if path is None:
            frames[attr] = None
            continue
        try:
            frame, found = read_table(path, table)
        except ContractError as err:
            messages.extend(err.problems)
            frames[attr] = None
            continue
        warnings.extend(found)
        frames[attr] = frame
        if frame.height == 0 and attr in _NO_ROWS:
            messages.append(f"{path}: {_NO_ROWS[attr]}")
    if messages:
        raise ContractError(messages)
    households, workers, scores = frames["households"], frames["workers"], frames["scores"]
    assert households is not None and workers is not None and scores is not None  # required
    return PlanTables(
        households=households,
        workers=workers,
        scores=scores,
        previous=frames["previous"],
        conflicts=frames["conflicts"],
        pins=frames["pins"],
        forbids=frames["forbids"],
        warnings=tuple(warnings),
    )

"""The synthetic Wenshan prefecture (docs/architecture.md, "The synthetic prefecture").

``generate(scale, seed)`` builds households, workers, last month's pairing, declared conflicts,
place names (:mod:`.names`) and a separate truth table (exact Bayes-optimal tier
probabilities of the generator's own risk process, plus its latent values). The same scale
and seed always give the same data.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from visit_planner.contracts import columns
from visit_planner.outputs import shareable
from visit_planner.synthetic import risk
from visit_planner.synthetic.geography import COUNTIES, Areas, build_areas
from visit_planner.synthetic.households import build_households
from visit_planner.synthetic.names import places_table
from visit_planner.synthetic.workers import (
    build_workers,
    conflicts,
    own_households,
    previous_assignment,
)

__all__ = [
    "COUNTIES",
    "STAGES",
    "TABLE_NAMES",
    "SyntheticPrefecture",
    "generate",
    "write_prefecture",
]

PREVIOUS_MONTH = "2026-10"
ASSESSED_SHARE = 0.9  # households with a current assessment (the label)
PREVIOUS_SHARE = 0.85  # households with a previous tier

Progress = Callable[[str], None]

STAGES: Final = (
    "区划: 县市、乡镇、村、网格 / areas: counties to grids",
    "农户: 构成、需求、历史 / households: make-up, needs, history",
    "风险: 类别、贝叶斯概率 / risk: tiers, Bayes probabilities",
    "人员: 基层干部、村组干部、网格员 / workers of the three roles",
    "历史: 上月结对、利益冲突 / history: last month's pairs, conflicts",
)
"""What :func:`generate` reports to ``progress`` as it starts each stage, in order: short lines,
Chinese first (``中文 / English``), as ``generate`` prints them after the elapsed time."""


TABLE_NAMES = ("households", "workers", "previous_assignment", "conflicts", "places", "truth")
"""The tables of a synthetic month, as files (``NAME.parquet``) and as attributes."""


@dataclass(frozen=True)
class SyntheticPrefecture:
    """Generated tables; ``truth`` is kept apart from the inputs a model may see."""

    households: pl.DataFrame
    workers: pl.DataFrame
    previous_assignment: pl.DataFrame
    conflicts: pl.DataFrame
    truth: pl.DataFrame
    areas: Areas
    places: pl.DataFrame  # counties, the real townships' names, generated villages' names

    def tables(self) -> dict[str, pl.DataFrame]:
        """The files written by :func:`write_prefecture`, by name."""
        return {name: getattr(self, name) for name in TABLE_NAMES}


def _noop(_: str) -> None:
    return None


def generate(scale: float = 0.01, seed: int = 1, progress: Progress = _noop) -> SyntheticPrefecture:
    """Generate the prefecture at ``scale`` (1.0 ≈ 1.0 M households) from ``seed``."""
    if not 0 < scale <= 5:
        raise ValueError(f"scale must be in (0, 5], got {scale}")
    # Stream 6 (village names) was added later; spawning more leaves the first six unchanged.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    progress(STAGES[0])
    areas = build_areas(streams[0], scale)

    progress(STAGES[1])
    households, v_idx = build_households(streams[1], areas)

    progress(STAGES[2])
    rng = streams[2]
    n = households.height
    z = risk.risk_score(households)
    u_village = rng.normal(0.0, risk.SIGMA_VILLAGE, areas.villages.height)[v_idx]
    effect = u_village + rng.normal(0.0, risk.SIGMA_HOUSEHOLD, n)
    eta = z + effect
    assessed = risk.draw_tiers(rng, eta)
    previous = risk.draw_tiers(rng, eta)
    has_prev = rng.random(n) < PREVIOUS_SHARE
    has_label = rng.random(n) < ASSESSED_SHARE
    bayes = risk.bayes_probabilities(z, np.where(has_prev, previous, 0))
    households = households.with_columns(
        previous_tier=pl.Series(np.where(has_prev, previous, 0), dtype=pl.Int8).replace(0, None),
        assessed_tier=pl.Series(np.where(has_label, assessed, 0), dtype=pl.Int8).replace(0, None),
    ).select(list(columns.HOUSEHOLDS))
    truth = pl.DataFrame(
        {
            "household_id": households["household_id"],
            "p_tier1": bayes[:, 0],
            "p_tier2": bayes[:, 1],
            "p_tier3": bayes[:, 2],
            "true_tier": assessed,
            "latent_score": z,
            "latent_effect": effect,
            "village_effect": u_village,
        }
    )

    progress(STAGES[3])
    workers = build_workers(streams[3], areas).with_columns(
        worker_id=pl.format("W{}", (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(6))
    )
    workers = workers.with_columns(own_households(streams[4], workers, households)).select(
        list(columns.WORKERS)
    )

    progress(STAGES[4])
    previous_frame = previous_assignment(streams[5], households, workers, PREVIOUS_MONTH)
    conflict_frame = conflicts(streams[5], households, workers)
    return SyntheticPrefecture(
        households=households,
        workers=workers,
        previous_assignment=previous_frame.select(list(columns.PREVIOUS_ASSIGNMENT)),
        conflicts=conflict_frame.select(list(columns.CONFLICTS)),
        truth=truth,
        areas=areas,
        places=places_table(streams[6], areas),
    )


def write_prefecture(pref: SyntheticPrefecture, out: Path) -> None:
    """Write every table as Parquet into ``out`` atomically (all files or none)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    shareable(tmp)  # mkdtemp makes it owner-only; the data folder is the team's
    try:
        for name, frame in pref.tables().items():
            frame.write_parquet(tmp / f"{name}.parquet")
        if out.exists():
            # Replace only our own files; keep anything else the user put there.
            for name in pref.tables():
                (tmp / f"{name}.parquet").replace(out / f"{name}.parquet")
            shutil.rmtree(tmp)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

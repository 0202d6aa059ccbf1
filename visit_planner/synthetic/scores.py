"""Scores a perfect model would give the synthetic prefecture: tiers and risk from its truth.

Tests, benchmarks and examples of the assignment use these so that they need no trained
model: the final tier is the generator's true tier (or, with ``prefer_assessed``, the
assessed tier where the household has one, as a planner's records would), the risk is the
exact Bayes P(tier 1).
"""

from __future__ import annotations

import polars as pl

from visit_planner.synthetic import SyntheticPrefecture


def truth_scores(pref: SyntheticPrefecture, *, prefer_assessed: bool = False) -> pl.DataFrame:
    """A scores frame (``household_id, final_tier, p_tier1``) from the prefecture's truth."""
    truth = pref.truth.select("household_id", "p_tier1", "true_tier")
    tier = pl.col("true_tier")
    if prefer_assessed:
        truth = truth.join(
            pref.households.select("household_id", "assessed_tier"), on="household_id"
        )
        tier = pl.coalesce("assessed_tier", "true_tier")
    return truth.select("household_id", tier.cast(pl.Int8).alias("final_tier"), "p_tier1")

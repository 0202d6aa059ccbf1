"""The known risk process behind the synthetic assessed tiers, and its exact Bayes probabilities.

Process (an ordered logit with an unobserved random effect)::

    z  = linear score of the household's observed columns      (``risk_score``)
    a  = u_village + h_household,  u ~ N(0, 0.3²), h ~ N(0, 0.3²)   (unobserved)
    y* = z + a + e,  e ~ Logistic(0, 0.5), drawn afresh for every assessment
    tier 1 if y* > C1;  tier 2 if C2 < y* <= C1;  tier 3 otherwise

``previous_tier`` is an earlier assessment of the same household (same z and a, its own e),
so it carries information about ``a``. Ethnicity and gender of the head are NOT in z: they
correlate with risk only through geography and household make-up.

The Bayes-optimal probabilities given a household's own observed row are therefore

    P(y=j | z, prev=k) = ∫ P(y=j | z, a) P(prev=k | z, a) φ(a) da / ∫ P(prev=k | z, a) φ(a) da

(without the ``prev`` factor when there is no previous tier), computed here by Gauss–Hermite
quadrature, exact to well below 1e-9. No model of a single row can beat them in expectation;
the village's random effect can only be learnt from neighbours' labels, which a village-wise
split withholds by design.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

SIGMA_VILLAGE: Final = 0.3
SIGMA_HOUSEHOLD: Final = 0.3
# Scale of the assessment noise: small enough that the tiers are learnable (the Bayes
# classifier's macro-F1 is about 0.6), large enough that no model is perfect.
NOISE_SCALE: Final = 0.5
SIGMA_EFFECT: Final = float(np.hypot(SIGMA_VILLAGE, SIGMA_HOUSEHOLD))
# Cut points on y*, tuned once so that tiers come out near 3.5 % / 15 % / 81.5 %.
C1: Final = 2.80
C2: Final = 1.30
INTERCEPT: Final = -1.0
QUADRATURE_NODES: Final = 48

# Coefficients of z: one per observed column effect (per unit, or per level).
COEF: Final[dict[str, float]] = {
    "elderly_living_alone": 1.5,
    "elderly_65plus": 0.25,
    "left_behind_children": 0.55,
    "disabled_members": 0.85,
    "serious_illness_members": 1.0,
    "alone_and_ill": 0.8,  # interaction: an elderly person alone who is also seriously ill
    "low_income_allowance": 0.7,
    "poverty_relapse_watch": 1.2,
    "housing_B": 0.25,
    "housing_C": 0.8,
    "housing_D": 1.9,
    "migrant_workers": 0.08,
    "disputes_12m": 0.4,
    "hotline_requests_12m": 0.2,
    "petitions_12m": 0.55,
    "hazard_drought": 0.3,
    "hazard_landslide": 0.55,
    "hazard_flood": 0.4,
    "road_km": 0.07,
    "village_points": -0.02,  # per point above 70 (good standing lowers need)
    "last_visit_days": 0.0015,
    "members_over_4": -0.15,
}


def risk_score(h: pl.DataFrame) -> np.ndarray:
    """The linear score z of each household from its observed columns (pure)."""
    expr = (
        pl.lit(INTERCEPT)
        + COEF["elderly_living_alone"] * pl.col("elderly_living_alone").cast(pl.Float64)
        + COEF["elderly_65plus"] * pl.col("elderly_65plus")
        + COEF["left_behind_children"] * pl.col("left_behind_children").clip(0, 3)
        + COEF["disabled_members"] * pl.col("disabled_members").clip(0, 2)
        + COEF["serious_illness_members"] * pl.col("serious_illness_members").clip(0, 2)
        + COEF["alone_and_ill"]
        * (pl.col("elderly_living_alone") & (pl.col("serious_illness_members") > 0)).cast(
            pl.Float64
        )
        + COEF["low_income_allowance"] * pl.col("low_income_allowance").cast(pl.Float64)
        + COEF["poverty_relapse_watch"] * pl.col("poverty_relapse_watch").cast(pl.Float64)
        + pl.col("housing_safety_grade").replace_strict(
            {"A": 0.0, "B": COEF["housing_B"], "C": COEF["housing_C"], "D": COEF["housing_D"]},
            return_dtype=pl.Float64,
        )
        + COEF["migrant_workers"] * pl.col("migrant_workers")
        + COEF["disputes_12m"] * pl.col("disputes_12m").clip(0, 4)
        + COEF["hotline_requests_12m"] * pl.col("hotline_requests_12m").clip(0, 5)
        + COEF["petitions_12m"] * pl.col("petitions_12m").clip(0, 3)
        + pl.col("hazard_exposure").replace_strict(
            {
                "none": 0.0,
                "drought": COEF["hazard_drought"],
                "landslide": COEF["hazard_landslide"],
                "flood": COEF["hazard_flood"],
            },
            return_dtype=pl.Float64,
        )
        + COEF["road_km"] * pl.col("road_km_to_village_center").clip(0, 15)
        + COEF["village_points"] * (pl.col("village_points") - 70.0)
        + COEF["last_visit_days"] * pl.col("last_visit_days").clip(0, 365)
        + COEF["members_over_4"] * (pl.col("members") - 4).clip(0, 6)
    )
    return h.select(expr.alias("z")).to_series().to_numpy()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


def tier_probabilities(eta: np.ndarray) -> np.ndarray:
    """P(tier 1, 2, 3) given the full latent ``eta = z + a`` (columns sum to 1)."""
    p1 = _sigmoid((eta - C1) / NOISE_SCALE)
    p12 = _sigmoid((eta - C2) / NOISE_SCALE)
    return np.stack([p1, p12 - p1, 1.0 - p12], axis=-1)


def draw_tiers(rng: np.random.Generator, eta: np.ndarray) -> np.ndarray:
    """One assessment per household: tier 1, 2 or 3 drawn from the ordered logit."""
    y = eta + rng.logistic(0.0, NOISE_SCALE, eta.shape[0])
    return np.where(y > C1, 1, np.where(y > C2, 2, 3)).astype(np.int8)


def bayes_probabilities(z: np.ndarray, previous: np.ndarray, chunk: int = 200_000) -> np.ndarray:
    """Exact P(tier | observed row) by Gauss–Hermite quadrature over the random effect.

    ``previous`` holds the previous tier (1-3) or 0 where there is none.
    """
    x, w = np.polynomial.hermite.hermgauss(QUADRATURE_NODES)
    a = np.sqrt(2.0) * SIGMA_EFFECT * x  # nodes for a ~ N(0, SIGMA_EFFECT²)
    w = w / np.sqrt(np.pi)
    out = np.empty((z.shape[0], 3))
    for start in range(0, z.shape[0], chunk):
        zc = z[start : start + chunk, None] + a[None, :]
        probs = tier_probabilities(zc)  # (n, K, 3)
        prev = previous[start : start + chunk]
        like = np.ones(zc.shape)
        has_prev = prev > 0
        idx = np.clip(prev.astype(np.int64) - 1, 0, 2)
        like[has_prev] = np.take_along_axis(
            probs[has_prev], idx[has_prev, None, None].repeat(zc.shape[1], axis=1), axis=2
        )[..., 0]
        weights = like * w[None, :]
        joint = np.einsum("nk,nkj->nj", weights, probs)
        out[start : start + chunk] = joint / weights.sum(axis=1, keepdims=True)
    return out

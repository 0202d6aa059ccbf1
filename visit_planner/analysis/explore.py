"""Summaries of a prefecture's households for exploration (notebook 1.0).

Pure functions over the households table of the data contract (any data that passes
``visit_planner.contracts.load_inputs``). Counties are shown by name (``with_county_name``),
townships by name and code like every other text of the product.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Final

import polars as pl

from risk_model.evaluate import group_split
from risk_model.fairness import group_error_rates
from risk_model.spec import household_spec
from risk_model.training import TrainConfig
from visit_planner.contracts import columns as c
from visit_planner.export.labels import county_name, place

NUMERIC_FEATURES: Final = tuple(
    name
    for name, dtype in c.HOUSEHOLDS.items()
    if dtype.is_numeric() and name not in {"lon", "lat", "previous_tier", "assessed_tier"}
)
"""Numeric household fields (counts, distances, points, days): the contract's numeric
columns except coordinates and tiers."""

BOOLEAN_FEATURES: Final = tuple(n for n, t in c.HOUSEHOLDS.items() if t == pl.Boolean())
CATEGORICAL_FEATURES: Final = ("housing_safety_grade", "hazard_exposure")

UNITS: Final = {
    "members": "人 persons",
    "elderly_65plus": "人 persons",
    "children_under16": "人 persons",
    "left_behind_children": "人 persons",
    "disabled_members": "人 persons",
    "serious_illness_members": "人 persons",
    "migrant_workers": "人 persons",
    "disputes_12m": "件 cases in 12 months",
    "hotline_requests_12m": "次 requests in 12 months",
    "petitions_12m": "次 petitions in 12 months",
    "road_km_to_village_center": "公里 km",
    "village_points": "分 points",
    "last_visit_days": "天 days",
}
"""The unit of each numeric household field, Chinese with English (axis labels)."""

MIN_TIER1_FOR_GAP: Final = int(
    inspect.signature(group_error_rates).parameters["min_positives"].default
)
"""Tier-1 households a group needs before the fairness audit compares its recall (the
audit's own default, read from :func:`risk_model.fairness.group_error_rates`)."""

TIER_COLUMN = "assessed_tier"


def with_county_name(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with a ``county`` column ``文山市 Wenshan`` (the code where no name is known)."""
    codes = frame["county_id"].unique().drop_nulls().to_list()
    names = {code: county_name(code) or code for code in codes}
    return frame.with_columns(
        pl.col("county_id")
        .replace_strict(names, default=None, return_dtype=pl.String)
        .alias("county")
    )


def feature_summary(households: pl.DataFrame) -> pl.DataFrame:
    """One row per numeric feature: unit, mean, median, 95th percentile, max, missing."""
    rows = []
    for name in NUMERIC_FEATURES:
        s = households[name].cast(pl.Float64)
        rows.append(
            {
                "feature": name,
                "unit": UNITS.get(name, ""),
                "mean": s.mean(),
                "median": s.median(),
                "p95": s.quantile(0.95, interpolation="linear"),
                "max": s.max(),
                "missing": s.null_count(),
            }
        )
    return pl.DataFrame(rows)


def flag_shares(households: pl.DataFrame) -> pl.DataFrame:
    """Share of households with each yes/no field true, and of each category value."""
    n = households.height
    rows = [
        {"feature": name, "value": "true", "households": int(households[name].sum())}
        for name in BOOLEAN_FEATURES
    ]
    for name in CATEGORICAL_FEATURES:
        counts = households.group_by(name).len().sort(name)
        rows += [
            {"feature": name, "value": str(v), "households": int(k)} for v, k in counts.iter_rows()
        ]
    return pl.DataFrame(rows).with_columns((pl.col("households") / n).alias("share"))


def tier_shares(
    households: pl.DataFrame, by: Sequence[str] = ("county_id",), tier: str = TIER_COLUMN
) -> pl.DataFrame:
    """Households per area and the share of each tier (``unassessed``: no tier yet).

    ``by`` are area columns (``county_id``, ``township_id``…); rows are sorted by them and
    carry the county's name when ``county_id`` is among them, and a ``township`` label when
    ``township_id`` is: name and code, ``锦屏镇 (532626001)``, as every other text names
    places (:func:`visit_planner.export.labels.place`; the code with its county's name where
    the inputs had no places table).
    """
    keys = list(by)
    out = (
        households.group_by(keys)
        .agg(
            pl.len().alias("households"),
            *[(pl.col(tier) == t).sum().alias(f"tier{t}") for t in c.TIERS],
            pl.col(tier).is_null().sum().alias("unassessed"),
        )
        .with_columns(
            *[(pl.col(f"tier{t}") / pl.col("households")).alias(f"tier{t}_share") for t in c.TIERS],
            (pl.col("unassessed") / pl.col("households")).alias("unassessed_share"),
        )
        .sort(keys)
    )
    if "township_id" in keys:
        county = out["county_id"] if "county_id" in keys else [None] * out.height
        labels = [place(t, k) for t, k in zip(out["township_id"], county, strict=True)]
        out = out.with_columns(pl.Series("township", labels, dtype=pl.String))
    return with_county_name(out) if "county_id" in keys else out


def missing_values(households: pl.DataFrame) -> pl.DataFrame:
    """Columns with missing values: how many and what share (every column, zero included)."""
    n = households.height
    counts = households.null_count().row(0, named=True)
    return (
        pl.DataFrame({"column": list(counts), "missing": [int(v) for v in counts.values()]})
        .with_columns((pl.col("missing") / max(n, 1)).alias("share"))
        .sort("missing", "column", descending=[True, False])
    )


def outliers(
    households: pl.DataFrame, columns: Sequence[str] = NUMERIC_FEATURES, k: float = 3.0
) -> pl.DataFrame:
    """Values far above the bulk: above Q3 + ``k`` x max(IQR, 1) per column.

    The IQR gets a floor of one unit because most count fields are mostly zero (IQR 0), where
    any non-zero value would otherwise count. One row per column: quartiles, the fence, how
    many households lie above it and the first five of their ids (sorted).
    """
    rows = []
    for name in columns:
        s = households[name].cast(pl.Float64)
        q1 = float(s.quantile(0.25, interpolation="linear") or 0.0)
        q3 = float(s.quantile(0.75, interpolation="linear") or 0.0)
        fence = q3 + k * max(q3 - q1, 1.0)
        above = households.filter(pl.col(name).cast(pl.Float64) > fence)
        rows.append(
            {
                "feature": name,
                "q1": q1,
                "q3": q3,
                "fence": fence,
                "max": s.max(),
                "above": above.height,
                "examples": ", ".join(above["household_id"].sort().head(5).to_list()),
            }
        )
    return pl.DataFrame(rows).sort("above", "feature", descending=[True, False])


def composition(
    households: pl.DataFrame, attribute: str, by: str = "county_id", tier: str = TIER_COLUMN
) -> pl.DataFrame:
    """Share of each ``attribute`` group (e.g. ``head_ethnicity``) within each ``by`` area.

    Columns: ``by`` (and ``county`` names), ``group``, ``households``, ``tier1`` (assessed
    tier-1 households of the group), ``share`` (of the area's households).
    """
    out = (
        households.group_by(by, attribute)
        .agg(pl.len().alias("households"), (pl.col(tier) == 1).sum().alias("tier1"))
        .rename({attribute: "group"})
        .with_columns((pl.col("households") / pl.col("households").sum().over(by)).alias("share"))
        .sort(by, "group")
    )
    return with_county_name(out) if by == "county_id" else out


def heldout_households(households: pl.DataFrame, config: TrainConfig | None = None) -> pl.DataFrame:
    """The households ``visit-planner train`` holds out for evaluation, and so the rows the
    fairness audit and the promotion gate count: the labelled households of the villages
    that the built-in spec's group-wise split (its ``group_column``, ``config``'s fraction and
    seed; default :class:`~risk_model.training.TrainConfig`) sets aside."""
    spec, config = household_spec(), config or TrainConfig()
    labelled = households.filter(pl.col(spec.target).is_not_null())
    mask = group_split(
        labelled, spec.group_column, test_fraction=config.test_fraction, seed=config.seed
    )
    return labelled.filter(pl.Series(mask))


def _group_counts(frame: pl.DataFrame, attribute: str, tier: str, prefix: str) -> pl.DataFrame:
    return frame.group_by(attribute).agg(
        pl.len().alias(f"{prefix}households"), (pl.col(tier) == 1).sum().alias(f"{prefix}tier1")
    )


def audit_groups(
    households: pl.DataFrame,
    attributes: Sequence[str] = (*c.AUDIT_ONLY, "county_id"),
    tier: str = TIER_COLUMN,
    config: TrainConfig | None = None,
) -> pl.DataFrame:
    """The groups the fairness audit compares: per attribute and group, households and
    assessed tier-1 households in the whole data (``households``, ``tier1``) and in the
    held-out villages the audit evaluates (``heldout_households``, ``heldout_tier1``, from
    :func:`heldout_households`), and whether the group has enough held-out tier-1 households
    for its tier-1 recall to enter the largest-gap figure (``enough_tier1``: at least
    :data:`MIN_TIER1_FOR_GAP`, the audit's own rule on the same rows)."""
    held = heldout_households(households, config)
    frames = [
        _group_counts(households, a, tier, "")
        .join(_group_counts(held, a, tier, "heldout_"), on=a, how="left", nulls_equal=True)
        .select(
            pl.lit(a).alias("attribute"),
            pl.col(a).cast(pl.String).alias("group"),
            "households",
            "tier1",
            pl.col("heldout_households").fill_null(0).cast(pl.UInt32),
            pl.col("heldout_tier1").fill_null(0).cast(pl.UInt32),
        )
        for a in attributes
    ]
    return (
        pl.concat(frames)
        .with_columns((pl.col("heldout_tier1") >= MIN_TIER1_FOR_GAP).alias("enough_tier1"))
        .sort("attribute", "group")
    )

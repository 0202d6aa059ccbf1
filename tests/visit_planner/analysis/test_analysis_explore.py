"""visit_planner.analysis.explore: summaries of a prefecture's households."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from risk_model.evaluate import group_split
from risk_model.fairness import group_error_rates
from risk_model.training import TrainConfig
from visit_planner.analysis import explore
from visit_planner.contracts.places import forget_places, place_label, remember_places
from visit_planner.synthetic import SyntheticPrefecture


@pytest.fixture(scope="module")
def hh(small_prefecture) -> pl.DataFrame:
    return small_prefecture.households


def test_every_numeric_feature_has_a_unit(hh: pl.DataFrame) -> None:
    summary = explore.feature_summary(hh)
    assert summary["feature"].to_list() == list(explore.NUMERIC_FEATURES)
    assert all(summary["unit"].str.len_chars() > 0)
    members = summary.filter(pl.col("feature") == "members").row(0, named=True)
    assert members["mean"] == pytest.approx(float(hh["members"].mean()))  # type: ignore[arg-type]
    assert members["max"] == hh["members"].max()


def test_tier_shares_count_every_household(hh: pl.DataFrame) -> None:
    shares = explore.tier_shares(hh, by=("county_id",))
    assert shares["households"].sum() == hh.height
    total = shares.select(
        pl.sum_horizontal("tier1_share", "tier2_share", "tier3_share", "unassessed_share")
    ).to_series()
    assert total.to_list() == pytest.approx([1.0] * shares.height)
    assert shares["unassessed"].sum() == hh["assessed_tier"].null_count()
    assert shares["tier1"].sum() == (hh["assessed_tier"] == 1).sum()
    assert "文山市 Wenshan" in shares["county"].to_list()  # places by name as well as code
    by_township = explore.tier_shares(hh, by=("county_id", "township_id"))
    assert by_township.height == hh["township_id"].n_unique()


def test_townships_are_labelled_by_name_and_code(small_prefecture: SyntheticPrefecture) -> None:
    """As every other text names a place (``锦屏镇 (532626001)``, place_label), not by county."""
    hh = small_prefecture.households
    forget_places()
    try:
        bare = explore.tier_shares(hh, by=("county_id", "township_id"))
        assert bare.filter(pl.col("township_id") == "532626001")["township"].item() == (
            "532626001 (丘北县 Qiubei)"  # no places table read: the code and its county
        )
        remember_places(small_prefecture.places)
        shares = explore.tier_shares(hh, by=("county_id", "township_id"))
        qiubei = shares.filter(pl.col("township_id") == "532626001")["township"].item()
        assert qiubei == place_label("532626001") == "锦屏镇 Jinping Town (532626001)"
        assert shares["township"].to_list() == [place_label(t) for t in shares["township_id"]]
        assert "township" not in explore.tier_shares(hh).columns  # by county: no township
    finally:
        forget_places()


def test_missing_values_lists_every_column_most_missing_first(hh: pl.DataFrame) -> None:
    missing = explore.missing_values(hh)
    assert set(missing["column"]) == set(hh.columns)
    assert missing["missing"].to_list() == sorted(missing["missing"].to_list(), reverse=True)
    row = missing.filter(pl.col("column") == "assessed_tier").row(0, named=True)
    assert row["missing"] == hh["assessed_tier"].null_count()


def test_outliers_flag_an_implausible_value() -> None:
    frame = pl.DataFrame(
        {
            "household_id": [f"H{i}" for i in range(10)],
            "road_km_to_village_center": [1.0, 1.5, 2.0, 2.0, 2.5, 1.0, 1.2, 1.8, 2.2, 60.0],
            "disputes_12m": [0, 0, 0, 0, 0, 0, 0, 0, 1, 5],
        }
    )
    out = explore.outliers(frame, ["road_km_to_village_center", "disputes_12m"])
    road = out.filter(pl.col("feature") == "road_km_to_village_center").row(0, named=True)
    assert road["above"] == 1 and road["examples"] == "H9"
    # A mostly-zero count: IQR 0, floored at one unit, so 1 is not an outlier but 5 is.
    disputes = out.filter(pl.col("feature") == "disputes_12m").row(0, named=True)
    assert disputes["fence"] == 3.0
    assert disputes["above"] == 1 and disputes["examples"] == "H9"


def test_composition_shares_per_county_and_audit_groups(hh: pl.DataFrame) -> None:
    comp = explore.composition(hh, "head_gender")
    sums = comp.group_by("county_id").agg(pl.col("share").sum())["share"].to_list()
    assert sums == pytest.approx([1.0] * len(sums))
    groups = explore.audit_groups(hh)
    assert set(groups["attribute"]) == {"head_ethnicity", "head_gender", "county_id"}
    gender = groups.filter(pl.col("attribute") == "head_gender")
    assert gender["households"].sum() == hh.height
    assert explore.MIN_TIER1_FOR_GAP == 20  # the fairness audit's default
    assert groups["enough_tier1"].to_list() == (groups["heldout_tier1"] >= 20).to_list()


def test_audit_groups_count_the_heldout_villages_the_audit_sees(hh: pl.DataFrame) -> None:
    """``enough_tier1`` is decided on the held-out villages of training's own split (notebook
    1.0 says so), with the counts the fairness audit itself makes there: a group with plenty
    of tier-1 households in all the data can have too few held out (Han: 115 and 15)."""
    labelled = hh.filter(pl.col("assessed_tier").is_not_null())
    config = TrainConfig()
    mask = group_split(labelled, "village_id", test_fraction=config.test_fraction, seed=config.seed)
    held = explore.heldout_households(hh)
    assert held.equals(labelled.filter(pl.Series(mask)))
    assert 0 < held["village_id"].n_unique() < hh["village_id"].n_unique()

    groups = explore.audit_groups(hh)
    y = np.where(held["assessed_tier"].to_numpy() == 1, 0, 1)  # class 0 = tier 1
    audit = group_error_rates(
        y, y, {a: held[a].to_numpy() for a in ("head_ethnicity", "head_gender", "county_id")}
    ).table
    seen = groups.filter(pl.col("heldout_households") > 0)
    joined = seen.join(audit, on=["attribute", "group"], how="left")
    assert joined["heldout_tier1"].cast(pl.Int64).to_list() == joined["n_tier1"].to_list()
    assert joined["heldout_households"].cast(pl.Int64).to_list() == joined["n"].to_list()
    assert groups["heldout_households"].sum() == 3 * held.height  # every attribute, every row
    ethnicity = groups.filter(pl.col("attribute") == "head_ethnicity")
    left_out = ethnicity.filter((pl.col("tier1") >= 20) & ~pl.col("enough_tier1"))
    assert "han" in left_out["group"].to_list()


def test_flag_shares(hh: pl.DataFrame) -> None:
    flags = explore.flag_shares(hh)
    alone = flags.filter(pl.col("feature") == "elderly_living_alone").row(0, named=True)
    assert alone["households"] == hh["elderly_living_alone"].sum()
    grades = flags.filter(pl.col("feature") == "housing_safety_grade")
    assert grades["households"].sum() == hh.height


def test_county_names_with_the_code_where_unknown() -> None:
    frame = pl.DataFrame({"county_id": ["532627", "999999", "532627"]})
    assert explore.with_county_name(frame)["county"].to_list() == [
        "广南县 Guangnan",
        "999999",
        "广南县 Guangnan",
    ]

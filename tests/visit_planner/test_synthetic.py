"""The synthetic prefecture: sizes, nesting, tier shares, determinism, truth probabilities."""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import polars as pl
import pytest

from visit_planner.contracts import columns
from visit_planner.synthetic import COUNTIES, generate
from visit_planner.synthetic.geography import apportion
from visit_planner.synthetic.risk import bayes_probabilities, tier_probabilities


def test_small_prefecture_sizes_scale_down(small_prefecture) -> None:
    h, w = small_prefecture.households, small_prefecture.workers
    assert h.height == 10_000
    assert h["county_id"].n_unique() == 8
    assert set(h["county_id"].unique()) == {c.county_id for c in COUNTIES}
    assert h["village_id"].n_unique() == 10  # 1,002 x 0.01
    assert h["grid_id"].n_unique() == 202  # 20,200 x 0.01
    assert 400 <= w.height <= 600  # about 50,000 x 0.01
    roles = dict(w.group_by("role").len().iter_rows())
    assert roles["grid_worker"] > roles["village_official"] > roles["cadre"]


def test_counties_are_proportional_to_population(small_prefecture) -> None:
    counts = dict(small_prefecture.households.group_by("county_id").len().iter_rows())
    total_pop = sum(c.population for c in COUNTIES)
    for county in COUNTIES:
        expected = 10_000 * county.population / total_pop
        assert abs(counts[county.county_id] - expected) <= 1


def test_columns_match_the_contract(small_prefecture) -> None:
    assert small_prefecture.households.schema == pl.Schema(columns.HOUSEHOLDS)
    assert small_prefecture.workers.schema == pl.Schema(columns.WORKERS)
    assert small_prefecture.previous_assignment.columns == list(columns.PREVIOUS_ASSIGNMENT)
    assert small_prefecture.conflicts.columns == list(columns.CONFLICTS)


def test_areas_nest(small_prefecture) -> None:
    h = small_prefecture.households
    for child, parent in (
        ("grid_id", "village_id"),
        ("village_id", "township_id"),
        ("township_id", "county_id"),
    ):
        assert h.group_by(child).agg(pl.col(parent).n_unique())[parent].max() == 1
    w = small_prefecture.workers
    grid_village = h.select("grid_id", "village_id").unique()
    joined = w.filter(pl.col("grid_id").is_not_null()).join(
        grid_village, on="grid_id", how="left", suffix="_h"
    )
    assert (joined["village_id"] == joined["village_id_h"]).all()


def test_coordinates_inside_the_prefecture(small_prefecture) -> None:
    for frame in (small_prefecture.households, small_prefecture.workers):
        assert frame["lon"].min() >= columns.LON_MIN and frame["lon"].max() <= columns.LON_MAX
        assert frame["lat"].min() >= columns.LAT_MIN and frame["lat"].max() <= columns.LAT_MAX


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tier_shares_are_realistic(seed: int) -> None:
    h = generate(scale=0.01, seed=seed).households
    shares = (
        h.filter(pl.col("assessed_tier").is_not_null())["assessed_tier"]
        .value_counts(normalize=True)
        .sort("assessed_tier")["proportion"]
        .to_list()
    )
    assert 0.02 <= shares[0] <= 0.05
    assert 0.10 <= shares[1] <= 0.20
    assert shares[2] >= 0.75


def test_same_seed_same_data_other_seed_other_data(small_prefecture) -> None:
    again = generate(scale=0.01, seed=1)
    for name, frame in small_prefecture.tables().items():
        assert frame.equals(again.tables()[name]), name
    other = generate(scale=0.01, seed=2)
    assert not other.households.equals(small_prefecture.households)


def test_truth_probabilities_sum_to_one_and_match_tier_frequencies(small_prefecture) -> None:
    t = small_prefecture.truth
    p = t.select("p_tier1", "p_tier2", "p_tier3").to_numpy()
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-9)
    assert (p >= 0).all()
    assert t["household_id"].equals(small_prefecture.households["household_id"])
    # The drawn tiers follow the process: given the latent values, the mean probability is the
    # observed frequency. (The Bayes probabilities integrate over the village effects, so with
    # only 10 villages their mean may differ from the realised frequencies.)
    eta = (t["latent_score"] + t["latent_effect"]).to_numpy()
    observed = t["true_tier"].value_counts(normalize=True).sort("true_tier")["proportion"]
    assert np.allclose(tier_probabilities(eta).mean(axis=0), observed.to_numpy(), atol=0.01)


def test_bayes_probabilities_without_history_integrate_the_random_effect() -> None:
    z = np.array([0.0, 3.0, 5.0])
    got = bayes_probabilities(z, np.zeros(3, dtype=np.int8))
    # Monte Carlo over the random effect agrees with the quadrature.
    rng = np.random.default_rng(0)
    a = rng.normal(0, 0.3 * np.sqrt(2), 400_000)
    mc = np.stack([tier_probabilities(zi + a).mean(axis=0) for zi in z])
    assert np.allclose(got, mc, atol=3e-3)


def test_previous_tier_is_informative() -> None:
    z = np.full(3, 3.0)
    p = bayes_probabilities(z, np.array([1, 2, 3], dtype=np.int8))
    assert p[0, 0] > p[1, 0] > p[2, 0]


def test_ethnicity_is_not_a_cause_of_risk() -> None:
    from visit_planner.synthetic.risk import COEF

    assert not any("ethnic" in k or "gender" in k for k in COEF)


def test_some_townships_are_short_of_cadres(small_prefecture) -> None:
    towns = small_prefecture.areas.townships
    assert 1 <= towns["cadre_short"].sum() < towns.height


def test_previous_assignment_and_conflicts_reference_real_rows(small_prefecture) -> None:
    hh = small_prefecture.households["household_id"]
    w = small_prefecture.workers["worker_id"]
    for frame in (small_prefecture.previous_assignment, small_prefecture.conflicts):
        assert frame["household_id"].is_in(hh.implode()).all()
        assert frame["worker_id"].is_in(w.implode()).all()
    assert small_prefecture.previous_assignment["household_id"].is_unique().all()


def test_apportion_sums_and_respects_minimum() -> None:
    parts = apportion(10, np.array([1.0, 1.0, 100.0]), minimum=1)
    assert parts.sum() == 10
    assert parts.min() >= 1
    assert list(apportion(7, np.array([1.0, 1.0]))) == [4, 3]


def test_townships_get_the_real_names_of_their_county() -> None:
    from visit_planner.synthetic.names import TOWNSHIP_NAMES, township_names

    for county in COUNTIES:  # exactly the real number of townships per county, 104 in all
        names = TOWNSHIP_NAMES[county.county_id]
        assert len(names) == county.townships == len(set(names)), county.name_zh
    table = township_names()
    assert table.height == 104 and table["code"].n_unique() == 104
    named = {code: (zh, en) for code, zh, en in table.iter_rows()}
    assert named["532601001"] == ("开化街道", "Kaihua Subdistrict")
    assert named["532628013"] == ("花甲乡", "Huajia Township")


_ETHNIC_EN: Final = {"回族": "Hui", "苗族": "Miao", "瑶族": "Yao", "壮族": "Zhuang", "彝族": "Yi"}


def _kind_en(name_zh: str) -> str:
    """The English kind a township's Chinese name calls for: 街道 Subdistrict, 镇 Town,
    乡 Township, ``<民族>乡`` ``<people> Ethnic Township``."""
    if name_zh.endswith("街道"):
        return "Subdistrict"
    if name_zh.endswith("镇"):
        return "Town"
    assert name_zh.endswith("乡"), name_zh
    ethnic = [en for zh, en in _ETHNIC_EN.items() if name_zh.endswith(zh + "乡")]
    return f"{ethnic[0]} Ethnic Township" if ethnic else "Township"


def test_every_township_has_a_distinct_english_name_of_its_kind() -> None:
    """An English text, or a stream without Chinese, names a township in English: the proper
    name in pinyin as one capitalised word, then the kind its Chinese name says."""
    from visit_planner.synthetic.names import TOWNSHIP_NAMES

    pairs = [pair for names in TOWNSHIP_NAMES.values() for pair in names]
    english = [en for _, en in pairs]
    assert len(pairs) == 104 and len({en.casefold() for en in english}) == 104  # distinct
    for zh, en in pairs:
        assert en.isascii() and en.strip() == en, zh
        kind = _kind_en(zh)
        assert en.endswith(" " + kind), (zh, en)
        proper = en.removesuffix(" " + kind)
        assert re.fullmatch(r"[A-Z][a-z]+(?:'[aoe][a-z]*)*", proper), (zh, en)
        assert "Ethnic" not in proper and not proper.endswith(("zu", "jiedao")), (zh, en)
    by_zh = dict(pairs)
    # characters with several readings, read as in these place names
    assert by_zh["追栗街镇"] == "Zhuilijie Town" and by_zh["者腊乡"] == "Zhela Township"
    assert by_zh["蚌峨乡"] == "Bang'e Township" and by_zh["剥隘镇"] == "Bo'ai Town"
    assert by_zh["阿舍彝族乡"] == "Ashe Yi Ethnic Township" and by_zh["稼依镇"] == "Jiayi Town"
    assert by_zh["薄竹镇"] == "Bozhu Town" and by_zh["柏林乡"] == "Bailin Township"
    assert by_zh["红甸回族乡"] == "Hongdian Hui Ethnic Township"
    assert by_zh["猛硐瑶族乡"] == "Mengdong Yao Ethnic Township"


def test_places_name_every_generated_area(small_prefecture) -> None:  # type: ignore[no-untyped-def]
    places = small_prefecture.places
    by_level = {lvl: set(g["code"]) for (lvl,), g in places.group_by("level")}
    areas = small_prefecture.areas
    assert by_level["county"] == {c.county_id for c in COUNTIES}
    assert by_level["township"] == set(areas.townships["township_id"])
    assert by_level["village"] == set(areas.villages["village_id"])
    townships = places.filter(pl.col("level") == "township")
    assert townships["name_en"].null_count() == 0 and townships["name_en"].str.len_chars().min()
    assert townships["name_en"].n_unique() == townships.height  # distinct: told apart in English
    assert all(en.isascii() for en in townships["name_en"])
    villages = places.filter(pl.col("level") == "village")
    assert villages["name_zh"].str.ends_with("村").all() and villages["name_en"].null_count() == 0
    per_township = villages.group_by(pl.col("code").str.slice(0, 9)).agg(
        pl.col("name_zh").n_unique().alias("names"), pl.len()
    )
    assert (per_township["names"] == per_township["len"]).all()  # distinct within a township


def test_village_names_are_deterministic_by_seed() -> None:
    a, b, c = (generate(scale=0.003, seed=s).places for s in (5, 5, 6))
    assert a.equals(b)
    assert not a.filter(pl.col("level") == "village").equals(c.filter(pl.col("level") == "village"))


def test_progress_lines_are_short_and_read_chinese_first() -> None:
    """``generate`` prints one line per stage: Chinese first, then English (was English only)."""
    from rich.cells import cell_len

    from visit_planner.vocabulary import AVOIDED

    lines: list[str] = []
    generate(scale=0.003, seed=5, progress=lines.append)
    assert lines == [
        "区划: 县市、乡镇、村、网格 / areas: counties to grids",
        "农户: 构成、需求、历史 / households: make-up, needs, history",
        "风险: 类别、贝叶斯概率 / risk: tiers, Bayes probabilities",
        "人员: 基层干部、村组干部、网格员 / workers of the three roles",
        "历史: 上月结对、利益冲突 / history: last month's pairs, conflicts",
    ]
    for line in lines:
        zh, _, en = line.partition(" / ")
        assert "\u4e00" <= zh[0] <= "\u9fff" and en.isascii(), line
        assert cell_len(line) <= 66, line  # with the elapsed time, well inside 80 columns
        assert not [word for word in AVOIDED if word in line], line

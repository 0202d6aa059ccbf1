"""Place names of the synthetic prefecture: the real townships of Wenshan, generated villages.

Townships: each county's generator-made township codes (``<county>001``, ``<county>002``, ...)
get the real public names of that county's townships (乡镇街道), in the fixed order below:
subdistricts (街道) first, then towns (镇), then townships (乡), as the county's own lists
order them. The counts match :data:`visit_planner.synthetic.geography.COUNTIES` (17, 11, 9, 11,
13, 12, 18, 13: 104 in all). The pairing of a name with a generated township is arbitrary (the
generated townships are not the real ones' areas or populations); the names are written from
the administrative divisions as of about 2020 without a source at hand to check them: a few
may since have changed status (乡 → 镇) or name. They carry no English names (the table's
``name_en`` is empty; texts then show the Chinese name).

Villages: generated, clearly synthetic names (two syllables from fixed lists, plus 村), with
their pinyin as ``name_en``; distinct within a township and deterministic for a seed.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from visit_planner.contracts import columns
from visit_planner.synthetic.geography import COUNTIES, Areas

TOWNSHIP_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "532601": (  # 文山市
        "开化街道", "卧龙街道", "新平街道", "古木镇", "平坝镇", "马塘镇", "德厚镇", "小街镇",
        "薄竹镇", "追栗街镇", "东山彝族乡", "柳井彝族乡", "新街乡", "喜古乡", "坝心彝族乡",
        "秉烈彝族乡", "红甸回族乡",
    ),
    "532622": (  # 砚山县
        "江那镇", "平远镇", "稼依镇", "阿猛镇", "阿舍彝族乡", "维摩彝族乡", "干河彝族乡",
        "盘龙彝族乡", "八嘎乡", "者腊乡", "蚌峨乡",
    ),
    "532623": (  # 西畴县
        "西洒镇", "兴街镇", "蚌谷乡", "莲花塘乡", "新马街乡", "柏林乡", "法斗乡", "董马乡",
        "鸡街乡",
    ),
    "532624": (  # 麻栗坡县
        "麻栗镇", "大坪镇", "董干镇", "天保镇", "猛硐瑶族乡", "下金厂乡", "八布乡", "六河乡",
        "杨万乡", "铁厂乡", "马街乡",
    ),
    "532625": (  # 马关县
        "马白镇", "八寨镇", "仁和镇", "木厂镇", "夹寒箐镇", "小坝子镇", "都龙镇", "金厂镇",
        "坡脚镇", "南捞乡", "大栗树乡", "篾厂乡", "古林箐乡",
    ),
    "532626": (  # 丘北县
        "锦屏镇", "曰者镇", "双龙营镇", "八道哨彝族乡", "天星乡", "平寨乡", "树皮彝族乡",
        "腻脚彝族乡", "新店彝族乡", "官寨乡", "舍得彝族乡", "温浏乡",
    ),
    "532627": (  # 广南县
        "莲城镇", "八宝镇", "南屏镇", "珠街镇", "那洒镇", "珠琳镇", "坝美镇", "董堡乡",
        "旧莫乡", "杨柳井乡", "板蚌乡", "曙光乡", "黑支果乡", "篆角乡", "五珠乡", "者兔乡",
        "者太乡", "底圩乡",
    ),
    "532628": (  # 富宁县
        "新华镇", "归朝镇", "剥隘镇", "里达镇", "田蓬镇", "木央镇", "板仑乡", "谷拉乡",
        "者桑乡", "那能乡", "洞波瑶族乡", "阿用乡", "花甲乡",
    ),
}  # fmt: skip

# Syllables of the generated village names, with their pinyin.
_FIRST: Final = (
    ("大", "Da"), ("小", "Xiao"), ("上", "Shang"), ("下", "Xia"), ("新", "Xin"), ("老", "Lao"),
    ("石", "Shi"), ("竹", "Zhu"), ("松", "Song"), ("龙", "Long"), ("马", "Ma"), ("白", "Bai"),
    ("红", "Hong"), ("青", "Qing"), ("花", "Hua"), ("茶", "Cha"), ("梨", "Li"), ("桃", "Tao"),
    ("田", "Tian"), ("水", "Shui"),
)  # fmt: skip
_SECOND: Final = (
    ("坪", "ping"), ("寨", "zhai"), ("塘", "tang"), ("冲", "chong"), ("箐", "qing"),
    ("沟", "gou"), ("湾", "wan"), ("坡", "po"), ("河", "he"), ("山", "shan"), ("岩", "yan"),
    ("林", "lin"), ("桥", "qiao"), ("坝", "ba"), ("营", "ying"), ("屯", "tun"), ("岭", "ling"),
    ("洞", "dong"), ("井", "jing"), ("园", "yuan"),
)  # fmt: skip


def township_names() -> pl.DataFrame:
    """Every real township name by its generated code (``code, name_zh``), 104 rows."""
    rows = [
        (f"{county}{i + 1:03d}", name)
        for county, names in TOWNSHIP_NAMES.items()
        for i, name in enumerate(names)
    ]
    return pl.DataFrame(rows, schema={"code": pl.String, "name_zh": pl.String}, orient="row")


def village_names(rng: np.random.Generator, village_ids: pl.Series) -> pl.DataFrame:
    """A generated name for each village (``code, name_zh, name_en``), distinct within its
    township (the first 9 characters of its code); drawn from ``rng`` in code order."""
    combos = [(a + b + "村", f"{pa}{pb}") for a, pa in _FIRST for b, pb in _SECOND]
    codes = village_ids.cast(pl.String).sort().to_list()
    by_township: dict[str, list[str]] = {}
    for code in codes:
        by_township.setdefault(code[:9], []).append(code)
    rows = []
    for township in sorted(by_township):
        members = by_township[township]
        picks = rng.choice(len(combos), size=len(members), replace=len(members) > len(combos))
        for code, k in zip(members, picks, strict=True):
            rows.append((code, *combos[int(k)]))
    return pl.DataFrame(
        rows, schema={"code": pl.String, "name_zh": pl.String, "name_en": pl.String}, orient="row"
    )


def places_table(rng: np.random.Generator, areas: Areas) -> pl.DataFrame:
    """The places table of a generated prefecture: its counties, townships and villages."""
    counties = pl.DataFrame(
        {
            "code": [c.county_id for c in COUNTIES],
            "level": "county",
            "name_zh": [c.name_zh for c in COUNTIES],
            "name_en": [c.name_en for c in COUNTIES],
        }
    )
    townships = (
        areas.townships.select(pl.col("township_id").alias("code"))
        .join(township_names(), on="code", how="inner")
        .with_columns(pl.lit("township").alias("level"), pl.lit(None, pl.String).alias("name_en"))
    )
    villages = village_names(rng, areas.villages["village_id"]).with_columns(
        pl.lit("village").alias("level")
    )
    cols = list(columns.PLACES)
    return pl.concat([counties.select(cols), townships.select(cols), villages.select(cols)])

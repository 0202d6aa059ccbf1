"""Place names of the synthetic prefecture: the real townships of Wenshan, generated villages.

Townships: each county's generator-made township codes (``<county>001``, ``<county>002``, ...)
get the real public names of that county's townships (乡镇街道), in the fixed order below:
subdistricts (街道) first, then towns (镇), then townships (乡), as the county's own lists
order them. The counts match :data:`visit_planner.synthetic.geography.COUNTIES` (17, 11, 9, 11,
13, 12, 18, 13: 104 in all). The pairing of a name with a generated township is arbitrary (the
generated townships are not the real ones' areas or populations); the names are written from
the administrative divisions as of about 2020 without a source at hand to check them: a few
may since have changed status (乡 → 镇) or name. Each has its English name beside it, in the
form of the government's own English usage: the proper name in pinyin (tone marks dropped,
syllables joined, an apostrophe before a syllable that begins with a, o or e: ``Bang'e``),
then the kind: 街道 Subdistrict, 镇 Town, 乡 Township, an ethnic township (``东山彝族乡``) as
``Dongshan Yi Ethnic Township`` (彝 Yi, 回 Hui, 苗 Miao, 瑶 Yao, 壮 Zhuang). Characters
with several readings are read as in these place names (薄竹 Bozhu, 柏林 Bailin, 阿舍 Ashe,
蚌峨 Bang'e, 董堡 Dongbao, 底圩 Dixu); the spellings are likewise written without a published
list at hand to check them. The English names are distinct within the prefecture, so a
stream that cannot carry Chinese still tells the townships apart by name.

Villages: generated, clearly synthetic names (two syllables from fixed lists, plus 村), with
their pinyin as ``name_en``; distinct within a township and deterministic for a seed.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from visit_planner.contracts import columns
from visit_planner.synthetic.geography import COUNTIES, Areas

TOWNSHIP_NAMES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "532601": (  # 文山市
        ("开化街道", "Kaihua Subdistrict"), ("卧龙街道", "Wolong Subdistrict"),
        ("新平街道", "Xinping Subdistrict"), ("古木镇", "Gumu Town"), ("平坝镇", "Pingba Town"),
        ("马塘镇", "Matang Town"), ("德厚镇", "Dehou Town"), ("小街镇", "Xiaojie Town"),
        ("薄竹镇", "Bozhu Town"), ("追栗街镇", "Zhuilijie Town"),
        ("东山彝族乡", "Dongshan Yi Ethnic Township"), ("柳井彝族乡", "Liujing Yi Ethnic Township"),
        ("新街乡", "Xinjie Township"), ("喜古乡", "Xigu Township"),
        ("坝心彝族乡", "Baxin Yi Ethnic Township"), ("秉烈彝族乡", "Binglie Yi Ethnic Township"),
        ("红甸回族乡", "Hongdian Hui Ethnic Township"),
    ),
    "532622": (  # 砚山县
        ("江那镇", "Jiangna Town"), ("平远镇", "Pingyuan Town"), ("稼依镇", "Jiayi Town"),
        ("阿猛镇", "Ameng Town"), ("阿舍彝族乡", "Ashe Yi Ethnic Township"),
        ("维摩彝族乡", "Weimo Yi Ethnic Township"), ("干河彝族乡", "Ganhe Yi Ethnic Township"),
        ("盘龙彝族乡", "Panlong Yi Ethnic Township"), ("八嘎乡", "Baga Township"),
        ("者腊乡", "Zhela Township"), ("蚌峨乡", "Bang'e Township"),
    ),
    "532623": (  # 西畴县
        ("西洒镇", "Xisa Town"), ("兴街镇", "Xingjie Town"), ("蚌谷乡", "Banggu Township"),
        ("莲花塘乡", "Lianhuatang Township"), ("新马街乡", "Xinmajie Township"),
        ("柏林乡", "Bailin Township"), ("法斗乡", "Fadou Township"), ("董马乡", "Dongma Township"),
        ("鸡街乡", "Jijie Township"),
    ),
    "532624": (  # 麻栗坡县
        ("麻栗镇", "Mali Town"), ("大坪镇", "Daping Town"), ("董干镇", "Donggan Town"),
        ("天保镇", "Tianbao Town"), ("猛硐瑶族乡", "Mengdong Yao Ethnic Township"),
        ("下金厂乡", "Xiajinchang Township"), ("八布乡", "Babu Township"),
        ("六河乡", "Liuhe Township"), ("杨万乡", "Yangwan Township"),
        ("铁厂乡", "Tiechang Township"), ("马街乡", "Majie Township"),
    ),
    "532625": (  # 马关县
        ("马白镇", "Mabai Town"), ("八寨镇", "Bazhai Town"), ("仁和镇", "Renhe Town"),
        ("木厂镇", "Muchang Town"), ("夹寒箐镇", "Jiahanqing Town"), ("小坝子镇", "Xiaobazi Town"),
        ("都龙镇", "Dulong Town"), ("金厂镇", "Jinchang Town"), ("坡脚镇", "Pojiao Town"),
        ("南捞乡", "Nanlao Township"), ("大栗树乡", "Dalishu Township"),
        ("篾厂乡", "Miechang Township"), ("古林箐乡", "Gulinqing Township"),
    ),
    "532626": (  # 丘北县
        ("锦屏镇", "Jinping Town"), ("曰者镇", "Yuezhe Town"), ("双龙营镇", "Shuanglongying Town"),
        ("八道哨彝族乡", "Badaoshao Yi Ethnic Township"), ("天星乡", "Tianxing Township"),
        ("平寨乡", "Pingzhai Township"), ("树皮彝族乡", "Shupi Yi Ethnic Township"),
        ("腻脚彝族乡", "Nijiao Yi Ethnic Township"), ("新店彝族乡", "Xindian Yi Ethnic Township"),
        ("官寨乡", "Guanzhai Township"), ("舍得彝族乡", "Shede Yi Ethnic Township"),
        ("温浏乡", "Wenliu Township"),
    ),
    "532627": (  # 广南县
        ("莲城镇", "Liancheng Town"), ("八宝镇", "Babao Town"), ("南屏镇", "Nanping Town"),
        ("珠街镇", "Zhujie Town"), ("那洒镇", "Nasa Town"), ("珠琳镇", "Zhulin Town"),
        ("坝美镇", "Bamei Town"), ("董堡乡", "Dongbao Township"), ("旧莫乡", "Jiumo Township"),
        ("杨柳井乡", "Yangliujing Township"), ("板蚌乡", "Banbang Township"),
        ("曙光乡", "Shuguang Township"), ("黑支果乡", "Heizhiguo Township"),
        ("篆角乡", "Zhuanjiao Township"), ("五珠乡", "Wuzhu Township"),
        ("者兔乡", "Zhetu Township"), ("者太乡", "Zhetai Township"), ("底圩乡", "Dixu Township"),
    ),
    "532628": (  # 富宁县
        ("新华镇", "Xinhua Town"), ("归朝镇", "Guichao Town"), ("剥隘镇", "Bo'ai Town"),
        ("里达镇", "Lida Town"), ("田蓬镇", "Tianpeng Town"), ("木央镇", "Muyang Town"),
        ("板仑乡", "Banlun Township"), ("谷拉乡", "Gula Township"), ("者桑乡", "Zhesang Township"),
        ("那能乡", "Naneng Township"), ("洞波瑶族乡", "Dongbo Yao Ethnic Township"),
        ("阿用乡", "Ayong Township"), ("花甲乡", "Huajia Township"),
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
    """Every real township's names by its generated code (``code, name_zh, name_en``), 104
    rows."""
    rows = [
        (f"{county}{i + 1:03d}", zh, en)
        for county, names in TOWNSHIP_NAMES.items()
        for i, (zh, en) in enumerate(names)
    ]
    return pl.DataFrame(
        rows, schema={"code": pl.String, "name_zh": pl.String, "name_en": pl.String}, orient="row"
    )


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
        .with_columns(pl.lit("township").alias("level"))
    )
    villages = village_names(rng, areas.villages["village_id"]).with_columns(
        pl.lit("village").alias("level")
    )
    cols = list(columns.PLACES)
    return pl.concat([counties.select(cols), townships.select(cols), villages.select(cols)])

"""Chinese users' common passwords and names, as ranked word lists for zxcvbn.

zxcvbn's own lists are English-centred: ``woaini1314520``, ``zhangwei123456`` or a pinyin
name and a birthday (``liuyang19880512``) scored as hard to guess. These lists add what
Chinese users' passwords are known to rest on; :mod:`visit_planner.store.passwords` gives
them to zxcvbn with its own mechanism for extra ranked dictionaries
(``zxcvbn.matching.add_frequency_lists``), so they are matched like its own lists (any
case, reversed, with l33t substitutions, inside longer passwords).

Where the content comes from (curated by hand; no list is downloaded, here or at run time):

* :data:`PHRASES`: the pinyin phrases, keyboard and digit habits and number puns (520 "我爱你",
  1314 "一生一世", 7758521 "亲亲我吧我爱你") that the published analyses of the leaked Chinese
  password sets (Tianya, CSDN, Dodonew, 7k7k, 178; 2011) report among their most common
  passwords and patterns: Z. Li, W. Han and W. Xu, "A Large-Scale Empirical Analysis of
  Chinese Web Passwords", USENIX Security 2014; D. Wang et al., "Zipf's Law in Passwords",
  IEEE TIFS 2017. In rough order of frequency; words already early in zxcvbn's list
  (``123456``, ``qwerty``) are left to it.
* :data:`FULL_NAMES`: the most common full names in pinyin, after the Ministry of Public
  Security's published name statistics (张伟, 王伟, 王芳, 李伟 ... at the top); names of
  different characters with one pinyin (李静, 李晶) are one entry.
* :data:`SURNAMES` and :data:`GIVEN_NAMES`: the most common surnames, in the order of the
  Ministry's household-register statistics (王, 李, 张, 刘, 陈 ...), and common given names.
  :func:`ranked_names` combines them (``wangjun``, ``lixiuying``), so that a name the full-name
  list does not hold still counts as one word: zxcvbn's estimate grows steeply with the number
  of pieces it finds, so ``li`` + ``xiuying`` + a birthday would pass as three pieces.

The ranks are approximate; what matters to zxcvbn is that each list holds a few hundred to a
few thousand entries (its guesses for a word are about its rank).
"""

from __future__ import annotations

from typing import Final

__all__ = ["FULL_NAMES", "GIVEN_NAMES", "PHRASES", "SURNAMES", "ranked_names"]

PHRASES: Final = (
    "woaini", "5201314", "1314520", "woaini1314", "aini1314", "woaini520", "520520",
    "5211314", "1314521", "7758521", "7758258", "521521", "woaini5201314", "a5201314",
    "qq123456", "qq5201314", "wodemima", "mima", "mima123", "mimamima", "woaiwojia",
    "woaizhongguo", "woaiwolaopo", "woaiwolaogong", "woaiwoma", "woaibaobei", "aini",
    "aiqing", "baobei", "baobao", "qinaide", "laopo", "laogong", "xingfu", "kuaile",
    "pingan", "pingpinganan", "yishengyishi", "yongyuan", "tianshi", "xiaobao", "xiaoxiao",
    "woshishui", "wohenhao", "nihao", "nihaoma", "zhongguo", "zhonghua", "zhongguoren",
    "beijing", "shanghai", "kunming", "guangzhou", "shenzhen", "chongqing", "tianjin",
    "hahaha", "hehehe", "haha", "hehe", "xiaoming", "zhangsan", "lisi", "wangwu",
    "1314", "520", "521", "3344", "33445566", "584520", "168168", "518518", "888888",
    "88888888", "8888", "666666", "66666666", "6666", "999999", "99999999", "9999",
    "147258", "147258369", "159357", "10086", "10010", "12315", "110110", "123456a",
    "a123456", "abc123456", "aa123456", "woaini123", "woaini1234", "iloveyou1314",
    "iloveyou520", "fuckyou520", "wangluo", "diannao", "shouji", "jiayou", "fendou",
    "xuexi", "gongzuo", "shengri", "kaixin", "meimei", "gege", "jiejie", "didi",
    "mama", "baba", "nainai", "yeye", "wenshanzhou", "sanqi", "dianxi",
)  # fmt: skip
"""Common pinyin phrases, number puns and digit habits of Chinese passwords (see above)."""

FULL_NAMES: Final = (
    "zhangwei", "wangwei", "wangfang", "liwei", "wangxiuying", "lixiuying", "lina",
    "zhangxiuying", "liuwei", "zhangmin", "lijing", "zhangli", "wangjing", "wangli",
    "liqiang", "zhangjing", "limin", "wangmin", "wanglei", "liuyang", "wangyan", "wangyong",
    "lijun", "zhangyong", "lijie", "zhangjie", "zhanglei", "wangqiang", "lijuan", "wangjun",
    "zhangyan", "zhangtao", "wangtao", "liyan", "wangchao", "liming", "liyong", "wangjuan",
    "liujie", "liumin", "lixia", "lili", "zhangjun", "wangjie", "zhangqiang", "wangxiulan",
    "wanggang", "wangping", "liufang", "zhangyan", "liuyan", "liujun", "liping", "wanghui",
    "wangyan", "chenjing", "liuyong", "liling", "liguiying", "wangdan", "ligang", "lidan",
    "liping", "wangpeng", "liutao", "chenwei", "zhanghua", "liujing", "litao", "wangguiying",
    "zhangxiulan", "lihong", "lichao", "liuli", "zhangguiying", "wangyulan", "liyan",
    "zhangpeng", "lixiulan", "zhangchao", "wangling", "zhangling", "lihua", "wangfei",
    "zhangyulan", "wangguilan", "wangying", "liuqiang", "chenxiuying", "liying", "lihui",
    "limei", "chenyong", "wangxin", "lifang", "zhangguilan", "libo", "yangyong", "wangxia",
)  # fmt: skip
"""The most common full names, in pinyin (see above)."""

SURNAMES: Final = (
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu",
    "sun", "ma", "zhu", "hu", "guo", "he", "lin", "gao", "luo", "zheng", "liang", "xie",
    "song", "tang", "han", "feng", "deng", "cao", "peng", "zeng", "xiao", "tian", "dong",
    "pan", "yuan", "cai", "jiang", "yu", "du", "ye", "cheng", "wei", "su", "lu", "ding",
    "ren", "shen", "yao", "fan", "long", "nong", "lan", "lei",
)  # fmt: skip
"""The most common surnames, in pinyin, most common first (see above; ``long``, ``nong``,
``lan`` and ``lei`` are common in Wenshan)."""

GIVEN_NAMES: Final = (
    "wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "yang", "yan", "yong", "jun",
    "jie", "juan", "tao", "chao", "ming", "xia", "ping", "gang", "hui", "hua", "peng", "bo",
    "bin", "hao", "kai", "yu", "xin", "fei", "ying", "mei", "lan", "hong", "dan", "ling",
    "xiuying", "guiying", "xiulan", "guilan", "yulan", "yuying", "xiuzhen", "lihua",
    "jianhua", "jianguo", "jianjun", "jianping", "guoqiang", "zhiqiang", "haiyan", "xiaoyan",
    "xiaohong", "xiaoming", "xiaoli", "xiaojun", "xiaohui", "weiwei", "tingting", "lili",
    "jingjing", "dandan", "lingling", "yuanyuan", "haitao", "wenjun", "zhiyong", "chunmei",
)  # fmt: skip
"""Common given names, in pinyin, roughly most common first (see above)."""


def ranked_names() -> list[str]:
    """The names as one ranked list: the common full names, the surnames and given names
    alone, then every surname with every given name, a pair ranked by the product of its
    parts' ranks (``wangwei`` before ``lanchunmei``). Each name once, at its best rank."""
    pairs = sorted(
        ((s + 1) * (g + 1), surname + given)
        for s, surname in enumerate(SURNAMES)
        for g, given in enumerate(GIVEN_NAMES)
    )
    ordered = [*FULL_NAMES, *SURNAMES, *GIVEN_NAMES, *(name for _, name in pairs)]
    return list(dict.fromkeys(ordered))

"""How guessable a password is (:mod:`visit_planner.store.passwords`): the patterns of
Chinese users' passwords, which zxcvbn's English-centred lists let through. Pure functions:
no database."""

from __future__ import annotations

import pytest
from zxcvbn import matching

from visit_planner.errors import StoreError
from visit_planner.store import users
from visit_planner.store.password_words import FULL_NAMES, PHRASES, ranked_names
from visit_planner.store.passwords import CHINESE_PHRASES, PINYIN_NAMES, weakness

PHRASE = "it rests on a password, pinyin phrase or number pun common in China"
PHRASE_ZH = "以中文常用密码、拼音短语或谐音数字为主"
NAME = "it rests on a name in pinyin"
NAME_ZH = "以拼音姓名为主"

CHINESE_PATTERNS = [  # each passed before: zxcvbn estimated 1e8 guesses or more
    ("woaini1314520", PHRASE_ZH, PHRASE),
    ("5201314woaini", PHRASE_ZH, PHRASE),
    ("7758521woaini", PHRASE_ZH, PHRASE),
    ("woaiwojia123", PHRASE_ZH, PHRASE),
    ("zhangwei123456", NAME_ZH, NAME),
    ("liuyang19880512", NAME_ZH, NAME),  # a name and a birthday
    ("ZhangWei19900101", NAME_ZH, NAME),  # any case
    ("wangfang1990", NAME_ZH, NAME),
    ("zhanglei8888", NAME_ZH, NAME),
    ("chenjing0801", NAME_ZH, NAME),
    ("nongxiaohong1992", NAME_ZH, NAME),  # a surname and a given name of the lists, combined
]

STRONG = [
    "Tk7#pq2!mZ9w",
    "river jade kettle 42",
    "grid-worker tea 7 lanterns",
    "zhangwei climbs 7 misty hills",  # a name inside a long phrase is no weakness
    "sanqi 文山 mist-lantern 93",
]


@pytest.mark.parametrize(("password", "zh", "en"), CHINESE_PATTERNS)
def test_chinese_pattern_passwords_are_refused_naming_the_pattern(
    password: str, zh: str, en: str
) -> None:
    with pytest.raises(StoreError) as refused:
        users.check_password(password, "planner01")
    message = str(refused.value)
    assert message.startswith(f"密码太容易被猜到：{zh}"), message
    assert f"(the password is too easy to guess: {en}" in message, message
    assert password.lower() not in message.lower()  # never the password itself


@pytest.mark.parametrize("password", STRONG)
def test_strong_passwords_are_accepted(password: str) -> None:
    assert weakness(password, "planner01") is None
    assert users.check_password(password, "planner01") == password


def test_the_lists_reach_zxcvbn_through_its_own_dictionaries() -> None:
    """Registered with ``matching.add_frequency_lists``, ranked in the lists' order: the
    most common phrase and full name first."""
    phrases = matching.RANKED_DICTIONARIES[CHINESE_PHRASES]
    names = matching.RANKED_DICTIONARIES[PINYIN_NAMES]
    assert phrases["woaini"] == 1 and phrases["5201314"] == PHRASES.index("5201314") + 1
    assert names["zhangwei"] == 1 and names["wangfang"] == FULL_NAMES.index("wangfang") + 1
    assert len(phrases) == len(set(PHRASES))


def test_names_are_ranked_each_once_full_names_first() -> None:
    names = ranked_names()
    assert len(names) == len(set(names))
    assert names[: len(dict.fromkeys(FULL_NAMES))] == list(dict.fromkeys(FULL_NAMES))
    assert names.index("wangjun") < names.index("lanchunmei")  # common parts rank first
    assert all(n.isascii() and n.isalpha() and n == n.lower() for n in names)

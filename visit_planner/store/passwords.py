"""How guessable a password is: zxcvbn (offline; its dictionaries ship with the package).

The one module that imports :mod:`zxcvbn`. :func:`weakness` says why a password is too easy
to guess, or None: it contains the account's username; or zxcvbn estimates that fewer than
:data:`MIN_GUESSES` guesses find it (its score below 3, "safely unguessable" only from 3 on),
which is what a common password (``password1234``, ``1qaz2wsx3edc``), a run of consecutive
characters (``123456789012``, ``abcdefghijkl``), one repeated character or word
(``wangfangwangfang``), a keyboard row (``qwertyuiopas``) or a date is. The reason names the
pattern zxcvbn found, in both languages, so the message can say what to avoid.

zxcvbn's word lists are English-centred. The common passwords, pinyin phrases, number puns
(``woaini1314520``, ``5201314woaini``) and pinyin names (``zhangwei123456``, a name and a
birthday) of Chinese users are given to it as two more ranked dictionaries
(:mod:`visit_planner.store.password_words`), through its own
``zxcvbn.matching.add_frequency_lists``, once, when this module is imported; a password that
rests on one of them is named as such, before any other pattern found in it.

zxcvbn keeps the words it is given (the username, the place) in a module-level dictionary
while it runs, so concurrent calls (the dashboard's sessions are threads) are serialised by a
lock. It refuses passwords longer than :data:`MAX_CHECKED` characters; only their first
:data:`MAX_CHECKED` are judged (a password that long and weak there is weak).
"""

from __future__ import annotations

import re
import threading
from typing import Any, Final

from zxcvbn import matching, zxcvbn

from visit_planner.store.password_words import PHRASES, ranked_names

__all__ = ["CONTEXT_WORDS", "MAX_CHECKED", "MIN_GUESSES", "weakness"]

MIN_GUESSES: Final = 10**8
"""zxcvbn's score 3: fewer estimated guesses than this is refused."""
MAX_CHECKED: Final = 72
"""zxcvbn's own limit on what it judges."""
CONTEXT_WORDS: Final = ("wenshan", "yunnan", "visitplanner", "planner", "dashboard")
"""Words of this service and place that a password should not rest on (NIST SP 800-63B's
"context-specific words"), besides the account's username."""

_LOCK = threading.Lock()

CHINESE_PHRASES: Final = "chinese_phrases"
"""zxcvbn's name of the dictionary of Chinese users' common passwords, phrases and puns."""
PINYIN_NAMES: Final = "pinyin_names"
"""zxcvbn's name of the dictionary of pinyin names."""

matching.add_frequency_lists({CHINESE_PHRASES: list(PHRASES), PINYIN_NAMES: ranked_names()})

# zxcvbn's pattern of the longest match → why it is weak (Chinese, English)
_REASONS: Final[dict[str, tuple[str, str]]] = {
    "username": ("含有账号的用户名", "it contains the account's username"),
    "context": (
        "以本系统或地名（如 wenshan）为主",
        "it rests on the name of this service or place, such as wenshan",
    ),
    "passwords": ("是常见密码或与之相近", "it is, or is close to, a commonly used password"),
    "repeat": ("由重复的字符或词组成", "it is one character or word repeated"),
    "sequence": (
        "是连续的字母或数字（如 abc、6543）",
        "it is a run of consecutive letters or digits, like abc or 6543",
    ),
    "spatial": (
        "是键盘上相邻的按键（如 qwerty、1qaz）",
        "it is a row or pattern of neighbouring keys, like qwerty or 1qaz",
    ),
    "date": ("以日期或年份为主", "it rests on a date or a year"),
    "dictionary": ("以常见单词或人名为主", "it rests on a common word or name"),
    CHINESE_PHRASES: (
        "以中文常用密码、拼音短语或谐音数字为主（如 woaini、5201314）",
        "it rests on a password, pinyin phrase or number pun common in China, "
        "like woaini or 5201314",
    ),
    PINYIN_NAMES: (
        "以拼音姓名为主（如 zhangwei），加上生日或数字也一样好猜",
        "it rests on a name in pinyin, like zhangwei, which a birthday or digits added "
        "do not make hard to guess",
    ),
    "short": ("太简单", "it is too simple"),
}


_SEPARATORS = re.compile(r"[\s_.\-]+")


def _username_parts(username: str) -> list[str]:
    """The username, the same without ``_ . -`` and its parts split at them
    (``zhang.san_01``: zhangsan01, zhang, san), each of at least 3 characters: what zxcvbn
    should treat as known words."""
    parts = [username, _SEPARATORS.sub("", username), *_SEPARATORS.split(username)]
    return sorted({p.lower() for p in parts if len(p) >= 3})


def _contains_username(password: str, username: str) -> bool:
    """Whether ``password`` contains ``username``, in any case and with or without the
    separators ``_ . -`` and spaces (``wang.fang``: ``WangFang2026``, ``wang-fang 88``)."""
    compact = _SEPARATORS.sub("", username.lower())
    return username.lower() in password.lower() or (
        len(compact) >= 3 and compact in _SEPARATORS.sub("", password.lower())
    )


def _pattern(match: dict[str, Any], username_words: list[str]) -> str:
    """The :data:`_REASONS` key of one zxcvbn match."""
    kind = str(match.get("pattern", ""))
    if kind == "dictionary":
        name = match.get("dictionary_name")
        if name == "user_inputs":
            return "username" if match.get("matched_word") in username_words else "context"
        if name in ("passwords", CHINESE_PHRASES, PINYIN_NAMES):
            return str(name)
        return "dictionary"
    if kind == "regex":  # zxcvbn's one regex is recent years
        return "date"
    return kind if kind in _REASONS else "short"


def weakness(password: str, username: str | None = None) -> tuple[str, str] | None:
    """Why ``password`` is too easy to guess, as ``(中文, English)`` reasons for a message, or
    None when it is not (the username contained, any case, or fewer than
    :data:`MIN_GUESSES` estimated guesses; see the module docstring)."""
    words = _username_parts(username) if username else []
    if username and _contains_username(password, username):
        return _REASONS["username"]
    with _LOCK:
        result = zxcvbn(password[:MAX_CHECKED], user_inputs=[*words, *CONTEXT_WORDS])
    if float(result["guesses"]) >= MIN_GUESSES:
        return None
    found = [m for m in result["sequence"] if m.get("pattern") != "bruteforce"]
    if not found:
        return _REASONS["short"]
    chinese = [m for m in found if m.get("dictionary_name") in (CHINESE_PHRASES, PINYIN_NAMES)]
    longest = max(chinese or found, key=lambda m: int(m["j"]) - int(m["i"]))
    return _REASONS[_pattern(longest, words)]

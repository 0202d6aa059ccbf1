"""Output that a stream without Chinese can carry: English alone, never a traceback.

A planner's SSH session with a C locale and ``PYTHONUTF8=0``, a cron job's
``PYTHONIOENCODING=ascii`` or a ``latin-1`` terminal gives the standard streams an encoding
that cannot hold Chinese. Every command prints Chinese first with English beside it
(``错误 ERROR: ...``, ``没有选项 --bogus (No such option: --bogus)``), so each ended in a
``UnicodeEncodeError`` traceback and exit 1, whatever it had done. What such a stream cannot
encode is now written as follows (:func:`narrow`):

- East Asian wide and full-width characters (Chinese, ``，：（）``) are left out, with the space
  that separated them from the English: ``错误 ERROR: x`` reads ``ERROR: x``; a place
  ``锦屏镇 (532626001)`` reads as its bare code ``532626001``;
- the Chinese half of a ``中文 / English`` pair is left out whole, with its numbers and
  names, when the English half says each of them: ``1,008 行无标签 / 1,008 unlabelled
  row(s)`` reads ``1,008 unlabelled row(s)``, not ``1,008 1,008 unlabelled row(s)``;
- a Chinese message whose English follows in brackets that end the line reads as that
  English when it says every name of the Chinese: ``错误 ERROR: 导出当前方案需指定 --month
  (runs export current needs --month YYYY-MM)`` reads ``ERROR: runs export current needs
  --month YYYY-MM``;
- common typography has an ASCII spelling (``—`` ``-``, ``·`` ``.``, ``…`` ``...``, ``≥``
  ``>=``, curly quotes straight), accented letters lose their accents;
- anything else becomes ``?``.

:class:`~visit_planner.cli._app.CliConsole` applies it to the text it lays out, so tables keep
their columns aligned and their headings read from the top (:func:`headings_read_down`);
:func:`english_where_chinese_cannot_go` makes it the standard streams'
error handler, so whatever else is written (Typer's help, ``print``) is safe too. A stream
that can encode Chinese (UTF-8, GB18030) is left alone.
"""

from __future__ import annotations

import codecs
import copy
import dataclasses
import itertools
import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import IO, Any

from rich.table import Table
from rich.text import Text

ERROR_HANDLER = "visit_planner.english"
"""The codec error handler's name (:func:`codecs.register_error`)."""

SPELLED_IN_ASCII = {
    "—": "-",
    "–": "-",
    "‒": "-",
    "−": "-",
    "─": "-",
    "━": "=",
    "│": "|",
    "·": "-",
    "•": "*",
    "…": "...",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "×": "x",
    "÷": "/",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "≈": "~",
    "±": "+/-",
    "→": "->",
    "←": "<-",
    "↑": "^",
    "↓": "v",
    "✓": "ok",
    "✗": "x",
    "°": " deg",
    "\u00a0": " ",
}
"""Characters outside ASCII that the program's English uses, as ASCII."""

UNKNOWN = "?"
"""What a character with neither an encoding nor an ASCII spelling becomes."""


def can_encode(text: str, encoding: str) -> bool:
    """Whether ``encoding`` holds every character of ``text`` (an unknown encoding holds
    nothing but ASCII)."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    except LookupError:
        return text.isascii()
    return True


@cache
def holds_chinese(encoding: str | None) -> bool:
    """Whether a stream of this encoding can carry the program's Chinese."""
    return encoding is None or can_encode("一类户错误，：（）", encoding)


def is_wide(char: str) -> bool:
    """Whether ``char`` is East Asian wide or full-width (Chinese, full-width punctuation)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def spelled(char: str, encoding: str) -> str:
    """``char`` (which ``encoding`` cannot hold) as the narrow stream writes it: wide ones
    left out, typography in ASCII, accented letters without their accents, else ``?``."""
    if is_wide(char):
        return ""
    if char in SPELLED_IN_ASCII:
        return SPELLED_IN_ASCII[char]
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return bare if bare and can_encode(bare, encoding) else UNKNOWN


_SPACE_BEFORE = frozenset(" \t\n([")

_SEPARATOR_AFTER = re.compile(r" (?:[—/] )?")
"""What follows a Chinese word before its English: a space, or `` — `` / `` / ``."""


def _gap_to_drop(text: str, start: int, end: int) -> int:
    """The end of the run ``text[start:end]`` left out entirely, with the separator after it
    when it began a line, a bracket or a word (``一类户 tier 1`` reads ``tier 1``,
    ``显示帮助 — Show help`` ``Show help``)."""
    if start == 0 or text[start - 1] in _SPACE_BEFORE:
        separator = _SEPARATOR_AFTER.match(text, end)
        if separator:
            return separator.end()
    return end


_SEPARATOR_BEFORE = re.compile(r" [—/] $")
"""What separates an English word from its Chinese after it: `` / `` or `` — ``."""

_PUNCTUATION_AFTER = frozenset(":;,)")
"""What may follow a Chinese word that follows its English (``reason 原因: x``)."""


def _separator_before(text: str, start: int, end: int, floor: int) -> int:
    """The start of the run ``text[start:end]`` left out, moved back over a separator that
    follows an English word (``promotion / 晋升: 16:00`` reads ``promotion: 16:00``, not
    ``promotion / : 16:00``), or over the space before it when punctuation follows it
    (``reason 原因: x`` reads ``reason: x``, not ``reason : x``); never before ``floor``
    (the end of the previous edit)."""
    before = start - 3
    word = before > 0 and text[before - 1].isascii() and not text[before - 1].isspace()
    if before >= floor and word and _SEPARATOR_BEFORE.match(text, before, start):
        return before
    spaced = start - 1 > floor and text[start - 1] == " " and text[start - 2].isalnum()
    if spaced and text[start - 2].isascii() and text[end : end + 1] in _PUNCTUATION_AFTER:
        return start - 1
    return start


_JOINING_PUNCTUATION = re.compile(r"[:;,]? *(?:\d[\d,.]*%? *)?")
"""ASCII punctuation, and a number, that Chinese on both sides makes part of the Chinese
(``农户: 构成``, ``版本 1 已是冠军模型``)."""


def _run_end(text: str, start: int, encoding: str) -> int:
    """The end of the run of characters from ``start`` that ``encoding`` cannot hold, taking
    in ASCII punctuation between two runs of Chinese, left out with them:
    ``农户: 构成、需求 / households: make-up`` reads ``households: make-up``, not
    ``: households: make-up``."""
    j = start
    while True:
        while j < len(text) and not can_encode(text[j], encoding):
            j += 1
        joint = _JOINING_PUNCTUATION.match(text, j)
        wide_both_sides = (
            joint is not None
            and j < joint.end() < len(text)
            and is_wide(text[j - 1])
            and is_wide(text[joint.end()])
        )
        if not wide_both_sides or joint is None:
            return j
        j = joint.end()


_NUMBER_BEFORE = re.compile(r"(?:^|(?<=[\s(:]))\d(?:[\d,.-]*\d)?%? +$")
"""A number just before a Chinese word, its measure word (``1,008 行``, ``3 个``), or a
month the Chinese is of (``2027-03 尚无方案``)."""

_NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")

_PAIR = " / "
"""What separates the Chinese half of a message from its English half."""


def _chinese_half(text: str, start: int, floor: int) -> tuple[int, int] | None:
    """The Chinese half of a ``中文 / English`` pair from the Chinese word at ``start`` to
    its `` / ``, left out whole with the numbers in it when the English half carries every
    one of them: ``assessed_tier: 1,008 行无标签, 未用于训练 / 1,008 unlabelled row(s)``
    reads ``assessed_tier: 1,008 unlabelled row(s)``, not ``1,008 1,008 unlabelled``;
    ``已登记版本 2 / registered version 2`` reads ``registered version 2``; ``是否应为
    'members'? / did you mean 'members'?`` reads ``did you mean 'members'?``. Only a half
    whose English words (a column, an option) the English half says too, that begins a
    line, a bracket or a word (never before ``floor``, the end of the previous edit); None
    otherwise."""
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    pair = text.find(_PAIR, start, line_end)
    if pair < 0:
        return None
    number = _NUMBER_BEFORE.search(text, floor, start)
    begin = number.start() if number else start
    if begin > 0 and text[begin - 1] not in _SPACE_BEFORE:
        return None
    english = text[pair + len(_PAIR) : line_end]
    if not _says_all(english, text[start:pair]):
        return None  # an English word said in the Chinese half alone: not a pair
    if any(n not in english for n in _NUMBER.findall(text, begin, pair)):
        return None  # a number said in Chinese alone: kept as before
    return begin, pair + len(_PAIR)


_WORD = re.compile(r"\w+", re.ASCII)


def _says_all(english: str, chinese: str) -> bool:
    """Whether ``english`` says all that ``chinese`` has in ASCII: every word, id and number
    of it (``是否应为 'members'?`` beside ``did you mean 'members'?``, ``用 Excel 或 WPS 请打开
    x.xlsx`` beside ``in Excel or WPS, open x.xlsx``), none of them in an English phrase of
    the Chinese's own (``类别变化 tier changed = 类别变化而换人``: a label, two English words
    in a row, that the English need not repeat as one; ids and names side by side are not:
    ``2026-12 v1 (a90591a884fd)``, ``--data DIR``)."""
    words = [bool(_PLAIN_WORD.fullmatch(t)) for t in chinese.split()]
    phrase = any(a and b for a, b in itertools.pairwise(words))
    return not phrase and _words_within(chinese, english)


def _words_within(text: str, english: str) -> bool:
    """Whether every ASCII word, id and number of ``text`` is also in ``english`` (the
    test :func:`_says_all` and :func:`said_in` share)."""
    return set(_WORD.findall(text)) <= set(_WORD.findall(english))


_PLAIN_WORD = re.compile(r"[A-Za-z]+[,:;]?")
"""An English word of a phrase (``tier changed``), not a name: an id (``v1``), an option
(``--data``), a file (``x.xlsx``), a quoted column (``'members'?``)."""


_GLOSS = re.compile(r" \(([^\s()]+)\)")
"""A code or a word in brackets after a Chinese name (``锦屏镇 (532626001)``)."""


_CLAUSE_END = " — "
"""What ends a clause of a message before the line does (``编号重复 (duplicate id) — 2 rows:
H1``, a problem's rule and then its rows)."""


def _closing_gloss(text: str, end: int) -> tuple[int, int] | None:
    """The brackets that end the clause ``text[end:]`` is in, at the end of its line or
    before `` — ``, after a space, when they open at or after ``end`` (``(township(s) x are
    not in run y; its townships: 开化街道 (532601001), ...)``, brackets inside them too):
    where they open and close."""
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    clause = text.find(_CLAUSE_END, end, line_end)
    line_end = line_end if clause < 0 else clause
    if line_end == end or text[line_end - 1] != ")":
        return None
    depth = 0
    for at in range(line_end - 1, end - 1, -1):
        depth += {")": 1, "(": -1}.get(text[at], 0)
        if depth == 0:
            return (at, line_end) if at > end and text[at - 1] == " " else None
    return None


def _glossed(text: str, start: int, end: int, encoding: str) -> tuple[int, str] | None:
    """Where the bracket after a Chinese word ``text[start:end]`` that begins a line, a
    bracket or a word ends, and what it holds as ``encoding`` writes it (:func:`narrow`),
    when it holds one code or word: a place ``锦屏镇 (532626001)`` reads ``532626001``,
    never ``(532626001)``, whether or not its name is known; or when it ends the line and
    says every ASCII word, id and number of the Chinese message before it (or ends its
    clause, before `` — ``: ``编号重复 (duplicate id) — 2 rows`` reads ``duplicate id - 2
    rows``): ``ERROR: 没有该模型
    版本 (model has no version 9)`` reads ``ERROR: model has no version 9``, ``用 Excel 或 WPS
    请打开 x.xlsx, 编号不会变成科学计数 (in Excel or WPS, open x.xlsx: ...)`` reads ``in Excel or
    WPS, open x.xlsx: ...``, not ``Excel WPS x.xlsx, in Excel or WPS ...``."""
    if start and text[start - 1] not in _SPACE_BEFORE:
        return None
    gloss = _GLOSS.match(text, end)
    if gloss is not None and can_encode(gloss.group(1), encoding):
        return gloss.end(), gloss.group(1)
    closing = _closing_gloss(text, end)
    if closing is None:
        return None
    opened, closed = closing
    inside = text[opened + 1 : closed - 1]
    if not _says_all(inside, text[end : opened - 1]):
        return None
    return closed, narrow(inside, encoding)


_TERM_BEFORE = re.compile(r"(?:^|(?<=\s))(\[?[A-Za-z][\w.-]*\]?) $")
"""An English term just before a Chinese word (``MLflow 地址``, ``Dask 调度器地址``), or a
file's table (``[units] 格式有误``)."""


def _shared_term(text: str, start: int, english: str, floor: int) -> int:
    """The start of the Chinese word ``text[start:...]`` left out for ``english`` (what
    follows its separator, or the English in brackets written in its place), moved back
    over the English term before it when ``english`` begins with the same term: ``MLflow
    地址 — MLflow tracking URI`` reads ``MLflow tracking URI``, not ``MLflow MLflow tracking
    URI``; ``[units] 格式有误 ([units] members: ...)`` reads ``[units] members: ...``. Never
    before ``floor``."""
    term = _TERM_BEFORE.search(text, floor, start)
    if term is None or not english.startswith(term.group(1) + " "):
        return start
    return term.start()


def edits(text: str, encoding: str) -> list[tuple[int, int, str]]:
    """Where ``text`` must change to be written in ``encoding``: ``(start, end, replacement)``
    in order, none overlapping; empty when it can be written as it is."""
    if can_encode(text, encoding):
        return []
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(text):
        if can_encode(text[i], encoding):
            i += 1
            continue
        floor = found[-1][1] if found else 0
        half = _chinese_half(text, i, floor) if is_wide(text[i]) else None
        if half is not None:
            found.append((_shared_term(text, half[0], text[half[1] :], floor), half[1], ""))
            i = half[1]
            continue
        j = _run_end(text, i, encoding)
        gloss = _glossed(text, i, j, encoding) if is_wide(text[i]) else None
        if gloss is not None:
            found.append((_shared_term(text, i, gloss[1], floor), *gloss))
            i = gloss[0]
            continue
        replacement = "".join(
            spelled(c, encoding) for c in text[i:j] if not can_encode(c, encoding)
        )
        if replacement:  # typography spelled in ASCII: the punctuation around it is kept
            j = i + 1
            while j < len(text) and not can_encode(text[j], encoding):
                j += 1
            replacement = "".join(spelled(c, encoding) for c in text[i:j])
        end = _gap_to_drop(text, i, j) if not replacement else j
        start = i
        bracket = None if replacement else _emptied_bracket(text, i, j, floor)
        if bracket is not None:
            start, end = bracket
        elif not replacement and end == j:  # the English came first: drop the separator
            start = _separator_before(text, i, end, floor)
        elif not replacement and end > j:  # a term both halves begin with is said once
            start = _shared_term(text, i, text[end:], floor)
        found.append((start, end, replacement))
        i = end
    return found


def _emptied_bracket(text: str, start: int, end: int, floor: int) -> tuple[int, int] | None:
    """The brackets around ``text[start:end]``, all of it left out, with one space beside
    them: ``备选人员 (最优在前) alternatives`` reads ``alternatives``, not ``() alternatives``;
    ``H1(一类户)改派给 W2`` reads ``H1 W2``, not ``H1() W2``. None when the run is not all
    that the brackets hold (never before ``floor``, the end of the previous edit)."""
    if not (floor < start < len(text) and text[start - 1] == "(" and text[end : end + 1] == ")"):
        return None
    begin, after = start - 1, end + 1
    if begin - 1 >= floor and text[begin - 1 : begin] == " ":
        begin -= 1  # "H1 (一类户)" reads "H1"
    elif text[after : after + 1] == " " and (begin == floor or text[begin - 1 : begin] == "\n"):
        after += 1  # a line, or what is left of it, begins with the brackets
    return begin, after


def narrow(text: str, encoding: str) -> str:
    """``text`` as a stream of ``encoding`` can carry it (the module's rules)."""
    pieces: list[str] = []
    done = 0
    for start, end, replacement in edits(text, encoding):
        pieces += [text[done:start], replacement]
        done = end
    return "".join(pieces) + text[done:] if pieces else text


def says_something(line: str, encoding: str) -> bool:
    """Whether ``line``, written in ``encoding``, still has a word in it: a Chinese line of a
    bilingual pair (``一类户覆盖: 64/76``) on a stream without Chinese has not (``: 64/76``),
    and is left out, its English line saying it."""
    return holds_chinese(encoding) or any(c.isalpha() for c in narrow(line, encoding))


def narrow_text(text: Text, encoding: str) -> Text:
    """A Rich :class:`~rich.text.Text` as :func:`narrow` writes its characters, its styles kept
    on what remains (a copy; ``text`` itself when nothing changes)."""
    changes = edits(text.plain, encoding)
    if not changes:
        return text
    cuts = sorted({offset for start, end, _ in changes for offset in (start, end)} - {0})
    pieces = text.divide(cuts)
    replaced = {start: replacement for start, _, replacement in changes}
    kept: list[Text] = []
    offset = 0
    for piece in pieces:
        length = len(piece.plain)
        if offset in replaced:
            piece.plain = replaced[offset]
        if piece.plain:
            kept.append(piece)
        offset += length
    result = Text("", style=text.style, end=text.end, tab_size=text.tab_size).join(kept)
    # A line that said something in Chinese alone (a table heading's first line, a sentence
    # whose English follows on the next line) is left out rather than left as ``  ,``.
    before = text.plain.split("\n")
    lines = result.split("\n", allow_blank=True)
    if len(lines) == len(before) > 1:
        keep = [
            line for line, was in zip(lines, before, strict=True) if not emptied(was, line.plain)
        ]
        result = Text("\n", style=text.style, end=text.end, tab_size=text.tab_size).join(keep)
    result.justify, result.overflow, result.no_wrap = text.justify, text.overflow, text.no_wrap
    return result


def headings_read_down(table: Table, encoding: str) -> Table:
    """``table`` with its column headings padded to one height as ``encoding`` writes them,
    so that they read from the top: Rich sets headings at their foot, and a heading that
    lost its Chinese lines sank (``runs list``'s ``run`` read beside ``version``, ``month``
    alone on the line above). A copy; ``table`` itself on a stream that holds Chinese, where
    every heading keeps its lines."""
    if holds_chinese(encoding) or not table.show_header or not table.columns:
        return table
    headers = [c.header for c in table.columns]
    texts = [h if isinstance(h, Text) else Text(h) for h in headers if isinstance(h, str | Text)]
    if len(texts) < len(headers):  # a heading drawn by something else: left as it is
        return table
    heights = [narrow_text(t, encoding).plain.count("\n") for t in texts]
    top = max(heights)
    padded = copy.copy(table)
    padded.columns = [  # a heading given as a string stays one (Rich reads its markup)
        dataclasses.replace(c, header=(h if isinstance(h, str) else t) + "\n" * (top - height))
        for c, h, t, height in zip(table.columns, headers, texts, heights, strict=True)
    ]
    return padded


def emptied(before: str, after: str) -> bool:
    """Whether narrowing took every word and number of a line that had Chinese in it
    (``一类户覆盖率，`` became ``,``): a line no longer worth a line."""
    return any(is_wide(c) for c in before) and not any(c.isalnum() for c in after)


def said_in(line: str, english: str, encoding: str) -> bool:
    """Whether every word, id and number ``line`` still has when written in ``encoding`` is
    also in ``english``: the Chinese line of a pair whose English says it all (``W000037,
    W000325 (112 H0004857):`` left of ``上月分配引用了不存在的人员 W000037, W000325 (112 户,
    如 H0004857): ...``) is not worth a line on a stream without Chinese. False on a stream
    that holds Chinese."""
    if holds_chinese(encoding):
        return False
    return _words_within(narrow(line, encoding), english)


def without_chinese_twins(lines: Sequence[str], encoding: str, ahead: int = 3) -> list[str]:
    """``lines`` as a stream of ``encoding`` is worth printing them: on one without Chinese, a
    Chinese line whose English follows within ``ahead`` lines is left out when what it keeps
    is ids and numbers alone and the lines after it say each of them: ``误判代价: ... 其他误判
    1–1.5`` read ``1-1.5`` above ``costs: ... other errors 1-1.5``, ``须将 H1(一类户)改派给 W2``
    read ``H1 W2`` above ``would move H1 (tier 1) to W2``. Every line on a stream that holds
    Chinese. A line given with line breaks in it is taken a line at a time."""
    lines = "\n".join(lines).split("\n") if lines else []
    if holds_chinese(encoding):
        return lines
    kept: list[str] = []
    twin = False
    for at, line in enumerate(lines):
        left = narrow(line, encoding)
        # A Chinese line, or the rest of one wrapped (ids alone: ``W000197``) after it.
        twin = (
            (twin or any(is_wide(c) for c in line))
            and not any(word.isalpha() for word in _WORD.findall(left))
            and _words_within(left, " ".join(lines[at + 1 : at + 1 + ahead]))
        )
        if not twin:
            kept.append(line)
    return kept


def says_nothing(line: str, encoding: str) -> bool:
    """Whether ``line`` written in ``encoding`` would be :func:`emptied`: a line a
    console without Chinese does not print at all."""
    return not holds_chinese(encoding) and emptied(line, narrow(line, encoding))


def _handler(error: UnicodeError) -> tuple[str, int]:
    """The codec error handler: what :func:`narrow` writes for the characters the codec
    cannot encode."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text, start, end = error.object, error.start, error.end
    replacement = "".join(spelled(c, error.encoding) for c in text[start:end])
    if not replacement:
        end = _gap_to_drop(text, start, end)
    return replacement, end


codecs.register_error(ERROR_HANDLER, _handler)


def english_where_chinese_cannot_go(stream: IO[str] | Any) -> str | None:
    """Make ``stream`` write what its encoding cannot hold as :func:`narrow` does, when its
    encoding cannot carry Chinese; returns its former error handler to restore (``None``
    when it was left alone: a stream that holds Chinese, or one that cannot be
    reconfigured)."""
    encoding = getattr(stream, "encoding", None)
    reconfigure = getattr(stream, "reconfigure", None)
    if holds_chinese(encoding) or reconfigure is None:
        return None
    former: str = getattr(stream, "errors", None) or "strict"
    reconfigure(errors=ERROR_HANDLER)
    return former


def restore(stream: Any, former: str | None) -> None:
    """Give ``stream`` back the error handler :func:`english_where_chinese_cannot_go`
    replaced."""
    if former is not None:
        stream.reconfigure(errors=former)

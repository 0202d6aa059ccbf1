"""Place names: a place's name beside its code in every text a person reads.

The optional ``places`` table (:data:`visit_planner.contracts.columns.PLACES`) names counties,
townships and villages by their codes. Names are public reference data keyed by official
codes: a code names the same place in every month and every run, so the names read with any
input directory or run are remembered here, process-wide, and every wording function (the
CLI's summaries, ``explain``, the printed lists, the dashboard) asks :func:`place_label`
without having to carry a table around. The 8 counties are always known (their real names
are built in); any other code without a name is shown as the code alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final, Literal

import polars as pl

Lang = Literal["zh", "en"]

_NAMES: dict[str, tuple[str, str | None]] = {}  # code -> (name_zh, name_en)


def _builtin_counties() -> dict[str, tuple[str, str | None]]:
    from visit_planner.synthetic.geography import COUNTIES  # the real counties' names

    return {c.county_id: (c.name_zh, c.name_en) for c in COUNTIES}


COUNTY_NAMES: Final = _builtin_counties()


def remember_places(places: pl.DataFrame | None) -> None:
    """Remember the names of a (validated) places table; later tables win for a code."""
    if places is None or places.height == 0:
        return
    for code, zh, en in places.select("code", "name_zh", "name_en").iter_rows():
        if code and zh:
            _NAMES[str(code)] = (str(zh), str(en) if en else None)


def forget_places() -> None:
    """Forget every remembered name (tests; the counties stay known)."""
    _NAMES.clear()


def place_name(code: str | None, lang: Lang | None = None) -> str:
    """The place's name: Chinese, or English (falling back to Chinese), or both
    (``lang=None``: ``文山市 Wenshan``); empty when the code has no known name."""
    if not code:
        return ""
    zh, en = _NAMES.get(code) or COUNTY_NAMES.get(code) or ("", None)
    if not zh:
        return ""
    if lang == "zh":
        return zh
    if lang == "en":
        return en or zh
    return both_names(zh, en)


def both_names(zh: str, en: str | None) -> str:
    """A place's name in both languages as every text of the tool prints it
    (``开化街道 Kaihua Subdistrict``), the Chinese alone without an English name."""
    return f"{zh} {en}" if en else zh


def place_label(code: str | None, lang: Lang | None = None) -> str:
    """``开化街道 (532601001)``: the name, then the code in brackets; the code alone when
    the name is unknown; ``—`` for no code."""
    if not code:
        return "—"
    name = place_name(code, lang)
    return f"{name} ({code})" if name else str(code)


def read_places_beside(file: Path) -> pl.DataFrame | None:
    """The places table in the directory of an input ``file`` (``places.parquet`` or
    ``places.csv``), read and checked like every contract table, and remembered; None when
    there is none. Raises :class:`~visit_planner.errors.ContractError` naming the file."""
    from visit_planner.contracts.tables import find_table, read_table

    path = find_table(file.parent, "places")
    if path is None:
        return None
    places, _ = read_table(path, "places")
    remember_places(places)
    return places


_CODE = re.compile(r"(?<![\w.])(\d{6}(?:\d{3}){0,2})(?![\w.])")


def name_places(text: str) -> str:
    """``text`` with every place code that has a known name written as ``name (code)``: for
    messages composed elsewhere (the validator's, the explainer's) that carry bare codes.
    County (6 digits), township (9) and village (12) codes; other numbers stay as they are."""
    return _CODE.sub(
        lambda m: place_label(m.group(1)) if place_name(m.group(1)) else m.group(1), text
    )

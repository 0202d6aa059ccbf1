"""A person's numbers in a table's values: ID-card and mobile numbers, never repeated.

The spec's name guard (:mod:`risk_model.spec`) keeps columns *named* like a personal identifier
out of the model; this module looks at *values*. Two places need it:

* a categorical feature's (or fairness column's) every value is stored with the model (its
  encoder, drift reference, input example and group labels in MLflow, which never forgets),
  so training refuses one whose values hold an ID-card or mobile number — free text such as a
  remarks column (``联系人电话 139…``) that the name guard cannot recognise;
* a message names a row by its id, and a spec's id column may be the ID-card number itself
  (``id_column = "身份证号"``): such an id is named by its row number instead, and an example
  value holding a number is shown with the number replaced.

The one rule of what a person's number is: ``visit_planner.personal_text`` (override reasons,
revocations, the promotion gate's reason) reads it from here, since risk_model knows nothing of
visit_planner.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

import polars as pl

__all__ = ["PATTERNS", "holds_personal_number", "number_kind", "personal_values", "redact"]

PATTERNS: Final = (
    (r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])", "身份证号码", "an ID-card number"),
    (r"(?<![0-9])[0-9]{15}(?![0-9])", "身份证号码", "an ID-card number"),
    (r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])", "手机号码", "a mobile phone number"),
)
"""An 18-digit (or old 15-digit) ID-card number and an 11-digit mobile number, as Chinese
forms write them."""

_COMPILED: Final = tuple((re.compile(p), zh, en) for p, zh, en in PATTERNS)

_CANDIDATE: Final = r"\d{11}"
"""What every pattern needs (in polars' regex, any script's digits): 11 digits in a row."""


def _plain(text: str) -> str:
    """Full-width digits (as a Chinese input method types them) read as ASCII."""
    return unicodedata.normalize("NFKC", text)


def number_kind(text: object) -> tuple[str, str] | None:
    """What kind of person's number ``text`` holds, (Chinese, English: ``an ID-card
    number``), full-width digits too; None when it holds none."""
    if text is None:
        return None
    plain = _plain(str(text))
    for pattern, zh, en in _COMPILED:
        if pattern.search(plain):
            return zh, en
    return None


def holds_personal_number(text: object) -> bool:
    """Whether ``text`` holds an ID-card or mobile number (full-width digits too)."""
    return number_kind(text) is not None


def personal_values(values: pl.Series) -> pl.Series:
    """Boolean mask of the values of ``values`` (any dtype, read as text) that hold an ID-card
    or mobile number; nulls are False. Each distinct value is tested once (a categorical
    column has few; free text of a million rows takes about a second)."""
    text = values.cast(pl.String)
    # Only a value with 11 digits in a row (any script's digits: full-width ones read as
    # ASCII under NFKC) can hold one, which polars finds at once: the patterns' Python
    # regexes then see those alone, not every id of a table (1.0 of validate's 4.4 s at
    # scale 0.1 went to checking ids like H0000001 one by one).
    distinct = text.filter(text.str.contains(_CANDIDATE)).drop_nulls().unique()
    hits = [v for v in distinct.to_list() if holds_personal_number(v)]
    return text.is_in(hits).fill_null(False).alias(values.name)


def redact(text: object) -> str:
    """``text`` with every ID-card or mobile number replaced by what it is, Chinese first
    (``联系人电话<手机号码 mobile number>``), for a message that shows an example value."""
    plain = _plain("" if text is None else str(text))
    for pattern, zh, en in _COMPILED:
        plain = pattern.sub(f"<{zh} {en.removeprefix('an ').removeprefix('a ')}>", plain)
    return plain

"""A run's townships named on the command line by code or by name (``--township 锦屏镇``):
``plan --amend`` and ``runs export`` resolve them the same way. Kept light (polars and the
places table only) so a command that merely reads a run need not import the planning jobs."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

import polars as pl

from visit_planner.contracts.places import both_names, place_label
from visit_planner.errors import PlanFileError
from visit_planner.typed_text import meant_text

TOWNSHIPS_LISTED = 12
"""Townships of the run listed when one given to ``--township`` is none of them."""


def township_codes(
    given: Sequence[str], townships: Sequence[str], places: pl.DataFrame | None, run: str
) -> list[str]:
    """The codes of the townships ``given`` to ``--township``, each by its code or by its
    name as the run's places table has it (Chinese, English or both, :func:`names_of`; or the
    whole label ``name (code)``): a planner knows 锦屏镇 better than 532626001, and every text
    of the tool shows both. Sorted, each once.

    Raises :class:`PlanFileError` naming every one that is no township of the run (``run``:
    how to name the run), with the run's townships by name and code (the first
    :data:`TOWNSHIPS_LISTED`), and every name that two townships share, with their codes."""
    known = set(townships)
    names: list[tuple[str, str | None]] = []
    if places is not None:
        rows = places.filter((pl.col("level") == "township") & pl.col("code").is_in(known))
        for code, zh, en in rows.select("code", "name_zh", "name_en").iter_rows():
            names += names_of(str(code), zh, en)
    codes, missing, shared = match_townships(given, known, names)
    if shared:
        raise PlanFileError(
            f"乡镇名称重复, 请用编号 (a name that several townships of run {run} share; give "
            f"the code): {'; '.join(shared)}"
        )
    if missing:
        raise PlanFileError(
            f"乡镇不在本月方案中 (township(s) {', '.join(missing)} are not in run {run}; "
            f"its townships: {listed_townships(known)})"
        )
    return codes


def names_of(code: str, zh: str | None, en: str | None) -> list[tuple[str, str | None]]:
    """The names ``--township`` knows a township by: Chinese, English, and both as every text
    of the tool prints them (``开化街道 Kaihua Subdistrict``), so that a name copied from a
    message or a summary is found."""
    return [(code, zh), (code, en), (code, both_names(zh, en) if zh else None)]


_LABELLED = re.compile(r"(?P<name>.+?) ?\((?P<code>\d{9})\)")
"""A township as the tool labels it, ``name (code)``: pasted whole, the code is what counts."""


def match_townships(
    given: Iterable[str], known: Collection[str], names: Iterable[tuple[str, str | None]]
) -> tuple[list[str], list[str], list[str]]:
    """``given`` (codes or names, each once) against the ``known`` codes and their ``names``
    (code, name pairs; a code may have several names, a name several codes, an empty name
    none): the codes found (sorted), the texts that name no township, and ``name: label,
    label`` for each name several townships share. Each text is read as meant
    (:func:`~visit_planner.typed_text.meant_text`), as ids typed on the command line are: a
    code typed by a Chinese input method in full width (``５３２６２６００１``) or pasted with a
    zero-width space was no township of the run."""
    by_name: dict[str, set[str]] = {}
    for code, name in names:
        if name:
            by_name.setdefault(meant_text(str(name)), set()).add(code)
    codes: set[str] = set()
    missing: list[str] = []
    shared: list[str] = []
    for text in dict.fromkeys(meant_text(t) for t in given):
        labelled = _LABELLED.fullmatch(text)  # 开化街道 Kaihua Subdistrict (532601001)
        key = labelled["code"] if labelled and labelled["code"] in known else text
        found = {key} if key in known else by_name.get(key, set())
        if len(found) == 1:
            codes |= found
        elif found:
            shared.append(f"{text}: {', '.join(place_label(c) for c in sorted(found))}")
        else:
            missing.append(text)
    return sorted(codes), missing, shared


def listed_townships(known: Iterable[str]) -> str:
    """The first :data:`TOWNSHIPS_LISTED` of ``known`` by name and code, and how many more."""
    codes = sorted(known)
    listed = ", ".join(place_label(t) for t in codes[:TOWNSHIPS_LISTED])
    more = len(codes) - TOWNSHIPS_LISTED
    return f"{listed} and {more} more" if more > 0 else listed

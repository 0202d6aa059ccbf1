"""The places an account's jurisdiction (``users add --scope``) may name, and names read as codes.

Only the form of a scope's id used to be checked, so a mistyped ``township:999999999`` made
an account that saw nothing. The places known are those of the newest current run (the
township ids the store recorded for it, the counties they lie in, the names of its
``places.parquet``); before any run is published, the prefecture's built-in counties and
townships (:mod:`visit_planner.synthetic.geography`, :mod:`visit_planner.synthetic.names`),
which name places and suggest close ones but do not refuse another code: a deployment's own
codes may differ from them, so such a code is kept with a warning until a run is published.
A place may be given by its code or, when no other place of its level shares it, its name
(Chinese or English), as ``plan --amend --township`` reads them.

The run files are read with polars only: ``users add`` stays clear of the modelling and
solving libraries.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from visit_planner.errors import StoreError

if TYPE_CHECKING:
    import polars as pl

    from visit_planner.store.rows import RunRow
    from visit_planner.store.store import Store

__all__ = ["KnownPlaces", "builtin_places", "known_places", "newest_run_places", "resolve_scope"]

Names = dict[str, tuple[str, str | None]]
"""code -> (name_zh, name_en or None)."""

COUNTY_DIGITS: Final = 6
"""A county code's length; a township's code begins with its county's (as the dashboard
reads a county scope: every township whose id starts with it)."""

LISTED: Final = 12
"""Known places listed when the one given is none of them and none is close."""

CLOSE: Final = 5
"""At most this many close codes or names suggested."""

_LEVEL_ZH: Final = {"county": "县", "township": "乡镇"}


@dataclass(frozen=True)
class KnownPlaces:
    """The counties and townships an account's scope may name, by code with their names,
    and where they come from (``source``: how a message names it, both languages)."""

    source: tuple[str, str]
    """(Chinese, English), each to be followed by what it lacks: ``("最新方案 2026-12 v4 ",
    "the newest run, 2026-12 v4 ab12…")``."""
    counties: Names
    townships: Names
    binding: bool = True
    """Whether a code outside these places is refused. The built-in places are not binding:
    before the first run a deployment's own codes (a township merged or renamed since the
    divisions the project carries) must still be accepted, with a warning."""
    names_missing: tuple[str, str] | None = None
    """(Chinese, English) when the run's place names could not be read because its directory
    is not in this workspace (a store shared by URL, read with another ``--home``): a place
    given by name is then refused saying so, not as if the run had no such place."""

    def of(self, kind: str) -> Names:
        """The known places of ``kind`` (``county`` or ``township``)."""
        return self.counties if kind == "county" else self.townships


def builtin_places() -> KnownPlaces:
    """The prefecture's 8 counties and 104 townships built into the project (the real names;
    township codes as the generator makes them): what is known before any run is published."""
    from visit_planner.synthetic.geography import COUNTIES
    from visit_planner.synthetic.names import TOWNSHIP_NAMES

    counties: Names = {c.county_id: (c.name_zh, c.name_en) for c in COUNTIES}
    townships: Names = {
        f"{county}{i + 1:03d}": (zh, en)
        for county, names in TOWNSHIP_NAMES.items()
        for i, (zh, en) in enumerate(names)
    }
    source = ("尚无方案, 全州内置地名", "the prefecture's built-in places: no run is published yet")
    return KnownPlaces(source, counties, townships, binding=False)


def newest_run_places(store: Store, root: Path) -> pl.DataFrame | None:
    """The ``places.parquet`` of the newest current run (by month, then version) under the
    workspace ``root``; None when there is no run, it has no names, or the file cannot be
    read (the codes then come from the store)."""
    import polars as pl

    run = _newest_current_run(store)
    if run is None:
        return None
    path = root / run.path / "places.parquet"
    try:
        return pl.read_parquet(path) if path.is_file() else None
    except (OSError, pl.exceptions.PolarsError):
        return None


def _newest_current_run(store: Store) -> RunRow | None:
    """The current run of the newest month that has one, or None."""
    current = [r for r in store.list_runs() if r.status == "current"]
    return max(current, key=lambda r: (r.month, r.version)) if current else None


def known_places(store: Store, root: Path) -> KnownPlaces:
    """The places an account's scope may name today: the newest current run's townships
    (as the store recorded them, and those of its places table), the counties they lie in,
    with the names of the run's places table (the built-in county names where it has none);
    the built-in places before any run is published."""
    from visit_planner.contracts.places import COUNTY_NAMES

    run = _newest_current_run(store)
    if run is None:
        return builtin_places()
    places = newest_run_places(store, root)
    named: dict[str, Names] = {"county": {}, "township": {}}
    if places is not None and {"code", "level", "name_zh", "name_en"} <= set(places.columns):
        rows = places.select("code", "level", "name_zh", "name_en").iter_rows()
        for code, level, zh, en in rows:
            if level in named and code:
                named[level][str(code)] = (str(zh or ""), str(en) if en else None)
    townships: Names = dict(named["township"])
    for t in store.run_townships(run.run_id):
        townships.setdefault(t.township_id, ("", None))
    counties: Names = dict(named["county"])
    for code in {t[:COUNTY_DIGITS] for t in townships}:
        counties.setdefault(code, COUNTY_NAMES.get(code, ("", None)))
    source = (
        f"最新方案 {run.month} v{run.version} ",  # a space before the Chinese that follows
        f"the newest run, {run.month} v{run.version} {run.run_id[:12]}",
    )
    run_dir = root / run.path
    missing = None
    if places is None and not run_dir.is_dir():
        missing = (
            "该方案目录不在此工作区, 无法按名称核对, 请用编号或指定其工作区 --home",
            f"its directory {run_dir} is not in this workspace, so its places' names cannot "
            "be read: give the code, or --home the workspace it was planned in",
        )
    return KnownPlaces(source, counties, townships, names_missing=missing)


def _label(code: str, names: Names) -> str:
    """``锦屏镇 (532626001)``, or the code alone when it has no name."""
    zh = names.get(code, ("", None))[0]
    return f"{zh} ({code})" if zh else code


def _by_name(names: Names) -> dict[str, set[str]]:
    """Each name (Chinese, and English case-folded) with the codes that bear it."""
    found: dict[str, set[str]] = {}
    for code, (zh, en) in names.items():
        for name in (zh, en.casefold() if en else None):
            if name:
                found.setdefault(name.strip(), set()).add(code)
    return found


def _close(text: str, names: Names) -> list[str]:
    """The known places whose code or name is close to ``text``, as labels (at most
    :data:`CLOSE`)."""
    by_name = _by_name(names)
    keys = list(names) + list(by_name)
    codes: dict[str, None] = {}
    for key in difflib.get_close_matches(text.casefold(), keys, n=CLOSE, cutoff=0.6):
        for code in sorted(by_name.get(key, {key} if key in names else set())):
            codes[code] = None
    return [_label(c, names) for c in list(codes)[:CLOSE]]


def resolve_scope(kind: str, text: str, known: KnownPlaces) -> tuple[str, str | None]:
    """The code of the ``kind`` (``county`` or ``township``) that ``text`` names, by its code
    or by a name no other place of that level bears; and a warning when nothing of that kind
    is known, or the code is none of places that are not binding (the built-in ones, before
    any run), so the scope could not be checked (the code is then kept as given).

    Raises :class:`StoreError` (Chinese first) for a place that is not known, with close
    codes or names, or the first :data:`LISTED` known ones; and for a name several places
    share, with their codes. A code of the wrong form is left to the store's own check
    (``6 digits``, ``9 digits``)."""
    names = known.of(kind)
    text = text.strip()
    zh, (source_zh, source_en) = _LEVEL_ZH[kind], known.source
    if not names:
        return text, (
            f"无法核对管辖范围, {source_zh}中没有{zh} (--scope {kind}:{text} could not be "
            f"checked: {source_en} names no {kind})"
        )
    if text in names or (text.isdigit() and len(text) != _digits(kind)):
        return text, None  # known, or a malformed code the store names by its rule
    if text.isdigit() and not known.binding:
        close = _close(text, names)
        return text, (
            f"{source_zh}中没有这个{zh}, 请核对编号 (--scope {kind}:{text} is not among "
            f"{source_en}, so it could not be checked: make sure the code is right; the first "
            "published run's places are checked from then on)"
            + (f": 相近的 close: {', '.join(close)}" if close else "")
        )
    codes = _by_name(names).get(text.casefold(), set())
    if len(codes) == 1:
        return next(iter(codes)), None
    if codes:
        raise StoreError(
            f"{zh}名称重复, 请用编号 (--scope {kind}:{text}: several {kind}s of {source_en} "
            f"bear this name; give the code): {', '.join(_label(c, names) for c in sorted(codes))}"
        )
    if known.names_missing is not None and not text.isdigit():
        missing_zh, missing_en = known.names_missing
        raise StoreError(
            f"{source_zh}的地名无法读取: {missing_zh} (--scope {kind}:{text} gives a {kind} by "
            f"name, but of {source_en}, {missing_en}): " + _suggestions(kind, text, known)
        )
    raise StoreError(
        f"{source_zh}中没有这个{zh} (--scope {kind}:{text} is no {kind} of {source_en}): "
        + _suggestions(kind, text, known)
    )


def _digits(kind: str) -> int:
    """A code's length for ``kind``: 6 for a county, 9 for a township."""
    return COUNTY_DIGITS if kind == "county" else COUNTY_DIGITS + 3


def _suggestions(kind: str, text: str, known: KnownPlaces) -> str:
    """What to give instead of ``text``: the place of the other level it names (a township's
    name given as a county), else the known places close to it, else the first
    :data:`LISTED` known ones (and how many more)."""
    other = "township" if kind == "county" else "county"
    others = known.of(other)
    found = {text} if text in others else _by_name(others).get(text.casefold(), set())
    if len(found) == 1:
        code = next(iter(found))
        name = others[code][0]
        return f"它是{_LEVEL_ZH[other]} (it is a {other}): --scope {other}:{code}" + (
            f" ({name})" if name else ""
        )
    names = known.of(kind)
    close = _close(text, names)
    if close:
        return f"相近的 close: {', '.join(close)}"
    listed = ", ".join(_label(c, names) for c in sorted(names)[:LISTED])
    more = f" 等 and {len(names) - LISTED} more" if len(names) > LISTED else ""
    return f"已知的 known: {listed}{more}"

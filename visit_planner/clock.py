"""How a moment is shown to people: Beijing time, ``YYYY-MM-DD HH:MM``.

The planners and supervisors of Wenshan read Beijing time (UTC+8), so every time the CLI
prints or the dashboard shows goes through here. What is stored or written for machines (the
store's columns, the audit log, JSON output, CSV/parquet files, run manifests) stays ISO 8601
UTC (:func:`visit_planner.store.codec.iso`); only its display is Beijing time.

Beijing time is a fixed offset: China has kept UTC+8 without daylight saving since 1991, so no
time-zone database (``zoneinfo``, ``tzdata``) is needed and a slim machine without one shows
the same times.

A moment may come as

- an aware :class:`~datetime.datetime`, in any zone;
- a naive ``datetime``, taken as UTC: SQLite hands the store's UTC timestamps back without a
  zone (:func:`as_utc`, the store's rule too: :mod:`visit_planner.store.codec` takes it from
  here, since this module imports nothing of the database layer);
- an ``int`` or ``float``: milliseconds since the epoch (MLflow's ``creation_timestamp``);
- a ``str`` in ISO 8601 (``2026-12-01T20:30:00+00:00``, ``...Z``), naive text taken as UTC.

The label follows the project's bilingual conventions: the CLI writes Chinese with English
alongside (:func:`shown_both`, :data:`ZONE`), the dashboard one language at a time
(:func:`shown_in`), as its sign-in messages already did (``北京时间 {until}`` /
``{until} Beijing time``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final, Literal

__all__ = [
    "BEIJING",
    "ZONE",
    "ZONE_EN",
    "ZONE_ZH",
    "Moment",
    "as_utc",
    "shown",
    "shown_both",
    "shown_in",
    "to_beijing",
    "today",
]

BEIJING: Final = timezone(timedelta(hours=8), "UTC+08:00")
"""Beijing time, China Standard Time: UTC+8 all year (no daylight saving)."""
ZONE_ZH: Final = "北京时间"
ZONE_EN: Final = "Beijing time"
ZONE: Final = f"{ZONE_ZH} {ZONE_EN}"
"""The zone's name as the CLI writes it: Chinese with English alongside."""

Moment = datetime | int | float | str
"""What :func:`to_beijing` accepts (see the module's docstring)."""

_MINUTES: Final = "%Y-%m-%d %H:%M"
_SECONDS: Final = "%Y-%m-%d %H:%M:%S"


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one (SQLite gives the store's timestamps
    back without a zone) is taken as UTC already."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_beijing(moment: Moment) -> datetime:
    """``moment`` as an aware datetime in Beijing time.

    Raises ValueError for text that is not ISO 8601 and TypeError for any other kind of value
    (a bool is not a number of milliseconds).
    """
    if isinstance(moment, bool):
        raise TypeError(f"not a moment: {moment!r}")
    if isinstance(moment, int | float):
        return datetime.fromtimestamp(moment / 1000, UTC).astimezone(BEIJING)
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.strip())
        except ValueError:
            raise ValueError(f"not an ISO 8601 time: {moment!r}") from None
    if not isinstance(moment, datetime):
        raise TypeError(f"not a moment: {moment!r}")
    return as_utc(moment).astimezone(BEIJING)


def today(now: datetime | None = None) -> date:
    """Today's date in Wenshan (Beijing time), whatever the machine's zone: the day an
    override's expiry is checked against. ``date.today()`` is the machine's date; on a
    server kept in UTC it is still yesterday until 08:00 in Wenshan, so an expiry of
    yesterday was accepted as not yet past (and refused on a machine set to China time).
    ``now`` (an instant, naive taken as UTC): for tests."""
    return to_beijing(datetime.now(UTC) if now is None else now).date()


def shown(moment: Moment, *, seconds: bool = False) -> str:
    """``2026-12-02 04:30`` for 2026-12-01T20:30Z: Beijing time without a label, for a table
    column whose heading names the zone. ``seconds`` adds them (the audit log's order)."""
    return to_beijing(moment).strftime(_SECONDS if seconds else _MINUTES)


def shown_in(moment: Moment, lang: Literal["zh", "en"], *, seconds: bool = False) -> str:
    """One language, for the dashboard: ``北京时间 2026-12-02 04:30`` (Chinese puts the zone
    first) or ``2026-12-02 04:30 Beijing time``."""
    text = shown(moment, seconds=seconds)
    return f"{ZONE_ZH} {text}" if lang == "zh" else f"{text} {ZONE_EN}"


def shown_both(moment: Moment, *, seconds: bool = False) -> str:
    """Both languages, for the CLI: ``2026-12-02 04:30 (北京时间 Beijing time)``."""
    return f"{shown(moment, seconds=seconds)} ({ZONE})"

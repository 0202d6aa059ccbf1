"""How a moment is shown to people: Beijing time (UTC+8), ``YYYY-MM-DD HH:MM``, whatever form
the moment comes in (aware, naive from SQLite, MLflow's epoch milliseconds, ISO text)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from visit_planner import clock
from visit_planner.store import Store
from visit_planner.store.models import audit

EVENING_UTC = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)
"""20:30 UTC on 1 December is 04:30 the next morning in Wenshan."""


def test_an_aware_moment_crosses_midnight_into_the_next_day() -> None:
    assert clock.shown(EVENING_UTC) == "2026-12-02 04:30"
    assert clock.to_beijing(EVENING_UTC) == EVENING_UTC  # the same instant
    assert clock.to_beijing(EVENING_UTC).utcoffset() == timedelta(hours=8)
    new_york = EVENING_UTC.astimezone(timezone(timedelta(hours=-5)))
    assert clock.shown(new_york) == "2026-12-02 04:30"  # any zone: the instant counts


def test_today_is_wenshans_date_whatever_the_machines_zone() -> None:
    # 20:30 UTC on 1 December: still the 1st on a server kept in UTC, the 2nd in Wenshan.
    assert clock.today(EVENING_UTC) == datetime(2026, 12, 2).date()
    assert clock.today(datetime(2026, 12, 1, 15, 59)) == datetime(2026, 12, 1).date()
    assert clock.today(datetime(2026, 12, 31, 16, 0)) == datetime(2027, 1, 1).date()  # a new year
    now = datetime.now(UTC)
    assert clock.today() in {clock.today(now), clock.today(now + timedelta(minutes=1))}


def test_a_naive_moment_is_taken_as_utc() -> None:
    assert clock.shown(datetime(2026, 12, 1, 20, 30)) == "2026-12-02 04:30"
    assert clock.shown(datetime(2026, 5, 2, 8, 0, 59)) == "2026-05-02 16:00"  # no rounding up


def test_epoch_milliseconds_as_mlflow_gives_them() -> None:
    ms = int(EVENING_UTC.timestamp() * 1000)
    assert clock.shown(ms) == "2026-12-02 04:30"
    assert clock.shown(float(ms)) == "2026-12-02 04:30"
    assert clock.shown(0) == "1970-01-01 08:00"


def test_iso_text_with_an_offset_a_z_or_none() -> None:
    assert clock.shown("2026-12-01T20:30:00+00:00") == "2026-12-02 04:30"
    assert clock.shown("2026-12-01T20:30:00.123456Z") == "2026-12-02 04:30"
    assert clock.shown("2026-12-02T04:30:00+08:00") == "2026-12-02 04:30"
    assert clock.shown("2026-12-01T15:30:00-05:00") == "2026-12-02 04:30"
    assert clock.shown("2026-12-01T20:30:00") == "2026-12-02 04:30"  # naive text: UTC


def test_the_label_in_each_language_and_both() -> None:
    assert clock.shown_in(EVENING_UTC, "zh") == "北京时间 2026-12-02 04:30"
    assert clock.shown_in(EVENING_UTC, "en") == "2026-12-02 04:30 Beijing time"
    assert clock.shown_both(EVENING_UTC) == "2026-12-02 04:30 (北京时间 Beijing time)"
    assert clock.shown(EVENING_UTC + timedelta(seconds=7), seconds=True) == "2026-12-02 04:30:07"
    assert clock.ZONE == "北京时间 Beijing time"


def test_what_is_not_a_moment_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="not an ISO 8601 time: 'yesterday'"):
        clock.shown("yesterday")
    with pytest.raises(TypeError, match="not a moment"):
        clock.shown(True)
    with pytest.raises(TypeError, match="not a moment"):
        clock.shown(None)  # type: ignore[arg-type]


def test_sqlite_hands_back_naive_utc_and_it_shows_as_the_store_row_does(tmp_path: Path) -> None:
    """The store's SQLite database returns its timestamps without a zone: raw, they are naive
    UTC and must show the same Beijing time as the aware value of the store's own rows."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open(url) as store:
        store.add_user("planner01", "planner", scope_kind="prefecture", password="Lzh@2024mountain",
                       actor="admin01")  # fmt: skip
        entry = store.audit_entries()[-1]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            raw = conn.execute(select(audit.c.at).where(audit.c.seq == entry.seq)).scalar_one()
    finally:
        engine.dispose()
    assert raw.tzinfo is None  # what SQLite gives
    assert entry.at.tzinfo is not None
    expected = (raw + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert clock.shown(raw) == clock.shown(entry.at) == expected


def test_no_time_zone_database_is_needed() -> None:
    """A slim machine may have no zoneinfo data: the module must not need it."""
    code = (
        "import sys; sys.modules['zoneinfo'] = None; sys.modules['tzdata'] = None\n"
        "from visit_planner import clock\n"
        "print(clock.shown_both('2026-12-01T20:30:00Z'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2026-12-02 04:30 (北京时间 Beijing time)"

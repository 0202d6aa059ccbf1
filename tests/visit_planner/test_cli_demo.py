"""The README's main job: ``visit-planner demo`` end to end on a small prefecture."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from rich.cells import cell_len

from tests.visit_planner.helpers import flat, too_wide
from visit_planner.paths import Workspace
from visit_planner.runs import RunReader
from visit_planner.store import Store, store_url


@pytest.mark.real_mlflow_schema  # the application creates the MLflow store itself
def test_demo_runs_two_months_and_publishes_both(tmp_path: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "ws"
    monkeypatch.setenv("COLUMNS", "80")
    # The defaults, as `make demo` runs them, but without serving the dashboard at the end.
    rc, out, err = cli("demo", "--home", str(home), "--no-dashboard")
    assert rc == 0, err
    for step in range(1, 10):
        assert f"{step}/10" in out
    assert "Traceback" not in out + err
    with Store.open(store_url(Workspace(home))) as store:
        nov, dec = store.current_run("2026-11"), store.current_run("2026-12")
        assert nov is not None and dec is not None
        assert store.verify_audit().ok
    readers = [RunReader(home / r.path) for r in (nov, dec)]
    assert all(r.verify() == [] for r in readers)
    assert readers[1].manifest.previous_run_id == nov.run_id
    households = pl.read_parquet(home / "data" / "2026-12" / "households.parquet")
    assert pl.read_parquet(readers[1].root / "plan.parquet").height == households.height
    assert "换人率 churn:" in flat(out) and "操作人" in out  # the glossary's words
    assert (home / "visit_lists" / "2026-12" / "index.html").is_file()
    assert (home / "mlflow.db").is_file()
    # Places by name and code (the generated data's real township names, Chinese and
    # English) in the summaries.
    places = pl.read_parquet(home / "data" / "2026-11" / "places.parquet")
    townships = places.filter(pl.col("level") == "township")
    named = {c: f"{zh} {en}" for c, zh, en in townships.select("code", "name_zh", "name_en").rows()}
    assert all(f"({tw})" in out for tw in named)  # the runs diff names every township
    short = readers[1].diagnostics().filter(pl.col("shortfall") != "")["township_id"]
    assert len(short) and all(f"{named[tw]} ({tw}):" in out for tw in short)
    assert "锦屏镇 Jinping Town (532626001):" in out
    # A stream that cannot carry Chinese names a township in English, not by its bare code.
    plan = pl.read_parquet(readers[1].root / "plan.parquet")
    household = plan.filter(pl.col("township_id") == "532601001")["household_id"].min()
    args = ["explain", "--run", str(readers[1].root), "--household", str(household)]
    explained = subprocess.run(
        [sys.executable, "-m", "visit_planner", *args, "--top", "1"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        check=False,
    )
    assert explained.returncode == 0, explained.stderr
    said = " ".join(explained.stdout.decode("ascii").split())
    assert "township: Kaihua Subdistrict (532601001)" in said, said
    # Reads at 80 columns: nothing wider, except lines that carry the workspace's own paths
    # (a command to paste, a file name), which cannot be broken.
    wide = [x for x in out.splitlines() if cell_len(x) > 80 and str(home) not in x]
    assert wide == []
    assert "…" not in out  # no cell cut short (the runs diff's townships named in English too)


def test_shortfall_text_one_language_a_line() -> None:
    from visit_planner.cli.summary_text import bilingual_lines

    text = (
        "方案覆盖 44/51 户一类户 / the plan covers 44 of the 51 tier-1 households (not proven; "
        "基层干部 cadre); 需增加 2 名基层干部 / 2 more cadres would cover all 7"
    )
    assert bilingual_lines(text) == [
        "方案覆盖 44/51 户一类户",
        "the plan covers 44 of the 51 tier-1 households (not proven; 基层干部 cadre)",
        "需增加 2 名基层干部",
        "2 more cadres would cover all 7",
    ]
    assert bilingual_lines("只有中文") == ["只有中文"]


def test_demo_refuses_a_scale_or_seed_out_of_range_and_creates_nothing(
    tmp_path: Path, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "80")
    home = tmp_path / "never"
    for option, value in (("--scale", "-1"), ("--scale", "0"), ("--scale", "6"), ("--seed", "-1")):
        rc, out, err = cli("demo", option, value, "--no-dashboard", "--home", str(home))
        assert rc == 2, (option, value, out, err)  # a usage error, as `generate` gives
        assert f"Invalid value for '{option}'" in err
        assert "Traceback" not in out + err and "ValueError" not in out + err
        assert not home.exists()  # refused before the workspace is made


def test_a_shortfall_reads_at_80_columns_with_each_number_by_its_measure_word(capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.visit_planner.helpers import numbers_cut_from_their_measure_word, too_wide
    from visit_planner.cli.summary_text import print_shortfalls

    text = (
        "已证明：现有人员最多可覆盖 72/80 户一类户 / proven: no plan covers more than 72 of "
        "the 80 tier-1 households with the present cadres and workers; 需增加 1 名基层干部"
        "（每名 26 小时/月、至多 15 户）才能覆盖全部 8 户未覆盖的一类户，或现有基层干部共增加 "
        "29 小时工时可覆盖这些农户 / 1 more cadre (26 h/month, at most 15 households each) "
        "would cover all 8 uncovered tier-1 households"
    )
    print_shortfalls(pl.DataFrame({"township_id": ["532626001"], "shortfall": [text]}))
    out = capsys.readouterr().out
    assert too_wide(out, 80) == []
    assert numbers_cut_from_their_measure_word(out) == []  # was "全部 8" / "户未覆盖…"
    assert "  8 户未覆盖的一类户，或现有基层干部共增加 29 小时工时可覆盖这些农户" in out


@pytest.mark.parametrize("width", [80, 60])
def test_the_closing_shortfall_note_is_wrapped_at_the_width(width: int) -> None:
    """``demo > demo.log`` ended with an English note broken by hand at 66 columns and
    "(`plan` itself exits 3 on this)" with its Markdown backticks."""
    from visit_planner.cli.demo import shortfall_note

    lines = shortfall_note(width)
    assert lines[0] == "部分一类户无法覆盖, 见上方缺口说明(乡镇与所需人员)。"
    english = " ".join(lines[1:])
    assert (
        english.startswith("Some tier-1 households") and "(plan itself exits 3 on this)." in english
    )
    assert "`" not in english and not too_wide("\n".join(lines), width)
    for line, following in itertools.pairwise(lines[1:]):  # each line filled before the next
        assert cell_len(line) + 1 + cell_len(following.split()[0]) > width, (line, following)


def test_a_step_command_is_continued_by_display_width() -> None:
    from visit_planner.cli.demo import command_lines

    command = "validate /tmp/演示数据/2026-11 --scale 0.01"  # 55 characters, 59 columns
    assert command_lines(command, 59) == f"$ visit-planner {command}"
    assert command_lines(command, 57).splitlines() == [
        "$ visit-planner validate /tmp/演示数据/2026-11 \\",
        "    --scale 0.01",
    ]


def test_the_demo_names_the_store_its_runs_went_to(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With ``VISIT_PLANNER_STORE_URL`` the runs go to that database: the demo's closing
    lines said ``数据库 store: <workspace>/store.db``, a file that is never made."""
    from visit_planner.cli.demo import store_named

    ws = Workspace(tmp_path / "ws")
    monkeypatch.delenv("VISIT_PLANNER_STORE_URL", raising=False)
    assert store_named(ws) == str(ws.store_db)
    monkeypatch.setenv(
        "VISIT_PLANNER_STORE_URL", "postgresql+psycopg://vp:s3cret-pw@127.0.0.1:5432/planner"
    )
    named = store_named(ws)
    assert named == "postgresql+psycopg://vp:***@127.0.0.1:5432/planner"
    assert "s3cret" not in named and "store.db" not in named
    assert not (tmp_path / "ws").exists()  # naming it connects to nothing, makes nothing

"""The ``错误 ERROR:`` line: wrapped at the terminal's width (80 redirected) at spaces only,
with a hanging indent, never breaking an id, a path or a number."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import CliRun
from tests.visit_planner.helpers import flat, numbers_cut_from_their_measure_word, too_wide
from visit_planner.cli.summary_text import hanging, wrap_text, wrapped_lines

WIDTH = 80


def test_wrap_breaks_at_spaces_only_and_keeps_long_tokens_whole() -> None:
    path = "/tmp/" + "deep/" * 20 + "scores.parquet"
    text = f"{path}: column 'p_tier1': must be between 0 and 1 — 2 rows: H0000004, H0000010"
    parts = wrap_text(text, 40)
    assert parts[0] == f"{path}:"  # longer than the width: whole, on its own line
    assert " ".join(parts) == text and all(cell_len(p) <= 40 for p in parts[1:])
    # A Chinese character takes two columns.
    assert wrap_text("一类户 一类户 一类户", 13) == ["一类户 一类户", "一类户"]


SHORTFALL_ZH = (
    "需增加 1 名基层干部（每名 26 小时/月、至多 15 户）才能覆盖全部 8 户未覆盖的一类户，"
    "或现有基层干部共增加 29 小时工时可覆盖这些农户"
)


@pytest.mark.parametrize("width", [78, 60, 40, 24])
def test_chinese_text_keeps_a_number_with_its_measure_word(width: int) -> None:
    lines = wrap_text(SHORTFALL_ZH, width)
    assert all(cell_len(line) <= width for line in lines), lines
    assert numbers_cut_from_their_measure_word("\n".join(lines)) == [], lines
    assert not [line for line in lines if line[0] in "，、)）"]  # no line opens on a closing mark
    assert "".join(lines).replace(" ", "") == SHORTFALL_ZH.replace(" ", "")  # nothing lost
    if width == 78:  # the break falls at a space, before the number
        assert lines == [
            "需增加 1 名基层干部（每名 26 小时/月、至多 15 户）才能覆盖全部",
            "8 户未覆盖的一类户，或现有基层干部共增加 29 小时工时可覆盖这些农户",
        ]


def test_a_chinese_run_wider_than_the_line_folds_between_characters_an_id_never() -> None:
    reason = "家访发现独居老人病重需要每周走访" * 4  # 128 columns without a space
    lines = wrap_text(f"原因: {reason}", 40)
    assert all(cell_len(line) <= 40 for line in lines) and len(lines) == 4
    assert "".join(lines) == f"原因: {reason}"  # the line filled first, then folded
    ident = "64e82b3953484894be0cbc1fc97fabcb"
    assert wrap_text(f"run {ident} published", 20) == ["run", ident, "published"]


def test_a_hanging_indent_measures_a_chinese_prefix_in_columns() -> None:
    first = "类别来源 tier decided by: "  # 4 Chinese characters: 8 columns, not 4
    lines = hanging("督导调整 a supervisor's override: #1 root: visited, roof collapsing", first,
                    "  ", 80)  # fmt: skip
    assert lines == [
        "类别来源 tier decided by: 督导调整 a supervisor's override: #1 root: visited,",
        "  roof collapsing",
    ]
    assert not too_wide("\n".join(lines), 80)


def test_wrapped_lines_hang_their_continuations() -> None:
    lines = wrapped_lines(["错误 ERROR: " + "word " * 30, "next problem " * 10], WIDTH)
    assert lines[0].startswith("错误 ERROR: word") and not too_wide("\n".join(lines), WIDTH)
    heading = [line for line in lines if "word" in line]
    assert all(line.startswith("  word") for line in heading[1:])  # under the first line
    second = [line for line in lines if "next" in line]
    assert second[0].startswith("  next") and all(s.startswith("    ") for s in second[1:])


def test_the_consoles_are_80_wide_when_redirected(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich alone takes the width of any standard stream that is a terminal: typed at a
    150-column terminal, ``visit-planner ... > file`` wrote 150-column lines into the file."""
    import io
    import os

    from rich.console import Console

    from visit_planner.cli._app import CliConsole

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=0: os.terminal_size((150, 40)))
    assert Console(file=io.StringIO()).width == 150  # what rich does
    assert CliConsole(file=io.StringIO()).width == 80  # a file: 80 columns
    assert CliConsole(file=io.StringIO(), force_terminal=True).width == 150  # a terminal
    monkeypatch.setenv("COLUMNS", "100")
    assert CliConsole(file=io.StringIO()).width == 100  # as the user asks


def test_the_consoles_draw_tables_in_ascii_without_trailing_spaces_when_redirected() -> None:
    """``visit-planner validate DIR > report.txt`` wrote ┏━┳┓ ┃ │ └┘ and lines padded with
    spaces to the width into the file; a terminal keeps Rich's lines."""
    import io

    from rich import box
    from rich.table import Table

    from tests.visit_planner.helpers import BOX_DRAWING
    from visit_planner.cli._app import CliConsole

    def drawn(table_box: box.Box, *, terminal: bool) -> str:
        file = io.StringIO()
        table = Table("类别 tier", "农户数 households", title="方案 plan", box=table_box)
        table.add_row("一类户 tier 1", "392")
        CliConsole(file=file, width=80, force_terminal=terminal, color_system=None).print(table)
        return file.getvalue()

    heavy = drawn(box.HEAVY_HEAD, terminal=False)  # Rich's default box
    assert heavy.splitlines()[1:] == [
        "+---------------+-------------------+",
        "| 类别 tier     | 农户数 households |",
        "+===============+===================+",
        "| 一类户 tier 1 | 392               |",
        "+---------------+-------------------+",
    ], heavy
    assert heavy.splitlines()[0] == "              方案 plan"  # centred, not padded after
    simple = drawn(box.SIMPLE_HEAD, terminal=False)
    assert " 类别 tier       农户数 households" in simple and " -------------" in simple
    assert not set(heavy + simple) & set(BOX_DRAWING)
    assert not [line for line in (heavy + simple).splitlines() if line.endswith(" ")]
    shown = drawn(box.HEAVY_HEAD, terminal=True)
    assert "┃ 类别 tier     ┃" in shown and "╇" in shown  # a terminal: as Rich draws it
    file = io.StringIO()  # demo's step headings
    CliConsole(file=file, width=40, color_system=None).rule("1/10 生成模拟数据 / generate")
    heading = file.getvalue()
    assert heading.startswith("--") and heading.endswith("-----\n") and "─" not in heading
    assert heading.strip("-\n") == " 1/10 生成模拟数据 / generate " and cell_len(heading) == 40


@pytest.mark.parametrize("columns", ["80", "100"])
def test_the_error_line_is_wrapped_at_the_width_and_says_all_of_it(
    cli: Callable[..., tuple[int, str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    columns: str,
) -> None:
    """A refused file under a long directory: every line fits the width (80 when
    redirected; $COLUMNS otherwise) unless it is one word, the path is whole, and the whole
    message is there."""
    monkeypatch.setenv("COLUMNS", columns)
    deep = tmp_path / ("a-rather-long-directory-name/" * 3)
    deep.mkdir(parents=True)
    missing = deep / "plan.parquet"
    code, _, err = cli(
        "check-plan", "--plan", str(missing), "--scores", str(deep / "scores.parquet"),
        "--households", str(deep / "households.parquet"), "--workers", str(deep / "w.parquet"),
    )  # fmt: skip
    lines = err.splitlines()
    assert code == 2 and lines[0].startswith("错误 ERROR:") and "Traceback" not in err
    assert not [line for line in too_wide(err, int(columns)) if len(line.split()) > 1], err
    assert all(line.startswith("  ") for line in lines[1:]), err
    assert any(line.strip().startswith(str(deep)) for line in lines), err  # the path is whole
    assert "找不到文件或目录 (no such file or directory)" in flat(err)


def test_print_wrapped_keeps_a_path_wider_than_the_console_whole(tmp_path: Path) -> None:
    """``runs export --out`` under a long directory printed 'into …/sheet' and 's' on the next
    line: stdout's console folded the word that wrapped_lines had left whole."""
    import io

    from visit_planner.cli._app import CliConsole
    from visit_planner.cli.summary_text import print_wrapped

    path = "/tmp/" + "a-long-directory-name/" * 5 + "sheets"
    buffer = io.StringIO()
    print_wrapped(["已输出 wrote 1 份清单 sheets", f"目录 into {path}"], CliConsole(file=buffer))
    assert buffer.getvalue().splitlines() == [
        "已输出 wrote 1 份清单 sheets",
        "  目录 into",
        f"    {path}",  # whole, on a line of its own (wider than 80: it cannot be helped)
    ]


def test_ctrl_c_says_it_was_interrupted(
    cli: Callable[..., CliRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during a command: exit 130 (as a shell reports SIGINT), no traceback, and a
    line saying so; Typer alone ended the command without a word."""
    import typer

    import visit_planner.cli as cli_module

    stopped = typer.Typer()

    @stopped.command()
    def work() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "app", stopped)
    code, out, err = cli()
    assert code == 130 and out == ""
    assert err.strip() == "已中断 (interrupted by Ctrl-C)" and "Traceback" not in err


_TERM_SCRIPT = """
import sys, time
from pathlib import Path
import typer
import visit_planner.cli as cli

flag = Path(sys.argv[1])
slow = typer.Typer()

@slow.command()
def work() -> None:
    try:
        (flag / "started").touch()
        time.sleep(60)
    finally:
        (flag / "cleaned").touch()

cli.app = slow
sys.argv = ["visit-planner"]
cli.main()
"""


def test_sigterm_unwinds_the_command_and_says_so(tmp_path: Path) -> None:
    """SIGTERM (systemctl stop, timeout) ends a command through its ``finally`` blocks, as
    Ctrl-C does (plan removes its staging and releases the month's lock there), with exit 143
    and a line saying so; Python's default ended the process at once."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _TERM_SCRIPT, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert (tmp_path / "cleaned").exists()
    assert err.strip() == "已终止 (terminated by SIGTERM)" and "Traceback" not in err

"""Every command's ``--help`` at 80 columns, redirected: reflowed, whole, nothing cut.

The tester's defects: docstring line breaks kept and re-wrapped into ragged lines, reST
markup shown literally, long values cut with "…" in the options column, sub-command
summaries cut in the commands table, and ``generate`` not naming every file it writes.
The commands are listed from the app itself, so a new command or docstring is covered.
"""

from __future__ import annotations

import inspect
import itertools
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer
from rich.cells import cell_len
from typer import rich_utils
from typer._click import Command  # Typer 0.29 builds on its own copy of Click
from typer.core import TyperGroup

from tests.visit_planner.helpers import BOX_DRAWING, flat, too_wide
from visit_planner.cli import app
from visit_planner.cli._app import HELP_OPTION_HELP
from visit_planner.cli.dashboard import ADDRESS_ENV, STORE_URL_ENV
from visit_planner.paths import HOME_ENV
from visit_planner.synthetic import TABLE_NAMES

WIDTH = 80


def _commands(
    group: Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Command]]:
    """``(path, command)`` for the root and every visible command and sub-command under it."""
    yield path, group
    if isinstance(group, TyperGroup):
        for name, command in group.commands.items():
            if not command.hidden:
                yield from _commands(command, (*path, name))


HELP_COLUMN = 36
"""The least width of the options' help column at 80 columns (``plan``, ``assign``: the
longest option names and types)."""

ROOT = typer.main.get_command(app)
COMMANDS = list(_commands(ROOT))
IDS = [" ".join(path) or "visit-planner" for path, _ in COMMANDS]


def _summary(command: Command) -> str:
    """The first paragraph of a command's help as the commands table shows it (one line)."""
    first = inspect.cleandoc(command.help or "").split("\n\n")[0]
    return flat(first).replace("`", "")


def _source_text(command: Command) -> str:
    """Every help text the command's page is made of (its own, its options', its children's)."""
    texts = [command.help or "", command.epilog or ""]
    texts += [getattr(p, "help", None) or "" for p in command.params]
    if isinstance(command, TyperGroup):
        texts += [c.help or "" for c in command.commands.values()]
    return "\n".join(texts)


def _ragged(out: str) -> list[str]:
    """Prose lines (outside the sections' tables) broken early: the next line's first word
    would have fitted on them, i.e. a hard line break of the source survived the wrapping."""
    found = []
    lines = [line.rstrip() for line in out.splitlines()]
    in_table = [False] * len(lines)  # a section ("Options:" ...) runs to its blank line
    for n, line in enumerate(lines):
        starts = bool(line) and not line[0].isspace() and line.endswith(":")
        in_table[n] = starts or (n > 0 and in_table[n - 1] and bool(line.strip()))
    for n, (line, following) in enumerate(itertools.pairwise(lines)):
        nxt = following.strip()
        if (
            not line.strip()
            or not nxt
            or in_table[n]
            or in_table[n + 1]
            or line.lstrip().startswith("用法 Usage:")
            or nxt.startswith("•")  # a list item starts
        ):
            continue
        # Text is padded one column on each side: its right edge is column WIDTH - 1.
        if cell_len(line) + 1 + cell_len(nxt.split()[0]) <= WIDTH - 1:
            found.append(f"{line!r} / {following!r}")
    return found


@pytest.fixture
def help_page(
    cli: Callable[..., tuple[int, str, str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Callable[[tuple[str, ...]], str]:
    """``visit-planner PATH --help`` at COLUMNS=80 into a file-like stdout (no terminal)."""
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.setenv("VISIT_PLANNER_HOME", str(tmp_path))
    monkeypatch.setattr(rich_utils, "MAX_WIDTH", None)  # no $TERMINAL_WIDTH of the caller
    monkeypatch.setattr(rich_utils, "FORCE_TERMINAL", None)  # no $FORCE_COLOR escapes

    def run(path: tuple[str, ...]) -> str:
        code, out, err = cli(*path, "--help")
        assert code == 0, err
        return out

    return run


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_help_fits_80_columns_reflowed_and_whole(
    help_page: Callable[[tuple[str, ...]], str], path: tuple[str, ...], command: Command
) -> None:
    out = help_page(path)
    assert "用法 Usage:" in out  # Chinese first, as every heading
    # Redirected help is plain text: sections as "选项 Options:", no panel borders.
    assert not set(out) & set(BOX_DRAWING), out
    assert "\n选项 Options:\n" in out
    assert not too_wide(out, WIDTH), "\n".join(too_wide(out, WIDTH))
    # A paragraph reflows to the width: no line ends early because the docstring did.
    assert not _ragged(out), "\n".join(_ragged(out))
    # Nothing is cut: Rich marks a cut word or line with "…".
    assert out.count("…") <= _source_text(command).count("…"), out
    # Markup is rendered, never shown (reST ``x`` or a stray Markdown backtick).
    assert "`" not in out, out
    # No line padded with spaces to the width (Rich pads every line of help: a blank line
    # was 80 spaces in the file).
    assert not [line for line in out.splitlines() if line.endswith(" ")], out
    # A flag takes no value: no type beside it (Typer 0.29 showed "--overwrite <bool>").
    assert "<bool>" not in out, out
    # The options' help has the room the names and types leave (it had 24 columns of 80 in
    # plan --help, beside the padding of three empty columns and a 23-column type).
    row = next(line for line in out.splitlines() if line.lstrip().startswith("--help "))
    assert WIDTH - cell_len(row[: row.index(HELP_OPTION_HELP[:4])]) >= HELP_COLUMN, out


@pytest.mark.parametrize(
    ("path", "group"),
    [(p, c) for p, c in COMMANDS if isinstance(c, TyperGroup)],
    ids=[i for i, (_, c) in zip(IDS, COMMANDS, strict=True) if isinstance(c, TyperGroup)],
)
def test_command_summaries_show_whole_on_one_line(
    help_page: Callable[[tuple[str, ...]], str], path: tuple[str, ...], group: TyperGroup
) -> None:
    """The commands table shows each sub-command's first paragraph whole, on its own line
    (a wrapped cell with Chinese in it is where Rich cut words with "…"; see
    :func:`visit_planner.cli._app.cell_aware_wrapping`)."""
    lines = help_page(path).splitlines()
    for name, command in group.commands.items():
        summary = _summary(command)
        row = [line for line in lines if line.startswith(f"  {name} ")]
        assert row, f"{name} not listed"
        assert summary in row[0], f"{name}: {summary!r} not whole on one line: {row[0]!r}"
        assert cell_len(summary[0]) == 2 and " — " in summary, summary  # 中文 — English


README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")

WITH_ARGUMENTS = [
    (p, c) for p, c in COMMANDS if any(isinstance(a, typer.core.TyperArgument) for a in c.params)
]


@pytest.mark.parametrize(
    ("path", "command"),
    WITH_ARGUMENTS,
    ids=[" ".join(p) for p, _ in WITH_ARGUMENTS],
)
def test_usage_line_names_arguments_as_the_readme_does(
    help_page: Callable[[tuple[str, ...]], str], path: tuple[str, ...], command: Command
) -> None:
    """``validate [OPTIONS] DIR``, ``runs diff [OPTIONS] A B``: Typer 0.29 wrote
    ``{directory}``, ``{a} {b}`` while the README and the help texts say ``DIR``, ``A B``."""
    names = [a.metavar or "" for a in command.params if isinstance(a, typer.core.TyperArgument)]
    assert all(n.isupper() for n in names), f"an argument without a metavar: {names}"
    out = help_page(path)
    usage = flat(out[out.index("用法 Usage:") :].split("\n\n")[0])  # wrapped when long
    shown = [  # an optional one in brackets (runs rollback [RUN]: its older --to form)
        n if a.required else f"[{n}]"
        for n, a in zip(
            names, [a for a in command.params if isinstance(a, typer.core.TyperArgument)],
            strict=True,
        )
    ]  # fmt: skip
    assert usage.strip().endswith(f"{' '.join(path)} [OPTIONS] {' '.join(shown)}"), usage
    assert "{" not in usage, usage
    # The README's command table shows the same names after the (sub-)command's name.
    assert f"{path[-1]} {' '.join(names)}" in README, (path, names)


def test_a_missing_argument_is_named_as_in_the_usage_line(
    cli: Callable[..., tuple[int, str, str]],
) -> None:
    code, _, err = cli("runs", "diff", "abc123")
    assert code == 2
    assert "缺少参数 'B'" in err and "runs diff [OPTIONS] A B" in err, err


def test_explain_help_has_no_rest_markup(help_page: Callable[[tuple[str, ...]], str]) -> None:
    out = help_page(("explain",))
    assert "``" not in out
    assert "With --run DIR (an assign" in flat(out)


def test_generate_help_names_every_file_it_writes(
    help_page: Callable[[tuple[str, ...]], str],
) -> None:
    words = flat(help_page(("generate",)))
    for name in (*TABLE_NAMES, "month.json"):
        assert name in words, name
    assert "places" in words


def test_environment_variables_and_store_url_example_are_whole_in_root_help(
    help_page: Callable[[tuple[str, ...]], str],
) -> None:
    """The long names cut in the options column are listed whole below the commands."""
    out = help_page(())
    for name in (HOME_ENV, STORE_URL_ENV, ADDRESS_ENV):
        assert name in out, name
    assert "postgresql+psycopg://user@127.0.0.1:5432/db" in out


def test_redirected_help_from_the_console_script(tmp_path: Path) -> None:
    """As the tester ran it: ``COLUMNS=80 visit-planner plan --help > file``."""
    script = Path(sys.executable).with_name("visit-planner")
    env = {**os.environ, "COLUMNS": str(WIDTH), "VISIT_PLANNER_HOME": str(tmp_path)}
    for name in ("TERMINAL_WIDTH", "FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS"):
        env.pop(name, None)
    target = tmp_path / "plan.txt"
    with target.open("w", encoding="utf-8") as file:
        subprocess.run([script, "plan", "--help"], stdout=file, env=env, check=True)
    out = target.read_text(encoding="utf-8")
    assert "--store-url" in out and "Exits 3 when a tier-1 household" in flat(out)
    assert not too_wide(out, WIDTH) and not _ragged(out) and "…" not in out
    assert "\x1b[" not in out  # no colour escapes in a file
    assert not set(out) & set(BOX_DRAWING) and "\n选项 Options:\n" in out


def test_usage_errors_redirected_are_plain_and_help_on_a_terminal_keeps_its_panels(
    tmp_path: Path,
) -> None:
    """A usage error to a file names the option without a panel around it; on a terminal
    (forced here) the help keeps Rich's panels."""
    script = Path(sys.executable).with_name("visit-planner")
    env = {**os.environ, "COLUMNS": str(WIDTH), "VISIT_PLANNER_HOME": str(tmp_path)}
    for name in ("TERMINAL_WIDTH", "FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS"):
        env.pop(name, None)
    done = subprocess.run(
        [script, "check-plan", "--bogus"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 2
    assert "错误 ERROR:\n  没有选项 --bogus" in done.stderr  # then Click's suggestion
    assert "(No such option: --bogus" in done.stderr
    assert not set(done.stderr) & set(BOX_DRAWING), done.stderr
    forced = {**env, "FORCE_COLOR": "1"}
    done = subprocess.run(
        [script, "runs", "--help"], capture_output=True, text=True, env=forced, check=True
    )
    shown = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)  # the terminal's colours left out
    assert "╭─ 选项 Options" in shown and "╭─ 命令 Commands" in shown


@pytest.mark.parametrize("args", [("plan", "--help"), ("plan", "--bogus")], ids=["help", "error"])
def test_help_and_usage_errors_redirected_at_a_wide_terminal_are_80_wide(
    cli: Callable[..., tuple[int, str, str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: tuple[str, ...],
) -> None:
    """``visit-planner plan --help > plan.txt`` typed at a 150-column SSH terminal wrote
    150-column lines padded with spaces: Typer's own console took the terminal's width."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(rich_utils, "MAX_WIDTH", None)  # no $TERMINAL_WIDTH of the caller
    monkeypatch.setattr(rich_utils, "FORCE_TERMINAL", None)
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=0: os.terminal_size((150, 40)))
    monkeypatch.setenv("VISIT_PLANNER_HOME", str(tmp_path))
    code, out, err = cli(*args)
    text = out if args[-1] == "--help" else err
    assert code == (0 if args[-1] == "--help" else 2) and "Traceback" not in err
    assert "用法 Usage: " in text and "plan [OPTIONS]" in text
    assert not too_wide(text, WIDTH), "\n".join(too_wide(text, WIDTH))
    if args[-1] == "--help":  # the help fills the 80 columns (the error is shorter)
        assert max(cell_len(line) for line in text.splitlines()) > WIDTH - 10, text
    assert not [line for line in text.splitlines() if line.endswith(" ")], text


def test_a_wrapped_line_with_chinese_keeps_its_last_word() -> None:
    """Rich measured a line's trailing space in characters, its width in cells: a line with
    Chinese ending in a word exactly at the width lost that word's end to "…" (``接诉即办 —
    Re-solve onl…``); :func:`visit_planner.cli._app.cell_aware_wrapping` measures in cells."""
    from rich.console import Console
    from rich.text import Text

    line = "接诉即办 — Re-solve only"
    assert cell_len(line) == 24
    wrapped = Text(f"{line} --township(s) of the run.", overflow="ellipsis").wrap(Console(), 24)
    assert str(wrapped[0]) == line

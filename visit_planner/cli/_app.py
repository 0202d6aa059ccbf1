"""The shared Typer app and consoles that subcommand modules register on."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.box import Box
from rich.cells import cell_len
from rich.console import (
    AlignMethod,
    Console,
    ConsoleDimensions,
    ConsoleOptions,
    RenderableType,
    RenderResult,
)
from rich.padding import Padding
from rich.panel import Panel
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text, TextType
from typer import rich_utils
from typer.core import TyperArgument, TyperOption

try:  # Typer 0.29 builds on its own copy of Click ...
    from typer._click.core import Command, Context
    from typer._click.formatting import HelpFormatter
except ImportError:  # ... older ones (the project allows typer>=0.12) on Click itself
    from click.core import Command, Context  # type: ignore[assignment]
    from click.formatting import HelpFormatter  # type: ignore[assignment]

from visit_planner.cli.narrow_encoding import (
    headings_read_down,
    holds_chinese,
    narrow_text,
    says_nothing,
)
from visit_planner.cli.usage_errors import bilingual_usage_errors
from visit_planner.vocabulary import PRODUCT


class TerminalPanel:
    """A Rich panel on a terminal; on anything else (help or a usage error redirected to a
    file or a pipe) the same content as plain text: ``Title:`` and the content indented two
    spaces, then a blank line, without box-drawing characters (╭─╮│), which read as noise in
    a file or an e-mail and break with fonts or encodings without them.

    Typer 0.29 draws its help and error panels with ``rich_utils.Panel`` and has no setting
    for their box (``STYLE_*_TABLE_BOX`` is the inner tables'), so :func:`plain_redirected_help`
    points that name here. The choice is made when the panel is rendered, by the console it
    is rendered on (stdout for help, stderr for errors; ``FORCE_COLOR`` forces a terminal)."""

    def __init__(self, renderable: RenderableType, *args: Any, **kwargs: Any) -> None:
        if isinstance(renderable, Table):
            roomier_options_table(renderable)
        self.renderable = renderable
        self.args = args
        self.kwargs = kwargs

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """The panel, or its title and indented content when ``console`` is no terminal."""
        if console.is_terminal:
            yield Panel(self.renderable, *self.args, **self.kwargs)
            return
        title = self.kwargs.get("title")
        if title:
            yield Text(f"{Text.from_markup(title).plain if isinstance(title, str) else title}:")
        yield Padding(self.renderable, (0, 0, 1, 2))  # a blank line between sections


OPTION_TYPE_WIDTH = 16
"""The widest an option's type (``<float range> [x>=0.1]``) is shown in help, on as many
lines as it takes: the rest of the width is the option's help."""


def roomier_options_table(table: Table) -> None:
    """Give Typer's options table's help column the width its other columns leave.

    At 80 columns ``plan --help`` wrapped each option's help into 24 columns (a 9-line
    ``--executor``), beside 6 columns of padding around three empty columns (short names
    and ``--no-x`` forms, which no option here has) and a type column as wide as its widest
    range. Columns empty in every row are dropped, the type column is capped at
    :data:`OPTION_TYPE_WIDTH` and the help column (the last) takes the rest. Typer's
    commands table (name and summary: two columns) is left as it is."""
    if len(table.columns) < 4:
        return
    *names, types, help_column = table.columns
    names = [c for c in names if any(Text.from_markup(str(cell)).plain for cell in c.cells)]
    table.columns = [*names, types, help_column]
    types.max_width = OPTION_TYPE_WIDTH
    help_column.ratio = 1


def plain_redirected_help() -> None:
    """Make Typer's help and usage-error panels plain text when not shown on a terminal
    (:class:`TerminalPanel`); idempotent."""
    rich_utils.Panel = TerminalPanel  # type: ignore[misc,assignment]


plain_redirected_help()


def _rstrip_end_in_cells(self: Text, size: int) -> None:
    """:meth:`rich.text.Text.rstrip_end` measured in cells, as ``size`` is.

    Rich 15 compares ``len(self)`` (characters) with the width (cells): a wrapped line with
    Chinese on it that ends in a word exactly at the width keeps the space after that word,
    and :meth:`~rich.text.Text.truncate` then cuts the word with "…" (``接诉即办 — Re-solve
    onl…`` in the options column of ``plan --help``). Trailing whitespace is one cell a
    character, so what exceeds the width in cells is what to crop."""
    excess = cell_len(self.plain) - size
    if excess > 0:
        spaces = len(self.plain) - len(self.plain.rstrip())
        if spaces:
            self.right_crop(min(spaces, excess))


def cell_aware_wrapping() -> None:
    """Make Rich drop a wrapped line's trailing space by its width in cells
    (:func:`_rstrip_end_in_cells`), so that help with Chinese first wraps without cutting
    words; idempotent."""
    Text.rstrip_end = _rstrip_end_in_cells  # type: ignore[method-assign]


cell_aware_wrapping()

# fmt: off
ASCII_SIMPLE_HEAD = Box(
    "    \n"
    "    \n"
    " -- \n"
    "    \n"
    "    \n"
    "    \n"
    "    \n"
    "    \n",
    ascii=True,
)
# fmt: on
""":data:`rich.box.SIMPLE_HEAD` in ASCII: columns apart by spaces, the header underlined."""

ASCII_BOXES: dict[Box, Box] = {
    **dict.fromkeys((box.SIMPLE, box.SIMPLE_HEAD, box.SIMPLE_HEAVY), ASCII_SIMPLE_HEAD),
    **dict.fromkeys((box.HEAVY_HEAD, box.DOUBLE_EDGE, box.HEAVY_EDGE), box.ASCII_DOUBLE_HEAD),
}
"""The ASCII box drawn instead of each Unicode one when not on a terminal (others:
:data:`rich.box.ASCII2`): a heavy header line stays a double one (``=``), a box without
column lines stays without."""

_rich_substitute = Box.substitute


def _ascii_when_redirected(self: Box, options: ConsoleOptions, safe: bool = True) -> Box:
    """:meth:`rich.box.Box.substitute`, and :data:`ASCII_BOXES` when not on a terminal."""
    if not options.is_terminal and not self.ascii:
        return ASCII_BOXES.get(self, box.ASCII2)
    return _rich_substitute(self, options, safe)


def ascii_tables_when_redirected() -> None:
    """Make Rich draw tables in ASCII (``+--+``, ``|``) when the console is no terminal;
    idempotent.

    ``visit-planner validate DIR > report.txt`` wrote the table in box-drawing characters
    (┏━┳┓ ┃ ╇ │ └┘): noise in a file read with ``LANG=C``, in an e-mail or a spreadsheet, and
    in ``grep``/``awk`` output. Rich goes ASCII only when the *encoding* is not UTF-8; every
    table is drawn through :meth:`~rich.box.Box.substitute`, so that is where the choice by
    terminal is made (:func:`plain_redirected_help` does it for the help's panels)."""
    Box.substitute = _ascii_when_redirected  # type: ignore[method-assign]


ascii_tables_when_redirected()

HELP_OPTION_HELP = "显示本帮助并退出 — Show this message and exit."
"""The ``--help`` option's own help, Chinese first like every other help text."""

_click_help_option = Command.get_help_option


def _help_option_in_both_languages(self: Command, ctx: Context) -> TyperOption | None:
    """Click's ``--help`` option of ``self`` with :data:`HELP_OPTION_HELP` for its help."""
    option = _click_help_option(self, ctx)
    if option is not None:
        option.help = HELP_OPTION_HELP
    return option


def chinese_first_help_option() -> None:
    """Make every command's and group's ``--help`` option say :data:`HELP_OPTION_HELP` instead
    of Click's English-only "Show this message and exit."; idempotent.

    Typer 0.29 has no setting for that text: its copy of Click builds the option, with the
    text fixed, in ``Command.get_help_option`` (``context_settings`` set only its names), and
    Typer builds every command and group, sub-apps' included, from that class. The panel
    headings ("Usage:", "Options", "Arguments", "Commands") are Typer's own and stay English:
    a command's or option's ``rich_help_panel`` names its panel, but not the help option's
    nor the default panels' (:func:`chinese_first_headings` sets those)."""
    Command.get_help_option = _help_option_in_both_languages  # type: ignore[method-assign]


USAGE_PREFIX = "用法 Usage: "
"""The usage line's lead in help and usage errors, instead of Click's English "Usage: "."""

HEADINGS = {
    "ARGUMENTS_PANEL_TITLE": "参数 Arguments",
    "OPTIONS_PANEL_TITLE": "选项 Options",
    "COMMANDS_PANEL_TITLE": "命令 Commands",
}
"""Typer's default help sections (``rich_utils`` names), Chinese first."""

_click_write_usage = HelpFormatter.write_usage


def _write_usage_in_both_languages(
    self: HelpFormatter, prog: str, args: str = "", prefix: str | None = None
) -> None:
    """Click's usage line with :data:`USAGE_PREFIX` unless a caller gave its own prefix."""
    _click_write_usage(self, prog, args, USAGE_PREFIX if prefix is None else prefix)


def chinese_first_headings() -> None:
    """Make help and usage errors lead with :data:`USAGE_PREFIX` and title their default
    sections with :data:`HEADINGS`; idempotent.

    Typer 0.29 has no setting for either: its copy of Click fixes "Usage: " in
    ``HelpFormatter.write_usage`` when no prefix is passed (Typer passes none), and its help
    reads the section titles from ``rich_utils`` module constants each time it prints."""
    HelpFormatter.write_usage = _write_usage_in_both_languages  # type: ignore[method-assign]
    for name, title in HEADINGS.items():
        setattr(rich_utils, name, title)


chinese_first_help_option()
chinese_first_headings()
bilingual_usage_errors()

app = typer.Typer(
    name="visit-planner",
    help=f"{PRODUCT[0]} — {PRODUCT[1]}.",
    epilog=(
        "环境变量 — Environment:\n\n"
        "- `VISIT_PLANNER_HOME`: the workspace when --home is not given.\n"
        "- `VISIT_PLANNER_STORE_URL`: the store database when --store-url is not given, e.g. "
        "`postgresql+psycopg://user@127.0.0.1:5432/db` (default: SQLite in the workspace).\n"
        "- `VISIT_PLANNER_DASHBOARD_ADDRESS`: the address `dashboard` binds when --address is "
        "not given."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help texts are Markdown: a paragraph's line breaks are soft, so it reflows to the
    # terminal's width, while blank lines, `- ` lists and `code` keep their meaning. The mode
    # is the root app's and Typer hands it to every sub-app and command.
    rich_markup_mode="markdown",
)


class CliConsole(Console):
    """A console as wide as its terminal, or ``$COLUMNS``; 80 columns when it writes to no
    terminal (a file, a pipe). Rich alone takes the width of whichever standard stream is a
    terminal, so ``visit-planner ... > file`` typed at a 200-column terminal wrote lines of
    200 columns into the file."""

    REDIRECTED_WIDTH = 80

    @property
    def size(self) -> ConsoleDimensions:
        """The terminal's size; :attr:`REDIRECTED_WIDTH` wide when not on a terminal."""
        dims = super().size
        if self._width is None and not self.is_terminal and "COLUMNS" not in self._environ:
            return ConsoleDimensions(self.REDIRECTED_WIDTH, dims.height)
        return dims

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size

    def rule(
        self,
        title: TextType = "",
        *,
        characters: str = "─",
        style: str | Style = "rule.line",
        align: AlignMethod = "center",
    ) -> None:
        """Rich's rule (``demo``'s step headings), drawn with ``-`` when not on a terminal
        (``─`` in a file is the box-drawing noise :func:`ascii_tables_when_redirected` keeps
        out of tables)."""
        if not self.is_terminal and not characters.isascii():
            characters = "-"
        super().rule(title, characters=characters, style=style, align=align)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        """Rich's text for ``text``, narrowed to what the console's encoding can hold
        (:func:`~visit_planner.cli.narrow_encoding.narrow_text`), so that a table's cells
        are measured as they will be written."""
        return self._narrowed(super().render_str(text, **kwargs))

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        """Rich's rendering, with every text narrowed to what the console's encoding can
        hold before it is laid out: on a stream without Chinese (``PYTHONIOENCODING=ascii``,
        a C locale without UTF-8) the English alone, a table's columns still aligned; a
        UTF-8 console renders as before."""
        if isinstance(renderable, Text):
            renderable = self._narrowed(renderable)
        elif isinstance(renderable, Table):
            renderable = headings_read_down(renderable, self.encoding)
        return super().render(renderable, options)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Rich's print; nothing at all, not even an empty line, for texts that had only
        Chinese to say on a console that cannot write it (their English is printed on its
        own line, before or after)."""
        if objects and all(
            isinstance(o, str | Text) and says_nothing(str(o), self.encoding) for o in objects
        ):
            return
        super().print(*objects, **kwargs)

    def _narrowed(self, text: Text) -> Text:
        encoding = self.encoding
        return text if holds_chinese(encoding) else narrow_text(text, encoding)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        """Rich's text for ``buffer``, without trailing spaces on any line when not on a
        terminal: Rich pads every line of a table, a panel or help to the full width, so a
        redirected ``--help`` had 80 spaces on its blank lines and a table's cells ran on in
        spaces (``git diff`` and editors flag them; ``grep 'x$'`` misses)."""
        text = super()._render_buffer(buffer)
        return text if self.is_terminal else _TRAILING_SPACES.sub("\n", text)


_TRAILING_SPACES = re.compile(r" +\n")


def help_on_cli_console() -> None:
    """Make Typer print help and usage errors on a :class:`CliConsole`: 80 columns wide and
    without trailing spaces when redirected; idempotent.

    ``visit-planner plan --help > plan.txt`` typed at a 150-column terminal wrote 150-column
    lines: Typer 0.29 builds a plain Rich console for each help or error
    (``rich_utils._get_rich_console``), and Rich takes the width of whichever standard stream
    is a terminal. Typer's console (its theme, colours, ``$TERMINAL_WIDTH``) is kept; only
    its class becomes :class:`CliConsole`, which adds behaviour, not state."""
    build = getattr(rich_utils, "_get_rich_console", None)
    if build is None or getattr(build, "on_cli_console", False):
        return

    def on_cli_console(stderr: bool = False) -> Console:
        typer_console = build(stderr)
        typer_console.__class__ = CliConsole
        return typer_console

    on_cli_console.on_cli_console = True  # type: ignore[attr-defined]
    rich_utils._get_rich_console = on_cli_console


def _no_type_for_flags(self: TyperOption, ctx: Context) -> str | None:
    """Typer's type column for an option, empty for a flag (``--overwrite``), which takes no
    value."""
    if (self.is_flag and not self.count) or _typer_display_type is None:
        return None
    return _typer_display_type(self, ctx)


_typer_display_type = getattr(TyperOption, "display_type_rich", None)


def flags_without_a_type() -> None:
    """Make help show no type for a flag; idempotent.

    Typer 0.29's help showed ``--overwrite <bool>``, ``--help <bool>``: read as an option
    taking a value, so ``--overwrite true`` was typed and refused (多余的参数: true). Its
    plain help leaves a flag's type out; the rich one asks ``display_type_rich``, which does
    not (older Typer has no such method and shows none)."""
    if _typer_display_type is not None:
        TyperOption.display_type_rich = _no_type_for_flags  # type: ignore[method-assign]


def _bare_required_argument(self: TyperArgument) -> str:
    """An argument's name on the usage line as Click writes it: ``NAME`` when required,
    ``[NAME]`` when optional, ``...`` after one taking several values."""
    name = self.display_name_raw
    if not self.required:
        name = f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


def usage_names_as_documented() -> None:
    """Make the usage line show a required argument as its metavar (``DIR``, ``RUN``,
    ``A B``), the name the README and every help text use; idempotent.

    Typer 0.29 writes a required argument in braces (``validate [OPTIONS] {directory}``,
    ``runs diff [OPTIONS] {a} {b}``): read as a literal to type, or as a set to pick from,
    beside a README that says ``validate DIR``. Every argument here has an upper-case
    ``metavar``; older Typer (no ``_usage_display_name``) writes it bare already."""
    if hasattr(TyperArgument, "_usage_display_name"):
        TyperArgument._usage_display_name = _bare_required_argument  # type: ignore[method-assign]


help_on_cli_console()
flags_without_a_type()
usage_names_as_documented()

console = CliConsole()
err_console = CliConsole(stderr=True, soft_wrap=True)  # never break ids across lines

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="工作目录 — Workspace directory (default: $VISIT_PLANNER_HOME, else ./workspace).",
        show_default=False,
    ),
]
PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="策略文件 — Policy TOML file (default: the embedded policy).",
        show_default=False,
    ),
]


def _version(value: bool) -> None:
    if value:
        from visit_planner import __version__

        console.print(f"visit-planner {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="版本 — Print the version and exit.",
            callback=_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """家庭分类评估与挂包走访 — Household risk tiers and visit assignment."""

"""The ``error / 错误:`` line: wrapped at the terminal's width (80 redirected) at spaces only,
with a hanging indent, never breaking an id, a path or a number."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.visit_planner.helpers import flat, too_wide
from visit_planner.cli.summary_text import wrap_at_spaces, wrapped_lines

WIDTH = 80


def test_wrap_breaks_at_spaces_only_and_keeps_long_tokens_whole() -> None:
    path = "/tmp/" + "deep/" * 20 + "scores.parquet"
    text = f"{path}: column 'p_tier1': must be between 0 and 1 — 2 rows: H0000004, H0000010"
    parts = wrap_at_spaces(text, 40)
    assert parts[0] == f"{path}:"  # longer than the width: whole, on its own line
    assert " ".join(parts) == text and all(cell_len(p) <= 40 for p in parts[1:])
    # A Chinese character takes two columns.
    assert wrap_at_spaces("一类户 一类户 一类户", 13) == ["一类户 一类户", "一类户"]


def test_wrapped_lines_hang_their_continuations() -> None:
    lines = wrapped_lines(["error / 错误: " + "word " * 30, "next problem " * 10], WIDTH)
    assert lines[0].startswith("error / 错误: word") and not too_wide("\n".join(lines), WIDTH)
    heading = [line for line in lines if "word" in line]
    assert all(line.startswith("  word") for line in heading[1:])  # under the first line
    second = [line for line in lines if "next" in line]
    assert second[0].startswith("  next") and all(s.startswith("    ") for s in second[1:])


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
    assert code == 2 and lines[0].startswith("error / 错误:") and "Traceback" not in err
    assert not [line for line in too_wide(err, int(columns)) if len(line.split()) > 1], err
    assert all(line.startswith("  ") for line in lines[1:]), err
    assert any(line.strip().startswith(str(deep)) for line in lines), err  # the path is whole
    assert "file not found (找不到文件)" in flat(err)

"""A stream that cannot carry Chinese (visit_planner.cli.narrow_encoding).

``PYTHONIOENCODING=ascii visit-planner <command>`` (a planner's SSH session with a C locale
does the same) ended every command in a ``UnicodeEncodeError`` traceback and exit 1: the
output is Chinese first. It now prints the English, tables aligned, with the command's own
exit code.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.table import Table
from rich.text import Text

from visit_planner.cli._app import CliConsole
from visit_planner.cli.narrow_encoding import narrow, narrow_text, says_something


def test_chinese_is_left_out_with_its_separator_and_typography_spelled_in_ascii() -> None:
    assert narrow("错误 ERROR: x", "ascii") == "ERROR: x"
    assert narrow("显示本帮助并退出 — Show this message.", "ascii") == "Show this message."
    assert narrow("锦屏镇 (532626001): 一类户 tier 1 ≥ 3 · café", "ascii") == (
        "(532626001): tier 1 >= 3 - cafe"
    )
    assert narrow("错误 ERROR", "utf-8") == "错误 ERROR"
    assert narrow("错误 ERROR · café", "latin-1") == "ERROR · café"
    assert not says_something("一类户覆盖: 64/76", "ascii")
    assert says_something("一类户覆盖: 64/76", "utf-8")


def test_a_styled_text_keeps_its_styles_on_what_remains() -> None:
    text = Text("错误 ERROR: bad")
    text.stylize("bold red", 0, 9)
    narrowed = narrow_text(text, "ascii")
    assert narrowed.plain == "ERROR: bad"
    assert [(s.start, s.end, str(s.style)) for s in narrowed.spans] == [(0, 6, "bold red")]


def test_a_table_on_an_ascii_stream_is_english_and_aligned() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    out = CliConsole(file=stream, width=80)
    table = Table("方案 run", "类型 kind")
    table.add_row("7084229f656e", "编制 plan")
    table.add_row("e55ca8d81ea7", Text("修订 amend"))
    out.print(table)  # raised UnicodeEncodeError
    stream.flush()
    lines = stream.buffer.getvalue().decode("ascii").splitlines()
    assert any("run" in line and "kind" in line for line in lines), lines
    assert len({line.index("|") for line in lines if "|" in line}) == 1, lines
    assert any("amend" in line for line in lines)


def _run_on_ascii_streams(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """``visit-planner ARGS`` in-process with stdout and stderr encoded in ASCII."""
    from visit_planner.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    err = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "argv", ["visit-planner", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    assert out.errors == "strict" and err.errors == "strict"  # put back as they were
    out.flush()
    err.flush()
    texts = [s.buffer.getvalue().decode("ascii") for s in (out, err)]
    return int(exc.value.code or 0), texts[0], texts[1]


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (("--help",), 0, "Household risk tiers and visit assignment."),
        (("runs", "list", "--bogus"), 2, "No such option: --bogus"),
        (("validate", "/nonexistent-h118"), 2, "ERROR: /nonexistent-h118"),
        (("overrides", "list"), 0, "no overrides"),
        (("audit", "verify"), 0, "audit log intact"),
    ],
)
def test_every_command_on_ascii_streams_prints_english_with_its_own_code(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: tuple[str, ...],
    code: int,
    expected: str,
) -> None:
    from visit_planner.paths import Workspace
    from visit_planner.store import Store, store_url

    Workspace(tmp_path / "ws").ensure()
    with Store.open(store_url(Workspace(tmp_path / "ws"))):
        pass
    monkeypatch.setenv("VISIT_PLANNER_HOME", str(tmp_path / "ws"))
    got, out, err = _run_on_ascii_streams(monkeypatch, *args)
    assert got == code, (out, err)
    assert expected in " ".join((out + err).split())
    assert "Traceback" not in err and "UnicodeEncodeError" not in err


def test_pythonioencoding_ascii_in_a_real_process(tmp_path: Path) -> None:
    """The console script, as an SSH session with ``PYTHONIOENCODING=ascii`` runs it."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "VISIT_PLANNER_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "visit_planner", "validate", str(tmp_path / "missing")],
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    said = " ".join(done.stderr.decode("ascii").split())  # a long path wraps at 80
    assert said.startswith("ERROR: ") and said.endswith("missing: (no such directory)"), said
    assert b"Traceback" not in done.stderr


def test_a_line_with_only_chinese_to_say_is_left_out_not_left_as_punctuation() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    out = CliConsole(file=stream, width=80)
    out.print("  按策略，")  # the Chinese half of a pair: not even an empty line
    out.print(Text("方案\nrun"))  # a table heading's first line
    out.print("  —")  # a placeholder, no Chinese: kept
    out.print("  : 3, 6")  # numbers: kept
    stream.flush()
    written = stream.buffer.getvalue().decode("ascii")
    assert written == "run\n  -\n  : 3, 6\n"


def test_a_shortfall_on_an_ascii_stream_is_said_once_in_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``plan``'s and ``runs show``'s shortfall, one language a line: the Chinese line was
    left as its numbers alone (``1 (24 / 15 )``) above the English one."""
    import polars as pl

    from visit_planner.cli.summary_text import print_shortfalls

    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    diagnostics = pl.DataFrame(
        {
            "township_id": ["532626001"],
            "shortfall": [
                "需增加 1 名基层干部 (24 小时/月) / 1 more cadre (24 h/month) would cover"
            ],
        }
    )
    print_shortfalls(diagnostics)
    stream.flush()
    written = stream.buffer.getvalue().decode("ascii")
    assert written == "532626001:\n  1 more cadre (24 h/month) would cover\n", written


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("      promotion / 晋升: 2026-12-07 16:00 通过检验 gate passed", "      promotion: "),
        (
            "      refused / 未获晋升: 2026-12-08 09:00 对比冠军 against champion v1",
            "      refused: ",
        ),
        ("原因 / reasons: exact, path / 路径归因", "reasons: exact, path"),
        ("村（社区） / villages", "villages"),
        ("一类户 / tier 1 / 二类户", "tier 1"),
        ("   0.1s 农户: 构成、需求、历史 / households: make-up", "   0.1s households: make-up"),
        ("重新评估: 新增纠纷 / reassessed: dispute added", "reassessed: dispute added"),
        ("版本 1 已是冠军模型, 无需晋升 / version 1 is already", "version 1 is already"),
    ],
)
def test_chinese_after_its_english_is_left_out_with_the_separator_before_it(
    text: str, expected: str
) -> None:
    """``models`` printed ``promotion / : 2026-12-07 16:00 gate passed``: the separator
    before a Chinese word that follows its English was kept; ``validate``'s ``村(社区)``
    left ``() / villages``; ``generate``'s stages and changes ``: households: make-up``,
    the colon between two Chinese words."""
    assert narrow(text, "ascii").startswith(expected)
    assert " / :" not in narrow(text, "ascii") and "()" not in narrow(text, "ascii")


def test_models_on_an_ascii_stream_says_promotion_and_refusal_in_english(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``PYTHONIOENCODING=ascii visit-planner models``: each version's promotion line read
    ``promotion / : 2026-12-07 17:10 gate passed``."""
    from types import SimpleNamespace

    import visit_planner.model_registry as registry

    version = SimpleNamespace(
        version=2,
        aliases=["champion"],
        created_ms=1_796_000_000_000,
        metrics={"log_loss": 0.54, "macro_f1": 0.57, "tier1_recall": 0.46},
        params={"kind": "logistic", "data_file": "households.parquet"},
        tags={
            "promoted_at": "2026-12-07T08:00:00+00:00",
            "refused_at": "2026-12-08T01:00:00+00:00",
            "refused_against": "1",
            "refused_checks": "macro_f1 0.500 < 0.560",
        },
    )
    monkeypatch.setattr(registry, "list_models", lambda *_: [version])
    monkeypatch.setenv("VISIT_PLANNER_HOME", str(tmp_path / "ws"))
    code, out, err = _run_on_ascii_streams(monkeypatch, "models")
    assert code == 0, err
    lines = out.splitlines()
    assert "      promotion: 2026-12-07 16:00 gate passed" in lines, out
    assert "      refused: 2026-12-08 09:00 against champion v1" in lines, out
    assert "        FAIL macro-F1 0.500 < 0.560" in lines, out
    assert " / :" not in out and "/ " not in out.replace("log-loss", ""), out


def test_an_input_note_on_an_ascii_stream_labels_its_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``check-plan`` on an ASCII stream led its note with ``input: : ,`` (the label and the
    Chinese line's punctuation), the English on the lines after."""
    from visit_planner.cli.summary_text import print_input_notes

    err = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stderr", err)
    print_input_notes(
        (), ["该方案只记录了输入文件的字节校验值, 须提供原文件 / the run kept bytes only"]
    )
    err.flush()
    assert err.buffer.getvalue().decode("ascii") == "input: the run kept bytes only\n"

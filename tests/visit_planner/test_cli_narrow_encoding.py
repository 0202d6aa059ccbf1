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
from visit_planner.cli.narrow_encoding import (
    narrow,
    narrow_text,
    says_something,
    without_chinese_twins,
)


def test_chinese_is_left_out_with_its_separator_and_typography_spelled_in_ascii() -> None:
    assert narrow("错误 ERROR: x", "ascii") == "ERROR: x"
    assert narrow("显示本帮助并退出 — Show this message.", "ascii") == "Show this message."
    assert narrow("锦屏镇 (532626001): 一类户 tier 1 ≥ 3 · café", "ascii") == (
        "532626001: tier 1 >= 3 - cafe"
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
    assert said.startswith("ERROR: ") and said.endswith("missing: no such file or directory"), said
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


@pytest.mark.parametrize("known", [True, False], ids=["named", "unnamed"])
def test_a_shortfall_on_an_ascii_stream_is_said_once_in_english(
    monkeypatch: pytest.MonkeyPatch, known: bool
) -> None:
    """``plan``'s and ``runs show``'s shortfall, one language a line: the Chinese line was
    left as its numbers alone (``1 (24 / 15 )``) above the English one. The township reads
    as its bare code whether or not its name is known (a named one read ``(532626001):``
    once another test had loaded the places)."""
    import polars as pl

    from visit_planner.cli.summary_text import print_shortfalls
    from visit_planner.contracts import places

    names = {"532626001": ("锦屏镇", None)} if known else {}
    monkeypatch.setattr(places, "_NAMES", names)
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
        # the Chinese half of a pair goes with its numbers when the English half says them
        (
            "assessed_tier: 1,008 行无标签, 未用于训练 / 1,008 unlabelled row(s) left out",
            "assessed_tier: 1,008 unlabelled row(s) left out",
        ),
        (
            "village_points: 3 行超出训练范围 [37, 100], 按线性外推评分 / 3 row(s) beyond "
            "the training range [37, 100], scored by linear extrapolation",
            "village_points: 3 row(s) beyond the training range [37, 100], scored by "
            "linear extrapolation",
        ),
        (
            "已登记版本 2 / registered household-risk version 2 (logistic)",
            "registered household-risk version 2 (logistic)",
        ),
        (
            "    汉族 Han: 250 户 households, 一类户 tier-1 15, 找出 found 5 (33%): 样本太少 "
            "(不足 20 户一类户), 不作比较 / too few (under 20) to compare",
            "    Han: 250 households, tier-1 15, found 5 (33%): too few (under 20) to compare",
        ),
        (
            "    差距: 一类户达 20 户的组不足两个, 不计算 / gap: fewer than two groups with "
            "20+ tier-1 households, not computed",
            "    gap: fewer than two groups with 20+ tier-1 households, not computed",
        ),
        # a number the English half does not say is kept; so is one said in both
        ("上月结对 123 / last month's pairs", "123 / last month's pairs"),
        ("    差距 gap: 18 个百分点 points (女 female 30%)", "    gap: 18 points (female 30%)"),
        # a place whose name is left out reads as its bare code
        ("锦屏镇 (532626001):", "532626001:"),
        ("input: 江那镇 (532622001) has 3", "input: 532622001 has 3"),
        # the English of a message in brackets that end it: without them
        (
            "错误 ERROR: 没有该模型版本 (model 'household-risk' has no version 99; "
            "visit-planner models lists the versions)",
            "ERROR: model 'household-risk' has no version 99; visit-planner models lists the "
            "versions",
        ),
        ("a 中文 (b c) d", "a (b c) d"),
        # a term both halves begin with, said once (options' help)
        (
            "MLflow 地址 — MLflow tracking URI (default: SQLite in the workspace).",
            "MLflow tracking URI (default: SQLite in the workspace).",
        ),
        ("Dask 调度器地址 — Dask scheduler address", "Dask scheduler address"),
        ("MLflow 运行 run abc", "MLflow run abc"),
    ],
)
def test_a_number_or_code_is_said_once_on_an_ascii_stream(text: str, expected: str) -> None:
    """Found on ``train`` and ``score`` (``note: assessed_tier: 1,008 1,008 unlabelled``,
    ``(71%): (20 ), too few``, ``20 gap:``, ``2 / registered ... version 2``) and ``plan``'s
    shortfall (``(532626001):``)."""
    assert narrow(text, "ascii") == expected


def test_a_refused_promotion_names_its_options_once_in_each_language() -> None:
    """``promote`` refused by the gate ended ``--force --reason "..." (use --force --reason
    "..." to override (audited)`` on a stream without Chinese."""
    from visit_planner.cli.model import FORCE_HINT

    assert narrow(FORCE_HINT, "ascii") == 'to override (audited), use: --force --reason "..."'
    assert FORCE_HINT.count("--force") == 1 and "强制晋升" in FORCE_HINT


def test_a_forced_promotion_is_tagged_once_in_each_language() -> None:
    """A forced ``promote`` printed ``(FORCED)`` alone on a line above the English on a
    stream without Chinese (both lines were tagged ``(强制 / FORCED)``)."""
    from visit_planner.cli.model import promoted_lines

    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    out = CliConsole(file=stream, width=80)
    lines = promoted_lines(2, True, 1849, None)
    for line in lines:
        out.print(line, highlight=False)
    stream.flush()
    assert stream.buffer.getvalue().decode("ascii") == (
        "version 2 is now the champion (FORCED)\n(held-out rows: 1,849; previous: -)\n"
    )
    assert lines[0] == "版本 2 已成为冠军模型 (强制)"


def test_print_hanging_on_an_ascii_stream_wraps_the_english_as_written() -> None:
    """The check by group was wrapped at the width its Chinese would have taken: ``Malipo
    (532624): 667 households, tier-1 8, found 5`` then ``(62%): (), too few (under 20)
    to`` and ``compare`` at 80 columns."""
    from visit_planner.cli.summary_text import print_hanging

    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    out = CliConsole(file=stream, width=80)
    print_hanging(
        "麻栗坡县 Malipo (532624): 667 户 households, 一类户 tier-1 8, 找出 found 5 (62%): "
        "样本太少 (不足 20 户一类户), 不作比较 / too few (under 20) to compare",
        out,
        first="    ",
        rest="      ",
    )
    print_hanging("仅有中文的提示", out)  # nothing to say in English: not even a blank line
    stream.flush()
    assert stream.buffer.getvalue().decode("ascii") == (
        "    Malipo (532624): 667 households, tier-1 8, found 5 (62%): too few (under 20)\n"
        "      to compare\n"
    )


@pytest.mark.parametrize("length", [76, 78, 79, 82, 90])
def test_print_hanging_keeps_a_long_path_with_its_colon(length: int) -> None:
    """At 80 columns a path as wide as the line was folded by the console inside it or
    before its ``:`` (``.../runs/2026-11`` then ``: 已清理...``)."""
    from visit_planner.cli.summary_text import print_hanging

    stream = io.StringIO()
    out = CliConsole(file=stream, width=80)
    path = "/tmp/" + "x" * (length - len("/tmp//runs/2026-11")) + "/runs/2026-11"
    print_hanging(
        f"{path}: 已清理中断运行留下的临时目录 3 个 (removed 3 staging/work director(ies) "
        "of interrupted runs, 293 KB)",
        out,
        first="  ",
        rest="    ",
    )
    lines = stream.getvalue().splitlines()
    assert f"  {path}:" in lines, lines
    assert all(line.startswith("    ") for line in lines[1:]), lines


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


def test_an_input_note_whose_english_says_it_all_is_said_once_on_an_ascii_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``plan`` on an ASCII stream led the note with the Chinese line's ids and numbers
    (``input: W000037, W000325 (112 H0004857, H0004863):``) above the English that says
    them all."""
    from visit_planner.cli.narrow_encoding import said_in
    from visit_planner.cli.summary_text import print_input_notes

    err = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stderr", err)
    print_input_notes(
        (),
        [
            "上月分配引用了不存在的人员 W000037, W000325 (112 户, 如 H0004857, H0004863): "
            "这些户计为换人 / previous assignment references unknown worker(s) W000037, "
            "W000325 for 112 household(s), e.g. H0004857, H0004863: they count as changed"
        ],
    )
    err.flush()
    assert err.buffer.getvalue().decode("ascii") == (
        "input: previous assignment references unknown worker(s) W000037, W000325 for 112\n"
        "  household(s), e.g. H0004857, H0004863: they count as changed\n"
    )
    # an id the English half does not say keeps the Chinese line; a Chinese stream keeps it
    assert not said_in("人员 W000037 (3 户)", "workers: W000037", "ascii")
    assert not said_in("人员 W000037", "workers: W000037", "utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the English in brackets that end the line, brackets inside them too
        (
            "错误 ERROR: 乡镇不在本月方案中 (township(s) 9 are not in run 4a; its townships: "
            "开化街道 (532601001), 江那镇 (532622001))",
            "ERROR: township(s) 9 are not in run 4a; its townships: 532601001, 532622001",
        ),
        # ... and saying every ASCII name of the Chinese before them
        (
            "  用 Excel 或 WPS 请打开 visit_lists.xlsx, 编号不会变成科学计数 (in Excel or WPS, "
            "open visit_lists.xlsx: its codes stay as written)",
            "  in Excel or WPS, open visit_lists.xlsx: its codes stay as written",
        ),
        (
            "错误 ERROR: 导出当前方案需指定 --month (runs export current needs --month YYYY-MM)",
            "ERROR: runs export current needs --month YYYY-MM",
        ),
        (
            "提示 note: 比较方向: 较新 → 较旧 (direction: newer → older: A 2026-12 v1 is later)",
            "note: direction: newer -> older: A 2026-12 v1 is later",
        ),
        (
            "s.toml: TOML 格式错误, 第 3 行第 24 列 (TOML syntax error: Illegal character "
            "(at line 3, column 24))",
            "s.toml: TOML syntax error: Illegal character (at line 3, column 24)",
        ),
        (
            "s.toml: [units] 格式有误 ([units] age: give [zh, en])",
            "s.toml: [units] age: give [zh, en]",
        ),
        # the Chinese half of a pair with a name the English half says too; a month's half
        (
            "[labels] names 'agee' (是否应为 'age'? / did you mean 'age'?)",
            "[labels] names 'agee' (did you mean 'age'?)",
        ),
        (
            "2027-03 尚无方案 / no runs of 2027-03 (已有方案的月份 months with runs: 2026-11)",
            "no runs of 2027-03 (months with runs: 2026-11)",
        ),
        # an English label of the Chinese is kept, a name the brackets do not say too
        (
            "类别变化 tier changed = 类别变化而换人 / 类别变化的农户 (another worker / all, "
            "among the households whose tier changed)",
            "tier changed = another worker / all, among the households whose tier changed",
        ),
        ("锦屏镇 tier-1 uncovered 12 (of 76)", "tier-1 uncovered 12 (of 76)"),
        # ids side by side in the Chinese half are names, not an English phrase of its own
        (
            "错误 ERROR: 调整被拒绝 override refused (tier H9): 农户 H9 不在最新已发布方案 "
            "2026-12 v1 (a90591a884fd) 中(按某月数据核对请用 --data DIR) / household H9 is not "
            "in the newest published run, 2026-12 v1 (a90591a884fd) (to check against a "
            "month's data, pass --data DIR)",
            "ERROR: override refused (tier H9): household H9 is not in the newest published "
            "run, 2026-12 v1 (a90591a884fd) (to check against a month's data, pass --data DIR)",
        ),
        # ... or that end its clause, before " — " (validate's problems)
        (
            "错误 ERROR: h.parquet: column 'household_id': 编号重复 (duplicate id) — 2 rows: H1",
            "ERROR: h.parquet: column 'household_id': duplicate id - 2 rows: H1",
        ),
        # a model file's rows listed as text, not as a Python list ("e.g. [' row 4', ...]")
        (
            "  - patient_id: 编号重复 (1 duplicated id(s) in 2 rows, e.g. 第 4 行 row 4, 第 8 行 "
            "row 8)",
            "  - patient_id: 1 duplicated id(s) in 2 rows, e.g. row 4, row 8",
        ),
        # a label's Chinese after its English, punctuation after it
        ("    reason 原因: flooded", "    reason: flooded"),
        ("已导出 visit_lists.xlsx (wrote sheets)", "visit_lists.xlsx (wrote sheets)"),
    ],
)
def test_a_message_reads_as_its_english_alone_on_an_ascii_stream(text: str, expected: str) -> None:
    """Leftovers of the English beside its Chinese: ``runs export``'s note read ``Excel WPS
    visit_lists.xlsx, in Excel or WPS, open ...``, its refusals ``--month (runs export
    current needs --month ...)`` and ``(township(s) ...``; ``runs diff``'s note ``note: ->
    (direction: ...``; ``runs list --month`` ``2027-03 no runs of 2027-03``; a spec's errors
    ``TOML (not valid TOML: ...``, ``[units] [units] age``, ``('age'? did you mean 'age'?)``
    and ``: (feature ... (matched ...) ...``."""
    assert narrow(text, "ascii") == expected
    assert narrow(text, "utf-8") == text


def test_runs_diff_says_what_its_churn_columns_count_on_an_ascii_stream() -> None:
    """``runs diff``'s legend read ``worker changed = tier unchanged`` and ``tier changed =``
    on a stream without Chinese: its Chinese (``类别未变而换人 / 类别未变的农户``, a fraction)
    was all it said of what the columns count."""
    from visit_planner.cli.runs import DIFF_LEGEND

    assert [narrow(line, "ascii") for line in DIFF_LEGEND] == [
        "worker changed = another worker / all, among the households whose tier is unchanged",
        "tier changed = another worker / all, among the households whose tier changed",
    ]
    assert DIFF_LEGEND[0].startswith("换人 worker changed = 类别未变而换人 / 类别未变的农户 (")


def test_audit_lists_end_note_reads_as_its_english_alone_on_an_ascii_stream() -> None:
    """``audit list`` on a log cut short warned ``WARNING: (the head record is missing; the
    log ends at entry 1): run ...`` on a stream without Chinese."""
    from visit_planner.cli.runs import audit_end_note

    assert narrow(f"警告 WARNING: {audit_end_note(1, None)}", "ascii") == (
        "WARNING: the head record is missing; the log ends at entry 1: run `visit-planner "
        "audit verify`"
    )
    assert narrow(audit_end_note(2, 3), "ascii") == (
        "the log ends at entry 2, its head record at entry 3: entries were removed from its "
        "end: run `visit-planner audit verify`"
    )


def test_table_headings_read_from_the_top_on_an_ascii_stream() -> None:
    """``runs list``'s heading read ``month`` alone on its first line, ``run | version | kind
    ...`` on the second: Rich sets headings at their foot, and those that lost their Chinese
    line sank below the two-line ones. A UTF-8 stream's heading is as before."""
    from visit_planner.cli.runs import _runs_table

    lines = {}
    for encoding in ("ascii", "utf-8"):
        stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
        CliConsole(file=stream, width=80).print(_runs_table([]))
        stream.flush()
        lines[encoding] = stream.buffer.getvalue().decode(encoding).splitlines()
    said = {e: [" ".join(line.split()) for line in lines[e]] for e in lines}
    assert said["ascii"][:3] == [
        "run | month | kind | status | by | tier-1 | churn",
        "| version | | | | uncovered | (tier",
        "| | | | | | unchanged)",
    ]
    assert said["utf-8"][:2] == ["| | | | | | churn", "| month | | | | tier-1 | (tier"]
    assert lines["utf-8"][4].split()[0] == "方案"


@pytest.mark.parametrize(
    ("spec_text", "expected"),
    [
        (
            'id_column = "h"\naudit_columns = ["head_name"]\n[target]\ncolumn = "t"\n'
            'classes = [1, 2]\n[features]\nnumeric = ["a"]\n',
            "s.toml: audit column 'head_name' (matched 'name') looks like a personal identifier",
        ),
        (
            'id_column = "h"\n[target]\ncolumn = "t"\nclasses = [1, 2]\n[features]\n'
            'numeric = ["age"]\n[bounds]\nage = [0, 1]\naeg = [0, 1]\n',
            "s.toml: [bounds] names 'aeg', which is not a numeric feature (did you mean 'age'?)",
        ),
        (
            'id_column = "h"\n[target]\ncolumn = "t"\nclasses = [1, 2]\n[features]\n'
            'numeric = ["age"]\n[units]\nage = ["岁"]\n',
            "s.toml: [units] age: give [zh, en] or [zh, en singular, en plural]",
        ),
        (
            'id_column = "h"\n[target]\ncolumn = "t"\nclasses = [1, 2]\n[features]\n'
            'categorical = ["region"]\n[level_labels.region]\nnorth = ["北", "north", "n"]\n',
            "s.toml: [level_labels.region] north: give [zh, en]",
        ),
        ('id_column = "h\n', "s.toml: TOML syntax error: "),
    ],
)
def test_a_spec_error_reads_as_its_english_alone_on_an_ascii_stream(
    spec_text: str, expected: str
) -> None:
    """``train --spec`` with a broken spec on a stream without Chinese: ``s.toml: (audit
    column ...``, ``('age'? did you mean 'age'?)``, ``[units] [units] age``, ``TOML (not
    valid TOML: ...``."""
    from risk_model.errors import SpecError
    from risk_model.spec import parse_spec

    with pytest.raises(SpecError) as err:
        parse_spec(spec_text, "s.toml")
    said = narrow(str(err.value), "ascii")
    assert said.startswith(expected), said
    assert ": (" not in said and "  " not in said and not said.endswith(")" * 2), said


def test_generate_on_an_ascii_stream_heads_its_summary_without_a_stray_space(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``generate --next-month-of`` headed its table `` 2026-12, of 2026-11, seed 1``: the
    table's title, centred over a table barely wider than it once its Chinese was gone."""
    code, out, err = _run_on_ascii_streams(
        monkeypatch, "generate", "--out", str(tmp_path / "a"), "--scale", "0.001"
    )
    assert code == 0, err
    assert "2026-11, scale 0.001, seed 1" in out.splitlines(), out
    code, out, err = _run_on_ascii_streams(
        monkeypatch, "generate", "--out", str(tmp_path / "b"), "--next-month-of",
        str(tmp_path / "a"),
    )  # fmt: skip
    assert code == 0, err
    assert "2026-12, after 2026-11, seed 1" in out.splitlines(), out
    assert not [line for line in out.splitlines() if line.startswith(" ") and line[1] != " "]


def test_runs_exports_note_on_a_superseded_run_is_said_once_on_an_ascii_stream() -> None:
    """``runs export`` of a superseded run led its note with the Chinese line's ids on a
    stream without Chinese: ``note: a90591a884fd (c479db1a12c8 (v2)),`` above the English."""
    from visit_planner.cli.runs import superseded_note

    assert superseded_note("a90591a884fd", "c479db1a12c8 (v2)", "ascii") == [
        "注意 note: run a90591a884fd is no longer the month's current run (that is "
        "c479db1a12c8 (v2)): do not visit from this list; every page says so"
    ]
    zh, en = superseded_note("a90591a884fd", "c479db1a12c8 (v2)", "utf-8")
    assert zh.startswith("注意 note: 本清单所属方案 a90591a884fd") and en.startswith("run ")


def test_brackets_that_held_chinese_alone_go_with_it_and_one_space() -> None:
    # ``explain`` printed "() alternatives, best first" and "H0001229() W000001".
    assert narrow("备选人员 (最优在前) alternatives, best first", "ascii") == (
        "alternatives, best first"
    )
    assert narrow("    须将 H0001229(一类户)改派给 W000001", "ascii") == "    H0001229 W000001"
    assert narrow("W1 (一类户) and W2", "ascii") == "W1 and W2"
    assert narrow("锦屏镇 (532626001)", "ascii") == "532626001"  # a code in brackets stays


def test_a_chinese_line_whose_english_follows_is_left_out_where_chinese_cannot_go() -> None:
    lines = [
        "  误判代价: 一类户误为二类户 3, 误为三类户 6, 其他误判 1–1.5",
        "  costs: tier 1 as tier 2: 3, as tier 3: 6; other errors 1–1.5",
        "最近的其他人员 nearest other worker: W2 (基层干部 cadre)",
        "  户数: 12",
        "  travel 39 min a visit",
        "  须将 H1(一类户)改派给",
        "  W2",
        "  would move H1 (tier 1) to W2",
        "  W3",
    ]
    kept = without_chinese_twins(lines, "ascii")
    # The costs' Chinese line kept "1-1.5" alone, the consequence's "H1" and the rest of it
    # wrapped "W2": the English after them says those. "12" is not said after it: it stays (a
    # figure is never lost), and a line with English words stays, as does a line of ids that
    # continues none (W3).
    assert kept == [lines[1], lines[2], lines[3], lines[4], lines[7], lines[8]]
    assert without_chinese_twins(lines[:2], "ascii") == lines[1:2]
    assert without_chinese_twins(lines, "utf-8") == lines
    assert without_chinese_twins(lines, "gb18030") == lines

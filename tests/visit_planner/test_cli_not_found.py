"""Every command says the same words of an input path the user named that is not there.

The defect: the one rule was worded three ways. ``plan``, ``assign``, ``check-plan`` and
``overrides import`` said "找不到文件 (file not found)", the model commands (``train``,
``score``, ``promote``) "文件不存在 (no such file)", and ``validate`` and ``plan --data``
"目录不存在 (no such directory)"; ``train --truth`` or ``--corrections`` said "无法读取文件
(cannot read the file: No such file or directory)" after importing the modelling stack.
Now :func:`visit_planner.contracts.input_paths.not_found` words it for all of them, naming
the path and the option it was given as.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.visit_planner.helpers import flat
from visit_planner.contracts.input_paths import NOT_FOUND, not_found

WORDS = "找不到文件或目录 (no such file or directory)"
"""What is said, pinned here as the user reads it."""

COMMANDS = {
    "plan": (["plan", "--month", "2026-11", "--data", "{gone}"], "--data"),
    "assign": (
        [
            *("assign", "--scores", "{gone}", "--households", "{tmp}/hh.csv"),
            *("--workers", "{tmp}/wk.csv", "--out", "{tmp}/out"),
        ],
        "--scores",
    ),
    "validate": (["validate", "{gone}"], None),
    "train": (["train", "--data", "{gone}"], "--data"),
    "train-truth": (["train", "--data", "{tmp}/hh.csv", "--truth", "{gone}"], "--truth"),
    "score": (["score", "--data", "{gone}", "--out", "{tmp}/scores.parquet"], "--data"),
    "promote": (["promote", "--version", "1", "--data", "{gone}"], "--data"),
    "overrides-import": (["overrides", "import", "{gone}"], None),
    "generate-previous-plan": (
        [
            *("generate", "--next-month-of", "{tmp}", "--previous-plan", "{gone}"),
            *("--out", "{tmp}/out"),
        ],
        "--previous-plan",
    ),
}
"""Each command given a path that is not there ({gone}), and the option it is given by
(None: an argument). ``assign`` is given its households and workers (so the readers, not
the at-once check of :func:`~visit_planner.contracts.input_paths.check_none_found`, refuse
the scores file)."""


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_says_the_same_words_of_a_missing_path(
    name: str, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VISIT_PLANNER_HOME", str(tmp_path / "ws"))
    (tmp_path / "hh.csv").write_text("household_id\nH1\n", encoding="utf-8")
    (tmp_path / "wk.csv").write_text("worker_id\nW1\n", encoding="utf-8")
    gone = tmp_path / "gone" / "nothing.parquet"
    args, option = COMMANDS[name]
    command = [a.replace("{gone}", str(gone)).replace("{tmp}", str(tmp_path)) for a in args]
    code, out, err = cli(*command)
    said = flat(err)
    assert code == 2, (out, err)
    named = f"{option} {gone}" if option else str(gone)
    assert f"{named}: {WORDS}" in said, said
    assert "Traceback" not in err
    for other in ("找不到文件 (", "文件不存在", "目录不存在", "无法读取文件", "file not found"):
        assert other not in said, said
    assert not (tmp_path / "ws").exists() and not (tmp_path / "out").exists()
    assert "读取" not in out  # refused before any stage began (generate printed one first)


def test_not_found_names_the_path_and_option_only_when_nothing_is_there(tmp_path: Path) -> None:
    assert NOT_FOUND == WORDS
    gone = tmp_path / "gone.csv"
    assert not_found(gone) == f"{gone}: {WORDS}"
    assert not_found(gone, "--pins") == f"--pins {gone}: {WORDS}"
    gone.write_text("x", encoding="utf-8")
    assert not_found(gone, "--pins") is None
    assert not_found(tmp_path) is None  # a directory is there: whether it may be, the caller says

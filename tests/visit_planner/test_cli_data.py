"""The generate / validate / demo commands, run in-process as a user would."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

from visit_planner.cli import main


def run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["visit-planner", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_generate_then_validate(tmp_path: Path, monkeypatch, capsys) -> None:
    out = tmp_path / "x"
    rc, stdout, err = run(
        ["generate", "--scale", "0.01", "--seed", "1", "--out", str(out)], monkeypatch, capsys
    )
    assert rc == 0, err
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"{n}.parquet"
        for n in ("households", "workers", "previous_assignment", "conflicts", "truth")
    )
    assert pl.read_parquet(out / "households.parquet").height == 10_000
    assert "areas: counties" in stdout  # per-stage progress
    rc, stdout, err = run(["validate", str(out)], monkeypatch, capsys)
    assert rc == 0, err
    assert "valid" in stdout


def test_help_for_every_command(monkeypatch, capsys) -> None:
    rc, out, _ = run(["--help"], monkeypatch, capsys)
    assert rc == 0
    commands = [c for c in ("generate", "validate", "demo") if c in out]
    assert commands == ["generate", "validate", "demo"]
    for command in commands:
        rc, out, _ = run([command, "--help"], monkeypatch, capsys)
        assert rc == 0 and "Usage" in out


def test_bad_option_is_a_usage_error(monkeypatch, capsys) -> None:
    rc, _, err = run(["generate", "--scale", "-1", "--out", "x"], monkeypatch, capsys)
    assert rc == 2
    assert "Traceback" not in err


def test_validate_missing_directory(tmp_path: Path, monkeypatch, capsys) -> None:
    rc, _, err = run(["validate", str(tmp_path / "nope")], monkeypatch, capsys)
    assert rc == 2
    assert "not a directory" in err and "Traceback" not in err

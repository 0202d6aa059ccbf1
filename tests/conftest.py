"""Test-wide setup: offline libraries and one small synthetic prefecture per session."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from visit_planner.offline import go_offline

go_offline()


@pytest.fixture(scope="session")
def small_prefecture():  # type: ignore[no-untyped-def]
    """The synthetic prefecture at scale 0.01, seed 1 (about 10 k households)."""
    from visit_planner.synthetic import generate

    return generate(scale=0.01, seed=1)


@pytest.fixture(scope="session")
def small_prefecture_dir(tmp_path_factory: pytest.TempPathFactory, small_prefecture) -> Path:  # type: ignore[no-untyped-def]
    """The small prefecture written as Parquet files (treat as read-only)."""
    from visit_planner.synthetic import write_prefecture

    out = tmp_path_factory.mktemp("prefecture") / "inputs"
    write_prefecture(small_prefecture, out)
    return out


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh workspace directory, set as VISIT_PLANNER_HOME for the test."""
    home = tmp_path / "workspace"
    monkeypatch.setenv("VISIT_PLANNER_HOME", str(home))
    yield home


class CliRun(NamedTuple):
    """What one in-process ``visit-planner`` invocation returned and printed."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliRun]:
    """Run ``visit-planner ARGS...`` in-process as a user would: exit code, stdout, stderr."""
    from visit_planner.cli import main

    def run(*args: str) -> CliRun:
        capsys.readouterr()  # drop anything printed before
        monkeypatch.setattr(sys, "argv", ["visit-planner", *args])
        with pytest.raises(SystemExit) as exc:
            main()
        out, err = capsys.readouterr()
        return CliRun(int(exc.value.code or 0), out, err)

    return run

"""The local executors: where tasks run, and that every task gives its result once."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from assignment import executor
from assignment.executor import LocalProcessExecutor, SerialExecutor


def pid_of(task: int) -> tuple[int, int]:
    """The task and the process that ran it (top level: spawned workers import it)."""
    return task, os.getpid()


def mark_and_wait(task: tuple[str, int]) -> int:
    """Leave a file named after the task in its directory, then take a while."""
    folder, n = task
    (Path(folder) / str(n)).touch()
    time.sleep(0.3)
    return n


def test_a_caller_that_stops_drops_the_tasks_not_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan stopped (an error, Ctrl-C, SIGTERM) does not run the queued townships first:
    before, leaving the pool ran all 20 drawn here, about 3 s of work per process."""
    monkeypatch.setattr(executor, "TASKS_AHEAD", 10)  # 20 tasks drawn ahead for 2 processes
    results = LocalProcessExecutor(2).run(mark_and_wait, [(str(tmp_path), n) for n in range(40)])
    next(results)
    results.close()  # what an exception in the caller does to the generator
    started = len(list(tmp_path.iterdir()))
    assert started < 10, started


def test_a_single_task_runs_in_this_process_without_spawning_workers() -> None:
    # An amendment of one township: a spawned worker would import the whole stack first.
    assert list(LocalProcessExecutor(2).run(pid_of, [7])) == [(7, os.getpid())]
    assert list(LocalProcessExecutor(2).run(pid_of, iter([7]))) == [(7, os.getpid())]


def test_no_task_gives_no_result() -> None:
    assert list(LocalProcessExecutor(2).run(pid_of, [])) == []


def test_several_tasks_run_in_worker_processes_each_once() -> None:
    got = list(LocalProcessExecutor(2).run(pid_of, range(5)))
    assert sorted(t for t, _ in got) == [0, 1, 2, 3, 4]
    assert all(pid != os.getpid() for _, pid in got)


def test_the_serial_executor_keeps_task_order_in_this_process() -> None:
    assert list(SerialExecutor().run(pid_of, [3, 1, 2])) == [(t, os.getpid()) for t in (3, 1, 2)]

"""The Dask executor on a loopback LocalCluster: the same plan as local processes for 1 and 2
workers, shared inputs scattered once, a task whose worker keeps dying reported (not fatal),
an unreachable scheduler refused within seconds, and only loopback sockets."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import replace

import polars as pl
import pytest

from assignment.dask_executor import DaskExecutor, dask_executor, shared_fields
from assignment.domain import AssignmentSettings, Status
from assignment.executor import (
    ExecutorUnavailableError,
    LocalProcessExecutor,
    SerialExecutor,
    open_executor,
)
from assignment.plan import (
    TownshipResult,
    TownshipTask,
    failed_township,
    run_township_task,
    solve_prefecture,
    township_tasks,
)
from tests.assignment.helpers import listening_here, scored_households

S = AssignmentSettings()
FACTS = ["township_id", "status", "objective", "bound", "gap", "households", "workers", "error"]
"""Diagnostics that must not depend on the executor (timings and solver counters may)."""


Tiny = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]


@pytest.fixture(scope="module")
def tiny() -> Tiny:
    """A generated prefecture of 8 townships: households (tier, risk), workers, previous,
    conflicts."""
    from visit_planner.synthetic import generate

    p = generate(scale=0.003, seed=2)
    hh = scored_households(p)
    return hh, p.workers, p.previous_assignment, p.conflicts


# Task functions run on the workers: top-level, so that the spawned processes import them.


def settings_seen(task: TownshipTask) -> tuple[str, bool]:
    """Whether the worker got the task's settings back (scattered, not sent with the task)."""
    return task.township_id, isinstance(task.settings, AssignmentSettings)


def die_on(task: TownshipTask) -> TownshipResult:
    """Kill this worker process (as the OOM killer would) on township T-DIE, solve the others."""
    if task.township_id == "T-DIE":
        os.kill(os.getpid(), signal.SIGKILL)
    return run_township_task(task)


def as_failed(task: TownshipTask, error: BaseException) -> TownshipResult:
    return failed_township(task, error, 0.0)


@pytest.mark.parametrize("workers", [1, 2])
def test_dask_plan_equals_local_processes_plan(tiny: Tiny, workers: int) -> None:
    hh, ws, prev, conf = tiny
    local = solve_prefecture(
        hh, ws, S, previous=prev, conflicts=conf, executor=LocalProcessExecutor(2)
    )
    with open_executor("dask", processes=workers) as ex:
        assert isinstance(ex, DaskExecutor)
        assert len(ex.client.scheduler_info()["workers"]) == workers
        dask = solve_prefecture(hh, ws, S, previous=prev, conflicts=conf, executor=ex)
    assert dask.plan.equals(local.plan)  # row for row, every column
    facts = [*FACTS, "unassigned_tier1", "unassigned_tier2", "unassigned_tier3"]
    assert dask.diagnostics.select(facts).equals(local.diagnostics.select(facts))
    assert dask.objective == local.objective and dask.bound == local.bound
    assert dask.diagnostics.height == hh["township_id"].n_unique() > 1


def test_shared_settings_are_scattered_once_and_given_back_on_the_worker(tiny: Tiny) -> None:
    hh, ws, _, _ = tiny
    tasks = township_tasks(hh, ws, S)
    assert shared_fields(tasks) == ("settings",)  # one object in every task
    assert {t.households["township_id"].n_unique() for t in tasks} == {1}  # one township each
    with dask_executor(workers=1) as ex:
        seen = dict(ex.run(settings_seen, tasks))
        # scattered once: exactly one shared object on the cluster besides the tasks' results
        held = ex.client.who_has()
    assert seen == dict.fromkeys((t.township_id for t in tasks), True)
    assert not any(key for key in held if "settings_seen" in str(key))  # results released


def test_a_township_whose_worker_keeps_dying_is_reported_and_the_rest_solved(tiny: Tiny) -> None:
    hh, ws, _, _ = tiny
    tasks = township_tasks(hh, ws, S)
    victim = replace(
        tasks[-1],
        township_id="T-DIE",
        households=tasks[-1].households.with_columns(pl.lit("T-DIE").alias("township_id")),
    )
    with dask_executor(workers=2, on_error=as_failed, allowed_failures=0) as ex:
        results = {r.township_id: r for r in ex.run(die_on, [*tasks[:-1], victim])}
    assert set(results) == {*(t.township_id for t in tasks[:-1]), "T-DIE"}
    died = results.pop("T-DIE")
    assert died.status == Status.ERROR and "KilledWorker" in (died.error or "")
    assert died.plan.height == victim.households.height  # every household listed, unassigned
    assert died.plan["worker_id"].null_count() == died.plan.height
    assert all(r.status != Status.ERROR for r in results.values())
    serial = {r.township_id: r for r in SerialExecutor().run(run_township_task, tasks[:-1])}
    for tw, res in results.items():
        assert res.plan.equals(serial[tw].plan)


def test_without_on_error_a_task_the_cluster_gives_up_on_stops_the_run(tiny: Tiny) -> None:
    hh, ws, _, _ = tiny
    task = replace(township_tasks(hh, ws, S)[0], township_id="T-DIE")
    with dask_executor(workers=1, allowed_failures=0) as ex, pytest.raises(Exception) as info:
        list(ex.run(die_on, [task]))
    assert "KilledWorker" in type(info.value).__name__


def test_an_unreachable_scheduler_is_refused_within_seconds() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.perf_counter()
    with (
        pytest.raises(ExecutorUnavailableError, match=f"tcp://127.0.0.1:{port}"),
        open_executor("dask", scheduler=f"tcp://127.0.0.1:{port}"),
    ):
        pass
    assert time.perf_counter() - start < 15


def test_local_executor_refuses_a_scheduler_address() -> None:
    with (
        pytest.raises(ExecutorUnavailableError, match="--scheduler"),
        open_executor("local", scheduler="tcp://127.0.0.1:1"),
    ):
        pass


def test_local_cluster_listens_on_loopback_only() -> None:
    with dask_executor(workers=1):
        listening = listening_here()
    assert listening, "the cluster listens somewhere"
    assert {ip for ip, _ in listening} == {"127.0.0.1"}, listening


def test_without_dask_installed_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.delitem(sys.modules, "assignment.dask_executor")
    monkeypatch.setitem(sys.modules, "dask", None)  # as if not installed
    with (
        pytest.raises(ExecutorUnavailableError, match=r"pip install 'visit-planner\[dask\]'"),
        open_executor("dask"),
    ):
        pass


def square(x: int) -> int:
    """A task function for the tests of lazy task drawing."""
    time.sleep(0.05)
    return x * x


class Counting:
    """Tasks 0..n-1, counting how many were drawn before each result came back."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.drawn = 0

    def __iter__(self) -> Iterator[int]:
        for i in range(self.n):
            self.drawn += 1
            yield i


@pytest.mark.parametrize("kind", ["serial", "local", "dask"])
def test_tasks_are_drawn_as_workers_free_up_not_all_at_once(kind: str) -> None:
    tasks = Counting(20)
    ahead = []
    with open_executor(
        "local" if kind != "dask" else "dask", processes=1 if kind == "serial" else 2
    ) as ex:
        results = []
        for r in ex.run(square, tasks):
            results.append(r)
            ahead.append(tasks.drawn - len(results))
    assert sorted(results) == [i * i for i in range(20)]  # every task, once
    assert tasks.drawn == 20
    # never more than two tasks per worker drawn ahead of the results (the coordinator holds
    # only the townships about to run), whatever the executor
    limit = {"serial": 0, "local": 4, "dask": 4}[kind]
    assert max(ahead) <= limit, ahead
    assert ahead[0] >= (0 if kind == "serial" else 1)

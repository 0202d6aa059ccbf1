"""``plan`` township by township (:mod:`visit_planner.plan_townships`): the run it publishes is
the run the whole-month path writes from the same inputs, file for file and byte for byte
(only the solve timings differ), and households out of township order still give run-wide
files in household order."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.visit_planner.helpers import flat
from visit_planner.plan_job import run_plan
from visit_planner.plan_steps import PlanRequest

MONTH = "2026-11"


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(data directory, workspace with a champion model) of a small generated prefecture."""
    from risk_model import TrainConfig
    from visit_planner.risk_job import promote_version, train_from_file
    from visit_planner.synthetic import generate, write_prefecture

    root = tmp_path_factory.mktemp("townships")
    data, home = root / MONTH, root / "workspace"
    write_prefecture(generate(scale=0.003, seed=2), data)
    train_from_file(data, home=home, config=TrainConfig(params={"max_iter": 30}))
    promote_version(1, data, home=home)
    return data, home


def whole_month_run(data: Path, home: Path, out: Path) -> None:
    """The run as the whole-month path writes it: every household scored at once, every
    township solved and explained at once, one :class:`DirectoryRunWriter` of the frames."""
    from assignment.executor import SerialExecutor
    from visit_planner.assign_job import AssignInputs, solve_and_explain
    from visit_planner.contracts import load_inputs
    from visit_planner.plan_steps import inputs_files
    from visit_planner.policy import load_policy, policy_text, settings_from_policy
    from visit_planner.risk_job import score_frame
    from visit_planner.runs import DirectoryRunWriter, Provenance

    inputs = load_inputs(data)
    scored = score_frame(inputs.households, home=home, source=str(data))
    tiers = scored.scores.select(
        pl.col("household_id").cast(pl.String),
        pl.col("final_tier").cast(pl.Int8).alias("tier"),
        pl.col("p_tier1").cast(pl.Float64).fill_null(0.0).alias("risk"),
    )
    given = AssignInputs(
        households=inputs.households.join(tiers, on="household_id", how="inner"),
        workers=inputs.workers,
        previous=inputs.previous_assignment,
        conflicts=inputs.conflicts if inputs.conflicts.height else None,
        pins=None,
        forbids=None,
    )
    solved = solve_and_explain(
        given, settings_from_policy(load_policy(None)), executor=SerialExecutor()
    )
    content = solved.content(
        given, Provenance(policy_text=policy_text(None), input_files=inputs_files(data))
    )
    explanations = solved.explanations.with_columns(pl.lit(None, pl.String).alias("overrides"))
    DirectoryRunWriter(out).write(replace(content, scores=scored.scores, explanations=explanations))


@pytest.mark.parametrize("chunks", [None, 2_048], ids=["one-chunk", "chunks-of-2048"])
def test_the_run_is_the_whole_month_run_byte_for_byte(
    month: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunks: int | None
) -> None:
    data, home = month
    if chunks is not None:  # validated in chunks of 2,048 rows, scored in slices of 1,024
        monkeypatch.setattr("visit_planner.plan_job.CHUNK_ROWS", chunks)
        monkeypatch.setattr("visit_planner.plan_townships.SCORE_ROWS", 1_024)
        assert pl.read_parquet(data / "households.parquet").height > chunks
    store = f"sqlite:///{tmp_path / 'store.db'}"
    outcome = run_plan(PlanRequest(month=MONTH, data=data, home=home, store_url=store, processes=2))
    whole = tmp_path / "whole"
    whole_month_run(data, home, whole)
    files = sorted(
        str(p.relative_to(whole))
        for p in whole.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )
    planned = sorted(
        str(p.relative_to(outcome.run_dir))
        for p in outcome.run_dir.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )
    assert planned == files  # the same layout: no work files left behind, none missing
    assert len([f for f in files if f.endswith("/plan.parquet")]) > 1
    differ = [f for f in files if (whole / f).read_bytes() != (outcome.run_dir / f).read_bytes()]
    assert differ == ["diagnostics.parquet"]  # the solve timings, nothing else
    timings = {"seconds"} | {c for c in pl.read_parquet(whole / differ[0]).columns if "second" in c}
    # The workload-balance shares sum over a township's workers, in another order on each
    # path; correctly rounded sums (assignment.loads.exact_sums_by) make them equal to the
    # last bit (before them, "above_fair_share_cadre" differed here).
    assert_frame_equal(
        pl.read_parquet(whole / differ[0]).drop(timings),
        pl.read_parquet(outcome.run_dir / differ[0]).drop(timings),
        check_exact=True,
    )
    assert not [p for p in outcome.run_dir.parent.iterdir() if p.name.startswith(".")]


def test_households_out_of_township_order_give_run_files_in_household_order(
    month: tuple[Path, Path], tmp_path: Path
) -> None:
    data, home = month
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for f in data.iterdir():
        frame = pl.read_parquet(f)
        if f.name == "households.parquet":  # reversed: every township's ids run backwards
            frame = frame.reverse()
        frame.write_parquet(shuffled / f.name)
    outcome = run_plan(
        PlanRequest(
            month=MONTH,
            data=shuffled,
            home=home,
            store_url=f"sqlite:///{tmp_path / 'store.db'}",
            processes=1,
        )
    )
    run = outcome.run_dir
    for name in ("plan", "explanations", "scores", "households_index"):
        ids = pl.read_parquet(run / f"{name}.parquet")["household_id"]
        assert ids.is_sorted() and ids.n_unique() == ids.len(), name
    whole = pl.concat([pl.read_parquet(p) for p in sorted(run.glob("townships/*/plan.parquet"))])
    assert pl.read_parquet(run / "plan.parquet").equals(whole.sort("household_id"))


def test_townships_are_solved_in_the_order_of_their_tier1_pressure(
    month: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The township-at-a-time pass orders townships with the tier-1 counts of their solver
    rows (the final tiers), as ``assign`` does."""
    import visit_planner.plan_townships as pt
    from assignment.schedule import solve_order

    seen: dict[str, object] = {}

    def spy(sizes: dict[str, int], pressures: dict[str, float]) -> list[str]:
        seen["pressures"] = pressures
        seen["order"] = solve_order(sizes, pressures)
        return seen["order"]  # type: ignore[return-value]

    monkeypatch.setattr(pt, "solve_order", spy)
    data, home = month
    store = f"sqlite:///{tmp_path / 'store.db'}"
    outcome = run_plan(PlanRequest(month=MONTH, data=data, home=home, store_url=store, processes=1))
    plan = pl.read_parquet(outcome.run_dir / "plan.parquet")
    tops = dict(plan.group_by("township_id").agg((pl.col("tier") == 1).sum()).iter_rows())
    pressures = seen["pressures"]
    assert isinstance(pressures, dict) and set(pressures) == set(tops)
    assert all(tops[tw] > 0 for tw in tops)  # the data has tier-1 households everywhere
    assert all(pressures[tw] > 0 for tw in tops)  # so every pressure counts them
    assert sorted(seen["order"]) == sorted(tops)  # type: ignore[arg-type]


def test_a_broken_households_file_publishes_nothing(
    month: tuple[Path, Path], tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    data, home = month
    broken = tmp_path / "broken"
    shutil.copytree(data, broken)
    hh = pl.read_parquet(broken / "households.parquet")
    late = hh["household_id"][hh.height - 10]
    hh.with_columns(
        pl.when(pl.col("household_id") == late).then(99.0).otherwise(pl.col("lat")).alias("lat")
    ).write_parquet(broken / "households.parquet")
    monkeypatch.setattr("visit_planner.plan_job.CHUNK_ROWS", 1_024)  # the bad row: 3rd chunk
    workspace = tmp_path / "ws"
    shutil.copytree(home, workspace)
    before = sorted(p for p in (workspace / "runs").rglob("*") if p.is_file())
    code, _, err = cli(
        "plan", "--month", MONTH, "--data", str(broken), "--home", str(workspace),
        "--store-url", f"sqlite:///{tmp_path / 'store.db'}",
    )  # fmt: skip
    assert code == 2 and "Traceback" not in err
    said = flat(err)
    assert "households.parquet" in said and "'lat'" in said and late in said, said
    after = sorted((workspace / "runs").rglob("*"))
    assert [p for p in after if p.is_file()] == before  # no run, no chunk left behind
    assert not [p for p in after if p.name.startswith(".")]  # no staging or work directory

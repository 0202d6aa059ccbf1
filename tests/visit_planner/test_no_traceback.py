"""The README's promise: bad input never produces a traceback, partial output or exit 0.

Each case runs one command as a user types it, on inputs broken the way a new user breaks
them, and expects a non-zero exit with a message naming the file (or option) and no traceback.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import flat


@pytest.fixture(scope="module")
def broken(small_prefecture_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copies of the small prefecture broken one way each, and scores of the right shape."""
    from visit_planner.synthetic import generate
    from visit_planner.synthetic.scores import truth_scores

    root = tmp_path_factory.mktemp("broken")
    good = root / "good"
    shutil.copytree(small_prefecture_dir, good)
    pref = generate(scale=0.01, seed=1)
    truth_scores(pref).write_parquet(root / "scores.parquet")
    truth_scores(generate(scale=0.003, seed=9)).with_columns(
        ("X" + pl.col("household_id")).alias("household_id")
    ).write_parquet(root / "other_scores.parquet")
    empty = root / "empty"
    shutil.copytree(small_prefecture_dir, empty)
    pl.read_parquet(good / "households.parquet").clear().write_parquet(empty / "households.parquet")
    crowded = root / "crowded"
    shutil.copytree(small_prefecture_dir, crowded)
    pl.read_parquet(good / "households.parquet").with_columns(
        pl.when(pl.col("household_id") == "H0000001")
        .then(pl.col("members") + 5)
        .otherwise(pl.col("elderly_65plus"))
        .alias("elderly_65plus")
    ).write_parquet(crowded / "households.parquet")
    (root / "a_file.txt").write_text("not a directory")
    bad_places = root / "bad_places"
    shutil.copytree(small_prefecture_dir, bad_places)
    (bad_places / "places.parquet").unlink(missing_ok=True)
    (bad_places / "places.csv").write_text("code,level,name_zh\n532601001,镇,开化街道\n")
    (root / "bad_overrides.csv").write_text(
        "kind,household_id,worker_id,tier,reason\ntier,H0000001,,7,x\npin,NOPE,,,\n"
    )
    (root / "bad_tiers.csv").write_text("household_id,tier,reason\nH0000001,7,x\nNOPE,1,\n")
    from visit_planner.paths import Workspace
    from visit_planner.store import Store

    with Store.for_workspace(Workspace(root / "ws")):  # an empty store: creates it
        pass
    return root


def _assign(root: Path, data: str, scores: str, out: Path) -> list[str]:
    d = root / data
    return [
        "assign", "--scores", str(root / scores), "--households", str(d / "households.parquet"),
        "--workers", str(d / "workers.parquet"), "--out", str(out),
    ]  # fmt: skip


CASES = {
    "score_txt_output": (
        lambda r, t: ["score", "--data", str(r / "good"), "--out", str(t / "s.txt")],
        "s.txt",
    ),
    "assign_other_prefectures_scores": (
        lambda r, t: _assign(r, "good", "other_scores.parquet", t / "o"),
        "do not match",
    ),
    "assign_header_only_households": (
        lambda r, t: _assign(r, "empty", "scores.parquet", t / "o"),
        "no rows",
    ),
    "assign_out_is_a_file": (
        lambda r, t: _assign(r, "good", "scores.parquet", r / "a_file.txt"),
        "a_file.txt",
    ),
    "generate_out_is_a_file": (
        lambda r, t: ["generate", "--out", str(r / "a_file.txt")],
        "a_file.txt",
    ),
    "generate_into_data_without_overwrite": (
        lambda r, t: ["generate", "--out", str(r / "good")],
        "--overwrite",
    ),
    "train_unknown_tree_reasons": (
        lambda r, t: [
            "train",
            "--data",
            str(r / "good" / "households.parquet"),
            "--home",
            str(t / "ws"),
            "--tree-reasons",
            "fast",
        ],
        "shapley 或 path (--tree-reasons must be shapley or path",
    ),
    "validate_header_only_households": (lambda r, t: ["validate", str(r / "empty")], "no rows"),
    "validate_more_elderly_than_members": (
        lambda r, t: ["validate", str(r / "crowded")],
        "H0000001",
    ),
    "explain_not_a_run": (
        lambda r, t: ["explain", "--run", str(r / "good"), "--household", "H0000001"],
        "not a run directory",
    ),
    "check_plan_missing_plan": (
        lambda r, t: [
            "check-plan",
            "--plan",
            str(t / "nope.parquet"),
            "--scores",
            str(r / "scores.parquet"),
            "--households",
            str(r / "good" / "households.parquet"),
            "--workers",
            str(r / "good" / "workers.parquet"),
        ],
        "nope.parquet",
    ),
    "plan_bad_month": (
        lambda r, t: ["plan", "--month", "2026-13", "--data", str(r / "good"), "--home", str(t)],
        "2026-13",
    ),
    "plan_missing_data": (
        lambda r, t: ["plan", "--month", "2026-11", "--data", str(t / "nope"), "--home", str(t)],
        "nope",
    ),
    # An unknown run or override in a store that exists (``r / "ws"``: empty store).
    "runs_show_unknown": (
        lambda r, t: ["runs", "show", "abcdef123", "--home", str(r / "ws")],
        "abcdef",
    ),
    "overrides_revoke_unknown": (
        lambda r, t: ["overrides", "revoke", "999", "--reason", "x", "--home", str(r / "ws")],
        "999",
    ),
    "overrides_import_bad_file": (
        lambda r, t: [
            "overrides",
            "import",
            str(r / "bad_overrides.csv"),
            "--data",
            str(r / "good"),
            "--home",
            str(t),
        ],
        "bad_overrides.csv: 文件有 3 处问题, 未导入任何调整 (3 problem(s); nothing was imported)",
    ),
    "score_bad_overrides_file": (
        lambda r, t: [
            "score",
            "--data",
            str(r / "good"),
            "--out",
            str(t / "o" / "s.parquet"),
            "--overrides",
            str(r / "bad_tiers.csv"),
            "--home",
            str(t),
        ],
        "bad_tiers.csv: 调整文件有 3 处问题, 未评分 (3 problem(s) in the override file",
    ),
    "validate_bad_places": (
        lambda r, t: ["validate", str(r / "bad_places")],
        "places.csv: column 'level'",
    ),
    "assign_bad_places_before_solving": (
        lambda r, t: _assign(r, "bad_places", "scores.parquet", t / "o"),
        "places.csv: column 'level'",
    ),
    "store_unreachable": (
        lambda r, t: [
            "store",
            "upgrade",
            "--home",
            str(t),
            "--store-url",
            "postgresql+psycopg://vp@127.0.0.1:9/none",
        ],
        "127.0.0.1",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_a_clear_error(case: str, broken: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    make_args, needle = CASES[case]
    code, out, err = cli(*make_args(broken, tmp_path))
    assert code != 0, (case, out)
    assert "Traceback" not in out + err, err
    assert needle in flat(err), (case, err)  # the message, wherever it was wrapped
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())  # nothing partial

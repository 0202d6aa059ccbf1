"""``check-plan`` and ``explain`` on the small synthetic prefecture, run in-process."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from assignment.candidates import build_candidates
from assignment.greedy import greedy_plan
from tests.visit_planner.helpers import BOX_DRAWING, M1, M2, flat, plan, too_wide, two_months
from visit_planner.hashing import text_sha256
from visit_planner.policy import load_policy, settings_from_policy
from visit_planner.synthetic.scores import truth_scores
from visit_planner.vocabulary import TIER_TERMS


@pytest.fixture(scope="module")
def greedy_files(small_prefecture, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """Inputs, truth-based scores and a greedy plan of the small prefecture, as files."""
    d = tmp_path_factory.mktemp("check_plan")
    p = small_prefecture
    for name in ("households", "workers", "previous_assignment", "conflicts", "places"):
        getattr(p, name).write_parquet(d / f"{name}.parquet")
    scores = truth_scores(p)
    scores.write_parquet(d / "scores.parquet")
    hh = p.households.join(
        scores.select("household_id", pl.col("final_tier").alias("tier"),
                      pl.col("p_tier1").alias("risk")), on="household_id",
    )  # fmt: skip
    settings = settings_from_policy(load_policy())
    cand = build_candidates(hh, p.workers, p.previous_assignment, p.conflicts, settings)
    greedy_plan(cand, hh, p.workers, conflicts=p.conflicts).write_parquet(d / "plan.parquet")
    return d


def _inputs(d: Path) -> list[str]:
    return [
        "--scores", str(d / "scores.parquet"), "--households", str(d / "households.parquet"),
        "--workers", str(d / "workers.parquet"), "--previous",
        str(d / "previous_assignment.parquet"), "--conflicts", str(d / "conflicts.parquet"),
    ]  # fmt: skip


def test_greedy_plan_passes(greedy_files: Path, cli) -> None:
    plan = str(greedy_files / "plan.parquet")
    rc, out, err = cli("check-plan", "--plan", plan, *_inputs(greedy_files))
    assert rc == 0, err
    assert "方案通过校验 / plan valid: " in flat(out) and "0 处违规 violations" in flat(out)
    rows = pl.read_parquet(greedy_files / "plan.parquet").height
    assert f"{rows:,} 行 rows" in out and rows >= 1_000  # a thousands separator


def test_a_directory_as_out_is_refused_before_the_check(
    greedy_files: Path, tmp_path: Path, cli
) -> None:
    # It checked the whole plan, then ended in IsADirectoryError's traceback (exit 1).
    plan = str(greedy_files / "plan.parquet")
    rc, out, err = cli("check-plan", "--plan", plan, *_inputs(greedy_files), "--out", str(tmp_path))
    assert rc == 2 and out == ""
    assert f"{tmp_path}: 输出路径是目录 (is a directory; give a file name)" in flat(err)
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


def test_broken_plan_exits_4_with_table(greedy_files: Path, tmp_path: Path, cli) -> None:
    plan = pl.read_parquet(greedy_files / "plan.parquet")
    assigned = plan.filter(pl.col("worker_id").is_not_null())
    # Drop one household silently and double another one.
    broken = pl.concat([plan.slice(1), assigned.slice(5, 1)])
    bad = tmp_path / "bad.csv"
    broken.write_csv(bad)
    viol = tmp_path / "v.parquet"
    rc, out, _ = cli("check-plan", "--plan", str(bad), *_inputs(greedy_files), "--out", str(viol))
    assert rc == 4
    assert "duplicate_household" in out and "missing_household" in out
    # Chinese first, worded as the valid plan's line (it was "plan INVALID / 方案未通过校验:
    # 2 violations 违规", English first).
    assert out.rstrip().splitlines()[-1] == "方案未通过校验 / plan INVALID: 2 处违规 violations"
    kinds = set(pl.read_parquet(viol)["kind"])
    assert kinds == {"duplicate_household", "missing_household"}  # CSV round trip is exact


def test_each_violation_reads_whole_at_80_columns_with_its_township(
    greedy_files: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tier-1 household given to a grid worker: the detail is whole in both languages (the
    table cut the Chinese to "网格员不可承接 …"), with the household's township by name and
    code, looked up from the households file (the validator's violations carry none)."""
    plan = pl.read_parquet(greedy_files / "plan.parquet")
    workers = pl.read_parquet(greedy_files / "workers.parquet")
    tier1 = plan.filter((pl.col("tier") == 1) & pl.col("worker_id").is_not_null()).row(
        0, named=True
    )
    grid = workers.filter(
        (pl.col("role") == "grid_worker") & (pl.col("township_id") == tier1["township_id"])
    )["worker_id"][0]
    broken = plan.with_columns(
        pl.when(pl.col("household_id") == tier1["household_id"])
        .then(pl.lit(grid))
        .otherwise(pl.col("worker_id"))
        .alias("worker_id")
    )
    broken.write_parquet(tmp_path / "bad.parquet")
    # The households as CSV: the township is looked up in either format.
    pl.read_parquet(greedy_files / "households.parquet").write_csv(tmp_path / "households.csv")
    (tmp_path / "places.parquet").write_bytes((greedy_files / "places.parquet").read_bytes())
    args = _inputs(greedy_files)
    args[3] = str(tmp_path / "households.csv")
    monkeypatch.setenv("COLUMNS", "80")
    rc, out, err = cli("check-plan", "--plan", str(tmp_path / "bad.parquet"), *args, "--show", "2")
    assert rc == 4, err
    assert too_wide(out, 80) == []
    assert "网格员不可承接一类户" in out and "…" not in out  # the Chinese detail whole
    assert "a grid worker may not take a tier-1 household" in out
    assert "1. 角色不可承接该类别 role may not take this tier (role_ineligible)" in out
    assert f"农户 household {tier1['household_id']} · 人员 worker {grid}" in out
    places = pl.read_parquet(greedy_files / "places.parquet")
    row = places.filter(pl.col("code") == tier1["township_id"]).row(0, named=True)
    name = f"{row['name_zh']} {row['name_en']}"  # 开化街道 Kaihua Subdistrict
    assert f"   乡镇 township: {name} ({tier1['township_id']})" in out
    assert "违规明细 violations, first 2 of " in out and "3. " not in out


def test_bad_plan_file_is_a_clean_error(tmp_path: Path, greedy_files: Path, cli) -> None:
    bad = tmp_path / "plan.csv"
    pl.DataFrame({"household_id": ["H1"]}).write_csv(bad)
    rc, _, err = cli("check-plan", "--plan", str(bad), *_inputs(greedy_files))
    assert rc == 2
    assert "required column is missing" in flat(err) and "worker_id" in err


def test_plan_and_scores_of_wrong_types_are_named_by_the_contract(
    tmp_path: Path, greedy_files: Path, cli
) -> None:
    """A plan with tiers written 一类户 and scores with a text probability: the contract's
    message (file, column, rule, first ids), every file's in one run, no polars error."""
    plan = pl.read_parquet(greedy_files / "plan.parquet").with_columns(
        pl.col("tier").replace_strict(
            {1: "一类户", 2: "二类户", 3: "三类户"}, return_dtype=pl.String
        )
    )
    plan.write_csv(tmp_path / "plan.csv")
    scores = pl.read_parquet(greedy_files / "scores.parquet")
    first = scores["household_id"].sort()[0]
    scores.with_columns(
        pl.when(pl.col("household_id") == first)
        .then(pl.lit("high"))
        .otherwise(pl.col("p_tier1").cast(pl.String))
        .alias("p_tier1")
    ).write_csv(tmp_path / "scores.csv")
    rc, _, err = cli("check-plan", "--plan", str(tmp_path / "plan.csv"), *_inputs(greedy_files))
    assert rc == 2
    assert (
        "plan.csv: column 'tier': 类型错误, 应为整数 (value is not a whole number" in flat(err)
        and "三类户" in err
    )
    assert "strict_cast" not in err
    args = _inputs(greedy_files)
    args[1] = str(tmp_path / "scores.csv")
    rc, _, err = cli("check-plan", "--plan", str(greedy_files / "plan.parquet"), *args)
    assert rc == 2
    assert "scores.csv: column 'p_tier1': 类型错误, 应为数字 (value is not a number" in flat(err)
    assert f"{first} (high)" in flat(err)


def test_pins_assign_releases_are_warnings_not_violations(
    tmp_path: Path, greedy_files: Path, cli
) -> None:
    """check-plan applies the solver's rule of which pins bind (one shared function): a pin
    of a forbidden pair, a pin to an unknown worker and a forbid of an unknown household are
    named as warnings, as assign names them, and are not "pin not honoured" violations."""
    plan = pl.read_parquet(greedy_files / "plan.parquet")
    row = plan.filter(pl.col("worker_id").is_not_null()).row(0, named=True)
    other = plan.filter(
        pl.col("worker_id").is_not_null() & (pl.col("worker_id") != row["worker_id"])
    ).row(0, named=True)
    hh = other["household_id"]
    pl.DataFrame(
        {"household_id": [hh, row["household_id"]], "worker_id": [row["worker_id"], "W999999"]}
    ).write_csv(tmp_path / "pins.csv")
    pl.DataFrame(
        {"household_id": [hh, "H9999999"], "worker_id": [row["worker_id"], row["worker_id"]]}
    ).write_csv(tmp_path / "forbids.csv")
    rc, out, err = cli(
        "check-plan", "--plan", str(greedy_files / "plan.parquet"), *_inputs(greedy_files),
        "--pins", str(tmp_path / "pins.csv"), "--forbids", str(tmp_path / "forbids.csv"),
    )  # fmt: skip
    assert rc == 0, out + err
    assert "pin_not_honoured" not in out
    assert f"pin {hh}→{row['worker_id']} (township " in flat(err)
    assert "a supervisor forbade that pairing" in flat(err)  # every rule, not the first
    assert f"{row['household_id']}→W999999" in err
    assert "H9999999✕" in err and "forbids naming unknown" in flat(err)
    # Each input note labelled Chinese first, as every other label (it was "input 输入:").
    assert "输入 input: 指定" in err and "输入 input: 禁止配对" in err
    assert "input 输入" not in err


def test_explain_lists_ranked_alternatives(
    greedy_files: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = pl.read_parquet(greedy_files / "plan.parquet")
    hid = plan.filter(pl.col("tier") == 3).drop_nulls("worker_id")["household_id"][0]
    monkeypatch.setenv("COLUMNS", "80")
    plan_file = str(greedy_files / "plan.parquet")
    rc, out, err = cli(
        "explain", "--plan", plan_file, "--household", hid, *_inputs(greedy_files), "--top", "3"
    )
    assert rc == 0, err
    assert hid in out and "alternatives" in out and " 1. " in out
    assert "三类户" in out  # one wording per tier
    assert too_wide(out, 80) == []  # readable when redirected (a Chinese character is 2)
    # The township by name and code, from the places table beside the inputs.
    township = plan.filter(pl.col("household_id") == hid)["township_id"][0]
    places = pl.read_parquet(greedy_files / "places.parquet")
    row = places.filter(pl.col("code") == township).row(0, named=True)
    assert f"乡镇 township: {row['name_zh']} {row['name_en']} ({township})" in out
    rc, out, _ = cli(
        "explain", "--plan", plan_file, "--household", hid, *_inputs(greedy_files), "--top", "3",
        "--json",
    )  # fmt: skip
    assert rc == 0
    data = json.loads(out)
    assert data["household"]["household_id"] == hid and len(data["alternatives"]) <= 3
    rc, out, err = cli(
        "explain", "--plan", plan_file, "--household", "H9999999", *_inputs(greedy_files)
    )
    assert rc == 2 and "农户不在方案中 (household 'H9999999' is not in the plan)" in flat(err)


def test_explain_says_a_less_probable_tier_1_is_the_least_expected_cost(
    greedy_files: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tier-1 household the model thinks more likely tier 2 (24.7% / 54.1%) in a run: explain
    says the tier is the least expected cost under the run's policy (its policy.toml), with
    the policy's costs and the figures."""
    monkeypatch.setenv("COLUMNS", "80")
    run = tmp_path / "run"
    rc, out, err = cli("assign", *_inputs(greedy_files), "--out", str(run), "--workers-processes",
                       "1")  # fmt: skip
    assert rc in (0, 3), err
    # The summary's tiers by their names, in the glossary's words (was "tier 分类", 1/2/3).
    assert "类别 tier" in out and "农户数 households" in out and "分类" not in out
    assert all(f"{zh} {en}" in out for zh, en in TIER_TERMS.values())
    assert too_wide(out, 80) == []
    # Redirected, the tier table is ASCII and no progress bar's last frame is left in the
    # error stream (it printed "乡镇 townships ━━━━ 8/8 … 532628001 feasible gap 0.666%").
    assert "| 一类户 tier 1 |" in out and not set(out + err) & set(BOX_DRAWING), out + err
    assert "乡镇 townships" not in err, err
    plan = pl.read_parquet(run / "plan.parquet")
    row = plan.filter(pl.col("tier") == 1).drop_nulls("worker_id").row(0, named=True)
    hid, township = row["household_id"], row["township_id"]
    # The township's scores as `score` writes them (an assign run of a scores file of tiers
    # keeps none), the household's probabilities those of the audit.
    scores = pl.read_parquet(greedy_files / "scores.parquet")
    one = pl.col("household_id") == hid
    p1 = pl.when(one).then(0.247).otherwise(pl.col("p_tier1"))
    scores.with_columns(
        p_tier1=p1,
        p_tier2=pl.when(one).then(0.541).otherwise((1 - p1) / 2),
        p_tier3=pl.when(one).then(0.212).otherwise((1 - p1) / 2),
        model_tier=pl.col("final_tier"),
        tier_source=pl.lit("model"),
    ).write_parquet(run / "townships" / township / "scores.parquet")
    # Typed in full width (a Chinese input method) with a pasted space: the same household.
    typed = " " + hid.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}) + "\u200b "
    rc, out, err = cli("explain", "--run", str(run), "--household", typed, "--top", "1")
    assert rc == 0, err
    assert "类别来源 tier decided by: 风险模型 the risk model" in out
    assert (
        "模型估计的概率 probabilities:\n"
        "    一类户 tier 1 24.7% · 二类户 tier 2 54.1% · 三类户 tier 3 21.2%" in out
    )
    assert "按政策取误判期望代价最小的类别, 不一定是概率最大的类别" in out
    assert "误判代价: 一类户误为二类户 3, 误为三类户 6" in out
    assert (
        "期望代价 expected cost:\n    一类户 tier 1 0.86 · 二类户 tier 2 0.95 · 三类户 tier 3 2.29"
        in out
    )
    assert too_wide(out, 80) == []
    # The run's own policy: other costs, other figures (tier 1 still: 0.86 < 1.20 < 2.29).
    # Its text changed alone is refused (not the policy the run was made with); with the
    # manifest's hash of it too, it is the run's policy.
    policy = (run / "policy.toml").read_text("utf-8").replace("[0.0, 3.0, 6.0]", "[0.0, 4.0, 6.0]")
    (run / "policy.toml").write_text(policy, "utf-8")
    rc, out, err = cli("explain", "--run", str(run), "--household", hid, "--top", "1")
    assert (rc, out) == (2, "") and "policy.toml: 方案文件已被改动 (changed" in flat(err), err
    manifest = json.loads((run / "manifest.json").read_text("utf-8"))
    manifest["policy_sha256"] = text_sha256(policy)
    (run / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    rc, out, err = cli("explain", "--run", str(run), "--household", hid, "--top", "1")
    assert rc == 0, err
    assert "误判代价: 一类户误为二类户 4, 误为三类户 6" in out
    assert (
        "期望代价 expected cost:\n    一类户 tier 1 0.86 · 二类户 tier 2 1.20 · 三类户 tier 3 2.29"
        in out
    )


def test_a_plan_made_with_a_previous_assignment_is_checked_without_it_but_its_marks(
    greedy_files: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """Without --previous, a plan whose households keep last month's worker listed each of
    them as a kept_previous_mismatch ("last month's worker none"), with no word of what was
    missing: now every other rule is checked, and one note, Chinese first, says how many
    marks went unchecked and what to pass. A real fault is still found."""
    inputs = _inputs(greedy_files)
    at = inputs.index("--previous")
    without = inputs[:at] + inputs[at + 2 :]
    plan = pl.read_parquet(greedy_files / "plan.parquet")
    kept = int(plan["kept_previous"].sum())
    assert kept > 100
    rc, out, err = cli("check-plan", "--plan", str(greedy_files / "plan.parquet"), *without)
    assert rc == 0, err  # valid but for the marks it cannot check
    said = flat(out + err)
    assert said.count("pass the previous assignment it was made from with --previous") == 1
    assert (
        f"方案按上月结对生成, {kept:,} 户标为延续上月走访人员; 未提供上月结对表, 这些标记未核对, "
        "请用 --previous 提供 (上月结对表, 或所延续方案的目录或其 plan.parquet) this plan was "
        f"made with a previous assignment: {kept:,} households are marked kept_previous, not "
        "checked without it" in said
    )  # the note's two languages on lines of their own
    assert "kept_previous_mismatch" not in said
    # Every other rule still holds: a worker who is not in the inputs is named.
    broken = tmp_path / "broken.parquet"
    first = plan.filter(pl.col("worker_id").is_not_null())["household_id"][0]
    plan.with_columns(
        pl.when(pl.col("household_id") == first)
        .then(pl.lit("W999999"))
        .otherwise(pl.col("worker_id"))
        .alias("worker_id")
    ).write_parquet(broken)
    rc, out, err = cli("check-plan", "--plan", str(broken), *without)
    assert rc == 4 and "W999999" in flat(out + err)
    # A plan that keeps no one's worker gets no note; with --previous, the plan passes.
    fresh = tmp_path / "fresh.parquet"
    plan.with_columns(pl.lit(False).alias("kept_previous")).write_parquet(fresh)
    rc, out, err = cli("check-plan", "--plan", str(fresh), *without)
    assert rc == 0, err
    assert "kept_previous" not in flat(out + err)
    rc, out, err = cli("check-plan", "--plan", str(greedy_files / "plan.parquet"), *inputs)
    assert rc == 0, err


def _run_dir(root: Path, plan: pl.DataFrame, run_id: str, month: str, previous: str | None) -> Path:
    """``plan`` laid out as a published run: ``root/<month>/<run_id>`` with a manifest."""
    from visit_planner.runs import RunManifest

    run = root / month / run_id
    run.mkdir(parents=True)
    plan.write_parquet(run / "plan.parquet")
    manifest = RunManifest(
        run_id=run_id, created_at="2026-11-30T00:00:00+00:00", created_by="test",
        code_version="0", policy_sha256="", plan_sha256="", month=month,
        previous_run_id=previous,
    )  # fmt: skip
    (run / "manifest.json").write_text(manifest.to_json(), "utf-8")
    return run


def test_check_plan_takes_the_run_it_continued_as_previous(
    greedy_files: Path, tmp_path: Path, cli
) -> None:
    """A monthly plan continues last month's published run, so the previous assignment to
    check its kept_previous marks with is that run: --previous refused its directory ("a
    directory, where a table's file is expected") and its plan.parquet ("column 'month'
    missing"). Both now read as the previous assignment, named in a note; the marks are
    checked (a wrong one is found); the note without --previous names the run's directory;
    a run other than the one the plan continued is refused, naming both."""
    inputs = _inputs(greedy_files)
    at = inputs.index("--previous")
    without = inputs[:at] + inputs[at + 2 :]
    november = pl.read_parquet(greedy_files / "plan.parquet")
    runs = tmp_path / "runs"
    last = _run_dir(runs, november, "a" * 32, "2026-11", None)
    december = november.with_columns(kept_previous=pl.col("worker_id").is_not_null())
    this = _run_dir(runs, december, "b" * 32, "2026-12", "a" * 32)
    assigned = int(december["kept_previous"].sum())
    for previous in (last, last / "plan.parquet"):
        rc, out, err = cli("check-plan", "--plan", str(this / "plan.parquet"), *without,
                           "--previous", str(previous))  # fmt: skip
        assert rc == 0, err
        assert "0 处违规 violations" in out
        assert (
            f"上月结对取自方案 {'a' * 12} (2026-11): {assigned:,} 户有走访人员 the previous "
            f"assignment is run {'a' * 12}'s plan of 2026-11: {assigned:,} assigned households"
        ) in flat(err)
    # Without --previous: the note says which directory to pass.
    rc, out, err = cli("check-plan", "--plan", str(this / "plan.parquet"), *without)
    assert rc == 0, err
    assert f"请用 --previous 提供: {last}" in flat(err)
    assert f"with --previous to check them: that run's directory, {last}" in flat(err)
    # The marks are checked against that run: one wrong mark is named.
    hid = december.filter(pl.col("kept_previous"))["household_id"][0]
    wrong = tmp_path / "wrong.parquet"
    december.with_columns(kept_previous=pl.col("kept_previous") & (pl.col("household_id") != hid)
                          ).write_parquet(wrong)  # fmt: skip
    rc, out, err = cli("check-plan", "--plan", str(wrong), *without, "--previous", str(last))
    assert rc == 4, err
    assert "kept_previous_mismatch" in out and f"农户 household {hid}" in out
    # Another run than the one continued: refused, both named.
    other = _run_dir(runs, november, "c" * 32, "2026-11", None)
    rc, out, err = cli("check-plan", "--plan", str(this / "plan.parquet"), *without,
                       "--previous", str(other))  # fmt: skip
    assert rc == 2 and "Traceback" not in err
    assert "不是该方案延续的上月方案" in flat(err)
    assert f"this is run {'c' * 12}'s plan, but run {'b' * 12} continued run {'a' * 12}'s" in (
        flat(err)
    )
    # A directory that is no run, and a plan that gives a household twice: named.
    rc, _, err = cli("check-plan", "--plan", str(this / "plan.parquet"), *without,
                     "--previous", str(runs))  # fmt: skip
    assert rc == 2 and "目录中没有 plan.parquet, 不是方案目录" in flat(err)
    twice = tmp_path / "twice" / "plan.csv"
    twice.parent.mkdir()
    first = november.filter(pl.col("worker_id").is_not_null()).head(1)
    pl.concat([november, first]).write_csv(twice)
    rc, _, err = cli("check-plan", "--plan", str(this / "plan.parquet"), *without,
                     "--previous", str(twice))  # fmt: skip
    assert rc == 2 and "方案中有农户重复分配, 不能作为上月结对" in flat(err)
    assert first["household_id"][0] in err


def test_explain_plan_says_how_the_tier_came_about_from_the_scores_file(
    greedy_files: Path, tmp_path: Path, cli
) -> None:
    """explain --plan with the scores `score` wrote said "类别来源 tier decided by: 本方案未记录
    not recorded in this run" (the contract does not read tier_source, rule, reasons): now
    the file's own account, as explain --run gives it; from a CSV too, without the reasons."""
    plan = pl.read_parquet(greedy_files / "plan.parquet")
    hid = plan.filter(pl.col("tier") == 2).drop_nulls("worker_id")["household_id"][0]
    one = pl.col("household_id") == hid
    scores = pl.read_parquet(greedy_files / "scores.parquet").with_columns(
        model_tier=pl.when(one).then(3).otherwise(pl.col("final_tier")).cast(pl.Int8),
        tier_source=pl.when(one).then(pl.lit("rule")).otherwise(pl.lit("model")),
        rule=pl.when(one).then(pl.lit("relapse_watch")).otherwise(None),
        reasons=pl.lit(
            [{"code": "disputes_12m", "contribution": 0.44, "text": "近12月矛盾纠纷 1 起 / "
              "disputes (12 m): 1 dispute +0.44"}]
        ),
    )  # fmt: skip
    scores.write_parquet(tmp_path / "scores.parquet")
    scores.drop("reasons").write_csv(tmp_path / "scores.csv")
    inputs = _inputs(greedy_files)
    for name in ("scores.parquet", "scores.csv"):
        inputs[1] = str(tmp_path / name)
        rc, out, err = cli("explain", "--plan", str(greedy_files / "plan.parquet"),
                           "--household", hid, *inputs, "--top", "1")  # fmt: skip
        assert rc == 0, err
        assert "类别来源 tier decided by: 政策规则 a policy rule: relapse_watch" in out
        assert "模型的类别 the model's tier: 三类户 tier 3" in out
        assert "本方案未记录" not in out
        assert ("↑ 近12月矛盾纠纷 1 起 / disputes (12 m): 1 dispute +0.44" in out) == (
            name.endswith(".parquet")
        )


def test_check_plan_township_by_name_and_a_mistyped_one_refused(
    greedy_files: Path, tmp_path: Path, cli
) -> None:
    """--township took any text: a mistyped code (or a name) required no township to be
    complete, so a plan of one township of eight passed as valid. Now a code or a name of
    the households' townships; any other is refused, naming them."""
    plan = pl.read_parquet(greedy_files / "plan.parquet")
    township = sorted(plan["township_id"].unique().to_list())[0]
    one = tmp_path / "one.parquet"
    plan.filter(pl.col("township_id") == township).write_parquet(one)
    places = pl.read_parquet(greedy_files / "places.parquet")
    row = places.filter(pl.col("code") == township).row(0, named=True)
    name, name_en = row["name_zh"], row["name_en"]
    rc, out, err = cli("check-plan", "--plan", str(one), *_inputs(greedy_files),
                       "--township", name)  # fmt: skip
    assert rc == 0, out + err
    rc, out, err = cli("check-plan", "--plan", str(one), *_inputs(greedy_files),
                       "--township", township[:-1])  # fmt: skip
    assert rc == 2 and "Traceback" not in err and "plan valid" not in out
    assert (
        f"--township: 乡镇不在农户表中 (township(s) {township[:-1]} are not in "
        f"{greedy_files / 'households.parquet'}; its townships: {name} {name_en} ({township})"
    ) in flat(err)


def test_check_plan_says_when_the_run_was_made_with_another_policy(
    greedy_files: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """A plan checked against another policy than the one it was made with read as a list of
    hours violations and nothing else; the run directory keeps its policy, so check-plan now
    says so and how to check the plan as it was made."""
    run = tmp_path / "run"
    rc, _, err = cli("assign", *_inputs(greedy_files), "--out", str(run), "--workers-processes",
                     "1")  # fmt: skip
    assert rc in (0, 3), err
    plan = str(run / "plan.parquet")
    rc, out, err = cli("check-plan", "--plan", plan, *_inputs(greedy_files))
    assert "another policy" not in flat(out + err)  # made and checked with the default
    other = tmp_path / "other.toml"
    text = (run / "policy.toml").read_text("utf-8")
    other.write_text(text.replace("speed_kmh = 25.0", "speed_kmh = 20.0"), "utf-8")
    assert other.read_text("utf-8") != text
    _, out, err = cli("check-plan", "--plan", plan, *_inputs(greedy_files), "--policy", str(other))
    said = flat(out + err)
    assert "方案所用策略与本次校验所用策略不同" in said
    assert f"pass --policy {run / 'policy.toml'} to check it as it was made" in said


@dataclass(frozen=True)
class AmendedMonth:
    """Last month's run, this month's run and its amendment of one township, published."""

    last: Path  # the run of M1
    first: Path  # M2's run, continuing ``last``
    amended: Path  # M2's amendment of ``township``, from ``data``
    data: Path
    township: str
    m2: Path  # the data of M2, ``first`` was made from
    m1: Path  # the data of M1 (a programme's first month: its previous-assignment file)
    last_amended: Path  # M1's amendment of ``township``, M1 the programme's first month


@pytest.fixture(scope="module")
def amended_month(tmp_path_factory: pytest.TempPathFactory) -> AmendedMonth:
    """M1 planned, M2 planned, then a township of M2 amended after its busiest worker left."""
    from visit_planner.runs import RunReader

    months = two_months(tmp_path_factory)
    url = f"sqlite:///{months.home / 'store.db'}"
    last = plan(months, url, M1, months.m1).run_dir  # type: ignore[attr-defined]
    first = plan(months, url, M2, months.m2).run_dir  # type: ignore[attr-defined]
    tw = RunReader(first).townships()[0]
    busiest = (
        pl.read_parquet(first / "plan.parquet")
        .filter((pl.col("township_id") == tw) & pl.col("worker_id").is_not_null())
        .group_by("worker_id")
        .len()
        .sort(["len", "worker_id"], descending=[True, False])["worker_id"][0]
    )
    data = tmp_path_factory.mktemp("mid_month")
    for f in months.m2.iterdir():
        shutil.copyfile(f, data / f.name)
    workers = pl.read_parquet(data / "workers.parquet")
    workers.with_columns(
        active=pl.when(pl.col("worker_id") == busiest).then(False).otherwise(pl.col("active"))
    ).write_parquet(data / "workers.parquet")
    amended = plan(months, url, M2, data, amend_townships=(tw,)).run_dir  # type: ignore[attr-defined]
    last_amended = plan(months, url, M1, months.m1, amend_townships=(tw,)).run_dir  # type: ignore[attr-defined]
    return AmendedMonth(last, first, amended, data, tw, months.m2, months.m1, last_amended)


def _month_inputs(run: Path, data: Path) -> list[str]:
    return [
        "--scores", str(run / "scores.parquet"), "--households", str(data / "households.parquet"),
        "--workers", str(data / "workers.parquet"), "--conflicts", str(data / "conflicts.parquet"),
    ]  # fmt: skip


def test_check_plan_checks_an_amended_run_township_by_township(
    amended_month: AmendedMonth, tmp_path: Path, cli
) -> None:
    """An amendment re-solves its township from the month's current run and carries the
    others over from it (their previous assignment: last month's run), so no single
    --previous fitted: last month's run read the re-solved township's kept marks as
    violations, the month's earlier version every carried-over township's. Each township
    is now checked against the published plan its stored inputs show it was solved from,
    whichever of the two is given, and the output says which townships were checked
    against which run; a wrong mark is still named, in either kind of township."""
    from visit_planner.contracts.places import place_label
    from visit_planner.runs import RunManifest

    m = amended_month
    tw = m.township
    inputs = _month_inputs(m.amended, m.data)
    plan_file = str(m.amended / "plan.parquet")
    last_id, first_id = (RunManifest.read(r).run_id[:12] for r in (m.last, m.first))
    townships = sorted(p.name for p in (m.amended / "townships").iterdir())
    others = [t for t in townships if t != tw]
    for previous in (m.last, m.first, m.first / "plan.parquet"):
        rc, out, err = cli("check-plan", "--plan", plan_file, *inputs, "--previous", str(previous))
        said = flat(out + err)
        assert rc == 0, said
        assert "0 处违规 violations" in said and "kept_previous_mismatch" not in said
        assert (
            "this run's townships were solved from different previous assignments (an "
            "amendment): each township's kept_previous marks are checked against the "
            "published plan (or the previous-assignment file) its stored inputs show it was "
            "solved from"
        ) in said
        given = "(the given --previous)"
        if previous == m.last:
            resolved, carried = "(an earlier version of this month, which the amendment", given
        else:
            resolved, carried = given, "(the run this month's plan continued;"
        assert (
            f"1 个乡镇 {place_label(tw)}: 延续标记对照方案 {first_id} ({M2})核对" in said
            and f"1 township {place_label(tw)}: kept_previous checked against run {first_id}'s "
            f"plan of {M2} {resolved}"
            in said
        )
        assert (
            f"{len(others)} townships {place_label(others[0])}" in said
            and f"kept_previous checked against run {last_id}'s plan of {M1} {carried}" in said
        )
    # Without --previous: the note says it is an amendment and names last month's run.
    rc, out, err = cli("check-plan", "--plan", plan_file, *inputs)
    said = flat(out + err)
    assert rc == 0, said
    assert f"an amendment: township(s) {place_label(tw)} were re-solved from an earlier " in said
    assert f"with --previous to check them: last month's run's directory, {m.last}" in said
    assert f"请用 --previous 提供上月方案的目录: {m.last}" in said
    # One wrong mark in the re-solved township and one in a carried-over one: both named.
    copy = m.amended.parent / "copy"
    shutil.copytree(m.amended, copy)
    try:
        wrong = pl.read_parquet(copy / "plan.parquet")
        assigned = wrong.filter(pl.col("worker_id").is_not_null())
        flipped = [
            assigned.filter(pl.col("township_id") == tw)["household_id"][0],
            assigned.filter(pl.col("township_id") == others[0])["household_id"][0],
        ]
        wrong.with_columns(
            kept_previous=pl.when(pl.col("household_id").is_in(flipped))
            .then(~pl.col("kept_previous"))
            .otherwise(pl.col("kept_previous"))
        ).write_parquet(copy / "plan.parquet")
        for previous in (m.last, m.first):
            rc, out, err = cli("check-plan", "--plan", str(copy / "plan.parquet"), *inputs,
                               "--previous", str(previous))  # fmt: skip
            assert rc == 4, err
            assert "plan INVALID: 2 处违规 violations" in flat(out)
            for hid in flipped:
                assert f"农户 household {hid}" in out
            assert out.count("kept_previous_mismatch") == 3  # the table's row and two blocks
    finally:
        shutil.rmtree(copy)
    # The run itself is not its own previous assignment.
    rc, out, err = cli("check-plan", "--plan", plan_file, *inputs, "--previous", str(m.amended))
    assert rc == 2 and "Traceback" not in err
    assert "--previous 是被校验的方案本身, 不是其上月结对" in flat(err)
    # The month's first run, a monthly one, is checked against last month's run as before.
    rc, out, err = cli("check-plan", "--plan", str(m.first / "plan.parquet"),
                       *_month_inputs(m.first, m.m2),
                       "--previous", str(m.last))  # fmt: skip
    said = flat(out + err)
    assert rc == 0, said
    assert f"上月结对取自方案 {last_id} ({M1})" in said and "different previous" not in said


def test_check_plan_checks_an_amendment_of_a_programmes_first_month(
    amended_month: AmendedMonth, cli
) -> None:
    """In a programme's first month the plan is solved from the data's previous-assignment
    file, not a run: an amendment of it re-solves its township from that plan and carries
    the others, solved from the file. Given the month's first run as --previous, every
    carried township's marks read as violations (2,928 in a scale-0.01 month); the file is
    now found through the first run's manifest (its recorded path, its bytes unchanged),
    and named in the note when no --previous is given."""
    from visit_planner.contracts.places import place_label

    m = amended_month
    tw = m.township
    inputs = _month_inputs(m.last_amended, m.m1)
    plan_file = str(m.last_amended / "plan.parquet")
    recorded = m.m1 / "previous_assignment.parquet"
    assert recorded.is_file()
    for previous in (m.last, recorded):
        rc, out, err = cli("check-plan", "--plan", plan_file, *inputs, "--previous", str(previous))
        said = flat(out + err)
        assert rc == 0, said
        assert "0 处违规 violations" in said and "kept_previous_mismatch" not in said
        assert "may read as violations" not in said
    rc, out, err = cli("check-plan", "--plan", plan_file, *inputs, "--previous", str(m.last))
    said = flat(out + err)
    assert (
        f"kept_previous checked against the file {recorded} (the previous assignment file "
        "this month's plan was made from, unchanged since)"
    ) in said
    assert f"1 township {place_label(tw)}: kept_previous checked against run" in said
    # Without --previous, the note names that file, not a run of last month (there is none).
    rc, out, err = cli("check-plan", "--plan", plan_file, *inputs)
    said = flat(out + err)
    assert rc == 0, said
    assert (
        "the others were solved from the previous-assignment file the month was planned with"
    ) in said
    assert (
        f"pass the previous assignment it was made from with --previous to check them: "
        f"that file, {recorded}" in said
    )
    # A changed file is no longer the input: the carried townships are then said unmatched.
    saved = recorded.read_bytes()
    try:
        pairs = pl.read_parquet(recorded)
        pairs.head(pairs.height - 1).write_parquet(recorded)
        rc, out, err = cli("check-plan", "--plan", plan_file, *inputs, "--previous", str(m.last))
        said = flat(out + err)
        assert "may read as violations" in said
    finally:
        recorded.write_bytes(saved)

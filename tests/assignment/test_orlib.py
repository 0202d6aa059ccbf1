"""OR-Library GAP reader and published optima of the real gap1-gap12 files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assignment.core import evaluate, solve_core
from assignment.domain import Status
from assignment.errors import InputError, OrlibFormatError
from assignment.orlib import parse_gap, read_gap
from tests.visit_planner.helpers import flat

DATA = Path(__file__).parent / "data"
ORLIB = Path(__file__).resolve().parents[2] / "bench" / "data" / "orlib"
ONE = "2 3\n1 2 3\n4 5 6\n1 1 1\n1 1 1\n2 2\n"

# Agents x jobs of the five instances in each of gap1..gap12 (OR-Library gapinfo).
SIZES = {
    1: (5, 15),
    2: (5, 20),
    3: (5, 25),
    4: (5, 30),
    5: (8, 24),
    6: (8, 32),
    7: (8, 40),
    8: (8, 48),
    9: (10, 30),
    10: (10, 40),
    11: (10, 50),
    12: (10, 60),
}
# Published optima (profit maximisation), OR-Library gapinfo.
GAP5_OPT = [563, 558, 564, 568, 559]
GAP11_OPT = [1139, 1178, 1195, 1171, 1171]
GAP12_OPT = [1451, 1449, 1433, 1447, 1446]


def test_single_and_counted() -> None:
    one = parse_gap(ONE, "x")
    assert len(one) == 1 and one[0].cost.shape == (2, 3)
    two = parse_gap("2\n" + ONE + ONE, "x")
    assert [i.name for i in two] == ["x-1", "x-2"]


def test_bad_files() -> None:
    with pytest.raises(OrlibFormatError, match=r"left over|expected"):
        parse_gap(ONE.rsplit(" ", 1)[0], "x")
    with pytest.raises(
        OrlibFormatError, match=r"第 1 行: 不是数字 \(line 1: .a. is not a number\)"
    ):
        parse_gap("2 3 a", "x")


def test_gap1_published_optima() -> None:
    # OR-Library gapinfo: gap1 optima (profit maximisation) 336, 327, 339, 341, 326.
    instances = read_gap(DATA / "gap1.txt")
    got = [solve_core(i.to_problem(), maximize=True, time_limit=20).objective for i in instances]
    assert got == [336, 327, 339, 341, 326]


@pytest.mark.parametrize("s", sorted(SIZES))
def test_every_gap_set_parses(s: int) -> None:
    instances = read_gap(DATA / f"gap{s}.txt")
    assert [i.name for i in instances] == [f"gap{s}-{k}" for k in range(1, 6)]
    for inst in instances:
        m, n = SIZES[s]
        assert inst.cost.shape == inst.use.shape == (m, n)
        assert inst.capacity.shape == (m,)
        # Integer profits 10-25 and resource uses 5-25; every job fits some agent.
        for a in (inst.cost, inst.use, inst.capacity):
            assert np.array_equal(a, np.round(a))
        assert inst.cost.min() >= 10 and inst.cost.max() <= 25
        assert inst.use.min() >= 5 and inst.use.max() <= 25
        assert np.all(inst.use.min(axis=0) <= inst.capacity.max())


@pytest.mark.parametrize(
    ("name", "k", "want"),
    [("gap11", 0, GAP11_OPT[0]), ("gap12", 0, GAP12_OPT[0]), ("gap12", 3, GAP12_OPT[3])],
)
def test_larger_instances_reach_published_optima(name: str, k: int, want: int) -> None:
    # gap12 is the largest set (10 agents x 60 jobs); gap11 has 10 agents x 50 jobs.
    inst = read_gap(DATA / f"{name}.txt")[k]
    res = solve_core(inst.to_problem(), maximize=True, time_limit=30, num_workers=2)
    assert res.status == Status.OPTIMAL
    assert res.objective == want and res.bound == want and res.gap == 0


def test_gap_solve_cli_on_gap5(cli) -> None:
    code, out, err = cli(
        "gap-solve", str(DATA / "gap5.txt"), "--maximize", "--json", "--time-limit", "30"
    )
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(rows) == 5
    for k, (r, want) in enumerate(zip(rows, GAP5_OPT, strict=True), start=1):
        assert set(r) == {"instance", "objective", "bound", "gap", "seconds", "status", "message"}
        assert r["instance"] == f"gap5-{k}"
        assert r["objective"] == want and r["bound"] == want and r["gap"] == 0
        assert r["status"] == "optimal"
        assert isinstance(r["seconds"], float) and 0 <= r["seconds"] < 30


def test_single_instance_file_matches_gapd() -> None:
    # d05100.txt is the first instance of gapd written without the leading count.
    single = read_gap(DATA / "d05100.txt")
    gapd = read_gap(ORLIB / "gapd.txt")
    assert len(single) == 1 and single[0].name == "d05100"
    for a, b in zip(
        (single[0].cost, single[0].use, single[0].capacity),
        (gapd[0].cost, gapd[0].use, gapd[0].capacity),
        strict=True,
    ):
        assert np.array_equal(a, b)


def test_large_sets_shapes_and_capacities() -> None:
    # Types C and D: capacity = floor(0.8 * sum_j use_ij / m); costs 10-50 (C), 1-120 (D).
    for letter, lo, hi in (("c", 10, 50), ("d", 1, 120)):
        insts = read_gap(ORLIB / f"gap{letter}.txt")
        assert [i.cost.shape for i in insts] == [
            (5, 100),
            (5, 200),
            (10, 100),
            (10, 200),
            (20, 100),
            (20, 200),
        ]
        for inst in insts:
            m = inst.cost.shape[0]
            assert inst.cost.min() >= lo and inst.cost.max() <= hi
            assert np.array_equal(inst.capacity, np.floor(0.8 * inst.use.sum(axis=1) / m))


def test_cpsat_starts_from_a_hint() -> None:
    # A HiGHS incumbent on d05100 handed to CP-SAT as a hint: CP-SAT never returns worse.
    p = read_gap(ORLIB / "gapd.txt")[0].to_problem()
    first = solve_core(p, method="highs", time_limit=1)
    assert first.objective is not None
    res = solve_core(p, time_limit=0.5, num_workers=1, hint=first.choice)
    cost, ok = evaluate(p, res.choice)
    assert ok and res.objective == cost <= first.objective
    # An optimal hint is returned at once, also when maximising.
    q = read_gap(DATA / "gap12.txt")[0].to_problem()
    best = solve_core(q, maximize=True, time_limit=30)
    # (a deterministic work limit, not 0.2 s of wall clock: a loaded machine made that flaky)
    quick = solve_core(
        q, maximize=True, time_limit=60, deterministic_time=0.2, num_workers=1, hint=best.choice
    )
    assert quick.objective == best.objective == GAP12_OPT[0]
    with pytest.raises(InputError, match="59 entries for 60 items"):
        solve_core(q, hint=best.choice[:-1])


def test_the_first_line_decides_the_reading_and_errors_give_the_line(tmp_path: Path) -> None:
    """A count alone on line 1 must match the instances (never re-read as one instance
    without a count); a byte-order mark and CRLF are fine; one message with file and line."""
    with pytest.raises(
        OrlibFormatError, match=r"line 1 gives a count of 3 instances.*ends after 1"
    ):
        parse_gap("3\n" + ONE, "x")
    bom = tmp_path / "bom.txt"
    bom.write_bytes(("\ufeff1\r\n" + ONE.replace("\n", "\r\n")).encode("utf-8"))
    assert [i.name for i in read_gap(bom)] == ["bom-1"]
    (tmp_path / "one.txt").write_text(ONE)
    assert [i.name for i in read_gap(tmp_path / "one.txt")] == ["one"]
    trailing = tmp_path / "trailing.txt"
    trailing.write_text("1\n" + ONE.rstrip("\n") + "\n9 9 9\n")
    with pytest.raises(OrlibFormatError) as err:
        read_gap(trailing)
    text = str(err.value)
    assert text == f"{trailing}: 多余的数字 (3 numbers left over from line 8 after 1 instance)"
    truncated = tmp_path / "truncated.txt"
    truncated.write_text("1\n2 3\n1 2 3\n3 2 1\n")
    with pytest.raises(OrlibFormatError, match=r"文件提前结束 \(.*at line 2: .*ends too early"):
        read_gap(truncated)
    with pytest.raises(OrlibFormatError, match=r"无法读取文件 \(cannot read the file: Is a dir"):
        read_gap(tmp_path)  # a directory where the file belongs


@pytest.mark.parametrize("token", ["nan", "inf", "-Infinity"])
def test_a_number_that_is_not_finite_is_refused_with_its_line(token: str) -> None:
    """float() reads 'nan' and 'inf': such a file went to the solver and gap-solve ended in a
    traceback (cannot convert float NaN to integer)."""
    text = ONE.replace("4 5 6", f"4 {token} 6")
    with pytest.raises(OrlibFormatError) as err:
        parse_gap(text, "x")
    assert str(err.value) == f"x: 第 3 行: 不是有限数 (line 3: {token!r} is not a finite number)"


def test_gap_solve_names_the_bound_and_says_why_there_is_none(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """The bound column said 下界 (lower bound) also with --maximize, where it is an upper
    bound; an instance without a proven optimum or bound said nothing of why."""
    one = tmp_path / "one.txt"
    one.write_text(ONE)
    code, out, _ = cli("gap-solve", str(one), "--maximize")
    assert code == 0 and "上界" in out and "upper bound" in out and "下界" not in out
    code, out, _ = cli("gap-solve", str(one))
    assert code == 0 and "下界" in out and "lower bound" in out and "上界" not in out
    tight = tmp_path / "tight.txt"
    tight.write_text(ONE.replace("2 2\n", "1 1\n"))  # three jobs of use 1, capacity 2 in all
    code, out, err = cli("gap-solve", str(tight))
    assert code == 0 and "不可行 infeasible" in out
    assert "tight: 已证明不可行 (proven infeasible" in flat(err)
    rounded = tmp_path / "rounded.txt"
    rounded.write_text(ONE.replace("1 2 3", "1.0001 2 3"))
    code, out, err = cli("gap-solve", str(rounded), "--json")
    row = json.loads(out)
    assert row["status"] == "feasible" and row["bound"] is None
    assert "no proven bound for the given model" in row["message"]
    code, out, err = cli("gap-solve", str(rounded))
    assert "rounded: 数据不是 1/1000 的整数倍" in flat(err) and "method 'highs'" in flat(err)

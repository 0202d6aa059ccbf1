"""Streamed validation (:mod:`visit_planner.contracts.stream`): the households table checked
in chunks of 1,000 rows gives the same data, warnings and messages as the whole-table
:func:`~visit_planner.contracts.load_inputs`, whichever chunk the broken rows are in."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from visit_planner.contracts import load_inputs
from visit_planner.contracts.stream import stream_inputs
from visit_planner.errors import ContractError

CHUNK = 1_000  # the small prefecture has about 10,000 households: 10 chunks


@pytest.fixture
def inputs_dir(small_prefecture_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "inputs"
    shutil.copytree(small_prefecture_dir, out)
    return out


def change_rows(
    directory: Path, table: str, rows: dict[int, dict[str, object]], *, csv: bool = False
) -> None:
    """Set the given columns of the given rows (0-based) of a table; as CSV with ``csv``."""
    path = directory / f"{table}.parquet"
    frame = pl.read_parquet(path)
    if csv:
        frame = frame.cast(pl.String)
    at = pl.int_range(pl.len())
    for row, values in rows.items():
        frame = frame.with_columns(
            pl.when(at == row).then(pl.lit(v, frame.schema[c])).otherwise(pl.col(c)).alias(c)
            for c, v in values.items()
        )
    if csv:
        path.unlink()
        frame.write_csv(directory / f"{table}.csv")
    else:
        frame.write_parquet(path)


def problems(load: Callable[[], object]) -> list[str]:
    with pytest.raises(ContractError) as err:
        load()
    return err.value.problems


def same_errors(directory: Path, tmp_path: Path) -> list[str]:
    """The messages of both validations, asserted equal; no chunk left but in ``out``."""
    whole = problems(lambda: load_inputs(directory))
    out = tmp_path / "chunks"
    streamed = problems(lambda: stream_inputs(directory, out, CHUNK))
    assert streamed == whole
    return whole


def test_valid_inputs_give_the_same_tables_and_warnings(inputs_dir: Path, tmp_path: Path) -> None:
    change_rows(inputs_dir, "previous_assignment", {3: {"household_id": "NO-SUCH-HH"}})
    whole = load_inputs(inputs_dir)
    streamed = stream_inputs(inputs_dir, tmp_path / "chunks", CHUNK)
    assert whole.households.height > 5 * CHUNK
    assert len(streamed.households.paths) == -(-whole.households.height // CHUNK)
    assert streamed.households.select(*whole.households.columns).equals(whole.households)
    assert all(f.height == CHUNK for f in list(streamed.households.frames())[:-1])
    for name in ("workers", "previous_assignment", "conflicts"):
        assert getattr(streamed, name).equals(getattr(whole, name)), name
    assert [w.message() for w in streamed.warnings] == [w.message() for w in whole.warnings]
    assert any("NO-SUCH-HH" in w.message() for w in streamed.warnings)
    some = whole.households["household_id"].gather([5, 7_500]).to_list()
    picked = streamed.households.filter(pl.col("household_id").is_in(some))
    assert picked.equals(whole.households.filter(pl.col("household_id").is_in(some)))


def test_bad_values_in_late_chunks(inputs_dir: Path, tmp_path: Path) -> None:
    # errors in several chunks and columns, the later column's error in an earlier chunk
    change_rows(
        inputs_dir,
        "households",
        {
            9_500: {"lat": 99.0},
            9_800: {"members": 0},
            1_200: {"hazard_exposure": "volcano"},
            8_100: {"hazard_exposure": "meteor"},
            4_000: {"lat": -1.0},
        },
    )
    found = same_errors(inputs_dir, tmp_path)
    assert len(found) == 3
    assert "2 rows" in next(m for m in found if "'lat'" in m)
    assert "volcano" in next(m for m in found if "hazard_exposure" in m)


def test_duplicate_id_across_chunks(inputs_dir: Path, tmp_path: Path) -> None:
    ids = pl.read_parquet(inputs_dir / "households.parquet")["household_id"]
    change_rows(inputs_dir, "households", {9_001: {"household_id": ids[10]}})
    found = same_errors(inputs_dir, tmp_path)
    assert len(found) == 1 and "duplicate id" in found[0] and ids[10] in found[0]
    assert "2 rows" in found[0]


def test_previous_assignment_in_chunks(inputs_dir: Path, tmp_path: Path) -> None:
    previous = pl.read_parquet(inputs_dir / "previous_assignment.parquet")
    assert previous.height > 3 * CHUNK
    late = previous.height - 5
    change_rows(
        inputs_dir,
        "previous_assignment",
        {late: {"month": "Nov 2026"}, 2_500: {"household_id": previous["household_id"][3]}},
    )
    found = same_errors(inputs_dir, tmp_path)
    text = "\n".join(found)
    assert "previous_assignment" in text and "Nov 2026" in text and "duplicate id" in text


def test_missing_column(inputs_dir: Path, tmp_path: Path) -> None:
    path = inputs_dir / "households.parquet"
    pl.read_parquet(path).drop("members").write_parquet(path)
    found = same_errors(inputs_dir, tmp_path)
    assert len(found) == 1 and "members" in found[0] and "missing" in found[0]


def test_rows_without_ids_are_numbered_in_the_whole_file(inputs_dir: Path, tmp_path: Path) -> None:
    # CSV: a value that cannot be read before rows without ids that break rules, all late
    change_rows(
        inputs_dir,
        "households",
        {
            7_000: {"members": "many"},
            8_400: {"household_id": None, "lat": "99"},
            9_050: {"household_id": None},
        },
        csv=True,
    )
    found = same_errors(inputs_dir, tmp_path)
    text = "\n".join(found)
    # a CSV row by the line an editor shows it on: the header is line 1, row 8,401 line 8,402
    assert "many" in text and "第 8402 行 line 8402" in text and "第 9052 行 line 9052" in text
    assert "row 8401" not in text


def test_rows_without_ids_are_named_by_their_csv_line(inputs_dir: Path, tmp_path: Path) -> None:
    """A quoted field spanning lines (a note column outside the contract, as an office keeps
    one) moves every later row's line: rows without an id, two of them (also a duplicate
    id: two nulls), are named by their lines in every chunk, the duplicates' as the column
    rules'; in Parquet they keep their row numbers."""
    change_rows(
        inputs_dir, "households", {2_500: {"household_id": None}, 7_300: {"household_id": None}}
    )
    frame = pl.read_parquet(inputs_dir / "households.parquet")
    notes = pl.Series("备注", [None] * frame.height, pl.String)
    notes[10] = "第一行\n第二行\n第三行"  # row 11 (line 12) spans lines 12 to 14
    frame.with_columns(notes).cast(pl.String).write_csv(inputs_dir / "households.csv")
    (inputs_dir / "households.parquet").rename(tmp_path / "households.parquet")
    text = "\n".join(same_errors(inputs_dir, tmp_path))
    lines = ("第 2504 行 line 2504", "第 7304 行 line 7304")  # row 2,501: 2 + 2,500 + 2
    assert "null in a required field) — 2 rows: " + ", ".join(lines) in text
    assert "duplicate id) — 2 rows: " + ", ".join(lines) in text
    assert "row " not in text
    (inputs_dir / "households.csv").unlink()
    (tmp_path / "households.parquet").rename(inputs_dir / "households.parquet")
    text = "\n".join(same_errors(inputs_dir, tmp_path / "again"))
    rows = "第 2501 行 row 2501, 第 7301 行 row 7301"
    assert "null in a required field) — 2 rows: " + rows in text


def test_relation_rules_over_the_whole_table(inputs_dir: Path, tmp_path: Path) -> None:
    hh = pl.read_parquet(inputs_dir / "households.parquet")
    other = hh.filter(pl.col("township_id") != hh["township_id"][9_300])["township_id"][0]
    change_rows(
        inputs_dir,
        "households",
        {
            9_300: {"township_id": other},  # its village lies in another township
            2_000: {"elderly_65plus": 40, "members": 3},
            8_800: {"elderly_65plus": 45, "members": 2},
        },
    )
    found = same_errors(inputs_dir, tmp_path)
    text = "\n".join(found)
    assert "do not nest" in text and "elderly_65plus" in text and "2 rows" in text


def test_workers_referring_to_areas_the_households_do_not_have(
    inputs_dir: Path, tmp_path: Path
) -> None:
    workers = pl.read_parquet(inputs_dir / "workers.parquet")
    row = workers.with_row_index().filter(pl.col("role") == "grid_worker")["index"][0]
    hh = pl.read_parquet(inputs_dir / "households.parquet")
    village = workers["village_id"][row]
    elsewhere = hh.filter(pl.col("village_id") != village)["village_id"][-1]
    change_rows(inputs_dir, "workers", {row: {"village_id": elsewhere}})
    found = same_errors(inputs_dir, tmp_path)
    assert any("workers" in m and "do not nest" in m for m in found)


def test_an_empty_households_table(inputs_dir: Path, tmp_path: Path) -> None:
    path = inputs_dir / "households.parquet"
    pl.read_parquet(path).clear().write_parquet(path)
    assert same_errors(inputs_dir, tmp_path) == [
        f"{path}: 没有农户 (the households table has no rows)"
    ]


@pytest.mark.parametrize(
    "ids",
    [
        ["a", "b", "c"],
        ["b", "a", "b", "c", "a", "a"],
        ["a", None, "b"],
        [None, "a", None, "a", "c"],
        [],
    ],
)
def test_repeated_ids_by_sorting_are_those_of_a_hash_table(ids: list[str | None]) -> None:
    from visit_planner.contracts.stream import repeated

    series = pl.Series("id", ids, pl.String)
    assert repeated(series).to_list() == series.is_duplicated().to_list()


def test_ids_looked_up_by_binary_search_are_those_of_a_hash_set() -> None:
    from visit_planner.contracts.relations import hashed, sorted_member

    known = pl.Series(["H3", "H1", "H10", "H7"])
    values = pl.Series(["H1", "H2", None, "H7", "H99", "H0", "H10", "H3"])
    assert sorted_member(values, known.sort()).to_list() == hashed(values, known).to_list()
    assert sorted_member(values, known.clear()).to_list() == [False] * values.len()

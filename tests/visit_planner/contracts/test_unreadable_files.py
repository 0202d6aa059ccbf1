"""Input files that cannot be read as tables at all (a directory in a file's place, a file
that is not what its name says, a CSV that does not parse): each is refused with a message
naming the file and what is wrong with it, in Chinese and English, by ``validate`` and by
``plan``'s streamed reader alike, and nothing of the directory is silently left out."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import flat
from visit_planner.contracts.stream import stream_inputs
from visit_planner.errors import ContractError


@pytest.fixture
def inputs_dir(small_prefecture_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "inputs"
    shutil.copytree(small_prefecture_dir, out)
    return out


def _directory_instead(table: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        (d / f"{table}.parquet").unlink()
        (d / f"{table}.parquet").mkdir()
        return d / f"{table}.parquet"

    return make


def _bytes(name: str, change: Callable[[bytes], bytes]) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        path = d / name
        source = d / f"{path.stem}.parquet"
        data = source.read_bytes()
        if path.suffix == ".csv":
            data = pl.read_parquet(source).write_csv().encode()
            source.unlink()
        path.write_bytes(change(data))
        return path

    return make


def _line(n: int, change: Callable[[str], str]) -> Callable[[bytes], bytes]:
    """Line ``n`` (1-based, the header is line 1) of a CSV's text changed."""

    def edit(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        lines[n - 1] = change(lines[n - 1])
        return ("\n".join(lines) + "\n").encode()

    return edit


BROKEN: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    # Each used to print the reader's own text (polars' "parquet: File out of specification:
    # The file must end with PAR1 or PARE", "Consider setting 'truncate_ragged_lines=True'", or
    # the whole rest of the file after an unmatched quote), in English only.
    "empty_parquet": (_bytes("workers.parquet", lambda b: b""), ("文件为空", "0 bytes")),
    "empty_csv": (_bytes("workers.csv", lambda b: b""), ("文件为空", "0 bytes")),
    "csv_named_parquet": (
        _bytes("households.parquet", lambda b: pl.read_parquet(b).write_csv().encode()),
        ("不是 Parquet 文件", "looks like CSV text, so name it .csv"),
    ),
    "parquet_cut_short": (
        _bytes("households.parquet", lambda b: b[: len(b) // 2]),
        ("Parquet 文件不完整", "cut short"),
    ),
    "csv_line_with_extra_fields": (
        _bytes("workers.csv", _line(6, lambda line: line + ",x,y")),
        ("第 6 行有 14 个字段, 列名有 12 个", "line 6 has 14 fields, the header 12"),
    ),
    "csv_unmatched_quote": (
        _bytes("workers.csv", _line(6, lambda line: '"' + line)),
        ("第 6 行: 引号未闭合", "line 6: a quoted field is not closed"),
    ),
    # Read as one column named "household_id;county_id;…": every column "missing".
    "csv_separated_by_semicolons": (
        _bytes("households.csv", lambda b: b.replace(b",", b";")),
        ("列以分号分隔, 须为逗号", "separated by semicolons (';'), not commas"),
    ),
    # An optional table's name taken by a directory used to read as "no conflicts": the
    # conflicts of interest silently left out of the plan.
    "optional_table_is_a_directory": (_directory_instead("conflicts"), ("是目录", "a directory")),
    # A required one's read as "required table is missing", beside the directory of that name.
    "required_table_is_a_directory": (_directory_instead("households"), ("是目录", "a directory")),
}


def _refusal(
    make: Callable[[Path], Path], inputs_dir: Path, tmp_path: Path, cli
) -> tuple[Path, str, str]:
    """The broken file, ``validate``'s message (flattened) and the streamed reader's."""
    broken = make(inputs_dir)
    code, out, err = cli("validate", str(inputs_dir))
    assert code == 2, out
    assert "Traceback" not in out + err
    with pytest.raises(ContractError) as exc:  # plan's reader: the same refusal
        stream_inputs(inputs_dir, tmp_path / "chunks", 1_000)
    return broken, flat(err), " ".join(exc.value.problems)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_file_that_cannot_be_read_is_named_with_why(
    case: str, inputs_dir: Path, tmp_path: Path, cli
) -> None:
    make, words = BROKEN[case]
    broken, said, streamed = _refusal(make, inputs_dir, tmp_path, cli)
    for text in (said, streamed):
        assert f"{broken}:" in text, text
        for word in words:
            assert word in text, (word, text)
    assert "required table is missing" not in said
    assert "cannot read the file" not in said  # the reader's own text, not why
    assert len(said) < 400  # not the rest of the file after an unmatched quote


def test_ids_saved_as_decimal_numbers_are_refused(inputs_dir: Path, tmp_path: Path, cli) -> None:
    """Household ids saved as 1.0, 2.0 (a spreadsheet's number column) read as "1.0": every
    reference to them (previous assignment, conflicts, workers' own households) became an
    unknown household, left out with a warning, and ``validate`` passed."""
    path = inputs_dir / "households.parquet"
    hh = pl.read_parquet(path)
    hh.with_columns(pl.col("household_id").str.slice(1).cast(pl.Float64)).write_parquet(path)
    code, out, err = cli("validate", str(inputs_dir))
    assert code == 2, out
    said = flat(err)
    assert (
        f"{path}: column 'household_id': 类型错误, 编号与代码须存为文本, 不能是小数 (value is "
        "not a valid String: an id or code must be stored as text, not as a decimal number) "
        f"— {hh.height} rows: 1.0 (1.0), 2.0 (2.0)"
    ) in said
    with pytest.raises(ContractError) as exc:
        stream_inputs(inputs_dir, tmp_path / "chunks", 1_000)
    assert "编号与代码须存为文本" in exc.value.problems[0]
    hh.with_columns(pl.col("household_id").str.slice(1).cast(pl.Int64)).write_parquet(path)
    code, out, err = cli("validate", str(inputs_dir))  # whole numbers are exact: read as text
    assert "编号与代码须存为文本" not in err and "valid String" not in err

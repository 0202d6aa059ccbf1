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
from visit_planner.contracts.reader import CsvLineError, read_raw, unreadable_reason
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
        ("第 6 行, worker_id 为 W", "有 14 个字段, 列名有 12 个", "has 14 fields, the header 12"),
    ),
    # Read as a row padded with nulls: "a null in a required field" of that row's id, the
    # line itself (short) and where it is not said.
    "csv_line_with_too_few_fields": (
        _bytes("workers.csv", _line(6, lambda line: line.rsplit(",", 2)[0])),
        ("第 6 行, worker_id 为 W", "只有 10 个字段, 列名有 12 个", "has 10 fields, the header 12"),
    ),
    "csv_blank_line": (
        _bytes("households.csv", _line(4, lambda line: "")),
        ("第 4 行是空行", "line 4 is blank: 0 fields, the header 29"),
    ),
    # Rows a spreadsheet saved as ",,,,": each was "null in a required field" of every
    # column, and "duplicate id" for two of them, without a word of the row being empty.
    "csv_empty_row_inside": (
        _bytes("households.csv", _line(4, lambda line: "," * line.count(","))),
        ("第 4 行所有字段为空", "line 4: every field empty"),
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
        f"— {hh.height:,} rows: 1.0 (1.0), 2.0 (2.0)"
    ) in said
    with pytest.raises(ContractError) as exc:
        stream_inputs(inputs_dir, tmp_path / "chunks", 1_000)
    assert "编号与代码须存为文本" in exc.value.problems[0]
    hh.with_columns(pl.col("household_id").str.slice(1).cast(pl.Int64)).write_parquet(path)
    code, out, err = cli("validate", str(inputs_dir))  # whole numbers are exact: read as text
    assert "编号与代码须存为文本" not in err and "valid String" not in err


SHORT_LINES = {"workers": ("worker_id", 6), "households": ("household_id", 9)}
"""The table, its id column and the line (1-based, the header is line 1) cut short."""


@pytest.mark.parametrize("table", sorted(SHORT_LINES))
def test_a_short_csv_line_is_named_not_read_as_nulls(
    table: str, inputs_dir: Path, tmp_path: Path, small_prefecture, cli
) -> None:  # type: ignore[no-untyped-def]
    """A line missing its last two fields used to read as a row padded with nulls, refused as
    "a null in a required field" of its id: neither the line nor that it is short was said.
    Now ``validate``, ``plan``'s streamed reader and ``assign`` refuse it by file, line, field
    counts and id, with no traceback and nothing written."""
    from visit_planner.synthetic.scores import truth_scores

    id_column, line = SHORT_LINES[table]
    frame = pl.read_parquet(inputs_dir / f"{table}.parquet")
    row_id, width = frame[id_column][line - 2], frame.width
    broken = _bytes(f"{table}.csv", _line(line, lambda text: text.rsplit(",", 2)[0]))(inputs_dir)
    said = (
        f"{broken}: 第 {line} 行, {id_column} 为 {row_id}, 只有 {width - 2} 个字段, 列名有 "
        f"{width} 个, 是否漏了值或逗号 (line {line} ({id_column} {row_id}) has {width - 2} "
        f"fields, the header {width}: a value or a comma left out?)"
    )
    code, out, err = cli("validate", str(inputs_dir))
    assert code == 2, out
    assert "Traceback" not in out + err
    assert said in flat(err)
    assert "null in a required field" not in err and "必填项为空" not in err
    with pytest.raises(ContractError) as streamed:
        stream_inputs(inputs_dir, tmp_path / "chunks", 1_000)
    assert streamed.value.problems == [said]

    scores = tmp_path / "scores.parquet"
    truth_scores(small_prefecture).write_parquet(scores)
    out_dir = tmp_path / "plan"
    files = {t: inputs_dir / f"{t}.{'csv' if t == table else 'parquet'}"
             for t in ("households", "workers")}  # fmt: skip
    code, out, err = cli(
        "assign", "--scores", str(scores), "--households", str(files["households"]),
        "--workers", str(files["workers"]), "--out", str(out_dir),
    )  # fmt: skip
    assert code == 2, out
    assert "Traceback" not in out + err
    assert said in flat(err)
    assert not out_dir.exists() or not any(out_dir.iterdir())  # nothing written


def _read(tmp_path: Path, text: str, ids: tuple[str, ...] = ("id",)) -> pl.DataFrame:
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    return read_raw(path, ids)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # The line as an editor numbers it: a quoted field over two lines counts two.
        ('id,a,b\n1,"x\ny",2\n2,3\n', "第 4 行, id 为 2, 只有 2 个字段, 列名有 3 个"),
        ("id,a,b\r\n1,2,\r\n2,3\r\n", "line 3 (id 2) has 2 fields, the header 3"),
        ('id,a,b\n1,"2,3",\n"2","3"\n', "line 3 (id 2) has 2 fields, the header 3"),
        ('id,a,b\n1,"2""x",\n2,"3"""\n', "line 3 (id 2) has 2 fields, the header 3"),
        ("a,b,id\n1,2,3\n4,5\n", "line 3 has 2 fields, the header 3: a value"),  # no id on it
        ("id,a,b\n1,2,3\n \n4,5,6\n", "line 3 has 1 field, the header 3"),
        ("id,a,b\n1,2,3\n\n4,5,6\n\n", "第 3 行是空行, 没有字段, 列名有 3 个, 请删除该行"),
    ],
)
def test_the_short_line_is_found_however_the_file_is_written(
    tmp_path: Path, text: str, words: str
) -> None:
    with pytest.raises(CsvLineError) as refused:
        _read(tmp_path, text)
    assert words in refused.value.reason
    assert unreadable_reason(tmp_path / "t.csv", refused.value) == refused.value.reason


@pytest.mark.parametrize(
    "text",
    [
        "id,a,b\n1,2,\n2,,\n",  # empty last fields: the commas are there
        'id,a,b\n1,"x,\ny",\n2,3,""\n',  # and after a quoted field over two lines
        'id,note,b\n1,"say ""hi"", ok",\n',
        "id\n1\n\n2\n",  # a one-column file's blank line: an empty value
    ],
)
def test_a_null_that_is_no_short_line_is_read(tmp_path: Path, text: str) -> None:
    frame = _read(tmp_path, text)
    assert frame.height == len(pl.read_csv(text.encode(), infer_schema=False))


def test_empty_rows_are_one_message_naming_their_lines(
    inputs_dir: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """Seven empty rows before the last worker (a record may be lost there): their lines
    named (the first five, the rest counted), and none of the rules an empty row used to
    break one by one; the empty rows after that worker are not what refuses the file."""
    workers = pl.read_parquet(inputs_dir / "workers.parquet")
    (inputs_dir / "workers.parquet").unlink()
    head, last = workers.head(-1).write_csv(), workers.tail(1).write_csv(include_header=False)
    text = head + ",,,,,,,,,,,\n" * 7 + last + ",,,,,,,,,,,\n" * 2
    (inputs_dir / "workers.csv").write_text(text, "utf-8")
    first = workers.height + 1  # the header is line 1
    _, said, streamed = _refusal(lambda d: d / "workers.csv", inputs_dir, tmp_path, cli)
    lines = ", ".join(str(n) for n in range(first, first + 5))
    for message in (said, streamed):
        assert (
            f"第 {lines} 行等 7 行所有字段为空, 位于记录之间, 可能缺了记录, 请补全或删除 (lines "
            f"{lines} and 2 more: every field empty, between records: a record lost? fill them "
            "in or delete them)"
        ) in message
        assert "必填项为空" not in message and "编号重复" not in message


EMPTY_END_NOTE = (
    "文件末尾的 4 个空行已忽略 (ignored 4 empty rows at the end of the file, as Excel/WPS "
    "saves them)"
)


def test_empty_rows_at_the_end_are_left_out_with_a_note(
    inputs_dir: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """Rows Excel and WPS save after the last record (",,,," and blank lines, CRLF and
    spaces): the whole file was refused ("delete them"). They are now left out with one
    note naming the file and how many, by validate and by plan's streamed reader alike, and
    the table reads as the clean file does."""
    from visit_planner.contracts import load_inputs

    workers = pl.read_parquet(inputs_dir / "workers.parquet")
    (inputs_dir / "workers.parquet").unlink()
    path = inputs_dir / "workers.csv"
    path.write_bytes((workers.write_csv() + ",,,,,,,,,,,\r\n , ,,,,,,,,,,\n\n\r\n").encode())
    code, _, err = cli("validate", str(inputs_dir))
    assert code == 0, err
    assert f"警告 WARNING: {path}: {EMPTY_END_NOTE}" in flat(err)
    got = load_inputs(inputs_dir)
    assert got.workers.equals(workers.select(got.workers.columns))
    assert [p.rule for p in got.warnings if p.file == str(path)] == [EMPTY_END_NOTE]
    streamed = stream_inputs(inputs_dir, tmp_path / "chunks", 1_000)
    assert [p.rule for p in streamed.warnings if p.file == str(path)] == [EMPTY_END_NOTE]


@pytest.mark.parametrize(
    ("text", "rows", "left_out"),
    [
        ("id,a,b\n1,2,\n2,,\n,,\n", 2, 1),  # a last row's empty fields stay its own
        ("id,a,b\n1,2,3\n\n \n,,", 1, 3),  # no newline after the last
        ("id,a,b\n1,2,3", 1, 0),
        ("id,a,b\n,,\n", 0, 1),  # no records at all: the header stays
    ],
)
def test_only_the_empty_lines_at_the_end_are_cut(
    tmp_path: Path, text: str, rows: int, left_out: int
) -> None:
    from visit_planner.contracts.reader import read_noted, trailing_empty

    assert trailing_empty(text)[1] == left_out
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    read = read_noted(path, ("id",))
    assert read.frame.height == rows
    assert len(read.notes) == (1 if left_out else 0)

"""Input files as a county office's spreadsheet (Excel, WPS on Chinese Windows) saves them:
each form is either read as the clean file is, or refused by file, column, rule and ids,
Chinese first, with exit 2 and nothing read of it silently wrong."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import flat
from visit_planner.contracts.stream import stream_inputs
from visit_planner.errors import ContractError


@pytest.fixture
def csv_dir(small_prefecture_dir: Path, tmp_path: Path) -> Path:
    """The small prefecture's input tables as CSV files (UTF-8), as an office exports them."""
    out = tmp_path / "inputs"
    out.mkdir()
    for path in small_prefecture_dir.glob("*.parquet"):
        if path.stem != "truth":
            pl.read_parquet(path).write_csv(out / f"{path.stem}.csv")
    return out


def excel_shown(code: pl.Expr) -> pl.Expr:
    """A long code as Excel shows it in a General cell, and so saves it: ``5.32601E+11``."""
    number = code.cast(pl.Float64)
    exponent = number.log10().floor()
    mantissa = (number / pl.lit(10.0).pow(exponent)).round(5)
    return pl.format(
        "{}E+{}",
        mantissa.cast(pl.String).str.replace(r"0+$", "").str.replace(r"\.$", ""),
        exponent.cast(pl.Int32),
    )


def test_codes_in_scientific_notation_are_refused(csv_dir: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Twelve-digit village codes shown by Excel as 5.32601E+11 and saved so: every village
    of a county read as one village, and ``validate`` passed (the households' and workers'
    codes alike, so the areas still nested). Now each such code is refused, by file, column
    and ids, by ``validate`` and ``plan``'s streamed reader alike."""
    for table in ("households", "workers"):
        path = csv_dir / f"{table}.csv"
        frame = pl.read_csv(path, infer_schema=False)
        frame.with_columns(excel_shown(pl.col("village_id")).alias("village_id")).write_csv(path)
    hh = pl.read_csv(csv_dir / "households.csv", infer_schema=False)
    assert hh["village_id"][0] == "5.32601E+11"
    code, out, err = cli("validate", str(csv_dir))
    assert code == 2, out
    assert "Traceback" not in out + err
    said = flat(err)
    assert (
        f"{csv_dir / 'households.csv'}: column 'village_id': 编号被表格软件写成科学计数法, "
        "末位数字可能已丢失, 请将该列设为文本格式后重新导出 (an id or code in scientific "
        "notation, as Excel shows a long number: its last digits may be lost; format the "
        f"column as Text and export again) — {hh.height:,} rows: H0000001 (5.32601E+11)"
    ) in said
    assert f"{csv_dir / 'workers.csv'}: column 'village_id': 编号被表格软件写成科学计数法" in said
    with pytest.raises(ContractError) as streamed:
        stream_inputs(csv_dir, tmp_path / "chunks", 1_000)
    assert "科学计数法" in streamed.value.problems[0]


def test_text_that_only_looks_like_a_number_is_kept(csv_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Only a number as spreadsheets write one in scientific notation is refused: a code
    with an E inside it (a household id like H12E3) is text, read as it is."""
    path = csv_dir / "households.csv"
    frame = pl.read_csv(path, infer_schema=False)
    first = pl.int_range(pl.len()) == 0
    frame.with_columns(
        pl.when(first).then(pl.lit("H12E3")).otherwise(pl.col("household_id")).alias("household_id")
    ).write_csv(path)
    code, _, err = cli("validate", str(csv_dir))
    assert code == 0, err
    assert "科学计数法" not in err


FULL_WIDTH = str.maketrans(
    {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"}
)
"""ASCII digits, capitals and '-' to the full-width forms a Chinese input method types."""


def test_full_width_and_padded_values_read_as_the_clean_file(csv_dir: Path) -> None:
    """Ids, numbers and months typed with a Chinese input method (Ｗ００００１６, ４,
    ２０２６－１０) and padded with a no-break space: a full-width id read as another id, so
    a conflict or a previous pairing so typed named an unknown household and was left out,
    a full-width count or month was refused. Now they read as the clean file reads."""
    from visit_planner.contracts import load_inputs

    clean = load_inputs(csv_dir)
    typed = {
        "households": ("members", "grid_id"),
        "workers": ("own_household_id", "grid_id"),
        "previous_assignment": ("household_id", "worker_id", "month"),
        "conflicts": ("worker_id", "household_id"),
    }
    for table, names in typed.items():
        path = csv_dir / f"{table}.csv"
        frame = pl.read_csv(path, infer_schema=False)
        frame.with_columns(
            pl.col(name).map_elements(
                lambda v: v.translate(FULL_WIDTH) + "\u00a0", return_dtype=pl.String
            )
            for name in names
        ).write_csv(path)
    assert "Ｗ００００１６\u00a0" in (csv_dir / "conflicts.csv").read_text()
    got = load_inputs(csv_dir)
    for table in typed:
        assert getattr(got, table).equals(getattr(clean, table)), table
    assert got.warnings == clean.warnings == ()


def workbook_refusal(path: Path, csv_name: str) -> str:
    """How a workbook where a table's file belongs is refused."""
    return (
        f"{path}: 是 Excel/WPS 工作簿, 无法直接读取, 请在 Excel 或 WPS 中“另存为” “CSV UTF-8 "
        f"(逗号分隔)”, 文件名 {csv_name} (a spreadsheet workbook is not read: save the sheet "
        f"with Save As, type 'CSV UTF-8 (Comma delimited)', as {csv_name})"
    )


def test_workbooks_are_refused_saying_how_to_save_them(csv_dir: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A month's tables saved as workbooks (households.xlsx, conflicts.et): the households
    were said to be missing ('expected households.parquet or households.csv') and the
    conflicts silently not read, an optional table. Each workbook is now named, with how to
    save it as the CSV expected; by ``validate``, ``plan``'s reader and a single file alike."""
    (csv_dir / "households.csv").rename(csv_dir / "households.xlsx")
    (csv_dir / "conflicts.csv").rename(csv_dir / "conflicts.et")
    code, out, err = cli("validate", str(csv_dir))
    assert code == 2, out
    assert "Traceback" not in out + err
    said = flat(err)
    for name, stem in (("households.xlsx", "households"), ("conflicts.et", "conflicts")):
        assert workbook_refusal(csv_dir / name, f"{stem}.csv") in said, said
    assert "required table is missing" not in said
    with pytest.raises(ContractError) as streamed:
        stream_inputs(csv_dir, tmp_path / "chunks", 1_000)
    assert len(streamed.value.problems) == 2
    scores = tmp_path / "scores.csv"
    scores.write_text("household_id,final_tier,p_tier1\nH0000001,3,0.1\n")
    code, out, err = cli(
        "assign",
        *("--scores", str(scores), "--households", str(csv_dir / "households.xlsx")),
        *("--workers", str(csv_dir / "workers.csv"), "--out", str(tmp_path / "run")),
    )
    assert code == 2, out
    assert workbook_refusal(csv_dir / "households.xlsx", "households.csv") in flat(err)
    assert not (tmp_path / "run").exists()


def test_a_workbook_beside_its_csv_is_not_in_the_way(csv_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """The workbook an office keeps beside the CSV it saved from it is left alone."""
    (csv_dir / "conflicts.xlsx").write_bytes(b"PK\x03\x04")
    code, out, err = cli("validate", str(csv_dir))
    assert code == 0, err
    assert "工作簿" not in out + err


def test_file_names_in_another_case_are_read(csv_dir: Path) -> None:
    """Households.CSV and CONFLICTS.csv, as Windows (which does not tell case apart) may
    save them: households were said to be missing, the conflicts silently not read. They
    are read as households.csv and conflicts.csv are; the same table twice in two cases is
    refused as two files of one table are."""
    from visit_planner.contracts import find_table, load_inputs

    clean = load_inputs(csv_dir)
    (csv_dir / "households.csv").rename(csv_dir / "Households.CSV")
    (csv_dir / "conflicts.csv").rename(csv_dir / "CONFLICTS.csv")
    assert find_table(csv_dir, "households") == csv_dir / "Households.CSV"
    got = load_inputs(csv_dir)
    assert got.households.equals(clean.households)
    assert got.conflicts.equals(clean.conflicts) and got.conflicts.height > 0
    (csv_dir / "conflicts.csv").write_bytes((csv_dir / "CONFLICTS.csv").read_bytes())
    with pytest.raises(ContractError) as refused:
        load_inputs(csv_dir)
    assert refused.value.problems == [
        f"{csv_dir}: 文件重复, 请只保留一个 (both CONFLICTS.csv and conflicts.csv exist; keep one)"
    ]


def test_header_names_with_spaces_are_read_as_meant(csv_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A header cell typed 'household_id ' (or with a no-break space, or full-width): the
    file was refused for 'household_id' missing, a column it visibly holds. Such names now
    read as the name; one that would then read as another of the header's stays itself."""
    from visit_planner.contracts import load_inputs
    from visit_planner.contracts.cells import header_names

    clean = load_inputs(csv_dir)
    path = csv_dir / "households.csv"
    text = path.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    header = header.replace("household_id,", "household_id ,").replace(
        ",members,", ",\u00a0ｍｅｍｂｅｒｓ,"
    )
    path.write_text(f"{header}\n{rest}", encoding="utf-8")
    code, _, err = cli("validate", str(csv_dir))
    assert code == 0, err
    assert load_inputs(csv_dir).households.equals(clean.households)
    assert header_names(["a", "a ", " b"]) == {" b": "b"}


def test_header_names_in_another_case_are_read_with_a_note(
    csv_dir: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """A header typed 'HOUSEHOLD_ID', ' Members' and 'Ｔｏｗｎｓｈｉｐ＿ＩＤ' (case, a space,
    full width): the file was refused, 'HOUSEHOLD_ID' an unknown column and household_id
    missing. Each now reads as the contract's name, by validate and by plan's streamed
    reader, with one note naming them as typed; the table reads as the clean file does."""
    from visit_planner.contracts import load_inputs

    path = csv_dir / "households.csv"
    clean = pl.read_csv(path, infer_schema=False)
    text = path.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    typed = (
        header.replace("household_id,", "HOUSEHOLD_ID,")
        .replace(",members,", ", Members,")
        .replace(",township_id,", ",Ｔｏｗｎｓｈｉｐ＿ＩＤ,")
    )
    path.write_text(f"{typed}\n{rest}", encoding="utf-8")
    note = (
        f"{path}: 表头列名已按规定列名读取 (header names read as the columns they name, "
        "ignoring case, spaces and full-width forms): 'HOUSEHOLD_ID' → 'household_id', "
        "'Ｔｏｗｎｓｈｉｐ＿ＩＤ' → 'township_id', ' Members' → 'members'"
    )
    code, _, err = cli("validate", str(csv_dir))
    assert code == 0, err
    assert f"警告 WARNING: {note}" in flat(err)
    got = load_inputs(csv_dir)
    for name in ("household_id", "township_id", "members"):
        assert got.households[name].cast(pl.String).equals(clean[name], check_names=False)
    assert [p.message() for p in got.warnings if p.file == str(path)] == [note]
    streamed = stream_inputs(csv_dir, tmp_path / "chunks", 1_000)
    assert [p.message() for p in streamed.warnings if p.file == str(path)] == [note]


def test_a_header_typed_in_chinese_names_its_columns_and_the_rule(csv_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A header a clerk typed in Chinese (户编号 for household_id): the refusal named the
    missing English columns alone, not the file's own names nor that the header must use
    the English ones. Now both, in one run."""
    path = csv_dir / "households.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("household_id,", "户编号,", 1), encoding="utf-8")
    code, out, err = cli("validate", str(csv_dir))
    assert code == 2, out
    said = flat(err)
    assert f"{path}: column 'household_id': 缺少必需列 (required column is missing)" in said
    assert (
        f"{path}: column '户编号': 列名不在契约中; 表头须用契约规定的英文列名, 如缺少的 "
        "'household_id' (not a column of the contract: the header must use the contract's "
        "English names, such as the missing 'household_id')"
    ) in said


def test_a_word_for_none_where_a_cell_must_be_empty_is_shown(csv_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Cadres' village_id written 无 and grid_id NA, as a clerk fills cells that have no
    value: each was refused as 'a cadre must not carry a village_id' and the worker's id
    alone, which a clerk who sees no code there cannot act on. The value is now shown, and
    the rule says to leave the cell empty, in both languages."""
    path = csv_dir / "workers.csv"
    workers = pl.read_csv(path, infer_schema=False)
    cadre = pl.col("role") == "cadre"
    workers.with_columns(
        pl.when(cadre).then(pl.lit("无")).otherwise(pl.col("village_id")).alias("village_id"),
        pl.when(cadre).then(pl.lit("NA")).otherwise(pl.col("grid_id")).alias("grid_id"),
    ).write_csv(path)
    first = workers.filter(cadre)["worker_id"][0]
    code, out, err = cli("validate", str(csv_dir))
    assert code == 2, out
    said = flat(err)
    for column, value in (("village_id", "无"), ("grid_id", "NA")):
        assert (
            f"{path}: column '{column}': 角色与辖区编号不符, 须留空 (a cadre must not carry a "
            f"{column}: its jurisdiction is wider; leave it empty) — "
        ) in said
        assert f"{first} ({value})" in said


def test_codes_written_as_decimals_in_a_csv_are_refused(csv_dir: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """County and township codes written 532601.0 in both the households' and the workers'
    CSV (a number column as a program writes it): validate passed, and the codes matched no
    place name nor a user's scope (township:532601001). A Parquet file's decimal codes were
    refused already; a CSV's are now, in the same words, whole and streamed. A month in
    another form (2026.10) is no code and still reads as the month."""
    for table in ("households", "workers"):
        path = csv_dir / f"{table}.csv"
        frame = pl.read_csv(path, infer_schema=False)
        frame.with_columns(pl.col("county_id") + ".0", pl.col("township_id") + ".0").write_csv(path)
    previous = csv_dir / "previous_assignment.csv"
    frame = pl.read_csv(previous, infer_schema=False)
    frame.with_columns(pl.col("month").str.replace("-", ".")).write_csv(previous)
    code, out, err = cli("validate", str(csv_dir))
    assert code == 2, out
    said = flat(err)
    assert (
        f"{csv_dir / 'households.csv'}: column 'county_id': 类型错误, 编号与代码须存为文本, "
        "不能是小数 (value is not a valid String: an id or code must be stored as text, not "
        "as a decimal number) — 10,000 rows: H0000001 (532601.0)"
    ) in said
    for table, column in (("households", "township_id"), ("workers", "county_id")):
        assert f"{csv_dir / table}.csv: column '{column}': 类型错误, 编号与代码须存为文本" in said
    assert "month" not in said
    with pytest.raises(ContractError) as streamed:
        stream_inputs(csv_dir, tmp_path / "chunks", 1_000)
    assert "编号与代码须存为文本" in streamed.value.problems[0]


def test_header_columns_without_a_name_are_named_by_place(csv_dir: Path, tmp_path: Path) -> None:
    """Every line of workers.csv ending in a comma (a spreadsheet's formatted empty column):
    the warning read 'workers.csv: 契约外的列, 已删除' without saying which column. It now
    names the column by its place, whole and streamed alike, and the table reads as clean."""
    from visit_planner.contracts import load_inputs

    clean = load_inputs(csv_dir)
    for table in ("workers", "households"):
        path = csv_dir / f"{table}.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("".join(f"{line},\n" for line in lines), encoding="utf-8")
    got = load_inputs(csv_dir)
    assert got.workers.equals(clean.workers) and got.households.equals(clean.households)
    warned = [w.message() for w in got.warnings]
    assert warned == [
        f"{csv_dir / 'households.csv'}: 表头第 30 列没有列名, 已删除, 不再读取 (the header "
        "gives column 30 no name: dropped, its values not read further)",
        f"{csv_dir / 'workers.csv'}: 表头第 13 列没有列名, 已删除, 不再读取 (the header "
        "gives column 13 no name: dropped, its values not read further)",
    ]
    streamed = stream_inputs(csv_dir, tmp_path / "chunks", 1_000)
    assert sorted(w.message() for w in streamed.warnings) == warned


def test_a_column_name_given_twice_is_refused(csv_dir: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A header naming 'members' twice (a column pasted again; here once with a space after
    it): the second was read as another column and dropped as outside the contract, or not
    read as meant at all, without saying which of the two was read. The file is now refused,
    naming the name and both places, beside its other problems (head_gender is missing)."""
    path = csv_dir / "households.csv"
    text = path.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    path.write_text(f"{header.replace(',head_gender', ',members ')}\n{rest}", encoding="utf-8")
    said = [
        f"{path}: column 'members': 列名重复, 见第 8、29 列, 请只保留一列 (the header gives 2 "
        "columns this name: columns 8 ('members'), 29 ('members '); keep one)",
        f"{path}: column 'head_gender': 缺少必需列 (required column is missing)",
    ]
    code, out, err = cli("validate", str(csv_dir))
    assert code == 2, out
    for line in said:
        assert line in flat(err)
    with pytest.raises(ContractError) as streamed:
        stream_inputs(csv_dir, tmp_path / "chunks", 1_000)
    assert streamed.value.problems == said
    path.write_text(f"{header.replace(',head_gender', ',members')}\n{rest}", encoding="utf-8")
    code, _, err = cli("validate", str(csv_dir))  # the same name twice, as it is
    assert code == 2 and (
        f"{path}: column 'members': 列名重复, 见第 8、29 列, 请只保留一列 (the header gives 2 "
        "columns this name: columns 8, 29; keep one)"
    ) in flat(err)
    path.write_text(f"{header.replace(',head_gender', ',Members')}\n{rest}", encoding="utf-8")
    code, _, err = cli("validate", str(csv_dir))  # in another case: still one name
    assert code == 2 and "columns 8 ('members'), 29 ('Members'); keep one" in flat(err)


def test_data_files_named_as_no_table_are_named(csv_dir: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Tables saved under names a clerk gave them (农户.csv, 利益冲突.csv): the households
    were said to be missing without a word on the files there, and the conflicts, an
    optional table, were silently not read. Such files are now named among the errors, or
    in a warning when the tables are fine; the tool's own files (truth, scores) are not."""
    (csv_dir / "conflicts.csv").rename(csv_dir / "利益冲突.csv")
    (csv_dir / "scores.parquet").write_bytes(b"")
    rule = (
        "以下文件未被读取, 文件名不是任何表的名称: 利益冲突.csv; 表的文件名须为 households, "
        "workers, previous_assignment, conflicts, places (.csv 或 .parquet) (not read, their "
        "names are no table's: 利益冲突.csv; a table's file is named households, workers, "
        "previous_assignment, conflicts, places, .csv or .parquet)"
    )
    code, _, err = cli("validate", str(csv_dir))
    assert code == 0, err
    assert f"警告 WARNING: {csv_dir}: {rule}" in flat(err)
    streamed = stream_inputs(csv_dir, tmp_path / "chunks", 1_000)
    assert [w.message() for w in streamed.warnings] == [f"{csv_dir}: {rule}"]
    (csv_dir / "households.csv").rename(csv_dir / "农户.csv")
    code, out, err = cli("validate", str(csv_dir))
    assert code == 2, out
    said = flat(err)
    assert f"{csv_dir / 'households.parquet'}: 缺少必需文件" in said
    assert f"{csv_dir}: 以下文件未被读取, 文件名不是任何表的名称: 农户.csv, 利益冲突.csv;" in said


def test_full_width_commas_as_separators_are_named(csv_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A conflicts.csv typed in Notepad with a Chinese input method, its fields separated by
    '，': it was refused as both columns missing and one column 'worker_id,household_id'
    outside the contract. It is now named as a file of another separator is."""
    from visit_planner.contracts.cells import header_names

    path = csv_dir / "conflicts.csv"
    path.write_text("worker_id，household_id\nW000016，H0003246\n", encoding="utf-8")
    code, out, err = cli("validate", str(csv_dir))
    assert code == 2, out
    assert flat(err) == (
        f"错误 ERROR: {path}: 列以全角逗号分隔, 须为逗号 (the columns are separated by "
        "full-width commas ('，'), not commas: save the file as comma-separated CSV)"
    )
    assert header_names(["a", "b，c"]) == {}


def test_a_word_for_none_in_an_optional_number_says_to_leave_it_empty(csv_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """previous_tier written 无 and assessed_tier 空 for households never assessed: refused
    as 'value is not a whole number', though the column may be empty, which the clerk was
    not told. The rule of a column that may be empty now says so; a required one's is as
    it was."""
    path = csv_dir / "households.csv"
    frame = pl.read_csv(path, infer_schema=False)
    first = pl.int_range(pl.len()) == 0
    frame.with_columns(
        pl.when(first).then(pl.lit("无")).otherwise(pl.col("previous_tier")).alias("previous_tier"),
        pl.when(first).then(pl.lit("空")).otherwise(pl.col("members")).alias("members"),
    ).write_csv(path)
    code, out, err = cli("validate", str(csv_dir))
    assert code == 2, out
    said = flat(err)
    assert (
        f"{path}: column 'previous_tier': 类型错误, 应为整数, 无值请留空 (value is not a whole "
        "number; leave it empty for none) — 1 row: H0000001 (无)"
    ) in said
    assert (
        f"{path}: column 'members': 类型错误, 应为整数 (value is not a whole number) — 1 row: "
        "H0000001 (空)"
    ) in said


def test_a_header_repeated_inside_the_file_is_named(csv_dir: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Two townships' exports joined into one workers.csv, the second with its header (and a
    byte-order mark): refused with a type error in each number column, each named by a row
    whose id was 'worker_id' ('1 row: worker_id (lon)'). Now the line is named as repeating
    the header, whole and streamed alike."""
    path = csv_dir / "workers.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    joined = [lines[0], *lines[1:200], "\ufeff" + lines[0], *lines[200:]]
    path.write_text("\n".join(joined) + "\n", encoding="utf-8")
    said = (
        f"{path}: 第 201 行与表头相同, 请删除 (line 201 repeats the header, as when files are "
        "joined together: delete it)"
    )
    code, out, err = cli("validate", str(csv_dir))
    assert code == 2, out
    assert flat(err) == f"错误 ERROR: {said}"
    with pytest.raises(ContractError) as streamed:
        stream_inputs(csv_dir, tmp_path / "chunks", 1_000)
    assert streamed.value.problems == [said]


def test_codes_written_as_text_formulas_read_as_their_text(csv_dir: Path) -> None:
    """Codes exported as ="532601001" (so that Excel keeps them as text): validate passed
    with codes that carried the =" and ", matching no place name and no user's scope. They
    now read as the text inside; ="" in a column that may be empty is an empty cell."""
    from visit_planner.contracts import load_inputs

    clean = load_inputs(csv_dir)
    for table in ("households", "workers"):
        path = csv_dir / f"{table}.csv"
        frame = pl.read_csv(path, infer_schema=False)
        frame.with_columns(
            pl.format('="{}"', pl.col(name)) for name in ("county_id", "township_id")
        ).with_columns(
            pl.col(name).fill_null('=""') for name in frame.columns if name == "own_household_id"
        ).write_csv(path)
    assert '"=""532601""",' in (csv_dir / "households.csv").read_text(encoding="utf-8")
    assert '=""""' in (csv_dir / "workers.csv").read_text(encoding="utf-8")
    got = load_inputs(csv_dir)
    assert got.households.equals(clean.households)
    assert got.workers.equals(clean.workers)
    assert got.warnings == ()


AWKWARD_IDS = [
    '=a"b', '@"', '+锦屏"镇', "-H,1", '=""', '="x"', "'=y", '=HYPERLINK("http://x","点")',
    '"q"', 'a""b', "锦屏,1", "H0000001",
]  # fmt: skip
"""Household ids the contracts accept (any non-blank text): quotes, a formula's first
character, commas, Chinese, and text that already looks like a text formula."""


def test_awkward_ids_read_back_as_written_by_every_csv_writer(tmp_path: Path) -> None:
    """score --out wrote an id opening with = + - @ as the formula of its text, a "
    inside doubled (="=a""b"), and the reader kept the doubling: assign --scores refused
    =a"b as an unknown household (=a""b). Every id now reads back as written, through the
    scores' writer and the reader assign, check-plan and explain use, and through the
    ' mark the people's CSVs use (overrides export-corrections, read by train)."""
    from visit_planner.contracts.cells import formula_text
    from visit_planner.contracts.tables import read_table
    from visit_planner.csv_cells import formula_safe, formula_text_back
    from visit_planner.risk_job import _atomic_write

    n = len(AWKWARD_IDS)
    scores = pl.DataFrame(
        {
            "household_id": AWKWARD_IDS, "final_tier": pl.Series([1] * n, dtype=pl.Int8),
            "p_tier1": [0.5] * n, "model_version": ["3"] * n, "tier_source": ["model"] * n,
        }
    )  # fmt: skip
    path = tmp_path / "scores.csv"
    _atomic_write(scores, path)
    written = pl.read_csv(path, infer_schema=False)["household_id"]
    assert written[0] == '="=a""b"' and written.to_list()[-3:] == AWKWARD_IDS[-3:]
    assert not written.str.contains(r"^[+\-@]").any()  # none a spreadsheet would run
    assert read_table(path, "scores")[0]["household_id"].to_list() == AWKWARD_IDS
    marked = tmp_path / "marked.csv"
    formula_safe(pl.DataFrame({"household_id": AWKWARD_IDS})).write_csv(marked, include_bom=True)
    back = formula_text_back(pl.read_csv(marked, infer_schema=False), ("household_id",))
    assert back["household_id"].to_list() == AWKWARD_IDS
    # Another system's text formulas: a doubled " undone inside one only; a formula that
    # joins texts is not a text formula, kept as written.
    other = pl.DataFrame({"id": ['="a""b"', ' ="5326" ', 'a""b', '="a"&"b"', '="""']})
    read = ['a"b', "5326", 'a""b', '="a"&"b"', '="""']
    assert formula_text(other, ("id",))["id"].to_list() == read


def test_invisible_characters_in_ids_and_names_are_taken_out(csv_dir: Path) -> None:
    """A conflict's household id pasted from a chat message with a zero-width space after
    it: the row was left out as naming an unknown household, which the warning showed as
    the very id that exists (H0003246); the worker could then be paired with the household
    the conflict was declared for. Zero-width characters are now taken out of values and
    header names alike, and the tables read as the clean files do."""
    from visit_planner.contracts import load_inputs
    from visit_planner.contracts.cells import header_note

    clean = load_inputs(csv_dir)
    path = csv_dir / "conflicts.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("worker_id", "\u200bworker_id")
    lines[1] = lines[1] + "\u200b"
    lines[2] = "\u2060" + lines[2]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = load_inputs(csv_dir)
    assert got.conflicts.equals(clean.conflicts)
    assert [p.rule for p in got.warnings] == [header_note({"\u200bworker_id": "worker_id"})]


def test_place_names_keep_their_full_width_punctuation(csv_dir: Path) -> None:
    """Codes are read in half-width forms, but a place's name is display text: a township
    named 开化街道（老城区） keeps its full-width brackets, as written."""
    from visit_planner.contracts import load_inputs

    path = csv_dir / "places.csv"
    places = pl.read_csv(path, infer_schema=False)
    first = pl.int_range(pl.len()) == 0
    places.with_columns(
        pl.when(first)
        .then(pl.lit("开化街道（老城区）"))
        .otherwise(pl.col("name_zh"))
        .alias("name_zh"),
        pl.when(first).then(pl.lit("５３２６０１")).otherwise(pl.col("code")).alias("code"),
    ).write_csv(path)
    got = load_inputs(csv_dir).places
    assert got is not None
    assert got.row(0)[:3] == ("532601", "county", "开化街道（老城区）")


def test_a_gbk_line_in_a_utf8_file_is_named_not_read_as_mojibake(csv_dir: Path) -> None:
    """A UTF-8 places.csv with one line pasted from a GBK file: the file was read whole as
    GB18030, so every other line's Chinese name became other characters (文山 read as
    鏂囧北), without a word when their bytes paired up. It is now refused, naming the
    line; a file all in GBK still reads, names and all."""
    from visit_planner.contracts import load_inputs

    path = csv_dir / "places.csv"
    places = pl.read_csv(path, infer_schema=False).with_columns(
        pl.format("文山{}", pl.int_range(pl.len()).cast(pl.String)).alias("name_zh")
    )
    lines = places.write_csv().encode("utf-8").split(b"\n")
    lines[3] = lines[3].decode("utf-8").encode("gbk")
    path.write_bytes(b"\n".join(lines))
    assert "鏂囧北" in path.read_bytes().decode("gb18030")  # how it was read
    with pytest.raises(ContractError) as refused:
        load_inputs(csv_dir)
    assert refused.value.problems == [
        f"{path}: 第 4 行不是 UTF-8 编码, 而文件其余部分是, 可能是从 GBK 文件粘贴或合并而来, "
        "请将整个文件另存为 CSV UTF-8 (line 4 is not UTF-8 text while the rest of the file is: "
        "pasted or joined from a GBK file? save the whole file again as 'CSV UTF-8')"
    ]
    path.write_bytes(places.write_csv().encode("gbk"))
    got = load_inputs(csv_dir).places
    assert got is not None and got["name_zh"].equals(places["name_zh"])

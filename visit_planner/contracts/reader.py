"""Read one input table from Parquet or CSV and cast it to its contract dtypes.

Casting is done here, once, at the boundary: every value that cannot be read as its column's
dtype is reported with the row's id (never silently turned into a null), a missing column is
reported by name, and columns outside the contract are dropped with a warning so that stray
personal data (names, ID-card numbers) never travels further.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from visit_planner.contracts.report import Problem
from visit_planner.errors import ContractError

_TRUE = ("true", "t", "1", "yes", "y", "是", "有", "√")
_FALSE = ("false", "f", "0", "no", "n", "否", "无", "×")

CODE_SYNONYMS: dict[str, dict[str, str]] = {
    "housing_safety_grade": {"A级": "A", "B级": "B", "C级": "C", "D级": "D"},
    "hazard_exposure": {"无": "none", "干旱": "drought", "滑坡": "landslide", "洪涝": "flood"},
}
"""How Chinese office exports write the contract's codes, per column (read as the code)."""

MISSING_COLUMN_RULE = "缺少必需列 (required column is missing)"
"""The rule of a missing column (the reader's and pandera's, worded once)."""


def csv_text(path: Path) -> str:
    """A CSV file's text: UTF-8 (with or without BOM), else GB18030 (covers GBK, the default
    export of Chinese Excel); the file is named when it is neither."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise ContractError(
            [
                f"{path}: 文件编码无法识别, 请另存为 UTF-8 编码的 CSV "
                "(not UTF-8 and not GBK/GB18030 text; save it as 'CSV UTF-8')"
            ]
        ) from None


SEPARATORS = {";": "分号 semicolons", "\t": "制表符 tabs", "|": "竖线 bars"}
"""Column separators of other CSV dialects, named when a file uses one instead of commas."""


def read_raw(path: Path) -> pl.DataFrame:
    """Read ``path`` (.parquet or .csv) as stored; CSV columns come back as strings (UTF-8 or
    GBK/GB18030 text). A CSV whose one column's name holds another separator (``;``, a tab)
    is refused, named: its columns would otherwise all read as missing."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pl.read_parquet(path)
    if suffix == ".csv":
        frame = pl.read_csv(io.StringIO(csv_text(path)), infer_schema=False)
        header = frame.columns[0] if frame.width == 1 else ""
        for sep, name in SEPARATORS.items():
            if sep in header:
                zh, en = name.split(" ")
                raise ContractError([
                    f"{path}: 列以{zh}分隔, 须为逗号 (the columns are separated by {en} "
                    f"({sep!r}), not commas: save the file as comma-separated CSV)"
                ])  # fmt: skip
        return frame
    raise ContractError([
        f"{path}: 不支持的文件类型 {suffix!r}, 请用 .parquet 或 .csv "
        f"(unsupported file type {suffix!r}; use .parquet or .csv)"
    ])  # fmt: skip


def csv_line_problem(text: str) -> str | None:
    """The first line of CSV ``text`` that cannot be parsed, and why, in Chinese and English
    (None when every line parses): a row with more or fewer fields than the header, or a
    quoted field that is not closed (the parser's own text says neither where nor why)."""
    if not text.strip():
        return "文件为空, 第 1 行须为列名 (the file is empty: line 1 must name the columns)"
    reader = csv.reader(io.StringIO(text), strict=True)
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            if header is None:
                header = row
            elif row and len(row) != len(header):
                return (
                    f"第 {start} 行有 {len(row)} 个字段, 列名有 {len(header)} 个 (line {start} "
                    f"has {len(row)} fields, the header {len(header)}: a missing or extra comma?)"
                )
            start = reader.line_num + 1
    except csv.Error:
        return (
            f"第 {start} 行: 引号未闭合或格式错误 (line {start}: a quoted field is not closed "
            'or the quoting is broken: an unmatched ")'
        )
    return None


PARQUET_MAGIC = b"PAR1"


def unreadable_reason(path: Path, exc: Exception) -> str:
    """Why ``path`` could not be read as a table (``exc``: the reader's exception), in
    Chinese and English, for a message after the file's name: an empty file, a .parquet that
    is no Parquet (CSV text under the wrong name) or is cut short, the line of a CSV that does
    not parse; else the reader's own first line."""
    size = path.stat().st_size
    if size == 0:
        return "文件为空 (the file is empty: 0 bytes)"
    if path.suffix.lower() == ".parquet":
        with path.open("rb") as f:
            head = f.read(len(PARQUET_MAGIC))
            f.seek(max(size - len(PARQUET_MAGIC), 0))
            tail = f.read()
        if head != PARQUET_MAGIC:
            text = b"\x00" not in head and b"," in path.read_bytes()[:4096]
            hint = ": it looks like CSV text, so name it .csv" if text else ""
            return f"不是 Parquet 文件 (not a Parquet file{hint})"
        if tail != PARQUET_MAGIC:
            return "Parquet 文件不完整 (the Parquet file is cut short: copy or export it again)"
    elif path.suffix.lower() == ".csv" and (why := csv_line_problem(csv_text(path))):
        return why
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else "?"
    return f"无法读取文件 (cannot read the file: {first})"


def row_labels(df: pl.DataFrame, id_columns: tuple[str, ...], offset: int = 0) -> pl.Series:
    """A printable id per row: the id column(s), or ``row N`` (1-based) where missing; N counts
    from the start of the file when ``df`` is a chunk whose first row is the file's row
    ``offset + 1``."""
    present = [col for col in id_columns if col in df.columns]
    row_no = pl.concat_str(pl.lit("row "), (pl.int_range(pl.len()) + 1 + offset).cast(pl.String))
    if not present:
        return df.select(row_no.alias("label")).to_series()
    ids = pl.concat_str([pl.col(col).cast(pl.String) for col in present], separator="/")
    return df.select(pl.coalesce(ids, row_no).alias("label")).to_series()


def _cast_expr(name: str, source: pl.DataType, target: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if target == pl.Boolean() and source == pl.String():
        low = col.str.strip_chars().str.to_lowercase()
        return (
            pl.when(low.is_in(_TRUE))
            .then(pl.lit(True))
            .when(low.is_in(_FALSE))
            .then(pl.lit(False))
            .otherwise(pl.lit(None, pl.Boolean))
        )
    if source == pl.String():
        col = col.str.strip_chars()
        col = pl.when(col == "").then(None).otherwise(col)
        if name in CODE_SYNONYMS:
            col = col.replace(CODE_SYNONYMS[name])
    if target.is_integer() and source.is_float():
        # Refuse 2.5 members rather than truncating it to 2.
        return pl.when(col == col.floor()).then(col.cast(target, strict=False))
    if target.is_integer() and source == pl.String():
        # "2.0" from a spreadsheet is fine; "2.5" is not.
        as_float = col.cast(pl.Float64, strict=False)
        return pl.when(as_float == as_float.floor()).then(as_float.cast(target, strict=False))
    if target == pl.String() and source.is_float():
        # An id or code saved as a decimal number reads "532601.0": refused, not matched to
        # nothing (every reference to it "unknown") or to a rounded neighbour.
        return pl.lit(None, pl.String)
    if target == pl.String() and source != pl.String():
        return col.cast(pl.String)
    return col.cast(target, strict=False)


DECIMAL_TEXT_RULE = (
    "类型错误, 编号与代码须存为文本, 不能是小数 (value is not a valid String: an id or code "
    "must be stored as text, not as a decimal number)"
)


def cast_to_contract(
    df: pl.DataFrame,
    spec: dict[str, pl.DataType],
    file: str,
    id_columns: tuple[str, ...],
    offset: int = 0,
    *,
    known: tuple[str, ...] = (),
) -> tuple[pl.DataFrame, list[Problem]]:
    """Keep the contract's columns in contract order, cast each, and report what fails.

    Returns the cast frame (only meaningful when no error was reported) and the problems.
    ``offset``: the rows before ``df`` in its file, when ``df`` is a chunk of it (row numbers
    in the messages are the file's). ``known``: columns the file's producer writes that are
    not read here (e.g. a scores file's ``reasons``): dropped without a warning.
    """
    problems: list[Problem] = []
    missing = [name for name in spec if name not in df.columns]
    if missing:
        problems.append(Problem(file, ", ".join(missing), MISSING_COLUMN_RULE))
        return df, problems
    extra = [name for name in df.columns if name not in spec and name not in known]
    if extra:
        problems.append(
            Problem(
                file,
                ", ".join(extra),
                "契约外的列, 已删除, 不再读取 "
                "(not in the contract: dropped, its values not read further)",
                severity="warning",
            )
        )
    labels = row_labels(df, id_columns, offset)
    cast = df.select(
        _cast_expr(name, df.schema[name], dtype).alias(name) for name, dtype in spec.items()
    )
    for name, dtype in spec.items():
        bad = df[name].is_not_null() & cast[name].is_null()
        if df.schema[name] == pl.String():
            bad = bad & (df[name].str.strip_chars() != "")
        n_bad = int(bad.sum())
        if n_bad:
            problems.append(
                Problem(
                    file,
                    name,
                    DECIMAL_TEXT_RULE
                    if dtype == pl.String() and df.schema[name].is_float()
                    else f"类型错误 (value is not a valid {dtype})",
                    ids=tuple(labels.filter(bad).head(5).to_list()),
                    count=n_bad,
                    examples=tuple(str(v) for v in df[name].filter(bad).head(5).to_list()),
                )
            )
    return cast, problems


def failed_cast_rows(
    raw: pl.DataFrame, cast: pl.DataFrame, spec: dict[str, pl.DataType]
) -> pl.Series:
    """Rows where some value could not be read as its column's dtype (as reported by
    :func:`cast_to_contract`), so the other rules can still be checked on the rest."""
    bad = pl.Series("bad", [False] * raw.height)
    for name in spec:
        if name not in raw.columns:
            continue
        failed = raw[name].is_not_null() & cast[name].is_null()
        if raw.schema[name] == pl.String():
            failed = failed & (raw[name].str.strip_chars() != "")
        bad = bad | failed.fill_null(False)
    return bad

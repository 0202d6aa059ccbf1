"""Read one input table from Parquet or CSV and cast it to its contract dtypes.

Casting is done here, once, at the boundary: every value that cannot be read as its column's
dtype is reported with the row's id (never silently turned into a null), a missing column is
reported by name, and columns outside the contract are dropped with a warning so that stray
personal data (names, ID-card numbers) never travels further.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from visit_planner.contracts.report import Problem
from visit_planner.errors import ContractError

_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


def read_raw(path: Path) -> pl.DataFrame:
    """Read ``path`` (.parquet or .csv) as stored; CSV columns come back as strings."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pl.read_parquet(path)
    if suffix == ".csv":
        return pl.read_csv(path, infer_schema=False)
    raise ContractError([f"{path}: unsupported file type {suffix!r} (use .parquet or .csv)"])


def row_labels(df: pl.DataFrame, id_columns: tuple[str, ...]) -> pl.Series:
    """A printable id per row: the id column(s), or ``row N`` (1-based) where missing."""
    present = [col for col in id_columns if col in df.columns]
    row_no = pl.concat_str(pl.lit("row "), (pl.int_range(pl.len()) + 1).cast(pl.String))
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
    if target.is_integer() and source.is_float():
        # Refuse 2.5 members rather than truncating it to 2.
        return pl.when(col == col.floor()).then(col.cast(target, strict=False))
    if target.is_integer() and source == pl.String():
        # "2.0" from a spreadsheet is fine; "2.5" is not.
        as_float = col.cast(pl.Float64, strict=False)
        return pl.when(as_float == as_float.floor()).then(as_float.cast(target, strict=False))
    if target == pl.String() and source != pl.String():
        return col.cast(pl.String)
    return col.cast(target, strict=False)


def cast_to_contract(
    df: pl.DataFrame,
    spec: dict[str, pl.DataType],
    file: str,
    id_columns: tuple[str, ...],
) -> tuple[pl.DataFrame, list[Problem]]:
    """Keep the contract's columns in contract order, cast each, and report what fails.

    Returns the cast frame (only meaningful when no error was reported) and the problems.
    """
    problems: list[Problem] = []
    missing = [name for name in spec if name not in df.columns]
    if missing:
        problems.append(
            Problem(file, ", ".join(missing), "required column is missing (缺少必需列)")
        )
        return df, problems
    extra = [name for name in df.columns if name not in spec]
    if extra:
        problems.append(
            Problem(
                file,
                ", ".join(extra),
                "column is not in the contract and was ignored (not read further)",
                severity="warning",
            )
        )
    labels = row_labels(df, id_columns)
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
                    f"value is not a valid {dtype} (类型错误)",
                    ids=tuple(labels.filter(bad).head(5).to_list()),
                    count=n_bad,
                    examples=tuple(str(v) for v in df[name].filter(bad).head(5).to_list()),
                )
            )
    return cast, problems

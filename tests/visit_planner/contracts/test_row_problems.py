"""row_problems: a few rows a program built, checked against a table's column contract and
worded as for a file (the override corrections use it)."""

from __future__ import annotations

import polars as pl

from visit_planner.contracts import HOUSEHOLDS, Problem, row_problems


def test_rows_get_the_contracts_rule_texts_with_ids_and_values(small_prefecture) -> None:  # type: ignore[no-untyped-def]
    rows = small_prefecture.households.head(3).select(list(HOUSEHOLDS))
    ids = rows["household_id"].to_list()
    assert row_problems(rows, "households", "correction") == []
    broken = rows.with_columns(
        pl.when(pl.col("household_id") == ids[1])
        .then(pl.lit(5000.0))
        .otherwise(pl.col("village_points"))
        .alias("village_points"),
        pl.lit("tsunami").alias("hazard_exposure"),
    )
    problems = row_problems(broken, "households", "correction")
    assert sorted(problems, key=lambda p: p.column) == [
        Problem(
            "correction",
            "hazard_exposure",
            "取值不在允许范围 / must be one of ['none', 'drought', 'landslide', 'flood'] "
            "[isin(['none', 'drought', 'landslide', 'flood'])]",
            ids=tuple(ids),
            count=3,
            examples=("tsunami",) * 3,
        ),
        Problem(
            "correction",
            "village_points",
            "须在 0 与 1000 之间 / must be between 0 and 1000 [in_range(0, 1000)]",
            ids=(ids[1],),
            count=1,
            examples=("5000.0",),
        ),
    ]


def test_a_missing_column_and_an_extra_one_are_the_readers_problems(small_prefecture) -> None:  # type: ignore[no-untyped-def]
    row = small_prefecture.households.head(1).select(list(HOUSEHOLDS))
    extra = row_problems(row.with_columns(pl.lit("x").alias("name")), "households", "f")
    assert [(p.column, p.severity) for p in extra] == [("name", "warning")]
    (missing,) = row_problems(row.drop("members"), "households", "f")
    assert missing.message() == "f: column 'members': 缺少必需列 (required column is missing)"


def test_a_rule_and_a_rows_line_read_as_english_alone_on_a_stream_without_chinese(  # type: ignore[no-untyped-def]
    small_prefecture, tmp_path
) -> None:
    """A value check's rule was ``不得小于 1 (must be >= 1) [greater_than_or_equal_to(1)]`` and
    a CSV row without an id ``第 4 行 (line 4)``: a stream without Chinese read ``1 (must be >=
    1) [...]`` and ``(line 4)`` (the brackets that follow say the English only when they end
    the clause). Both are 中文 / English side by side now."""
    from visit_planner.cli.narrow_encoding import narrow
    from visit_planner.contracts import read_table
    from visit_planner.errors import ContractError

    rows = small_prefecture.households.head(3).select(list(HOUSEHOLDS))
    broken = rows.with_columns(
        pl.Series("members", [0, 1, 1]), pl.Series("household_id", ["H1", None, "H3"])
    )
    path = tmp_path / "households.csv"
    broken.write_csv(path)
    try:
        read_table(path, "households")
    except ContractError as exc:
        said = [narrow(line, "ascii") for line in str(exc).splitlines()]
    else:
        raise AssertionError("the rows were accepted")
    assert f"{path}: column 'household_id': null in a required field - 1 row: line 3" in said
    assert (
        f"{path}: column 'members': must be >= 1 [greater_than_or_equal_to(1)] - 1 row: H1 (0)"
        in said
    )

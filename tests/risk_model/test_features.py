"""TabularEncoder and scoring-data checks."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from risk_model.errors import ScoringDataError
from risk_model.features import TabularEncoder, check_scoring_frame


def _enc(frame: pl.DataFrame, mode: str = "native") -> TabularEncoder:
    return TabularEncoder(
        numeric=("age", "visits"), boolean=("smoker",), categorical=("region",), mode=mode
    ).fit(frame)  # type: ignore[arg-type]


def test_native_output_layout(toy_frame) -> None:  # type: ignore[no-untyped-def]
    enc = _enc(toy_frame)
    x = enc.transform(toy_frame.head(3))
    assert x.shape == (3, 4)
    assert enc.input_columns_ == ["age", "visits", "smoker", "region"]
    assert enc.categories_["region"] == ["east", "north", "south"]
    assert enc.categorical_mask.tolist() == [False, False, False, True]
    assert set(np.unique(enc.transform(toy_frame)[:, 3])) == {0.0, 1.0, 2.0}


def test_unseen_category_and_null_become_missing_in_native_mode(toy_frame) -> None:  # type: ignore[no-untyped-def]
    enc = _enc(toy_frame)
    odd = toy_frame.head(2).with_columns(pl.Series("region", ["west", None]))
    assert np.isnan(enc.transform(odd)[:, 3]).all()


def test_onehot_mode_standardises_and_expands(toy_frame) -> None:  # type: ignore[no-untyped-def]
    enc = _enc(toy_frame, "onehot")
    x = enc.transform(toy_frame)
    assert list(enc.get_feature_names_out()) == [
        "age",
        "visits",
        "smoker",
        "region=east",
        "region=north",
        "region=south",
    ]
    assert abs(float(np.median(x[:, 0]))) < 1e-9
    assert np.allclose(x[:, 3:].sum(axis=1), 1.0)


def test_pandas_input_is_accepted(toy_frame) -> None:  # type: ignore[no-untyped-def]
    enc = _enc(toy_frame)
    assert np.array_equal(
        enc.transform(toy_frame.head(5).to_pandas()), enc.transform(toy_frame.head(5))
    )


def test_missing_feature_column_is_an_error(toy_frame) -> None:  # type: ignore[no-untyped-def]
    enc = _enc(toy_frame)
    with pytest.raises(ScoringDataError, match=r"missing column.*visits"):
        check_scoring_frame(toy_frame.drop("visits"), enc, {}, source="x.parquet")


def test_out_of_bounds_value_is_an_error_naming_rows(toy_frame) -> None:  # type: ignore[no-untyped-def]
    enc = _enc(toy_frame)
    bad = toy_frame.head(4).with_columns(pl.Series("age", [30.0, -3.0, 40.0, 200.0]))
    msg = r"age: 超出有效范围 \(2 value\(s\) outside the valid range.*P00001"
    with pytest.raises(ScoringDataError, match=msg):
        check_scoring_frame(bad, enc, {"age": (0, 120)}, id_column="patient_id")


def test_unseen_category_errors_by_default_and_falls_back_on_request(toy_frame) -> None:  # type: ignore[no-untyped-def]
    enc = _enc(toy_frame)
    odd = toy_frame.head(3).with_columns(pl.Series("region", ["west", "north", "west"]))
    with pytest.raises(
        ScoringDataError, match=r"region: 训练中未出现的类别 \(unseen category \['west'\] in 2 row"
    ):
        check_scoring_frame(odd, enc, {})
    with pytest.raises(ScoringDataError) as no_ids:  # rows without an id: named by number
        check_scoring_frame(odd, enc, {})
    assert "e.g. 第 1 行 row 1, 第 3 行 row 3" in str(no_ids.value)
    report = check_scoring_frame(odd, enc, {}, on_unseen="missing")
    assert report.unseen_rows == {"region": 2}
    assert report.warnings() == [
        "region: 2 行含训练时未见的取值, 按缺失评分 / 2 row(s) with unseen categories, scored "
        "as missing: ['west']"
    ]


def test_an_unseen_category_of_a_many_level_column_lists_ten_known_and_the_fallback(
    toy_frame: pl.DataFrame,
) -> None:
    """A date column's refusal listed all of its ~330 known levels, and none said how to score
    the rows anyway (the documented fallback)."""
    dates = [f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(300)]
    frame = toy_frame.head(300).with_columns(pl.Series("region", dates))
    enc = _enc(frame)
    later = frame.head(2).with_columns(pl.Series("region", ["2025-01-01", "2024-01-01"]))
    with pytest.raises(ScoringDataError) as err:
        check_scoring_frame(later, enc, {})
    text = str(err.value)
    assert f"known: {dates[:10]} and 290 more)" in text
    assert dates[10] not in text
    assert text.endswith(
        "训练中未见的类别可按缺失评分: score --unseen missing, 或策略文件 [risk] "
        'on_unseen_category = "missing" (to score unseen categories as missing instead: '
        'score --unseen missing, or the policy\'s [risk] on_unseen_category = "missing")'
    )
    bad_age = frame.head(1).with_columns(age=pl.lit(-1.0))  # another problem: no such hint
    with pytest.raises(ScoringDataError) as err:
        check_scoring_frame(bad_age, enc, {"age": (0, 120)})
    assert "--unseen" not in str(err.value)


def test_beyond_training_range_is_counted_not_refused(toy_frame) -> None:  # type: ignore[no-untyped-def]
    enc = _enc(toy_frame)
    old = toy_frame.head(2).with_columns(pl.Series("age", [110.0, 50.0]))
    report = check_scoring_frame(old, enc, {"age": (0, 120)})
    assert report.beyond_training_range == {"age": 1}
    assert report.warnings() == [
        "age: 1 行超出训练范围 [18, 94], 按边界值评分 / 1 row(s) beyond the training range "
        "[18, 94], scored as at its edge"
    ]


def test_the_logistic_encodings_fallbacks_are_named_as_they_are_scored(toy_frame) -> None:  # type: ignore[no-untyped-def]
    """The logistic model (one-hot encoding) extrapolates beyond the training range and fills
    a missing number with the training median, a missing boolean with false: its warnings
    said 'scored at the edge' and 'scored as missing'."""
    enc = _enc(toy_frame, mode="onehot")
    odd = toy_frame.head(3).with_columns(
        pl.Series("age", [110.0, 50.0, 60.0]),
        pl.Series("visits", [None, 1.0, 2.0], dtype=pl.Float64),
        pl.Series("smoker", [None, True, False], dtype=pl.Boolean),
        pl.Series("region", [None, "north", "south"]),
    )
    median = enc.median_["visits"]
    assert check_scoring_frame(odd, enc, {"age": (0, 120)}).warnings() == [
        "age: 1 行超出训练范围 [18, 94], 按线性外推评分 / 1 row(s) beyond the training range "
        "[18, 94], scored by linear extrapolation",
        f"visits: 1 个缺失值, 按训练中位数 {median:g} 评分 / 1 missing value(s), scored as the "
        f"training median {median:g}",
        "smoker: 1 个缺失值, 按“否”评分 / 1 missing value(s), scored as false",
        "region: 1 个缺失值, 按缺失评分 / 1 missing value(s), scored as missing",
    ]
    # What the warnings say is what the encoder does.
    x = enc.transform(odd)
    assert x[0, 1] == 0.0  # visits: (median - median) / scale
    assert x[0, 2] == 0.0  # smoker: false
    assert x[0, 0] == (110.0 - enc.median_["age"]) / enc.scale_["age"]  # not clipped at 94


def test_the_warnings_read_chinese_first_with_thousands_separators(toy_frame) -> None:  # type: ignore[no-untyped-def]
    """The audit's defect: English first and ``1500 missing value(s)``."""
    enc = _enc(toy_frame)
    frame = toy_frame.with_columns(  # 3,000 rows: 1,500 without visits, 1,200 aged 110
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(None)
        .otherwise(pl.col("visits"))
        .alias("visits"),
        pl.when(pl.int_range(pl.len()) < 1_200).then(110.0).otherwise(pl.col("age")).alias("age"),
        pl.when(pl.int_range(pl.len()) < 1_001)
        .then(pl.lit("west"))
        .otherwise(pl.col("region"))
        .alias("region"),
    )
    report = check_scoring_frame(frame, enc, {"age": (0, 120)}, on_unseen="missing")
    assert report.warnings() == [
        "region: 1,001 行含训练时未见的取值, 按缺失评分 / 1,001 row(s) with unseen categories, "
        "scored as missing: ['west']",
        "age: 1,200 行超出训练范围 [18, 94], 按边界值评分 / 1,200 row(s) beyond the training "
        "range [18, 94], scored as at its edge",
        "visits: 1,500 个缺失值, 按缺失评分 / 1,500 missing value(s), scored as missing",
    ]


def test_non_numeric_column_is_an_error(toy_frame) -> None:  # type: ignore[no-untyped-def]
    enc = _enc(toy_frame)
    odd = toy_frame.head(3).with_columns(pl.Series("visits", ["a", "2", "b"]))
    with pytest.raises(ScoringDataError) as err:
        check_scoring_frame(odd, enc, {}, id_column="patient_id")
    # the column, the values and the first offending rows are named
    assert "visits: 非数值 (2 value(s) are not numbers ['a', 'b']" in str(err.value)
    first = ", ".join(odd["patient_id"].gather([0, 2]).to_list())
    assert f"e.g. {first})" in str(err.value)

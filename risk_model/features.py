# ruff: noqa: N803  (scikit-learn names the feature matrix X)
"""Feature encoding: a polars (or pandas) frame in, a float matrix out — sklearn conventions.

:class:`TabularEncoder` is the first step of every model pipeline. It reads exactly the spec's
feature columns (``input_columns_`` after fit — a test checks that no audit or identifier
column is among them), learns the category levels and numeric ranges of the training data and
emits either

* ``mode="native"``: numeric and boolean columns as floats (missing → NaN) and categorical
  columns as integer codes (missing → NaN), for HistGradientBoosting's native categoricals; or
* ``mode="onehot"``: standardised numerics (missing → training median), booleans as 0/1 and
  one-hot categoricals, for the logistic baseline.

Scoring data is checked by :func:`check_scoring_frame` before it reaches the encoder (training
data by :func:`value_problems` too, the same rules):

* a missing feature column → :class:`ScoringDataError`;
* a missing (null) or duplicate id → error naming the rows;
* a value that is not a number in a numeric feature, or not a boolean (true/false, 1/0,
  yes/no, 是/否) in a boolean one → error naming the column and the first rows;
* a numeric value outside the spec's ``[bounds]`` (e.g. ``members = -1``), or NaN → error;
* a missing (null) feature value is scored as missing — the model's own missing-value
  handling (the boosted model's learned missing branch, the scorecard's missing level, the
  logistic baseline's training median / false / all-zero one-hot) — and counted in a warning
  that says which;
* an unseen category → error by default; with ``on_unseen="missing"`` it is scored as a
  missing value and counted in the report — the documented fallback (the boosted model and
  the scorecard follow their learned missing-value branch / level; the logistic baseline's
  one-hot columns are all 0 for it);
* numeric values inside the bounds but beyond the training range are scored (trees and the
  scorecard are flat beyond the last split or bin; the logistic baseline extrapolates
  linearly) and counted in a warning that names the training range and which.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from risk_model.errors import ConfigError, ScoringDataError
from risk_model.personal import holds_personal_number, personal_values, redact
from risk_model.spec import listed, row_place

Mode = Literal["native", "onehot"]


def as_polars(frame: Any) -> pl.DataFrame:
    """Accept polars or pandas (MLflow's pyfunc hands pandas) and return polars."""
    if isinstance(frame, pl.DataFrame):
        return frame
    if isinstance(frame, pl.LazyFrame):
        return frame.collect()
    try:
        return pl.from_pandas(frame)
    except (TypeError, ValueError) as exc:
        raise ScoringDataError(
            f"expected a polars or pandas data frame, got {type(frame)}"
        ) from exc


def _category_strings(series: pl.Series) -> pl.Series:
    """Categories are compared as strings, so 1, 1.0 and "1" are the same level."""
    return series.to_frame().select(_category_expr(series.name, series.dtype)).to_series()


def _category_expr(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if dtype.is_float():
        # An integer-coded category read as float (e.g. via pandas with NaN): 1.0 -> "1".
        col = col.cast(pl.Int64, strict=False)
    return col.cast(pl.String)


class TabularEncoder(TransformerMixin, BaseEstimator):
    """Encode the spec's feature columns of a frame into a float matrix (see module docs).

    Parameters
    ----------
    numeric, boolean, categorical : tuple of str
        Feature columns by kind; the output keeps this order (numeric, boolean, categorical).
    mode : "native" or "onehot"
        Output layout (see module docstring).
    """

    def __init__(
        self,
        *,
        numeric: tuple[str, ...] = (),
        boolean: tuple[str, ...] = (),
        categorical: tuple[str, ...] = (),
        levels: tuple[tuple[str, tuple[str, ...]], ...] = (),
        mode: Mode = "native",
    ) -> None:
        self.numeric = numeric
        self.boolean = boolean
        self.categorical = categorical
        self.levels = levels
        self.mode = mode

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any = None) -> TabularEncoder:
        """Learn category levels, numeric ranges, medians and scales from ``X``."""
        if self.mode not in ("native", "onehot"):
            raise ConfigError(f"mode must be 'native' or 'onehot', got {self.mode!r}")
        frame = as_polars(X)
        self.input_columns_ = [*self.numeric, *self.boolean, *self.categorical]
        missing = [c for c in self.input_columns_ if c not in frame.columns]
        if missing:
            raise ScoringDataError(f"missing feature column(s): {', '.join(missing)}")
        # Declared levels (the spec's: e.g. the contract's four hazard levels) are known even
        # where the training rows happen to lack one, so a later month can be scored.
        declared = {c: [str(v) for v in values] for c, values in self.levels}
        self.categories_ = {
            c: sorted(
                set(_category_strings(frame[c]).drop_nulls().unique().to_list())
                | set(declared.get(c, []))
            )
            for c in self.categorical
        }
        num = frame.select([pl.col(c).cast(pl.Float64) for c in self.numeric])
        self.train_min_ = {c: _num(num[c].min()) for c in self.numeric}
        self.train_max_ = {c: _num(num[c].max()) for c in self.numeric}
        # An all-missing column has no median (0.0 stands in) and a column with fewer than two
        # values or no spread has no scale (1.0): never a NaN into a model that refuses it.
        self.median_ = {c: _finite_or(num[c].median(), 0.0) for c in self.numeric}
        self.scale_ = {c: _positive_or(num[c].std(), 1.0) for c in self.numeric}
        self.feature_names_out_ = self._names_out()
        self.n_features_in_ = len(self.input_columns_)
        return self

    def _names_out(self) -> list[str]:
        names = [*self.numeric, *self.boolean]
        if self.mode == "native":
            return [*names, *self.categorical]
        for c in self.categorical:
            names.extend(f"{c}={level}" for level in self.categories_[c])
        return names

    @property
    def categorical_mask(self) -> np.ndarray:
        """Boolean mask of the categorical columns of the native output (known before fit)."""
        n = len(self.numeric) + len(self.boolean)
        return np.array([False] * n + [True] * len(self.categorical), dtype=bool)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns."""
        check_is_fitted(self, "feature_names_out_")
        return np.asarray(self.feature_names_out_, dtype=object)

    # ------------------------------------------------------------ transform
    def transform(self, X: Any) -> np.ndarray:
        """Encode ``X``; unseen categories become missing (check data first, see module)."""
        check_is_fitted(self, "categories_")
        frame = as_polars(X)
        missing = [c for c in self.input_columns_ if c not in frame.columns]
        if missing:
            raise ScoringDataError(f"missing feature column(s): {', '.join(missing)}")
        exprs: list[pl.Expr] = []
        for c in self.numeric:
            e = pl.col(c).cast(pl.Float64)
            if self.mode == "onehot":
                e = (e.fill_null(self.median_[c]).fill_nan(self.median_[c]) - self.median_[c]) / (
                    self.scale_[c]
                )
            exprs.append(e.alias(c))
        for c in self.boolean:
            e = pl.col(c).cast(pl.Float64)
            exprs.append((e.fill_null(0.0) if self.mode == "onehot" else e).alias(c))
        for c in self.categorical:
            levels = self.categories_[c]
            s = _category_expr(c, frame.schema[c])
            if self.mode == "native":
                mapping = {v: float(i) for i, v in enumerate(levels)}
                exprs.append(
                    s.replace_strict(mapping, default=None, return_dtype=pl.Float64).alias(c)
                )
            else:
                exprs.extend(
                    (s == v).fill_null(False).cast(pl.Float64).alias(f"{c}={v}") for v in levels
                )
        out = frame.select(exprs).to_numpy()
        return np.ascontiguousarray(out, dtype=np.float64)


def _num(v: Any) -> float:
    return float(v) if v is not None else float("nan")


def _finite_or(v: Any, default: float) -> float:
    x = _num(v)
    return x if np.isfinite(x) else default


def _positive_or(v: Any, default: float) -> float:
    x = _num(v)
    return x if np.isfinite(x) and x > 0 else default


# Known levels listed in an unseen-category refusal: a date or free-text column has hundreds.
KNOWN_SHOWN = 10
UNSEEN_HINT = (
    "训练中未见的类别可按缺失评分: score --unseen missing, 或策略文件 [risk] "
    'on_unseen_category = "missing" (to score unseen categories as missing instead: '
    'score --unseen missing, or the policy\'s [risk] on_unseen_category = "missing")'
)


# How a model scores a value beyond its training range (Chinese, English): trees and the
# scorecard treat it as the range's edge (flat beyond the last split or bin); the logistic
# model's one-hot encoding standardises it unclipped, so its log-odds go on linearly.
BEYOND_AT_EDGE = ("按边界值评分", "scored as at its edge")
BEYOND_EXTRAPOLATED = ("按线性外推评分", "scored by linear extrapolation")
MISSING_AS_MISSING = ("按缺失评分", "scored as missing")


@dataclass
class ScoringCheck:
    """What :func:`check_scoring_frame` found (the fallbacks it applied are counted)."""

    rows: int
    unseen_categories: dict[str, list[str]] = field(default_factory=dict)
    unseen_rows: dict[str, int] = field(default_factory=dict)
    beyond_training_range: dict[str, int] = field(default_factory=dict)
    null_values: dict[str, int] = field(default_factory=dict)
    training_range: dict[str, tuple[float, float]] = field(default_factory=dict)
    """(min, max) in training of each column in ``beyond_training_range``."""
    extrapolates: bool = False
    """Whether the model extrapolates beyond the training range (the logistic model's
    one-hot encoding) rather than scoring such a value as the range's edge."""
    missing_as: dict[str, tuple[str, str]] = field(default_factory=dict)
    """How a missing value of a column is scored, where not as missing: the logistic model
    fills a numeric with its training median, a boolean with false."""

    def warnings(self) -> list[str]:
        """One line per applied fallback, Chinese first (``中文 / English``, as the command
        line words its messages), counts with thousands separators, saying what the model
        does with the value:
        ``members: 1,500 个缺失值, 按缺失评分 / 1,500 missing value(s), scored as missing``."""
        out = [
            f"{c}: {n:,} 行含训练时未见的取值, 按缺失评分 / {n:,} row(s) with unseen "
            f"categories, scored as missing: {self.unseen_categories[c][:5]}"
            for c, n in self.unseen_rows.items()
        ]
        zh, en = BEYOND_EXTRAPOLATED if self.extrapolates else BEYOND_AT_EDGE
        for c, n in self.beyond_training_range.items():
            lo, hi = self.training_range.get(c, (float("nan"), float("nan")))
            out.append(
                f"{c}: {n:,} 行超出训练范围 [{lo:g}, {hi:g}], {zh} / {n:,} row(s) beyond the "
                f"training range [{lo:g}, {hi:g}], {en}"
            )
        for c, n in self.null_values.items():
            zh, en = self.missing_as.get(c, MISSING_AS_MISSING)
            out.append(f"{c}: {n:,} 个缺失值, {zh} / {n:,} missing value(s), {en}")
        return out


def check_scoring_frame(
    frame: pl.DataFrame,
    encoder: TabularEncoder,
    bounds: dict[str, tuple[float | None, float | None]],
    *,
    id_column: str | None = None,
    on_unseen: Literal["error", "missing"] = "error",
    source: str = "data",
) -> ScoringCheck:
    """Check data to score against a fitted encoder and the spec's bounds (module docstring).

    Raises :class:`ScoringDataError` on a missing column, an out-of-bounds value or (with
    ``on_unseen="error"``) an unseen category; returns the counts of applied fallbacks.
    """
    check_is_fitted(encoder, "categories_")
    missing = [c for c in encoder.input_columns_ if c not in frame.columns]
    if id_column and id_column not in frame.columns:
        missing.insert(0, id_column)
    if missing:
        raise ScoringDataError(
            f"{source}: 缺少模型所需的列 (missing column(s) the model needs: {', '.join(missing)})"
        )
    onehot = encoder.mode == "onehot"
    report = ScoringCheck(rows=frame.height, extrapolates=onehot)
    problems = value_problems(
        frame, numeric=encoder.numeric, boolean=encoder.boolean, bounds=bounds, id_column=id_column
    )
    first_ids = _first_ids(frame, id_column)
    unseen_refused = False
    for c in encoder.numeric:
        col = frame[c].cast(pl.Float64, strict=False)
        beyond = ((col < encoder.train_min_[c]) | (col > encoder.train_max_[c])).fill_null(False)
        if beyond.any():
            report.beyond_training_range[c] = int(beyond.sum())
            report.training_range[c] = (encoder.train_min_[c], encoder.train_max_[c])
    for c in encoder.categorical:
        s = _category_strings(frame[c])
        unseen_mask = (~s.is_in(encoder.categories_[c])).fill_null(False)
        if unseen_mask.any():
            values = s.filter(unseen_mask).unique().sort().to_list()
            if on_unseen == "error":
                known = encoder.categories_[c]
                more = f" and {len(known) - KNOWN_SHOWN:,} more" if len(known) > KNOWN_SHOWN else ""
                problems.append(
                    f"{c}: 训练中未出现的类别 (unseen categor"
                    f"{'y' if len(values) == 1 else 'ies'} {[redact(v) for v in values[:5]]} in "
                    f"{int(unseen_mask.sum()):,} row(s), e.g. {first_ids(unseen_mask)}; "
                    f"known: {known[:KNOWN_SHOWN]}{more})"
                )
                unseen_refused = True
            else:
                report.unseen_categories[c] = values
                report.unseen_rows[c] = int(unseen_mask.sum())
    for c in encoder.input_columns_:
        n = frame[c].null_count()
        if n:
            report.null_values[c] = n
            if onehot and c in encoder.numeric:
                m = encoder.median_[c]
                report.missing_as[c] = (
                    f"按训练中位数 {m:g} 评分",
                    f"scored as the training median {m:g}",
                )
            elif onehot and c in encoder.boolean:
                report.missing_as[c] = ("按“否”评分", "scored as false")
    if problems:
        hint = f"\n{UNSEEN_HINT}" if unseen_refused else ""  # the documented fallback
        raise ScoringDataError(
            f"{source}: 无法评分 / cannot score:\n  - " + "\n  - ".join(problems) + hint
        )
    return report


def _first_ids(frame: pl.DataFrame, id_column: str | None) -> Any:
    """``first_ids(mask)``: the ids of the first 3 rows of ``mask`` (``第 N 行 row N``, where
    there is no id column or the id is missing), as a message lists them (:func:`listed`)."""

    def first_ids(mask: pl.Series) -> str:
        rows = mask.arg_true().head(3).to_list()
        if id_column is None or id_column not in frame.columns:
            return listed(row_place(i + 1) for i in rows)
        ids = frame[id_column].gather(rows).to_list()
        return listed(
            row_place(i + 1) if v is None or holds_personal_number(v) else v
            for i, v in zip(rows, ids, strict=True)
        )

    return first_ids


def personal_value_problems(
    frame: pl.DataFrame, columns: Iterable[str], *, id_column: str | None
) -> list[str]:
    """Columns among ``columns`` (a spec's categorical features and fairness columns) whose
    values hold an ID-card or mobile number, one line each with the count and first rows,
    never the number (:mod:`risk_model.personal`). Training refuses them: every value of such
    a column is stored with the model in MLflow (encoder, drift reference, group labels)."""
    first_ids = _first_ids(frame, id_column)
    problems: list[str] = []
    for c in dict.fromkeys(columns):
        if c not in frame.columns:
            continue
        hit = personal_values(frame[c])
        if hit.any():
            problems.append(
                f"{c}: 取值含疑似身份证号码或手机号码, 请删去号码或不用此列 ({hit.sum():,} "
                f"value(s) hold what looks like an ID-card or mobile number, e.g. "
                f"{first_ids(hit)}: every value of this column would be stored with the model "
                "in MLflow; remove the numbers, or leave the column out of the spec)"
            )
    return problems


def _shown(values: pl.Series) -> list[str]:
    """Example values for a message, any ID-card or mobile number in them replaced."""
    return [redact(v) for v in values.to_list()]


def _shown_ids(ids: pl.Series, dup: pl.Series, first_ids: Any) -> str:
    """The first three duplicated ids, or where one looks like a person's number, the rows
    of the first ones (an ID-card number used as the id is never shown)."""
    shown = ids.filter(dup).unique(maintain_order=True).head(3).to_list()
    if not any(holds_personal_number(v) for v in shown):
        return listed(shown)
    return str(first_ids(dup))


# A calendar date as spreadsheets and databases write one: 2026-11-03, 2026/11/3,
# 2026.11.03 or 2026年11月3日, with or without a time of day (20261103 is a number, read as one).
_DATE_TEXT = (
    r"^\s*\d{4}(-\d{1,2}-|/\d{1,2}/|\.\d{1,2}\.)\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*$"
)
_DATE_TEXT_ZH = r"^\s*\d{4}年\d{1,2}月\d{1,2}日\s*$"


def looks_like_dates(values: pl.Series) -> bool:
    """Whether every value of ``values`` (text) that is given reads as a calendar date
    (``2026-11-03``, ``2026/11/3``, ``2026年11月3日``, with or without a time of day)."""
    text = values.cast(pl.String, strict=False).drop_nulls()
    if text.len() == 0:
        return False
    dated = text.str.contains(_DATE_TEXT) | text.str.contains(_DATE_TEXT_ZH)
    return bool(dated.all())


def date_hint() -> str:
    """What to do with dates in a numeric feature, Chinese first: the model reads numbers
    only, and a date means nothing to it until it is a count of days (or, for a few
    distinct dates such as survey rounds, a category)."""
    return (
        "这是日期, 数值特征须为数字: 请换算为距参考日的天数 (如距 2026-01-01 的天数), 或在"
        "只有少数几个日期时 (如调查轮次) 在规格中改列为 categorical / it holds dates, and a "
        "numeric feature must be a number: convert them to days since a reference date "
        "(e.g. days since 2026-01-01), or, for a few distinct dates (survey rounds), "
        "declare the column categorical in the spec"
    )


def value_problems(
    frame: pl.DataFrame,
    *,
    numeric: tuple[str, ...] | list[str],
    boolean: tuple[str, ...] | list[str],
    bounds: dict[str, tuple[float | None, float | None]] | Any,
    id_column: str | None,
) -> list[str]:
    """Bad values that training and scoring both refuse, one line per column (first rows
    named): missing or duplicate ids, non-numbers in numeric features, non-booleans in
    boolean ones, NaN or values outside the spec's bounds. Missing feature values are not
    problems (the model handles them, see the module docstring)."""
    problems: list[str] = []
    first_ids = _first_ids(frame, id_column)
    if id_column is not None and id_column in frame.columns:
        ids = frame[id_column]
        if ids.null_count():
            problems.append(
                f"{id_column}: 编号为空 ({ids.null_count()} row(s) without an id, e.g. "
                f"{first_ids(ids.is_null())})"
            )
        dup = ids.is_duplicated() & ids.is_not_null()
        if dup.any():
            problems.append(
                f"{id_column}: 编号重复 ({ids.filter(dup).n_unique()} duplicated id(s) in "
                f"{dup.sum()} rows, e.g. {_shown_ids(ids, dup, first_ids)})"
            )
    for c in numeric:
        raw = frame[c]
        col = raw.cast(pl.Float64, strict=False)
        not_number = (raw.is_not_null() & col.is_null()).fill_null(False)
        if not_number.any():
            examples = raw.filter(not_number).cast(pl.String).unique(maintain_order=True)
            problems.append(
                f"{c}: 非数值 ({not_number.sum()} value(s) are not numbers "
                f"{_shown(examples.head(3))}, e.g. {first_ids(not_number)})"
            )
            if looks_like_dates(raw.filter(not_number)):
                problems.append(f"{c}: {date_hint()}")
            continue
        lo, hi = bounds.get(c, (None, None))
        bad = col.is_nan().fill_null(False)
        if lo is not None:
            bad = bad | (col < lo).fill_null(False)
        if hi is not None:
            bad = bad | (col > hi).fill_null(False)
        if bad.any():
            problems.append(
                f"{c}: 超出有效范围 ({bad.sum()} value(s) outside the valid range [{lo}, {hi}] "
                f"or NaN, e.g. {first_ids(bad)})"
            )
    for c in boolean:
        if frame[c].dtype == pl.Boolean:
            continue
        as_num = frame[c].cast(pl.Float64, strict=False)
        bad = (frame[c].is_not_null() & ~as_num.is_in([0.0, 1.0]).fill_null(False)).fill_null(False)
        if bad.any():
            examples = frame[c].filter(bad).cast(pl.String).unique(maintain_order=True)
            problems.append(
                f"{c}: 非布尔值 ({bad.sum()} value(s) are not booleans, true/false or 1/0: "
                f"{_shown(examples.head(3))}, e.g. {first_ids(bad)})"
            )
    return problems

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

Scoring data is checked by :func:`check_scoring_frame` before it reaches the encoder:

* a missing feature column → :class:`ScoringDataError`;
* a numeric value outside the spec's ``[bounds]`` (e.g. ``members = -1``) → error;
* an unseen category → error by default; with ``on_unseen="missing"`` it is scored as a
  missing value and counted in the report — the documented fallback (the boosted model and
  the scorecard follow their learned missing-value branch / level; the logistic baseline's
  one-hot columns are all 0 for it);
* numeric values inside the bounds but beyond the training range are scored (trees are flat
  beyond the last split) and counted in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from risk_model.errors import ConfigError, ScoringDataError

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


@dataclass
class ScoringCheck:
    """What :func:`check_scoring_frame` found (the fallbacks it applied are counted)."""

    rows: int
    unseen_categories: dict[str, list[str]] = field(default_factory=dict)
    unseen_rows: dict[str, int] = field(default_factory=dict)
    beyond_training_range: dict[str, int] = field(default_factory=dict)
    null_values: dict[str, int] = field(default_factory=dict)

    def warnings(self) -> list[str]:
        """Human-readable lines about the applied fallbacks."""
        out = [
            f"{c}: {n} row(s) with unseen categories {self.unseen_categories[c][:5]} scored as "
            "missing"
            for c, n in self.unseen_rows.items()
        ]
        out += [
            f"{c}: {n} row(s) beyond the training range (scored at the edge)"
            for c, n in self.beyond_training_range.items()
        ]
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
        raise ScoringDataError(f"{source}: missing column(s) the model needs: {', '.join(missing)}")
    report = ScoringCheck(rows=frame.height)
    problems: list[str] = []

    def first_ids(mask: pl.Series) -> list[Any]:
        if id_column is None:
            return mask.arg_true().head(3).to_list()
        return frame.filter(mask)[id_column].head(3).to_list()

    for c in encoder.numeric:
        try:
            col = frame[c].cast(pl.Float64)
        except pl.exceptions.InvalidOperationError:
            problems.append(f"{c}: values are not numeric (dtype {frame[c].dtype})")
            continue
        lo, hi = bounds.get(c, (None, None))
        bad = col.is_nan().fill_null(False)
        if lo is not None:
            bad = bad | (col < lo).fill_null(False)
        if hi is not None:
            bad = bad | (col > hi).fill_null(False)
        if bad.any():
            problems.append(
                f"{c}: {bad.sum()} value(s) outside the valid range [{lo}, {hi}] or "
                f"NaN, e.g. rows {first_ids(bad)}"
            )
            continue
        beyond = ((col < encoder.train_min_[c]) | (col > encoder.train_max_[c])).fill_null(False)
        if beyond.any():
            report.beyond_training_range[c] = int(beyond.sum())
    for c in encoder.boolean:
        if frame[c].dtype != pl.Boolean:
            ok = frame[c].cast(pl.Float64, strict=False).drop_nulls().is_in([0.0, 1.0]).all()
            if not ok:
                problems.append(f"{c}: expected booleans, got dtype {frame[c].dtype}")
    for c in encoder.categorical:
        s = _category_strings(frame[c])
        unseen_mask = (~s.is_in(encoder.categories_[c])).fill_null(False)
        if unseen_mask.any():
            values = s.filter(unseen_mask).unique().sort().to_list()
            if on_unseen == "error":
                problems.append(
                    f"{c}: unseen categor{'y' if len(values) == 1 else 'ies'} {values[:5]} in "
                    f"{unseen_mask.sum()} row(s), e.g. rows {first_ids(unseen_mask)}; known: "
                    f"{encoder.categories_[c]}"
                )
            else:
                report.unseen_categories[c] = values
                report.unseen_rows[c] = int(unseen_mask.sum())
    for c in encoder.input_columns_:
        n = frame[c].null_count()
        if n:
            report.null_values[c] = n
    if problems:
        raise ScoringDataError(f"{source}: cannot score:\n  - " + "\n  - ".join(problems))
    return report

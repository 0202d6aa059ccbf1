"""Reason codes: the top signed feature contributions to a household's tier-1 risk.

Method (``ReasonTables.method == "exact"``, every model trained now): the contributions come
from :mod:`risk_model.attribution` — exact log-odds contributions of the logistic model,
TreeSHAP values of the boosted trees, points of the scorecard — and add up, with the base,
exactly to the model's tier-1 score (log-odds units; the scorecard's: points). The
reasons are the 3 largest |contributions|, signed, with the value and its unit, in Chinese
and English, e.g. ``重病成员数 1 人 / seriously ill members: 1 person +0.42``; a contribution
that rounds to 0.00 is no reason and is left out (so a row may have fewer than 3). The
fidelity (max |base + Σ − model score| and R² against the model's own tier-1 log-odds) is
measured at training on held-out rows and at every scoring run.

Older models (``method == "partial_dependence"``) carry additive partial-dependence curves of
P(tier 1), fitted on a sample of training rows (:func:`fit_reason_tables`): each feature's
*average* effect, looked up per household. They explain only part of what moves a score
(fidelity R² about 0.5 on the synthetic prefecture) and are kept so that an already
registered champion still scores; retraining replaces them with exact reasons.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import polars as pl

from risk_model.spec import FeatureSpec

MISSING_LEVEL = "<missing>"


@dataclass(frozen=True)
class FeatureEffect:
    """Centred partial-dependence curve of one feature (values as JSON-friendly lists)."""

    feature: str
    kind: str  # numeric | boolean | categorical
    grid: list[Any]
    effect: list[float]
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class ReasonTables:
    """Everything needed to explain scores: features and labels, base, measured fidelity.

    ``method`` is ``"exact"`` (contributions from :mod:`risk_model.attribution`, with
    ``reference`` holding what it needs from the training data) or ``"partial_dependence"``
    (the curves in ``effects``; models trained before exact reasons).
    """

    effects: list[FeatureEffect]
    base: float
    fidelity_r2: float
    method: str = "partial_dependence"
    unit: str = "probability"  # of the contributions: probability, log-odds or points
    fidelity_max_error: float = math.nan
    reference: dict[str, Any] = field(default_factory=dict)
    units: dict[str, list[str]] = field(default_factory=dict)
    mean_abs: dict[str, float] = field(default_factory=dict)
    level_labels: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """[zh, en] words of categorical levels (spec ``level_labels``); tables of models trained
    before them have none and show the level itself."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (logged as an MLflow artifact)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ReasonTables:
        """Inverse of :meth:`to_dict` (also reads the older partial-dependence form)."""
        return cls(
            effects=[FeatureEffect(**e) for e in raw["effects"]],
            base=raw["base"],
            fidelity_r2=raw["fidelity_r2"],
            method=raw.get("method", "partial_dependence"),
            unit=raw.get("unit", "probability"),
            fidelity_max_error=raw.get("fidelity_max_error", math.nan),
            reference=raw.get("reference", {}),
            units=raw.get("units", {}),
            mean_abs=raw.get("mean_abs", {}),
            level_labels=raw.get("level_labels", {}),
        )

    def importance(self) -> dict[str, float]:
        """Mean |contribution| per feature (exact), or the spread of its curve (older)."""
        if self.method == "exact":
            return dict(self.mean_abs)
        return {
            e.feature: float(max(e.effect) - min(e.effect)) if e.effect else 0.0
            for e in self.effects
        }


def _grid(frame: pl.DataFrame, col: str, kind: str, size: int) -> list[Any]:
    s = frame[col]
    if kind == "boolean":
        return [False, True]
    if kind == "categorical":
        # A missing category (e.g. no previous tier) is a level of its own.
        levels = s.cast(pl.String).drop_nulls().unique().sort().to_list()
        return [*levels, MISSING_LEVEL] if s.null_count() else levels
    values = s.cast(pl.Float64).drop_nulls().drop_nans()
    uniq = values.unique().sort()
    if uniq.len() <= 2 * size:
        return [float(v) for v in uniq.to_list()]
    qs = np.quantile(values.to_numpy(), np.linspace(0.0, 1.0, size))
    return sorted({float(q) for q in qs})


def _kinds(spec: FeatureSpec) -> dict[str, str]:
    return (
        {c: "numeric" for c in spec.numeric}
        | {c: "boolean" for c in spec.boolean}
        | {c: "categorical" for c in spec.categorical}
    )


def _values(frame: pl.DataFrame, e: FeatureEffect) -> np.ndarray:
    """Each row's value of ``e.feature`` as a float: numeric value, boolean 0/1, or the
    index of a categorical level in ``e.grid``; NaN where missing or unseen."""
    s = frame[e.feature]
    if e.kind == "categorical":
        index = {v: float(i) for i, v in enumerate(e.grid)}
        return (
            s.cast(pl.String)
            .fill_null(MISSING_LEVEL)
            .replace_strict(index, default=None, return_dtype=pl.Float64)
            .fill_null(np.nan)
            .to_numpy()
        )
    return s.cast(pl.Float64).fill_null(np.nan).to_numpy()


def _effect_of(x: np.ndarray, e: FeatureEffect) -> np.ndarray:
    """Contribution of each value in ``x`` (from :func:`_values`); 0 where NaN."""
    if not e.grid:
        return np.zeros(len(x))
    missing = np.isnan(x)
    effect = np.asarray(e.effect, float)
    if e.kind == "numeric":
        out = np.interp(x, np.asarray(e.grid, float), effect)
    elif e.kind == "boolean":
        out = np.where(x > 0.5, effect[1], effect[0])
    else:
        out = effect[np.where(missing, 0, x).astype(np.int64)]
    return np.where(missing, 0.0, out)


def fit_reason_tables(
    predict_top: Any, sample: pl.DataFrame, spec: FeatureSpec, *, grid_size: int = 10
) -> ReasonTables:
    """Compute the curves of every feature on ``sample`` (a few hundred training rows).

    ``predict_top(frame) -> np.ndarray`` returns the model's probability of class 0.
    """
    kinds = _kinds(spec)
    feats = sample.select(spec.features)
    blocks: list[pl.DataFrame] = []
    layout: list[tuple[str, list[Any]]] = []
    for f in spec.features:
        grid = _grid(feats, f, kinds[f], grid_size)
        layout.append((f, grid))
        dtype = feats[f].dtype
        for g in grid:
            if g == MISSING_LEVEL:
                value = pl.lit(None, dtype=dtype)
            else:
                value = (
                    pl.lit(g).cast(pl.String) if kinds[f] == "categorical" else pl.lit(g)
                ).cast(dtype, strict=False)
            blocks.append(feats.with_columns(value.alias(f)))
    p = predict_top(pl.concat(blocks)) if blocks else np.zeros(0)
    p_sample = predict_top(feats)
    base = float(p_sample.mean())
    n = feats.height
    effects: list[FeatureEffect] = []
    pos = 0
    for f, grid in layout:
        pd_values = p[pos : pos + n * len(grid)].reshape(len(grid), n).mean(axis=1)
        pos += n * len(grid)
        raw = FeatureEffect(f, kinds[f], grid, pd_values.tolist(), *spec.label(f))
        x = _values(feats, raw)
        known = ~np.isnan(x)
        # Centre over rows with a known value: a missing value contributes 0 by definition.
        centre = float(np.mean(_effect_of(x[known], raw))) if grid and known.any() else 0.0
        effects.append(
            FeatureEffect(f, kinds[f], grid, (pd_values - centre).tolist(), *spec.label(f))
        )
    tables = ReasonTables(effects=effects, base=base, fidelity_r2=float("nan"))
    approx = base + contributions(tables, feats).sum(axis=1)
    ss_res = float(np.sum((p_sample - approx) ** 2))
    ss_tot = float(np.sum((p_sample - p_sample.mean()) ** 2)) or 1.0
    return ReasonTables(
        effects=effects,
        base=base,
        fidelity_r2=1.0 - ss_res / ss_tot,
        level_labels=_level_labels(spec),
    )


def _level_labels(spec: FeatureSpec) -> dict[str, dict[str, list[str]]]:
    """The spec's words of categorical levels, JSON-friendly."""
    return {
        f: {level: list(pair) for level, pair in words.items()}
        for f, words in spec.level_labels.items()
    }


def _value_matrix(tables: ReasonTables, frame: pl.DataFrame) -> np.ndarray:
    out = np.empty((frame.height, len(tables.effects)))
    for j, e in enumerate(tables.effects):
        out[:, j] = _values(frame, e)
    return out


def _contributions_of(tables: ReasonTables, values: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape)
    for j, e in enumerate(tables.effects):
        out[:, j] = _effect_of(values[:, j], e)
    return out


def contributions(tables: ReasonTables, frame: pl.DataFrame) -> np.ndarray:
    """Contribution of every feature for every row, shape (n, n_features)."""
    return _contributions_of(tables, _value_matrix(tables, frame))


REASON_DTYPE = pl.List(
    pl.Struct({"code": pl.String, "contribution": pl.Float64, "text": pl.String})
)
_KIND_CODE = {"numeric": 0, "boolean": 1, "categorical": 2}


def _top_indices(contrib: np.ndarray, top: int) -> np.ndarray:
    """Column indices of the ``top`` largest |contributions| per row, largest first."""
    mag = np.abs(contrib)
    if top < contrib.shape[1]:
        part = np.argpartition(-mag, top - 1, axis=1)[:, :top]
    else:
        part = np.tile(np.arange(contrib.shape[1]), (contrib.shape[0], 1))
    order = np.argsort(-np.take_along_axis(mag, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def exact_tables(
    spec: FeatureSpec,
    *,
    base: float,
    unit: str,
    reference: dict[str, Any],
    fidelity_r2: float,
    fidelity_max_error: float,
    mean_abs: dict[str, float],
) -> ReasonTables:
    """The reason tables of an exactly attributed model (features, labels, units, fidelity)."""
    kinds = _kinds(spec)
    return ReasonTables(
        effects=[FeatureEffect(f, kinds[f], [], [], *spec.label(f)) for f in spec.features],
        base=base,
        fidelity_r2=fidelity_r2,
        method="exact",
        unit=unit,
        fidelity_max_error=fidelity_max_error,
        reference=reference,
        units={k: list(v) for k, v in spec.units.items()},
        mean_abs=mean_abs,
        level_labels=_level_labels(spec),
    )


def _frame_values(tables: ReasonTables, frame: pl.DataFrame) -> tuple[np.ndarray, list[list[str]]]:
    """Each row's value of every feature as a float (categoricals: index into the returned
    levels of that feature, taken from ``frame`` itself); NaN where missing."""
    out = np.empty((frame.height, len(tables.effects)))
    levels: list[list[str]] = []
    for j, e in enumerate(tables.effects):
        s = frame[e.feature]
        if e.kind == "categorical":
            strings = s.cast(pl.String)
            lv = strings.drop_nulls().unique().sort().to_list()
            index = {v: float(i) for i, v in enumerate(lv)}
            out[:, j] = (
                strings.replace_strict(index, default=None, return_dtype=pl.Float64)
                .fill_null(np.nan)
                .to_numpy()
            )
            levels.append(lv)
        else:
            out[:, j] = s.cast(pl.Float64).fill_null(np.nan).to_numpy()
            levels.append([])
    return out, levels


def explain(
    tables: ReasonTables,
    frame: pl.DataFrame,
    top: int = 3,
    *,
    contributions_matrix: np.ndarray | None = None,
) -> pl.Series:
    """The ``reasons`` column: per row, up to ``top`` signed contributions with zh/en text.

    Exact tables need ``contributions_matrix`` (from :func:`risk_model.attribution.attribute`,
    spec feature order); older tables compute theirs from the curves. Vectorised (one value
    matrix, formatting in polars): a few seconds per million rows.
    """
    n = frame.height
    effects = tables.effects
    if n == 0 or not effects:
        return pl.Series("reasons", [[] for _ in range(n)], dtype=REASON_DTYPE)
    if tables.method == "exact":
        if contributions_matrix is None:
            raise ValueError("exact reason tables need the model's contributions")
        values, frame_levels = _frame_values(tables, frame)
        contrib = contributions_matrix
    else:
        values = _value_matrix(tables, frame)
        contrib = _contributions_of(tables, values)
        frame_levels = [
            [str(g) for g in e.grid] if e.kind == "categorical" else [] for e in effects
        ]
    return _reason_texts(tables, contrib, values, frame_levels, top)


def _reason_texts(
    tables: ReasonTables,
    contrib: np.ndarray,
    values: np.ndarray,
    frame_levels: list[list[str]],
    top: int,
) -> pl.Series:
    """Format the ``top`` largest |contributions| of each row; drop those that round to 0.

    A text is "<feature and value> <signed magnitude>". Both parts take few distinct values
    (a feature's values are shown to one decimal), so each distinct part is formatted once
    and the n * top texts are two gathers and a concatenation.
    """
    effects = tables.effects
    n = contrib.shape[0]
    top = min(top, len(effects))
    best = _top_indices(contrib.astype(np.float32), top)  # float32: half the memory traffic
    fi = best.ravel()
    row_of = np.repeat(np.arange(n), top)
    c = contrib[row_of, fi]
    v = values[row_of, fi]
    # Value to one decimal (as shown; NaN as 0, others offset to stay positive) and the feature
    # index in one int64 key.
    offset = 1 << 39
    shown = np.where(
        np.isnan(v),
        0,
        np.rint(np.clip(np.nan_to_num(v), -1e10, 1e10) * 10).astype(np.int64) + offset,
    )
    part_keys, part_of = np.unique(fi.astype(np.int64) * (1 << 40) + shown, return_inverse=True)
    low = part_keys & ((1 << 40) - 1)
    parts = _value_texts(tables, frame_levels, part_keys >> 40, low - offset, low == 0)
    h = np.rint(np.abs(c) * 100).astype(np.int64)
    signed = np.where(c >= 0, h, -h)
    mag_keys, mag_of = np.unique(signed, return_inverse=True)
    mags = pl.Series([f"{'+' if m >= 0 else '-'}{abs(m) / 100:.2f}" for m in mag_keys.tolist()])
    text = parts.gather(part_of.ravel()) + " " + mags.gather(mag_of.ravel())
    codes = pl.Series([e.feature for e in effects])
    long = pl.DataFrame(
        {
            "row": row_of,
            "h": h,
            "r": pl.struct(
                codes.gather(fi).alias("code"),
                pl.Series("contribution", c),
                text.alias("text"),
                eager=True,
            ),
        }
    )
    if bool((h > 0).all()):
        # every reason is non-zero: a fixed-size reshape (concat_list of structs is slow).
        fixed = long["r"].reshape((n, top))
        return fixed.cast(REASON_DTYPE).alias("reasons")
    # Some reasons round to 0.00: they explain nothing and are left out.
    kept = (
        long.filter(pl.col("h") > 0)
        .group_by("row", maintain_order=True)
        .agg(pl.col("r").alias("reasons"))
    )
    full = pl.DataFrame({"row": np.arange(n)}).join(
        kept, on="row", how="left", maintain_order="left"
    )
    return full["reasons"].fill_null([]).cast(REASON_DTYPE).alias("reasons")


def _value_texts(
    tables: ReasonTables,
    frame_levels: list[list[str]],
    feature: np.ndarray,
    shown: np.ndarray,
    missing: np.ndarray,
) -> pl.Series:
    """Feature-and-value texts, "<label> <value> <unit> / <label>: <value> <unit>", for each
    (feature, value×10) pair (categorical values are level indices ×10, shown in the words of
    ``tables.level_labels`` where it has them); "missing" where ``missing``, or the words
    ``level_labels`` gives :data:`MISSING_LEVEL` (no previous tier is no earlier assessment,
    not a gap in the data)."""
    out: list[str] = []
    for j, k, gone in zip(feature.tolist(), shown.tolist(), missing.tolist(), strict=True):
        e = tables.effects[j]
        unit = tables.units.get(e.feature, [])
        if gone:
            none = tables.level_labels.get(e.feature, {}).get(MISSING_LEVEL)
            out.append(
                f"{e.label_zh} {none[0]} / {e.label_en}: {none[1]}"
                if none
                else f"{e.label_zh}：缺失 / {e.label_en}: missing"
            )
            continue
        value = k / 10
        if e.kind == "boolean":
            out.append(
                f"{e.label_zh} / {e.label_en}"
                if value == 1.0
                else f"{e.label_zh}：否 / {e.label_en}: no"
            )
            continue
        if e.kind == "categorical":
            level = frame_levels[j][round(value)]
            zh, en = tables.level_labels.get(e.feature, {}).get(level, (level, level))
            out.append(f"{e.label_zh} {zh} / {e.label_en}: {en}")
            continue
        text = str(int(value)) if value == int(value) else f"{value:.1f}"
        zh_unit = f" {unit[0]}" if unit else ""
        en_unit = ""
        if len(unit) > 1:
            en_unit = f" {unit[1] if value == 1.0 else unit[-1]}"
        out.append(f"{e.label_zh} {text}{zh_unit} / {e.label_en}: {text}{en_unit}")
    return pl.Series(out, dtype=pl.String)

"""Builders shared by the risk model tests (one helpers module per test package)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import polars as pl
from matplotlib import font_manager
from matplotlib.mathtext import MathTextParser
from sklearn.pipeline import Pipeline

from risk_model.reasons import ReasonTables, exact_tables
from risk_model.spec import FeatureSpec
from risk_model.training import TrainConfig, TrainResult

TOY_SPEC = """
id_column = "patient_id"
group_column = "clinic_id"
audit_columns = ["sex"]
fairness_columns = ["sex", "region"]

[target]
column = "severity"
classes = ["high", "medium", "low"]

[features]
numeric = ["age", "visits"]
categorical = ["region"]
boolean = ["smoker"]

[bounds]
age = [0, 120]

[labels]
smoker = ["吸烟", "smoker"]
"""

# Few, shallow trees keep every test fast; quality is the benchmark's job.
FAST = TrainConfig(
    params={"max_iter": 25, "learning_rate": 0.1, "early_stopping": False},
    reason_sample_rows=80,
    reason_grid=5,
)
POLICY_COST = [[0.0, 3.0, 6.0], [1.0, 0.0, 1.5], [1.5, 1.0, 0.0]]


def make_toy(n: int = 3000, seed: int = 0) -> pl.DataFrame:
    """A clinic dataset unrelated to households: severity depends on age, visits, smoker, region."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 95, n).astype(float)
    visits = rng.poisson(2.0, n).astype(float)
    smoker = rng.random(n) < 0.3
    region = rng.choice(["north", "south", "east"], n)
    z = 0.04 * (age - 55) + 0.5 * visits + 1.2 * smoker + np.where(region == "north", 0.8, 0.0)
    y_star = z + rng.logistic(size=n)
    severity = np.where(y_star > 3.0, "high", np.where(y_star > 1.0, "medium", "low"))
    return pl.DataFrame(
        {
            "patient_id": [f"P{i:05d}" for i in range(n)],
            "clinic_id": [f"C{i % 40:02d}" for i in range(n)],
            "age": age,
            "visits": visits,
            "smoker": smoker,
            "region": region,
            "sex": rng.choice(["F", "M"], n),
            "severity": severity,
        }
    )


def input_columns(pipeline: Pipeline) -> list[str]:
    """The columns a fitted pipeline reads from its input frame (its encoder's
    ``input_columns_``): what the tests check holds no audit or identifier column."""
    return list(pipeline.named_steps["features"].input_columns_)


@contextmanager
def font_cache_without_bundled_fonts() -> Iterator[list[str]]:
    """matplotlib's font manager as a stale font cache leaves it: none of the fonts shipped in
    ``mpl-data/fonts/ttf`` (STIX, Computer Modern, DejaVu Sans Display) listed, nothing of the
    finding or mathtext layout cached; yields the families left out. Everything is restored on
    exit (rcParams too)."""
    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    manager = font_manager.fontManager
    saved = manager.ttflist
    kept = [f for f in saved if Path(f.fname).parent.resolve() != bundled.resolve()]
    shipped = {
        font_manager.ttfFontProperty(font_manager.get_font(path)).name
        for path in bundled.glob("*.ttf")
    }
    left_out = sorted(shipped - {f.name for f in kept})
    manager.ttflist = kept
    manager._findfont_cached.cache_clear()  # type: ignore[attr-defined]
    MathTextParser._parse_cached.cache_clear()  # type: ignore[attr-defined]
    try:
        with matplotlib.rc_context():
            yield left_out
    finally:
        manager.ttflist = saved
        manager._findfont_cached.cache_clear()  # type: ignore[attr-defined]
        MathTextParser._parse_cached.cache_clear()  # type: ignore[attr-defined]


def bare_tables(spec: FeatureSpec) -> ReasonTables:
    """The reason tables of ``spec`` with nothing fitted (base 0, no reference, perfect
    fidelity): what a test of the reasons' wording needs, its contributions given by hand."""
    return exact_tables(
        spec,
        base=0.0,
        unit="log-odds",
        reference={},
        fidelity_r2=1.0,
        fidelity_max_error=0.0,
        mean_abs={},
    )


def without_held_out_top_class(spec: FeatureSpec, frame: pl.DataFrame) -> TrainResult:
    """A model of ``frame`` none of whose held-out rows is of the highest-risk class (a rare
    class all of whose rows fell in training): the held-out rows of a first fit, that class
    relabelled as the next, fitted again on the same split."""
    from risk_model import train
    from risk_model.decision import DecisionRule, ordinal_cost_matrix

    rule = DecisionRule.from_matrix(ordinal_cost_matrix(spec.n_classes).tolist(), spec.n_classes)
    held = set(train(frame, spec, rule, config=FAST).test_frame[spec.id_column])
    top, next_ = spec.classes[0], spec.classes[1]
    relabelled = frame.with_columns(
        pl.when(pl.col(spec.id_column).is_in(held) & (pl.col(spec.target) == top))
        .then(pl.lit(next_))
        .otherwise(pl.col(spec.target))
        .alias(spec.target)
    )
    result = train(relabelled, spec, rule, config=FAST)
    assert set(result.test_frame[spec.id_column]) == held
    assert top not in result.test_frame[spec.target].to_list()
    return result

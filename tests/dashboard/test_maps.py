"""The offline maps: how many dots a township's map sends to the browser."""

from __future__ import annotations

import numpy as np
import polars as pl

from dashboard import maps


def test_a_large_township_is_drawn_in_at_most_max_cells_dots_counting_every_household() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    frame = pl.DataFrame(
        {
            "household_id": [f"H{i:07d}" for i in range(n)],
            "lon": 104.5 + rng.uniform(0, 0.3, n),  # a township of about 30 x 30 km
            "lat": 23.5 + rng.uniform(0, 0.3, n),
            "tier": rng.integers(1, 4, n),
            "worker_id": np.where(rng.uniform(size=n) < 0.1, None, "W1").tolist(),
        }
    )
    cells = maps._cells(frame)
    assert cells.height <= maps.MAX_CELLS
    assert cells["n"].sum() == n  # nobody dropped, above all no tier-1 household
    assert cells.filter(pl.col("tier") == 1)["n"].sum() == (frame["tier"] == 1).sum()
    assert cells["uncovered"].sum() == frame["worker_id"].null_count()
    rows = maps._household_rows(frame, "zh")
    assert len(rows) == cells.height

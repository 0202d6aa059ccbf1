"""The rows every assignment MIP here shares, over one column per arc."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def assignment_rows(
    item: np.ndarray, agent: np.ndarray, hours: np.ndarray, n_items: int, n_agents: int
) -> sp.csr_matrix:
    """Per arc column (its household ``item``, its worker ``agent``, its ``hours``): one row
    per household (its arcs, at most one taken), then one of hours and one of households per
    worker - shape ``(n_items + 2 * n_agents, len(item))``. The bounds are the caller's."""
    k = len(item)
    j = np.arange(k)
    return sp.csr_matrix(
        (
            np.concatenate([np.ones(k), np.asarray(hours, dtype=float), np.ones(k)]),
            (np.concatenate([item, n_items + agent, n_items + n_agents + agent]), np.tile(j, 3)),
        ),
        shape=(n_items + 2 * n_agents, k),
    )

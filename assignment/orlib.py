"""Reader of the OR-Library generalized assignment problem (GAP) text format.

Format (Beasley's OR-Library, ``gap1``..``gap12``, ``gapa``..``gapd``): for each instance the
number of agents ``m`` and of jobs ``n``; then ``m`` rows of ``n`` costs (or profits); then
``m`` rows of ``n`` resource uses; then ``m`` capacities. A file either starts with the number
of instances or holds a single instance. Whitespace (including line breaks) is free.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assignment.core import CoreProblem, gap_problem
from assignment.errors import OrlibFormatError


@dataclass(frozen=True)
class GapInstance:
    """One GAP instance: ``cost`` and ``use`` are agents x jobs, ``capacity`` per agent."""

    name: str
    cost: np.ndarray
    use: np.ndarray
    capacity: np.ndarray

    def to_problem(self) -> CoreProblem:
        """The instance as a generic :class:`~assignment.core.CoreProblem`."""
        return gap_problem(self.cost, self.use, self.capacity)


def _parse_one(tokens: np.ndarray, pos: int, name: str) -> tuple[GapInstance, int]:
    if pos + 2 > len(tokens):
        raise OrlibFormatError(f"{name}: missing 'm n' header at token {pos}")
    m, n = int(tokens[pos]), int(tokens[pos + 1])
    if m <= 0 or n <= 0:
        raise OrlibFormatError(f"{name}: bad sizes m={m} n={n} at token {pos}")
    pos += 2
    need = 2 * m * n + m
    if pos + need > len(tokens):
        raise OrlibFormatError(
            f"{name}: expected {need} numbers after 'm n' = '{m} {n}', found {len(tokens) - pos}"
        )
    cost = tokens[pos : pos + m * n].reshape(m, n)
    pos += m * n
    use = tokens[pos : pos + m * n].reshape(m, n)
    pos += m * n
    cap = tokens[pos : pos + m]
    return GapInstance(name, cost, use, cap), pos + m


def parse_gap(text: str, stem: str = "gap") -> list[GapInstance]:
    """Parse OR-Library GAP text (one instance, or a leading count and several)."""
    try:
        tokens = np.array([float(t) for t in text.split()])
    except ValueError as exc:
        raise OrlibFormatError(f"{stem}: non-numeric token ({exc})") from None
    if len(tokens) < 3:
        raise OrlibFormatError(f"{stem}: too few numbers ({len(tokens)})")
    errors: list[str] = []
    # Several instances: a leading count, and the instances consume every number exactly.
    count = tokens[0]
    if count == int(count) and count >= 1:
        try:
            out, pos = [], 1
            for k in range(int(count)):
                inst, pos = _parse_one(tokens, pos, f"{stem}-{k + 1}")
                out.append(inst)
            if pos == len(tokens):
                return out
            errors.append(f"{len(tokens) - pos} numbers left over after {int(count)} instances")
        except OrlibFormatError as exc:
            errors.append(str(exc))
    # One instance without a count.
    try:
        inst, pos = _parse_one(tokens, 0, stem)
        if pos == len(tokens):
            return [inst]
        errors.append(f"{len(tokens) - pos} numbers left over after one instance")
    except OrlibFormatError as exc:
        errors.append(str(exc))
    raise OrlibFormatError(f"{stem}: not an OR-Library GAP file: " + "; ".join(errors))


def read_gap(path: Path) -> list[GapInstance]:
    """Read an OR-Library GAP file; instances are named ``<file stem>-<k>``."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise OrlibFormatError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_gap(text, path.stem)

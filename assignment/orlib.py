"""Reader of the OR-Library generalized assignment problem (GAP) text format.

Format (Beasley's OR-Library, ``gap1``..``gap12``, ``gapa``..``gapd``): for each instance the
number of agents ``m`` and of jobs ``n``; then ``m`` rows of ``n`` costs (or profits); then
``m`` rows of ``n`` resource uses; then ``m`` capacities. A file either starts with the number
of instances (alone on the first line) or holds a single instance. Whitespace (including line
breaks) is otherwise free.
"""

from __future__ import annotations

import math
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


def _line_of(lines: np.ndarray, pos: int) -> str:
    """``line L`` of token ``pos`` (the end of the file when past the last token)."""
    return f"line {int(lines[pos])}" if pos < len(lines) else "the end of the file"


def _parse_one(
    tokens: np.ndarray, lines: np.ndarray, pos: int, name: str
) -> tuple[GapInstance, int]:
    if pos + 2 > len(tokens):
        raise OrlibFormatError(
            f"{name}: 缺少规模 m n (missing the 'm n' sizes at {_line_of(lines, pos)})"
        )
    m, n = tokens[pos], tokens[pos + 1]
    if m != int(m) or n != int(n) or m <= 0 or n <= 0:
        raise OrlibFormatError(
            f"{name}: 规模须为正整数 (bad sizes m={m:g} n={n:g} at {_line_of(lines, pos)}: "
            "positive integers)"
        )
    m, n = int(m), int(n)
    at = _line_of(lines, pos)
    pos += 2
    need = 2 * m * n + m
    if pos + need > len(tokens):
        raise OrlibFormatError(
            f"{name}: 文件提前结束 (expected {need} numbers after the sizes '{m} {n}' at {at}: "
            f"costs, uses, capacities; found {len(tokens) - pos}: the file ends too early)"
        )
    cost = tokens[pos : pos + m * n].reshape(m, n)
    pos += m * n
    use = tokens[pos : pos + m * n].reshape(m, n)
    pos += m * n
    cap = tokens[pos : pos + m]
    return GapInstance(name, cost, use, cap), pos + m


def _tokens(text: str, stem: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Every number of ``text`` with its line (1-based), and how many the first line with
    any holds; a token that is not a number is refused with its line."""
    values: list[float] = []
    lines: list[int] = []
    first = 0
    for no, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        for token in line.split():
            try:
                value = float(token)
            except ValueError:
                raise OrlibFormatError(
                    f"{stem}: 第 {no} 行: 不是数字 (line {no}: {token!r} is not a number)"
                ) from None
            if not math.isfinite(value):  # float() reads 'nan', 'inf', 'Infinity'
                raise OrlibFormatError(
                    f"{stem}: 第 {no} 行: 不是有限数 (line {no}: {token!r} is not a finite number)"
                )
            values.append(value)
            lines.append(no)
        if values and not first:
            first = len(values)
    return np.array(values), np.array(lines, dtype=np.int64), first


def _instances(
    tokens: np.ndarray, lines: np.ndarray, start: int, count: int, stem: str
) -> list[GapInstance]:
    """``count`` instances from token ``start``, every number used exactly once."""
    out: list[GapInstance] = []
    pos = start
    for k in range(count):
        if start and pos >= len(tokens):
            raise OrlibFormatError(
                f"{stem}: 实例数与内容不符 (line {int(lines[0])} gives a count of {count} "
                f"instances, but the file ends after {k})"
            )
        inst, pos = _parse_one(tokens, lines, pos, f"{stem}-{k + 1}" if start else stem)
        out.append(inst)
    if pos != len(tokens):
        noun = "instance" if count == 1 else "instances"
        raise OrlibFormatError(
            f"{stem}: 多余的数字 ({len(tokens) - pos} numbers left over from "
            f"{_line_of(lines, pos)} after {count} {noun}"
            f"{'' if start else ', a file without a leading count'})"
        )
    return out


def parse_gap(text: str, stem: str = "gap") -> list[GapInstance]:
    """Parse OR-Library GAP text (one instance, or a leading count and several).

    The first line decides the reading, never both: a number alone on it is the count of
    instances (which must then hold exactly that many), two or more numbers start the one
    instance of a file without a count. A file written on a single line (no line structure)
    is read with a count when that reading uses every number exactly, else as one instance.
    Errors name the file and the line."""
    tokens, lines, first = _tokens(text, stem)
    if len(tokens) < 3:
        raise OrlibFormatError(
            f"{stem}: 数字太少, 不是 GAP 实例 (too few numbers ({len(tokens)}) for a GAP instance)"
        )
    count = tokens[0]
    is_count = count == int(count) and count >= 1
    if first == 1:
        if not is_count:
            raise OrlibFormatError(
                f"{stem}: 第 {int(lines[0])} 行: 实例数须为正整数 (line {int(lines[0])}: the "
                f"count of instances must be a positive integer, not {count:g})"
            )
        return _instances(tokens, lines, 1, int(count), stem)
    if first == 2 or not is_count:
        return _instances(tokens, lines, 0, 1, stem)
    try:
        return _instances(tokens, lines, 1, int(count), stem)
    except OrlibFormatError:
        return _instances(tokens, lines, 0, 1, stem)


def read_gap(path: Path) -> list[GapInstance]:
    """Read an OR-Library GAP file (UTF-8, a byte-order mark allowed); instances are named
    ``<file stem>-<k>``."""
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise OrlibFormatError(
            f"{path}: 无法读取文件 (cannot read the file: {exc.strerror})"
        ) from None
    except UnicodeDecodeError:
        raise OrlibFormatError(f"{path}: 文件编码无法识别 (not UTF-8 text)") from None
    try:
        return parse_gap(text, path.stem)
    except OrlibFormatError as exc:
        raise OrlibFormatError(f"{path}: {str(exc).removeprefix(path.stem + ': ')}") from None

"""Every input file of a plan command (``assign``, ``check-plan``, ``explain``) read through
its contract in one pass.

Each file is read and checked on its own and the problems of all of them are raised together
(one :class:`~visit_planner.errors.ContractError`), so a user fixes every file in one run;
warnings (columns outside a contract, dropped) are returned with the frames for the command
to print.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import polars as pl

from visit_planner.contracts.input_paths import PLAN_FILES, PlanPaths, plan_option
from visit_planner.contracts.report import Problem
from visit_planner.contracts.tables import read_table, table_spec
from visit_planner.errors import ContractError


@dataclass(frozen=True)
class PlanTables:
    """The checked frames of a plan's input files (None: the optional file was not given)."""

    households: pl.DataFrame
    workers: pl.DataFrame
    scores: pl.DataFrame
    previous: pl.DataFrame | None
    conflicts: pl.DataFrame | None
    pins: pl.DataFrame | None
    forbids: pl.DataFrame | None
    warnings: tuple[Problem, ...] = ()

    def tier_and_risk(self) -> pl.DataFrame:
        """The scores as the optimizer reads them: ``household_id, tier, risk`` (the final
        tier and P(tier 1))."""
        return self.scores.select(
            "household_id", pl.col("final_tier").alias("tier"), pl.col("p_tier1").alias("risk")
        )

    def fingerprints(self) -> dict[str, dict[str, str]]:
        """The content fingerprint of every table read (:func:`table_fingerprint`), by contract
        table name (the names a run's manifest records its inputs under)."""
        out = {}
        for attr, table in PLAN_FILES:
            frame: pl.DataFrame | None = getattr(self, attr)
            if frame is not None:
                out[table] = {"content": table_fingerprint(frame, table), "rows": str(frame.height)}
        return out


FINGERPRINT_SCHEME = "v1"
"""Version of :func:`table_fingerprint`'s recipe, the prefix of every fingerprint: a later
recipe gets another, so that a fingerprint is only ever compared with one made the same way."""

_BATCH_ROWS = 100_000


def table_fingerprint(frame: pl.DataFrame, table: str) -> str:
    """A fingerprint of a table's content as read through its contract, independent of the file
    it came from: the same rows in another format (CSV, Parquet), column order, row order,
    encoding or line endings give the same fingerprint; any changed, added or removed value
    gives another.

    Recipe (``v1``): the columns sorted by name, integers as Int64, floats as Float64, other
    non-nested types as text; the rows sorted by the table's id column when the contract makes
    it unique, else by every column; the column names, then the rows as CSV with every text
    quoted (so a null, written as nothing, differs from an empty text ``""``; numbers in their
    shortest round-trip form), hashed with SHA-256. It depends on no hash seed or in-memory
    layout, so it is the same in every process; ``hash_rows`` is not used because polars does
    not promise its values across versions (a test pins this recipe's value)."""
    spec = table_spec(table)
    names = sorted(frame.columns)
    canon = frame.select(_canonical(frame, name) for name in names)
    keys = [c for c in spec.id_columns if c in names]
    unique = len(keys) == 1 and spec.schema.columns[keys[0]].unique
    if not unique:  # ties (pairs, or no id) broken by every column, for one order
        flat = [n for n in names if not canon.schema[n].is_nested()]
        keys += [n for n in flat if n not in keys]
    canon = canon.sort(keys, nulls_last=True)
    digest = _Digest()
    digest.write(("\x1f".join(names) + "\n").encode("utf-8"))
    for start in range(0, canon.height, _BATCH_ROWS):  # bounded memory on a whole prefecture
        canon.slice(start, _BATCH_ROWS).write_csv(
            cast(IO[bytes], digest), include_header=False, quote_style="non_numeric"
        )
    return f"{FINGERPRINT_SCHEME}:{digest.sha256.hexdigest()}"


class _Digest(io.RawIOBase):
    """A writable file that hashes what is written to it (SHA-256) and keeps nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        """Always: it is a sink."""
        return True

    def write(self, data: Any) -> int:
        """Hash ``data`` (bytes or any buffer)."""
        view = memoryview(data)
        self.sha256.update(view)
        return view.nbytes


def _canonical(frame: pl.DataFrame, name: str) -> pl.Expr:
    """Column ``name`` in the dtype its fingerprint is taken in (see :func:`table_fingerprint`)."""
    dtype = frame.schema[name]
    col = pl.col(name)
    if dtype.is_integer():
        return col.cast(pl.Int64)
    if dtype.is_float():
        return col.cast(pl.Float64)
    if dtype == pl.Boolean or dtype.is_nested():
        return col
    return col.cast(pl.String)


_NO_ROWS = {
    "households": "没有农户 (the households table has no rows)",
    "workers": "没有人员 (the workers table has no rows)",
    "scores": "没有评分 (the scores table has no rows)",
}
"""Tables a plan cannot be made or checked without any row of."""


def read_plan_tables(paths: PlanPaths) -> PlanTables:
    """Read and check every file of ``paths`` through its contract; raise one ContractError
    with the problems of every file (a households or workers file with only a header is one:
    a plan of no households, or of households nobody may visit, is not a plan)."""
    frames: dict[str, pl.DataFrame | None] = {}
    warnings: list[Problem] = []
    messages: list[str] = []
    for attr, table in PLAN_FILES:
        path: Path | None = getattr(paths, attr)
        if path is None:
            frames[attr] = None
            continue
        try:
            frame, found = read_table(path, table, plan_option(attr))
        except ContractError as err:
            messages.extend(err.problems)
            frames[attr] = None
            continue
        warnings.extend(found)
        frames[attr] = frame
        if frame.height == 0 and attr in _NO_ROWS:
            messages.append(f"{path}: {_NO_ROWS[attr]}")
    if messages:
        raise ContractError(messages)
    households, workers, scores = frames["households"], frames["workers"], frames["scores"]
    assert households is not None and workers is not None and scores is not None  # required
    return PlanTables(
        households=households,
        workers=workers,
        scores=scores,
        previous=frames["previous"],
        conflicts=frames["conflicts"],
        pins=frames["pins"],
        forbids=frames["forbids"],
        warnings=tuple(warnings),
    )

"""Load and validate input tables: one call per table, or a whole input directory.

Order of checks: file present and readable → columns present and castable (reader) →
column rules (pandera) → cross-row and cross-table rules (relations). Any error raises
:class:`~visit_planner.errors.ContractError` carrying every problem found at that stage, so a
user fixes a file in one pass; warnings are returned with the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from visit_planner.contracts import columns, relations, schemas
from visit_planner.contracts.places import remember_places
from visit_planner.contracts.reader import cast_to_contract, failed_cast_rows, read_raw, row_labels
from visit_planner.contracts.report import Problem
from visit_planner.errors import ContractError


@dataclass(frozen=True)
class TableSpec:
    """How to read and check one input table."""

    name: str
    dtypes: dict[str, pl.DataType]
    schema: pa.DataFrameSchema
    id_columns: tuple[str, ...]
    required: bool
    may_be_absent: tuple[str, ...] = ()  # optional columns: read as empty when absent


TABLES: Final = {
    "households": TableSpec(
        "households", columns.HOUSEHOLDS, schemas.HOUSEHOLDS, ("household_id",), True
    ),
    "workers": TableSpec("workers", columns.WORKERS, schemas.WORKERS, ("worker_id",), True),
    "previous_assignment": TableSpec(
        "previous_assignment",
        columns.PREVIOUS_ASSIGNMENT,
        schemas.PREVIOUS_ASSIGNMENT,
        ("household_id",),
        False,
    ),
    "conflicts": TableSpec(
        "conflicts", columns.CONFLICTS, schemas.CONFLICTS, ("worker_id", "household_id"), False
    ),
    "places": TableSpec(
        "places", columns.PLACES, schemas.PLACES, ("code",), False, may_be_absent=("name_en",)
    ),
}

_CHECK_TEXT = (
    (re.compile(r"^greater_than_or_equal_to\((.*)\)$"), "must be >= {0} (不得小于 {0})"),
    (re.compile(r"^less_than_or_equal_to\((.*)\)$"), "must be <= {0} (不得大于 {0})"),
    (re.compile(r"^in_range\((.*), (.*)\)$"), "must be between {0} and {1} (须在 {0} 与 {1} 之间)"),
    (re.compile(r"^isin\((.*)\)$"), "must be one of {0} (取值不在允许范围)"),
    (re.compile(r"^str_length\(.*\)$"), "must not be empty (不得为空)"),
    (re.compile(r"^str_matches\((.*)\)$"), "must match the pattern {0} (格式错误)"),
)

_RULE_TEXT = {
    "not_nullable": "null in a required field (必填项为空)",
    "field_uniqueness": "duplicate id (编号重复)",
    "column_in_dataframe": "required column is missing (缺少必需列)",
}


@dataclass(frozen=True)
class Inputs:
    """The validated input tables of one planning run, with the warnings raised reading them."""

    households: pl.DataFrame
    workers: pl.DataFrame
    previous_assignment: pl.DataFrame
    conflicts: pl.DataFrame
    warnings: tuple[Problem, ...] = ()
    places: pl.DataFrame | None = None  # the optional place names (None: no places table)


def empty_table(name: str) -> pl.DataFrame:
    """An empty frame with the contract columns of table ``name``."""
    return pl.DataFrame(schema=TABLES[name].dtypes)


def _rule_text(check: str) -> str:
    """A pandera check name as a rule a planner can read, in English and Chinese."""
    if check in _RULE_TEXT:
        return _RULE_TEXT[check]
    for pattern, text in _CHECK_TEXT:
        m = pattern.match(check)
        if m:
            return f"{text.format(*m.groups())} [{check}]"
    return f"rule {check} broken (不符合规则)"


def _schema_problems(
    err: SchemaErrors, df: pl.DataFrame, spec: TableSpec, file: str
) -> list[Problem]:
    cases = err.failure_cases
    if not isinstance(cases, pl.DataFrame):  # pragma: no cover - pandera returns polars here
        cases = pl.from_pandas(cases)
    labels = row_labels(df, spec.id_columns)
    problems: list[Problem] = []
    groups = cases.group_by("column", "check", maintain_order=True).agg(
        pl.col("index"), pl.col("failure_case")
    )
    for column, check, index, values in groups.iter_rows():
        rows = sorted({int(i) for i in index if i is not None})
        rule = _rule_text(check)
        problems.append(
            Problem(
                file,
                column or "",
                rule,
                ids=tuple(labels.gather(rows[:5]).to_list()) if rows else (),
                count=len(rows),
                examples=tuple("" if v is None else str(v) for v in list(values)[:5])
                if check not in ("not_nullable", "field_uniqueness")
                else (),
            )
        )
    return problems


def read_table(path: Path, name: str) -> tuple[pl.DataFrame, list[Problem]]:
    """Read table ``name`` from ``path``, cast and check its column rules.

    Raises ContractError on any error; returns the frame and its warnings otherwise.
    """
    spec = TABLES[name]
    file = str(path)
    if not path.is_file():
        raise ContractError([f"{file}: file not found (找不到文件)"])
    try:
        raw = read_raw(path)
    except Exception as exc:  # polars raises many kinds on corrupt files
        raise ContractError([f"{file}: cannot read the file: {exc}"]) from None
    raw = raw.with_columns(
        pl.lit(None, pl.String).alias(c) for c in spec.may_be_absent if c not in raw.columns
    )
    df, problems = cast_to_contract(raw, spec.dtypes, file, spec.id_columns)
    errors = [p for p in problems if p.severity == "error"]
    missing_columns = any(p.rule.startswith("required column") for p in errors)
    if not missing_columns:
        # Every problem in one run: the value rules are checked on the rows that could be
        # read, so a type error does not hide them until the next attempt.
        readable = df.filter(~failed_cast_rows(raw, df, spec.dtypes)) if errors else df
        try:
            spec.schema.validate(readable, lazy=True)
        except SchemaErrors as err:
            errors += _schema_problems(err, readable, spec, file)
    if errors:
        raise ContractError([p.message() for p in errors])
    return df, [p for p in problems if p.severity == "warning"]


def find_table(directory: Path, name: str) -> Path | None:
    """The file of table ``name`` in ``directory`` (.parquet or .csv), or None."""
    found = [directory / f"{name}{ext}" for ext in (".parquet", ".csv")]
    existing = [p for p in found if p.is_file()]
    if len(existing) > 1:
        raise ContractError(
            [f"{directory}: both {name}.parquet and {name}.csv exist; keep one (文件重复)"]
        )
    return existing[0] if existing else None


def validate_relations(
    households: pl.DataFrame,
    workers: pl.DataFrame,
    previous: pl.DataFrame,
    conflicts: pl.DataFrame,
    files: dict[str, str],
) -> tuple[Inputs, list[Problem]]:
    """Apply the cross-table rules; return inputs with unusable reference rows left out."""
    if households.height == 0:
        raise ContractError([f"{files['households']}: the households table has no rows (没有农户)"])
    if workers.height == 0:
        raise ContractError([f"{files['workers']}: the workers table has no rows (没有工作人员)"])
    problems = [
        *relations.check_member_counts(households, files["households"]),
        *relations.check_household_nesting(households, files["households"]),
        *relations.check_worker_roles(workers, files["workers"]),
        *relations.check_worker_nesting(workers, households, files["workers"]),
    ]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ContractError([p.message() for p in errors])
    hh, w = households["household_id"], workers["worker_id"]
    refs = (
        # (frame, column, known ids, file, id columns, what it refers to)
        (workers, "own_household_id", hh, "workers", ("worker_id",), "household"),
        (previous, "household_id", hh, "previous_assignment", ("household_id",), "household"),
        (previous, "worker_id", w, "previous_assignment", ("household_id", "worker_id"), "worker"),
        (conflicts, "household_id", hh, "conflicts", ("worker_id", "household_id"), "household"),
        (conflicts, "worker_id", w, "conflicts", ("worker_id", "household_id"), "worker"),
    )
    warnings = [
        problem
        for frame, column, known, table, ids, what in refs
        for problem in relations.check_references(
            frame, column=column, known=known, file=files[table], id_columns=ids, what=what
        )
    ]
    previous = previous.filter(
        pl.col("household_id").is_in(hh.implode()) & pl.col("worker_id").is_in(w.implode())
    )
    conflicts = conflicts.filter(
        pl.col("household_id").is_in(hh.implode()) & pl.col("worker_id").is_in(w.implode())
    ).unique(maintain_order=True)
    inputs = Inputs(households, workers, previous, conflicts, tuple(warnings))
    return inputs, warnings


def load_inputs(directory: Path) -> Inputs:
    """Read and validate every input table of ``directory`` (households, workers required;
    the place names, when present, are also remembered for the texts: :mod:`.places`)."""
    if not directory.is_dir():
        raise ContractError([f"{directory}: not a directory (目录不存在)"])
    frames: dict[str, pl.DataFrame] = {}
    files: dict[str, str] = {}
    warnings: list[Problem] = []
    messages: list[str] = []
    for name, spec in TABLES.items():
        path = find_table(directory, name)
        if path is None:
            if spec.required:
                messages.append(
                    f"{directory / (name + '.parquet')}: required table is missing "
                    f"(expected {name}.parquet or {name}.csv) (缺少必需文件)"
                )
            frames[name], files[name] = empty_table(name), name
            continue
        files[name] = str(path)
        try:
            frames[name], table_warnings = read_table(path, name)
            warnings.extend(table_warnings)
        except ContractError as err:
            messages.extend(err.problems)
    if messages:
        raise ContractError(messages)
    inputs, relation_warnings = validate_relations(
        frames["households"],
        frames["workers"],
        frames["previous_assignment"],
        frames["conflicts"],
        files,
    )
    all_warnings = (*warnings, *relation_warnings)
    if files["places"] != "places":
        remember_places(frames["places"])
    return Inputs(
        inputs.households,
        inputs.workers,
        inputs.previous_assignment,
        inputs.conflicts,
        all_warnings,
        places=frames["places"] if files["places"] != "places" else None,
    )

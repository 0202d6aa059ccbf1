"""Load and validate input tables: one call per table, or a whole input directory (or check a
few rows a program built: :func:`row_problems`).

Order of checks: file present and readable → columns present and castable (reader) →
column rules (pandera) → cross-row and cross-table rules (relations). Any error raises
:class:`~visit_planner.errors.ContractError` carrying every problem found at that stage, so a
user fixes a file in one pass; warnings are returned with the data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from visit_planner.contracts import columns, relations, schemas
from visit_planner.contracts.cells import SPREADSHEET_SUFFIXES, spreadsheet_refusal
from visit_planner.contracts.input_paths import check_input_directory, file_problem, not_a_file
from visit_planner.contracts.places import remember_places
from visit_planner.contracts.reader import (
    MISSING_COLUMN_RULE,
    RowPlaces,
    cast_to_contract,
    failed_cast_rows,
    read_noted,
    row_labels,
    unreadable_reason,
)
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
    passthrough: tuple[str, ...] = ()  # known columns not read here: dropped without a warning
    months: tuple[str, ...] = ()  # columns holding a month: 2026/10/1, 2026年10月 read 2026-10

    @property
    def known(self) -> tuple[str, ...]:
        """The column names a file of this table may hold: a header typed ``Household_ID``
        reads as one of them (:func:`~.reader.read_noted`)."""
        return (*self.dtypes, *self.may_be_absent, *self.passthrough)


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
        months=("month",),
    ),
    "conflicts": TableSpec(
        "conflicts", columns.CONFLICTS, schemas.CONFLICTS, ("worker_id", "household_id"), False
    ),
    "places": TableSpec(
        "places", columns.PLACES, schemas.PLACES, ("code",), False, may_be_absent=("name_en",)
    ),
}

PLAN_TABLES: Final = {
    "scores": TableSpec(
        "scores",
        columns.SCORES,
        schemas.SCORES,
        ("household_id",),
        True,
        may_be_absent=columns.SCORES_OPTIONAL,
        passthrough=columns.SCORES_PASSTHROUGH,
    ),
    "plan": TableSpec(
        "plan",
        columns.PLAN,
        schemas.PLAN,
        ("household_id",),
        True,
        passthrough=columns.PLAN_PASSTHROUGH,
    ),
    **{
        name: TableSpec(name, columns.PAIRS, schemas.PAIRS, ("household_id", "worker_id"), False)
        for name in ("pins", "forbids")
    },
}
"""Tables the plan commands (``assign``, ``check-plan``, ``explain``) read besides the month's
input tables: the scores, a plan, the supervisors' pins and forbids. Not part of an input
directory (:func:`read_tables`); read and checked by :func:`read_table` like the others."""

_CHECK_TEXT = (
    # ``中文 / English`` pairs, the check's name after them: a stream without Chinese reads
    # ``must be >= 1 [greater_than_or_equal_to(1)]``, not ``1 (must be >= 1) [...]``.
    (re.compile(r"^greater_than_or_equal_to\((.*)\)$"), "不得小于 {0} / must be >= {0}"),
    (re.compile(r"^less_than_or_equal_to\((.*)\)$"), "不得大于 {0} / must be <= {0}"),
    (re.compile(r"^in_range\((.*), (.*)\)$"), "须在 {0} 与 {1} 之间 / must be between {0} and {1}"),
    (re.compile(r"^isin\((.*)\)$"), "取值不在允许范围 / must be one of {0}"),
    (re.compile(r"^str_length\(.*\)$"), "不得为空 / must not be empty"),
    (re.compile(r"^str_matches\((.*)\)$"), "格式错误 / must match the pattern {0}"),
)

_RULE_TEXT = {
    "not_nullable": "必填项为空 (null in a required field)",
    "field_uniqueness": "编号重复 (duplicate id)",
    "column_in_dataframe": MISSING_COLUMN_RULE,
    # Said in words, not as its pattern: the ways a month may be written are many.
    f"str_matches('{schemas.MONTH_PATTERN}')": (
        "月份格式错误, 应为 YYYY-MM, 如 2026-10 (not a month: write it YYYY-MM, e.g. 2026-10; "
        "2026/10, 2026/10/1 and 2026年10月 are read as 2026-10)"
    ),
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
    """A pandera check name as a rule a planner can read, in Chinese and English."""
    if check in _RULE_TEXT:
        return _RULE_TEXT[check]
    for pattern, text in _CHECK_TEXT:
        m = pattern.match(check)
        if m:
            return f"{text.format(*m.groups())} [{check}]"
    return f"不符合规则 (rule {check} broken)"


Rank = tuple[int, int, int]
"""Where pandera lists a (column, check) failure: the column's place in the contract, then
nulls, duplicates, the column's checks in their order."""


def schema_problems(
    err: SchemaErrors, labels: pl.Series, spec: TableSpec, file: str
) -> list[tuple[Rank, Problem]]:
    """The pandera failures of ``err`` as problems, in pandera's order, each with its
    :data:`Rank`; ``labels``: the printable id of each row of the validated frame."""
    cases = err.failure_cases
    if not isinstance(cases, pl.DataFrame):  # pragma: no cover - pandera returns polars here
        cases = pl.from_pandas(cases)
    problems: list[tuple[Rank, Problem]] = []
    groups = cases.group_by("column", "check", maintain_order=True).agg(
        pl.col("index"), pl.col("failure_case"), pl.col("check_number").first()
    )
    order = list(spec.dtypes)
    # A NaN fails both "not null" (pandera counts NaN as null) and the column's value check,
    # which names the value: each bad value is reported once, under that more specific rule.
    valued: dict[str, set[int]] = {}
    for column, check, index, *_ in groups.iter_rows():
        if check not in ("not_nullable", "field_uniqueness"):
            valued.setdefault(column, set()).update(int(i) for i in index if i is not None)
    for column, check, index, values, number in groups.iter_rows():
        rows = sorted({int(i) for i in index if i is not None})
        if check == "not_nullable":
            rows = [r for r in rows if r not in valued.get(column, set())]
            if not rows:
                continue
        rule = _rule_text(check)
        kind = {"not_nullable": 0, "field_uniqueness": 1}.get(check, 2 + (number or 0))
        place = order.index(column) if column in order else len(order)
        problems.append((
            (place, kind, 0),
            Problem(
                file,
                column or "",
                rule,
                ids=tuple(labels.gather(rows[:5]).to_list()) if rows else (),
                count=len(rows),
                examples=tuple("" if v is None else str(v) for v in list(values)[:5])
                if check not in ("not_nullable", "field_uniqueness")
                else (),
            ),
        ))  # fmt: skip
    return problems


def duplicate_rule() -> str:
    """The rule text of a duplicate id (as pandera's uniqueness check reports it)."""
    return _rule_text("field_uniqueness")


@dataclass(frozen=True)
class CheckedRows:
    """One frame (a whole table or a chunk of it) cast and checked against its contract."""

    frame: pl.DataFrame  # cast to the contract (meaningful only without errors)
    problems: list[Problem]  # the reader's: missing columns, values that cannot be cast
    schema: list[tuple[Rank, Problem]]  # the column rules' (pandera), ranked
    readable: pl.Series | None  # rows whose every value could be cast (None: all of them)

    @property
    def missing_columns(self) -> bool:
        """A required column is missing (no other rule was checked)."""
        return any(p.rule == MISSING_COLUMN_RULE for p in self.problems)


def check_rows(
    raw: pl.DataFrame,
    spec: TableSpec,
    file: str,
    *,
    schema: pa.DataFrameSchema | None = None,
    offset: int = 0,
    places: RowPlaces | None = None,
) -> CheckedRows:
    """Cast ``raw`` (rows ``offset + 1`` on of ``file``) and check its column rules with
    ``schema`` (default: the table's): the reader's problems and pandera's, every one of
    them, so a type error does not hide the value rules until the next attempt (the value
    rules are checked on the rows that could be read). ``places``: where the file's rows
    are (a CSV row without an id is named by its line: :class:`~.reader.RowPlaces`)."""
    raw = raw.with_columns(
        pl.lit(None, pl.String).alias(c) for c in spec.may_be_absent if c not in raw.columns
    )
    schema = schema or spec.schema
    df, problems = cast_to_contract(
        raw,
        spec.dtypes,
        file,
        spec.id_columns,
        offset,
        known=spec.passthrough,
        months=spec.months,
        places=places,
        optional=tuple(name for name, column in schema.columns.items() if column.nullable),
    )
    checked = CheckedRows(df, problems, [], None)
    if checked.missing_columns:
        return checked
    errors = any(p.severity == "error" for p in problems)
    readable = ~failed_cast_rows(raw, df, spec.dtypes) if errors else None
    rows = df.filter(readable) if readable is not None else df
    found: list[tuple[Rank, Problem]] = []
    try:
        schema.validate(rows, lazy=True)
    except SchemaErrors as err:  # rows are named only now (most chunks break no rule)
        labels = row_labels(df, spec.id_columns, offset, places)
        found = schema_problems(
            err, labels.filter(readable) if readable is not None else labels, spec, file
        )
    return CheckedRows(df, problems, found, readable)


def row_problems(rows: pl.DataFrame, name: str, file: str) -> list[Problem]:
    """Every problem of ``rows`` (one row of table ``name``, or a few) with the table's column
    contract, worded as for a whole file: the reader's (a missing column, a value that is not
    of its column's type) and the column rules' (the rule in English and Chinese, the row's
    id and value). For rows a program builds rather than reads, such as a household with a
    supervisor's correction applied; ``file`` names their source in the messages. Errors and
    warnings both, each with its severity."""
    checked = check_rows(rows, table_spec(name), file)
    return [*checked.problems, *(problem for _, problem in checked.schema)]


def table_spec(name: str) -> TableSpec:
    """The spec of table ``name``: an input directory's table or a plan command's."""
    return TABLES[name] if name in TABLES else PLAN_TABLES[name]


def read_table(
    path: Path, name: str, given_as: str | None = None
) -> tuple[pl.DataFrame, list[Problem]]:
    """Read table ``name`` from ``path`` (given as option ``given_as``, named when ``path`` is
    not there), cast and check its column rules.

    Raises ContractError on any error; returns the frame and its warnings otherwise.
    """
    spec = table_spec(name)
    file = str(path)
    if problem := file_problem(path, given_as):
        raise ContractError([problem])
    try:
        read = read_noted(path, spec.id_columns, names=spec.known)
    except ContractError:
        raise  # an unsupported suffix or encoding, already worded
    except Exception as exc:  # polars raises many kinds on corrupt files
        raise ContractError([f"{file}: {unreadable_reason(path, exc)}"]) from None
    checked = check_rows(read.frame, spec, file, places=read.places)
    errors = [p for p in checked.problems if p.severity == "error"]
    errors += [p for _, p in checked.schema]
    if errors:
        raise ContractError([p.message() for p in errors])
    return checked.frame, [*read.notes, *(p for p in checked.problems if p.severity == "warning")]


def named(directory: Path, name: str, suffixes: tuple[str, ...]) -> list[Path]:
    """The entries of ``directory`` named ``name`` with one of ``suffixes``, in any case
    (``Households.CSV``: Windows, where an office saves its files, does not tell case
    apart), in ``suffixes``' order; none when ``directory`` is not a directory."""
    if not directory.is_dir():
        return []
    wanted = [f"{name}{suffix}".lower() for suffix in suffixes]
    entries = [p for p in directory.iterdir() if p.name.lower() in wanted]
    return sorted(entries, key=lambda p: (wanted.index(p.name.lower()), p.name))


def find_table(directory: Path, name: str) -> Path | None:
    """The file of table ``name`` in ``directory`` (.parquet or .csv, the name in any case),
    or None; a ContractError when that name is taken by a directory (or anything but a
    file), or when the table is there only as a spreadsheet workbook (``conflicts.xlsx``):
    either would otherwise read as an absent table, an optional one (conflicts) silently
    left out."""
    found = named(directory, name, (".parquet", ".csv"))
    if odd := [p for p in found if not p.is_file()]:
        raise ContractError([not_a_file(p) for p in odd])
    if len(found) > 1:
        both = " and ".join(p.name for p in found)
        raise ContractError([f"{directory}: 文件重复, 请只保留一个 (both {both} exist; keep one)"])
    if not found and (sheets := named(directory, name, SPREADSHEET_SUFFIXES)):
        raise ContractError([spreadsheet_refusal(p, f"{name}.csv") for p in sheets])
    return found[0] if found else None


def check_not_empty(households: int, workers: int, files: dict[str, str]) -> None:
    """Refuse a month without households or without workers (row counts given)."""
    if households == 0:
        raise ContractError([f"{files['households']}: 没有农户 (the households table has no rows)"])
    if workers == 0:
        raise ContractError([f"{files['workers']}: 没有人员 (the workers table has no rows)"])


def resolve_references(
    hh: pl.Series,
    workers: pl.DataFrame,
    previous: pl.DataFrame,
    conflicts: pl.DataFrame,
    files: dict[str, str],
    *,
    member: relations.Member | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, list[Problem]]:
    """References to households (``hh``: every household id) and workers from the other
    tables: the previous assignment and the conflicts without the rows naming an unknown one,
    and a warning naming those rows (and workers' unknown own households). ``member``: how
    to look household ids up in ``hh`` (default: a hash set)."""
    w = workers["worker_id"]
    in_hh = member or relations.hashed
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
            frame,
            column=column,
            known=known,
            file=files[table],
            id_columns=ids,
            what=what,
            member=in_hh if what == "household" else None,
            left_out=column != "own_household_id",  # the worker stays, without it
        )
    ]
    previous = previous.filter(
        in_hh(previous["household_id"], hh) & pl.col("worker_id").is_in(w.implode())
    )
    conflicts = conflicts.filter(
        in_hh(conflicts["household_id"], hh) & pl.col("worker_id").is_in(w.implode())
    ).unique(maintain_order=True)
    return previous, conflicts, warnings


def validate_relations(
    households: pl.DataFrame,
    workers: pl.DataFrame,
    previous: pl.DataFrame,
    conflicts: pl.DataFrame,
    files: dict[str, str],
) -> tuple[Inputs, list[Problem]]:
    """Apply the cross-table rules; return inputs with unusable reference rows left out."""
    check_not_empty(households.height, workers.height, files)
    parents = relations.area_parents(households)
    problems = [
        *relations.check_member_counts(households, files["households"]),
        *relations.check_household_nesting(households, files["households"]),
        *relations.check_worker_roles(workers, files["workers"]),
        *relations.check_worker_nesting(workers, None, files["workers"], parents),
        *relations.check_worker_areas(workers, parents, files["workers"]),
    ]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ContractError([p.message() for p in errors])
    previous, conflicts, references = resolve_references(
        households["household_id"], workers, previous, conflicts, files
    )
    warnings = [*(p for p in problems if p.severity == "warning"), *references]
    inputs = Inputs(households, workers, previous, conflicts, tuple(warnings))
    return inputs, warnings


TableReader = Callable[[str, Path], tuple[pl.DataFrame, list[Problem]]]
"""Reads and checks table ``name`` from its file: the frame and its warnings."""


def _read_whole(name: str, path: Path) -> tuple[pl.DataFrame, list[Problem]]:
    return read_table(path, name)


def missing_tables(directory: Path) -> list[str]:
    """One message per required table that ``directory`` lacks and per table whose name is
    taken by a directory or by both a .parquet and a .csv file; a ContractError when
    ``directory`` is not a directory at all."""
    check_input_directory(directory)
    messages: list[str] = []
    for name, spec in TABLES.items():
        try:
            path = find_table(directory, name)
        except ContractError as err:  # a directory in its place, or both files
            messages.extend(err.problems)
            continue
        if spec.required and path is None:
            messages.append(
                f"{directory / (name + '.parquet')}: 缺少必需文件 (required table is missing; "
                f"expected {name}.parquet or {name}.csv)"
            )
    return messages


def check_tables_present(directory: Path) -> None:
    """Refuse ``directory`` when it is not a directory or lacks a required table: the cheap
    first check a job makes before it creates anything (a workspace, a run directory), so a
    wrong ``--data`` leaves nothing behind."""
    if missing := missing_tables(directory):
        raise ContractError(missing)


DATA_SUFFIXES: Final = (".csv", ".parquet", *SPREADSHEET_SUFFIXES)
"""Suffixes of files that hold a table: one so named in an input directory is a table's."""

OTHER_TABLES: Final = (*PLAN_TABLES, "truth", "scores.drift")
"""Tables the tool reads or writes beside a month's inputs, elsewhere than from the
directory (``generate``'s truth, ``score``'s output and its drift report, a plan's pins)."""


def unread_files(directory: Path) -> list[str]:
    """The names of ``directory``'s data files (.csv, .parquet, a workbook) that are no
    table's, so not read: 农户.csv for households.csv, 利益冲突.csv for conflicts.csv."""
    known = {*TABLES, *OTHER_TABLES}
    return sorted(
        p.name
        for p in directory.iterdir()
        if p.is_file()
        and p.suffix.lower() in DATA_SUFFIXES
        and p.name[: -len(p.suffix)].lower() not in known
    )


def unread_rule(names: list[str]) -> str:
    """What is said of data files (``names``) whose names are no table's."""
    listed = ", ".join(names)
    tables = ", ".join(TABLES)
    return (
        f"以下文件未被读取, 文件名不是任何表的名称: {listed}; 表的文件名须为 {tables} "
        f"(.csv 或 .parquet) (not read, their names are no table's: {listed}; a table's file "
        f"is named {tables}, .csv or .parquet)"
    )


def read_tables(
    directory: Path, read: TableReader = _read_whole
) -> tuple[dict[str, pl.DataFrame], dict[str, str], list[Problem]]:
    """Every input table of ``directory`` read by ``read`` (an absent optional table is an
    empty frame), the errors of every file raised together as one ContractError, so a user
    fixes them in one pass: the frames, each table's file (its bare name when absent), and
    the warnings. Data files named as no table (农户.csv) are named among the errors, or
    as a warning when the tables are fine: an optional table so named is otherwise silently
    not read."""
    messages = missing_tables(directory)
    unread = unread_files(directory)
    if messages and unread:
        messages.append(f"{directory}: {unread_rule(unread)}")
    frames: dict[str, pl.DataFrame] = {}
    files: dict[str, str] = {}
    warnings: list[Problem] = []
    if unread:
        warnings.append(Problem(str(directory), "", unread_rule(unread), severity="warning"))
    for name in TABLES:
        try:
            path = find_table(directory, name)
        except ContractError:  # already among the messages (missing_tables)
            continue
        if path is None:
            frames[name], files[name] = empty_table(name), name
            continue
        files[name] = str(path)
        try:
            frames[name], table_warnings = read(name, path)
            warnings.extend(table_warnings)
        except ContractError as err:
            messages.extend(err.problems)
    if messages:
        raise ContractError(messages)
    return frames, files, warnings


def load_inputs(directory: Path) -> Inputs:
    """Read and validate every input table of ``directory`` (households, workers required;
    the place names, when present, are also remembered for the texts: :mod:`.places`)."""
    frames, files, warnings = read_tables(directory)
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

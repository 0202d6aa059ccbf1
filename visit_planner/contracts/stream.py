"""Validate a month's inputs with the households table in row chunks, for ``plan``.

:func:`~visit_planner.contracts.tables.load_inputs` holds the whole households table (and
pandera's working copies of it) while it checks it: about 420 MB per million households.
:func:`stream_inputs` checks the same rules and gives the same messages while holding one
chunk of rows at a time, plus a few columns of the whole table:

- the households file is read in chunks of ``chunk_rows`` rows cut from the start of the
  table (Parquet: only the row groups a chunk needs are read; CSV: the file is decoded
  whole, as its text must be to know its encoding, and its rows are then checked chunk by
  chunk), and each chunk is cast and checked by the same code as a whole table
  (:func:`~visit_planner.contracts.tables.check_rows`: the reader's casts, the pandera
  schema) and by the row rules of :mod:`.relations` (member counts);
- each validated, cast chunk is written to ``out`` (the caller's work directory), where the
  later stages read it chunk by chunk (:class:`HouseholdChunks`);
- the problems of the chunks are merged into the problems of the whole file: counts added
  up, the first ids in file order (in id order for the nesting rule, as it reports them),
  rows without an id named by their place in the whole file (a CSV row by its line), and
  in the order the whole-table check lists them;
- the rules over the whole table use only the columns they need, and no hash table of every
  household: unique household ids (the id column, sorted), the nesting of grid, village,
  township and county ids (each chunk's counts of (child, parent) pairs give the majority
  parents; a second pass reads only the id and area columns of the written chunks), and the
  references from the workers, the previous assignment and the conflicts to household ids
  (a binary search in the sorted ids).

Every error is still found in one pass over the inputs before any other work, and raised as
one :class:`~visit_planner.errors.ContractError`; the chunks written until then are the
caller's to remove (``plan`` removes its work directory). The previous assignment (a row for
most households) is checked in chunks the same way and kept whole once cast (three ids a
row); the other tables are small and are read whole
(:func:`~visit_planner.contracts.tables.read_table`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from visit_planner.contracts import relations
from visit_planner.contracts.cells import header_names, header_note
from visit_planner.contracts.places import remember_places
from visit_planner.contracts.reader import RowPlaces, read_noted, unreadable_reason
from visit_planner.contracts.report import MAX_IDS_SHOWN, Problem
from visit_planner.contracts.tables import (
    TABLES,
    TableSpec,
    check_not_empty,
    check_rows,
    duplicate_rule,
    empty_table,
    read_table,
    read_tables,
    resolve_references,
)
from visit_planner.errors import ContractError

AREA_COLUMNS = ("county_id", "township_id", "village_id", "grid_id")
"""The area ids whose nesting is checked over the whole table."""

Rank = tuple[int, ...]


@dataclass(frozen=True)
class HouseholdChunks:
    """The validated households table, cast to its contract, as Parquet files of consecutive
    rows (every file but the last holds the same number of rows), in the order of the input
    file."""

    paths: tuple[Path, ...]
    height: int  # rows in all

    def frames(self, columns: Sequence[str] | None = None) -> Iterator[pl.DataFrame]:
        """Each chunk in turn (only ``columns``, when given)."""
        for path in self.paths:
            yield pl.read_parquet(path, columns=list(columns) if columns else None)

    def select(self, *columns: str) -> pl.DataFrame:
        """A few columns of the whole table, in its row order."""
        return pl.concat(list(self.frames(columns)), how="vertical")

    def filter(self, predicate: pl.Expr) -> pl.DataFrame:
        """The rows ``predicate`` selects, in the table's row order."""
        return pl.concat([f.filter(predicate) for f in self.frames()], how="vertical")


@dataclass(frozen=True)
class StreamedInputs:
    """The validated inputs of one month: the households as chunk files, the other tables
    whole (as :class:`~visit_planner.contracts.tables.Inputs` has them)."""

    households: HouseholdChunks
    workers: pl.DataFrame
    previous_assignment: pl.DataFrame
    conflicts: pl.DataFrame
    warnings: tuple[Problem, ...] = ()
    places: pl.DataFrame | None = None


class Merged:
    """The problems of several chunks of one file as the problems of the whole file: one per
    (file, column, rule), counts added up, the first ids and examples kept (in file order, or
    in id order with ``by_id``), listed by rank."""

    def __init__(self, *, by_id: bool = False) -> None:
        self._by_id = by_id
        self._found: dict[tuple[str, str, str, str], tuple[Rank, Problem]] = {}

    def add(self, rank: Rank, problem: Problem) -> None:
        """Count ``problem`` (of one chunk) in."""
        key = (problem.file, problem.column, problem.rule, problem.severity)
        if key not in self._found:
            self._found[key] = (rank, problem)
            return
        first, seen = self._found[key]
        ids, examples = seen.ids + problem.ids, seen.examples + problem.examples
        if self._by_id and examples:
            pairs = sorted(zip(ids, examples, strict=True), key=lambda p: p[0])[:MAX_IDS_SHOWN]
            ids, examples = tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
        elif self._by_id:
            ids = tuple(sorted(ids))
        merged = replace(
            seen,
            ids=ids[:MAX_IDS_SHOWN],
            examples=examples[:MAX_IDS_SHOWN],
            count=seen.count + problem.count,
        )
        self._found[key] = (first, merged)

    def problems(self) -> list[Problem]:
        """The merged problems, by rank (first seen first among equals)."""
        return [p for _, p in sorted(self._found.values(), key=lambda rp: rp[0])]


def raw_chunks(
    path: Path, rows: int, id_columns: tuple[str, ...] = (), names: tuple[str, ...] = ()
) -> Iterator[tuple[int, pl.DataFrame, RowPlaces, tuple[Problem, ...]]]:
    """(rows before it, chunk, where the file's rows are, notes) of the file as stored,
    ``rows`` rows at a time; one empty chunk for a file without rows (its columns are still
    checked). The places are the whole file's (a CSV row's line: :class:`~.reader.RowPlaces`),
    the same with every chunk; the notes on how the file was read (empty rows at its end
    left out, header names read as ``names``: :func:`~.reader.read_noted`) come with the
    first chunk. ``id_columns``: what names a CSV line that cannot be read
    (:func:`~visit_planner.contracts.reader.read_raw`)."""
    file = str(path)
    try:
        if path.suffix.lower() == ".parquet":
            scan = pl.scan_parquet(path)
            renames = header_names(scan.collect_schema().names(), names)
            notes = (Problem(file, "", header_note(renames), severity="warning"),)
            scan = scan.rename(renames)
            total = int(scan.select(pl.len()).collect().item())
            for start in range(0, max(total, 1), rows):
                first = notes if renames and not start else ()
                yield start, scan.slice(start, rows).collect(), RowPlaces(), first
            return
        # CSV: decoded whole (its encoding is known only then), each row's line recorded
        read = read_noted(path, id_columns, names=names)
    except ContractError:
        raise
    except Exception as exc:  # polars raises many kinds on corrupt files
        raise ContractError([f"{file}: {unreadable_reason(path, exc)}"]) from None
    for start in range(0, max(read.frame.height, 1), rows):
        yield start, read.frame.slice(start, rows), read.places, () if start else read.notes


@dataclass
class _Scan:
    """What the pass over the households' chunks found."""

    chunks: list[Path] = field(default_factory=list)
    height: int = 0
    ids: list[pl.DataFrame] = field(default_factory=list)  # id and row number, readable rows
    frames: list[pl.DataFrame] = field(default_factory=list)  # cast chunks kept in memory
    pairs: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    cast: Merged = field(default_factory=Merged)
    schema: Merged = field(default_factory=Merged)
    members: Merged = field(default_factory=Merged)

    def errors(self) -> list[Problem]:
        """The table's errors so far: the reader's, then the column rules'."""
        found = [p for p in self.cast.problems() if p.severity == "error"]
        return found + self.schema.problems()


_MEMBER_ORDER = (*relations.MEMBER_COUNTS, "left_behind_children")


def _unique_columns(spec: TableSpec) -> list[str]:
    return [name for name, column in spec.schema.columns.items() if column.unique]


def repeated(ids: pl.Series) -> pl.Series:
    """Which rows hold an id that occurs more than once (as pandera's uniqueness check and
    ``is_duplicated`` tell it: nulls too, when there are two or more), found by sorting the
    ids rather than by a hash table of them all."""
    ordered = ids.drop_nulls().sort()
    same = (ordered == ordered.shift(1)).fill_null(False)
    values = ordered.filter(same).unique()
    found = ids.is_in(values.implode()).fill_null(False)
    return found | ids.is_null() if ids.null_count() > 1 else found


def _duplicates(
    spec: TableSpec, file: str, scan: _Scan, places: RowPlaces
) -> list[tuple[Rank, Problem]]:
    """Ids that occur more than once in the whole table (among the readable rows, as the
    whole-table check sees them), as pandera reports them: every row of a repeated id (one
    without an id named by its place in the file, ``places``, as the column rules name it)."""
    found: list[tuple[Rank, Problem]] = []
    order = list(spec.dtypes)
    for column in _unique_columns(spec):
        ids = pl.concat([f.select(column, "_row") for f in scan.ids], how="vertical")
        dup = ids.filter(repeated(ids[column])).sort("_row")
        if dup.height:
            labels = dup.head(MAX_IDS_SHOWN).select(
                pl.coalesce(pl.col(column).cast(pl.String), places.labels(pl.col("_row")))
            )
            problem = Problem(
                file, column, duplicate_rule(), ids=tuple(labels.to_series()), count=dup.height
            )
            found.append(((1, order.index(column), 1, 0), problem))
    return found


def _scan_table(
    name: str, path: Path, out: Path | None, chunk_rows: int
) -> tuple[_Scan, list[Problem]]:
    """Cast and check the file of table ``name`` chunk by chunk: each valid chunk is written
    to ``out`` (or kept, in ``frames``, without ``out``); the households' row rules and area
    pairs are gathered on the way. Raises ContractError with the table's problems (those of
    the whole file)."""
    spec, file = TABLES[name], str(path)
    unique = _unique_columns(spec)
    schema = spec.schema.update_columns({c: {"unique": False} for c in unique})
    order = list(spec.dtypes)
    scan = _Scan()
    places = RowPlaces()
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    chunks = raw_chunks(path, chunk_rows, spec.id_columns, spec.known)
    for k, (start, raw, places, notes) in enumerate(chunks):
        for note in notes:
            scan.cast.add((0, -1), note)
        checked = check_rows(raw, spec, file, schema=schema, offset=start, places=places)
        if checked.missing_columns:  # the same columns in every chunk: reported once
            raise ContractError([p.message() for p in checked.problems if p.severity == "error"])
        for p in checked.problems:
            place = order.index(p.column) if p.column in order else -1
            scan.cast.add((0, place), p)
        for found, p in checked.schema:
            scan.schema.add((1, *found), p)
        frame = checked.frame
        readable = frame if checked.readable is None else frame.filter(checked.readable)
        rows = pl.int_range(start, start + frame.height, dtype=pl.UInt32).alias("_row")
        numbered = frame.select(*unique, rows)
        scan.ids.append(numbered if checked.readable is None else numbered.filter(checked.readable))
        scan.height += readable.height
        if scan.errors():
            continue  # nothing more of this table is needed: it is refused
        if out is None:
            scan.frames.append(frame)
            continue
        chunk = out / f"{k:06d}.parquet"
        frame.write_parquet(chunk)
        scan.chunks.append(chunk)
        for level, pairs in relations.area_pairs(frame).items():
            scan.pairs.setdefault(level, []).append(pairs)
        for p in relations.check_member_counts(frame, file):
            scan.members.add((_MEMBER_ORDER.index(p.column),), p)
    for repeated, p in _duplicates(spec, file, scan, places):
        scan.schema.add(repeated, p)
    if errors := scan.errors():
        raise ContractError([p.message() for p in errors])
    return scan, [p for p in scan.cast.problems() if p.severity == "warning"]


def _nesting(scan: _Scan, file: str, parents: dict[str, pl.DataFrame]) -> list[Problem]:
    """Households whose area ids do not nest as most rows do: a pass over the chunks' id and
    area columns."""
    merged = Merged(by_id=True)
    levels = [f"{child}/{parent}" for child, parent in relations.LEVELS]
    columns = ("household_id", *AREA_COLUMNS)
    for path in scan.chunks:
        frame = pl.read_parquet(path, columns=list(columns))
        for p in relations.check_household_nesting(frame, file, parents):
            merged.add((levels.index(p.column),), p)
    return merged.problems()


def stream_inputs(directory: Path, out: Path, chunk_rows: int) -> StreamedInputs:
    """Read and validate every input table of ``directory`` as
    :func:`~visit_planner.contracts.tables.load_inputs` does (the same rules, the same
    messages), the households ``chunk_rows`` rows at a time into chunk files in ``out``."""
    scan = _Scan()

    def read(name: str, path: Path) -> tuple[pl.DataFrame, list[Problem]]:
        nonlocal scan
        if name == "households":  # kept as chunk files in `out`, not as a frame
            scan, table_warnings = _scan_table(name, path, out, chunk_rows)
            return empty_table(name), table_warnings
        if name == "previous_assignment":  # a row for most households: checked in chunks
            kept, table_warnings = _scan_table(name, path, None, chunk_rows)
            return pl.concat(kept.frames, how="vertical"), table_warnings
        return read_table(path, name)

    frames, files, warnings = read_tables(directory, read)
    workers = frames["workers"]
    check_not_empty(scan.height, workers.height, files)
    parents = relations.parents_of(scan.pairs)
    problems = [
        *scan.members.problems(),
        *_nesting(scan, files["households"], parents),
        *relations.check_worker_roles(workers, files["workers"]),
        *relations.check_worker_nesting(workers, None, files["workers"], parents),
        *relations.check_worker_areas(workers, parents, files["workers"]),
    ]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ContractError([p.message() for p in errors])
    hh = pl.concat([f.select("household_id") for f in scan.ids]).to_series().sort()
    scan.ids.clear()
    previous, conflicts, relation_warnings = resolve_references(
        hh,
        workers,
        frames["previous_assignment"],
        frames["conflicts"],
        files,
        member=relations.sorted_member,
    )
    del hh
    places = frames["places"] if files["places"] != "places" else None
    remember_places(places)
    return StreamedInputs(
        HouseholdChunks(tuple(scan.chunks), scan.height),
        workers,
        previous,
        conflicts,
        (*warnings, *(p for p in problems if p.severity == "warning"), *relation_warnings),
        places,
    )

"""The previous assignment each township of a run was solved from, for ``check-plan``.

A monthly ``plan`` run continues last month's run in every township, so one ``--previous``
(that run) checks all its ``kept_previous`` marks. An amendment (``plan --amend --township
T``) re-solves T with the month's current run as T's previous assignment and carries the
other townships over from that run, which continued last month's: no single previous
assignment fits, and either choice read dozens to hundreds of correct marks as violations.

Every township of a run directory keeps the previous assignment it was solved from
(``townships/<id>/inputs/previous.parquet``, hashed in the manifest). Here those stored
files only *route* each township to a published plan: the one given with ``--previous``,
an earlier version of the run's month (beside it, ``runs/<month>/<run id>``), or the run
such a version (or the given run) continued, or, in a programme's first month, the
previous-assignment file such a version was made from (the path its manifest recorded, its
bytes unchanged). A township goes to the first of them whose
pairs for the township's households are exactly its stored ones, and its households' marks
are then checked against that published plan, read from its own directory: the validator
still re-derives every mark from raw inputs, never from the plan or its run's copies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import polars as pl

from visit_planner.contracts import read_table
from visit_planner.errors import ContractError, PlanFileError
from visit_planner.hashing import file_sha256
from visit_planner.previous_run import PreviousRun, previous_run_of
from visit_planner.runs import RunManifest, RunReader
from visit_planner.runs.manifest import MANIFEST

__all__ = [
    "PreviousGroup",
    "Source",
    "SourceRole",
    "TownshipPrevious",
    "amendment_of",
    "previous_by_township",
]

_SHOWN = 6
"""Townships listed by code in a note before ``… (+N)``."""


class SourceRole(StrEnum):
    """How a previous assignment relates to the run checked."""

    GIVEN = "given"  # the --previous given
    EARLIER_VERSION = "earlier_version"  # an earlier run of the run's month (amended from)
    CONTINUED = "continued"  # the run an earlier version (or the given run) continued
    # The previous-assignment file an earlier version (or the given run) was made from, as
    # its manifest recorded it and still unchanged (a programme's first month: no run before)
    RECORDED_FILE = "recorded_file"


@dataclass(frozen=True)
class Source:
    """A previous assignment: its pairs and where they came from."""

    pairs: pl.DataFrame  # household_id, worker_id[, month]
    role: SourceRole
    path: Path  # the run's directory, or the file given
    run_id: str | None = None  # None: a file outside a run directory
    month: str | None = None


@dataclass(frozen=True)
class PreviousGroup:
    """Townships whose marks are checked against one previous assignment. ``matched``
    False: their stored inputs match no plan found, and they are checked against the given
    ``--previous`` (their marks may then read as violations)."""

    source: Source
    townships: tuple[str, ...]
    matched: bool = True


@dataclass(frozen=True)
class TownshipPrevious:
    """The previous assignment to check a run with, each household's from its township's
    source (:func:`previous_by_township`), and the groups of townships by source."""

    previous: pl.DataFrame
    groups: tuple[PreviousGroup, ...]

    def notes(self) -> list[str]:
        """One note (``中文 / English``) for the run, then one for each group of townships."""
        lead = (
            "该方案各乡镇按不同的上月结对求解 (修订版): 每个乡镇的延续标记按其保存的输入所示、"
            "求解时所用的已发布方案 (或上月结对文件) 核对 / this run's townships were solved "
            "from different previous assignments (an amendment): each township's kept_previous "
            "marks are checked against the published plan (or the previous-assignment file) "
            "its stored inputs show it was solved from"
        )
        return [lead, *(_group_note(g) for g in self.groups)]


def _townships_text(codes: Sequence[str]) -> tuple[str, str]:
    """``N 个乡镇 c1, c2, …`` and ``N township(s) c1, c2, …`` (at most ``_SHOWN`` codes)."""
    shown = ", ".join(codes[:_SHOWN]) + (
        f", … (+{len(codes) - _SHOWN})" if len(codes) > _SHOWN else ""
    )
    plural = "" if len(codes) == 1 else "s"
    return f"{len(codes)} 个乡镇 {shown}", f"{len(codes)} township{plural} {shown}"


def _source_text(source: Source) -> tuple[str, str]:
    """The source as ``方案 <id> (<month>)`` and ``run <id>'s plan of <month>``, or the file."""
    if source.run_id is None:
        return f"文件 {source.path}", f"the file {source.path}"
    month_zh = f" ({source.month})" if source.month else ""
    month_en = f" of {source.month}" if source.month else ""
    return (
        f"方案 {source.run_id[:12]}{month_zh}",
        f"run {source.run_id[:12]}'s plan{month_en}",
    )


def _group_note(group: PreviousGroup) -> str:
    """Which previous assignment a group of townships was checked against, and why."""
    tw_zh, tw_en = _townships_text(group.townships)
    src_zh, src_en = _source_text(group.source)
    if not group.matched:
        return (
            f"{tw_zh}: 保存的上月结对与 --previous 及本月各版本、其所延续的方案或所用文件均不符, "
            f"按 --previous 所给{src_zh}核对, 延续标记可能显示为违规 / {tw_en}: the previous "
            "assignment they were solved from (their stored inputs) is neither the given "
            "--previous's nor that of any version of this month, the run one continued or the "
            "file one was made from: "
            f"checked against the given {src_en}, so their marks may read as violations"
        )
    why_zh, why_en = {
        SourceRole.GIVEN: ("即 --previous 所给", "the given --previous"),
        SourceRole.EARLIER_VERSION: (
            f"本月修订前的版本, 这些乡镇由修订按其重新求解; {group.source.path}",
            f"an earlier version of this month, which the amendment re-solved them from; "
            f"{group.source.path}",
        ),
        SourceRole.CONTINUED: (
            f"本月方案所延续的方案; {group.source.path}",
            f"the run this month's plan continued; {group.source.path}",
        ),
        SourceRole.RECORDED_FILE: (
            "本月方案生成时所用的上月结对文件, 与当时一致",
            "the previous assignment file this month's plan was made from, unchanged since",
        ),
    }[group.source.role]
    return (
        f"{tw_zh}: 延续标记对照{src_zh}核对 ({why_zh}) / {tw_en}: kept_previous checked "
        f"against {src_en} ({why_en})"
    )


# ---------------------------------------------------------------------- stored inputs


@dataclass(frozen=True)
class _Stored:
    """A run's stored previous assignments: ``pairs`` (township_id, household_id, worker_id,
    month when stored) and ``members`` (township_id, household_id: the households each
    township was solved with, by which the pairs were cut)."""

    pairs: pl.DataFrame
    members: pl.DataFrame
    townships: frozenset[str]


def _stored(reader: RunReader) -> _Stored | None:
    """The previous assignments the run's townships were solved from (None: it stored none,
    e.g. a run made without a previous assignment or a plan laid out by hand)."""
    folder = reader.root / "townships"
    if not folder.is_dir():
        return None
    pairs, members, townships = [], [], []
    for township in sorted(p.name for p in folder.iterdir() if p.is_dir()):
        stored = reader.stored_input(township, "previous")
        if stored is None:
            continue
        households = reader.stored_input(township, "households", ["household_id"])
        ids = households if households is not None else stored.select("household_id")
        tw = pl.lit(township).alias("township_id")
        pairs.append(_pair_columns(stored).with_columns(tw))
        members.append(ids.select(pl.col("household_id").cast(pl.String), tw))
        townships.append(township)
    if not townships:
        return None
    return _Stored(
        pl.concat(pairs, how="diagonal_relaxed"),
        pl.concat(members).unique(),
        frozenset(townships),
    )


def _pair_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """``household_id, worker_id[, month]`` as text."""
    cols = [c for c in ("household_id", "worker_id", "month") if c in frame.columns]
    return frame.select(pl.col(c).cast(pl.String) for c in cols)


def _matching(stored: _Stored, pairs: pl.DataFrame, townships: frozenset[str]) -> set[str]:
    """The ``townships`` whose stored pairs are exactly ``pairs``' for their households
    (compared with the month too when both carry one)."""
    pairs = _pair_columns(pairs)
    cols = ["household_id", "worker_id"]
    if "month" in pairs.columns and "month" in stored.pairs.columns:
        cols.append("month")
    expected = stored.members.join(pairs.select(cols), on="household_id", how="inner")
    got = stored.pairs.select("township_id", *cols)
    key = ["township_id", *cols]
    extra = got.join(expected, on=key, how="anti", nulls_equal=True)
    missing = expected.join(got, on=key, how="anti", nulls_equal=True)
    differ = set(extra["township_id"].to_list()) | set(missing["township_id"].to_list())
    return set(townships) - differ


# ---------------------------------------------------------------------- runs beside it


def _created(manifest: RunManifest) -> datetime | None:
    try:
        return datetime.fromisoformat(manifest.created_at)
    except (TypeError, ValueError):
        return None


def _earlier_versions(run_dir: Path, manifest: RunManifest) -> list[tuple[Path, RunManifest]]:
    """The other published runs of the run's month beside it (``runs/<month>/<run id>``)
    written before it or in the same second, latest first: the versions an amendment may
    have re-solved from."""
    if manifest.month is None:
        return []
    created = _created(manifest)
    found = []
    for d in run_dir.parent.iterdir():
        if d == run_dir or not (d / MANIFEST).is_file():
            continue
        try:
            other = RunManifest.read(d)
        except PlanFileError:
            continue
        when = _created(other)
        if other.month != manifest.month or other.run_id != d.name or when is None:
            continue
        if created is None or when <= created:  # to the second: versions may share one
            found.append((when, d, other))
    found.sort(key=lambda t: t[0], reverse=True)
    return [(d, m) for _, d, m in found]


def _run_dir_of(run_dir: Path, run_id: str) -> Path | None:
    """A published run's directory in the workspace of ``run_dir`` (``runs/*/<run id>``)."""
    found = sorted(run_dir.parent.parent.glob(f"*/{run_id}"))
    return found[0] if found and (found[0] / MANIFEST).is_file() else None


def _candidates(
    run_dir: Path,
    manifest: RunManifest,
    given: PreviousRun | None,
    versions: Sequence[tuple[Path, RunManifest]],
) -> Iterator[tuple[Path, SourceRole]]:
    """The published runs a township of ``run_dir`` may have been solved from besides the
    given one, in the order they are tried: the month's earlier ``versions``
    (:func:`_earlier_versions`, latest first), then the runs those versions, and the given
    run, continued, then the previous-assignment files they were made from
    (:func:`_recorded_files`)."""
    skip = {manifest.run_id} | ({given.run_id} if given and given.run_id else set())
    for d, m in versions:
        if m.run_id not in skip:
            skip.add(m.run_id)
            yield d, SourceRole.EARLIER_VERSION
    manifests = [m for _, m in versions]
    if given is not None and given.run_id is not None:
        given_dir = given.plan_file.parent
        if (given_dir / MANIFEST).is_file():
            manifests.insert(0, RunManifest.read(given_dir))
    for run_id in (m.previous_run_id for m in manifests):
        if run_id is None or run_id in skip:
            continue
        skip.add(run_id)
        if (found := _run_dir_of(run_dir, run_id)) is not None:
            yield found, SourceRole.CONTINUED
    for path in _recorded_files(manifests):
        yield path, SourceRole.RECORDED_FILE


def _recorded_files(manifests: Sequence[RunManifest]) -> list[Path]:
    """The previous-assignment files that runs continuing no run were made from (a
    programme's first month, whose plan read the data's ``previous_assignment`` file), as
    their manifests recorded them, where that file is still there with the same bytes: a
    raw input, as the given ``--previous`` is. A run that continued a run is checked against
    that run instead (:attr:`SourceRole.CONTINUED`)."""
    found: list[Path] = []
    for m in manifests:
        recorded = m.inputs.get("previous_assignment")
        if m.previous_run_id is not None or recorded is None or "path" not in recorded:
            continue
        path = Path(recorded["path"])
        if path in found or not path.is_file():
            continue
        if file_sha256(path) == recorded.get("sha256"):
            found.append(path)
    return found


def _source_of(path: Path, role: SourceRole) -> Source | None:
    """The pairs at ``path`` (None: a recorded file that no longer reads as a previous
    assignment, so it routes no township)."""
    if role is SourceRole.RECORDED_FILE:
        try:
            pairs, _ = read_table(path, "previous_assignment")
        except ContractError:
            return None
        return Source(_pair_columns(pairs), role, path)
    run = previous_run_of(path)
    assert run is not None  # a run directory always reads as a run's plan
    return Source(run.pairs, role, path, run.run_id, run.month)


# ---------------------------------------------------------------------- the check's input


def previous_by_township(
    plan_path: Path,
    given_pairs: pl.DataFrame,
    given_path: Path,
    given_run: PreviousRun | None,
    households: pl.DataFrame,
) -> TownshipPrevious | None:
    """The previous assignment to check the plan at ``plan_path`` with, when it lies in a
    run directory whose townships were solved from different previous assignments (see the
    module docstring): some townships from the given one (``given_pairs``, read from
    ``given_path``; ``given_run`` when that is a run's plan) and others from runs found
    beside it. None when that is not so, and the given previous assignment is checked
    against the whole plan as before: no stored previous assignments, every township
    solved from the given one, or none (then the given one is the wrong one, and the
    check says so as it always did), or a run whose manifest names the run of another
    month it continued (a monthly ``plan`` run: that run only, as before). A published
    what-if names the month's version it amended, and is taken township by township.

    Each household gets its township's source (its township in ``households``, the raw
    input; a township the run did not store goes to the given one)."""
    run_dir = plan_path.parent
    if not (run_dir / MANIFEST).is_file():
        return None
    reader = RunReader(run_dir)
    if given_run is not None and given_run.run_id == reader.manifest.run_id:
        raise PlanFileError(
            f"{given_run.plan_file}: --previous 是被校验的方案本身, 不是其上月结对 (the run "
            f"checked, {reader.manifest.run_id[:12]}, is not its own previous assignment: pass "
            "the run it continued)"
        )
    made_from = reader.manifest.previous_run_id
    versions = _earlier_versions(run_dir, reader.manifest)  # read once: every manifest beside
    if made_from is not None and made_from not in {m.run_id for _, m in versions}:
        return None  # a monthly run, all of it continuing the run it names (checked as such)
    stored = _stored(reader)
    if stored is None:
        return None
    given = Source(
        given_pairs,
        SourceRole.GIVEN,
        given_run.plan_file.parent if given_run and given_run.run_id else given_path,
        given_run.run_id if given_run else None,
        given_run.month if given_run else None,
    )
    from_given = _matching(stored, given_pairs, stored.townships)
    if not from_given or from_given == stored.townships:
        return None
    groups = [PreviousGroup(given, tuple(sorted(from_given)))]
    left = stored.townships - from_given
    for path, role in _candidates(run_dir, reader.manifest, given_run, versions):
        if not left:
            break
        source = _source_of(path, role)
        if source is None:
            continue
        found = _matching(stored, source.pairs, frozenset(left))
        if found:
            groups.append(PreviousGroup(source, tuple(sorted(found))))
            left -= found
    if left:
        groups.append(PreviousGroup(given, tuple(sorted(left)), matched=False))
    return TownshipPrevious(_per_household(groups, households), tuple(groups))


def _per_household(groups: Sequence[PreviousGroup], households: pl.DataFrame) -> pl.DataFrame:
    """Each household's previous pairs from its township's group's source; households of
    townships in no group from the first group's (the given one)."""
    which = {tw: i for i, g in enumerate(groups) for tw in g.townships}
    of = households.select(
        pl.col("household_id").cast(pl.String),
        pl.col("township_id")
        .cast(pl.String)
        .replace_strict(which, default=0, return_dtype=pl.Int64)
        .alias("_group"),
    )
    parts = [
        _pair_columns(g.source.pairs).join(
            of.filter(pl.col("_group") == i), on="household_id", how="semi"
        )
        for i, g in enumerate(groups)
    ]
    return pl.concat(parts, how="diagonal_relaxed")


def amendment_of(run_dir: Path) -> tuple[tuple[str, ...], Source | None] | None:
    """For a run some of whose townships were re-solved from an earlier version of its month
    (an amendment, whose manifest names no run it continued): those townships, and what the
    other townships were solved from, found beside it by content: the run they continued,
    or in a programme's first month the previous-assignment file the month's plan was made
    from (None when neither is found). None for any other run. For the note of a check
    without ``--previous``."""
    if not (run_dir / MANIFEST).is_file():
        return None
    reader = RunReader(run_dir)
    month = reader.manifest.month
    stored = _stored(reader)
    if month is None or stored is None or "month" not in stored.pairs.columns:
        return None
    this_month = stored.pairs.filter(pl.col("month") == month)["township_id"].unique()
    resolved = tuple(sorted(this_month.to_list()))
    if not resolved:
        return None
    others = stored.townships - set(resolved)
    versions = _earlier_versions(run_dir, reader.manifest)
    for path, role in _candidates(run_dir, reader.manifest, None, versions):
        if role is SourceRole.EARLIER_VERSION or not others:
            continue
        source = _source_of(path, role)
        if source is not None and _matching(stored, source.pairs, frozenset(others)):
            return resolved, source
    return resolved, None

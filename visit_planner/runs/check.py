"""``runs check``: a published run re-checked from its own files, against the store's record.

Two stages, as an auditor would take them:

1. **files** (:func:`changed_files`): every file the manifest lists is there with its hash,
   and the policy text hashes to what the manifest records; then the manifest against the
   store (:func:`store_mismatches`): its policy hash, plan hash and each township's plan
   file are those the store recorded when the run was published (a manifest rewritten
   with its files' new hashes is caught here); and in stage 2 the run's whole
   ``plan.parquet`` holds the same rows as its township plan files, which the dashboard,
   ``explain`` and the visit lists read.
2. **rules** (:func:`check_run_rules`): the independent validator of ``check-plan``
   (:func:`visit_planner.check_plan_job.plan_inputs_of` and
   :func:`assignment.validator.validate_plan`, nothing of its own) on the run's
   ``plan.parquet`` against the inputs each township was solved from, as the run stores
   them (``townships/<id>/inputs/``), and the run's own policy. The supervisors' overrides
   reach those inputs as the solve saw them: a tier override as the household's tier, a data
   correction as its data, the pins the solve accepted and the standing forbids as the
   township's ``pins`` and ``forbids``; so an amended run's carried townships are checked
   against their own inputs, its re-solved ones against the month's earlier version they
   were solved from. What the store says was applied is compared with those stored
   inputs (:func:`override_problems`).

Stage 2 runs only when no file differs from the manifest: a rule checked on files that are
not the ones the manifest lists proves nothing either way. A manifest that disagrees with
the store fails the check, and the rules are still checked on the files it lists, so that
the report names what an altered plan breaks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from assignment.errors import PlanFormatError
from assignment.validator import Violation, summarize_violations, validate_plan
from visit_planner.check_plan_job import CheckResult, plan_inputs_of
from visit_planner.contracts.plan_tables import PlanTables
from visit_planner.contracts.tables import read_table
from visit_planner.errors import PlanFileError
from visit_planner.policy import settings_from_policy
from visit_planner.runs.manifest import MANIFEST, plan_sha256
from visit_planner.runs.reader import RunReader
from visit_planner.runs.writer import INPUT_FRAMES
from visit_planner.store.rows import OutcomeRow, OverrideRow, RunRow, TownshipRow

__all__ = [
    "RunRules",
    "applied_overrides",
    "changed_files",
    "check_run_rules",
    "override_problems",
    "store_mismatches",
]

PLAN_FILE = "plan.parquet"


def changed_files(reader: RunReader) -> list[str]:
    """The run's files that are not as its manifest records them (empty: none), every one
    named with what is wrong (``中文 (English)``, :meth:`RunReader.damage`): missing, not
    readable Parquet, or changed; the policy text among them. Only hashes are compared, so
    that no damaged file stops the listing. The rules are not checked on such a run."""
    return [f"{rel}: {reader.damage(rel)}" for rel in reader.verify()]


def store_mismatches(reader: RunReader, row: RunRow, townships: Sequence[TownshipRow]) -> list[str]:
    """Where the run's manifest disagrees with what the store recorded when the run was
    published (``row`` and its ``townships``): its id, its policy hash, its plan hash, the
    hash of a township's plan file. A manifest rewritten with the new hashes of changed
    files agrees with its files, never with the store."""
    manifest = reader.manifest
    problems = []
    if manifest.run_id != row.run_id:
        problems.append(
            f"{MANIFEST}: 方案编号与数据库记录不符 (names run {manifest.run_id[:12]}, the store "
            f"{row.run_id[:12]})"
        )
    if manifest.policy_sha256 != row.policy_sha256:
        problems.append(
            f"{MANIFEST}: 策略哈希与数据库记录不符 (its policy hash is not the one the store "
            "recorded when the run was published)"
        )
    recorded = {t.township_id: t.plan_sha256 for t in townships}
    listed = {
        rel.split("/")[1]: digest
        for rel, digest in manifest.files.items()
        if rel.startswith("townships/") and rel.endswith(f"/{PLAN_FILE}")
    }
    differ = sorted(t for t in recorded.keys() | listed.keys() if recorded.get(t) != listed.get(t))
    if differ:
        shown = ", ".join(f"townships/{tw}/{PLAN_FILE}" for tw in differ[:3])
        more = f", … (+{len(differ) - 3})" if len(differ) > 3 else ""
        problems.append(
            f"{MANIFEST}: 乡镇方案文件与数据库记录不符 (the township plan files it lists are not "
            f"those the store recorded at publication: {shown}{more})"
        )
    if manifest.plan_sha256 != row.plan_sha256 or plan_sha256(listed) != row.plan_sha256:
        problems.append(
            f"{MANIFEST}: 方案哈希与数据库记录不符 (the plan hash is not the one the store "
            "recorded at publication)"
        )
    return problems


@dataclass(frozen=True)
class RunRules:
    """The validator's outcome on a run (``check``, as ``check-plan``'s), the townships
    checked, and the run's own findings beside it: ``problems`` (the whole plan file against
    the township plan files; overrides the store says were applied that the stored inputs do
    not hold), which fail the check as a violation does. ``places``: each household's and
    each worker's township, to name the township of a violation."""

    check: CheckResult
    townships: tuple[str, ...]
    households: int
    pins: int
    forbids: int
    problems: tuple[str, ...] = ()
    places: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """True iff no rule is broken and nothing else was found."""
        return self.check.valid and not self.problems

    def township_of(
        self, violations: Sequence[Violation]
    ) -> dict[tuple[str | None, str | None], str]:
        """The township of each violation's household, else of its worker."""
        hh, wk = self.places.get("household", {}), self.places.get("worker", {})
        return {
            (v.household_id, v.worker_id): hh.get(v.household_id or "")
            or wk.get(v.worker_id or "", "")
            for v in violations
        }


def _stored(reader: RunReader, townships: Sequence[str], name: str) -> pl.DataFrame | None:
    """Input ``name`` of ``townships`` as the run stores them, one frame (None: none stored)."""
    found = [reader.frame_if_any(f"townships/{tw}/inputs/{name}.parquet") for tw in townships]
    parts = [frame for frame in found if frame is not None]
    return pl.concat(parts, how="diagonal_relaxed") if parts else None


def _plan(reader: RunReader, townships: Sequence[str]) -> pl.DataFrame:
    """The run's whole plan through the plan contract (as ``check-plan --plan`` reads it), its
    rows of ``townships``."""
    plan, _ = read_table(reader.root / PLAN_FILE, "plan", PLAN_FILE)
    plan = plan.with_columns(pl.col("tier").cast(pl.Int64))
    return plan.filter(pl.col("township_id").cast(pl.String).is_in(list(townships)))


def _plan_files_differ(reader: RunReader, townships: Sequence[str]) -> list[str]:
    """The townships whose plan file does not hold the whole plan file's rows of that
    township, every column compared (the files as written, not as the contract reads them)."""
    whole = reader.frame(PLAN_FILE)
    differ = []
    for tw in townships:
        part = reader.plan(tw)
        mine = whole.filter(pl.col("township_id").cast(pl.String) == tw)
        if part.schema != mine.schema or part.height != mine.height:
            differ.append(tw)
            continue
        cols = [c for c, t in mine.schema.items() if not t.is_nested()]
        if not part.sort(cols, nulls_last=True).equals(mine.sort(cols, nulls_last=True)):
            differ.append(tw)
    return differ


def check_run_rules(
    reader: RunReader,
    townships: Sequence[str],
    applied: Sequence[OverrideRow] = (),
) -> RunRules:
    """The validator on the run's plan (its rows of ``townships``) against the inputs those
    townships were solved from, as the run stores them, under the run's policy; ``applied``:
    the overrides the store records as applied in the run (checked against the stored
    inputs). The workers of every township of the run are read, so that a household paired
    with another township's worker reads as outside its jurisdiction, as in ``plan``'s own
    check. A township without stored households or workers cannot be checked: refused,
    naming it (the run's writers always store them)."""
    everywhere = reader.townships()
    lacking = [
        tw
        for tw in townships
        if not all(
            (reader.root / "townships" / tw / "inputs" / f"{n}.parquet").is_file()
            for n in ("households", "workers")
        )
    ]
    if lacking:
        raise PlanFileError(
            f"{reader.root}: 方案未保存这些乡镇的输入, 无法按规则校验 (the run keeps no "
            f"households or workers for township(s) {', '.join(lacking)}: their plan cannot "
            "be checked from the run; check it with check-plan and the input files)"
        )
    stored = {name: _stored(reader, townships, name) for name in INPUT_FRAMES}
    households = stored["households"]
    workers = _stored(reader, everywhere, "workers")
    assert households is not None and workers is not None  # every township has both
    tables = PlanTables(
        households=households.drop("tier", "risk", strict=False),
        workers=workers,
        scores=households.select(
            "household_id", pl.col("tier").alias("final_tier"), pl.col("risk").alias("p_tier1")
        ),
        previous=stored["previous"],
        conflicts=stored["conflicts"],
        pins=stored["pins"],
        forbids=stored["forbids"],
    )
    policy = reader.policy
    checked = plan_inputs_of(tables, policy)
    plan = _plan(reader, townships)
    try:
        violations = validate_plan(
            plan, checked.inputs, settings_from_policy(policy), townships=list(townships)
        )
    except PlanFormatError as exc:
        raise PlanFileError(f"{reader.root / PLAN_FILE}: {exc}") from None
    problems = [
        f"townships/{tw}/{PLAN_FILE}: 与 {PLAN_FILE} 中该乡镇的行不一致 (does not hold the rows "
        f"of township {tw} that {PLAN_FILE} holds)"
        for tw in _plan_files_differ(reader, townships)
    ]
    problems += override_problems(applied, households, stored["pins"], stored["forbids"])
    result = CheckResult(
        violations,
        summarize_violations(violations),
        plan.height,
        checked.warnings,
        checked.issues,
    )
    places = {
        "household": dict(
            households.select(pl.col("household_id").cast(pl.String),
                              pl.col("township_id").cast(pl.String)).iter_rows()
        ),
        "worker": dict(
            workers.select(pl.col("worker_id").cast(pl.String),
                           pl.col("township_id").cast(pl.String)).iter_rows()
        ),
    }  # fmt: skip
    return RunRules(
        result,
        tuple(townships),
        households.height,
        0 if stored["pins"] is None else stored["pins"].height,
        0 if stored["forbids"] is None else stored["forbids"].height,
        tuple(problems),
        places,
    )


def override_problems(
    applied: Sequence[OverrideRow],
    households: pl.DataFrame,
    pins: pl.DataFrame | None,
    forbids: pl.DataFrame | None,
) -> list[str]:
    """The overrides the store records as applied in the run (``applied``) that the run's
    stored inputs do not hold: a tier override whose household has another tier, a pin or a
    forbid not among the township's stored pins or forbids. Only those of the checked
    townships' households (``households``) are compared; a data correction is in the stored
    data, whose value the store keeps as text, and is not compared."""
    tier_of = dict(
        households.select(pl.col("household_id").cast(pl.String), pl.col("tier")).iter_rows()
    )

    def pairs(frame: pl.DataFrame | None) -> set[tuple[str, str]]:
        if frame is None:
            return set()
        return set(frame.select(pl.col("household_id").cast(pl.String),
                                pl.col("worker_id").cast(pl.String)).iter_rows())  # fmt: skip

    pinned, forbidden = pairs(pins), pairs(forbids)
    problems = []
    for o in applied:
        if o.household_id not in tier_of:
            continue  # another township's, or gone since: not this check's
        pair = (o.household_id, o.worker_id or "")
        if o.kind == "tier":
            held, what = tier_of[o.household_id] == o.tier, f"tier {o.tier}"
        elif o.kind in ("pin", "forbid"):
            held, what = pair in (pinned if o.kind == "pin" else forbidden), str(o.worker_id)
        else:
            continue
        if not held:
            problems.append(
                f"督导调整 override #{o.id} ({o.kind} {o.household_id} {what}): 数据库记为已生效, "
                "方案保存的输入中却没有 (the store records it as applied in this run, the run's "
                "stored inputs do not hold it)"
            )
    return problems


def applied_overrides(
    outcomes: Sequence[OutcomeRow], overrides: Sequence[OverrideRow]
) -> list[OverrideRow]:
    """The overrides whose outcome in the run is ``applied``."""
    ids = {o.override_id for o in outcomes if o.outcome == "applied"}
    return [o for o in overrides if o.id in ids]

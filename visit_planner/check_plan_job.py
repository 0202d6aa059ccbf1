"""Wiring of ``check-plan`` and ``explain``: files and the Policy in, library calls, data out.

Reads the plan, the scores, the contract inputs (through :mod:`visit_planner.contracts`),
and the optional pins / forbids; converts the Policy into the assignment package's plain
settings; calls :func:`assignment.validator.validate_plan` or the explainer. No printing here:
the CLI module lays the results out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from assignment.alternatives import alternatives
from assignment.candidates import build_candidates
from assignment.domain import PlanInputs
from assignment.errors import PlanFormatError
from assignment.explain import explain_plan
from assignment.inputs import InputIssue, binding_pins
from assignment.validator import (
    Violation,
    ViolationKind,
    summarize_violations,
    validate_plan,
)
from visit_planner.check_plan_previous import SourceRole, amendment_of, previous_by_township
from visit_planner.contracts import Problem, read_table
from visit_planner.contracts.columns import SCORES_PASSTHROUGH
from visit_planner.contracts.input_paths import check_found, plan_option
from visit_planner.contracts.places import place_name
from visit_planner.contracts.plan_tables import PlanTables, table_fingerprint
from visit_planner.contracts.reader import read_raw
from visit_planner.contracts.tables import table_spec
from visit_planner.errors import PolicyError
from visit_planner.hashing import file_sha256
from visit_planner.plan_files import PlanFileError, PlanPaths
from visit_planner.policy import Policy, load_policy, settings_from_policy
from visit_planner.previous_run import PreviousRun, check_continued_run, read_inputs
from visit_planner.runs import RunManifest, RunReader
from visit_planner.runs.manifest import MANIFEST
from visit_planner.runs.townships import listed_townships, match_townships

__all__ = [
    "CheckResult",
    "CheckedInputs",
    "ExplainResult",
    "PlanPaths",
    "explain_from_run",
    "load_plan_inputs",
    "plan_inputs_of",
    "run_check_plan",
    "run_explain",
]


@dataclass(frozen=True)
class CheckResult:
    """Outcome of ``check-plan``: every violation and the count by kind."""

    violations: list[Violation]
    summary: pl.DataFrame
    plan_rows: int
    warnings: tuple[Problem, ...] = ()  # reading the files
    issues: tuple[InputIssue, ...] = ()  # pins not binding, forbids of unknown ids
    notes: tuple[str, ...] = ()  # how the inputs were matched to the plan's run (中文 / English)

    @property
    def valid(self) -> bool:
        """True iff the plan breaks no rule."""
        return not self.violations


@dataclass(frozen=True)
class ExplainResult:
    """Outcome of ``explain`` for one household: its explanation row, ranked alternatives, and
    its score row (probabilities, how the tier came about, the reasons; None when the scores
    the plan was made from do not have the household's, or carry only the tier)."""

    household: dict[str, object]
    alternatives: pl.DataFrame
    score: dict[str, object] | None = None


def score_row(scores: pl.DataFrame | None, household_id: str) -> dict[str, object] | None:
    """The household's row of ``scores`` (None when absent)."""
    if scores is None:
        return None
    rows = scores.filter(pl.col("household_id") == household_id)
    return rows.row(0, named=True) if rows.height else None


def score_detail(path: Path, household_id: str) -> dict[str, object]:
    """How the household's tier came about, from a scores file as ``score`` writes it: the
    columns the scores contract passes through unread (``SCORES_PASSTHROUGH``: the model's
    tier, the tier's source, the rule or override, the reasons); empty when the file has
    none. A CSV cannot hold the reasons (a list of records), so the others only."""
    if path.suffix.lower() == ".parquet":
        names = pl.read_parquet_schema(path)
        cols = [c for c in SCORES_PASSTHROUGH if c in names]
        frame = pl.scan_parquet(path).filter(pl.col("household_id").cast(pl.String) == household_id)
        rows = frame.select(cols).collect() if cols else pl.DataFrame()
    else:
        raw = read_raw(path)
        cols = [c for c in SCORES_PASSTHROUGH if c in raw.columns and c != "reasons"]
        rows = raw.filter(pl.col("household_id") == household_id).select(cols)
    if not cols or rows.height == 0:
        return {}
    row = rows.row(0, named=True)
    if row.get("model_tier") is not None:  # text in a CSV
        row["model_tier"] = int(float(str(row["model_tier"])))
    return row


def _read_plan(path: Path, paths: PlanPaths) -> pl.DataFrame:
    """The plan file through its contract (types only: its content is what is judged),
    once every file of the command is there: those that are not are refused together, each
    with its option (``--plan /x: 找不到文件或目录 (...)``, then ``--scores ...``), not the
    plan's alone, nor by a bare path."""
    check_found([("--plan", path), *((plan_option(f), p) for f, p in paths.given())])
    plan, _ = read_table(path, "plan", "--plan")
    return plan.with_columns(pl.col("tier").cast(pl.Int64))


@dataclass(frozen=True)
class CheckedInputs:
    """The inputs a plan is judged against, with the pins it must honour (the rule the
    solver applies, :func:`assignment.inputs.binding_pins`) and what was left out and why."""

    inputs: PlanInputs
    warnings: tuple[Problem, ...]  # reading the files (columns outside a contract)
    issues: tuple[InputIssue, ...]  # pins released and forbids naming unknown ids


def load_plan_inputs(paths: PlanPaths, policy: Policy | None = None) -> CheckedInputs:
    """Read and check every input file through its contract (the problems of every file
    raised together); keep only the pins binding under ``policy`` (default policy: None)."""
    return plan_inputs_of(read_inputs(paths)[0], policy)


def plan_inputs_of(tables: PlanTables, policy: Policy | None = None) -> CheckedInputs:
    """The checked tables as a plan's inputs, with only the pins binding under ``policy``
    (default policy: None); see :func:`load_plan_inputs`."""
    settings = settings_from_policy(policy or load_policy(None))
    scored = tables.households.join(tables.tier_and_risk(), on="household_id", how="inner")
    pins, issues = binding_pins(
        tables.pins,
        scored,
        tables.workers,
        tables.previous,
        tables.conflicts,
        tables.forbids,
        settings,
    )
    inputs = PlanInputs(
        households=tables.households,
        workers=tables.workers,
        scores=tables.scores,
        previous=tables.previous,
        conflicts=tables.conflicts,
        pins=pins,
        forbids=tables.forbids,
    )
    return CheckedInputs(inputs, tables.warnings, tuple(issues))


_RECORDED = (
    ("scores", "scores", "--scores"),
    ("households", "households", "--households"),
    ("workers", "workers", "--workers"),
    ("previous_assignment", "previous", "--previous"),
    ("conflicts", "conflicts", "--conflicts"),
    ("pins", "pins", "--pins"),
    ("forbids", "forbids", "--forbids"),
)
"""(name in a run's manifest and contract table, field of PlanPaths and PlanTables, option)."""

BYTES_NOTE = (
    "该方案只记录了输入文件的字节校验值: 输入文件按字节比对, 须提供生成方案时的原文件 / this "
    "run recorded its input files by their bytes only (a monthly `plan` run, which streams "
    "its households, or an `assign` run made before inputs were recorded by content): they "
    "are compared by their bytes, so pass the very files it was made from (a copy in another "
    "format differs)"
)
"""The note check-plan prints for a run whose manifest has only the files' byte hashes."""

_MAX_IDS = 3


def check_inputs_belong(
    plan_path: Path,
    paths: PlanPaths,
    tables: PlanTables,
    previous: PreviousRun | None = None,
    *,
    by_township: bool = False,
) -> list[str]:
    """When the plan lies in a run directory, the given tables must be the ones it was made
    from, and none it was made with may be missing: a plan judged or explained against other
    inputs gives silently wrong answers.

    Tables are compared by content (:func:`~visit_planner.contracts.plan_tables.table_fingerprint`
    of the table as read, recorded by ``assign``), so a CSV copy of a Parquet file, or the same
    table with its columns or rows in another order, is the same input. A run with only its
    files' byte hashes (a monthly ``plan`` run, which streams its households, or an ``assign``
    run written before content fingerprints) has its inputs compared by bytes, and the returned
    notes say so (``中文 / English``).

    ``previous``: the run whose plan was given as the previous assignment (its plan file is
    what is compared by bytes); a run that names the run it continued takes that one only,
    unless ``by_township``: its townships were found solved from different runs, the given
    one among them (:func:`visit_planner.check_plan_previous.previous_by_township`)."""
    if not (plan_path.parent / MANIFEST).is_file():
        return []
    manifest = RunManifest.read(plan_path.parent)
    if not by_township:
        check_continued_run(manifest, previous)
    if previous is not None:
        paths = replace(paths, previous=previous.plan_file)
    recorded = manifest.inputs
    problems, by_bytes = [], False
    for name, attr, option in _RECORDED:
        given: Path | None = getattr(paths, attr)
        made_with = recorded.get(name)
        if made_with is None:
            continue
        label = name.replace("_", " ")
        if given is None:
            problems.append(
                f"方案生成时使用了{_ZH_TABLE[name]}, 请用 {option} 提供 (this plan was made "
                f"with the {label} file ({made_with['path']}); pass it with {option})"
            )
        elif "content" in made_with:
            frame: pl.DataFrame = getattr(tables, attr)
            if table_fingerprint(frame, name) != made_with["content"]:
                how = _how_differs(plan_path.parent, name, frame, made_with)
                problems.append(
                    f"{given}: 与生成方案时的{_ZH_TABLE[name]}内容不一致 (not the {label} this "
                    f"plan was made from ({made_with['path']}): its content differs"
                    f"{f' ({how})' if how else ''})"
                )
        else:
            by_bytes = True
            if file_sha256(given) != made_with["sha256"]:
                problems.append(
                    f"{given}: 与生成方案时的文件不一致 (not the {label} this plan was made from "
                    f"({made_with['path']}): its bytes differ from that file's, and this run "
                    "recorded its inputs by their bytes only, so a copy in another format "
                    "(e.g. CSV for Parquet) differs too: pass the files the plan was made from)"
                )
    if problems:
        raise PlanFileError(f"{plan_path}: " + "; ".join(problems))
    return [BYTES_NOTE] if by_bytes else []


_ZH_TABLE = {
    "scores": "评分表",
    "households": "农户表",
    "workers": "人员表",
    "previous_assignment": "上月结对表",
    "conflicts": "利益冲突表",
    "pins": "指定结对表",
    "forbids": "禁止结对表",
}

_STORED = {"previous_assignment": "previous", "scores": "households"}
"""A run stores its inputs per township (runs.writer.INPUT_FRAMES) under these names; the
scores' final tier and P(tier 1) as the households' ``tier`` and ``risk``."""


def _stored_inputs(reader: RunReader, stem: str) -> list[str]:
    """The run's stored copies of one input (``townships/<id>/inputs/<stem>.parquet``), as
    its manifest lists them, in township order."""
    pattern = re.compile(rf"townships/[^/]+/inputs/{re.escape(stem)}\.parquet")
    return sorted(rel for rel in reader.manifest.files if pattern.fullmatch(rel))


def _how_differs(run: Path, name: str, given: pl.DataFrame, made_with: Mapping[str, str]) -> str:
    """How ``given`` differs from the table a run was made from: rows added, removed and
    changed with the first ids, from the copy the run keeps of its planned townships' inputs
    (of the scores: the final tier and P(tier 1)), each read through the run's reader (a
    damaged copy is refused naming it, never compared); else, or when the difference lies
    outside that copy, the row counts."""
    was = int(made_with.get("rows", "-1"))
    if was == given.height:
        rows = f"as many rows as recorded ({was:,}), other values"
    else:
        rows = f"{given.height:,} rows given, {was:,} recorded" if was >= 0 else ""
    if name == "scores":  # the run keeps the final tier and P(tier 1) with its households
        given = given.select(
            "household_id", pl.col("final_tier").alias("tier"), pl.col("p_tier1").alias("risk")
        )
    reader = RunReader(run, remember=False)  # each stored copy checked against the manifest
    files = _stored_inputs(reader, _STORED.get(name, name))
    if not files:
        return rows
    stored = pl.concat([reader.frame(f) for f in files], how="diagonal_relaxed")
    cols = [c for c in given.columns if c in stored.columns]
    key = [c for c in table_spec(name).id_columns if c in cols]
    if not key:
        return rows
    if "township_id" in cols:  # the run keeps the townships it planned only
        given = given.filter(pl.col("township_id").is_in(stored["township_id"].unique().implode()))
    elif "household_id" in cols and (hh := _stored_inputs(reader, "households")):
        ids = pl.concat([reader.frame(f, ["household_id"]) for f in hh])
        given = given.filter(pl.col("household_id").is_in(ids["household_id"].implode()))
    try:  # both were read through the contract: the same types, unless the run is damaged
        stored = stored.select(cols).cast(given.select(cols).schema).unique()
    except pl.exceptions.PolarsError:
        return rows
    given = given.select(cols).unique()
    added = given.join(stored, on=key, how="anti", nulls_equal=True)
    removed = stored.join(given, on=key, how="anti", nulls_equal=True)
    both = given.join(stored, on=key, how="inner", suffix="__was", nulls_equal=True)
    other = [c for c in cols if c not in key]
    changed = both.filter(
        pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}__was")) for c in other)
        if other
        else pl.lit(False)
    )
    parts = [
        f"{frame.height:,} {what}, e.g. {_first_ids(frame, key)}"
        for frame, what in ((added, "added"), (removed, "removed"), (changed, "changed"))
        if frame.height
    ]
    return "; ".join(parts) if parts else rows


def _first_ids(frame: pl.DataFrame, key: list[str]) -> str:
    """The first ``_MAX_IDS`` keys of ``frame`` in order, a pair as ``household/worker``."""
    ids = frame.select(pl.concat_str([pl.col(c) for c in key], separator="/").alias("id"))
    head = ids["id"].sort().head(_MAX_IDS).to_list()
    return ", ".join(str(i) for i in head) + (" …" if frame.height > _MAX_IDS else "")


def policy_changed_note(plan_path: Path, policy: Policy) -> str | None:
    """A note when the plan's run directory keeps the policy the plan was made with
    (``policy.toml`` beside the manifest) and it is not the policy checked against: a plan made
    with tier 2 visited every other month, checked against the default, reads as 1,438
    violations (hours, over hours) that are the policy change, not faults of the plan. None
    when the policies agree, or there is no run directory or readable policy in it."""
    stored = plan_path.parent / "policy.toml"
    if not (plan_path.parent / MANIFEST).is_file() or not stored.is_file():
        return None
    try:
        made_with = load_policy(stored, given_as=None)
    except PolicyError:  # an older run's policy the current rules refuse
        return None
    if made_with == policy:
        return None
    return (
        f"方案所用策略与本次校验所用策略不同, 违规可能来自策略变化; 按原策略校验请加 --policy "
        f"{stored} (the plan was made with another policy than the one checked against, kept "
        f"in {stored}: violations may come from the change; pass --policy {stored} to check "
        "it as it was made)"
    )


def previous_missing_note(plan_path: Path, plan: pl.DataFrame, paths: PlanPaths) -> str | None:
    """The note for a plan made with a previous assignment when none is given (None when one
    is given, or the plan keeps no one's worker). The plan says so itself, marking the
    households that keep last month's worker (``kept_previous``); without that assignment
    those marks cannot be checked, and each would read as a violation
    (``kept_previous_mismatch``, "last month's worker none"): thousands of them, none a
    fault of the plan, and nothing saying that ``--previous`` is what is missing. So that
    rule is left out and this note says why, with the count and, for a published run, the
    run whose plan it continued (a ``plan`` run names it in its manifest, not as a file: the
    month's data may have none); every other rule is still checked."""
    if paths.previous is not None or "kept_previous" not in plan.columns:
        return None
    kept = int(plan["kept_previous"].fill_null(False).sum())
    if not kept:
        return None
    run_zh = run_en = ""
    where_zh = " (上月结对表, 或所延续方案的目录或其 plan.parquet)"
    where_en = (
        " (a previous-assignment file, or the directory or plan.parquet of the run it continued)"
    )
    if (plan_path.parent / MANIFEST).is_file():
        previous_run = RunManifest.read(plan_path.parent).previous_run_id
        amended = None if previous_run else amendment_of(plan_path.parent)
        if amended is not None:
            resolved, source = amended
            codes = ", ".join(resolved)
            # A programme's first month: the others were solved from the data's file.
            first_month = source is not None and source.role is SourceRole.RECORDED_FILE
            others_zh = (
                "其余乡镇按生成时的上月结对文件求解" if first_month else "其余乡镇延续上月方案"
            )
            others_en = (
                "the others were solved from the previous-assignment file the month was "
                "planned with"
                if first_month
                else "the others continued last month's run"
            )
            run_zh = (
                f"; 本方案为修订版, 乡镇 {codes} 按本月修订前的版本重新求解, {others_zh}, "
                "提供其所依据的结对后, 每个乡镇按其所依据的版本或文件核对"
            )
            run_en = (
                f" (an amendment: township(s) {codes} were re-solved from an earlier version "
                f"of this month, {others_en}; with that given, each township is checked "
                "against the version or file it was solved from)"
            )
            if source is None:
                where_zh = "上月方案的目录或其 plan.parquet"
                where_en = " (the directory or plan.parquet of last month's run it continued)"
            elif first_month:
                where_zh = f"该文件: {source.path}"
                where_en = f": that file, {source.path}"
            else:
                where_zh = f"上月方案的目录: {source.path}"
                where_en = f": last month's run's directory, {source.path}"
        elif previous_run:
            run_zh = f", 上月结对来自方案 {previous_run[:12]}"
            run_en = f" (this run continued run {previous_run[:12]}'s plan)"
            # A published run lies in runs/<month>/<run id>, beside the run it continued.
            found = sorted(plan_path.parent.parent.parent.glob(f"*/{previous_run}"))
            if found and (found[0] / MANIFEST).is_file():
                where_zh = f": {found[0]}"
                where_en = f": that run's directory, {found[0]}"
    return (
        f"方案按上月结对生成, {kept:,} 户标为延续上月走访人员{run_zh}; 未提供上月结对表, "
        f"这些标记未核对, 请用 --previous 提供{where_zh} / this plan was made with a previous "
        f"assignment{run_en}: {kept:,} households are marked kept_previous, not checked "
        "without it (every other rule is); pass the previous assignment it was made from "
        f"with --previous to check them{where_en}"
    )


def township_ids(given: Collection[str], households: pl.DataFrame, path: Path) -> list[str]:
    """The townships ``--township`` names, each by its code or its name (Chinese or English,
    from the places table beside the households file), as codes. One that is no township of
    the households table (``path``) is refused, naming the table's townships: a mistyped code
    would otherwise make "only these townships must be complete" check none, and a plan
    missing whole townships would pass."""
    known = sorted(str(t) for t in households["township_id"].unique().to_list())
    # Chinese, English, and both as the tool prints them (lang None: 开化街道 Kaihua Subdistrict)
    names = [(code, place_name(code, lang)) for code in known for lang in ("zh", "en", None)]
    codes, missing, shared = match_townships(given, known, names)
    if shared:
        raise PlanFileError(
            f"--township: 乡镇名称重复, 请用编号 (a name several townships share; give the "
            f"code): {'; '.join(shared)}"
        )
    if missing:
        raise PlanFileError(
            f"--township: 乡镇不在农户表中 (township(s) {', '.join(missing)} are not in "
            f"{path}; its townships: {listed_townships(known)})"
        )
    return codes


def run_check_plan(
    plan_path: Path,
    paths: PlanPaths,
    policy: Policy,
    *,
    townships: Collection[str] | None = None,
) -> CheckResult:
    """Validate the plan at ``plan_path`` against the inputs and the policy."""
    plan = _read_plan(plan_path, paths)
    tables, previous = read_inputs(paths)
    by_township = None
    if paths.previous is not None and tables.previous is not None:
        by_township = previous_by_township(
            plan_path, tables.previous, paths.previous, previous, tables.households
        )
    notes = check_inputs_belong(
        plan_path, paths, tables, previous, by_township=by_township is not None
    )
    if by_township is not None:  # an amended run: each township against its own source
        tables = replace(tables, previous=by_township.previous)
        notes += by_township.notes()
    elif previous is not None:
        notes.append(previous.note())
    if (changed := policy_changed_note(plan_path, policy)) is not None:
        notes.append(changed)
    unchecked = previous_missing_note(plan_path, plan, paths)
    if townships:
        townships = township_ids(townships, tables.households, paths.households)
    checked = plan_inputs_of(tables, policy)
    try:
        violations = validate_plan(
            plan, checked.inputs, settings_from_policy(policy), townships=townships or None
        )
    except PlanFormatError as exc:
        raise PlanFileError(f"{plan_path}: {exc}") from None
    if unchecked is not None:
        notes.append(unchecked)
        violations = [v for v in violations if v.kind != ViolationKind.KEPT_PREVIOUS_MISMATCH]
    return CheckResult(
        violations,
        summarize_violations(violations),
        plan.height,
        checked.warnings,
        checked.issues,
        tuple(notes),
    )


def run_explain(
    plan_path: Path, paths: PlanPaths, policy: Policy, household_id: str
) -> ExplainResult:
    """Explain one household: its reason row and its ranked alternative workers.

    Candidates are built for the household's township only (townships are independent).
    """
    plan = _read_plan(plan_path, paths)
    tables, previous = read_inputs(paths)
    check_inputs_belong(plan_path, paths, tables, previous)
    inputs = plan_inputs_of(tables, policy).inputs
    settings = settings_from_policy(policy)
    row = plan.filter(pl.col("household_id") == household_id)
    if row.height == 0:
        raise PlanFileError(
            f"{plan_path}: 农户不在方案中 (household {household_id!r} is not in the plan)"
        )
    township = row["township_id"][0]
    hh = inputs.households.filter(pl.col("township_id") == township)
    local_plan = plan.filter(pl.col("household_id").is_in(hh["household_id"].implode()))
    risk = pl.col("p_tier1") if "p_tier1" in inputs.scores.columns else pl.lit(0.0)
    hh_scored = hh.join(
        inputs.scores.select("household_id", pl.col("final_tier").cast(pl.Int8).alias("tier"),
                             risk.alias("risk")),
        on="household_id", how="inner",
    ).filter(pl.col("tier").is_in([1, 2, 3]))  # fmt: skip
    workers = inputs.workers.filter(pl.col("township_id") == township)
    candidates = build_candidates(
        hh_scored, workers, inputs.previous, inputs.conflicts, settings, inputs.pins,
        inputs.forbids,
    )  # fmt: skip
    # The township's scores only (arcs never leave a township): the risks the alternatives
    # read, without a look-up table of the whole prefecture's.
    scores = inputs.scores.filter(pl.col("household_id").is_in(hh["household_id"].implode()))
    one = PlanInputs(
        households=hh, workers=inputs.workers, scores=scores, previous=inputs.previous,
        conflicts=inputs.conflicts, pins=inputs.pins, forbids=inputs.forbids,
    )  # fmt: skip
    # Loads (for "at capacity") come from the whole township's plan; the township's arcs give
    # the workload-balance thresholds of a trade-off (not built a second time), and only the
    # household's own trade-off causes are worked out.
    expl, _ = explain_plan(local_plan, candidates, one, settings, only=[household_id])
    alts = alternatives(household_id, local_plan, candidates, one, settings)
    score = score_row(inputs.scores, household_id)
    if score is not None:  # what the contract does not read: how the tier came about
        score.update(score_detail(paths.scores, household_id))
    return ExplainResult(expl.row(0, named=True), alts, score)


def explain_from_run(run: Path, household_id: str) -> ExplainResult:
    """Explain one household from a run directory: its township's files and the run's policy
    only (see :class:`visit_planner.runs.RunReader`)."""
    reader = RunReader(run)
    score = score_row(reader.scores(reader.township_of(household_id)), household_id)
    return ExplainResult(reader.explanation(household_id), reader.alternatives(household_id), score)

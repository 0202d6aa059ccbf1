"""Promotion: move alias ``champion`` to a version only through a documented gate.

The gate compares the candidate with the current champion **on the same held-out rows** (the
group-wise test split of the data given, drawn with the candidate's own seed and fraction):

1. tier-1 recall  : candidate >= champion - ``recall_tolerance``   (default 0.02)
2. macro-F1       : candidate >= champion - ``f1_tolerance``       (default 0.01)
3. largest group gap in tier-1 recall (ethnicity, gender, county): candidate <=
   champion + ``gap_tolerance`` (default 0.0: not wider). Undefined gaps (too few tier-1
   households per group) are not compared.

The decision also carries the candidate's check by group (``groups``,
:func:`risk_model.fairness_text.group_check_lines`): every group with its sizes, so a pass,
a refusal and the audit line show the groups behind the one gap compared.

With no champion yet the first version passes (recorded as such); so does a candidate
replacing a champion the application calls no model of its use (``incomparable``: for
``visit-planner``, a champion that is no households model), with a note saying why.
``force=True`` promotes a refused candidate, but only with a reason; the gate result, the
reason and the time are recorded as tags on the version and as a line of the audit file.
A refusal is recorded too, as the version's tags ``refused_at``, ``refused_against`` (the
champion's version) and ``refused_checks`` (:func:`refusal_tags`), so that the list of
versions says which attempt came last and why it failed, not only the audit file.

If the champion was trained on data that overlaps the candidate's held-out rows, it is
evaluated on rows it has seen, which favours the champion: the gate errs on the side of
keeping it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from risk_model.decision import DecisionRule
from risk_model.errors import PromotionFailedError, PromotionRefusedError, RiskModelError
from risk_model.evaluate import group_split
from risk_model.fairness_text import GroupWords, group_check_lines
from risk_model.spec import FeatureSpec, spec_from_dict
from risk_model.tracking import Registry
from risk_model.training import Evaluation, evaluate


@dataclass(frozen=True)
class GateConfig:
    """Tolerances of the promotion gate (module docstring)."""

    recall_tolerance: float = 0.02
    f1_tolerance: float = 0.01
    gap_tolerance: float = 0.0


@dataclass(frozen=True)
class GateCheck:
    """One comparison of the gate."""

    name: str
    candidate: float
    champion: float
    limit: float
    passed: bool
    text: str


@dataclass
class GateDecision:
    """The gate's verdict and its checks."""

    passed: bool
    checks: list[GateCheck] = field(default_factory=list)
    note: str = ""
    groups: list[str] = field(default_factory=list)  # the candidate's check by group

    def summary(self) -> str:
        """One line per check, then the candidate's check by group
        (:func:`~risk_model.fairness_text.group_check_lines`), for the CLI and the audit
        log: the gate compares one gap, the lines show the groups behind it."""
        lines = [self.note] if self.note else []
        lines += [f"{'通过 PASS' if c.passed else '未通过 FAIL'} {c.text}" for c in self.checks]
        return "\n".join(lines + self.groups)


def promotion_gate(
    candidate: Evaluation,
    champion: Evaluation | None,
    config: GateConfig | None = None,
    *,
    top: tuple[str, str] = ("tier-1", "一类户"),
) -> GateDecision:
    """Apply the gate (pure). ``champion=None`` means there is none yet: pass. ``top``: the
    (English, Chinese) name of the highest-risk class in the texts
    (:meth:`~risk_model.spec.FeatureSpec.top_class_names`)."""
    en, zh = top
    cfg = config or GateConfig()
    if champion is None:
        return GateDecision(
            True, [], "尚无冠军模型, 首个版本直接通过 / no champion yet: first version passes"
        )
    checks: list[GateCheck] = []
    c, h = candidate.metrics, champion.metrics
    limit = h.tier1_recall - cfg.recall_tolerance
    checks.append(
        GateCheck(
            "tier1_recall",
            c.tier1_recall,
            h.tier1_recall,
            limit,
            c.tier1_recall >= limit,
            f"{zh}召回率 {en} recall {_side_by_side(c.tier1_recall, limit, '>=')} "
            f"(冠军 champion {h.tier1_recall:.3f}-{cfg.recall_tolerance})",
        )
    )
    limit = h.macro_f1 - cfg.f1_tolerance
    checks.append(
        GateCheck(
            "macro_f1",
            c.macro_f1,
            h.macro_f1,
            limit,
            c.macro_f1 >= limit,
            f"宏平均F1 macro-F1 {_side_by_side(c.macro_f1, limit, '>=')} "
            f"(冠军 champion {h.macro_f1:.3f}-{cfg.f1_tolerance})",
        )
    )
    cg, hg = candidate.fairness.largest_gap, champion.fairness.largest_gap
    if math.isnan(cg) or math.isnan(hg):
        checks.append(
            GateCheck(
                "largest_group_gap",
                cg,
                hg,
                math.nan,
                True,
                f"最大组间差距 largest group gap: {zh}过少, 不予比较 / not comparable, "
                f"too few {en}",
            )
        )
    else:
        limit = hg + cfg.gap_tolerance
        checks.append(
            GateCheck(
                "largest_group_gap",
                cg,
                hg,
                limit,
                cg <= limit,
                f"最大组间差距 largest group gap {_side_by_side(cg, limit, '<=')} "
                f"(冠军 champion {hg:.3f}+{cfg.gap_tolerance})",
            )
        )
    return GateDecision(all(ch.passed for ch in checks), checks)


def _side_by_side(value: float, limit: float, op: str) -> str:
    """``value op limit`` with 3 decimals, or as many more (up to 6) as tell two different
    numbers apart: a check failed by 0.0003 read ``0.423 >= 0.423`` beside FAIL."""
    digits = 3
    while digits < 6 and value != limit and f"{value:.{digits}f}" == f"{limit:.{digits}f}":
        digits += 1
    return f"{value:.{digits}f} {op} {limit:.{digits}f}"


@dataclass
class PromotionResult:
    """What ``promote`` did."""

    version: int
    previous_champion: int | None
    decision: GateDecision
    forced: bool
    reason: str | None
    n_heldout: int
    candidate: dict[str, float] = field(default_factory=dict)
    champion: dict[str, float] = field(default_factory=dict)
    already_champion: bool = False  # nothing was done: the version already was the champion


def heldout_rows(
    registry: Registry, version: int, frame: pl.DataFrame, *, source: str = "promotion data"
) -> pl.DataFrame:
    """The candidate's group-wise held-out rows of ``frame`` (its own seed and fraction);
    ``source`` (the file) names the data in errors."""
    info = registry.version(version)
    spec = spec_from_dict(registry.load_json(info.run_id, "spec.json"))
    seed = int(info.params.get("seed", 0))
    fraction = float(info.params.get("test_fraction", 0.2))
    spec.check_columns(frame.columns, training=True, source=f"{source} (model version {version})")
    data = frame.filter(pl.col(spec.target).is_not_null())
    return data.filter(
        pl.Series(group_split(data, spec.group_column, test_fraction=fraction, seed=seed))
    )


def check_comparable(
    registry: Registry,
    spec: FeatureSpec,
    version: int,
    champion: int,
    *,
    columns: Sequence[str],
    source: str,
) -> None:
    """Refuse, naming both versions, a candidate the gate cannot compare with the champion:
    one predicting another target or classes (a spec's table against the households), or
    data lacking the champion's features (the library's bare "missing feature column(s)")."""
    champ = spec_from_dict(registry.load_json(registry.version(champion).run_id, "spec.json"))
    if (champ.target, [str(c) for c in champ.classes]) != (
        spec.target,
        [str(c) for c in spec.classes],
    ):
        raise RiskModelError(
            f"{source}: 候选版本与冠军模型预测的目标不同, 无法比较 (version {version} predicts "
            f"{spec.target!r} {list(spec.classes)}, the champion, version {champion}, "
            f"{champ.target!r} {list(champ.classes)}: the gate compares models of one "
            f"target only; score with --version {version} instead)"
        )
    if missing := [c for c in champ.features if c not in columns]:
        raise RiskModelError(
            f"{source}: 数据缺少冠军模型的特征列, 无法比较 (missing the champion's (version "
            f"{champion}) feature column(s): {', '.join(missing)})"
        )


def promote(
    registry: Registry,
    version: int,
    frame: pl.DataFrame,
    rule: DecisionRule,
    *,
    config: GateConfig | None = None,
    force: bool = False,
    reason: str | None = None,
    audit_file: Path | None = None,
    source: str = "promotion data",
    incomparable: Callable[[FeatureSpec], str | None] | None = None,
    data_note: str = "",
    words: GroupWords | None = None,
    record: Callable[[PromotionResult], object] | None = None,
    record_failure: Callable[[PromotionResult, AliasFailure], object] | None = None,
) -> PromotionResult:
    """Evaluate candidate and champion on the same held-out rows; move the alias if allowed.

    Raises :class:`PromotionRefusedError` when the gate fails and ``force`` is not set.
    Promoting the current champion does nothing (no tags, no audit line): the result has
    ``already_champion`` set. ``incomparable(champion's spec)``: why the champion in place
    is no model of the application's use (the gate's note; the candidate then replaces it
    without comparison), or None to compare as usual. ``data_note``: what was done to the
    data before the gate (e.g. supervisors' corrections applied), the first line of the
    gate's note, so that the decision, its refusal and the audit line say it. ``words``:
    how the candidate's check by group names the groups (the decision's ``groups`` lines).
    ``record(result)``: the caller's audit entry of the promotion (by the gate or forced),
    written before the alias moves: when it fails, nothing has moved (no alias, no tags, no
    line in ``audit_file``), never a champion without its audit entry.
    ``record_failure(result, failure)``: the caller's follow-up entry when the alias move
    then fails and the alias is not on the candidate (:class:`AliasFailure`), so that the
    audit log does not say a promotion happened that did not; :class:`PromotionFailedError`
    is then raised saying where the alias is (a Ctrl-C is re-raised as it is, after the same
    entries). A ``SIGKILL`` between the two runs no clean-up: ``visit-planner models`` then
    shows the champion as it is.
    """
    if force and not (reason and reason.strip()):
        raise RiskModelError(
            "强制晋升须说明原因 (--force needs a --reason: it is written to the audit log)"
        )
    cand_info = registry.version(version)
    spec = spec_from_dict(registry.load_json(cand_info.run_id, "spec.json"))
    held = heldout_rows(registry, version, frame, source=source)
    if held.height == 0:
        raise RiskModelError(
            f"{source}: 留出集中没有带标签的行 (no labelled held-out rows for model version "
            f"{version})"
        )
    candidate_model, _ = registry.load_model(version)
    cand_eval = evaluate(candidate_model, held, spec, rule)
    current = registry.champion()
    if current is not None and current.version == version:
        note = (
            f"版本 {version} 已是冠军模型, 无需晋升 / version {version} is already the "
            "champion; nothing to do"
        )
        return PromotionResult(
            version=version,
            previous_champion=version,
            decision=GateDecision(True, [], note),
            forced=False,
            reason=reason,
            n_heldout=held.height,
            already_champion=True,
        )
    champ_eval = None
    replaced = None  # the note when the champion is no model of this use
    if current is not None and current.version != version:
        if incomparable is not None:
            champ_spec = spec_from_dict(registry.load_json(current.run_id, "spec.json"))
            replaced = incomparable(champ_spec)
        if replaced is None:
            check_comparable(
                registry, spec, version, current.version, columns=held.columns, source=source
            )
            champion_model, _ = registry.load_model(current.version)
            champ_eval = evaluate(champion_model, held, spec, rule)
    decision = (
        promotion_gate(cand_eval, champ_eval, config, top=spec.top_class_names())
        if replaced is None
        else GateDecision(True, [], replaced)
    )
    decision.note = "\n".join(x for x in (data_note, decision.note) if x)
    decision.groups = group_check_lines(
        cand_eval.fairness, n_rows=held.height, words=words, top=spec.top_class_names()
    )
    result = PromotionResult(
        version=version,
        previous_champion=current.version if current else None,
        decision=decision,
        forced=force and not decision.passed,
        reason=reason,
        n_heldout=held.height,
        candidate=_headline(cand_eval),
        champion=_headline(champ_eval) if champ_eval else {},
    )
    if not decision.passed and not force:
        _audit(audit_file, result, promoted=False)
        registry.set_version_tags(version, refusal_tags(decision, result.previous_champion))
        raise PromotionRefusedError(
            f"版本 {version} 未通过晋升门槛 / promotion of version {version} refused by the "
            "gate:\n" + decision.summary(),
            decision,
        )
    if record is not None:
        record(result)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    tags = {
        "promoted_at": now,
        "promotion_gate": "pass" if decision.passed else "fail",
        "promotion_forced": str(result.forced).lower(),
        "previous_champion": str(result.previous_champion or ""),
    }
    if reason:
        tags["promotion_reason"] = reason
    try:
        registry.set_champion(version, tags)
    except BaseException as exc:  # a registry error, a full disk, Ctrl-C: said, then raised
        failure = alias_failure(registry, version, result.previous_champion, exc)
        _audit(audit_file, result, promoted=bool(failure.moved), failure=failure)
        unrecorded = _record_failure(record_failure, result, failure)
        if not isinstance(exc, Exception):
            raise
        raise PromotionFailedError(failure.message(version, unrecorded), failure) from exc
    _audit(audit_file, result, promoted=True)
    return result


@dataclass(frozen=True)
class AliasFailure:
    """How moving the champion alias failed, and where the alias is now.

    ``moved``: True when the alias is on the candidate after all (its tags were not all
    written: the promotion took effect), False when it is where it was (nothing promoted),
    None when the registry could not be read to tell. ``champion``: the version the alias is
    on (None: none, or unknown when ``moved`` is None). ``error``: the failure in one line
    (its type and first line: no data of the rows, which the registry never sees)."""

    error: str
    moved: bool | None
    champion: int | None

    def state_words(self, version: int) -> tuple[str, str]:
        """Where the alias is, (Chinese, English)."""
        if self.moved is None:
            return (
                "无法读取模型注册表, 冠军状态未知, 请用 visit-planner models 核对",
                "the registry could not be read: where the champion alias is now is unknown; "
                "check with visit-planner models",
            )
        if self.moved:
            return (
                f"冠军别名已移至版本 {version}, 但其晋升标签未写全",
                f"the champion alias is on version {version}: the promotion took effect, "
                "but its promotion tags were not all written",
            )
        if self.champion is None:
            return "冠军别名未移动, 仍无冠军模型", "the champion alias did not move: no champion"
        return (
            f"冠军别名未移动, 版本 {self.champion} 仍为冠军",
            f"the champion alias did not move: the champion is still version {self.champion}",
        )

    def message(self, version: int, unrecorded: str | None) -> str:
        """The error ``promote`` raises: what failed, where the alias is, what the audit log
        says (``unrecorded``: why the follow-up entry could not be written, if it could not)."""
        zh, en = self.state_words(version)
        what_zh, what_en = (
            ("晋升未写全", "was not fully recorded")
            if self.moved
            else ("晋升失败", "failed while moving the champion alias")
        )
        lines = [
            f"版本 {version} {what_zh}: {zh} (promotion of version {version} {what_en}: "
            f"{self.error}; {en})"
        ]
        if unrecorded is not None:
            lines.append(
                "审计日志中已有本次晋升记录, 但失败记录未能写入, 请管理员核对 (the audit log "
                "holds this promotion's entry, written before the alias move, but the entry "
                f"saying it failed could not be written: {unrecorded}; an administrator must "
                "check the champion with visit-planner models)"
            )
        elif not self.moved:
            lines.append(
                "审计日志已记录本次晋升失败 (the audit log says so: an entry promote.failed "
                "follows the promotion's own)"
            )
        return "\n".join(lines)


def alias_failure(
    registry: Registry, version: int, previous: int | None, exc: BaseException
) -> AliasFailure:
    """Where the champion alias is after moving it to ``version`` failed with ``exc``: read
    again from the registry (the move may have happened before the tags failed)."""
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    error = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    try:
        now = registry.champion()
    except Exception:  # the registry itself gone: the state is unknown, said so
        return AliasFailure(error, None, None)
    champion = None if now is None else now.version
    return AliasFailure(error, champion == version, champion)


def _record_failure(
    record_failure: Callable[[PromotionResult, AliasFailure], object] | None,
    result: PromotionResult,
    failure: AliasFailure,
) -> str | None:
    """Write the caller's follow-up audit entry of a failed alias move (none when the alias
    did move: the promotion's entry is true); why it could not be written, or None."""
    if record_failure is None or failure.moved:
        return None
    try:
        record_failure(result, failure)
    except Exception as exc:  # the store gone too: the message says the log is not corrected
        return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:300]}"
    return None


# How a failed check reads in ``refused_checks``: the value, then the side of the limit it
# fell on (the gate wants recall and F1 at least their limit, the gap at most its limit).
_FAILED_SIDE = {"tier1_recall": "<", "macro_f1": "<", "largest_group_gap": ">"}


def refusal_tags(decision: GateDecision, champion: int | None) -> dict[str, str]:
    """The tags a refused promotion leaves on the version (pure): when (ISO 8601, UTC),
    against which champion, and each failed check as ``name value < limit`` joined by
    ``"; "`` (e.g. ``tier1_recall 0.412 < 0.830``), with as many decimals as tell the two
    numbers apart."""
    failed = [
        f"{c.name} {_side_by_side(c.candidate, c.limit, _FAILED_SIDE.get(c.name, '!'))}"
        for c in decision.checks
        if not c.passed
    ]
    return {
        "refused_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "refused_against": str(champion or ""),
        "refused_checks": "; ".join(failed),
    }


def _headline(ev: Evaluation) -> dict[str, float]:
    m = ev.metrics
    return {
        "tier1_recall": m.tier1_recall,
        "macro_f1": m.macro_f1,
        "log_loss": m.log_loss,
        "largest_group_gap": ev.fairness.largest_gap,
    }


def _audit(
    path: Path | None,
    result: PromotionResult,
    *,
    promoted: bool,
    failure: AliasFailure | None = None,
) -> None:
    """A line of ``audit_file``: the promotion, its refusal, or (``failure``) the alias move
    that failed after the gate, with where the alias is (``promoted``: it is on the
    candidate)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    entry: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "action": "promote",
        "promoted": promoted,
        **{k: v for k, v in asdict(result).items() if k != "decision"},
        "gate_passed": result.decision.passed,
        "gate": result.decision.summary(),
    }
    if failure is not None:
        entry["alias_move_failed"] = failure.error
        entry["champion_now"] = failure.champion if failure.moved is not None else "unknown"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(json_safe(entry), ensure_ascii=False, default=_jsonable) + "\n")


def json_safe(v: Any) -> Any:
    """``v`` with every NaN / infinite float (an undefined group gap) as None: JSON has no
    NaN, and ``json.dumps`` would write the invalid token ``NaN``."""
    if isinstance(v, dict):
        return {k: json_safe(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [json_safe(x) for x in v]
    if isinstance(v, float | np.floating) and not math.isfinite(v):
        return None
    return v


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return str(v)

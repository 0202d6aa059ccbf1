"""Sensitive household fields, and how they are kept from roles that may not see them.

Planners and supervisors see a household's sensitive fields (disputes, petitions, illness,
disability) in their jurisdiction (no role sees ethnicity or gender, which runs do not keep;
they stay in :data:`SENSITIVE_FIELDS` for runs published before that); data scientists
see households with those fields masked (:attr:`~dashboard.data.Viewer.sees_sensitive`).
Masking the record alone would not do: a risk reason built from a sensitive field, a policy
rule whose condition reads one and a correction's note of one would each betray its value, so
each is withheld here too. The
queries (:mod:`dashboard.data.household`, :mod:`dashboard.data.corrections`,
:mod:`dashboard.data.worker`) call these; the pages only show the notes below.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import polars as pl

from dashboard.data import run_files

SENSITIVE_FIELDS = (
    "disputes_12m",
    "petitions_12m",
    "hotline_requests_12m",
    "serious_illness_members",
    "disabled_members",
    "head_ethnicity",
    "head_gender",
)
"""Household fields only planners and supervisors (in scope) may see."""

_SENSITIVE_NAME = re.compile(r"\b(" + "|".join(SENSITIVE_FIELDS) + r")\b")
"""A sensitive field's name as a word (in a policy rule's condition)."""

WITHHELD_REASONS = (
    "{n} 条原因涉及敏感字段，本角色不可见 / "
    "{n} reason(s) concern sensitive fields not shown to your role"
)
"""The note in place of the risk reasons withheld from a role without sensitive fields."""

WITHHELD_RULE = (
    "规则涉及敏感字段，本角色不可见 / the rule concerns sensitive fields not shown to your role"
)
"""What a role without sensitive fields sees of a policy rule whose condition reads one."""

SHEET_WITHHELD = (
    "走访清单列出涉及敏感字段的原因，本角色不可下载 / "
    "visit sheets list reasons from sensitive fields: not available to your role"
)
"""Why a role without sensitive fields gets no printable visit sheet."""

CORRECTION_WITHHELD = (
    "涉及敏感字段，本角色不可见 / concerns a sensitive field not shown to your role"
)
"""What a role without sensitive fields reads in place of a text about a sensitive field's
correction: its reason, or why it was (not) applied, which names the value."""

_NOTE_START = re.compile(r"; (?=(?:数据更正|类别调整|禁止配对|指定人员) )")
"""Where one applied override's note ends and the next begins in a household's notes (joined
with ``; ``; a supervisor's reason inside one may hold ``; `` too)."""

_CORRECTION_NOTE = re.compile(r"(数据更正 correction #\d+: )(" + "|".join(SENSITIVE_FIELDS) + r") ")
"""A correction's note of a sensitive field (``数据更正 correction #3: FIELD BEFORE → AFTER
(REASON)``, :func:`visit_planner.overrides.apply_overrides`)."""


@lru_cache(maxsize=64)
def sensitive_rules(root: str) -> frozenset[str]:
    """Codes of the run's policy rules whose condition reads a sensitive field (a household
    raised by one of them has that field's value betrayed by the rule's name)."""
    rules = run_files.reader(root).policy.risk.rules
    return frozenset(r.code for r in rules if _SENSITIVE_NAME.search(r.when))


def mask_score(score: dict[str, Any], root: str) -> dict[str, Any]:
    """A score row without what betrays a sensitive field: the reasons built from one (their
    ``code`` is the feature's column, :mod:`risk_model.reasons`) are left out and counted in
    ``reasons_withheld``; a rule that reads one is named by :data:`WITHHELD_RULE` only."""
    reasons = list(score.get("reasons") or [])
    kept = [r for r in reasons if str(r.get("code") or "") not in SENSITIVE_FIELDS]
    out = {**score, "reasons": kept, "reasons_withheld": len(reasons) - len(kept)}
    if out.get("rule") is not None and out["rule"] in sensitive_rules(root):
        out["rule"] = WITHHELD_RULE
    return out


def mask_notes(notes: str | None) -> str | None:
    """The applied-override notes with a correction of a sensitive field said without its
    values or its reason (``... FIELD — → —``): the reason is the supervisor's free text,
    which may say the value (``确诊 2 人``). Other notes as they are."""
    if notes is None:
        return None
    parts = _NOTE_START.split(notes)
    masked = [
        f"{m[1]}{m[2]} — → —" if (m := _CORRECTION_NOTE.match(part)) else part for part in parts
    ]
    return "; ".join(masked)


def mask_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame of households with every sensitive field's values missing (same types), and a
    correction's note of one (an ``overrides`` column) as in :func:`mask_notes`."""
    hidden = [
        pl.lit(None, dtype=frame.schema[name]).alias(name)
        for name in SENSITIVE_FIELDS
        if name in frame.columns
    ]
    if "overrides" in frame.columns and frame.schema["overrides"] == pl.String:
        hidden.append(pl.col("overrides").map_elements(mask_notes, return_dtype=pl.String))
    return frame.with_columns(hidden) if hidden else frame


def mask_corrections(frame: pl.DataFrame) -> pl.DataFrame:
    """The overrides list (:meth:`~dashboard.data.DataAccess.overrides`) for a role without
    sensitive fields: a correction of one shows no value, and neither its texts (the
    supervisor's reason, evidence and revocation reason, free text that may say the value) nor an
    outcome that names a sensitive field (``数据中 重病成员数 (serious_illness_members) 已是
    2``, ``... contradicts the household: ... (3 > 2)``) are shown; :data:`CORRECTION_WITHHELD`
    in their place. Other rows as they are."""
    sensitive = pl.col("field").cast(pl.String).is_in(SENSITIVE_FIELDS).fill_null(False)
    hidden = pl.lit(CORRECTION_WITHHELD)
    texts = [c for c in ("reason", "evidence", "revoke_reason") if c in frame.columns]
    out = frame.with_columns(
        pl.when(sensitive).then(pl.lit("—")).otherwise(pl.col("value")).alias("value"),
        *[
            pl.when(sensitive & pl.col(c).is_not_null()).then(hidden).otherwise(pl.col(c)).alias(c)
            for c in texts
        ],
    )
    if "outcome_reason" in out.columns:
        names = pl.col("outcome_reason").str.contains(_SENSITIVE_NAME.pattern).fill_null(False)
        out = out.with_columns(
            pl.when(names).then(hidden).otherwise(pl.col("outcome_reason")).alias("outcome_reason")
        )
    return out


def mask_record(record: dict[str, Any]) -> dict[str, Any]:
    """A household's input record with every sensitive field's value as ``—``."""
    return {k: ("—" if k in SENSITIVE_FIELDS else v) for k, v in record.items()}

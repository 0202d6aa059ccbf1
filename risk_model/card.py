"""The model card: a markdown page of data, intended use, limits, metrics and groups."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from risk_model.fairness_text import GroupWords, group_check_lines
from risk_model.training import TrainResult


def _f(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def _reason_method(result: TrainResult) -> str:
    """ "exact", and for boosted trees which exact attribution (Shapley values or path)."""
    tree = result.reason_tables.reference.get("tree_method")
    if tree is None:
        return result.reason_tables.method
    name = "TreeSHAP Shapley values" if tree == "shapley" else "Saabas path attribution"
    return f"{result.reason_tables.method}: {name}"


def _purpose(
    result: TrainResult, data_name: str, version_hint: str, *, households: bool
) -> list[str]:
    """The card's title and intended use: the household tiers' for a households model, what
    the spec's table predicts for any other (a clinic table's model is no household ranking
    and plans no visits)."""
    spec = result.spec
    if households:
        return [
            f"# Model card — household risk tiers {version_hint}".rstrip(),
            "",
            "## Intended use / 用途",
            "Ranks households by need for attention (家庭分类评估) into ordered tiers "
            f"{list(spec.classes)} (first = highest) to plan grassroots visits. It supports, "
            "and never replaces, the assessor and supervisor: policy rules and supervisor "
            "overrides are applied after the model and recorded as such.",
        ]
    return [
        f"# Model card — `{spec.target}` of `{data_name}` {version_hint}".rstrip(),
        "",
        "## Intended use / 用途",
        f"Predicts `{spec.target}` of each row of a table like `{data_name}` (keyed by "
        f"`{spec.id_column}`) in the ordered classes {list(spec.classes)} (first = highest "
        "risk), trained with a feature spec. It is no household tier model: it is never the "
        "champion that plans visits, and is scored by its version "
        "(`visit-planner score --version N`). It supports, and never replaces, whoever sets "
        f"`{spec.target}`.",
    ]


def _selection(result: TrainResult) -> str:
    """How the registered kind was chosen: by held-out log-loss, or as requested
    (``--no-select``), then naming any candidate with a lower held-out log-loss."""
    losses = ", ".join(f"{k} {v:.4f}" for k, v in result.ranking)
    if result.config.select:
        return f"- chosen by held-out log-loss among: {losses}"
    text = f"- registered as requested (--no-select), not by held-out log-loss: {losses}"
    if result.best_not_chosen and (runner := result.runner_up) is not None:
        text += f"; {runner[0]} has the lower held-out log-loss"
    return text


def model_card(
    result: TrainResult,
    *,
    data_name: str,
    version_hint: str = "",
    data_notes: Sequence[str] = (),
    words: GroupWords | None = None,
) -> str:
    """Markdown model card of a training result (aggregates only, no household data).
    ``data_notes``: lines on what was done to the data before training (e.g. the supervisors'
    corrections file applied, by name, hash and counts), under the data's source. ``words``:
    how the check by group (the lines ``train`` prints) names the groups."""
    spec, ev = result.spec, result.evaluation
    m = ev.metrics
    # The highest-risk class as train and models name it: tier-1 for the households,
    # class '高' for a spec's table.
    top = spec.top_class_names()[0]
    split = f"group-wise by `{spec.group_column}`" if spec.group_column else "random rows"
    audit = ", ".join(f"`{c}`" for c in spec.audit_columns) or "(none)"
    households = [str(c) for c in spec.classes] == ["1", "2", "3"]
    lines = [
        *_purpose(result, data_name, version_hint, households=households),
        "",
        "## Data / 数据",
        f"- source: `{data_name}`; rows {result.n_rows:,}, labelled {result.n_labelled:,}; "
        f"train {result.n_train:,}, held-out {result.n_test:,} ({split}, fraction "
        f"{result.config.test_fraction}, seed "
        f"{result.config.seed})",
        *[f"- {n}" for n in data_notes],
        f"- target `{spec.target}`; features ({len(spec.features)}): "
        + ", ".join(f"`{c}`" for c in spec.features),
        f"- never features: id, audit-only columns {audit}, names, ID-card numbers, coordinates",
        "",
        "## Model / 模型",
        f"- kind `{result.chosen}`, fit {result.fit_seconds:.1f} s; decision rule: minimum "
        f"expected cost, cost matrix (true x predicted) {list(map(list, result.rule.cost))}",
        _selection(result),
        *[f"- note: {n}" for n in result.notes],
        "",
        "## Held-out metrics / 留出集指标",
        f"| model | log-loss | macro-F1 | {top} recall (95 % CI) | {top} precision | ECE |",
        "|---|---|---|---|---|---|",
    ]
    rows = [(result.chosen, ev), *result.baseline_evaluations.items()]
    for name, e in rows:
        mm = e.metrics
        lines.append(
            f"| {name} | {_f(mm.log_loss, 4)} | {_f(mm.macro_f1)} | {_f(mm.tier1_recall_shown)} "
            f"({_f(mm.tier1_recall_ci[0])}–{_f(mm.tier1_recall_ci[1])}) | "
            f"{_f(mm.tier1_precision)} | {_f(mm.ece, 4)} |"
        )
    if ev.bayes is not None:
        b = ev.bayes
        lines += [
            f"| Bayes-optimal | {_f(b.bayes.log_loss, 4)} | {_f(b.bayes.macro_f1)} | "
            f"{_f(b.bayes.tier1_recall)} | {_f(b.bayes.tier1_precision)} | "
            f"{_f(b.bayes.ece, 4)} |",
            "",
            f"Distance to the Bayes limit: log-loss {b.log_loss_gap_pct:+.2f} % "
            f"(cross-entropy vs true probabilities {b.cross_entropy_gap_pct:+.2f} %), "
            f"macro-F1 {_f(-b.macro_f1_gap)}.",
        ]
    lines += [
        "",
        "Confusion (rows true, columns predicted): " + str(m.confusion),
        "",
        "## Groups / 分组误差",
        f"| attribute | group | n | n {top} | {top} recall | {top} FPR |",
        "|---|---|---|---|---|---|",
    ]
    for r in ev.fairness.table.iter_rows(named=True):
        lines.append(
            f"| {r['attribute']} | {r['group']} | {r['n']} | {r['n_tier1']} | "
            f"{_f(r['tier1_recall'])} | {_f(r['tier1_fpr'])} |"
        )
    lines += [
        "",
        f"Largest {top} recall gap per attribute (groups with >= 20 {top}): "
        + ", ".join(f"{k} {_f(v)}" for k, v in ev.fairness.recall_gap.items()),
    ]
    groups = group_check_lines(
        ev.fairness, n_rows=result.n_test, words=words, top=spec.top_class_names()
    )
    if groups:  # as train prints it, Chinese first, groups by name, tiny ones said so
        lines += ["", "```text", *groups, "```"]
    lines += [
        "",
        "## Limits / 局限",
        "- Probabilities are calibrated for the population it was trained on; check the "
        "drift report (PSI) of every scoring run.",
        f"- Reason codes ({_reason_method(result)}, in {result.reason_tables.unit}): "
        f"contributions that add up to the model's {top} score (max |error| "
        f"{result.reason_tables.fidelity_max_error:.1e}; R² {_f(result.reason_tables.fidelity_r2)} "
        f"against the model's own {top} log-odds on held-out rows).",
        "- Small groups have wide error bars; gaps are computed only over groups with "
        f"enough {top} rows.",
        "- Trained on assessors' past tiers: it reproduces their judgement, including any "
        "bias in it."
        if households
        else f"- Trained on the recorded `{spec.target}` labels: it reproduces whoever set "
        "them, including any bias in them.",
    ]
    return "\n".join(lines) + "\n"

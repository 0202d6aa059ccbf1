"""``explain`` in words: what a household's pairing is, and what each alternative would do.

Readable at 80 columns and when redirected: one short block per alternative, leading with the
consequence a supervisor cares about ("would leave 1 二类户 unvisited") before the numbers.
The objective is in minutes-equivalent per month: travel minutes, plus the penalties the
policy gives (a change of worker, an up-cover, workload above a peer group's share, and, far
larger, a household left unvisited).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from visit_planner.cli.summary_text import hanging
from visit_planner.contracts.places import name_places, place_label
from visit_planner.export.labels import TIER_SOURCE, TIER_ZH, role_en, role_zh


def _yes(value: object) -> str:
    return "是 yes" if value else "否 no"


def _role(role: object) -> str:
    return "—" if not role else f"{role_zh(str(role))} {role_en(str(role))}"


WIDTH = 80


def _wrapped(text: str, first: str, rest: str | None = None, width: int = WIDTH) -> list[str]:
    """``text`` wrapped to ``width`` display columns (a Chinese character is two, in the text
    and in the prefixes), its first line after ``first`` and the others after ``rest`` (a
    hanging indent), so that a redirected or 80-column terminal shows it without ragged
    breaks (:func:`~visit_planner.cli.summary_text.hanging`)."""
    return hanging(text, first, first if rest is None else rest, width)


def _reason_lines(reason: str, width: int = WIDTH) -> list[str]:
    """A reason, its causes one per line: ``该人员有余力, 但方案保持现状: A; B``."""
    head, sep, causes = reason.partition(": ")
    if not sep or "; " not in causes:
        return _wrapped(reason, "    ", width=width)
    lines = _wrapped(head + ":", "    ", width=width)
    for cause in causes.split("; "):
        lines += _wrapped(cause, "      - ", "        ", width)
    return lines


def _previous_lines(h: dict[str, Any]) -> list[str]:
    """Whether the household kept its previous worker, and who that was: last month's, or -
    in a township an amendment re-solved (``previous_this_month``) - the worker of the
    month's previous version."""
    kept, previous = _yes(h.get("kept_previous")), h.get("previous_worker_id")
    if not h.get("previous_this_month"):
        return [
            f"延续上月走访人员 same visitor as last month: {kept}"
            + (f" (上月 last month {previous})" if previous else "")
        ]
    lines = [f"延续本月上一版本人员 same as this month's previous version: {kept}"]
    if previous:
        lines.append(f"  本月上一版本 previous version of this month: {previous}")
    return lines


WHY_NOT_KEPT = "  未延续的原因 why not:"
"""The label above why the previous worker is not kept, on its own line: the Chinese and
the English lines below it each say the whole reason, so a stream without Chinese prints
the English alone (``without_chinese_twins``); after the label, the Chinese line's ids kept
``why not: W000190 (`` on such a stream."""


def _not_kept_lines(
    h: dict[str, Any], alternatives: pl.DataFrame | None, width: int = WIDTH
) -> list[str]:
    """Why the household's previous worker is not its worker (the question "why did my
    household change hands"): that worker's place among the ranked alternatives with what
    choosing it would do, or, when it is not among them, that it may not serve the household
    this month. Nothing when the household kept its worker or had none, or without the
    alternatives."""
    previous = h.get("previous_worker_id")
    if alternatives is None or not previous or previous == h.get("worker_id"):
        return []
    match = alternatives.filter(pl.col("worker_id") == str(previous))
    if match.height == 0:
        tier = h.get("tier")
        tier_zh = TIER_ZH[int(tier)] if tier in (1, 2, 3) else "该类别"
        return [
            WHY_NOT_KEPT,
            *_wrapped(
                f"{previous} 不在本月可分配给该户的人员中(其角色不承接{tier_zh}"
                "、已停用、不在辖区、需回避或督导禁止)",
                "    ",
                width=width,
            ),
            *_wrapped(
                f"{previous} is not among the workers allowed for this household this month "
                "(its role does not serve the tier, or it is inactive, out of jurisdiction, "
                "declared a conflict or forbidden by a supervisor)",
                "    ",
                width=width,
            ),
        ]
    r = match.row(0, named=True)
    total = r.get("objective_change")
    cost = "—" if total is None else f"{total:+,.1f}"
    zh, en = consequence(r)
    return [
        WHY_NOT_KEPT,
        *_wrapped(f"{previous} 为备选第 {r['rank']} 位, 代价 {cost}: {zh}", "    ", width=width),
        *_wrapped(f"{previous} is alternative {r['rank']}, cost {cost}: {en}", "    ", width=width),
    ]


def household_lines(
    h: dict[str, Any], width: int = WIDTH, alternatives: pl.DataFrame | None = None
) -> list[str]:
    """The household's pairing, one fact per line, wrapped to ``width`` display columns;
    with its ranked ``alternatives`` (all of them, not only those printed), why its previous
    worker is not its worker (:func:`_not_kept_lines`)."""
    tier = h.get("tier")
    tier_text = f"{TIER_ZH[int(tier)]} tier {tier}" if tier in (1, 2, 3) else "—"
    worker = h.get("worker_id")
    lines = [
        f"农户 household {h['household_id']} · {tier_text}",
        f"乡镇 township: {place_label(h.get('township_id'))}",
        (
            # Chinese, then English, a line each: a stream without Chinese kept "/ min per
            # visit" of one line "往返 39 分钟/次 min per visit" (the number went with the
            # Chinese around it); there the Chinese line is left out (without_chinese_twins).
            f"人员 worker: {worker} ({_role(h.get('role'))})\n"
            f"  往返 {h['travel_minutes']:.0f} 分钟/次, 每月 {h['hours_per_month']:.1f} 小时\n"
            f"  travel {h['travel_minutes']:.0f} min a visit, {h['hours_per_month']:.1f} h a month"
            if worker
            else "人员 worker: 未分配 none (无人走访 unvisited this month)"
        ),
        *_previous_lines(h),
        *_not_kept_lines(h, alternatives, width),
        f"上位兜底 up-cover by a higher role: {_yes(h.get('up_cover'))}",
    ]
    if h.get("alt_worker_id"):
        lines += [
            f"最近的其他人员 nearest other worker: {h['alt_worker_id']} "
            f"({_role(h.get('alt_role'))})",
            "  未分到的原因 why not:",
            *_reason_lines(name_places(str(h.get("reason_zh"))), width),
            *_reason_lines(name_places(str(h.get("reason_en"))), width),
        ]
    if h.get("overrides"):
        lines += _wrapped(str(h["overrides"]), "督导调整 overrides: ", "  ", width)
    return lines


def _source(score: dict[str, Any], rules: Mapping[str, tuple[str, str]]) -> str:
    """How the tier came about, in the dashboard's words (:data:`TIER_SOURCE`); a policy rule
    by its words in ``rules`` (code -> (Chinese, English), the policy's ``[[risk.rules]]``)
    with its code, as the visit lists name it."""
    source = score.get("tier_source")
    zh, en = TIER_SOURCE.get(source, TIER_SOURCE[None])
    if source == "model":
        version = score.get("model_version")
        return f"{zh} {en}" + (f" (版本 version {version})" if version else "")
    if source == "rule":
        code = score.get("rule")
        if code in rules:
            rule_zh, rule_en = rules[str(code)]
            return f"{zh} {en}: {rule_zh} / {rule_en} ({code})"
        return f"{zh} {en}: {code or '—'}"
    if source == "override":
        return f"{zh} {en}: {score.get('override_reason') or '—'}"
    return f"{zh} {en}"


def _reasons_heading(score: dict[str, Any], width: int) -> list[str]:
    """What the reasons are: the factors that moved the household's tier-1 risk most. Where
    a policy rule or an override set the tier they are only the model's, which the tier does
    not follow (its source, above, is the reason)."""
    source = score.get("tier_source")
    legend = "(↑ 提高 raises / ↓ 降低 lowers the tier-1 risk):"
    if source in ("rule", "override"):
        zh, en = TIER_SOURCE[source]
        return [
            *_wrapped(f"模型的主要原因 the model's main reasons {legend}", "  ", "    ", width),
            *_wrapped(
                f"类别由{zh}决定, 不依据以下因素 the tier was set by {en}, not by these",
                "    ",
                "      ",
                width,
            ),
        ]
    return _wrapped(f"主要原因 main reasons {legend}", "  ", "    ", width)


def _not_enough_lines(score: dict[str, Any], width: int) -> list[str]:
    """Where the model set a tier below 一类户 and its first reason raises the tier-1 risk,
    that the rise was not enough for 一类户: a 三类户 whose main reason is "↑ 防返贫监测户"
    otherwise reads as a contradiction."""
    reasons = score.get("reasons") or []
    tier = score.get("final_tier")
    if score.get("tier_source") in ("rule", "override") or tier not in (2, 3) or not reasons:
        return []
    if float(reasons[0].get("contribution") or 0.0) <= 0:
        return []
    return _wrapped(
        f"↑ 的因素提高一类户风险, 但合计不足以定为一类户, 故为{TIER_ZH[int(tier)]} "
        f"the ↑ factors raise the tier-1 risk, but not enough for tier 1: tier {tier}",
        "    ",
        "      ",
        width,
    )


def _g(value: float) -> str:
    """A cost as the policy writes it: ``3``, ``1.5``."""
    return f"{value:g}"


def decision_lines(
    score: dict[str, Any], cost: Sequence[Sequence[float]] | None, width: int = WIDTH
) -> list[str]:
    """How the risk model's tier follows from its probabilities: the tier of least expected
    cost of a wrong tier under the policy's ``[risk] cost_matrix`` (``cost[true][given]``),
    not the most probable tier (risk_model.decision). With the matrix, its costs of a missed
    tier-1 household and each tier's expected cost; without it, or when the matrix does not
    give the model's tier (scores made under another policy), the rule alone."""
    p = [float(score[f"p_tier{k}"]) for k in (1, 2, 3)]
    expected = (
        [sum(p[i] * float(cost[i][j]) for i in range(3)) for j in range(3)]
        if cost is not None and len(cost) == 3 and all(len(row) == 3 for row in cost)
        else None
    )
    model_tier = score.get("model_tier")
    if expected is not None and expected.index(min(expected)) + 1 != model_tier:
        expected = None  # not the matrix the tier was decided with: no figures
    rule = [
        *_wrapped("按政策取误判期望代价最小的类别, 不一定是概率最大的类别", "  ", "    ", width),
        *_wrapped(
            "the tier of least expected cost of a wrong tier under the policy, not always the "
            "most probable one",
            "  ",
            "    ",
            width,
        ),
    ]
    if expected is None or cost is None:
        return rule
    miss2, miss3 = _g(float(cost[0][1])), _g(float(cost[0][2]))
    others = sorted({float(cost[i][j]) for i in (1, 2) for j in range(3) if i != j})
    other = _g(others[0]) if len(others) == 1 else f"{_g(others[0])}–{_g(others[-1])}"
    costs = " · ".join(f"{TIER_ZH[k]} tier {k} {expected[k - 1]:.2f}" for k in (1, 2, 3))
    return [
        *rule,
        *_wrapped(
            f"误判代价: 一类户误为二类户 {miss2}, 误为三类户 {miss3}, 其他误判 {other}",
            "  ",
            "    ",
            width,
        ),
        *_wrapped(
            f"costs: tier 1 as tier 2: {miss2}, as tier 3: {miss3} (visits missed); other "
            f"errors {other}",
            "  ",
            "    ",
            width,
        ),
        "  期望代价 expected cost:",
        f"    {costs}",
    ]


def tier_lines(
    score: dict[str, Any] | None,
    width: int = WIDTH,
    cost: Sequence[Sequence[float]] | None = None,
    rules: Mapping[str, tuple[str, str]] | None = None,
) -> list[str]:
    """Why the household has its tier: how it came about, the model's probabilities and the
    reasons that moved its tier-1 risk most (each with its contribution), as the dashboard's
    household page shows them, wrapped to ``width`` display columns; a tier the risk model
    decided says how it follows from the probabilities (:func:`decision_lines`, with the
    policy's ``cost`` matrix when given); a policy rule by its words in ``rules`` (code ->
    (Chinese, English)). Nothing when the scores
    carry none of that (a scores file of tiers alone, or an ``assign`` run, which keeps
    none)."""
    probabilities = score is not None and all(
        score.get(f"p_tier{k}") is not None for k in (1, 2, 3)
    )
    if not score or not (score.get("tier_source") or probabilities or score.get("reasons")):
        return []
    lines = _wrapped(_source(score, rules or {}), "类别来源 tier decided by: ", "  ", width)
    model_tier, final_tier = score.get("model_tier"), score.get("final_tier")
    if model_tier in (1, 2, 3) and final_tier in (1, 2, 3) and model_tier != final_tier:
        lines.append(f"  模型的类别 the model's tier: {TIER_ZH[int(model_tier)]} tier {model_tier}")
    if probabilities:
        # Each tier named in both languages: a stream without Chinese read the figures
        # alone ("probabilities: 0.1% - 3.7% - 96.1%"), not which tier each was.
        probs = " · ".join(
            f"{TIER_ZH[k]} tier {k} {100 * float(score[f'p_tier{k}']):.1f}%" for k in (1, 2, 3)
        )
        lines += ["  模型估计的概率 probabilities:", f"    {probs}"]  # a tier never split
        if score.get("tier_source") == "model" and model_tier in (1, 2, 3):
            lines += decision_lines(score, cost, width)
    reasons = score.get("reasons") or []
    if reasons:
        lines += _reasons_heading(score, width)
        for r in reasons:
            arrow = "↑" if float(r.get("contribution") or 0.0) >= 0 else "↓"
            lines += _wrapped(str(r.get("text") or r.get("code")), f"    {arrow} ", "      ", width)
        lines += _not_enough_lines(score, width)
    return lines


def consequence(r: dict[str, Any]) -> tuple[str, str]:
    """What choosing this alternative would do, in words: (Chinese, English)."""
    if not r["fits"]:
        return "需调出多户才能腾出容量", "would need more than one household moved out"
    displaced, fallback = r.get("displaced_household_id"), r.get("displaced_fallback_worker_id")
    if displaced is None:
        return "该人员有余力, 可直接承接", "that worker has room"
    tier = r.get("displaced_tier")
    tier_zh = TIER_ZH.get(int(tier), "") if tier else ""
    if fallback is None:
        return (
            f"选择该人员将使 1 户{tier_zh}({displaced})无人走访",
            f"would leave 1 tier-{tier} household ({displaced}) unvisited",
        )
    return (
        f"须将 {displaced}({tier_zh})改派给 {fallback}",
        f"would move {displaced} (tier {tier}) to {fallback}",
    )


def alternative_lines(alternatives: pl.DataFrame, width: int = WIDTH) -> list[str]:
    """One block per alternative, best first, its first line wrapped to ``width`` display
    columns (a village official's line with a cost of thousands is longer than 80)."""
    if alternatives.height == 0:
        return ["没有其他可选人员 / no other allowed worker"]
    lines = [
        "备选人员 (最优在前) alternatives, best first",
        "代价 cost: 每月多出的等效分钟 extra minutes-equivalent a month",
    ]
    for r in alternatives.iter_rows(named=True):
        total = r.get("objective_change")
        cost = "—" if total is None else f"{total:+,.1f}"
        lines += _wrapped(
            f"{r['worker_id']} {_role(r.get('role'))}: 代价 cost {cost}",
            f"{r['rank']:>2}. ",
            "    ",
            width,
        )
        # The travel with what the choice would do, a line in each language: "往返 42 分钟
        # min" in one line kept "min" alone on a stream without Chinese (the number went
        # with the Chinese), and both languages' figures on one line ran past 80 columns.
        minutes = f"{(r.get('travel_minutes') or 0):.0f}"
        zh, en = consequence(r)
        lines += _wrapped(f"往返 {minutes} 分钟; {zh}", "    ", width=width)
        lines += _wrapped(f"travel {minutes} min; {en}", "    ", width=width)
        if r.get("note_zh") and "指定" in str(r["note_zh"]):
            lines.append("    违反督导指定 / breaks a supervisor's pin")
    return lines

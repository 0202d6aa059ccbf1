"""One county under other policies: tiers from another cost matrix, scenarios to solve
(notebook 3.0, with :mod:`assignment.tradeoff`).

Tiers come from the scores' probabilities by the same expected-cost rule and policy rules as
``visit-planner score`` (:mod:`risk_model.decision`, :mod:`risk_model.rules`), so a changed
cost matrix changes exactly what a changed ``[risk] cost_matrix`` in the policy would change.
Supervisors' tier overrides are not applied here (they live in the store, per month).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from assignment.domain import AssignmentSettings
from assignment.tradeoff import Scenario, with_cadence
from risk_model.decision import DecisionRule
from risk_model.rules import apply_rules
from risk_model.spec import household_spec
from visit_planner.errors import VisitPlannerError
from visit_planner.export.labels import county_name, visits_due
from visit_planner.policy import Policy, load_policy
from visit_planner.risk_job import risk_settings
from visit_planner.vocabulary import TIER_TERMS

PROBABILITIES = ("p_tier1", "p_tier2", "p_tier3")


def county_households(
    households: pl.DataFrame, scores: pl.DataFrame, county_id: str
) -> pl.DataFrame:
    """The county's households with ``tier`` (final tier) and ``risk`` (P(tier 1)) from
    ``scores`` and the probabilities kept; every household must have its score."""
    hh = households.filter(pl.col("county_id") == county_id)
    if hh.height == 0:
        counties = households["county_id"].unique().drop_nulls().sort().to_list()
        raise VisitPlannerError(
            f"县无农户 (county {county_label(county_id)}: no households in the data; "
            f"counties in the data: {', '.join(county_label(c) for c in counties) or 'none'})"
        )
    joined = hh.join(
        scores.select(
            "household_id",
            pl.col("final_tier").cast(pl.Int8).alias("tier"),
            pl.col("p_tier1").cast(pl.Float64).alias("risk"),
            *PROBABILITIES,
        ),
        on="household_id",
        how="left",
    )
    missing = joined.filter(pl.col("tier").is_null())
    if missing.height:
        raise VisitPlannerError(
            f"农户缺少评分 ({missing.height} household(s) of county {county_id} have no score, "
            "e.g. " + ", ".join(missing["household_id"].sort().head(5).to_list()) + ")"
        )
    return joined


def largest_county(households: pl.DataFrame) -> str:
    """The county with the most households (ties: the lowest code): where a policy change
    moves the most visits."""
    counts = (
        households.group_by("county_id").len().sort(["len", "county_id"], descending=[True, False])
    )
    if counts.height == 0:
        raise VisitPlannerError("无农户 (no households)")
    return str(counts["county_id"][0])


def choose_county(households: pl.DataFrame, given: str | None) -> str:
    """The county code notebook 3.0 studies: ``given`` as a code (``532627``) or a name as
    the tables print it, Chinese or English in any case (``广南县``, ``广南``, ``Guangnan``);
    None or blank: :func:`largest_county`. Checked against the data before anything is
    trained, so a mistyped county is refused at once, naming the counties there."""
    if given is None or not given.strip():
        return largest_county(households)
    wanted = given.strip()
    counties = households["county_id"].unique().drop_nulls().sort().to_list()
    for code in counties:
        names = county_name(code).split(" ", 1) if county_name(code) else []
        spelled = {code, *names, *(n.removesuffix("县").removesuffix("市") for n in names[:1])}
        if wanted in spelled or wanted.casefold() in {n.casefold() for n in names[1:]}:
            return str(code)
    raise VisitPlannerError(
        f"县无农户 (county {wanted}: no households in the data; "
        f"counties in the data: {', '.join(county_label(c) for c in counties) or 'none'})"
    )


def missing_tier1_costs(factor: float, policy: Policy | None = None) -> list[list[float]]:
    """The policy's cost matrix with the cost of missing a true tier 1 (row 1, predicted 2
    or 3) multiplied by ``factor``; the other costs unchanged."""
    if factor <= 0:
        raise VisitPlannerError(f"倍数须大于 0 (factor must be > 0, got {factor})")
    base = [list(row) for row in (policy or load_policy()).risk.cost_matrix]
    base[0] = [base[0][0], base[0][1] * factor, base[0][2] * factor]
    return base


def tiers_under_costs(
    households: pl.DataFrame, cost: Sequence[Sequence[float]], policy: Policy | None = None
) -> pl.DataFrame:
    """``household_id, tier, risk`` decided from ``p_tier1..3`` by minimum expected cost under
    ``cost``, then raised by the policy's rules (as scoring does)."""
    policy = policy or load_policy()
    spec = household_spec()
    rule = DecisionRule.from_matrix(cost, spec.n_classes)
    proba = households.select(PROBABILITIES).to_numpy()
    outcome = apply_rules(households, rule.decide(proba), risk_settings(policy, spec).rules)
    return households.select(
        "household_id",
        pl.Series("tier", (np.asarray(outcome.final) + 1).astype(np.int8)),
        pl.col("p_tier1").cast(pl.Float64).alias("risk"),
    )


def cadence_scenarios(
    settings: AssignmentSettings, tier: int, visits: Sequence[float]
) -> list[Scenario]:
    """One scenario per cadence of ``tier`` (visits per month), other settings unchanged."""
    return [
        Scenario(
            name=f"{' '.join(TIER_TERMS[tier])}: {visits_due(v)}",
            settings=with_cadence(settings, tier, v),
            params={"tier": tier, "visits_per_month": v},
        )
        for v in visits
    ]


def cost_scenario_name(factor: float) -> str:
    """``漏判一类户代价 ×2 / cost of missing a tier 1 ×2``: a cost scenario's name, Chinese
    first as the cadence scenarios' (``×1``: the policy's costs)."""
    zh, en = TIER_TERMS[1]
    return f"漏判{zh}代价 ×{factor:g} / cost of missing a {en} ×{factor:g}"


def cost_scenarios(
    households: pl.DataFrame,
    settings: AssignmentSettings,
    factors: Sequence[float],
    policy: Policy | None = None,
) -> list[Scenario]:
    """One scenario per factor on the cost of missing a true tier 1 (see
    :func:`missing_tier1_costs`): the households' tiers re-decided, settings unchanged."""
    policy = policy or load_policy()
    out = []
    for f in factors:
        cost = missing_tier1_costs(f, policy)
        out.append(
            Scenario(
                name=cost_scenario_name(f),
                settings=settings,
                tiers=tiers_under_costs(households, cost, policy),
                params={"cost_factor": f, "cost_miss_tier1_as_3": cost[0][2]},
            )
        )
    return out


def county_label(county_id: str) -> str:
    """``广南县 Guangnan (532627)``."""
    name = county_name(county_id)
    return f"{name} ({county_id})" if name else county_id

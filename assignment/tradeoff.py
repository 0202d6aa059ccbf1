"""Policy trade-offs: solve the same households under several settings and compare them.

A planner asks "what if tier 2 were visited twice a month?" or "how many cadres would cover
every tier-1 household in this county?". :func:`scenario_figures` solves the given townships
under one :class:`~assignment.domain.AssignmentSettings` and reduces the result to the figures
of a trade-off curve: coverage by tier, travel, the workers used by role, the extra workers
that would cover the uncovered households (:func:`assignment.diagnostics.shortfall`: a
first-fit-decreasing packing that exists, so that many *suffice*; it is not a proven minimum)
and the staff that would then be needed. :func:`sweep` does it for several scenarios.

A solve is deterministic (its limits are work units, not seconds), so a setting already
solved for the same effective inputs is not solved again: :class:`SolvedScenarios` keeps each
solve's figures, keyed by the households as solved (after a scenario's ``tiers``), the
workers, previous plan, conflicts, solver options and settings, never by a scenario's name.
One sweep reuses its own repeated settings; pass one ``SolvedScenarios`` to several sweeps
(notebook 3.0: today's policy is in the baseline and in each of its four sweeps) to solve it
once in all of them.

The objective comes with the solver's proven lower bound only when every township has one;
otherwise ``bound`` and ``gap`` are None (never a bound that was not proven). Likewise tier-1
coverage comes with the solver's proven upper bound (``tier1_max_coverable``: no plan with
these workers covers more tier-1 households) where every township has one. Tiers and risk
are inputs (``tier``, ``risk`` columns of the households), so a change of the decision rule
is a change of the households' tiers made by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, field, replace

import polars as pl

from assignment.diagnostics import shortfall
from assignment.domain import AssignmentSettings, Role, TierSettings
from assignment.executor import SerialExecutor
from assignment.plan import PrefectureResult, solve_prefecture
from assignment.solver.options import SolverOptions

ROLES: tuple[str, ...] = tuple(r.value for r in Role)


@dataclass(frozen=True)
class Scenario:
    """One setting to compare: a name, the settings and the households' tiers to use.

    ``tiers`` (household_id, tier, risk) replaces the households' own tier and risk when
    given (e.g. tiers decided under another cost matrix); ``params`` are the values that
    define the scenario, copied into its row (e.g. ``{"tier1_visits": 3}``).
    """

    name: str
    settings: AssignmentSettings
    tiers: pl.DataFrame | None = None
    params: Mapping[str, float] = field(default_factory=dict)


def with_cadence(
    settings: AssignmentSettings, tier: int, visits_per_month: float
) -> AssignmentSettings:
    """``settings`` with tier ``tier`` visited ``visits_per_month`` times a month (same role
    and minutes on site). Refuses a cadence that is not positive."""
    if visits_per_month <= 0:
        raise ValueError(f"tier {tier}: visits per month must be > 0, got {visits_per_month}")
    tiers = dict(settings.tiers)
    old = tiers[tier]
    tiers[tier] = TierSettings(old.role, float(visits_per_month), old.minutes_on_site)
    return replace(settings, tiers=tiers)


def _uncovered_extra(
    result: PrefectureResult,
    households: pl.DataFrame,
    workers: pl.DataFrame,
    settings: AssignmentSettings,
) -> dict[str, int]:
    """Extra workers per role that would cover each township's uncovered households."""
    extra = dict.fromkeys(ROLES, 0)
    unassigned = result.plan.filter(pl.col("worker_id").is_null()).select("household_id")
    if unassigned.height == 0:
        return extra
    rows = households.join(unassigned, on="household_id", how="semi")
    for (township,), part in rows.partition_by("township_id", as_dict=True).items():
        staff = workers.filter(pl.col("township_id") == township)
        for record in shortfall(part, staff, settings):
            extra[str(record["role"])] += int(record["extra_workers"])  # type: ignore[call-overload]
    return extra


def _coverage_bound(diag: pl.DataFrame, n1: int) -> dict[str, object]:
    """The solver's proven upper bound on tier-1 coverage, summed over the townships (None
    unless every township has one), as a count and a share, and whether the plan reaches it
    in every township."""
    column = "tier1_max_coverable"
    if column not in diag.columns or diag.height == 0 or diag[column].null_count():
        return {"tier1_max_coverable": None, "tier1_coverage_bound": None,
                "tier1_coverage_proven": None}  # fmt: skip
    upper = int(diag[column].sum())
    proven = diag["tier1_coverage_proven"]
    return {
        "tier1_max_coverable": upper,
        "tier1_coverage_bound": upper / n1 if n1 else float("nan"),
        "tier1_coverage_proven": bool(proven.null_count() == 0 and proven.all()),
    }


def scenario_figures(
    households: pl.DataFrame,
    workers: pl.DataFrame,
    settings: AssignmentSettings,
    *,
    previous: pl.DataFrame | None = None,
    conflicts: pl.DataFrame | None = None,
    options: SolverOptions | None = None,
) -> dict[str, object]:
    """Solve ``households`` (with ``tier`` and ``risk``) and reduce the plan to its figures.

    Keys: ``status``, ``objective``, ``bound`` and ``gap`` (None unless every township's
    bound is proven), ``tier{t}_households``, ``tier{t}_covered``, ``tier1_coverage`` (share,
    NaN without tier-1 households), ``tier1_max_coverable`` and ``tier1_coverage_bound`` (the
    solver's proven upper bound on tier-1 coverage: no plan with these workers covers more;
    None where a township has none), ``tier1_coverage_proven`` (the plan reaches that bound),
    ``travel_hours_month``, per role ``used_{role}`` (workers
    with at least one household), ``extra_{role}`` (would cover the uncovered households) and
    ``staff_{role}`` (their sum), ``failed_townships`` and ``seconds``.
    """
    result = solve_prefecture(
        households,
        workers,
        settings,
        previous=previous,
        conflicts=conflicts,
        options=options,
        executor=SerialExecutor(),
    )
    plan = result.plan
    out: dict[str, object] = {
        "status": result.status.value,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
    }
    for t in (1, 2, 3):
        tier = plan.filter(pl.col("tier") == t)
        out[f"tier{t}_households"] = tier.height
        out[f"tier{t}_covered"] = int(tier["worker_id"].is_not_null().sum())
    n1 = int(out["tier1_households"])  # type: ignore[call-overload]
    out["tier1_coverage"] = int(out["tier1_covered"]) / n1 if n1 else float("nan")  # type: ignore[call-overload]
    diag = result.diagnostics
    out |= _coverage_bound(diag, n1)
    out["travel_hours_month"] = (
        float(diag["travel_minutes_month"].fill_null(0.0).sum()) / 60.0
        if "travel_minutes_month" in diag.columns
        else 0.0
    )
    used = (
        plan.filter(pl.col("worker_id").is_not_null())
        .group_by("role")
        .agg(pl.col("worker_id").n_unique().alias("n"))
    )
    used_by = dict(used.iter_rows())
    extra = _uncovered_extra(result, households, workers, settings)
    for role in ROLES:
        out[f"used_{role}"] = int(used_by.get(role, 0))
        out[f"extra_{role}"] = extra[role]
        out[f"staff_{role}"] = int(used_by.get(role, 0)) + extra[role]
    out["failed_townships"] = ", ".join(result.failed_townships)
    out["seconds"] = result.seconds
    return out


def _same_frame(a: pl.DataFrame | None, b: pl.DataFrame | None) -> bool:
    """Both absent, or the same columns in the same order with the same dtypes and values
    row by row (nulls equal): what a solve reads."""
    if a is None or b is None:
        return a is b
    return a is b or (a.schema == b.schema and a.equals(b, null_equal=True))


@dataclass(frozen=True, eq=False)
class _Solve:
    """The effective inputs of one solve, compared whole (no hash that could collide)."""

    households: pl.DataFrame
    workers: pl.DataFrame
    settings: AssignmentSettings
    previous: pl.DataFrame | None
    conflicts: pl.DataFrame | None
    options: SolverOptions | None

    def same_as(self, other: _Solve) -> bool:
        return (
            self.settings == other.settings
            and self.options == other.options
            and _same_frame(self.households, other.households)
            and _same_frame(self.workers, other.workers)
            and _same_frame(self.previous, other.previous)
            and _same_frame(self.conflicts, other.conflicts)
        )


class SolvedScenarios:
    """The figures of the settings :func:`sweep` has solved, so that a setting solved again
    with the same effective inputs is reused, not solved twice.

    The key is everything the solve reads (households with the tiers as solved, workers,
    previous plan, conflicts, solver options, settings), compared exactly; a scenario's name
    and ``params`` are not part of it. A reused row carries the figures of the first solve,
    ``seconds`` included (the time that solve took). ``solved`` and ``reused`` count the
    solves made and the rows that reused one. Kept in memory only: a new kernel, a new
    ``SolvedScenarios``, solves again.
    """

    def __init__(self) -> None:
        self._entries: list[tuple[_Solve, dict[str, object]]] = []
        self.solved = 0
        self.reused = 0

    def figures(self, key: _Solve) -> dict[str, object] | None:
        """A copy of the figures solved for ``key``'s inputs, or None (not solved yet)."""
        for known, figures in self._entries:
            if known.same_as(key):
                self.reused += 1
                return dict(figures)
        return None

    def keep(self, key: _Solve, figures: Mapping[str, object]) -> None:
        """Remember ``figures`` as solved for ``key`` (its settings copied, so that a caller
        changing a settings' dict afterwards cannot make a stale entry match)."""
        self._entries.append((replace(key, settings=deepcopy(key.settings)), dict(figures)))
        self.solved += 1


def _with_tiers(households: pl.DataFrame, sc: Scenario) -> pl.DataFrame:
    """``households`` with ``sc.tiers`` as their tier and risk (every household must have
    one), the columns in the households' order, so that the tiers of today's policy give a
    frame equal to ``households`` itself."""
    if sc.tiers is None:
        return households
    hh = households.drop("tier", "risk", strict=False).join(
        sc.tiers.select("household_id", "tier", "risk"), on="household_id", how="left"
    )
    missing = hh.filter(pl.col("tier").is_null())
    if missing.height:
        raise ValueError(
            f"scenario {sc.name!r}: no tier for {missing.height} household(s), e.g. "
            + ", ".join(missing["household_id"].head(5).to_list())
        )
    hh = hh.with_columns(pl.col("tier").cast(pl.Int8), pl.col("risk").cast(pl.Float64))
    order = [c for c in households.columns if c in hh.columns]
    return hh.select(order + [c for c in hh.columns if c not in order])


def sweep(
    households: pl.DataFrame,
    workers: pl.DataFrame,
    scenarios: Sequence[Scenario],
    *,
    previous: pl.DataFrame | None = None,
    conflicts: pl.DataFrame | None = None,
    options: SolverOptions | None = None,
    solved: SolvedScenarios | None = None,
) -> pl.DataFrame:
    """One row per scenario (in the given order): its name, its ``params`` and the figures of
    :func:`scenario_figures`. Deterministic: the same inputs give the same table (but for
    ``seconds``).

    A scenario whose effective inputs (see :class:`SolvedScenarios`) were solved before in
    this sweep, or in an earlier sweep given the same ``solved``, reuses those figures
    instead of solving again: the same row a new solve would give (``seconds`` aside)."""
    solved = SolvedScenarios() if solved is None else solved
    rows = []
    for sc in scenarios:
        hh = _with_tiers(households, sc)
        key = _Solve(hh, workers, sc.settings, previous, conflicts, options)
        figures = solved.figures(key)
        if figures is None:
            figures = scenario_figures(
                hh, workers, sc.settings, previous=previous, conflicts=conflicts, options=options
            )
            solved.keep(key, figures)
        rows.append({"scenario": sc.name, **dict(sc.params), **figures})
    return pl.DataFrame(rows, infer_schema_length=None)

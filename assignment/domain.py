"""The assignment domain: tiers, roles and the settings of the household problem.

Plain frozen dataclasses and enums with no solver, I/O or application imports. This module
owns the programme's enums (tiers, roles, areas, their Chinese names); the application
package (``visit_planner``) imports them from here and converts its Policy into
:class:`AssignmentSettings` (``visit_planner.policy.settings_from_policy``); this package
never imports ``visit_planner`` (docs/architecture.md, "Packages").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Literal

import polars as pl

from assignment.errors import InputError

Area = Literal["township", "village", "grid"]


class Tier(IntEnum):
    """Household risk tier: 1 high (一类), 2 medium (二类), 3 low (三类)."""

    HIGH = 1
    MEDIUM = 2
    LOW = 3


class Role(StrEnum):
    """Who visits: 基层干部 (cadre), 村组干部 (village official), 网格员 (grid worker)."""

    CADRE = "cadre"
    VILLAGE_OFFICIAL = "village_official"
    GRID_WORKER = "grid_worker"


ROLE_NAMES_ZH: Mapping[Role, str] = MappingProxyType(
    {Role.CADRE: "基层干部", Role.VILLAGE_OFFICIAL: "村组干部", Role.GRID_WORKER: "网格员"}
)
ROLE_NAMES_EN: Mapping[Role, str] = MappingProxyType(
    {
        Role.CADRE: "cadre",
        Role.VILLAGE_OFFICIAL: "village official",
        Role.GRID_WORKER: "grid worker",
    }
)
TIER_NAMES_ZH: Mapping[int, str] = MappingProxyType({1: "一类户", 2: "二类户", 3: "三类户"})
"""The one wording of the tiers in Chinese (一类户/二类户/三类户), everywhere."""

MAX_IDS = 10
"""Ids a message lists before it says how many more there are."""


def ids_text(values: Sequence[str]) -> str:
    """``H1, H2, … (+5)``: the first :data:`MAX_IDS` of ``values`` and how many more, for
    a message that names the households or workers it is about."""
    head = ", ".join(values[:MAX_IDS])
    return head + (f" … (+{len(values) - MAX_IDS})" if len(values) > MAX_IDS else "")


ROLE_RANK: Mapping[Role, int] = MappingProxyType(
    {Role.CADRE: 1, Role.VILLAGE_OFFICIAL: 2, Role.GRID_WORKER: 3}
)
"""A role's rank equals the tier it serves by default; a lower rank is a higher role."""


@dataclass(frozen=True, slots=True)
class TierSettings:
    """How a tier is served: by which role, how often, how long on site."""

    role: Role
    visits_per_month: float
    minutes_on_site: float


def _default_tiers() -> Mapping[int, TierSettings]:
    return {
        1: TierSettings(Role.CADRE, 2.0, 45.0),
        2: TierSettings(Role.VILLAGE_OFFICIAL, 1.0, 30.0),
        3: TierSettings(Role.GRID_WORKER, 1.0 / 3.0, 20.0),
    }


def _default_road_factors() -> Mapping[str, float]:
    # The mountain counties of the embedded policy: 西畴 532623, 麻栗坡 532624, 富宁 532628.
    return {"532623": 1.5, "532624": 1.55, "532628": 1.5}


def _default_jurisdiction() -> Mapping[Role, Area]:
    return {Role.CADRE: "township", Role.VILLAGE_OFFICIAL: "village", Role.GRID_WORKER: "grid"}


@dataclass(frozen=True)
class AssignmentSettings:
    """Every rule and weight of the household assignment problem.

    The defaults are the programme's policy defaults (docs/architecture.md, "Policy
    defaults"), equal to the embedded ``visit_planner/policy.toml`` converted by
    ``visit_planner.policy.settings_from_policy`` (a test checks the two agree), so a unit
    test that builds ``AssignmentSettings()`` runs the production objective. Costs are
    minutes-equivalent per month. Mappings are plain dicts so that settings pickle to worker
    processes; treat them as read-only.
    """

    tiers: Mapping[int, TierSettings] = field(default_factory=_default_tiers)
    jurisdiction: Mapping[Role, Area] = field(default_factory=_default_jurisdiction)
    speed_kmh: float = 25.0
    road_factor: float = 1.4
    road_factor_by_county: Mapping[str, float] = field(default_factory=_default_road_factors)
    round_trip: bool = True
    cadre_takes_tier2: bool = True
    village_official_takes_tier3: bool = True
    up_cover_penalty: float = 60.0
    continuity_penalty: float = 30.0
    unassigned_penalty_tier1: float = 100_000.0
    unassigned_penalty_tier2: float = 10_000.0
    unassigned_penalty_tier3: float = 1_000.0
    balance_weight: float = 20.0
    balance_margin: float = 0.35

    def __post_init__(self) -> None:
        if sorted(self.tiers) != [1, 2, 3]:
            raise InputError(f"tiers must be exactly 1, 2, 3; got {sorted(self.tiers)}")
        if self.speed_kmh <= 0:
            raise InputError(f"speed_kmh must be > 0; got {self.speed_kmh}")
        if self.balance_weight < 0 or self.balance_margin < 0:
            raise InputError("balance_weight and balance_margin must be >= 0")
        if not (
            self.unassigned_penalty_tier1 > 2 * self.unassigned_penalty_tier2
            and self.unassigned_penalty_tier2 > 2 * self.unassigned_penalty_tier3 > 0
        ):
            raise InputError("unassigned penalties must satisfy tier1 > 2*tier2 > 4*tier3 > 0")

    def tier(self, tier: int) -> TierSettings:
        """The settings of ``tier`` (1, 2 or 3)."""
        return self.tiers[tier]

    def factor_for(self, county_id: str) -> float:
        """Road factor of ``county_id`` (the county override, else the default)."""
        return self.road_factor_by_county.get(county_id, self.road_factor)

    def unassigned_base(self, tier: int) -> float:
        """Base penalty for leaving a household of ``tier`` unassigned."""
        return {
            1: self.unassigned_penalty_tier1,
            2: self.unassigned_penalty_tier2,
            3: self.unassigned_penalty_tier3,
        }[tier]

    def eligible_roles(self, tier: int) -> tuple[tuple[Role, bool], ...]:
        """Roles that may serve ``tier``, each with whether it is an up-cover."""
        primary = self.tiers[tier].role
        out: list[tuple[Role, bool]] = [(primary, False)]
        if tier == 2 and self.cadre_takes_tier2 and primary != Role.CADRE:
            out.append((Role.CADRE, True))
        if tier == 3 and self.village_official_takes_tier3 and primary != Role.VILLAGE_OFFICIAL:
            out.append((Role.VILLAGE_OFFICIAL, True))
        return tuple(out)


class Status(StrEnum):
    """Outcome of a solve. Infeasibility is a result, never an exception."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"
    INVALID = "invalid"
    ERROR = "error"


# The plan contract (docs/architecture.md, "Outputs"): column names shared by the solver, the greedy
# baseline, the validator and users' own tools. Add columns freely; rename none.
PLAN_COLUMNS = (
    "household_id",
    "worker_id",
    "tier",
    "role",
    "travel_minutes",
    "hours_per_month",
    "kept_previous",
    "up_cover",
    "township_id",
)


@dataclass(frozen=True)
class PlanInputs:
    """The raw inputs a plan is judged against (the input contracts of docs/architecture.md).

    ``scores`` needs ``household_id`` and ``final_tier`` (``p_tier1`` is used as the risk by
    the greedy baseline and the explainer). ``pins`` and ``forbids`` have ``household_id`` and
    ``worker_id``. Optional frames may be None.
    """

    households: pl.DataFrame
    workers: pl.DataFrame
    scores: pl.DataFrame
    previous: pl.DataFrame | None = None
    conflicts: pl.DataFrame | None = None
    pins: pl.DataFrame | None = None
    forbids: pl.DataFrame | None = None

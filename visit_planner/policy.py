"""Policy: the programme's configurable rules (tiers, cadence, travel, objective, risk rules).

The defaults live in ``policy.toml`` beside this module (docs/architecture.md, "Policy
defaults"). A user passes their own file with ``--policy FILE``. The file is parsed with
:mod:`tomllib` and validated into frozen pydantic models so that a wrong value is reported
with its field path. The enums (roles, areas) belong to :mod:`assignment.domain`; this module
validates the file and converts it into the assignment package's settings
(:func:`settings_from_policy`), the one adapter between the two models.
"""

from __future__ import annotations

import errno
import re
import tomllib
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from assignment.domain import Area, AssignmentSettings, Role, TierSettings
from visit_planner.contracts.input_paths import not_found
from visit_planner.errors import PolicyError
from visit_planner.vocabulary import zh_en

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

__all__ = [
    "Policy",
    "Role",
    "default_policy_text",
    "load_policy",
    "parse_policy",
    "policy_text",
    "settings_from_policy",
]

DEFAULT_POLICY_NAME = "policy.toml"

# Strict: TOML has types, so a number typed as text ("1") or true/false where a number is
# expected is a mistake in the file, refused rather than converted; a whole number is still
# accepted where a decimal is expected. Finite: inf would switch a cost or a speed off silently.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Positive = Annotated[Number, Field(gt=0)]
NonNegative = Annotated[Number, Field(ge=0)]
Flag = Annotated[bool, Strict()]
RoadFactor = Annotated[Number, Field(ge=1.0)]
# A visit's cadence and length, capped where a larger number can only be a typo (4500 for
# 45 minutes, 20 for 2.0 visits): it would leave the whole tier uncovered, with every
# household's hours beyond any worker, and the run would say so only after solving.
MAX_VISITS_PER_MONTH = 31.0  # every day of the month
MAX_MINUTES_ON_SITE = 480.0  # a working day
VisitsPerMonth = Annotated[Number, Field(gt=0, le=MAX_VISITS_PER_MONTH)]
MinutesOnSite = Annotated[Number, Field(gt=0, le=MAX_MINUTES_ON_SITE)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TierPolicy(_Frozen):
    """How a tier is served: by which role, how often, how long on site."""

    name_zh: str
    name_en: str
    role: Role
    visits_per_month: VisitsPerMonth
    minutes_on_site: MinutesOnSite


class JurisdictionPolicy(_Frozen):
    """The area inside which each role may take households."""

    cadre: Area = "township"
    village_official: Area = "village"
    grid_worker: Area = "grid"

    def area_of(self, role: Role) -> Area:
        """Return the jurisdiction area of ``role``."""
        area: Area = getattr(self, role.value)
        return area


class TravelPolicy(_Frozen):
    """Travel time model: straight-line km x road factor at a speed, round trip per visit."""

    speed_kmh: Positive = 25.0
    road_factor: RoadFactor = 1.4
    round_trip: Flag = True
    road_factor_by_county: dict[str, RoadFactor] = Field(default_factory=dict)


class UpCoverPolicy(_Frozen):
    """Whether a higher role may take a lower tier, and at what penalty."""

    cadre_takes_tier2: Flag = True
    village_official_takes_tier3: Flag = True
    penalty_minutes: NonNegative = 60.0


class ObjectivePolicy(_Frozen):
    """Weights of the assignment objective, in minutes-equivalent per month."""

    continuity_penalty_minutes: NonNegative = 30.0
    unassigned_penalty_tier1: Positive = 100_000.0
    unassigned_penalty_tier2: Positive = 10_000.0
    unassigned_penalty_tier3: Positive = 1_000.0
    balance_weight: NonNegative = 20.0
    balance_margin: NonNegative = 0.35

    @model_validator(mode="after")
    def _tier_ordered(self) -> ObjectivePolicy:
        # Tier 1 must always come first: a cheaper tier-1 penalty would let the solver drop
        # a high-risk household to save a medium-risk one.
        if not (
            self.unassigned_penalty_tier1 > 2 * self.unassigned_penalty_tier2 > 0
            and self.unassigned_penalty_tier2 > 2 * self.unassigned_penalty_tier3
        ):
            got = ", ".join(
                f"{v:g}"
                for v in (
                    self.unassigned_penalty_tier1,
                    self.unassigned_penalty_tier2,
                    self.unassigned_penalty_tier3,
                )
            )
            raise ValueError(
                "未覆盖罚分须一类户 > 2 × 二类户 > 4 × 三类户 (unassigned_penalty_tier1..3 must be "
                "tier-ordered with headroom for the risk bonus: tier1 > 2*tier2 and "
                f"tier2 > 2*tier3; got {got})"
            )
        return self


class RiskRule(_Frozen):
    """A policy rule applied after the model: households matching ``when`` get >= ``min_tier``.

    ``min_tier`` is the lowest-risk tier allowed, so ``min_tier = 2`` means tier 2 or tier 1.
    """

    code: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    text_zh: str
    text_en: str
    when: str  # a polars SQL expression over household columns
    min_tier: Literal[1, 2]

    @field_validator("min_tier", mode="before")
    @classmethod
    def _a_whole_number(cls, value: object) -> object:
        # Literal[1, 2] alone takes true as 1 and 2.0 as 2; the file must say 1 or 2.
        if isinstance(value, bool) or not isinstance(value, int):
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        return value

    @field_validator("when")
    @classmethod
    def _a_condition_on_household_columns(cls, when: str) -> str:
        problem = rule_condition_problem(when)
        if problem is not None:
            raise ValueError(problem)
        return when


def rule_condition_problem(when: str) -> str | None:
    """Why ``when`` cannot be a rule's condition, or None when it can.

    Checked when the policy is loaded, so that a typo fails before any stage runs, naming the
    policy file and the rule's field: the condition must parse as a polars SQL expression,
    read only columns of the households contract, never an audit-only one (ethnicity and
    gender are for fairness audits, never for deciding a tier), and be true/false. The
    column check runs the expression on an empty households table of the contract's dtypes.
    """
    import polars as pl  # here: importing this module stays light for the quick commands

    from visit_planner.contracts.columns import AUDIT_ONLY, HOUSEHOLDS

    try:
        expr = pl.sql_expr(when)
        columns = expr.meta.root_names()
    except Exception as exc:  # polars raises several kinds for bad SQL
        return f"条件表达式无法解析 (not a polars SQL condition: {exc})"
    audit = sorted(set(columns) & set(AUDIT_ONLY))
    if audit:
        return (
            f"民族、性别仅用于公平性审计, 不得用于定级 ({', '.join(audit)}: audit-only "
            "column(s), never used to decide a tier)"
        )
    unknown = sorted(set(columns) - set(HOUSEHOLDS))
    if unknown:
        return (
            f"未知列 {', '.join(unknown)} (unknown column(s) {', '.join(unknown)}: a rule reads "
            "the households table's columns; known: "
            f"{', '.join(c for c in HOUSEHOLDS if c not in AUDIT_ONLY)})"
        )
    try:
        dtype = pl.DataFrame(schema=HOUSEHOLDS).select(expr.alias("m")).schema["m"]
    except Exception as exc:  # type errors surface on evaluation
        return f"条件无法计算 (cannot be evaluated on the households columns: {exc})"
    if dtype != pl.Boolean:
        return f"条件须为真/假 (not a true/false condition: its values are {dtype})"
    return None


class RiskPolicy(_Frozen):
    """Decision rule from probabilities to tiers, drift threshold, policy rules."""

    cost_matrix: list[list[NonNegative]]
    psi_threshold: Positive = 0.2
    rules: list[RiskRule] = Field(default_factory=list)
    # Scoring data with a category unseen in training: refuse ("error") or score it as a
    # missing value ("missing", counted in the report).
    on_unseen_category: Literal["error", "missing"] = "error"
    # Promotion gate vs the current champion on the same held-out rows.
    gate_recall_tolerance: NonNegative = 0.02
    gate_f1_tolerance: NonNegative = 0.01
    gate_gap_tolerance: NonNegative = 0.0

    @field_validator("rules")
    @classmethod
    def _codes_unique(cls, rules: list[RiskRule]) -> list[RiskRule]:
        # A household's reasons name the rule by its code: two rules with one code (a copied
        # block not renamed) would make a raised tier's reason ambiguous.
        twice = sorted(code for code, n in Counter(r.code for r in rules).items() if n > 1)
        if twice:
            raise ValueError(
                f"规则代码重复: {', '.join(twice)} (each [[risk.rules]] needs its own code; "
                f"repeated: {', '.join(twice)})"
            )
        return rules

    @field_validator("cost_matrix")
    @classmethod
    def _square(cls, m: list[list[float]]) -> list[list[float]]:
        if len(m) != 3 or any(len(row) != 3 for row in m):
            raise ValueError(
                "须为 3 行 3 列: 真实类别 × 预测类别 (must be 3 rows of 3: true tier by "
                "predicted tier)"
            )
        if any(m[i][i] != 0 for i in range(3)):
            raise ValueError(
                "对角线须为 0: 类别判对没有代价 (the diagonal must be 0: a correct tier costs "
                "nothing)"
            )
        return m


class Policy(_Frozen):
    """The whole policy. ``tiers`` is keyed 1, 2, 3."""

    tiers: dict[int, TierPolicy]
    jurisdiction: JurisdictionPolicy = JurisdictionPolicy()
    travel: TravelPolicy = TravelPolicy()
    up_cover: UpCoverPolicy = UpCoverPolicy()
    objective: ObjectivePolicy = ObjectivePolicy()
    risk: RiskPolicy

    @field_validator("tiers")
    @classmethod
    def _three_tiers(cls, tiers: dict[int, TierPolicy]) -> dict[int, TierPolicy]:
        missing = sorted({1, 2, 3} - set(tiers))
        extra = sorted(set(tiers) - {1, 2, 3})
        if missing or extra:
            zh = "".join(
                [f"; 缺少 [tiers.{t}]" for t in missing] + [f"; 多出 [tiers.{t}]" for t in extra]
            )
            raise ValueError(
                f"须恰好有 [tiers.1]、[tiers.2]、[tiers.3] 三节{zh} (tiers must be exactly "
                f"1, 2 and 3; got {', '.join(str(t) for t in sorted(tiers)) or 'none'})"
            )
        return tiers

    def tier(self, tier: int) -> TierPolicy:
        """The policy of ``tier`` (1, 2 or 3)."""
        return self.tiers[tier]


_KIND_OF_VALUE = {
    "float": ("数字", "a number"),
    "int": ("整数", "a whole number"),
    "bool": (" true 或 false", "true or false"),  # a space before Latin text
    "string": ("文本", "text in quotes"),
    "list": ("列表", "a list [...]"),
    "dict": ("表", "a table [section] or {...}"),
    "model": ("表", "a table [section] or {...}"),
}
_RULES = {
    "extra_forbidden": (
        "不是策略文件的键, 请检查拼写 (not a key of the policy file: check its spelling"
    ),
    "missing": "缺少必填项 (required key is missing",
    "greater_than": "须大于 {gt} (must be > {gt}",
    "greater_than_equal": "不得小于 {ge} (must be >= {ge}",
    "less_than": "须小于 {lt} (must be < {lt}",
    "less_than_equal": "不得大于 {le} (must be <= {le}",
    "literal_error": "取值不在允许范围 (must be one of {expected}",
    "enum": "取值不在允许范围 (must be one of {expected}",
    "finite_number": "须为有限的数 (must be a finite number",
    "string_pattern_mismatch": "格式错误 (must match the pattern '{pattern}'",
}
"""Pydantic's error types as the policy file's rules, formatted with the error's context."""


def _policy_rule(error: ErrorDetails) -> str:
    """One pydantic error as a rule a planner can read, Chinese first, the English in
    brackets (as the data contracts word theirs), ending before the closing bracket."""
    kind = error["type"]
    if kind in _RULES:
        return _RULES[kind].format(**(error.get("ctx") or {}))
    of = kind.removesuffix("_parsing").removesuffix("_type").removesuffix("_attributes")
    if of in _KIND_OF_VALUE and kind != of:
        zh, en = _KIND_OF_VALUE[of]
        return f"类型错误, 须为{zh} (must be {en}"
    message = error["msg"].removeprefix("Value error, ")  # a validator's own sentence
    own = zh_en(message)  # a rule condition's problem is worded 中文 (English) already
    if own is not None:
        return f"{own[0]} ({own[1]}"
    return f"取值无效 ({message}"


def _format_validation(source: str, err: ValidationError) -> str:
    lines = [f"{source}: 策略文件有误 (invalid policy)"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(root)"
        value = e.get("input")  # a whole table for a missing key or a table's own rule
        shown = str(value).lower() if isinstance(value, bool) else repr(value)  # as TOML
        tables = isinstance(value, dict) or (
            isinstance(value, list) and any(isinstance(v, dict) for v in value)
        )  # a whole table or [[array of tables]]: its lines are in the file, not repeated
        got = "" if e["type"] == "missing" or tables else f"; got {shown}"
        lines.append(f"  - {loc}: {_policy_rule(e)}{got})")
    return "\n".join(lines)


def _toml_problem(exc: tomllib.TOMLDecodeError) -> str:
    """Where the TOML text breaks, Chinese first: ``第 3 行第 13 列 (… at line 3, column 13)``."""
    at = re.search(r"at line (\d+), column (\d+)", str(exc))
    where = f", 第 {at[1]} 行第 {at[2]} 列" if at else ""
    return f"TOML 格式错误{where} (TOML syntax error: {exc})"


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Parse and validate policy TOML text; ``source`` names it in error messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: {_toml_problem(exc)}") from None
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(_format_validation(source, exc)) from None


def default_policy_text() -> str:
    """The TOML text of the embedded default policy."""
    return resources.files("visit_planner").joinpath(DEFAULT_POLICY_NAME).read_text("utf-8")


def policy_text(path: Path | None = None, given_as: str | None = "--policy") -> str:
    """The TOML text of the policy at ``path``, or of the embedded default (what a run stores).

    A path that is not there is refused in the words of every other input the user names
    (:func:`~visit_planner.contracts.input_paths.not_found`, naming the option it was
    ``given_as``: ``--policy /x: 找不到文件或目录 (no such file or directory)``); a policy a
    program found (a run's ``policy.toml``) is named by its path alone (``given_as`` None)."""
    if path is None:
        return default_policy_text()
    if missing := not_found(path, given_as):
        raise PolicyError(missing)
    why = {
        errno.EISDIR: "是目录, 不是文件",
        errno.EACCES: "无权读取",
    }
    try:
        # utf-8-sig: Windows Notepad saves UTF-8 with a byte-order mark, which TOML refuses
        # as "invalid statement at line 1, column 1"; the mark is not part of the text.
        return path.read_text("utf-8-sig")
    except OSError as exc:
        zh = why.get(exc.errno or 0, "无法读取")
        raise PolicyError(
            f"{path}: 策略文件{zh} (cannot read policy file: {exc.strerror})"
        ) from None
    except UnicodeDecodeError:  # e.g. saved as GBK by a Chinese editor
        raise PolicyError(
            f"{path}: 策略文件编码不是 UTF-8, 请另存为 UTF-8 (cannot read policy file: not "
            "UTF-8 text; save it as UTF-8)"
        ) from None


def load_policy(path: Path | None = None, given_as: str | None = "--policy") -> Policy:
    """Load the policy at ``path`` (given as option ``given_as``, named when ``path`` is not
    there: :func:`policy_text`), or the embedded default when ``path`` is None."""
    source = f"(default) {DEFAULT_POLICY_NAME}" if path is None else str(path)
    return parse_policy(policy_text(path, given_as), source)


def settings_from_policy(policy: Policy) -> AssignmentSettings:
    """The assignment package's plain settings from the validated Policy.

    Plain dicts, so that the settings pickle to worker processes. The embedded policy gives
    exactly ``AssignmentSettings()`` (a test checks it).
    """
    obj = policy.objective
    return AssignmentSettings(
        tiers={
            t: TierSettings(p.role, p.visits_per_month, p.minutes_on_site)
            for t, p in policy.tiers.items()
        },
        jurisdiction={r: policy.jurisdiction.area_of(r) for r in Role},
        speed_kmh=policy.travel.speed_kmh,
        road_factor=policy.travel.road_factor,
        road_factor_by_county=dict(policy.travel.road_factor_by_county),
        round_trip=policy.travel.round_trip,
        cadre_takes_tier2=policy.up_cover.cadre_takes_tier2,
        village_official_takes_tier3=policy.up_cover.village_official_takes_tier3,
        up_cover_penalty=policy.up_cover.penalty_minutes,
        continuity_penalty=obj.continuity_penalty_minutes,
        unassigned_penalty_tier1=obj.unassigned_penalty_tier1,
        unassigned_penalty_tier2=obj.unassigned_penalty_tier2,
        unassigned_penalty_tier3=obj.unassigned_penalty_tier3,
        balance_weight=obj.balance_weight,
        balance_margin=obj.balance_margin,
    )

"""Wiring of the risk model into the application: policy, workspace, files, registry.

The library (:mod:`risk_model`) knows nothing of the policy file, the workspace or file
formats; this module converts the policy's ``[risk]`` section into the library's plain
objects, reads data files, points MLflow at the workspace, and turns library errors into
:class:`~visit_planner.errors.VisitPlannerError` for the CLI. Python users call the same
functions the CLI does::

    from visit_planner.risk_job import train_from_file, promote_version, score_file
    outcome = train_from_file(Path("data/households.parquet"))   # registers a version
    promote_version(outcome.version.version, Path("data/households.parquet"))
    score_file(Path("data/households.parquet"), Path("scores.parquet"))

The registry (where MLflow is, its errors as ours) is :mod:`visit_planner.model_registry`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import polars as pl

from risk_model import DecisionRule, FeatureSpec, TrainConfig, TrainResult
from risk_model.decision import ordinal_cost_matrix
from risk_model.fairness_text import GroupWords
from risk_model.promote import GateConfig, PromotionResult
from risk_model.rules import Rule
from risk_model.spec import household_spec, load_spec, spec_from_dict
from visit_planner.actor import current_actor
from visit_planner.contracts import columns as contract_columns
from visit_planner.contracts.reader import (
    NOT_IN_CONTRACT_RULE,
    NOT_USED_BY_MODEL_RULE,
    ReadFile,
    cast_to_contract,
    read_noted,
    unreadable_reason,
)
from visit_planner.csv_cells import formula_safe, formula_text_cells
from visit_planner.data_files import check_output_file, resolve_data  # re-exported
from visit_planner.errors import ContractError, RiskJobError
from visit_planner.hashing import file_sha256
from visit_planner.model_registry import registry_for, user_errors
from visit_planner.paths import resolve_workspace
from visit_planner.policy import Policy, load_policy
from visit_planner.risk_corrections import AppliedCorrections, apply_corrections_file
from visit_planner.vocabulary import SEVERITY

if TYPE_CHECKING:
    from assignment.executor import Executor
    from visit_planner.score_partitions import ScoredPartitions

TRUTH = "truth"


@dataclass(frozen=True)
class RiskSettings:
    """The policy's ``[risk]`` section as the library's plain objects."""

    rule: DecisionRule
    rules: tuple[Rule, ...]
    psi_threshold: float
    gate: GateConfig
    on_unseen: Literal["error", "missing"]


def risk_settings(policy: Policy, spec: FeatureSpec) -> RiskSettings:
    """Convert ``policy.risk`` for ``spec``.

    The policy's 3x3 cost matrix and its rules are about household tiers; a spec with other
    classes gets the ordinal default cost matrix and no rules.
    """
    r = policy.risk
    households = [str(c) for c in spec.classes] == ["1", "2", "3"]
    cost = r.cost_matrix if households else ordinal_cost_matrix(spec.n_classes).tolist()
    rules: tuple[Rule, ...] = ()
    if households and spec.target == "assessed_tier":
        index = {int(c): i for i, c in enumerate(spec.classes)}
        rules = tuple(
            Rule(
                code=x.code,
                when=x.when,
                min_class=index[x.min_tier],
                text_zh=x.text_zh,
                text_en=x.text_en,
            )
            for x in r.rules
        )
    return RiskSettings(
        rule=DecisionRule.from_matrix(cost, spec.n_classes),
        rules=rules,
        psi_threshold=r.psi_threshold,
        gate=GateConfig(
            recall_tolerance=r.gate_recall_tolerance,
            f1_tolerance=r.gate_f1_tolerance,
            gap_tolerance=r.gate_gap_tolerance,
        ),
        on_unseen=r.on_unseen_category,
    )


def read_data(path: Path, names: tuple[str, ...] = ()) -> pl.DataFrame:
    """Read a .parquet or .csv file as stored, by the contracts' reader (CSV: UTF-8 or
    GBK/GB18030, types inferred from its first rows; a line with more or fewer fields than
    the header refused by line and household, as in every input). Truth and override tables;
    model data is read by :func:`read_model_data`. :func:`read_noted_data` also gives how it
    was read."""
    return read_noted_data(path, names).frame


def read_noted_data(path: Path, names: tuple[str, ...] = ()) -> ReadFile:
    """:func:`read_data`'s table with the reader's notes, as every data file a user gives is
    read (:func:`~visit_planner.contracts.reader.read_noted`): header names read as
    ``names`` (the columns the caller reads) in any case and without spaces around them,
    empty rows at a CSV's end left out, each said in a note."""
    try:
        return read_noted(path, ("household_id",), typed=True, names=names)  # the tables' key
    except ContractError as exc:
        raise RiskJobError("\n".join(exc.problems)) from None
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise RiskJobError(f"{path}: {unreadable_reason(path, exc)}") from None


def _notes(read: ReadFile | None) -> list[str]:
    """The reader's notes on a file (none for a file not given), as warnings."""
    return [] if read is None else [note.message() for note in read.notes]


def is_household_spec(spec: FeatureSpec) -> bool:
    """Whether ``spec`` is (a trained subset of) the built-in household spec: its data is
    the households contract's, read with the contract's types and code mappings."""
    builtin = household_spec()
    return (spec.id_column, spec.target) == (builtin.id_column, builtin.target)


def households_model_problem(spec: FeatureSpec) -> str | None:
    """Why a model of ``spec`` cannot tier the households of ``plan`` and ``score`` (English,
    its clauses joined by '; '), or None when it can: it must predict the households' target
    ``assessed_tier`` in the tiers 1, 2, 3 (as ``p_tier1..3``), key its rows by
    ``household_id`` and take its features from the households contract's columns.

    Every model is registered under the one name ``household-risk``, a spec's table's model
    too; the ``champion`` alias is the households pipeline's, so this is what ``promote``
    requires of a new champion and scoring with the champion of the one in place (one
    promoted before this check, or by hand in MLflow)."""
    builtin = household_spec()
    why: list[str] = []
    if (spec.target, [str(c) for c in spec.classes]) != (
        builtin.target,
        [str(c) for c in builtin.classes],
    ):
        why.append(
            f"it predicts {spec.target!r} {list(spec.classes)}, not the households' "
            f"{builtin.target!r} {list(builtin.classes)}"
        )
    if spec.id_column != builtin.id_column:
        why.append(f"its rows are keyed by {spec.id_column!r}, not {builtin.id_column!r}")
    if outside := [c for c in spec.features if c not in contract_columns.HOUSEHOLDS]:
        more = f" (+{len(outside) - 5} more)" if len(outside) > 5 else ""
        why.append(
            f"its feature(s) {', '.join(outside[:5])}{more} are not households contract columns"
        )
    if not why and spec.prob_columns != builtin.prob_columns:
        why.append(
            f"its probabilities are named {', '.join(spec.prob_columns)}, not "
            f"{', '.join(builtin.prob_columns)}"
        )
    return "; ".join(why) or None


def _trained_on(info: Any) -> str:
    """``, trained on FILE`` of a registered version, from its logged params ('' if none)."""
    name = info.params.get("data_file", "")
    return f", trained on {name}" if name else ""


def require_households_champion(info: Any, spec: FeatureSpec) -> None:
    """Refuse to tier households with a champion that is no households model (one promoted
    before ``promote`` checked, or moved by hand in MLflow), naming its version and what it
    predicts, never score them with it silently."""
    if why := households_model_problem(spec):
        raise RiskJobError(
            f"冠军模型版本 {info.version} 不是农户模型, 不能用于农户分类 (the champion, version "
            f"{info.version}{_trained_on(info)}, is not a households model: {why}. Promote a "
            "households model with visit-planner promote --version N --data DIR; score this "
            f"version's own table with visit-planner score --version {info.version})"
        )


def read_raw_data(
    path: Path,
    source: str | None = None,
    *,
    names: tuple[str, ...] = tuple(contract_columns.HOUSEHOLDS),
    id_column: str = "household_id",
) -> ReadFile:
    """``path`` as stored, with the contracts' reader (CSV: text columns, UTF-8 or GBK), as
    ``validate``, ``plan`` and ``overrides import`` read a file
    (:func:`~visit_planner.contracts.reader.read_noted`): header names read as ``names``
    (by default the households contract's) in any case and without spaces around them, empty
    rows at a CSV's end left out, each said in the notes; where each row is in the file, so
    that a row without an id is named by its CSV line as ``validate`` names it; a CSV line
    that cannot be read named by line and ``id_column``."""
    try:
        return read_noted(path, (id_column,), names=names)
    except ContractError:
        raise
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise RiskJobError(f"{source or path}: {unreadable_reason(path, exc)}") from None


def model_columns(spec: FeatureSpec, *, builtin: bool) -> tuple[str, ...]:
    """The columns a table read for ``spec``'s model may use: the households contract's for
    the built-in spec (policy rules may name any), and the spec's own (id, group, target,
    features, audit and fairness columns); the names a header is read as
    (:func:`read_raw_data`)."""
    used = (
        *(contract_columns.HOUSEHOLDS if builtin else ()),
        spec.id_column,
        spec.group_column,
        spec.target,
        *spec.features,
        *spec.audit_columns,
        *spec.fairness_columns,
    )
    return tuple(dict.fromkeys(c for c in used if c))


_DUPLICATE_HEADER = re.compile(r"^(?P<name>.+)_duplicated_\d+$")


@dataclass(frozen=True)
class ModelData:
    """A table read for the model: the spec's columns cast to their types, and warnings."""

    frame: pl.DataFrame
    warnings: list[str]


def _model_dtypes(spec: FeatureSpec, schema: pl.Schema, *, builtin: bool) -> dict[str, pl.DataType]:
    """The type each column the spec uses is read as: the households contract's for the
    built-in spec (which keeps every contract column: policy rules may name any), else by
    role (numeric Float64, boolean Boolean, target Int64 for integer classes, text as text;
    other stored types are kept)."""
    int_classes = all(isinstance(c, int) for c in spec.classes)
    out: dict[str, pl.DataType] = {}
    for c in (x for x in model_columns(spec, builtin=builtin) if x in schema):
        stored = schema[c]
        if builtin and c in contract_columns.HOUSEHOLDS:
            out[c] = contract_columns.HOUSEHOLDS[c]
        elif c in spec.numeric:
            out[c] = pl.Float64()
        elif c in spec.boolean:
            out[c] = pl.Boolean()
        elif c == spec.target and int_classes and stored == pl.String():
            out[c] = pl.Int64()
        else:
            out[c] = stored
    return out


def read_model_data(
    path: Path,
    spec: FeatureSpec,
    *,
    builtin: bool,
    training: bool,
    source: str | None = None,
    raw: ReadFile | None = None,
    more_problems: Callable[[pl.DataFrame], str | None] | None = None,
) -> ModelData:
    """Read ``path`` for training, promotion or scoring with ``spec``: with the contracts'
    reader (UTF-8 or GBK/GB18030 CSV; true/false, 1/0, yes/no, 是/否 as booleans; the
    Chinese codes of the households contract such as ``A级`` / ``洪涝`` as its codes), each
    column the spec uses cast to its type. A value that cannot be read, a missing or doubled
    column is an error naming the file, the column and the first rows; columns the spec does
    not use are dropped with the contracts' warning, worded as ``validate`` words it (for the
    built-in spec: columns outside the households contract; for another spec, the spec is the
    table's contract), so stray personal data goes no further. ``raw``: the file as
    :func:`read_raw_data` read it already (its notes among the warnings: header names read
    as the spec's columns, empty rows at its end left out). ``more_problems``: the
    caller's own check of the table (e.g. scoring's unseen categories), run on the cast
    frame (an unreadable value as missing) when values cannot be read, so that one run
    reports every problem of the file; it returns its message or None.
    A numeric column holding dates (text such as ``2026-11-03``, or a stored date type) is
    refused with what to do (:func:`~risk_model.features.date_hint`)."""
    file = source or str(path)
    if raw is None:
        names = model_columns(spec, builtin=builtin)
        raw = read_raw_data(path, file, names=names, id_column=spec.id_column)
    stored, places = raw.frame, raw.places
    notes = [note.message() for note in raw.notes]
    doubled = [
        m["name"]
        for c in stored.columns
        if (m := _DUPLICATE_HEADER.match(c)) and m["name"] in stored.columns
    ]
    if doubled:
        raise RiskJobError(
            f"{file}: 列名重复, 请只保留一个 (column(s) {', '.join(dict.fromkeys(doubled))} "
            "appear more than once in the header; keep one)"
        )
    with user_errors():
        spec.check_columns(stored.columns, training=training, source=file)
    dtypes = _model_dtypes(spec, stored.schema, builtin=builtin)
    grouped: list[str] = []
    if not builtin:  # the households contract's numbers are validate's, read as it reads them
        stored, grouped = _without_thousands_separators(stored, spec.numeric, file)
    # The contracts' reader drops (and names, in its own words) every column that is neither
    # read (dtypes) nor a households contract column the built-in spec leaves unused.
    unused = tuple(c for c in contract_columns.HOUSEHOLDS if builtin and c not in dtypes)
    rule = NOT_IN_CONTRACT_RULE if builtin else NOT_USED_BY_MODEL_RULE
    frame, problems = cast_to_contract(
        stored, dtypes, file, (spec.id_column,), known=unused, extra_rule=rule, places=places
    )
    errors = [p.message() for p in problems if p.severity == "error"]
    errors += _date_problems(stored, spec.numeric, file)
    if errors and more_problems is not None:
        more = more_problems(frame)
        errors += [more] if more else []
    if errors:
        raise RiskJobError("\n".join(errors))
    warnings = [p.message() for p in problems if p.severity == "warning"]
    return ModelData(frame, notes + grouped + warnings)


def _date_problems(stored: pl.DataFrame, numeric: tuple[str, ...], file: str) -> list[str]:
    """What to do with each numeric column of ``stored`` that holds dates: written as text
    (the type check has refused them as "not a number"; this says why and what to do), or
    stored as a date type, which a cast would silently turn into a count of days or
    microseconds since 1970 that no reader of the model's reasons would recognise."""
    from risk_model.features import date_hint, looks_like_dates

    out: list[str] = []
    for c in numeric:
        if c not in stored.columns:
            continue
        col = stored[c]
        if col.dtype.is_temporal():
            out.append(f"{file}: column '{c}': 日期类型 {col.dtype}: {date_hint()}")
            continue
        if col.dtype != pl.String():
            continue
        text = col.str.strip_chars()
        bad = text.is_not_null() & (text != "") & text.cast(pl.Float64, strict=False).is_null()
        if bad.any() and looks_like_dates(text.filter(bad)):
            out.append(f"{file}: column '{c}': {date_hint()}")
    return out


# A number written with thousands separators, as spreadsheets export a formatted column:
# 22,772 or -1,234,567.5 (groups of exactly three digits, a '.' decimal point).
_GROUPED_NUMBER = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"
_PLAIN_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"


def _without_thousands_separators(
    stored: pl.DataFrame, numeric: tuple[str, ...], file: str
) -> tuple[pl.DataFrame, list[str]]:
    """``stored`` with the thousands separators taken out of each numeric text column whose
    every value is a number, some written with them (``22,772``), and a warning naming each
    such column. A column with any other comma (``1,5``: a decimal comma?) is left as it is,
    for the type check to refuse with its values shown."""
    notes: list[str] = []
    for c in numeric:
        if c not in stored.columns or stored.schema[c] != pl.String():
            continue
        text = stored[c].str.strip_chars()
        present = text.is_not_null() & (text != "")
        grouped = text.str.contains(_GROUPED_NUMBER).fill_null(False)
        plain = text.str.contains(_PLAIN_NUMBER).fill_null(False)
        if not grouped.any() or (present & ~grouped & ~plain).any():
            continue
        stored = stored.with_columns(text.str.replace_all(",", "", literal=True).alias(c))
        first = text.filter(grouped)[0]
        notes.append(
            f"{file}: column '{c}': 已去掉千位分隔符, 按数值读取 (thousands separators removed: "
            f"{first!r} read as {first.replace(',', '')}) — {int(grouped.sum()):,} value(s)"
        )
    return stored, notes


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV has no nested values: list and struct columns (the reasons) become JSON text. The
    scores are opened in Excel or WPS too, so a text cell that would run there as a formula
    (a supervisor's ``override_reason`` ``=HYPERLINK(…)``, a policy rule's name) is marked
    ``'`` (:func:`~visit_planner.csv_cells.formula_safe`), except in the columns the plan
    commands read back (``household_id``, ``model_version``: :data:`_READ_BACK`), whose such
    cells are written as a formula of their text instead
    (:func:`~visit_planner.csv_cells.formula_text_cells`): shown
    as the text, never run, and read back by ``assign --scores`` as the text itself."""
    nested = [c for c, t in frame.schema.items() if isinstance(t, pl.List | pl.Struct)]
    flat = frame.with_columns(
        pl.col(c).map_elements(
            lambda v: json.dumps(v.to_list() if isinstance(v, pl.Series) else v,
                                 ensure_ascii=False),
            return_dtype=pl.String,
        )
        for c in nested
    )  # fmt: skip
    shown = [c for c in flat.columns if c not in _READ_BACK]
    flat = flat.with_columns(formula_safe(flat.select(shown)).get_columns())
    return formula_text_cells(flat, _READ_BACK)


_READ_BACK: Final = tuple(contract_columns.SCORES)
"""The scores' columns ``assign``, ``check-plan`` and ``explain`` read (the scores contract):
written so that a scores CSV is read back to the same values."""


def _atomic_write(frame: pl.DataFrame, out: Path) -> None:
    check_output_file(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    if out.suffix.lower() == ".csv":
        _csv_ready(frame).write_csv(tmp, include_bom=True)  # Excel and WPS read its Chinese
    else:
        frame.write_parquet(tmp)
    tmp.replace(out)


# --------------------------------------------------------------------------- train
@dataclass
class TrainOutcome:
    """A training run: the library's result and the registered version (None if not)."""

    result: TrainResult
    version: Any
    data_file: Path
    truth_file: Path | None
    seconds: float
    warnings: list[str] | None = None  # reading the data: columns dropped at the boundary
    corrections: AppliedCorrections | None = None  # train --corrections: what became of each


def train_from_file(
    data: Path,
    *,
    spec_path: Path | None = None,
    truth: Path | None = None,
    home: Path | None = None,
    policy_path: Path | None = None,
    config: TrainConfig | None = None,
    register: bool = True,
    mlflow_uri: str | None = None,
    corrections: Path | None = None,
) -> TrainOutcome:
    """Train on a file (or a directory holding households.*), evaluate, register a version.

    Without ``spec_path`` the built-in household spec is used. Without ``truth``, a
    ``truth.parquet`` beside the data is used when present (the synthetic generator writes it).
    ``corrections``: an ``overrides export-corrections`` file, applied to the households
    before the split (:mod:`visit_planner.risk_corrections`); the version records its name,
    SHA-256 and counts.
    """
    started = time.perf_counter()
    data_file = resolve_data(data)
    with user_errors():
        spec = household_spec() if spec_path is None else load_spec(spec_path)
        settings = risk_settings(load_policy(policy_path), spec)
        table = read_model_data(
            data_file,
            spec,
            builtin=is_household_spec(spec),
            training=True,
            more_problems=lambda frame: _training_problems(frame, spec, str(data_file)),
        )
        corrected = _corrected(table.frame, corrections, spec)
        frame = table.frame if corrected is None else corrected.frame
        truth_file = truth
        if (
            truth_file is None
            and (data_file.parent / f"{TRUTH}.parquet").exists()
            and spec_path is None
        ):
            truth_file = data_file.parent / f"{TRUTH}.parquet"
        truth_read = (
            None
            if truth_file is None
            else read_noted_data(truth_file, (spec.id_column, *spec.prob_columns))
        )
        truth_frame = None if truth_read is None else truth_read.frame
        if truth_frame is not None and truth_file is not None:
            need = [spec.id_column, *spec.prob_columns]
            if missing := [c for c in need if c not in truth_frame.columns]:
                raise RiskJobError(
                    f"{truth_file}: 真值表缺少列 {', '.join(missing)} (the truth table misses "
                    f"column(s) {', '.join(missing)}; it needs {', '.join(need)})"
                )
        from risk_model import train

        result = train(
            frame, spec, settings.rule, config=config, truth=truth_frame, source=str(data_file)
        )
        version = None
        if register:
            from risk_model.publish import publish

            registry = registry_for(resolve_workspace(home), mlflow_uri)
            version = publish(
                registry,
                result,
                data_name=data_file.name,
                data_sha256=file_sha256(data_file),
                extra_params=None if corrected is None else corrected.params(),
                words=group_words(),
            )
    return TrainOutcome(
        result=result,
        version=version,
        data_file=data_file,
        truth_file=truth_file,
        seconds=time.perf_counter() - started,
        warnings=table.warnings + _notes(truth_read),
        corrections=corrected,
    )


PROMOTE_HEADING = "无法评估晋升 / cannot evaluate the promotion"
"""What a promotion's data problems stop (:func:`_training_problems`)."""


def _training_problems(
    frame: pl.DataFrame, spec: FeatureSpec, source: str, heading: str | None = None
) -> str | None:
    """What training would refuse in ``frame`` besides its unreadable values (ids, bounds,
    personal numbers, the target's classes), told with the type errors: every problem of
    the file in one run. ``heading``: what they stop (default: training), for ``promote``,
    whose gate evaluates on the file's labelled rows as training did."""
    from risk_model.training import TRAIN_HEADING, training_problems

    if any(c not in frame.columns for c in (*spec.features, spec.id_column, spec.target)):
        return None  # the columns were refused already, each named
    return training_problems(frame, spec, source=source, heading=heading or TRAIN_HEADING)


def _corrected(
    frame: pl.DataFrame, corrections: Path | None, spec: FeatureSpec
) -> AppliedCorrections | None:
    """``frame`` with the corrections file applied, or None without one. Only a households
    table takes them: a correction names a households contract field."""
    if corrections is None:
        return None
    if not is_household_spec(spec):
        raise RiskJobError(
            f"{corrections}: 数据更正只适用于农户模型 (corrections are households data: "
            f"--corrections applies to a households model, not one predicting {spec.target!r} "
            f"by {spec.id_column!r})"
        )
    return apply_corrections_file(frame, corrections)


# ------------------------------------------------------------------------- promote
def with_champion_features(registry: Any, spec: FeatureSpec, columns: list[str]) -> FeatureSpec:
    """``spec`` with the champion's features it lacks that ``columns`` hold, so that the
    promotion data is read with every column the gate's two models use: read with the
    candidate's spec alone, a feature only the champion uses was dropped at the boundary
    and the champion refused as missing it. A champion of another target, or one whose
    features the data lacks, is left to the gate, which refuses it naming both versions."""
    current = registry.champion()
    if current is None:
        return spec
    champ = spec_from_dict(registry.load_json(current.run_id, "spec.json"))
    if champ.target != spec.target:
        return spec
    extra = {c for c in champ.features if c not in spec.features and c in columns}
    if not extra:
        return spec
    d = spec.to_dict()
    for kind in ("numeric", "boolean", "categorical"):
        d[kind] = [*d[kind], *(c for c in getattr(champ, kind) if c in extra)]
    return spec_from_dict(d)


GROUP_ATTRIBUTES: dict[str, str] = {
    "head_ethnicity": "户主民族 head's ethnicity",
    "head_gender": "户主性别 head's gender",
    "county_id": "县市 county",
}
"""The households audit's attributes in words (:func:`group_words`)."""


def group_words() -> GroupWords:
    """How ``train`` and ``promote`` name the fairness audit's groups: the households'
    attributes in words, an ethnicity or gender by name (``彝族 Yi``, ``女 female``), a
    county by name and code (``文山市 Wenshan (532601)``); a spec's other columns and values
    as they are."""
    from visit_planner.analysis.words import GROUP_NAMES
    from visit_planner.contracts.places import place_label

    def group(attribute: str, value: str) -> str:
        if attribute == "county_id":
            return place_label(value)
        if attribute in GROUP_ATTRIBUTES:
            return GROUP_NAMES.get(value, value)
        return value

    return GroupWords(GROUP_ATTRIBUTES, group)


def _not_a_households_champion(champion: FeatureSpec) -> str | None:
    """The gate's note when the champion in place is no households model (promoted before
    ``promote`` checked): a households candidate replaces it without a comparison, which
    would refuse two targets (and leave ``plan`` without a usable champion for good)."""
    why = households_model_problem(champion)
    if why is None:
        return None
    return (
        "冠军模型不是农户模型, 不予比较, 直接替换 / the champion is not a households model "
        f"({why}): replaced without comparison"
    )


def promote_version(
    version: int,
    data: Path,
    *,
    force: bool = False,
    reason: str | None = None,
    home: Path | None = None,
    policy_path: Path | None = None,
    mlflow_uri: str | None = None,
    store_url: str | None = None,
    corrections: Path | None = None,
) -> PromotionResult:
    """Promote ``version`` to champion through the gate (see :mod:`risk_model.promote`).

    ``corrections``: an ``overrides export-corrections`` file applied to the data before
    both models are evaluated, as ``train --corrections`` applies it; the gate's note names
    it, and says so when the version was trained with other corrections (or none applied).

    A promotion (forced or by the gate) is also appended to the store's audit log, beside
    the registry's own record and ``audit/model_promotions.jsonl``: before the alias moves,
    so that a store write that fails leaves the champion where it was. An alias move that
    then fails gets a ``promote.failed`` entry after it, saying where the champion is.
    """
    from risk_model.promote import json_safe, promote
    from visit_planner.personal_text import personal_number
    from visit_planner.store import Store

    if (what := personal_number(reason)) is not None:
        raise RiskJobError(
            f"原因中含疑似{what[0]}, 请勿填写个人身份信息 (--reason holds what looks like "
            f"{what[1]}: a promotion's reason is kept as a tag of the model version in MLflow, "
            "shown by visit-planner models and written to the audit logs, so no ID-card or "
            "phone number may be in it)"
        )
    workspace = resolve_workspace(home)
    data_file = resolve_data(data)
    # The store is opened before the alias can move: a store that cannot record the
    # promotion (an older schema, a server refusing the connection) refuses it with nothing
    # changed, instead of a champion moved without its audit entry and an error said after.
    with Store.for_workspace(workspace.ensure(), store_url) as store, user_errors():
        registry = registry_for(workspace, mlflow_uri)
        info = registry.version(version)
        spec = spec_from_dict(registry.load_json(info.run_id, "spec.json"))
        if why := households_model_problem(spec):  # the champion tiers the households
            raise RiskJobError(
                f"版本 {version} 不是农户模型, 不能成为冠军 (version {version}"
                f"{_trained_on(info)}, is not a households model, so it cannot be the champion "
                f"that plan and score tier households with: {why}. Score its own table with "
                f"visit-planner score --version {version}; --force does not apply)"
            )
        settings = risk_settings(load_policy(policy_path), spec)
        builtin = is_household_spec(spec)
        source = f"{data_file} (model version {version})"
        raw = read_raw_data(data_file, source, names=model_columns(spec, builtin=builtin))
        read_spec = with_champion_features(registry, spec, raw.frame.columns)
        table = read_model_data(
            data_file,
            read_spec,
            builtin=builtin,
            training=True,
            source=source,
            raw=raw,
            more_problems=lambda frame: _training_problems(
                frame, read_spec, source, PROMOTE_HEADING
            ),
        )
        # The rows train refuses (a doubled id, a value out of bounds, a class outside
        # the spec's) would be compared by the gate as they are: refused here as well.
        if why := _training_problems(table.frame, read_spec, source, PROMOTE_HEADING):
            raise RiskJobError(why)
        corrected = _corrected(table.frame, corrections, spec)
        result = promote(
            registry,
            version,
            table.frame if corrected is None else corrected.frame,
            settings.rule,
            config=settings.gate,
            force=force,
            reason=reason,
            audit_file=workspace.root / "audit" / "model_promotions.jsonl",
            source=str(data_file),
            incomparable=_not_a_households_champion,
            data_note=_data_note(table.warnings, _corrections_note(info, corrected)),
            words=group_words(),
            # The store's entry first: a store write that fails moves nothing.
            record=lambda result: store.append_audit(
                "promote.forced" if result.forced else "promote",
                current_actor(),
                f"{registry.tracking.model_name} v{result.version}",
                json_safe(
                    {
                        "previous_champion": result.previous_champion,
                        "force_requested": force,
                        "gate_passed": result.decision.passed,
                        "reason": result.reason,
                        "held_out_rows": result.n_heldout,
                        "candidate": result.candidate,
                        "champion": result.champion,
                    }
                ),
            ),
            # The alias move failing after that entry: one more saying nothing moved.
            record_failure=lambda result, failure: store.append_audit(
                "promote.failed",
                current_actor(),
                f"{registry.tracking.model_name} v{result.version}",
                {
                    "previous_champion": result.previous_champion,
                    "champion_now": failure.champion,
                    "champion_known": failure.moved is not None,
                    "error": failure.error,
                },
            ),
        )
    return result


def _data_note(warnings: list[str], corrections: str) -> str:
    """The gate's first lines: how its data file was read (``warnings``: header names read
    as the model's columns, empty rows at its end left out, columns dropped; each as ``train``
    and ``score`` print it), then the corrections applied to it (:func:`_corrections_note`),
    so that the decision, its refusal and the audit line say what the models were compared
    on."""
    lines = [f"{SEVERITY['warning']}: {w}" for w in warnings]
    return "\n".join([*lines, *([corrections] if corrections else [])])


def _corrections_note(info: Any, corrected: AppliedCorrections | None) -> str:
    """The gate's first lines: the corrections applied to its data (file, hash, counts), and
    a warning when version ``info`` was trained with other corrections, or with some and the
    gate's data has none: the gate then compares the models on other values than those the
    version learnt from (both on the same rows, still)."""
    lines = [] if corrected is None else corrected.notes()[:1]
    trained = info.params.get("corrections_sha256", "")
    given = "" if corrected is None else corrected.sha256
    if trained and trained != given:
        name = f"{info.params.get('corrections_file', '')} (sha256 {trained[:8]})"
        if corrected is None:
            here_zh, here_en = "本次评估数据未应用更正", "the gate's data has none applied"
        else:
            other = f"{corrected.file.name} (sha256 {given[:8]})"
            here_zh, here_en = f"本次评估应用的是 {other}", f"the gate's data has {other} applied"
        lines.append(
            f"{SEVERITY['warning']}: 版本 {info.version} 训练时应用了数据更正 {name}, "
            f"{here_zh}, 请用 --corrections 给出该文件 / version {info.version} was trained "
            f"with the corrections {name}, {here_en}: give that file as --corrections to "
            "compare the models on the corrected values"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- score
@dataclass
class ScoreOutcome:
    """Where the scores and the drift report went, and what they hold."""

    scores_file: Path
    drift_file: Path
    scores: pl.DataFrame
    drift: pl.DataFrame
    warnings: list[str]
    model_version: int
    seconds: float
    fidelity: Any = None  # risk_model.attribution.Fidelity of the reasons (None: older model)
    classes: tuple[Any, ...] = ()  # the model's classes, highest risk first (the spec's order)


def drift_path(out: Path) -> Path:
    """The drift report beside the scores: ``scores.parquet`` → ``scores.drift.csv``."""
    return out.with_name(f"{out.stem}.drift.csv")


@dataclass
class Scored:
    """Scores of a frame with the model version that made them (no files written)."""

    scores: pl.DataFrame
    drift: pl.DataFrame
    warnings: list[str]
    model_version: int
    fidelity: Any = None  # risk_model.attribution.Fidelity of the reasons (None: older model)


@dataclass(frozen=True)
class ScoringContext:
    """Everything a partition's scoring needs besides its rows (one object for all tasks)."""

    model: Any
    spec: Any  # risk_model.spec.FeatureSpec
    rule: Any  # risk_model.decision.DecisionRule
    tables: Any  # risk_model.reasons.ReasonTables
    drift_reference: dict[str, Any]
    model_version: str
    rules: tuple[Any, ...]
    psi_threshold: float
    on_unseen: Literal["error", "missing"]
    source: str


def scoring_context(
    *,
    version: int | None = None,
    home: Path | None = None,
    policy_path: Path | None = None,
    on_unseen: Literal["error", "missing"] | None = None,
    mlflow_uri: str | None = None,
    source: str = "households",
) -> ScoringContext:
    """The champion (or ``version``) from the registry with the policy's risk settings."""
    from risk_model.reasons import ReasonTables
    from risk_model.spec import spec_from_dict

    with user_errors():
        registry = registry_for(resolve_workspace(home), mlflow_uri)
        model, info = registry.load_model(version)
        spec = spec_from_dict(registry.load_json(info.run_id, "spec.json"))
        if version is None:  # the champion: the households pipeline's model
            require_households_champion(info, spec)
        tables = ReasonTables.from_dict(registry.load_json(info.run_id, "reason_tables.json"))
        reference = registry.load_json(info.run_id, "drift_reference.json")
        settings = risk_settings(load_policy(policy_path), spec)
    return ScoringContext(
        model=model,
        spec=spec,
        rule=settings.rule,
        tables=tables,
        drift_reference=reference,
        model_version=str(info.version),
        rules=tuple(settings.rules),
        psi_threshold=settings.psi_threshold,
        on_unseen=on_unseen or settings.on_unseen,
        source=source,
    )


def score_with(
    context: ScoringContext, frame: pl.DataFrame, overrides: pl.DataFrame | None = None
) -> Any:
    """The library's scoring of ``frame`` with ``context`` (a ``risk_model`` ScoreResult)."""
    from risk_model.scoring import score

    c = context
    return score(
        frame,
        c.model,
        c.spec,
        c.rule,
        tables=c.tables,
        drift_reference=c.drift_reference,
        model_version=c.model_version,
        rules=c.rules,
        overrides=overrides,
        psi_threshold=c.psi_threshold,
        on_unseen=c.on_unseen,
        source=c.source,
    )


def score_frame(
    frame: pl.DataFrame,
    *,
    overrides: pl.DataFrame | None = None,
    version: int | None = None,
    home: Path | None = None,
    policy_path: Path | None = None,
    on_unseen: Literal["error", "missing"] | None = None,
    mlflow_uri: str | None = None,
    source: str = "households",
) -> Scored:
    """Score the households in ``frame`` with the champion (or ``version``): probabilities,
    tiers after policy rules and ``overrides`` (household_id, tier, reason), reasons, drift."""
    context = scoring_context(
        version=version,
        home=home,
        policy_path=policy_path,
        on_unseen=on_unseen,
        mlflow_uri=mlflow_uri,
        source=source,
    )
    with user_errors():
        result = score_with(context, frame, overrides)
    return Scored(
        result.scores,
        result.drift,
        result.check.warnings(),
        int(context.model_version),
        result.fidelity,
    )


def scoring_problems(context: ScoringContext, frame: pl.DataFrame) -> str | None:
    """What scoring would refuse in ``frame`` besides its unreadable values (unseen
    categories, values outside the spec's bounds, missing or doubled ids), as
    :func:`~risk_model.features.check_scoring_frame` words it, or None: told together with
    the type errors, so that a file's every problem comes out in one run, as ``validate``
    reports them."""
    from risk_model.errors import ScoringDataError
    from risk_model.features import check_scoring_frame

    try:
        check_scoring_frame(
            frame,
            context.model.named_steps["features"],
            dict(context.spec.bounds),
            id_column=context.spec.id_column,
            on_unseen=context.on_unseen,
            source=context.source,
        )
    except ScoringDataError as exc:
        return str(exc)
    return None


def score_file(
    data: Path,
    out: Path,
    *,
    overrides: Path | None = None,
    version: int | None = None,
    home: Path | None = None,
    policy_path: Path | None = None,
    on_unseen: Literal["error", "missing"] | None = None,
    mlflow_uri: str | None = None,
    executor: Executor | None = None,
    chunk_rows: int | None = None,
) -> ScoreOutcome:
    """Score every household with the champion (or ``version``); write scores and drift.

    With ``executor``, the households are scored in partitions of ``chunk_rows`` rows on it
    (:mod:`visit_planner.score_partitions`): the same scores, drift and warnings.
    """
    started = time.perf_counter()
    check_output_file(out)
    data_file = resolve_data(data)
    raw = read_raw_data(data_file)  # a households table, its header read as the contract's
    households = raw.frame
    from visit_planner.overrides import TIER_OVERRIDE_FILE_COLUMNS

    override_read = (
        None
        if overrides is None
        else read_noted_data(resolve_data(overrides), TIER_OVERRIDE_FILE_COLUMNS)
    )
    override_frame = None if override_read is None else override_read.frame
    if override_frame is not None and overrides is not None:  # every problem of it at once,
        from visit_planner.overrides import require_valid_tier_overrides  # before the model

        require_valid_tier_overrides(override_frame, overrides, households)
    context = scoring_context(
        version=version,
        home=home,
        policy_path=policy_path,
        on_unseen=on_unseen,
        mlflow_uri=mlflow_uri,
        source=str(data_file),
    )
    if not is_household_spec(context.spec):  # a spec's table: its header read as the spec's
        names = model_columns(context.spec, builtin=False)
        raw = read_raw_data(data_file, names=names, id_column=context.spec.id_column)
        households = raw.frame
    if version is None and context.spec.id_column not in households.columns:
        spec = context.spec
        if 2 * sum(c in households.columns for c in spec.features) >= len(spec.features):
            # A households table whose id column has another name (户编号, typed by a clerk).
            from visit_planner.contracts.columns import HOUSEHOLDS

            known = {*HOUSEHOLDS, *spec.features, *spec.audit_columns, spec.target}
            others = ", ".join(c for c in households.columns if c not in known) or "—"
            raise RiskJobError(
                f"{data_file}: 缺少 {spec.id_column} 列; 表头须用契约规定的英文列名, 文件中契约外的"
                f"列: {others} (column {spec.id_column!r} is missing: the header must use the "
                f"contract's English names; the file's columns outside them: {others})"
            )
        raise RiskJobError(
            f"{data_file}: 没有 {context.spec.id_column} 列, 不是农户表; 其他表请用 --version N "
            f"指定它的模型 (no {context.spec.id_column} column: the champion is the households "
            "model; to score another table, pass its model with --version N, as visit-planner "
            "models lists them)"
        )
    data_read = read_model_data(
        data_file,
        context.spec,
        builtin=is_household_spec(context.spec),
        training=False,
        raw=raw,
        more_problems=lambda frame: scoring_problems(context, frame),
    )
    frame = data_read.frame
    scored: Scored | ScoredPartitions
    if executor is None:
        with user_errors():
            result = score_with(context, frame, override_frame)
        scored = Scored(
            result.scores,
            result.drift,
            result.check.warnings(),
            int(context.model_version),
            result.fidelity,
        )
    else:
        from visit_planner.score_partitions import CHUNK_ROWS, score_frame_partitioned

        scored = score_frame_partitioned(
            frame, context, executor, overrides=override_frame, chunk_rows=chunk_rows or CHUNK_ROWS
        )
    _atomic_write(scored.scores, out)
    _atomic_write(scored.drift, drift_path(out))
    return ScoreOutcome(
        scores_file=out,
        drift_file=drift_path(out),
        scores=scored.scores,
        drift=scored.drift,
        warnings=data_read.warnings + _notes(override_read) + scored.warnings,
        model_version=scored.model_version,
        seconds=time.perf_counter() - started,
        fidelity=scored.fidelity,
        classes=tuple(context.spec.classes),
    )

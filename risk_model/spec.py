"""Feature spec: which columns of a tabular file are the id, the target, the features.

A spec makes the model work on any tabular file, not only the synthetic households. It is read
from TOML::

    id_column = "patient_id"
    group_column = "clinic_id"            # optional: split train/test by whole groups
    audit_columns = ["sex"]               # optional: never features; used for fairness
    fairness_columns = ["sex", "region"]  # optional: per-group error rates (default: audit)
    not_personal = ["tel_exchange_km"]    # optional: names the guard below mistakes for
                                          # personal data (declared false positives)

    [target]
    column = "severity"
    classes = ["high", "medium", "low"]   # ordered: highest risk FIRST

    [features]
    numeric = ["age", "visits"]
    categorical = ["region"]
    boolean = ["smoker"]

    [bounds]                              # optional: valid range of a numeric feature
    age = [0, 120]

    [labels]                              # optional: reason text, Chinese and English
    smoker = ["吸烟", "smoker"]

    [levels]                              # optional: every level of a categorical feature,
    region = ["north", "south", "west"]   # known to the model even if training lacks one

    [units]                               # optional: unit of a numeric feature in reasons
    visits = ["次", "visit", "visits"]     # [zh, en] or [zh, en singular, en plural]

    [level_labels.region]                 # optional: a categorical level's words in
    north = ["北区", "north"]              # reasons, [zh, en] (default: the level itself);
    "<missing>" = ["未填", "not given"]    # a missing value's words (default: 缺失 missing)

A feature may never be the id, target, group or an audit column, and no feature may look like a
personal identifier or protected attribute (name, ID-card / household-register number, phone,
address, ethnicity, gender — matched as words inside the name, ``is_male`` or ``mobilephone``
too, pinyin such as ``minzu`` / ``sfzh`` and the initials ``XB`` / ``MZ``, and the Chinese
terms 姓名, 身份证, 户籍号, 手机, 电话, 住址, 民族, 族别, 性别, 女户主 …, spaced or
traditional too: 性  别, 性別; typed in full-width letters, ``ｇｅｎｄｅｒ``, with a zero-width
character inside, or with tone marks, ``mínzú``): the spec is refused with one message naming
every such feature. ``not_personal`` admits a false positive (``tamale_sales``), never a
protected attribute named outright (``ethnicity``, ``is_male``, ``HEADGENDER``, 民族, 户主性别):
those belong in ``audit_columns``. An audit or fairness column is a protected attribute or a
place, never a personal identifier (a name, an ID-card number): the fairness report lists
every value of such a column as a group, in MLflow and on the dashboard's model page, so one
named like an identifier is refused too (``not_personal`` admits a false positive there:
``county_name``).
An unknown key in any table (``boolen``, ``probability_colums``) and a ``[bounds]`` /
``[labels]`` / ``[levels]`` / ``[units]`` / ``[level_labels]`` entry for a column that is not
such a feature are refused too, with the closest valid name suggested; errors name the spec file.
:func:`household_spec` is the built-in spec of the synthetic households
(docs/architecture.md, "Data contracts").
"""

from __future__ import annotations

import difflib
import itertools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from risk_model.errors import SpecError

# Column names that must never be model inputs: personal identifiers and protected attributes.
# A name is split into words (at `_`, `-`, `.`, spaces, digits and camelCase humps); a word
# that IS one of these, or (for words of 4+ letters) starts or ends with one of them
# ("mobilephone", "surname", "femaleHead"), marks the column. Chinese names are matched by
# substring. A false positive is declared in the spec's ``not_personal`` list.
PERSONAL_WORDS = frozenset(
    {
        "name", "names", "firstname", "lastname", "surname", "fullname", "nickname",
        "idcard", "idnumber", "idno", "ssn", "passport", "identity",
        "phone", "mobile", "mobilephone", "cellphone", "telephone", "tel", "email",
        "wechat", "address", "addr", "bankcard", "cardno", "cardnumber",
        "ethnicity", "ethnic", "race", "religion", "nationality",
        "gender", "sex", "male", "female",
        # pinyin column names of Chinese survey exports: 姓名, 身份证(号), 手机, 电话, 住址,
        # 民族, 性别
        "xingming", "sfz", "sfzh", "sfzhm", "shenfenzheng", "shenfenzhenghao", "shouji",
        "dianhua", "zhuzhi", "dizhi", "minzu", "xingbie",
        # their initials, as Chinese database exports name columns: XB 性别, MZ 民族
        "xb", "mz",
    }
)  # fmt: skip
# Pairs of words that together name an identifier: id_card, id_number, id_no, phone_no,
# card_no, hukou_no (户口号), huji_no (户籍号) ...
PERSONAL_PAIRS = frozenset(
    (first, second)
    for first in ("id", "card", "hukou", "huji")
    for second in ("card", "number", "no", "num", "nr", "id")
    if first != second
)
PERSONAL_ZH = ("姓名", "名字", "身份证", "证件", "户籍号", "户口号", "户口本", "户口簿", "户号",
               "手机", "电话", "联系方式", "微信", "住址", "地址", "门牌", "银行卡", "卡号",
               "民族", "族别", "族群", "国籍", "性别", "男性", "女性", "女户主", "男户主",
               "宗教")  # fmt: skip
# Protected attributes named outright (a whole word, or the Chinese term anywhere): never a
# false positive, so ``not_personal`` cannot admit them (``ethnicity``, ``is_male``, 民族,
# 户主性别); a word that only starts or ends with one (``tamale``) stays declarable.
PROTECTED_WORDS = frozenset(
    {"ethnicity", "ethnic", "race", "religion", "nationality", "gender", "sex", "male",
     "female", "minzu", "xingbie", "xb", "mz"}
)  # fmt: skip
PROTECTED_ZH = ("民族", "族别", "族群", "国籍", "性别", "男性", "女性", "女户主", "男户主", "宗教")
# Protected words long enough that a word starting or ending with one names the attribute too
# (``headgender``, ``HEADGENDER``, ``isfemale``, ``ethnicgroup``): no false positive is known,
# unlike ``tamale`` (male) or ``terrace`` (race), so ``not_personal`` cannot admit them either.
_PROTECTED_STEMS = tuple(w for w in PROTECTED_WORDS if len(w) >= 5)
_WORD_SPLIT = re.compile(r"[^A-Za-z]+|(?<=[a-z])(?=[A-Z])")
# Chinese column names are matched after two normalisations survey exports need: the spaces
# that pad a two-character label to a form's width ("性  别", "民　族") are removed, and the
# traditional characters of the terms above read as simplified (性別, 身份證, 電話, 戶籍號).
_ZH_SPACES = re.compile(r"\s+")
_TRADITIONAL = str.maketrans(
    "別證電話機戶號碼國聯繫係銀門簿團",
    "别证电话机户号码国联系系银门簿团",
)


def _plain(column: str) -> str:
    """``column`` as every name is matched: full-width letters and digits as ASCII (NFKC:
    ``ｇｅｎｄｅｒ`` typed in a Chinese input method's full-width mode), invisible format
    characters removed (a zero-width space inside ``民族``), accents dropped (``mínzú``)."""
    text = unicodedata.normalize("NFKC", column)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def _zh_form(column: str) -> str:
    """``column`` as the Chinese terms are matched: without spaces, simplified characters."""
    return _ZH_SPACES.sub("", _plain(column)).translate(_TRADITIONAL)


def personal_words(column: str) -> list[str]:
    """Why ``column`` looks like a personal identifier or protected attribute ([] if not).

    >>> personal_words("mobilephone"), personal_words("is_male"), personal_words("members")
    (['mobilephone'], ['male'], [])
    """
    zh = _zh_form(column)
    hits = [w for w in PERSONAL_ZH if w in zh]
    words = [w.lower() for w in _WORD_SPLIT.split(_plain(column)) if w]
    for w in words:
        if w in PERSONAL_WORDS or any(
            len(p) >= 4 and len(w) > len(p) and (w.startswith(p) or w.endswith(p))
            for p in PERSONAL_WORDS
        ):
            hits.append(w)
    hits += ["_".join(pair) for pair in itertools.pairwise(words) if pair in PERSONAL_PAIRS]
    return list(dict.fromkeys(hits))


def protected_words(column: str) -> list[str]:
    """The protected attributes ``column`` names outright ([] if none): what ``not_personal``
    can never admit as a feature, since such a name is no false positive.

    >>> protected_words("is_male"), protected_words("户主民族"), protected_words("tamale_sales")
    (['male'], ['民族'], [])
    """
    zh = _zh_form(column)
    hits = [w for w in PROTECTED_ZH if w in zh]
    for word in (w.lower() for w in _WORD_SPLIT.split(_plain(column)) if w):
        if (
            word in PROTECTED_WORDS
            or word.startswith(_PROTECTED_STEMS)
            or word.endswith(_PROTECTED_STEMS)
        ):
            hits.append(word)
    return list(dict.fromkeys(hits))


def identifier_words(column: str) -> list[str]:
    """Why ``column`` looks like a personal identifier (a name, an ID-card or phone number,
    an address) rather than a protected attribute ([] if not): what an audit or fairness
    column may not be, since the fairness report lists each of its values.

    >>> identifier_words("户主姓名"), identifier_words("id_card"), identifier_words("民族")
    (['姓名'], ['id_card'], [])
    """
    return [] if protected_words(column) else personal_words(column)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` to a mistyped ``word``, or ""."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (是否应为 {close[0]!r}? / did you mean {close[0]!r}?)" if close else ""


_KIND_ZH = {"numeric": "数值", "categorical": "分类", "": ""}

ClassValue = int | str


def top_class_names(classes: Sequence[object]) -> tuple[str, str]:
    """(English, Chinese) name of the highest-risk class of ``classes`` (highest risk first)
    in metric texts: ``tier-1`` / ``一类户`` for the household tiers 1, 2, 3, else the first
    class's own name, quoted in the Chinese (``类别“high”召回率``: a Chinese word follows it
    without a space). A function of the classes alone, so that ``models`` words a registered
    version's metrics from its logged ``classes`` param as ``train`` worded them."""
    if [str(c) for c in classes] == ["1", "2", "3"]:
        return "tier-1", "一类户"
    return f"class {classes[0]!r}", f"类别“{classes[0]}”"


def logged_top_class_names(params: Mapping[str, str]) -> tuple[str, str]:
    """:func:`top_class_names` of a registered version, from the ``classes`` param (JSON)
    training logs; the household tiers' (``tier-1`` / ``一类户``) for a version without a
    readable one. ``models`` and the dashboard word each version's recall with it."""
    import json

    try:
        classes = json.loads(params.get("classes", ""))
    except ValueError:
        return top_class_names([1, 2, 3])
    if not isinstance(classes, list) or not classes:
        return top_class_names([1, 2, 3])
    return top_class_names(classes)


def listed(items: Iterable[object]) -> str:
    """Ids or row places as a message lists its examples: ``H0001, H0007`` (a Python
    list's brackets and quotes read as code, and on a stream without Chinese a row place's
    Chinese left ``[' row 4']``)."""
    return ", ".join(str(v) for v in items)


def row_place(number: int) -> str:
    """A frame's row named by its 1-based number, Chinese first (``第 6 行 row 6``), in a
    message about a row without an id. The wording of ``visit_planner.contracts.reader.
    row_place`` for a Parquet or program row, which risk_model may not import (it knows
    nothing of visit_planner); a test keeps the two the same."""
    return f"第 {number} 行 row {number}"


@dataclass(frozen=True)
class FeatureSpec:
    """Roles of a table's columns for training and scoring (see the module docstring)."""

    id_column: str
    target: str
    classes: tuple[ClassValue, ...]
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    boolean: tuple[str, ...] = ()
    group_column: str | None = None
    audit_columns: tuple[str, ...] = ()
    fairness_columns: tuple[str, ...] = ()
    bounds: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    probability_columns: tuple[str, ...] = ()
    levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Declared levels of categorical features: known to the model even when the training rows
    lack one (a level seen in data but not declared is still learned)."""
    units: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Unit of a numeric feature for reason texts: (Chinese, English) or (Chinese, English
    singular, English plural), e.g. ``("人", "person", "people")``."""
    level_labels: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)
    """Words of a categorical feature's levels in reason texts, (Chinese, English) per level,
    e.g. ``{"previous_tier": {"1": ("一类户", "tier 1")}}``: a supervisor reads "上次评估 一类户",
    not the code "1"; a level without words is shown as it is. The level ``"<missing>"``
    words a missing value that means something (no previous tier: a first assessment)."""
    not_personal: tuple[str, ...] = ()
    """Feature names that look personal to the name guard but are not (declared false
    positives, e.g. ``"tel_exchange_distance"``)."""

    def __post_init__(self) -> None:
        self._check()

    # ----------------------------------------------------------------- derived
    @property
    def features(self) -> tuple[str, ...]:
        """All feature columns in model order: numeric, boolean, categorical."""
        return (*self.numeric, *self.boolean, *self.categorical)

    @property
    def prob_columns(self) -> tuple[str, ...]:
        """Output column names of the class probabilities (e.g. ``p_tier1``)."""
        if self.probability_columns:
            return self.probability_columns
        return tuple(f"p_{c}" for c in self.classes)

    @property
    def n_classes(self) -> int:
        """Number of target classes."""
        return len(self.classes)

    def top_class_names(self) -> tuple[str, str]:
        """(English, Chinese) name of the highest-risk class in metric texts
        (:func:`top_class_names`)."""
        return top_class_names(self.classes)

    def label(self, feature: str) -> tuple[str, str]:
        """(Chinese, English) label of ``feature``; the column name when none is given."""
        return tuple(self.labels.get(feature, (feature, feature)))  # type: ignore[return-value]

    # ------------------------------------------------------------- validation
    def _check(self) -> None:
        if len(self.classes) < 2:
            raise SpecError(
                f"目标须至少有 2 个类别 (target {self.target!r}: needs at least 2 classes, got "
                f"{list(self.classes)})"
            )
        if len(set(map(str, self.classes))) != len(self.classes):
            raise SpecError(
                f"目标类别重复 (target {self.target!r}: duplicate classes in {list(self.classes)})"
            )
        if not self.features:
            raise SpecError(
                "规格中没有特征列 (spec has no feature columns: [features] numeric / categorical "
                "/ boolean)"
            )
        seen: dict[str, str] = {}
        for kind, cols in (
            ("numeric", self.numeric),
            ("categorical", self.categorical),
            ("boolean", self.boolean),
        ):
            for c in cols:
                if c in seen:
                    where = (
                        f"twice in {kind}" if seen[c] == kind else f"as both {seen[c]} and {kind}"
                    )
                    raise SpecError(f"特征重复列出 (feature {c!r} is listed {where})")
                seen[c] = kind
        reserved = {self.id_column: "the id column", self.target: "the target"}
        if self.group_column:
            reserved[self.group_column] = "the group column"
        for c in (*self.audit_columns, *self.fairness_columns):
            if c in self.audit_columns:
                reserved[c] = "an audit-only column"
        # Every refused feature at once, so a spec is fixed in one pass.
        refused = [
            f"审计列、编号列或目标列不得作为特征 (feature {c!r} is {reserved[c]} and can "
            "never be a model input)"
            for c in self.features
            if c in reserved
        ]
        flagged = {
            c: hits
            for c in self.features
            if c not in reserved
            and (hits := personal_words(c))
            and (c not in self.not_personal or protected_words(c))
        }
        if flagged:
            refused.append(_personal_refusal(flagged))
        audited = {
            c: hits
            for c in dict.fromkeys((*self.audit_columns, *self.fairness_columns))
            if (hits := identifier_words(c)) and c not in self.not_personal
        }
        if audited:
            refused.append(_identifier_audit_refusal(audited))
        if refused:
            raise SpecError("\n".join(refused))
        for table, names, kind, allowed in (
            ("bounds", self.bounds, "numeric", self.numeric),
            ("labels", self.labels, "", self.features),
            ("levels", self.levels, "categorical", self.categorical),
            ("units", self.units, "numeric", self.numeric),
            ("level_labels", self.level_labels, "categorical", self.categorical),
        ):
            for c in names:
                if c not in allowed:
                    raise SpecError(
                        f"不是{_KIND_ZH[kind]}特征 ([{table}] names {c!r}, which is not a "
                        f"{kind + ' ' if kind else ''}feature{did_you_mean(c, allowed)})"
                    )
        for c, unit in self.units.items():
            if len(unit) not in (2, 3):
                raise SpecError(
                    f"[units] 格式有误 ([units] {c}: give [zh, en] or [zh, en singular, en plural])"
                )
        for c, words in self.level_labels.items():
            bad = [level for level, pair in words.items() if len(pair) != 2]
            if bad:
                raise SpecError(
                    f"[level_labels.{c}] 格式有误 ([level_labels.{c}] {', '.join(bad)}: give "
                    "[zh, en])"
                )
        declarable = (*self.features, *self.audit_columns, *self.fairness_columns)
        for c in self.not_personal:
            if c not in declarable:
                raise SpecError(
                    f"不是特征或审计列 (not_personal names {c!r}, which is not a feature or an "
                    f"audit column{did_you_mean(c, declarable)})"
                )
        if self.probability_columns and len(self.probability_columns) != len(self.classes):
            raise SpecError(
                "概率列数须与类别数相同 (probability_columns must have one name per class)"
            )

    def required_columns(self, *, training: bool) -> tuple[str, ...]:
        """Columns a table must have: id and features; for training also the target."""
        cols = [self.id_column, *self.features]
        if training:
            cols.append(self.target)
            if self.group_column:
                cols.append(self.group_column)
            # The fairness report needs its columns: a misspelt audit column must not
            # silently drop out of it.
            cols += [*self.audit_columns, *self.fairness_columns]
        return tuple(dict.fromkeys(cols))

    def check_columns(
        self, columns: Iterable[str], *, training: bool, source: str = "data"
    ) -> None:
        """Raise :class:`SpecError` naming every required column missing from ``columns``."""
        have = set(columns)
        missing = [c for c in self.required_columns(training=training) if c not in have]
        if missing:
            hints = "".join(  # a misspelling or two; not when the file is the wrong one
                f"; {c!r}{hint}"
                for c in (missing if len(missing) <= 3 else [])
                if (hint := did_you_mean(c, sorted(have)))
            )
            raise SpecError(
                f"{source}: 数据缺少规格中列出的列 (missing column(s) named by the spec: "
                f"{', '.join(missing)}{hints})"
            )

    def encode_target(
        self, values: pl.Series, *, source: str = "data", ids: pl.Series | None = None
    ) -> np.ndarray:
        """Class index (0 = highest risk) of each non-null target value.

        Raises :class:`SpecError` listing target values that are not among the spec's classes,
        how many rows hold them and the first of those rows (``ids``, else row numbers).
        """
        if values.dtype.is_float():  # integer classes read as float (NaN = no label)
            whole = values.fill_nan(None)
            if (whole.drop_nulls() == whole.drop_nulls().floor()).all():
                values = whole.cast(pl.Int64)
        as_str = values.cast(pl.String)
        index = {str(c): i for i, c in enumerate(self.classes)}
        distinct = as_str.drop_nulls().unique().sort()
        unknown = distinct.filter(~distinct.is_in(list(index)))
        if unknown.len():
            bad = as_str.is_in(unknown.implode()).fill_null(False)
            rows = bad.arg_true().head(3).to_list()
            first = listed(
                ids.gather(rows).to_list() if ids is not None else [row_place(i + 1) for i in rows]
            )
            # Said only of a value that is a class in other letter case (a tier 4 of the
            # households has no case to get wrong).
            folded = {k.casefold(): k for k in index}
            cased = [
                f"{v!r} is not {folded[v.casefold()]!r}"
                for v in unknown.to_list()
                if v.casefold() in folded
            ]
            case = f"; {', '.join(cased[:3])}: classes are case-sensitive" if cased else ""
            raise SpecError(
                f"{source}: 目标列取值不在规格的类别中 (target {self.target!r} has value(s) "
                f"{unknown.head(5).to_list()} not among the spec's classes "
                f"{list(self.classes)} in {bad.sum()} row(s), e.g. {first}{case})"
            )
        return as_str.replace_strict(index, return_dtype=pl.Int8).to_numpy()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (for MLflow artifacts); :func:`spec_from_dict` reads it back."""
        d = asdict(self)
        d["bounds"] = {k: list(v) for k, v in self.bounds.items()}
        d["labels"] = {k: list(v) for k, v in self.labels.items()}
        d["levels"] = {k: list(v) for k, v in self.levels.items()}
        d["units"] = {k: list(v) for k, v in self.units.items()}
        d["level_labels"] = {
            k: {level: list(pair) for level, pair in v.items()}
            for k, v in self.level_labels.items()
        }
        d["not_personal"] = list(self.not_personal)
        return d

    def without(self, features: Iterable[str]) -> FeatureSpec:
        """This spec minus ``features`` (and their bounds, labels, levels and units)."""
        drop = set(features)
        d = self.to_dict()
        for key in ("numeric", "categorical", "boolean", "not_personal"):
            d[key] = [c for c in d[key] if c not in drop]
        for key in ("bounds", "labels", "levels", "units", "level_labels"):
            d[key] = {k: v for k, v in d[key].items() if k not in drop}
        return spec_from_dict(d)


def _personal_refusal(flagged: Mapping[str, list[str]]) -> str:
    """The refusal of features named like personal data (``flagged``: each with what its
    name matched): ``not_personal`` offered for the names that may be false positives,
    ``audit_columns`` for the protected attributes, which no declaration admits."""
    matched = "; ".join(
        f"{c!r} (matched {', '.join(repr(h) for h in hits)})" for c, hits in flagged.items()
    )
    one = len(flagged) == 1
    declarable = [c for c in flagged if not protected_words(c)]
    protected = [c for c in flagged if protected_words(c)]
    text = "列名疑似个人身份信息或受保护属性, 不得作为特征 (" + (
        f"feature {matched} looks like a personal identifier or protected attribute (name, "
        "ID card, phone, address, ethnicity, gender …) and can never be a model input"
        if one
        else f"features {matched} look like personal identifiers or protected attributes "
        "(name, ID card, phone, address, ethnicity, gender …) and can never be model inputs"
    )
    if declarable:
        text += "; if it is neither, declare it: " if one else "; declare any that is neither: "
        text += "not_personal = [" + ", ".join(f'"{c}"' for c in declarable) + "]"
    if protected:
        many = len(protected) > 1
        text += (
            f"; {', '.join(map(repr, protected))} "
            + ("name protected attributes" if many else "names a protected attribute")
            + f", which not_personal cannot admit: list {'them' if many else 'it'} in "
            "audit_columns for the fairness report"
        )
    return text + ")"


def _identifier_audit_refusal(flagged: Mapping[str, list[str]]) -> str:
    """The refusal of audit or fairness columns named like personal identifiers (``flagged``:
    each with what its name matched)."""
    matched = "; ".join(
        f"{c!r} (matched {', '.join(repr(h) for h in hits)})" for c, hits in flagged.items()
    )
    one = len(flagged) == 1
    return (
        "审计列疑似个人身份信息, 公平性报告会列出其每个取值 ("
        + (
            f"audit column {matched} looks like a personal identifier"
            if one
            else f"audit columns {matched} look like personal identifiers"
        )
        + " (name, ID card, phone, address): the fairness report "
        "lists every value of an audit column as a group, in MLflow and on the model page, so "
        "it would publish them; audit columns are protected attributes (ethnicity, gender) or "
        "places (county_id); if "
        + ("it is neither, declare it" if one else "any is neither, declare it")
        + ": not_personal = ["
        + ", ".join(f'"{c}"' for c in flagged)
        + "])"
    )


def _level_words(feature: str, level: object, pair: Any) -> tuple[str, str]:
    """A ``[level_labels]`` entry as (Chinese, English); refused unless it is two words."""
    words = [pair] if isinstance(pair, str) else list(pair)
    if len(words) != 2:
        raise SpecError(
            f"[level_labels.{feature}] 格式有误 ([level_labels.{feature}] {level}: give [zh, en])"
        )
    return str(words[0]), str(words[1])


def spec_from_dict(raw: Mapping[str, Any], source: str = "<spec>") -> FeatureSpec:
    """Build a spec from a flat dict (the form written by :meth:`FeatureSpec.to_dict`)."""
    try:
        return FeatureSpec(
            id_column=str(raw["id_column"]),
            target=str(raw["target"]),
            classes=tuple(raw["classes"]),
            numeric=tuple(raw.get("numeric", ())),
            categorical=tuple(raw.get("categorical", ())),
            boolean=tuple(raw.get("boolean", ())),
            group_column=raw.get("group_column"),
            audit_columns=tuple(raw.get("audit_columns", ())),
            fairness_columns=tuple(raw.get("fairness_columns", ())),
            bounds={k: (v[0], v[1]) for k, v in raw.get("bounds", {}).items()},
            labels={k: (v[0], v[1]) for k, v in raw.get("labels", {}).items()},
            probability_columns=tuple(raw.get("probability_columns", ())),
            levels={k: tuple(str(x) for x in v) for k, v in raw.get("levels", {}).items()},
            units={k: tuple(str(x) for x in v) for k, v in raw.get("units", {}).items()},
            level_labels={
                k: {str(level): _level_words(k, level, pair) for level, pair in v.items()}
                for k, v in raw.get("level_labels", {}).items()
            },
            not_personal=tuple(raw.get("not_personal", ())),
        )
    except SpecError as exc:
        raise SpecError(f"{source}: {exc}") from None
    except KeyError as exc:
        raise SpecError(
            f"{source}: 规格文件缺少必填项 (missing required key {exc.args[0]!r})"
        ) from None
    except (TypeError, ValueError, IndexError) as exc:
        raise SpecError(f"{source}: 规格文件取值有误 (malformed value: {exc})") from None


_TOP_KEYS = (
    "id_column",
    "group_column",
    "audit_columns",
    "fairness_columns",
    "target",
    "features",
    "bounds",
    "labels",
    "levels",
    "units",
    "level_labels",
    "not_personal",
)
_TARGET_KEYS = ("column", "classes", "probability_columns")
_FEATURE_KEYS = ("numeric", "categorical", "boolean")


def parse_spec(text: str, source: str = "<spec>") -> FeatureSpec:
    """Parse spec TOML text (format in the module docstring)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{source}: {_toml_problem(exc, text)}") from None
    # The top level's unknown keys first: a misspelt table (``[feature]``, ``[targets]``) is
    # named with the closest valid name, not reported as a missing [features] table.
    _refuse_unknown_keys(source, [("top level", raw, _TOP_KEYS)])
    target = raw.get("target")
    features = raw.get("features")
    if not isinstance(target, dict) or "column" not in target or "classes" not in target:
        raise SpecError(
            f"{source}: 规格文件缺少 [target] 表 (needs a [target] table with `column` and "
            "`classes`)"
        )
    if not isinstance(features, dict):
        raise SpecError(
            f"{source}: 规格文件缺少 [features] 表 (needs a [features] table: numeric / "
            "categorical / boolean)"
        )
    _refuse_unknown_keys(
        source, [("[target]", target, _TARGET_KEYS), ("[features]", features, _FEATURE_KEYS)]
    )
    flat = {
        "id_column": raw.get("id_column"),
        "target": target["column"],
        "classes": target["classes"],
        "probability_columns": target.get("probability_columns", ()),
        "numeric": features.get("numeric", ()),
        "categorical": features.get("categorical", ()),
        "boolean": features.get("boolean", ()),
        "group_column": raw.get("group_column"),
        "audit_columns": raw.get("audit_columns", ()),
        "fairness_columns": raw.get("fairness_columns", raw.get("audit_columns", ())),
        "bounds": raw.get("bounds", {}),
        "labels": raw.get("labels", {}),
        "levels": raw.get("levels", {}),
        "units": raw.get("units", {}),
        "level_labels": raw.get("level_labels", {}),
        "not_personal": raw.get("not_personal", ()),
    }
    if flat["id_column"] is None:
        raise SpecError(f"{source}: 规格文件缺少必填项 (missing required key 'id_column')")
    return spec_from_dict(flat, source)


def _refuse_unknown_keys(
    source: str, tables: list[tuple[str, Mapping[str, Any], tuple[str, ...]]]
) -> None:
    """Refuse every key of ``tables`` (where, table, its valid keys) that is not a valid one,
    each with the closest valid name: a typo must not silently drop a setting."""
    unknown = [
        f"{where}: unknown key {key!r}{did_you_mean(key, known)}"
        for where, table, known in tables
        for key in table
        if key not in known
    ]
    if unknown:
        raise SpecError(f"{source}: 规格文件中有未知的键 (" + "; ".join(unknown) + ")")


def _toml_problem(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """Where the spec's TOML breaks, Chinese first (as the policy file's), and the usual cause
    in a survey's spec: a Chinese column name as a bare key (``年龄 = [0, 120]``), which TOML
    allows only quoted (``"年龄" = [0, 120]``)."""
    at = re.search(r"at line (\d+), column (\d+)", str(exc))
    where = f", 第 {at[1]} 行第 {at[2]} 列" if at else ""
    hint = ""
    if at and 0 < int(at[1]) <= len(lines := text.splitlines()):
        key = lines[int(at[1]) - 1].split("=")[0].strip()
        if key and not key.isascii() and not key.startswith(('"', "'")):
            hint = (
                f"; 中文列名作键须加引号 / a Chinese column name as a key must be quoted: "
                f'"{key}" = ...'
            )
    return f"TOML 格式错误{where} (TOML syntax error: {exc}{hint})"


def load_spec(path: Path) -> FeatureSpec:
    """Read and validate a spec TOML file."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise SpecError(
            f"{path}: 无法读取规格文件 (cannot read spec file: {exc.strerror})"
        ) from None
    return parse_spec(text, str(path))


_HOUSEHOLD_LABELS: dict[str, tuple[str, str]] = {
    "members": ("家庭人口", "household members"),
    "elderly_65plus": ("65岁以上老人数", "elderly 65+"),
    "children_under16": ("16岁以下儿童数", "children under 16"),
    "left_behind_children": ("留守儿童数", "left-behind children"),
    "disabled_members": ("残疾成员数", "disabled members"),
    "serious_illness_members": ("重病成员数", "seriously ill members"),
    "migrant_workers": ("外出务工人数", "migrant workers"),
    "disputes_12m": ("近12月矛盾纠纷", "disputes (12 m)"),
    "hotline_requests_12m": ("近12月接诉即办诉求", "hotline requests (12 m)"),
    "petitions_12m": ("近12月信访", "petitions (12 m)"),
    "road_km_to_village_center": ("距村委会路程", "road distance to village centre"),
    "village_points": ("村规民约积分", "village points"),
    "last_visit_days": ("距上次走访天数", "days since last visit"),
    "elderly_living_alone": ("独居老人", "elderly living alone"),
    "low_income_allowance": ("低保户", "low-income allowance"),
    "poverty_relapse_watch": ("防返贫监测户", "poverty-relapse watch"),
    "housing_safety_grade": ("住房安全等级", "housing safety grade"),
    "hazard_exposure": ("灾害风险", "hazard exposure"),
    "previous_tier": ("上次评估", "previous assessment"),
}

# The words of the categorical levels in reasons: the tiers by their names (一类户 tier 1, never
# the code "1"), the hazards and housing grades in Chinese too.
_HOUSEHOLD_LEVEL_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "previous_tier": {
        "<missing>": ("无 (首次评估)", "none (first assessment)"),
        "1": ("一类户", "tier 1"),
        "2": ("二类户", "tier 2"),
        "3": ("三类户", "tier 3"),
    },
    "hazard_exposure": {
        "none": ("无", "none"),
        "drought": ("干旱", "drought"),
        "landslide": ("滑坡", "landslide"),
        "flood": ("洪涝", "flood"),
    },
    "housing_safety_grade": {g: (f"{g}级", g) for g in ("A", "B", "C", "D")},
}

_PEOPLE = ("人", "person", "people")
_HOUSEHOLD_UNITS: dict[str, tuple[str, ...]] = {
    "members": _PEOPLE,
    "elderly_65plus": _PEOPLE,
    "children_under16": _PEOPLE,
    "left_behind_children": _PEOPLE,
    "disabled_members": _PEOPLE,
    "serious_illness_members": _PEOPLE,
    "migrant_workers": _PEOPLE,
    "disputes_12m": ("起", "dispute", "disputes"),
    "hotline_requests_12m": ("次", "request", "requests"),
    "petitions_12m": ("次", "petition", "petitions"),
    "road_km_to_village_center": ("公里", "km"),
    "village_points": ("分", "point", "points"),
    "last_visit_days": ("天", "day", "days"),
}

_COUNT_COLUMNS = (
    "elderly_65plus",
    "children_under16",
    "left_behind_children",
    "disabled_members",
    "serious_illness_members",
    "migrant_workers",
    "disputes_12m",
    "hotline_requests_12m",
    "petitions_12m",
)


def household_spec() -> FeatureSpec:
    """The built-in spec of the synthetic households (docs/architecture.md, "Data contracts").

    Not features: ids and area codes, coordinates (a home's location is quasi-identifying and
    not needed), ``head_ethnicity`` / ``head_gender`` (audit only). ``previous_tier`` is a
    categorical feature whose missing value (no earlier assessment) is a level of its own.
    """
    bounds: dict[str, tuple[float | None, float | None]] = {c: (0, 50) for c in _COUNT_COLUMNS}
    bounds |= {
        "members": (1, 50),
        "road_km_to_village_center": (0, 200),
        "village_points": (0, 100),
        "last_visit_days": (0, 3650),
    }
    return FeatureSpec(
        id_column="household_id",
        target="assessed_tier",
        classes=(1, 2, 3),
        probability_columns=("p_tier1", "p_tier2", "p_tier3"),
        numeric=(
            "members",
            *_COUNT_COLUMNS,
            "road_km_to_village_center",
            "village_points",
            "last_visit_days",
        ),
        boolean=("elderly_living_alone", "low_income_allowance", "poverty_relapse_watch"),
        categorical=("housing_safety_grade", "hazard_exposure", "previous_tier"),
        group_column="village_id",
        audit_columns=("head_ethnicity", "head_gender"),
        fairness_columns=("head_ethnicity", "head_gender", "county_id"),
        bounds=bounds,
        labels=_HOUSEHOLD_LABELS,
        units=_HOUSEHOLD_UNITS,
        level_labels=_HOUSEHOLD_LEVEL_LABELS,
        levels={
            "housing_safety_grade": ("A", "B", "C", "D"),
            "hazard_exposure": ("none", "drought", "landslide", "flood"),
            "previous_tier": ("1", "2", "3"),
        },
    )

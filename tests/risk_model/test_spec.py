"""Feature spec: parsing, validation, forbidden features, target encoding."""

from __future__ import annotations

import polars as pl
import pytest

from risk_model.errors import SpecError
from risk_model.spec import (
    household_spec,
    parse_spec,
    personal_words,
    protected_words,
    row_place,
    spec_from_dict,
)
from tests.risk_model.helpers import TOY_SPEC


def test_toy_spec_parses(toy_spec) -> None:  # type: ignore[no-untyped-def]
    assert toy_spec.features == ("age", "visits", "smoker", "region")
    assert toy_spec.classes == ("high", "medium", "low")
    assert toy_spec.prob_columns == ("p_high", "p_medium", "p_low")
    assert toy_spec.label("smoker") == ("吸烟", "smoker")
    assert toy_spec.label("age") == ("age", "age")


def test_round_trip_through_dict(toy_spec) -> None:  # type: ignore[no-untyped-def]
    assert spec_from_dict(toy_spec.to_dict()) == toy_spec


def test_household_spec_never_uses_audit_or_identifier_columns() -> None:
    spec = household_spec()
    for col in (
        "household_id",
        "head_ethnicity",
        "head_gender",
        "assessed_tier",
        "village_id",
        "lon",
        "lat",
    ):
        assert col not in spec.features
    assert spec.prob_columns == ("p_tier1", "p_tier2", "p_tier3")


@pytest.mark.parametrize(
    "feature", ["head_ethnicity", "head_gender", "full_name", "id_card", "phone_number", "姓名"]
)
def test_identifier_like_feature_is_refused(feature: str) -> None:
    text = TOY_SPEC.replace('categorical = ["region"]', f'categorical = ["region", "{feature}"]')
    with pytest.raises(SpecError, match="never be a model input"):
        parse_spec(text)


def test_audit_column_as_feature_is_refused() -> None:
    text = TOY_SPEC.replace('audit_columns = ["sex"]', 'audit_columns = ["visits"]')
    with pytest.raises(SpecError, match="'visits' is an audit-only column"):
        parse_spec(text)


def test_missing_column_is_a_clear_error(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    msg = r"clinic\.csv: 数据缺少规格中列出的列 \(missing column\(s\) named by the spec: visits\)$"
    with pytest.raises(SpecError, match=msg):
        toy_spec.check_columns(toy_frame.drop("visits").columns, training=True, source="clinic.csv")


def test_unknown_target_class_is_a_clear_error(toy_spec) -> None:  # type: ignore[no-untyped-def]
    values = pl.Series(["high", "low", "critical", None])
    with pytest.raises(SpecError, match=r"\['critical'\] not among the spec's classes"):
        toy_spec.encode_target(values)
    with pytest.raises(SpecError) as refused:  # no ids given: the row, Chinese first
        toy_spec.encode_target(values)
    assert "e.g. 第 3 行 row 3" in str(refused.value)


def test_a_row_is_named_as_the_contracts_name_it() -> None:
    """risk_model may not import visit_planner, so it words a program row itself: the same
    words as the contracts' reader (``第 6 行 row 6``)."""
    from visit_planner.contracts.reader import row_place as contracts_row_place

    assert row_place(6) == contracts_row_place(6) == "第 6 行 row 6"


def test_target_encoding_is_class_order(toy_spec) -> None:  # type: ignore[no-untyped-def]
    out = toy_spec.encode_target(pl.Series(["low", "high", "medium"]))
    assert out.tolist() == [2, 0, 1]


def test_integer_classes_match_integer_targets() -> None:
    spec = household_spec()
    assert spec.encode_target(pl.Series([3, 1, 2], dtype=pl.Int8)).tolist() == [2, 0, 1]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('classes = ["high", "medium", "low"]', 'classes = ["high"]', "at least 2 classes"),
        ("[features]", "[featurez]", r"unknown key 'featurez' .*did you mean 'features'"),
        ("[target]", "[targets]", r"unknown key 'targets' .*did you mean 'target'"),
        ("[features]", "", r"needs a \[features\] table"),
        ("age = [0, 120]", "smoker = [0, 1]", "not a numeric feature"),
        ('id_column = "patient_id"', 'id_column = "patient_id"\ncolour = 1', "unknown key"),
        (
            'numeric = ["age", "visits"]',
            'numeric = ["age", "region"]',
            "both numeric and categorical",
        ),
        ('numeric = ["age", "visits"]', 'numeric = ["age", "visits", "age"]', "twice in numeric"),
    ],
)
def test_bad_specs_are_refused(old: str, new: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec(TOY_SPEC.replace(old, new))


def test_invalid_toml_names_the_source() -> None:
    with pytest.raises(SpecError, match=r"^my\.toml: TOML 格式错误 \(TOML syntax error"):
        parse_spec("id_column = ", "my.toml")


def test_a_bare_chinese_key_is_named_with_the_quoted_form() -> None:
    """A survey's spec with ``年龄 = [...]`` under [units] was refused as 'not valid TOML:
    Invalid statement (at line 15, column 1)', in English alone and without the cause."""
    text = TOY_SPEC.replace("age", "年龄").replace("年龄 = [0, 120]", '"年龄" = [0, 120]')
    with pytest.raises(SpecError) as err:
        parse_spec(text + '\n[units]\n年龄 = ["岁", "year", "years"]\n', "survey.toml")
    msg = str(err.value)
    assert msg.startswith("survey.toml: TOML 格式错误, 第 ")
    assert msg.endswith(
        '; 中文列名作键须加引号 / a Chinese column name as a key must be quoted: "年龄" = ...)'
    )
    spec = parse_spec(text + '\n[units]\n"年龄" = ["岁", "year", "years"]\n')
    assert spec.units["年龄"] == ("岁", "year", "years")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('id_column = "a"\n[features]\nnumeric = ["x"]\n', "规格文件缺少 [target] 表 (needs"),
        (
            'id_column = "a"\n[target]\ncolumn = "y"\nclasses = [1, 2]\n',
            "规格文件缺少 [features] 表",
        ),
        (
            '[target]\ncolumn = "y"\nclasses = [1, 2]\n[features]\nnumeric = ["x"]\n',
            "规格文件缺少必填项",
        ),
        (
            'id_column = "a"\n[target]\ncolumn = "y"\nclasses = [1]\n[features]\nnumeric = ["x"]\n',
            "目标须至少有 2 个类别 (target 'y': needs at least 2 classes, got [1])",
        ),
        (
            'id_column = "a"\n[target]\ncolumn = "y"\nclasses = [1, 2]\n[features]\n',
            "规格中没有特征列",
        ),
    ],
)
def test_spec_refusals_are_chinese_first(text: str, message: str) -> None:
    with pytest.raises(SpecError) as err:
        parse_spec(text, "s.toml")
    assert str(err.value).startswith(f"s.toml: {message}")


def test_float_coded_integer_classes_are_accepted() -> None:
    spec = household_spec()
    values = pl.Series([1.0, float("nan"), 3.0, None])
    assert spec.encode_target(values).tolist()[0] == 0


def test_declared_levels_let_a_model_score_a_level_its_training_rows_lacked() -> None:
    import polars as pl

    from risk_model.features import TabularEncoder

    spec = household_spec()
    assert spec.levels["hazard_exposure"] == ("none", "drought", "landslide", "flood")
    assert spec_from_dict(spec.to_dict()) == spec
    enc = TabularEncoder(
        categorical=("hazard",), levels=(("hazard", ("none", "flood", "landslide")),)
    ).fit(pl.DataFrame({"hazard": ["none", "flood"]}))
    assert enc.categories_["hazard"] == ["flood", "landslide", "none"]
    out = enc.transform(pl.DataFrame({"hazard": ["landslide"]}))
    assert out.tolist() == [[1.0]]


def test_level_labels_name_a_categorical_features_levels_in_both_languages() -> None:
    spec = household_spec()
    assert spec.level_labels["previous_tier"]["1"] == ("一类户", "tier 1")
    assert spec_from_dict(spec.to_dict()) == spec
    assert "previous_tier" not in spec.without(["previous_tier"]).level_labels
    with pytest.raises(SpecError, match=r"\[level_labels\] names 'members'"):
        spec_from_dict({**spec.to_dict(), "level_labels": {"members": {"1": ["一", "one"]}}})
    with pytest.raises(SpecError, match=r"\[level_labels.previous_tier\] 1: give \[zh, en\]"):
        spec_from_dict({**spec.to_dict(), "level_labels": {"previous_tier": {"1": "一类户"}}})
    toml = (
        'id_column = "id"\n[target]\ncolumn = "y"\nclasses = [1, 2]\n'
        '[features]\ncategorical = ["region"]\n'
        '[level_labels.region]\nnorth = ["北区", "north"]\n'
    )
    assert parse_spec(toml).level_labels == {"region": {"north": ("北区", "north")}}


def test_levels_must_name_a_categorical_feature() -> None:
    with pytest.raises(SpecError, match=r"\[levels\] names 'members'"):
        spec_from_dict({**household_spec().to_dict(), "levels": {"members": ["1"]}})


@pytest.mark.parametrize(
    "feature",
    [
        "male",
        "female",
        "mobilephone",
        "is_male",
        "phone_no",
        "idCard",
        "id_number",
        "headFemale",
        "cellphone_count",
        "户主姓名",
        "性别",
        "民族",
        "身份证号",
        "手机号码",
        "联系电话",
    ],
)
def test_personal_names_are_found_as_words_inside_a_name(feature: str) -> None:
    with pytest.raises(SpecError, match="looks like a personal identifier"):
        parse_spec(TOY_SPEC.replace('boolean = ["smoker"]', f'boolean = ["smoker", "{feature}"]'))


@pytest.mark.parametrize(
    "feature", ["members", "hotel_km", "sussex_region", "village_points", "hazard_exposure"]
)
def test_ordinary_names_pass_the_guard(feature: str) -> None:
    assert personal_words(feature) == []


def test_a_false_positive_is_declared_in_the_spec() -> None:
    text = TOY_SPEC.replace('boolean = ["smoker"]', 'boolean = ["smoker", "namesake_flag"]')
    with pytest.raises(SpecError, match=r"not_personal = \[\"namesake_flag\"\]"):
        parse_spec(text)
    spec = parse_spec('not_personal = ["namesake_flag"]\n' + text)
    assert "namesake_flag" in spec.features
    assert spec_from_dict(spec.to_dict()) == spec
    with pytest.raises(SpecError, match="not_personal names 'nope'"):
        parse_spec('not_personal = ["nope"]\n' + TOY_SPEC)


def test_units_are_checked_and_the_household_spec_gives_them() -> None:
    assert household_spec().units["serious_illness_members"] == ("人", "person", "people")
    with pytest.raises(SpecError, match=r"\[units\] names 'smoker'"):
        parse_spec(TOY_SPEC + '\n[units]\nsmoker = ["个", "unit"]\n')
    spec = parse_spec(TOY_SPEC + '\n[units]\nvisits = ["次", "visit", "visits"]\n')
    assert spec.units["visits"] == ("次", "visit", "visits")


@pytest.mark.parametrize(
    "feature",
    [
        "nationality",
        "族别",
        "minzu",
        "xingbie",
        "sfzh",
        "shenfenzheng",
        "hukou_no",
        "card_no",
        "cardNumber",
        "户籍号",
        "户口本号",
        "家庭住址",
        "address",
        "wechat_id",
    ],
)
def test_survey_export_names_of_protected_attributes_and_identifiers_are_refused(
    feature: str,
) -> None:
    """Tester's defect 3: ethnicity copied as ``nationality`` / ``族别`` / ``minzu`` got in."""
    assert personal_words(feature)
    with pytest.raises(SpecError, match="looks like a personal identifier"):
        parse_spec(
            TOY_SPEC.replace('categorical = ["region"]', f'categorical = ["region", "{feature}"]')
        )


def test_every_offending_feature_is_reported_at_once() -> None:
    text = TOY_SPEC.replace(
        'categorical = ["region"]', 'categorical = ["region", "身份证号", "id_card", "phone"]'
    )
    with pytest.raises(SpecError) as err:
        parse_spec(text, "ids.toml")
    msg = str(err.value)
    assert msg.startswith("ids.toml: 列名疑似个人身份信息或受保护属性, 不得作为特征 (features ")
    for name in ("身份证号", "id_card", "phone"):
        assert repr(name) in msg
    assert 'not_personal = ["身份证号", "id_card", "phone"]' in msg


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'boolean = ["smoker"]',
            'boolen = ["smoker"]',
            r"规格文件中有未知的键 \(\[features\]: unknown key 'boolen' "
            r"\(是否应为 'boolean'\? / did you mean",
        ),
        (
            'numeric = ["age", "visits"]',
            'numerc = ["age", "visits"]',
            r"规格文件中有未知的键 \(\[features\]: unknown key 'numerc' \(是否应为 'numeric'\?",
        ),
        (
            'column = "severity"',
            'column = "severity"\nprobability_colums = ["a", "b", "c"]',
            r"规格文件中有未知的键 \(\[target\]: unknown key 'probability_colums' \(是否应为 "
            r"'probability_columns'\? / did you mean 'probability_columns'\?\)\)$",
        ),
        (
            'smoker = ["吸烟", "smoker"]',
            'smokr = ["吸烟", "smoker"]',
            r"不是特征 \(\[labels\] names 'smokr', which is not a feature \(是否应为 'smoker'\?",
        ),
        (
            "age = [0, 120]",
            "aeg = [0, 120]",
            r"不是数值特征 \(\[bounds\] names 'aeg', which is not a numeric feature "
            r"\(是否应为 'age'",
        ),
    ],
)
def test_typos_inside_the_spec_tables_are_refused_with_a_suggestion(
    old: str, new: str, message: str
) -> None:
    """Tester's defect 4: only unknown top-level keys were refused; a typo inside a table was
    silently ignored (a label, a boolean feature, the probability columns)."""
    assert old in TOY_SPEC
    with pytest.raises(SpecError, match=r"^typo\.toml: " + message):
        parse_spec(TOY_SPEC.replace(old, new), "typo.toml")


def test_audit_columns_are_required_in_training_data(toy_spec, toy_frame) -> None:  # type: ignore[no-untyped-def]
    """A misspelt audit column must not silently drop out of the fairness report."""
    with pytest.raises(
        SpecError,
        match=r"clinic\.csv: 数据缺少规格中列出的列 \(missing column\(s\) named by the spec: sex",
    ):
        toy_spec.check_columns(toy_frame.drop("sex").columns, training=True, source="clinic.csv")
    toy_spec.check_columns(toy_frame.drop("sex", "severity").columns, training=False)


def test_a_spec_error_names_the_spec_file() -> None:
    text = TOY_SPEC.replace('audit_columns = ["sex"]', 'audit_columns = ["visits"]')
    with pytest.raises(
        SpecError,
        match=r"^gender\.toml: 审计列、编号列或目标列不得作为特征 "
        r"\(feature 'visits' is an audit-only",
    ):
        parse_spec(text, "gender.toml")


def test_unknown_target_value_names_count_and_rows(toy_spec) -> None:  # type: ignore[no-untyped-def]
    values = pl.Series(["high", "High", "low", "High"])
    ids = pl.Series(["P1", "P2", "P3", "P4"])
    with pytest.raises(
        SpecError, match=r"x\.csv: .*\['High'\] not among .* in 2 row\(s\), e\.g\. P2, P4;"
    ):
        toy_spec.encode_target(values, source="x.csv", ids=ids)


@pytest.mark.parametrize(
    "feature", ["民族", "户主性别", "ethnicity", "is_male", "headFemale", "minzu"]
)
def test_not_personal_cannot_admit_a_protected_attribute(feature: str) -> None:
    """A survey's 民族 / 性别 columns got into the model by being declared not_personal, as
    the refusal itself advised: a protected attribute named outright is no false positive."""
    text = TOY_SPEC.replace('categorical = ["region"]', f'categorical = ["region", "{feature}"]')
    with pytest.raises(SpecError) as err:
        parse_spec(f'not_personal = ["{feature}"]\n' + text, "survey.toml")
    msg = str(err.value)
    assert msg.startswith("survey.toml: 列名疑似个人身份信息或受保护属性, 不得作为特征 (feature ")
    assert msg.endswith(
        f"; {feature!r} names a protected attribute, which not_personal cannot admit: list it "
        "in audit_columns for the fairness report)"
    )
    assert "not_personal = [" not in msg  # never advised
    assert protected_words(feature)


@pytest.mark.parametrize(
    "feature",
    ["性  别", "民\u3000族", "性別", "族群", "女户主", "是否女户主", "XB", "hz_mz"],
)
def test_survey_forms_variants_of_protected_attributes_are_refused_whatever_declared(
    feature: str,
) -> None:
    """A form's padded label (性  别, 民　族 with an ideographic space), the traditional 性別,
    族群, a female-headed household flag and the pinyin initials of database exports (XB 性别,
    MZ 民族) became model features, declared or not: none matched the guard."""
    assert protected_words(feature)
    text = TOY_SPEC.replace('categorical = ["region"]', f'categorical = ["region", "{feature}"]')
    for spec_text in (text, f'not_personal = ["{feature}"]\n' + text):
        with pytest.raises(SpecError, match="names a protected attribute, which not_personal"):
            parse_spec(spec_text, "survey.toml")


@pytest.mark.parametrize("feature", ["姓  名", "身份證號", "聯繫電話", "戶籍號"])
def test_padded_and_traditional_identifier_names_are_refused(feature: str) -> None:
    assert personal_words(feature) and not protected_words(feature)
    with pytest.raises(SpecError, match="looks like a personal identifier"):
        parse_spec(
            TOY_SPEC.replace('categorical = ["region"]', f'categorical = ["region", "{feature}"]')
        )


@pytest.mark.parametrize("feature", ["留守妇女", "xbox_count", "mzh_points", "团结村"])
def test_names_near_the_new_terms_still_pass(feature: str) -> None:
    """Left-behind women (留守妇女) are a vulnerability of their own, not a gender column."""
    assert personal_words(feature) == []


def test_the_refusal_offers_not_personal_only_for_possible_false_positives() -> None:
    text = TOY_SPEC.replace(
        'categorical = ["region"]', 'categorical = ["region", "性别", "tamale_sales"]'
    )
    with pytest.raises(SpecError) as err:
        parse_spec(text)
    msg = str(err.value)
    assert 'declare any that is neither: not_personal = ["tamale_sales"];' in msg
    assert "'性别' names a protected attribute" in msg
    assert protected_words("tamale_sales") == []  # only ends with "male": declarable
    spec = parse_spec(
        'not_personal = ["tamale_sales"]\n'
        + TOY_SPEC.replace('categorical = ["region"]', 'categorical = ["region", "tamale_sales"]')
    )
    assert "tamale_sales" in spec.features


def test_a_versions_recall_is_named_by_its_logged_classes() -> None:
    """``models`` and the dashboard name each registered version's recall by the classes
    training logged: the household tiers' for the households model and for a version that
    logged none readable, a spec table's own highest-risk class otherwise."""
    from risk_model.spec import logged_top_class_names

    assert logged_top_class_names({"classes": "[1, 2, 3]"}) == ("tier-1", "一类户")
    assert logged_top_class_names({"classes": '["high", "low"]'}) == (
        "class 'high'",
        "类别“high”",
    )
    for params in ({}, {"classes": "not json"}, {"classes": "[]"}, {"classes": '"high"'}):
        assert logged_top_class_names(params) == ("tier-1", "一类户"), params


@pytest.mark.parametrize(
    "feature",
    [
        "ｇｅｎｄｅｒ",
        "ＥＴＨＮＩＣＩＴＹ",
        "民\u200b族",
        "性\u200d别",
        "mínzú",
        "HEADGENDER",
        "isfemale",
    ],
)
def test_disguised_protected_attributes_are_refused_whatever_declared(feature: str) -> None:
    """Typed in full-width letters (a Chinese input method's full-width mode), with a
    zero-width character inside, with tone marks, or run together in capitals, gender and
    ethnicity passed the guard (the first five matched nothing) or were admitted by
    not_personal (HEADGENDER, isfemale only ended with a protected word)."""
    assert protected_words(feature)
    text = TOY_SPEC.replace('categorical = ["region"]', f'categorical = ["region", "{feature}"]')
    for spec_text in (text, f'not_personal = ["{feature}"]\n' + text):
        with pytest.raises(SpecError, match="names a protected attribute, which not_personal"):
            parse_spec(spec_text, "survey.toml")
    assert personal_words("ＩＤ_ｃａｒｄ") == ["id_card"]  # a full-width identifier too


@pytest.mark.parametrize("column", ["户主姓名", "id_card", "phone", "身份证号"])
def test_an_audit_column_named_like_an_identifier_is_refused(column: str) -> None:
    """audit_columns = ["户主姓名", "id_card"] trained: the fairness report made every
    household's name and ID-card number a group of its own, written whole into MLflow's
    fairness.csv and the model card (3,700 rows on a 10,000-household survey)."""
    for key in ("audit_columns", "fairness_columns"):
        text = TOY_SPEC.replace(f'{key} = ["sex"', f'{key} = ["{column}", "sex"')
        with pytest.raises(SpecError) as err:
            parse_spec(text, "survey.toml")
        msg = str(err.value)
        assert msg.startswith("survey.toml: 审计列疑似个人身份信息, 公平性报告会列出其每个取值 (")
        assert f"audit column {column!r} (matched" in msg
        assert f'not_personal = ["{column}"]' in msg


def test_a_place_or_protected_audit_column_passes_and_a_false_positive_is_declared() -> None:
    spec = household_spec()
    assert {"head_ethnicity", "head_gender", "county_id"} <= set(spec.fairness_columns)
    text = TOY_SPEC.replace('fairness_columns = ["sex"', 'fairness_columns = ["county_name", "sex"')
    with pytest.raises(SpecError, match=r'not_personal = \["county_name"\]'):
        parse_spec(text)
    spec = parse_spec('not_personal = ["county_name"]\n' + text)
    assert spec.fairness_columns == ("county_name", "sex", "region")
    assert "county_name" not in spec.features
    assert spec_from_dict(spec.to_dict()) == spec

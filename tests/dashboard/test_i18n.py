"""dashboard.i18n: how an account's jurisdiction and places are named, and that every label
a page shows (choices, what-if results, overrides) reads in the page's one language."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from dashboard import auth, i18n
from visit_planner.contracts.places import forget_places, remember_places
from visit_planner.whatif import Changes, NewWorker


@pytest.fixture
def places() -> Iterator[None]:
    remember_places(
        pl.DataFrame(
            {
                "code": ["532626001"],
                "level": ["township"],
                "name_zh": ["锦屏镇"],
                "name_en": ["Jinping"],
            }
        )
    )
    yield
    forget_places()


def test_a_township_scope_is_named_by_its_township_not_only_its_county(places: None) -> None:
    # A township-scoped supervisor's sidebar said "乡镇 532626001（丘北县）": the county's name.
    # Then code first ("532626001（锦屏镇 · 丘北县）"): now name first, as the CLI writes places.
    assert i18n.scope("township", "532626001", "zh") == "乡镇 锦屏镇 · 丘北县 (532626001)"
    assert i18n.scope("township", "532626001", "en") == "township Jinping · Qiubei (532626001)"
    assert i18n.scope("county", "532626", "zh") == "丘北县 (532626)"
    assert i18n.scope("county", "532626", "en") == "Qiubei (532626)"
    assert i18n.scope("prefecture", None, "en") == "the prefecture"
    assert i18n.township("532626001", "zh") == "锦屏镇 · 丘北县 (532626001)"


def test_without_place_names_a_township_scope_keeps_its_code_and_county() -> None:
    assert i18n.scope("township", "532626001", "zh") == "乡镇 丘北县 (532626001)"
    assert i18n.township("532699001", "en") == "532699001"  # no county either: the code


# --------------------------------------------------------------------------- places by name


@pytest.fixture
def villages() -> Iterator[None]:
    remember_places(
        pl.DataFrame(
            {
                "code": ["532601001", "532601001001"],
                "level": ["township", "village"],
                "name_zh": ["开化街道", "茶寨村"],
                "name_en": [None, "Chazhai"],
            }
        )
    )
    yield
    forget_places()


def test_a_place_reads_by_name_and_code_in_each_language(villages: None) -> None:
    assert i18n.place("532601001001", "zh") == "茶寨村 (532601001001)"
    assert i18n.place("532601001001", "en") == "Chazhai (532601001001)"
    assert i18n.place("532601001", "en") == "开化街道 (532601001)"  # no English name: Chinese
    assert i18n.place("532601999999", "zh") == "532601999999"  # unknown: the code alone
    # a grid has no name: its village's, and its number
    assert i18n.place("532601001001G02", "zh") == "茶寨村 G02 (532601001001G02)"
    assert i18n.place("532601001001G02", "en") == "Chazhai G02 (532601001001G02)"
    assert i18n.place("532601999999G01", "en") == "532601999999G01"
    assert i18n.place(None, "en") == "—"


def test_a_table_names_villages_and_the_record_too(villages: None) -> None:
    # The worker page listed village codes only ("532601001001") where users expect names.
    frame = pl.DataFrame({"household_id": ["H1", "H2"], "village_id": ["532601001001", None]})
    shown = i18n.table(frame, ["household_id", "village_id"], "en")
    assert shown["Village"].to_list() == ["Chazhai (532601001001)", None]
    assert i18n.table(frame, ["village_id"], "zh")["村"][0] == "茶寨村 (532601001001)"
    assert i18n.record_value("village_id", "532601001001", "zh") == "茶寨村 (532601001001)"


# --------------------------------------------------------------------------- one language a line


def test_a_sentence_names_a_grid_as_a_table_does(villages: None) -> None:
    # The household page's "not chosen" note ended "网格 532601001001G06": the grid by its
    # code alone, after the township and village by name.
    zh = "农户不在该人员管辖范围内 (人员属乡镇 532601001、村 532601001001、网格 532601001001G02)"
    assert i18n.named(zh, "zh") == (
        "农户不在该人员管辖范围内 (人员属乡镇 开化街道 · 文山市 (532601001)、"
        "村 茶寨村 · 开化街道 (532601001001)、"
        "网格 茶寨村 G02 (532601001001G02))"
    )
    en = "not in the worker's area (worker in township 532601001, grid 532601001001G02)"
    assert i18n.named(en, "en").endswith("grid Chazhai G02 (532601001001G02))")
    assert i18n.named("网格 532601999999G01", "zh") == "网格 532601999999G01"  # unknown village
    assert i18n.named("(532601001001G02)", "zh") == "(532601001001G02)"  # named already


def test_a_village_in_a_sentence_is_named_with_its_township_not_its_county(
    villages: None,
) -> None:
    """The household page's why-not-chosen note read "村 茶寨村 · 文山市 (532601001001)": a
    village named as a township is, with its county. A village is named with its township,
    in both languages (the township's Chinese name where it has no English one), the
    village's code kept; without a name, as a table cell names it."""
    for lang, name in (("zh", "茶寨村"), ("en", "Chazhai")):
        assert i18n.village("532601001001", lang) == f"{name} · 开化街道 (532601001001)"
        assert i18n.named("村 532601001001", lang) == f"村 {name} · 开化街道 (532601001001)"
        assert i18n.township("532601001001", lang) == i18n.village("532601001001", lang)
        assert i18n.named("532601001001", lang) == i18n.village("532601001001", lang)
    assert "文山" not in i18n.named("村 532601001001", "zh")
    assert i18n.village("532601002001", "zh") == "532601002001"  # no name: the code
    assert i18n.named("村 532601002001", "en") == "村 532601002001"
    assert i18n.township("532601001", "zh") == "开化街道 · 文山市 (532601001)"  # unchanged


def test_every_chinese_text_is_chinese() -> None:
    # What the Chinese page shows comes from here: no text may be English in Chinese.
    # (acronyms such as PSI and HTML stay, and a command to type, such as plan --amend; an
    # English word does not).
    texts = {**i18n.TEXT, **{k: (zh, en) for k, (zh, en, _) in i18n.COLUMNS.items()}}
    command = r"visit-planner(?: [a-z-]+)+|[a-z]+(?: --[a-z-]+)+"
    english = [
        key
        for key, (zh, _en) in texts.items()
        if re.search(r"[a-z]{2,}", re.sub(rf"\{{\w+\}}|{command}", "", zh))
        or (not re.search("[\u4e00-\u9fff]", zh) and zh != "—")
    ]
    assert english == []
    assert i18n.t("choose_options", "zh") == "请选择（可多选）"
    assert i18n.t("choose_options", "en") == "Choose one or more"


def _texts() -> dict[str, tuple[str, str]]:
    """Every (Chinese, English) text and column heading a page shows."""
    return {**i18n.TEXT, **{k: (zh, en) for k, (zh, en, _) in i18n.COLUMNS.items()}}


def test_the_texts_use_the_glossarys_words() -> None:
    """类别 is a tier (visit_planner.vocabulary): a worker's role is 人员角色 (was 人员类别),
    the workers of a role 该角色人员 (was 该类人员, beside 各类别农户 on the same page); and no
    wording the glossary replaced (the household page's prompt said 分类)."""
    from visit_planner.vocabulary import AVOIDED, PRODUCT

    texts = _texts()
    assert i18n.label("role", "zh") == i18n.t("role_axis", "zh") == "人员角色"
    assert i18n.label("role", "en") == i18n.t("role_axis", "en") == "Role"
    assert i18n.t("by_role", "zh") == "各角色人员工时利用率"
    assert i18n.t("demand_capacity", "zh") == "各角色人员：需求与工时"
    assert i18n.t("demand_capacity_caption", "zh").count("该角色人员") == 3
    for key, (zh, en) in texts.items():
        assert "人员类别" not in zh and "类人员" not in zh, key
        both = zh.replace(PRODUCT[0], "") + "\n" + en
        assert [w for w in AVOIDED if w in both] == [], key
    prompt = i18n.t("household_prompt", "zh")
    assert prompt == "输入辖区内的农户编号，查看该户类别与走访人员的原因。"


def test_visitor_is_one_term_the_worker_who_visits_a_household() -> None:
    """走访人员 / visitor is the worker who visits a given household (a worker, 人员, seen from
    the household): every text that says one says the other, as the printed lists do
    (export.labels); 换人 is the glossary's "worker changed" (the dashboard said "changed
    visitor"), 换人率 its churn."""
    from visit_planner.export import labels

    texts = _texts()
    visitor = [k for k, (zh, en) in texts.items() if "走访人员" in zh or "visitor" in en.lower()]
    assert {"assigned_worker", "continuity_kept", "kept_previous"} <= set(visitor)
    for key in visitor:
        zh, en = texts[key]
        assert "走访人员" in zh and "visitor" in en.lower(), key
    for key, (zh, en) in texts.items():
        if "换人率" in zh:
            assert "churn" in en.lower(), key
        elif "换人" in zh:
            assert "worker" in en.lower() and "visitor" not in en.lower(), key
    assert i18n.t("assigned_worker", "zh") == "走访人员"
    assert i18n.t("assigned_worker", "en") == "Visitor"
    assert i18n.label("kept_previous", "zh") == "延续上月走访人员"
    assert i18n.label("kept_previous", "en") == "Same visitor as last month"
    assert i18n.t("diff_churn", "en") == "Churn (tier unchanged)"
    # The printed lists' reasons say it as the household page does.
    assert i18n.t("continuity_kept", "zh", w="W1") == "延续上月走访人员 W1"
    assert labels.REASON_KEPT == "延续上月走访人员 / same visitor as last month"
    assert labels.REASON_TAKING_OVER.format("W1", "W1") == (
        "接替上月走访人员 W1 / takes over from last month's visitor W1"
    )


def test_the_runs_page_calls_its_churn_by_the_glossarys_term_in_every_place() -> None:
    """One figure, the share of the households whose tier did not change that changed worker,
    had three names on the runs page: 换人（类别未变的农户中）/ "Worker changed (tier
    unchanged)" in the comparison's headline, "Churn (tier unchanged)" in the runs list and
    换人率 / "Churn" in the comparison's table. Each now says the glossary's 换人率 / churn
    with the qualifier 类别未变 / tier unchanged, as ``runs diff`` does; the count beside it
    says the same qualifier (its English said "same tier")."""
    from visit_planner.vocabulary import TERMS

    assert TERMS["churn"] == ("换人率", "churn")
    said = {"zh": "换人率（类别未变）", "en": "Churn (tier unchanged)"}
    for lang in i18n.LANGS:
        assert i18n.t("diff_churn", lang) == said[lang]  # the comparison's headline
        # the runs list's column and the comparison's (the list's had a key of its own)
        assert i18n.label("churn_tier_unchanged", lang) == said[lang]
    assert "churn" not in i18n.COLUMNS
    assert i18n.label("changed_of_tier_unchanged", "zh") == "换人 / 类别未变户数"
    assert i18n.label("changed_of_tier_unchanged", "en") == "Worker changed / tier unchanged"
    assert "churn (tier unchanged)" in i18n.t("runs_churn_scoped", "en")
    assert i18n.t("runs_churn_scoped", "zh").startswith("换人率（类别未变）按全州记录")


def test_a_rollback_is_called_huigun_and_goes_back_to_an_earlier_run() -> None:
    """The product says 回滚 for a rollback (the runs' status 已回滚, ``runs rollback``); the
    runs page's rollback intro said 回退 once, and 较早的一个版本 / 较早版本 where the English
    says "an earlier run" (方案 is a run; 第 N 版 is its version number)."""
    from visit_planner.vocabulary import RUN_STATUS_ZH

    assert RUN_STATUS_ZH["rolled_back"] == "已回滚"
    texts = _texts()
    assert [k for k, (zh, _en) in texts.items() if "回退" in zh] == []
    rollback = [k for k, (_zh, en) in texts.items() if "roll" in en.lower()]
    assert {"rollback", "rollback_to", "rollback_button", "rollback_none"} <= set(rollback)
    for key in rollback:
        assert "回滚" in texts[key][0], key
    for key in ("rollback_intro", "rollback_none"):
        zh, en = texts[key]
        assert "earlier run" in en and ("较早的方案" in zh or "较早方案" in zh), key
        assert "版本" not in zh, key


def test_a_run_is_fangan_and_a_household_nonghu_in_every_text() -> None:
    """The glossary's 方案 / run and 农户 / household (``runs --help``: 已发布方案): the runs
    page was titled 运行记录, its run column 运行编号 and the overview's caption said
    （运行 3111dd1b09e2，...）; the household page was titled 家庭 above a box asking for the
    农户编号, and the model page's captions said 家庭 for the households they count (a
    field's name, 家庭人口 for its members, is not among these texts)."""
    from visit_planner.vocabulary import TERMS

    assert TERMS["run"] == ("方案", "run") and TERMS["household"] == ("农户", "household")
    texts = _texts()
    assert [k for k, (zh, _en) in texts.items() if "运行" in zh] == []
    assert [k for k, (zh, _en) in texts.items() if "家庭" in zh] == []
    assert i18n.t("page_runs", "zh") == "方案记录"
    assert i18n.t("page_household", "zh") == "农户"
    assert i18n.label("run_id", "zh") == "方案编号"
    caption = i18n.t("run_caption", "zh", month="2026-12", version=1, run="r1", when="w", by="b")
    assert caption == "2026-12 方案 第 1 版（方案编号 r1，w 由 b 发布）"


def test_a_what_if_says_its_changes_in_the_page_language() -> None:
    # The result's caption was Changes.describe(), English on the Chinese page ("no change").
    changes = Changes(
        hours={"W000003": 30.0},
        remove=("W000007",),
        add=(NewWorker("cadre", 20.0, 40),),
        visits_per_month={1: 2.0},
    )
    assert i18n.changes_text(changes, "zh") == (
        "W000003 月工时改为 30 小时；W000007 离岗；新增基层干部（每月 20 小时）；"
        "一类户每月走访 2 次"
    )
    assert i18n.changes_text(changes, "en") == (
        "W000003 to 30 h a month; W000007 leaves; a new cadre (20 h a month); "
        "tier 1 (high): 2 visits a month"
    )
    assert i18n.changes_text(Changes(), "zh") == "未作调整"
    assert i18n.changes_text(Changes(), "en") == "no change"


def test_choices_read_in_the_page_language() -> None:
    assert i18n.worker("W000003", "cadre", "zh") == "W000003 · 基层干部"
    assert i18n.worker("W000003", "village_official", "en") == "W000003 · village official"
    assert i18n.worker("W000003", None, "en") == "W000003"
    assert [i18n.tier(k, "zh") for k in (1, 2, 3)] == ["一类户", "二类户", "三类户"]


def test_an_override_says_what_it_asks_for_in_one_cell() -> None:
    assert i18n.override_change({"kind": "tier", "tier": 1}, "zh") == "一类户"
    assert i18n.override_change({"kind": "tier", "tier": 3}, "en") == "tier 3 (low)"
    assert i18n.override_change({"kind": "pin", "worker_id": "W000001"}, "en") == "W000001"
    assert i18n.override_change({"kind": "forbid", "worker_id": None}, "zh") == "—"
    row = {"kind": "correction", "field": "members", "value": "5"}
    assert i18n.override_change(row, "zh") == "家庭人口 = 5"
    assert i18n.override_change(row, "en") == "Members = 5"
    # the corrections table: the kind first, then the change; the outcome with why not
    assert i18n.override_what({"kind": "tier", "tier": 1}, "zh") == "类别调整：一类户"
    assert i18n.override_what(row, "en") == "data correction: Members = 5"
    assert i18n.override_what({"kind": "pin", "worker_id": "W000071"}, "zh") == "指定人员：W000071"
    why = "指定 H0001621→W000071 违反规则 in_jurisdiction, 已忽略 / pin H0001621→W000071 breaks"
    assert i18n.override_outcome({"outcome": "not_applied", "outcome_reason": why}, "zh") == (
        "未生效：指定 H0001621→W000071 违反规则 in_jurisdiction, 已忽略"
    )
    assert i18n.override_outcome({"outcome": "not_applied", "outcome_reason": why}, "en") == (
        "not applied: pin H0001621→W000071 breaks"
    )
    assert i18n.override_outcome({"outcome": "applied", "outcome_reason": ""}, "en") == "applied"
    pending = {"outcome": "pending", "outcome_reason": None}
    assert i18n.override_outcome(pending, "zh") == "待下次方案"
    # applied by the month's plan, revoked since: it read "已生效" beside its status "已撤销",
    # as if the revocation had not taken; it says what the next plan does
    revoked = {"outcome": "applied", "outcome_reason": "", "status": "revoked"}
    assert i18n.override_outcome(revoked, "zh") == "已生效，现已撤销，不再生效"
    assert i18n.override_outcome(revoked, "en") == ("applied, now revoked: no longer applied")
    standing = {**revoked, "status": "active"}
    assert i18n.override_outcome(standing, "zh") == "已生效"


def test_the_overrides_applied_to_a_household_read_in_one_language() -> None:
    # The household page showed the run's bilingual note ("类别调整 tier override #1: 1 (...)")
    # on the English page.
    notes = (
        "类别调整 tier override #1: 1 (户主重病; 需每月走访); 禁止配对 forbid #4: W000001 (回避); "
        "数据更正 correction #3: members 4 → 5 (核实); 指定人员 pin #6: W000002 (熟悉)"
    )
    assert i18n.override_notes(notes, "zh") == (
        "类别调整 #1：一类户 (户主重病; 需每月走访)；禁止配对 #4：W000001 (回避)；"
        "数据更正 #3：家庭人口 4 → 5 (核实)；指定人员 #6：W000002 (熟悉)"
    )
    assert i18n.override_notes(notes, "en") == (
        "tier override #1: tier 1 (high) (户主重病; 需每月走访); forbid a pairing #4: W000001 "
        "(回避); data correction #3: Members 4 → 5 (核实); pin a worker #6: W000002 (熟悉)"
    )
    assert i18n.override_notes("something else", "en") == "something else"
    assert i18n.override_notes(None, "zh") == ""


def test_why_not_names_the_households_own_cost_not_travel() -> None:
    # an unassigned household: its own cost change is the arc against its penalty, which is
    # no travel figure (it read "travel -121,358.0")
    alt = {
        "fits": True,
        "objective_change": 3_500.0,
        "arc_change": -121_358.0,
        "displaced_household_id": "H0000009",
        "displaced_tier": 2,
        "displaced_fallback_worker_id": None,
    }
    en = i18n.why_not(alt, "en", unassigned=True)
    zh = i18n.why_not(alt, "zh", unassigned=True)
    assert "travel" not in en and "路途" not in zh
    # a saving in words, not a signed cost (it read "this household's own cost -121,358.0")
    assert "visiting this household saves its cost of going unvisited, 121,358.0" in en
    assert "本户得到走访，免去其未走访代价 121,358.0" in zh and "-121" not in zh + en
    assigned = i18n.why_not(alt, "en")  # a cheaper worker for a household already visited
    assert "this household's own cost falls by 121,358.0" in assigned
    dearer = i18n.why_not({**alt, "arc_change": 42.0}, "zh")
    assert "其中本户自身成本增加 42.0" in dearer


def test_why_not_says_which_tier_the_worker_would_give_up_and_where_it_goes() -> None:
    """An alternative worker who is full gives up a household: the page said 'H0006025 would
    move to unassigned' (需把 H0006025 调给 未分配), hiding that a tier-1 household would go
    unvisited, which explain says (would leave 1 tier-1 household unvisited). It now names
    the household's tier, and says unvisited rather than 'moved to unassigned'."""
    alt = {
        "fits": True,
        "objective_change": 18_526.1,
        "arc_change": -123_351.4,
        "displaced_household_id": "H0006025",
        "displaced_tier": 1,
        "displaced_fallback_worker_id": None,
    }
    assert "一类户 H0006025 将无人走访" in i18n.why_not(alt, "zh")
    assert "tier 1 (high) household H0006025 would be left unvisited" in i18n.why_not(alt, "en")
    assert "未分配" not in i18n.why_not(alt, "zh") and "unassigned" not in i18n.why_not(alt, "en")
    moved = {**alt, "displaced_tier": 3, "displaced_fallback_worker_id": "W000143"}
    assert "需把三类户 H0006025 调给 W000143" in i18n.why_not(moved, "zh")
    assert "tier 3 (low) household H0006025 would move to W000143" in i18n.why_not(moved, "en")


def test_times_read_in_beijing_time_in_the_page_language() -> None:
    # The pages showed run, registry and promotion times in UTC; the users read Beijing time.
    evening = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)  # already the 2nd in Wenshan
    for moment in (evening, evening.replace(tzinfo=None), "2026-12-01T20:30:00+00:00",
                   int(evening.timestamp() * 1000)):  # fmt: skip
        assert i18n.timestamp(moment, "zh") == "北京时间 2026-12-02 04:30"
        assert i18n.timestamp(moment, "en") == "2026-12-02 04:30 Beijing time"
        assert i18n.time_cell(moment) == "2026-12-02 04:30"
    assert i18n.timestamp(None, "en") == "—" and i18n.timestamp("", "zh") == "—"
    assert i18n.time_cell(None) is None
    assert i18n.timestamp("by hand", "en") == "by hand"  # a tag that is no time: as it is
    for column in ("published_at", "registered_at", "promoted_at", "created_at"):
        assert i18n.label(column, "zh").endswith("（北京时间）")
        assert i18n.label(column, "en").endswith("(Beijing time)")
    text = i18n.t("run_caption", "en", month="2026-11", version=2, run="abc",
                  when=i18n.timestamp(evening, "en"), by="planner1")  # fmt: skip
    assert "published 2026-12-02 04:30 Beijing time by planner1" in text and "UTC" not in text


# --------------------------------------------------------------------------- refusals


def test_a_refusal_is_one_sentence_in_the_pages_language() -> None:
    # Pages showed "**无法显示** — 您的辖区内没有农户 H1 / no household H1 in your
    # jurisdiction": a heading before a sentence that already says why, in both languages.
    refusal = ValueError("您的辖区内没有农户 H1 / no household H1 in your jurisdiction")
    assert i18n.error_text(refusal, "zh") == "您的辖区内没有农户 H1。"
    assert i18n.error_text(refusal, "en") == "No household H1 in your jurisdiction."
    # the errors' "中文 (English)" (vocabulary.zh_en): as written, or the English, with its file
    store = ValueError("已是当前方案 (run abc is already the current run of 2026-11)")
    assert (
        i18n.error_text(store, "zh")
        == "已是当前方案（run abc is already the current run of 2026-11）。"
    )
    assert i18n.error_text(store, "en") == "Run abc is already the current run of 2026-11."
    empty = ValueError("/d/households.csv: 没有农户 (the households table has no rows)")
    assert (
        i18n.error_text(empty, "zh")
        == "/d/households.csv: 没有农户（the households table has no rows）。"
    )
    assert i18n.error_text(empty, "en") == "/d/households.csv: the households table has no rows."
    # one pair whose Chinese has its own "; " (a conflicting override) stays one pair
    conflict = "冲突: 已指定; 如需更改, 请先撤销 #2 / conflicts: pinned; revoke #2 first"
    assert i18n.notice(conflict, "en") == "Conflicts: pinned; revoke #2 first."
    assert i18n.notice(conflict, "zh") == "冲突: 已指定; 如需更改, 请先撤销 #2。"
    assert "无法显示" not in str(i18n.TEXT) and "Cannot show" not in str(i18n.TEXT)


def test_a_refused_override_keeps_its_reasons_in_one_language() -> None:
    """An override refused with its reasons (``中文 / English: 原因 / reason; ...``) lost its
    first reason on the Chinese page and showed it in Chinese on the English one ("...
    household H2: 网格员不承接一类户 / a grid worker does not serve tier-1 households; ...")."""
    refused = (
        "人员 W2 不能承接农户 H2 / worker W2 may not serve household H2: 网格员不承接一类户 / a "
        "grid worker does not serve tier-1 households; 农户不在其管辖范围内 (乡镇: 人员 1, 农户 2) "
        "/ outside the worker's jurisdiction (the worker's township is 1, the household's 2)"
    )
    assert i18n.notice(refused, "zh") == (
        "人员 W2 不能承接农户 H2：网格员不承接一类户；农户不在其管辖范围内 (乡镇: 人员 1, 农户 2)。"
    )
    assert i18n.notice(refused, "en") == (
        "Worker W2 may not serve household H2: a grid worker does not serve tier-1 "
        "households; outside the worker's jurisdiction (the worker's township is 1, the "
        "household's 2)."
    )
    # a pair whose English has a colon but no second pair after it is one pair, as before
    shortfall = "已证明: 最多可覆盖 7/8 户 / proven: at most 7 of 8; 需增加 1 名 / 1 more cadre"
    assert i18n.pick(shortfall, "en") == "proven: at most 7 of 8; 1 more cadre"
    assert i18n.pick(shortfall, "zh") == "已证明: 最多可覆盖 7/8 户；需增加 1 名"


def test_a_gap_or_churn_reads_with_two_decimals_in_tables_as_in_the_headlines() -> None:
    # The overview's caption said the plan is within 0.26% of the best while its township
    # table said 0.3% for the one township in scope, and the runs page's headline churn 5.82%
    # read 5.8% in its township table: one share, two figures on one page.
    frame = pl.DataFrame({"gap": [0.0026, 0.0, 0.0], "churn_tier_unchanged": [0.0582, None, 0.0]})
    for lang in i18n.LANGS:
        shown = i18n.table(frame, ["gap", "churn_tier_unchanged"], lang)
        assert shown.row(0) == ("0.26%", "5.82%")
        assert shown.row(1) == ("0.00%", None)
        assert shown.row(2) == ("0.00%", "0.00%")
        assert i18n.fmt_pct(0.0026, 2) == shown[i18n.label("gap", lang)][0]


# --------------------------------------------------------------------------- overrides


def test_an_override_is_called_as_the_glossary_calls_it_and_a_data_correction_is_one_kind() -> None:
    """The command line, its glossary and the household page call a supervisor's standing
    change (tier, pin, forbid, data correction) 督导调整 / override; the dashboard's page and
    its texts said 纠正 / correction ("纠正 Corrections", "提交纠正", "撤销纠正"), while data
    correction (数据更正) is one kind of override: two names for one thing, one for two.
    Every text now says the glossary's word; "correction" only for that kind."""
    from visit_planner.vocabulary import OVERRIDE_KIND_ZH, TERMS

    zh, en = TERMS["override"]
    assert i18n.t("page_overrides", "zh") == zh == "督导调整"
    assert i18n.t("page_overrides", "en") == "Overrides" == f"{en.capitalize()}s"
    assert i18n.t("new_override", "zh") == "提交督导调整"
    assert i18n.t("revoke_override", "en") == "Revoke an override"
    assert i18n.t("kind_correction", "zh") == OVERRIDE_KIND_ZH["correction"] == "数据更正"
    for kind in OVERRIDE_KIND_ZH:
        assert i18n.override_kind(kind, "zh") == OVERRIDE_KIND_ZH[kind]
    for key, (zh_text, en_text) in _texts().items():
        assert "纠正" not in zh_text, key
        # "correction" is the kind's name: always "data correction" (or a corrected value)
        assert not re.search(r"(?<!data )\bcorrections?\b", en_text, re.IGNORECASE), key


@pytest.mark.parametrize(
    "module",
    sorted(Path(i18n.__file__).parent.rglob("*.py")),
    ids=lambda p: str(p.relative_to(Path(i18n.__file__).parent)),
)
def test_no_dashboard_text_calls_an_override_a_correction(module: Path) -> None:
    """In the style of the command line's AVOIDED test (tests/visit_planner): no string of the
    dashboard's code - its refusals too ("此角色不能提交纠正", "与现行纠正 #N 冲突") - says 纠正
    for an override (督导调整)."""
    tree = ast.parse(module.read_text("utf-8"))
    found = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "纠正" in node.value
    ]
    assert found == []


# --------------------------------------------------------------------------- hours and shares


def test_hours_used_and_their_share_never_contradict_each_other() -> None:
    """A worker with 23.98 of 24 hours showed "24.0 / 24.0 小时" beside "99.9%": each rounded
    right, read together a contradiction. Hours that one decimal shows equal while they
    differ get the decimals that tell them apart; a share below 1 never reads 100 %."""
    assert i18n.fmt_hours_of(23.98, 24.0, "zh") == "23.98 / 24.00 小时"
    assert i18n.fmt_share(23.98 / 24.0) == "99.9%"
    assert i18n.fmt_hours_of(23.9996, 24.0, "en") == "24.000 / 24.000 h"  # as close as shown
    assert i18n.fmt_share(23.9996 / 24.0) == "99.9%"  # fmt_pct said 100.0%
    assert i18n.fmt_pct(23.9996 / 24.0) == "100.0%"
    # the ordinary cases keep one decimal, full is 100.0%, over is over
    assert i18n.fmt_hours_of(18.25, 24.0, "zh") == "18.2 / 24.0 小时"
    assert i18n.fmt_hours_of(24.0, 24.0, "en") == "24.0 / 24.0 h"
    assert i18n.fmt_hours_of(0.0, 24.0, "en") == "0.0 / 24.0 h"
    assert i18n.fmt_hours_of(1234.5, 2000.0, "en") == "1,234.5 / 2,000.0 h"
    assert i18n.fmt_hours_of(3.0, None, "zh") == "3.0 / —"
    assert i18n.fmt_share(1.0) == "100.0%" and i18n.fmt_share(1.05) == "105.0%"
    assert i18n.fmt_share(0.546) == "54.6%" and i18n.fmt_share(0.0) == "0.0%"
    assert i18n.fmt_share(None) == "—"


def test_a_worker_loads_row_shows_its_hours_as_its_share_does() -> None:
    """The township page's worker loads formatted each hours cell on its own: a worker with
    23.98 of 24 hours read "24.0 h | 24.0 h | 99.9%". A row's hours used and available are
    shown with the decimals that tell them apart (as :func:`i18n.fmt_hours_of`), the others
    with one; a share below 1 never reads 100 %."""
    loads = pl.DataFrame(
        {
            "worker_id": ["W000001", "W000002", "W000003", "W000004"],
            "role": ["cadre", "grid_worker", "village_official", "cadre"],
            "active": [True, True, True, False],
            "households": [12, 9, 3, 0],
            "hours_used": [23.98, 18.25, 23.9996, None],
            "monthly_hours": [24.0, 24.0, 24.0, 20.0],
            "utilisation_hours": [23.98 / 24, 18.25 / 24, 23.9996 / 24, None],
            "kept_previous_households": [10, 9, 3, 0],
            "up_cover_households": [0, 1, 0, 0],
        }
    )
    shown = i18n.table(loads, i18n.WORKER_LOAD_COLUMNS, "en")
    hours = shown.select("Hours used", "Hours available", "Share of hours used").rows()
    assert hours == [
        ("23.98 h", "24.00 h", "99.9%"),
        ("18.2 h", "24.0 h", "76.0%"),
        ("24.000 h", "24.000 h", "99.9%"),
        (None, "20.0 h", None),
    ]
    zh = i18n.table(loads.head(1), i18n.WORKER_LOAD_COLUMNS, "zh")
    assert zh.select("已用工时", "可用工时", "工时利用率").row(0) == (
        "23.98 小时",
        "24.00 小时",
        "99.9%",
    )
    # the figures above a worker's page say the same
    assert i18n.fmt_hours_of(23.98, 24.0, "zh") == "23.98 / 24.00 小时"
    # hours without hours available beside them keep one decimal
    alone = i18n.table(loads.head(1), ["hours_used"], "en")
    assert alone["Hours used"].to_list() == ["24.0 h"]


def test_a_month_with_no_visitor_says_unassigned_in_the_history() -> None:
    """The household page's history showed "—" in the worker column for a month in which no
    one visited the household, which reads as a missing record: it says 未分配 / unassigned,
    the glossary's word, as the visitor figure above it does."""
    from visit_planner.vocabulary import TERMS

    history = pl.DataFrame(
        {
            "month": ["2026-12", "2026-11"],
            "version": [1, 2],
            "township_id": ["532626001", "532626001"],
            "tier": [1, 1],
            "worker_id": [None, "W000007"],
        },
        schema_overrides={"worker_id": pl.String},
    )
    for lang, word in zip(i18n.LANGS, TERMS["unassigned"], strict=True):
        shown = i18n.history_table(history, lang)
        assert shown[i18n.label("visitor", lang)].to_list() == [word, "W000007"]
        assert i18n.t("not_assigned", lang) == word
    assert TERMS["unassigned"] == ("未分配", "unassigned")


def test_the_history_calls_its_visitor_as_the_household_page_does_in_a_narrow_version() -> None:
    """The household page's history headed its last column 人员编号 / Worker (an id's
    heading) where the page above says 走访人员 / Visitor, and its version column took a
    quarter of the page: the column says 走访人员 / Visitor, and the version is narrow."""
    history = pl.DataFrame(
        {
            "month": ["2026-12"],
            "version": [2],
            "township_id": ["532626001"],
            "tier": [3],
            "worker_id": ["W000007"],
        }
    )
    for lang in i18n.LANGS:
        shown = i18n.history_table(history, lang)
        visitor = i18n.t("assigned_worker", lang)
        assert shown.columns[-1] == visitor == ("走访人员" if lang == "zh" else "Visitor")
        assert shown[visitor].to_list() == ["W000007"]
        assert i18n.label("worker_id", lang) not in shown.columns
        widths = i18n.history_widths(lang)
        assert widths == {i18n.label("version", lang): 70}
        config = auth.table_columns(shown, widths)[i18n.label("version", lang)]
        assert config["width"] == 70 and config["type_config"]["type"] == "number"


def test_a_households_visits_read_as_its_visit_list_says_them() -> None:
    """The visit lists say of a household visited once every few months whether it is due
    this month, reckoned from its last visit (visit_planner.export.due); the dashboard's
    household and worker pages say it in the same words, by the same reckoning. December
    2026, last visit counted to 30 November: 80 days before is 11 September, due 11 December
    (due); 100 days, due 22 November (overdue); 20 days, due 10 February (not due)."""
    from visit_planner.export.due import DUE, NO_RECORD, NOT_DUE, OVERDUE
    from visit_planner.export.labels import visits_due_parts

    quarterly = 1 / 3
    zh, en = visits_due_parts(quarterly)
    for days, due in ((80, DUE), (100, OVERDUE), (20, NOT_DUE), (None, NO_RECORD)):
        assert i18n.visit_frequency(quarterly, days, "2026-12", "zh") == f"{zh} · {due.zh}"
        assert i18n.visit_frequency(quarterly, days, "2026-12", "en") == f"{en} · {due.en}"
    assert i18n.visit_frequency(quarterly, 80, "2026-12", "zh") == "每季度 1 次 · 本月应走访"
    assert i18n.visit_frequency(quarterly, 20, "2026-12", "en").endswith("not due this month")
    # visited every month: due every month, nothing added
    assert i18n.visit_frequency(2.0, 80, "2026-12", "zh") == "每月 2 次"
    assert i18n.label("visit_frequency", "zh") == i18n.t("visit_frequency", "zh") == "走访频次"

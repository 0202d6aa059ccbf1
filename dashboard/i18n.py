"""Every word the dashboard shows, in Simplified Chinese (the default) and English.

Pages never show a raw column name, code or number format of their own: a column goes through
:data:`COLUMNS` (its label and how its values read), a code (tier, role, status, outcome) through
the functions here, and the bilingual texts the planner writes (``中文 / English``) through
:func:`pick`. Tiers, roles and counties read as on the printed visit lists
(:mod:`visit_planner.export.labels`).

No Streamlit here: this module is plain Python and tested as such.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

import polars as pl

from visit_planner import clock
from visit_planner.contracts.places import place_label
from visit_planner.export import labels
from visit_planner.vocabulary import (
    OVERRIDE_KIND_ZH,
    OVERRIDE_OUTCOMES,
    SOLVE_STATUS,
    TERMS,
    USER_ROLE_WORDS,
    zh_en,
)

if TYPE_CHECKING:
    from visit_planner.whatif import Changes

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")
DEFAULT_LANG: Final[Lang] = "zh"
LANG_NAMES: Final = {"zh": "中文", "en": "English"}


# The glossary's words (visit_planner.vocabulary), as the command line says them: a
# supervisor's standing change of any kind is an override (督导调整), one of its kinds a data
# correction (数据更正); a household with no visitor is unassigned (未分配).
OVERRIDE_ZH, OVERRIDE_EN = TERMS["override"]
OVERRIDES_EN: Final = f"{OVERRIDE_EN}s"
UNASSIGNED: Final = TERMS["unassigned"]
# A run's churn (换人率 / churn) counts the households whose tier did not change: the runs
# page's headline, its list's column and its comparison's column say so in the same words
# (they said 换人（类别未变的农户中）/ "Worker changed (tier unchanged)", "Churn (tier
# unchanged)" and 换人率 / "Churn" for the one figure), as `runs diff` qualifies it.
CHURN_TIER_UNCHANGED: Final = (
    f"{TERMS['churn'][0]}（类别未变）",
    f"{TERMS['churn'][1].capitalize()} (tier unchanged)",
)


def lang_of(value: object) -> Lang:
    """``value`` if it names a language, else the default (Chinese)."""
    return "en" if value == "en" else "zh"


# --------------------------------------------------------------------------- texts

TEXT: Final[dict[str, tuple[str, str]]] = {
    # the frame: title, sign-in, navigation
    "app_title": ("文山州挂包走访计划", "Wenshan household-visit planner"),
    "language": ("语言", "Language"),
    "sign_in": ("登录", "Sign in"),
    "sign_in_intro": (
        "请使用管理员为您开设的账户登录。",
        "Sign in with the account your administrator created for you.",
    ),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "sign_out": ("退出登录", "Sign out"),
    "signed_in_as": ("当前用户 {user}（{role}，{scope}）", "Signed in as {user} ({role}, {scope})"),
    "login_refused": ("登录失败", "Sign-in refused"),
    "login_empty": ("请输入用户名和密码。", "Enter a username and a password."),
    "sso_button": ("使用单位统一身份登录", "Sign in with your organisation's account"),
    "sso_logout": ("退出统一身份，换一个账户", "Sign out of that identity and try another"),
    "session_changed": (
        "会话信息与登录账户不一致，已退出登录。请重新登录。",
        "The session no longer matches the signed-in account; you have been signed out. "
        "Please sign in again.",
    ),
    # the sidebar's form for an account's own password (dashboard.auth)
    "change_password": ("修改密码", "Change password"),
    "current_password": ("当前密码", "Current password"),
    "new_password": (
        "新密码（至少 {n} 个字符，不含用户名，勿用常见密码）",
        "New password (at least {n} characters; not the username or a common password)",
    ),
    "repeat_password": ("再次输入新密码", "New password again"),
    "change_submit": ("保存新密码", "Save new password"),
    "password_empty": ("请填写三项。", "Please fill in all three."),
    "password_mismatch": ("两次输入的新密码不一致。", "The two new passwords differ."),
    "password_changed": (
        "密码已修改；您在其他浏览器或设备上的登录已退出。",
        "Password changed; your sign-ins in other browsers and on other devices have ended.",
    ),
    "password_reset_signed_out": (
        "该账户的密码已更改（本人修改或管理员重置），已退出登录。请用新密码重新登录。",
        "The password of this account has been changed (by its owner, or reset by an "
        "administrator); you have been signed out. Please sign in again with the new password.",
    ),
    "account_gone": (
        "该账户已停用或不存在，已退出登录。",
        "This account is disabled or no longer exists; you have been signed out.",
    ),
    "no_months": ("尚无已发布的方案。", "No plan has been published yet."),
    "month": ("月份", "Month"),
    "page_overview": ("总览", "Overview"),
    "page_township": ("乡镇", "Township"),
    "whatif": ("试算（保存前先看效果）", "What-if (see the effect before saving)"),
    "whatif_intro": (
        "调整人员工时、增减人员或某类户的走访频次，在本乡镇重新求解并与现方案比较；不会保存。",
        "Change a worker's hours, add or remove a worker, or a tier's visits; the township is "
        "solved again and compared with the current plan. Nothing is saved.",
    ),
    "whatif_worker": ("调整工时的人员", "Worker whose hours change"),
    "whatif_hours": ("新的月工时", "New monthly hours"),
    "whatif_remove": ("离岗人员", "Workers who leave"),
    "whatif_add_role": ("新增人员的角色", "Role of a worker to add"),
    "whatif_add_none": ("不新增", "none"),
    "whatif_add_hours": ("新增人员月工时", "Monthly hours of the new worker"),
    "whatif_add_area": (
        "新增人员的村或网格（村组干部选村，网格员选网格）",
        "The new worker's village or grid (a village for a village official, a grid for a "
        "grid worker)",
    ),
    "whatif_area_none": ("不指定（基层干部）", "none (a cadre)"),
    "whatif_area_village_official": (
        "新增村组干部须选择所在的村。",
        "A new village official needs the village they serve.",
    ),
    "whatif_area_grid_worker": (
        "新增网格员须选择所在的网格。",
        "A new grid worker needs the grid they serve.",
    ),
    "whatif_tier": ("调整走访频次的类别", "Tier whose visits change"),
    "whatif_tier_none": ("不调整", "no change"),
    "whatif_visits": ("每月走访次数", "Visits per month"),
    "whatif_run": ("试算", "Run the what-if"),
    "whatif_result": ("试算结果（前 → 后）", "Result (before → after)"),
    "whatif_figure": ("指标", "Figure"),
    "whatif_before": ("现方案", "Current plan"),
    "whatif_after": ("试算后", "What-if"),
    "whatif_seconds": ("用时 {s} 秒", "solved in {s} s"),
    "whatif_changes": ("调整内容：{changes}", "Changes: {changes}"),
    "wf_change_none": ("未作调整", "no change"),
    "wf_change_hours": ("{w} 月工时改为 {h} 小时", "{w} to {h} h a month"),
    "wf_change_remove": ("{w} 离岗", "{w} leaves"),
    "wf_change_add": ("新增{role}（每月 {h} 小时）", "a new {role} ({h} h a month)"),
    "wf_change_visits": ("{tier}每月走访 {v} 次", "{tier}: {v} visits a month"),
    "whatif_publish": ("发布为本月修订", "Publish as this month's amendment"),
    "whatif_published": ("已发布 {run}（第 {v} 版）", "Published {run} (version {v})"),
    "whatif_planner_only": (
        "只有计划员可以发布修订；频次调整属于政策，需修改政策后重新计划。",
        "Only planners publish amendments; a change of visits is a policy change (edit the "
        "policy and plan the month).",
    ),
    "whatif_added_not_published": (
        "新增人员只是试算，不能发布：人员到岗后，请把其记录加入人员文件，再修订该乡镇"
        "（plan --amend）。",
        "An added worker is hypothetical and is not published: once the person is appointed, "
        "add their row to the workers file and amend the township (plan --amend).",
    ),
    "wf_uncovered_tier1": ("未覆盖一类户", "Tier-1 households uncovered"),
    "wf_uncovered_tier2": ("未覆盖二类户", "Tier-2 households uncovered"),
    "wf_uncovered_tier3": ("未覆盖三类户", "Tier-3 households uncovered"),
    "wf_covered": ("已覆盖户数", "Households covered"),
    "wf_travel_hours_month": ("每月路途小时", "Travel hours a month"),
    "wf_balance_cost": ("工作量失衡代价", "Workload balance cost"),
    "wf_overloaded_workers": ("超出均衡线的人员", "Workers above their balance line"),
    "wf_households_moved": ("换人的农户", "Households that change worker"),
    "wf_moved_without_change": (
        "不作改动重算也换人的农户",
        "Households that change worker in a re-solve without the changes",
    ),
    "page_household": ("农户", "Household"),
    "page_worker": ("人员", "Worker"),
    "page_overrides": (OVERRIDE_ZH, OVERRIDES_EN.capitalize()),
    "page_runs": ("方案记录", "Runs"),
    "page_model": ("模型", "Model"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "none": ("—", "—"),
    "rows_shown": ("显示 {shown} / 共 {total} 行", "showing {shown} of {total} rows"),
    # overview
    "run_caption": (
        "{month} 方案 第 {version} 版（方案编号 {run}，{when} 由 {by} 发布）",
        "{month} plan, version {version} (run {run}, published {when} by {by})",
    ),
    "households": ("农户数", "Households"),
    "tier1_coverage": ("一类户覆盖率", "Tier-1 coverage"),
    "tier1_coverage_help": (
        "已分配走访人员的一类户占全部一类户的比例",
        "share of tier-1 households with a visitor assigned",
    ),
    "tier1_proven": ("一类户覆盖已证明最大", "Tier-1 coverage proven maximal"),
    "tier1_proven_unknown": ("未证明", "not proven"),
    "tier1_proven_help": (
        "“是”：每个乡镇的一类户都已覆盖，或已证明任何方案都不能覆盖更多一类户",
        "yes: in every township all tier-1 households are covered, or it is proven that no "
        "plan covers more of them",
    ),
    "proven_caption_yes": (
        "辖区内每个乡镇的方案都有可证明的下界：整体方案与最优解的差距不超过 {gap}。",
        "Every township in scope has a proven bound: the plan is within {gap} of the best "
        "possible plan.",
    ),
    "proven_caption_no": (
        "至少一个乡镇没有可证明的下界，无法给出与最优解的差距。",
        "At least one township has no proven bound, so no gap to the best plan can be given.",
    ),
    "by_tier": ("各类别农户与覆盖", "Households by tier and coverage"),
    # the chart's title and its axis say one thing, the township tables' 工时利用率 / Share of
    # hours used (the English title said "Hours used by role" over "Utilisation (%)")
    "by_role": ("各角色人员工时利用率", "Share of hours used by role"),
    "by_role_caption": (
        "已用工时占可用工时的比例（在岗且有工时的人员）",
        "hours used as a share of hours available (active workers with hours)",
    ),
    "shortfalls": ("人力缺口乡镇", "Townships with a shortfall"),
    "no_shortfall": (
        "辖区内所有乡镇都能覆盖全部一类户。",
        "Every township in scope covers all of its tier-1 households.",
    ),
    "townships_map": ("乡镇分布（圆点大小表示户数）", "Townships (dot size: households)"),
    "all_townships": ("辖区乡镇", "Townships in scope"),
    "covered": ("已覆盖", "covered"),
    "uncovered": ("未覆盖", "uncovered"),
    "tier_axis": ("类别", "Tier"),
    "households_axis": ("户数", "Households"),
    "role_axis": ("人员角色", "Role"),
    "utilisation_axis": ("工时利用率（%）", "Share of hours used (%)"),
    "hours_axis": ("小时/月", "Hours a month"),
    # township
    "choose_township": ("选择乡镇", "Choose a township"),
    "status": ("求解状态", "Solve status"),
    "workers": ("人员数", "Workers"),
    "uncovered_households": ("未覆盖农户", "Uncovered households"),
    "worker_pick": (
        "勾选一行，查看该人员负责的农户、工时与走访清单。",
        "Tick a row to open the worker: their households, hours and visit list.",
    ),
    "uncovered_pick": (
        "勾选一行，查看该户的类别原因、无人走访的原因与可选人员。",
        "Tick a row to open the household: why its tier, why no one visits it, who could.",
    ),
    "demand_capacity": ("各角色人员：需求与工时", "Demand and capacity by role"),
    "demand_capacity_caption": (
        "需求：按政策由该角色人员走访的类别所需工时，含未覆盖农户（已覆盖农户的工时加上人力缺口中"
        "现有该角色人员需增加的工时）；可用：该角色人员每月工时；已用：方案分配的工时。",
        "Demand: hours the tier this role serves needs under the policy, uncovered households "
        "included (the covered households' hours plus the extra hours of the present workers "
        "the shortfall names); available: the role's monthly hours; used: hours the plan "
        "assigns.",
    ),
    "demand_hours": ("需求工时（含未覆盖农户）", "hours needed incl. uncovered"),
    "available_hours": ("可用工时", "hours available"),
    "used_hours": ("已用工时", "hours used"),
    "demand_series": ("工时", "Hours"),
    "shortfall_none": (
        "本乡镇一类户全部覆盖，无人力缺口。",
        "Every tier-1 household of this township is covered: no shortfall.",
    ),
    "all_covered": ("本乡镇所有农户均已分配走访人员。", "Every household has a visitor."),
    "uncovered_hidden": (
        "浏览账户仅可查看汇总：共 {n} 户未覆盖。",
        "Viewer accounts see aggregates only: {n} households are uncovered.",
    ),
    "worker_loads": ("人员工作量", "Worker loads"),
    "township_map": ("乡镇地图", "Township map"),
    "map_caption": ("无底图（离线）。", "No base map (offline)."),
    "map_description": (
        "{title}（无底图，离线）：标出{marks}。",
        "{title} (no base map, offline): shows {marks}.",
    ),
    "legend_bases": ("人员驻地", "worker base"),
    "legend_unassigned": ("未覆盖（黑边）", "uncovered (black ring)"),
    "legend_trips": ("驻地到农户", "base to household"),
    "legend_outline": ("范围（所有点的凸包）", "extent (convex hull of the points)"),
    "legend_town_short": ("有一类户未覆盖的乡镇", "township with tier-1 households uncovered"),
    "legend_town_covered": ("一类户全部覆盖的乡镇", "township with every tier-1 household covered"),
    "no_points": ("没有可在地图上显示的点。", "Nothing to show on the map."),
    # household
    "household_id_input": ("农户编号", "Household id"),
    "household_id_help": ("例如 H0000001", "e.g. H0000001"),
    "household_prompt": (
        "输入辖区内的农户编号，查看该户类别与走访人员的原因。",
        "Enter the id of a household in your jurisdiction to see why it has its tier and visitor.",
    ),
    "tier": ("类别", "Tier"),
    "tier_source": ("类别来源", "Tier decided by"),
    "source_model": labels.TIER_SOURCE["model"],
    "source_rule": (
        labels.TIER_SOURCE["rule"][0] + "：{rule}",
        labels.TIER_SOURCE["rule"][1] + ": {rule}",
    ),
    "source_override": (
        labels.TIER_SOURCE["override"][0] + "：{reason}",
        labels.TIER_SOURCE["override"][1] + ": {reason}",
    ),
    "source_unknown": labels.TIER_SOURCE[None],
    "probabilities": ("模型估计的概率", "Probabilities from the model"),
    "reasons": ("主要原因", "Main reasons"),
    "reasons_caption": (
        "对一类户风险影响最大的因素（↑ 提高风险，↓ 降低风险）",
        "the factors that moved the tier-1 risk most (↑ raises it, ↓ lowers it)",
    ),
    "reason_up": ("↑ 提高风险 {mag}", "↑ raises the risk {mag}"),
    "reason_down": ("↓ 降低风险 {mag}", "↓ lowers the risk {mag}"),
    "no_reasons": ("本方案未记录原因。", "This run recorded no reasons."),
    # the model's tier is the least expected cost under the policy's [risk] cost_matrix
    # (risk_model.decision), as `visit-planner explain` says it
    "tier_rule": (
        "按政策取误判期望代价最小的类别，不一定是概率最大的类别。",
        "The tier is the one of least expected cost of a wrong tier under the policy, not "
        "always the most probable one.",
    ),
    "tier_rule_costs": (
        "期望代价：{costs}（一类户误为二类户代价 {miss2}，误为三类户代价 {miss3}）。",
        "Expected cost: {costs} (a tier-1 household taken for tier 2 costs {miss2}, for "
        "tier 3 {miss3}).",
    ),
    "assignment": ("走访安排", "Visit assignment"),
    "assigned_worker": ("走访人员", "Visitor"),
    "visit_frequency": ("走访频次", "Visit frequency"),
    "not_assigned": (UNASSIGNED[0], UNASSIGNED[1]),
    # the household page's link to its visitor's page (the worker page, ?worker=)
    "open_worker": ("{w} 的走访清单与工时", "{w}'s visit list and hours"),
    # a plan's travel_minutes is per visit, there and back unless the policy says one way
    "travel": ("每次路途", "Travel per visit"),
    "travel_round_trip": (
        "往返：从人员驻地到农户再返回（本方案的策略）",
        "Round trip: from the worker's base to the household and back (this run's policy)",
    ),
    "travel_one_way": (
        "单程：从人员驻地到农户（本方案的策略）",
        "One way: from the worker's base to the household (this run's policy)",
    ),
    "hours_month": ("每月工时", "Hours a month"),
    "continuity": ("延续性", "Continuity"),
    "continuity_kept": ("延续上月走访人员 {w}", "same visitor as last month ({w})"),
    "continuity_changed": ("上月走访人员为 {w}，本月更换", "last month's visitor was {w}; changed"),
    "continuity_new": ("上月无走访人员", "no visitor last month"),
    "continuity_none_now": (
        "上月走访人员为 {w}，本月无人走访",
        "last month's visitor was {w}; no one visits it this month",
    ),
    "unassigned_why": (
        "本月无人走访：乡镇人力不足",
        "No one visits it this month: the township is short",
    ),
    # The nearest worker of a role that serves the tier, eligible or not (the reason says
    # why not): named by its role, never "eligible" ("the nearest other eligible worker ...
    # was not chosen: that worker is inactive" contradicted itself).
    "nearest_unassigned": (
        "最近的{role} {w}（{travel}）未能承接：{why}",
        "The nearest {role}, {w} ({travel}), could not take it: {why}",
    ),
    "up_cover_note": (
        "由更高一级人员兜底走访（上位兜底）。",
        "Visited by a higher role than the tier needs (up-cover).",
    ),
    "nearest_other": (
        "最近的另一位{role} {w}（{travel}）未被选中：{why}",
        "The nearest other {role}, {w} ({travel}), was not chosen: {why}",
    ),
    "overrides_applied": ("已生效的督导调整", "Supervisors' overrides applied"),
    "no_overrides": ("无", "none"),
    "overrides_not_applied": (
        "未在本月方案生效的督导调整",
        "Supervisors' overrides not applied this month",
    ),
    "alternatives": (
        "其他可选人员（按代价排序，无法计算代价的按路途）",
        "Other eligible workers, ranked by cost (by travel where no cost can be computed)",
    ),
    "alternatives_caption": (
        "代价：换给该人员后，方案目标增加的量（分钟当量/月），越小越好。",
        "Cost: how much the plan's objective would grow (minutes-equivalent a month) with "
        "that worker instead; lower is better.",
    ),
    # one ranked alternative, its first line (the reason under it: why_not)
    "alternative_who": ("{w} · {role} · 每次路途 {travel}", "{w} · {role} · {travel} per visit"),
    "alternatives_more": ("其余 {n} 位", "{n} more"),
    "no_alternatives": ("没有其他可承接的人员。", "No other worker may take this household."),
    "why_no_room": (
        "该人员已满，需调出多户才能腾出容量",
        "that worker is full and would need more than one household moved out",
    ),
    "why_cost": ("整体代价增加 {cost}", "the plan would cost {cost} more"),
    # the household's own arc cost (travel, continuity ...) against its present cost, its
    # arc or, when it is unassigned, its penalty: not travel alone. Said as a rise or a
    # saving, never as a signed "cost -123,351.4", which no supervisor could read
    "why_own_more": ("其中本户自身成本增加 {x}", "of which {x} is this household's own cost"),
    "why_own_less": ("本户自身成本减少 {x}", "this household's own cost falls by {x}"),
    "why_own_visited": (
        "本户得到走访，免去其未走访代价 {x}",
        "visiting this household saves its cost of going unvisited, {x}",
    ),
    # the household the alternative worker would give up, by its tier (as explain says it:
    # a tier-1 household left unvisited is the consequence that matters)
    "why_moves": ("需把{tier} {h} 调给 {w}", "{tier} household {h} would move to {w}"),
    "why_unvisited": ("{tier} {h} 将无人走访", "{tier} household {h} would be left unvisited"),
    "why_balance": ("工作量均衡 {delta}", "workload balance {delta}"),
    "why_pin": ("违反督导指定", "breaks a supervisor's pin"),
    "history": ("历月记录", "History across months"),
    "record": ("农户信息", "Household record"),
    "record_masked": (
        "敏感字段（纠纷、信访、疾病、残疾）对本角色不可见。",
        "Sensitive fields (disputes, petitions, illness, disability) are hidden for your role.",
    ),
    "field": ("字段", "Field"),
    "value": ("值", "Value"),
    # worker
    "worker_id_label": ("人员编号", "Worker id"),
    "choose_placeholder": ("请选择", "Choose"),
    "choose_options": ("请选择（可多选）", "Choose one or more"),
    "hours_used_capacity": ("已用 / 可用工时", "Hours used / available"),
    "choose_worker": ("选择人员", "Choose a worker"),
    "worker_households": ("负责农户", "Households on the list"),
    "worker_map": ("走访地图", "Visits map"),
    "sheet": ("打印走访清单", "Printable visit list"),
    "sheet_button": ("下载走访清单（HTML）", "Download the visit list (HTML)"),
    # the downloaded file's name (before .html), in the page's language as its button
    "sheet_file": ("走访清单-{month}-{worker}", "visit-list-{month}-{worker}"),
    "sheet_none": ("本月该人员没有走访农户，无清单。", "No households this month: no list."),
    "inactive": ("已停用", "inactive"),
    # overrides (督导调整): tier, pin, forbid and data correction
    "new_override": (f"提交{OVERRIDE_ZH}", f"Submit an {OVERRIDE_EN}"),
    "kind": ("类型", "Kind"),
    "kind_tier": (OVERRIDE_KIND_ZH["tier"], "tier override"),
    "kind_pin": (OVERRIDE_KIND_ZH["pin"], "pin a worker"),
    "kind_forbid": (OVERRIDE_KIND_ZH["forbid"], "forbid a pairing"),
    "kind_correction": (OVERRIDE_KIND_ZH["correction"], "data correction"),
    "reason": ("理由（必填）", "Reason (required)"),
    "worker_id_input": ("人员编号（指定/禁止配对时必填）", "Worker id (pin and forbid)"),
    "tier_input": ("新类别（类别调整时必填）", "New tier (tier override)"),
    "field_input": ("更正字段（数据更正时必填）", "Field to correct (data correction)"),
    "value_input": ("更正后的值（数据更正时必填）", "Corrected value (data correction)"),
    "evidence": ("依据（可选）", "Evidence (optional)"),
    "expires_on": ("有效期至（可选）", "Expires on (optional)"),
    "no_expiry": ("长期有效", "no expiry"),
    "submit": ("提交", "Submit"),
    "submitted": (
        f"已记录{OVERRIDE_ZH} #{{id}}，将在下次编制方案时生效。",
        f"{OVERRIDE_EN.capitalize()} #{{id}} recorded; it applies from the next plan.",
    ),
    "reason_required": ("请填写理由。", "Please give a reason."),
    "household_required": ("请填写农户编号。", "Please give a household id."),
    # what each kind of override needs, asked for in the form's words (the store's own
    # messages name the CLI's options and columns: "--tier 1/2/3", "字段 None", "worker_id")
    "worker_required": ("指定或禁止配对须填写人员编号。", "A pin or a forbid needs a worker id."),
    "tier_required": ("类别调整须选择新类别。", "A tier override needs the new tier."),
    "field_required": ("数据更正须选择更正字段。", "A data correction needs the field to correct."),
    "value_required": (
        "数据更正须填写更正后的值。",
        "A data correction needs the corrected value.",
    ),
    "overrides_list": (
        f"{OVERRIDE_ZH}记录及其在本月方案中的结果",
        f"{OVERRIDES_EN.capitalize()} and their outcome",
    ),
    "overrides_none": (
        f"辖区内暂无{OVERRIDE_ZH}记录。",
        f"No {OVERRIDES_EN} in your jurisdiction yet.",
    ),
    "override_details": (
        f"各条{OVERRIDE_ZH}的提交人、提交时间、有效期、依据与撤销",
        f"Who submitted each {OVERRIDE_EN}, when, until when, its evidence, and who revoked it",
    ),
    "read_only": (
        f"您的角色只能查看{OVERRIDE_ZH}记录，不能提交。",
        f"Your role can see the {OVERRIDES_EN} but not submit them.",
    ),
    "outcome_applied": OVERRIDE_OUTCOMES["applied"],
    "outcome_not_applied": OVERRIDE_OUTCOMES["not_applied"],
    "outcome_pending": ("待下次方案", "pending"),
    "outcome_revoked": ("已撤销，不再生效", "revoked: no longer applied"),
    "outcome_expired": ("已过期，不再生效", "expired: no longer applied"),
    "outcome_applied_revoked": (
        "已生效，现已撤销，不再生效",
        "applied, now revoked: no longer applied",
    ),
    "status_active": ("有效", "active"),
    "status_revoked": ("已撤销", "revoked"),
    "override_newest_month": (
        f"新的{OVERRIDE_ZH}按最新月份 {{month}} 的方案核对，从下次编制方案起生效；下方列表为所选"
        "月份的结果。",
        f"A new {OVERRIDE_EN} is checked against {{month}}, the newest month, and applies from "
        "the next plan; the list below is of the month chosen.",
    ),
    "not_applied_why": (
        f"未生效的{OVERRIDE_ZH}（{{n}} 条）及原因",
        f"{OVERRIDES_EN.capitalize()} not applied ({{n}}) and why",
    ),
    # revoking a standing override on the page (a conflicting one is refused until then)
    "revoke_override": (f"撤销{OVERRIDE_ZH}", f"Revoke an {OVERRIDE_EN}"),
    "revoke_none": (
        f"辖区内暂无可撤销的{OVERRIDE_ZH}。",
        f"No standing {OVERRIDE_EN} in your jurisdiction.",
    ),
    "revoke_which": (f"要撤销的{OVERRIDE_ZH}", f"{OVERRIDE_EN.capitalize()} to revoke"),
    "revoke_reason_input": ("撤销理由（必填）", "Why revoke it (required)"),
    "revoke": ("撤销", "Revoke"),
    "revoke_reason_required": ("请填写撤销理由。", "Please give the reason for revoking it."),
    "revoke_choose_required": (
        f"请选择要撤销的{OVERRIDE_ZH}。",
        f"Choose the {OVERRIDE_EN} to revoke.",
    ),
    "revoked": (
        f"已撤销{OVERRIDE_ZH} #{{id}}，下次编制方案起不再生效。",
        f"{OVERRIDE_EN.capitalize()} #{{id}} revoked; it no longer applies from the next plan.",
    ),
    # the household page's link to the overrides page, its form filled with that household
    "open_overrides": (
        f"为农户 {{h}} 提交{OVERRIDE_ZH}（类别、指定或禁止人员、数据）",
        f"Add an {OVERRIDE_EN} for household {{h}} (tier, worker, data)",
    ),
    # runs
    "runs_list": ("所有方案", "Every run"),
    "runs_none": ("尚无方案。", "No runs yet."),
    "diff": ("对比两次方案", "Compare two runs"),
    "diff_a": ("较早的方案", "Earlier run"),
    "diff_b": ("较晚的方案", "Later run"),
    "diff_same": ("请选择两个不同的方案。", "Choose two different runs."),
    "diff_one_run": (
        "目前只有一次方案，暂无可对比的方案：下次发布方案后可在此对比。",
        "There is only one run so far, so there is nothing to compare it with: the next "
        "published run can be compared here.",
    ),
    "diff_churn": CHURN_TIER_UNCHANGED,
    "diff_tier_changed": ("类别变化的农户", "Households whose tier changed"),
    "diff_t1": ("一类户未覆盖", "Tier-1 uncovered"),
    "diff_travel": ("路途（小时/月）", "Travel (hours a month)"),
    "diff_no_change": (
        "辖区内两次方案的走访人员没有变化。",
        "No household in scope changed visitor between the two runs.",
    ),
    "rollback": ("回滚", "Roll back"),
    "rollback_intro": (
        "将某月的当前方案回滚到该月较早的方案（记入审计日志）。",
        "Make an earlier run of a month current again (recorded in the audit log).",
    ),
    "rollback_to": ("回滚到", "Roll back to"),
    "rollback_reason": ("回滚理由（必填）", "Reason (required)"),
    "rollback_button": ("确认回滚", "Roll back"),
    "rollback_done": (
        "{month} 的当前方案现为第 {version} 版。",
        "{month} is now at version {version}.",
    ),
    "rollback_none": (
        "没有可回滚到的较早方案。",
        "There is no earlier run to roll back to.",
    ),
    "kind_plan": ("编制", "plan"),
    "kind_amend": ("修订", "amendment"),
    "run_current": ("当前", "current"),
    "run_superseded": ("已被取代", "superseded"),
    "run_rolled_back": ("已回滚", "rolled back"),
    # model
    "champion": ("当前使用的模型（冠军）", "Champion model"),
    "champion_none": ("模型库中还没有冠军模型。", "The registry holds no champion yet."),
    "model_versions": ("模型库中的所有版本", "Every version in the registry"),
    "model_version": ("版本 {v}", "version {v}"),
    "promoted": ("晋升时间 {at}，晋升门槛检查：{gate}", "promoted {at}; promotion gate: {gate}"),
    "gate_pass": ("通过", "passed"),
    "gate_fail": ("未通过", "failed"),
    "alias_champion": ("冠军", "champion"),
    "forced": ("（强制晋升）", "(forced)"),
    "model_caption": (
        "以下为模型库记录的指标（留出测试集），未重新计算。",
        "Metrics as the registry holds them (held-out test rows); nothing is recomputed here.",
    ),
    "metric": ("指标", "Metric"),
    "model_metrics": ("主要指标", "Main metrics"),
    "registry_loading": ("正在读取模型库……", "Reading the model registry…"),
    "baselines": ("候选模型对比", "The candidate models compared"),
    "model_hgb": ("梯度提升树", "gradient boosting"),
    "model_logistic": ("逻辑回归", "logistic regression"),
    "model_scorecard": ("评分卡", "points scorecard"),
    "chosen_mark": ("（已选用）", " (chosen)"),
    "bayes": ("理论最优（生成数据的真实概率）", "best possible (the generator's truth)"),
    "baselines_caption": (
        "训练在同一留出测试集上比较了各候选模型，选用{kind}（{by}）。"
        "“理论最优”一栏用生成数据的真实概率，仅作参照。",
        "Training compared the candidates on the same held-out rows and chose {kind} ({by}). "
        "The best-possible column uses the generator's true probabilities, for reference only.",
    ),
    "chosen_by_log_loss": ("留出集对数损失最小", "lowest held-out log-loss"),
    "chosen_by_request": ("按训练参数指定", "as the training run requested"),
    "chosen_by_unknown": ("选用依据见模型卡", "see the model card for why"),
    "calibration_x": ("模型给出的一类户概率", "Predicted probability of tier 1"),
    "calibration_y": ("其中实际为一类户的比例", "Observed share of tier 1"),
    "calibration_model": ("模型", "Model"),
    "calibration_perfect": ("完全可信（对角线）", "perfectly calibrated (diagonal)"),
    "calibration_caption_data": (
        "横轴为模型给出的一类户概率，纵轴为其中实际为一类户的比例，每个点是一组概率相近的农户"
        "（留出测试集）；越贴近虚线对角线，概率越可信。本模型的校准误差（ECE）为 {ece}。",
        "Across, the model's probability of tier 1; up, the share of those households that "
        "were tier 1; each dot is a group of held-out households with similar probabilities. "
        "The closer to the dashed diagonal, the more the probabilities can be trusted. This "
        "model's calibration error (ECE) is {ece}.",
    ),
    "calibration": ("校准曲线（留出测试集）", "Calibration (held-out test rows)"),
    "calibration_gap": (
        "{model} 预测与实际最多相差 {gap}",
        "{model}: predicted and observed differ by at most {gap}",
    ),
    "calibration_caption": (
        "训练时绘制的可靠性曲线（图内文字为英文）：横轴为模型给出的一类户概率，纵轴为其中实际为"
        "一类户的比例，每个点是一组概率相近的农户；越贴近虚线对角线，概率越可信。"
        "本模型的校准误差（ECE）为 {ece}。",
        "Reliability curves as training drew them: across, the model's probability of tier 1; "
        "up, the share of those households that were tier 1; each dot is a group of households "
        "with similar probabilities. The closer to the dashed diagonal, the more the "
        "probabilities can be trusted. This model's calibration error (ECE) is {ece}.",
    ),
    "calibration_none": (
        "该版本训练时没有记录校准曲线。",
        "Training did not log a calibration curve for this version.",
    ),
    "fairness": ("各群体的误差（公平性）", "Errors across groups (fairness)"),
    "fairness_chart": ("一类户召回率（按{attr}）", "Tier-1 recall by {attr}"),
    "fairness_caption": (
        "一类户召回率：真实一类户中被模型判为一类户的比例；误报率：其他农户被判为一类户的比例"
        "（留出测试集）。一类户少的群体误差范围大。民族、性别只用于此审计，从不作为模型特征。",
        "Tier-1 recall: share of true tier-1 households the model put in tier 1; false alarms: "
        "share of other households it put in tier 1 (held-out test rows). Groups with few "
        "tier-1 households have wide error bars. Ethnicity and gender are used for this audit "
        "only, never as model features.",
    ),
    "fairness_none": (
        "该版本训练时没有记录分组误差表。",
        "Training did not log the table of errors by group for this version.",
    ),
    "recall_axis": ("一类户召回率（%）", "Tier-1 recall (%)"),
    "group_axis": ("群体", "Group"),
    "drift": ("数据漂移（本月数据与训练数据对比）", "Drift (this month's data against training)"),
    "drift_caption": (
        "按本月方案中{n}户的数据，与模型 {v} 版训练数据逐项比较分布（群体稳定性指数 PSI）；"
        "PSI 超过 {threshold} 即标记，需复核数据或重新训练。",
        "Distribution of each feature over the {n} households of this month's plan against "
        "the training data of model version {v} (population stability index, PSI); above "
        "{threshold} a feature is flagged: check the data or retrain.",
    ),
    "drift_flagged": (
        "有 {n} 项特征发生显著漂移：{features}",
        "{n} feature(s) shifted significantly: {features}",
    ),
    "drift_ok": ("没有特征超过漂移阈值。", "No feature is above the drift threshold."),
    "drift_none": (
        "本月方案未记录评分所用的模型版本，无法比较。",
        "This month's plan records no model version: nothing to compare.",
    ),
    "drift_chart": ("各特征的 PSI（越大漂移越明显）", "PSI per feature (larger: larger shift)"),
    "psi_axis": ("PSI（无单位）", "PSI (no unit)"),
    "feature_axis": ("特征", "Feature"),
    "model_card": ("模型说明书（训练时生成，英文为主）", "Model card (as training wrote it)"),
    "model_card_none": (
        "该版本训练时没有记录模型说明书。",
        "Training did not log a model card for this version.",
    ),
    "attr_county_id": ("县", "county"),
    "attr_head_ethnicity": ("户主民族", "head's ethnicity"),
    "attr_head_gender": ("户主性别", "head's gender"),
    # --- session messages (sign-in refusals by reason, expiry, deep links; dashboard/auth.py)
    "login_wrong": ("用户名或密码错误。", "Wrong username or password."),
    "login_disabled": (
        "该账户已停用，请联系管理员。",
        "This account is disabled; ask an administrator.",
    ),
    "login_locked": (
        "连续登录失败次数过多，账户已锁定至{until}。请届时再试，或请管理员重置密码。",
        "Too many failed sign-ins: the account is locked until {until}. Try "
        "again then, or ask an administrator to reset the password.",
    ),
    "login_client_blocked": (
        "此地址登录失败次数过多，暂停从此地址登录（任何账户）至{until}。请届时再试，"
        "或请管理员解除限制。",
        "Too many failed sign-ins from this address: signing in from it, to any account, is "
        "paused until {until}. Try again then, or ask an administrator to lift the pause.",
    ),
    "sso_no_account": (
        "此统一身份未对应任何有效账户，请联系管理员开设。",
        "This identity matches no active account; ask an administrator to create one.",
    ),
    "sso_unverified": (
        "身份提供方未验证此电子邮箱，已拒绝。",
        "The identity provider has not verified this e-mail address; refused.",
    ),
    "session_expired": (
        "登录已过期（闲置超过 8 小时、登录超过 12 小时，或已在其他标签页退出）。请重新登录。",
        "Your sign-in has expired (idle for over 8 hours, signed in for over 12 hours, or "
        "signed out in another tab). Please sign in again.",
    ),
    "page_not_allowed": (
        "您的角色无权查看“{page}”页面，已转到总览。",
        "Your role may not see the page “{page}”; showing the overview instead.",
    ),
    "runs_churn_scoped": (
        f"{CHURN_TIER_UNCHANGED[0]}按全州记录，此处不显示；下方“方案对比”给出您辖区内的这一数字。",
        "A run's churn (tier unchanged) is recorded for the whole prefecture and is not "
        "shown here; the comparison below gives it within your jurisdiction.",
    ),
    "jurisdiction_empty": (
        "本月方案中您的辖区（{scope}）没有农户，因此没有可显示的数字。",
        "Your jurisdiction ({scope}) has no households in this month's plan, so there are "
        "no figures to show.",
    ),
}


def t(key: str, lang: Lang, **values: Any) -> str:
    """The text ``key`` in ``lang``, with ``values`` filled in."""
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


# --------------------------------------------------------------------------- numbers


def fmt_int(value: float | None) -> str:
    """``12,345`` (the same grouping in both languages)."""
    return "—" if value is None else f"{round(float(value)):,}"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """``54.6%`` from a share (0.546)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{100 * float(value):.{digits}f}%"


def fmt_hours(value: float | None, lang: Lang, digits: int = 1) -> str:
    """``27.9 小时`` / ``27.9 h`` (``digits`` decimals: :func:`hours_digits` for hours shown
    beside others)."""
    if value is None:
        return "—"
    number = f"{float(value):,.{digits}f}"
    return f"{number} 小时" if lang == "zh" else f"{number} h"


def hours_digits(used: float, available: float) -> int:
    """The decimals hours used and hours available are both shown with: one, unless one
    decimal shows equal hours for unequal ones (23.98 of 24 read "24.0 / 24.0" beside
    "99.9%", a contradiction): then as many (up to three) as tell them apart."""
    u, a = float(used), float(available)
    return next((d for d in (1, 2, 3) if f"{u:.{d}f}" != f"{a:.{d}f}" or u == a), 3)


def fmt_hours_of(used: float, available: float | None, lang: Lang) -> str:
    """``23.98 / 24.00 小时``: hours used of hours available, beside their share
    (:func:`fmt_share`), both with :func:`hours_digits` decimals."""
    u = float(used)
    digits = 1 if available is None else hours_digits(u, available)
    return f"{u:,.{digits}f} / {fmt_hours(available, lang, digits)}"


def fmt_share(value: float | None, digits: int = 1) -> str:
    """``99.9%``: a share of a whole that reads 100% only when it is whole - a share below 1
    is rounded down (0.99996 -> ``99.9%``, not ``100.0%`` beside hours that differ), one of
    1 or more as :func:`fmt_pct`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    share = float(value)
    if share >= 1:
        return fmt_pct(share, digits)
    scale = 10**digits
    return f"{math.floor(100 * share * scale + 1e-9) / scale:.{digits}f}%"


def fmt_minutes(value: float | None, lang: Lang) -> str:
    """``12 分钟`` / ``12 min``."""
    if value is None:
        return "—"
    return f"{float(value):,.0f} 分钟" if lang == "zh" else f"{float(value):,.0f} min"


def fmt_signed(value: float | None, digits: int = 1) -> str:
    """``+12.3`` / ``-4.0``."""
    return "—" if value is None else f"{float(value):+,.{digits}f}"


# --------------------------------------------------------------------------- codes


def tier(value: int | None, lang: Lang) -> str:
    """``一类户`` / ``tier 1 (high)``."""
    if value is None:
        return "—"
    return labels.TIER_ZH[int(value)] if lang == "zh" else labels.TIER_EN[int(value)]


def role(value: str | None, lang: Lang) -> str:
    """``基层干部`` / ``cadre``."""
    if not value:
        return "—"
    return labels.role_zh(value) if lang == "zh" else labels.role_en(value)


def worker(worker_id: str, role_code: str | None, lang: Lang) -> str:
    """A worker as a choice reads: ``W000003 · 基层干部`` / ``W000003 · cadre``."""
    return f"{worker_id} · {role(role_code, lang)}" if role_code else worker_id


ROLE_WORDS: Final = USER_ROLE_WORDS
"""An account's role in words: :data:`visit_planner.vocabulary.USER_ROLE_WORDS`."""


ROLE_ORDER: Final = {"cadre": 0, "village_official": 1, "grid_worker": 2}
"""Roles from the highest (takes tier 1) to the lowest, the order every page lists them in."""


def by_role_order(roles: Iterable[str]) -> list[int]:
    """The positions that put ``roles`` in :data:`ROLE_ORDER` (unknown roles last)."""
    ranked = list(roles)
    return sorted(range(len(ranked)), key=lambda i: (ROLE_ORDER.get(ranked[i], 9), ranked[i]))


def label_sep(lang: Lang) -> str:
    """What follows a bold label: ``：`` / ``: ``."""
    return "：" if lang == "zh" else ": "


def gate(value: str | None, lang: Lang) -> str:
    """A promotion gate result in words."""
    key = {"pass": "gate_pass", "fail": "gate_fail"}.get(value or "")
    return t(key, lang) if key else (value or "—")


def alias(value: str, lang: Lang) -> str:
    """A model registry alias in words (``champion`` -> ``冠军``)."""
    key = f"alias_{value}"
    return t(key, lang) if key in TEXT else value


def timestamp(value: clock.Moment | None, lang: Lang) -> str:
    """A moment in a sentence, in Beijing time (:mod:`visit_planner.clock`) and the page's
    language: ``2026-12-01T20:30:00+00:00`` -> ``北京时间 2026-12-02 04:30`` /
    ``2026-12-02 04:30 Beijing time``; ``—`` when missing. Text that is not a time (a registry
    tag written by hand) is shown as it is, not hidden."""
    if value is None or value == "":
        return "—"
    try:
        return clock.shown_in(value, lang)
    except (TypeError, ValueError):
        return str(value)


def time_cell(value: clock.Moment | None) -> str | None:
    """A moment in a table column whose heading names the zone (``published_at``,
    ``registered_at``, ...): Beijing time without a label, ``2026-12-02 04:30``; None when
    missing; text that is not a time as it is. Pages pass this text, not datetimes, to polars:
    a zoned polars column needs the time-zone database to give its values back."""
    if value is None or value == "":
        return None
    try:
        return clock.shown(value)
    except (TypeError, ValueError):
        return str(value)


def account_role(value: str, lang: Lang) -> str:
    """A dashboard account's role: ``督导`` / ``supervisor``."""
    zh, en = ROLE_WORDS.get(value, (value, value))
    return zh if lang == "zh" else en


def county(county_id: str, lang: Lang) -> str:
    """The county's name in one language (``丘北县`` / ``Qiubei``), empty when unknown."""
    both = labels.county_name(county_id)
    if not both:
        return ""
    zh, _, en = both.partition(" ")
    return zh if lang == "zh" else en


def scope(kind: str, scope_id: str | None, lang: Lang) -> str:
    """``全州`` / ``the prefecture``; ``丘北县 (532626)``; ``乡镇 锦屏镇 · 丘北县 (532626001)``:
    places name first, then the code, as everywhere (:func:`township`)."""
    if kind == "prefecture" or scope_id is None:
        return "全州" if lang == "zh" else "the prefecture"
    if kind == "county":
        name = county(scope_id[:6], lang) or ("县" if lang == "zh" else "county")
        return f"{name} ({scope_id})"
    return f"{'乡镇' if lang == 'zh' else 'township'} {township(scope_id, lang)}"


def township(township_id: str, lang: Lang) -> str:
    """``锦屏镇 · 丘北县 (532626001)`` / ``Jinping · Qiubei (532626001)``: a township by name,
    then its county's name, then the code in brackets - the order of
    :func:`visit_planner.contracts.places.place_label` (the CLI's and the printed lists'
    ``name (code)``), with the county for context; ``丘北县 (532626001)`` where the run has no
    name for the place, the code alone where its county is unknown too. Every selector,
    table, heading, map tooltip and message of the dashboard names a township so; a village's
    code is named with its township (:func:`village`), not its county."""
    from visit_planner.contracts.places import place_name

    if len(township_id) == VILLAGE_DIGITS:
        return village(township_id, lang)
    names = [n for n in (place_name(township_id, lang), county(township_id[:6], lang)) if n]
    return f"{' · '.join(names)} ({township_id})" if names else township_id


VILLAGE_DIGITS: Final = 12
"""A village's code: its township's 9 digits and 3 of its own."""


def village(village_id: str, lang: Lang) -> str:
    """``白屯村 · 开化街道 (532601001001)``: a village in a sentence, by name, then its
    township's name (the place it lies in, as a township is followed by its county), then
    the code; ``白屯村 (532601001001)`` where the township has no name, the code alone where
    the village has none (:func:`place`). A village read as ``白屯村 · 文山市``, with its
    county, in the household page's reasons: the township is what a supervisor knows it by."""
    from visit_planner.contracts.places import place_name

    name = place_name(village_id, lang)
    parent = place_name(village_id[:9], lang)
    if not (name and parent):
        return place(village_id, lang)
    return f"{name} · {parent} ({village_id})"


_GRID: Final = re.compile(r"(\d{12})(G\d+)")
"""A grid's code: its village's code and the grid's number (``532601001001G01``)."""


def place(code: str | None, lang: Lang) -> str:
    """A county, township, village or grid by name and code, short (a table cell, a map
    label): ``龙塘村 (532601001001)`` / ``Longtang (532601001001)``, as the printed visit lists
    write it (:func:`visit_planner.contracts.places.place_label`); a grid, which has no name
    of its own, by its village's and its number: ``龙塘村 G01 (532601001001G01)``; the code
    alone when the run has no name for it, ``—`` for no code."""
    from visit_planner.contracts.places import place_name

    grid = _GRID.fullmatch(code or "")
    village = place_name(grid.group(1), lang) if grid else ""
    if grid and village:
        return f"{village} {grid.group(2)} ({code})"
    return place_label(code, lang)


STATUS_WORDS: Final = {**SOLVE_STATUS, "timeout": ("超时", "timed out")}
"""A solve's status in words: the command line's (:data:`visit_planner.vocabulary.SOLVE_STATUS`)."""


def status(value: str | None, lang: Lang) -> str:
    """A township's solve status in words."""
    zh, en = STATUS_WORDS.get(value or "", (value or "—", value or "—"))
    return zh if lang == "zh" else en


def outcome(value: str, lang: Lang) -> str:
    """An override's outcome: applied / not applied in the month's plan; or, not in it,
    pending (the next plan applies it), revoked or expired (no plan will)."""
    return t(f"outcome_{value}" if f"outcome_{value}" in TEXT else "outcome_pending", lang)


def override_change(row: Mapping[str, Any], lang: Lang) -> str:
    """What an override asks for, in one cell: the new tier (``一类户``), the worker of a pin
    or a forbidden pairing, or the corrected field and value (``家庭人口 = 5``)."""
    kind = row.get("kind")
    if kind == "tier":
        return tier(row.get("tier"), lang)
    if kind in ("pin", "forbid"):
        return str(row.get("worker_id") or "—")
    if row.get("field"):
        return f"{record_field(str(row['field']), lang)} = {row.get('value') or '—'}"
    return "—"


def override_what(row: Mapping[str, Any], lang: Lang) -> str:
    """An override's kind and what it asks for, in one cell: ``类别调整：一类户`` /
    ``tier override: tier 1 (high)``, ``指定人员：W000071``, ``数据更正：家庭人口 = 5``."""
    kind = override_kind(str(row.get("kind")), lang)
    return f"{kind}{label_sep(lang)}{override_change(row, lang)}"


def override_outcome(row: Mapping[str, Any], lang: Lang) -> str:
    """An override's outcome in the month's plan and, when it was not applied, why, in one
    cell: ``已生效``; ``未生效：指定 H0001621→W000071 违反规则 in_jurisdiction, 已忽略`` /
    ``not applied: pin H0001621→W000071 breaks in_jurisdiction and is ignored``; ``待下次方案``.
    One the month's plan applied and that was revoked since: ``已生效，现已撤销，不再生效`` (it
    read ``已生效`` beside its status ``已撤销``, as if the revocation had not taken)."""
    if row.get("outcome") == "applied" and row.get("status") == "revoked":
        return t("outcome_applied_revoked", lang)
    said = outcome(str(row.get("outcome")), lang)
    why = pick(row.get("outcome_reason"), lang) if row.get("outcome_reason") else ""
    return f"{said}{label_sep(lang)}{why}" if why else said


_NOTE_KINDS: Final = {
    "类别调整 tier override": "tier",
    "禁止配对 forbid": "forbid",
    "数据更正 correction": "correction",
    "指定人员 pin": "pin",
}
"""How :func:`visit_planner.overrides.apply_overrides` and ``pin_outcomes`` begin a note."""
_NOTE = re.compile(f"({'|'.join(_NOTE_KINDS)}) #(\\d+): ")


def override_notes(text: str | None, lang: Lang) -> str:
    """The run's notes of the overrides applied to a household (``类别调整 tier override #1: 1
    (理由); 禁止配对 forbid #4: W000001 (理由)``, written bilingual by the plan) in one
    language: ``tier override #1: tier 1 (high) (理由)``; the reasons as their authors wrote
    them. A text of another form is kept whole."""
    if not text:
        return ""
    marks = list(_NOTE.finditer(text))
    if not marks or marks[0].start() != 0:
        return text
    parts = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = text[mark.end() : end].removesuffix("; ").strip()
        kind = _NOTE_KINDS[mark.group(1)]
        head, _, rest = body.partition(" ")
        if kind == "tier" and head.isdigit():
            body = f"{tier(int(head), lang)} {rest}"
        elif kind == "correction":
            body = f"{record_field(head, lang)} {rest}"
        parts.append(f"{override_kind(kind, lang)} #{mark.group(2)}{label_sep(lang)}{body}")
    return ("；" if lang == "zh" else "; ").join(parts)


def changes_text(changes: Changes, lang: Lang) -> str:
    """A what-if's changes in words (``W000003 月工时改为 30 小时；一类户每月走访 2 次``): the
    page's own wording, where :meth:`Changes.describe` writes the audit entry's English."""
    parts = [t("wf_change_hours", lang, w=w, h=f"{h:g}") for w, h in sorted(changes.hours.items())]
    parts += [t("wf_change_remove", lang, w=w) for w in changes.remove]
    parts += [
        t("wf_change_add", lang, role=role(n.role, lang), h=f"{n.monthly_hours:g}")
        for n in changes.add
    ]
    parts += [
        t("wf_change_visits", lang, tier=tier(k, lang), v=f"{v:g}")
        for k, v in sorted(changes.visits_per_month.items())
    ]
    return ("；" if lang == "zh" else "; ").join(parts) or t("wf_change_none", lang)


def override_kind(value: str, lang: Lang) -> str:
    """``类别调整`` / ``tier override`` ..."""
    return t(f"kind_{value}", lang) if f"kind_{value}" in TEXT else value


def run_status(value: str, lang: Lang) -> str:
    """A run's status: current / superseded / rolled back."""
    key = f"run_{value}"
    return t(key, lang) if key in TEXT else value


def model_kind(value: str, lang: Lang) -> str:
    """A model kind as people say it: 梯度提升树 / gradient boosting ..."""
    key = f"model_{value}"
    return t(key, lang) if key in TEXT else (value or "—")


def run_kind(value: str, lang: Lang) -> str:
    """A run's kind: plan / amendment."""
    key = f"kind_{value}"
    return t(key, lang) if key in TEXT else value


def yes_no(value: bool | None, lang: Lang) -> str:
    """``是`` / ``yes``; ``—`` for unknown."""
    return "—" if value is None else t("yes" if value else "no", lang)


_EN_TAIL = re.compile(r"\s[+-]\d+\.\d+$")


def _pairs(text: str) -> list[str]:
    """A text of several ``中文 / English`` sentences joined by ``; `` cut into them: at each
    ``; `` outside brackets that a Chinese character follows."""
    pairs, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        elif (
            ch == ";"
            and depth == 0
            and text[i + 1 : i + 2] == " "
            and "\u4e00" <= text[i + 2 : i + 3] <= "\u9fff"
        ):
            pairs.append(text[start:i])
            start = i + 2
    pairs.append(text[start:])
    return pairs


_BARE_CODE: Final = re.compile(r"(?<![\w.(（/])(\d{12}G\d+|\d{6}(?:\d{3}){0,2})(?![\w./])")
"""A county, township, village or grid code standing alone (not already in brackets after a
name, nor a directory of a path: ``townships/532601001/plan.parquet``)."""


def named(text: str, lang: Lang) -> str:
    """``text`` with every bare place code that has a known name written name first, as the
    pages write places (:func:`township`, :func:`place`): for sentences composed elsewhere
    (the run's reasons and shortfalls, the errors of the data layer and the store)."""
    from visit_planner.contracts.places import place_name

    def name(m: re.Match[str]) -> str:
        code = m.group(1)
        if _GRID.fullmatch(code):  # 网格 532601001001G06: its village's name and number too
            return place(code, lang)
        if len(code) == 6:
            return place(code, lang) if place_name(code) else code
        if len(code) == VILLAGE_DIGITS:
            return village(code, lang)
        return township(code, lang) if place_name(code) or county(code[:6], lang) else code

    return _BARE_CODE.sub(name, text)


def pick(text: str | None, lang: Lang) -> str:
    """One language of a ``中文 / English`` text, also of several such sentences joined by
    ``; `` (the shortfall and its remedy); a part without `` / `` is kept whole. Place codes
    in it are named (:func:`named`)."""
    if not text:
        return ""
    if " / " not in text:
        return named(text, lang)
    if text.count(" / ") == 1:  # one sentence pair, whatever its own "; " (a store refusal)
        zh, _, en = text.partition(" / ")
        return named((zh if lang == "zh" else en).strip(), lang)
    parts = [_one_of_pair(pair, lang) for pair in _pairs(text)]
    return named(("；" if lang == "zh" else "; ").join(parts), lang)


def _one_of_pair(pair: str, lang: Lang) -> str:
    """One language of a ``中文 / English`` pair, also of a head pair followed by its first
    reason, ``中文 / English: 原因 / reason`` (an override refused, then why): the English
    half's reason is a pair of its own, which was shown whole on the English page and lost
    on the Chinese one."""
    zh, _, en = pair.partition(" / ")
    head, sep, rest = en.partition(": ")
    if sep and " / " in rest:
        said = _one_of_pair(rest, lang)
        return f"{zh.strip()}：{said}" if lang == "zh" else f"{head.strip()}: {said}"
    return (zh if lang == "zh" or not en else en).strip()


def reason_line(reason: Mapping[str, Any], lang: Lang) -> str:
    """One risk reason in plain words: ``村规民约积分 81.5:↓ 降低风险 0.01``."""
    words = _EN_TAIL.sub("", pick(str(reason.get("text") or ""), lang))
    contribution = float(reason.get("contribution") or 0.0)
    key = "reason_up" if contribution >= 0 else "reason_down"
    sep = "：" if lang == "zh" else ": "
    return f"{words}{sep}{t(key, lang, mag=f'{abs(contribution):.2f}')}"


def why_not(alt: Mapping[str, Any], lang: Lang, *, unassigned: bool = False) -> str:
    """Why an alternative worker was not chosen, from its what-if row: the cost the plan
    would grow by, the household's own part of it (a rise, or a saving: for an
    ``unassigned`` household, the cost of going unvisited it would no longer pay), the
    household the worker would give up (by its tier, to whom, or left unvisited), the
    workload balance."""
    if not alt.get("fits"):
        parts = [t("why_no_room", lang)]
    else:
        parts = [t("why_cost", lang, cost=fmt_signed(alt.get("objective_change")))]
        arc = alt.get("arc_change")
        if arc is not None and abs(float(arc)) >= 0.05:
            key = "why_own_more" if arc > 0 else "why_own_visited" if unassigned else "why_own_less"
            parts.append(t(key, lang, x=f"{abs(float(arc)):,.1f}"))
        displaced = alt.get("displaced_household_id")
        if displaced:
            target = alt.get("displaced_fallback_worker_id")
            kind = tier(alt.get("displaced_tier"), lang)
            parts.append(
                t("why_moves", lang, tier=kind, h=displaced, w=target)
                if target
                else t("why_unvisited", lang, tier=kind, h=displaced)
            )
        balance = alt.get("balance_change")
        if balance is not None and abs(float(balance)) >= 0.05:
            parts.append(t("why_balance", lang, delta=fmt_signed(balance)))
    note = alt.get("note_zh" if lang == "zh" else "note_en")
    if note and "pin" in str(alt.get("note_en") or ""):
        parts.append(t("why_pin", lang))
    return ("；" if lang == "zh" else "; ").join(parts)


def error_text(exc: BaseException, lang: Lang) -> str:
    """The page's message for a refused request: the error's own text (errors of this
    project are written in both languages) as a :func:`notice`."""
    return notice(str(exc), lang)


def notice(text: str, lang: Lang) -> str:
    """A refusal or withholding (out of scope, sensitive fields, not for the role) as the
    page says it: one sentence that says why, with no heading before it, in the page's
    language - ``中文 / English`` by the switch (:func:`pick`); an error's ``中文 (English)``
    (:func:`~visit_planner.vocabulary.zh_en`), whose Chinese is a summary, as
    ``中文（English）`` (Chinese first, the details alongside) or the English, also of
    several such clauses joined by ``; `` (a damaged run's file, then what to do: it was
    shown in both languages on either page) - ended as a sentence, places named."""
    text = text.strip()
    clauses = _CLAUSE.split(text) if " / " not in text else []
    pairs = [zh_en(clause) for clause in clauses]
    if not pairs or None in pairs:
        said = pick(text, lang)
    elif lang == "zh":
        said = named(
            "；".join(re.sub(r" \((.*)\)$", r"（\1）", c, flags=re.DOTALL) for c in clauses), lang
        )
    else:
        said = named("; ".join(pair[1] for pair in pairs if pair is not None), lang)
    if lang == "en" and said[:1].islower():
        said = said[0].upper() + said[1:]
    return sentence(said, lang)


_CLAUSE: Final = re.compile(r"; (?=[\u4e00-\u9fff])")
"""Where an error of several ``中文 (English)`` clauses starts its next one: a damaged run's
file, what is wrong, then what to do (:class:`~visit_planner.runs.RunReader`)."""


def sentence(text: str, lang: Lang) -> str:
    """``text`` ended as a sentence: with 。 when it is Chinese, else a full stop, unless it
    ends with one (or with ！？!?) already."""
    if text and text[-1] not in "。.！!？?":
        text += "。" if lang == "zh" and re.search("[\u4e00-\u9fff]", text) else "."
    return text


# --------------------------------------------------------------------------- columns

Kind = Literal[
    "id", "int", "float", "pct", "pct2", "share", "hours", "minutes", "tier", "role", "bool",
    "text", "bilingual", "status", "override_kind", "override_status", "run_status",
    "run_kind", "township", "place", "record_field", "metric",
]  # fmt: skip

COLUMNS: Final[dict[str, tuple[str, str, Kind]]] = {
    # ids and places
    "household_id": ("农户编号", "Household", "id"),
    "worker_id": ("人员编号", "Worker", "id"),
    "township_id": ("乡镇", "Township", "township"),
    "village_id": ("村", "Village", "place"),
    "grid_id": ("网格", "Grid", "place"),
    "county_id": ("县", "County", "place"),
    "lon": ("经度", "Longitude", "float"),
    "lat": ("纬度", "Latitude", "float"),
    # plan and loads
    "tier": ("类别", "Tier", "tier"),
    "role": ("人员角色", "Role", "role"),
    "risk": ("一类户概率", "P(tier 1)", "pct"),
    "travel_minutes": ("每次路途", "Travel per visit", "minutes"),
    "hours_per_month": ("每月工时", "Hours a month", "hours"),
    "kept_previous": ("延续上月走访人员", "Same visitor as last month", "bool"),
    "up_cover": ("上位兜底", "Up-cover", "bool"),
    "pinned": ("督导指定", "Pinned", "bool"),
    "active": ("在岗", "Active", "bool"),
    "monthly_hours": ("可用工时", "Hours available", "hours"),
    "hours_used": ("已用工时", "Hours used", "hours"),
    "hours_available": ("可用工时", "Hours available", "hours"),
    "max_households": ("户数上限", "Most households", "int"),
    "households": ("户数", "Households", "int"),
    "workers": ("人员数", "Workers", "int"),
    "up_cover_households": ("兜底户数", "Up-cover households", "int"),
    "kept_previous_households": ("延续户数", "Kept from last month", "int"),
    "utilisation_hours": ("工时利用率", "Share of hours used", "share"),
    "utilisation_count": ("户数利用率", "Households vs limit", "share"),
    "utilisation": ("利用率", "Utilisation", "share"),
    "last_visit_days": ("距上次走访天数", "Days since last visit", "int"),
    "visit_frequency": ("走访频次", "Visit frequency", "text"),
    # the worker who visits the household, as the household page calls them (走访人员): the
    # history table said 人员编号 / Worker, the id's heading
    "visitor": ("走访人员", "Visitor", "id"),
    # diagnostics
    "status": ("求解状态", "Solve status", "status"),
    "gap": ("与最优差距", "Gap to best", "pct2"),
    "unassigned_tier1": ("一类户未覆盖", "Tier-1 uncovered", "int"),
    "unassigned_tier2": ("二类户未覆盖", "Tier 2 uncovered", "int"),
    "unassigned_tier3": ("三类户未覆盖", "Tier 3 uncovered", "int"),
    "shortfall": ("人力缺口", "Shortfall", "bilingual"),
    "extra_cadres": ("需增基层干部", "Cadres needed", "int"),
    "utilisation_cadre": ("基层干部利用率", "Cadre utilisation", "share"),
    "utilisation_village_official": ("村组干部利用率", "Village official utilisation", "share"),
    "utilisation_grid_worker": ("网格员利用率", "Grid worker utilisation", "share"),
    "covered": ("已覆盖", "Covered", "int"),
    "uncovered": ("未覆盖", "Uncovered", "int"),
    # alternatives and history
    "rank": ("排名", "Rank", "int"),
    "objective_change": ("代价增加", "Cost increase", "float"),
    "why": ("原因", "Why not chosen", "text"),
    "month": ("月份", "Month", "text"),
    "version": ("版本", "Version", "int"),
    # overrides (times: Beijing time, text from time_cell; the heading names the zone)
    "id": ("编号", "No.", "int"),
    "kind": ("类型", "Kind", "override_kind"),
    "change": ("调整内容", "Change", "text"),  # override_what: the kind, then what it asks
    "field": ("字段", "Field", "record_field"),
    "value": ("值", "Value", "text"),
    "author": ("提交人", "Author", "text"),
    "reason": ("理由", "Reason", "text"),
    "created_at": ("提交时间（北京时间）", "Submitted (Beijing time)", "text"),
    "registered_at": ("登记时间（北京时间）", "Registered (Beijing time)", "text"),
    "published_at": ("发布时间（北京时间）", "Published (Beijing time)", "text"),
    "expires_on": ("有效期至", "Expires", "text"),
    "override_status": ("状态", "Status", "override_status"),
    "revoked_by": ("撤销人", "Revoked by", "text"),
    "revoked_at": ("撤销时间（北京时间）", "Revoked (Beijing time)", "text"),
    "revoke_reason": ("撤销理由", "Why revoked", "text"),
    "evidence": ("依据", "Evidence", "text"),  # a correction's, as its supervisor gave it
    "outcome": ("本月结果", "Outcome", "text"),  # override_outcome: with why not applied
    # runs
    "run_id": ("方案编号", "Run", "id"),
    "run_kind": ("类型", "Kind", "run_kind"),
    "run_status": ("状态", "Status", "run_status"),
    "created_by": ("发布人", "Published by", "text"),
    "model_version": ("模型版本", "Model version", "text"),
    "tier1_uncovered": ("一类户未覆盖", "Tier-1 uncovered", "int"),
    "churn_tier_unchanged": (*CHURN_TIER_UNCHANGED, "pct2"),
    # the diff's pairs of figures, one cell each (dashboard/views/runs.py, diff_cells)
    "changed_of_tier_unchanged": ("换人 / 类别未变户数", "Worker changed / tier unchanged", "text"),
    "changed_of_tier_changed": ("换人 / 类别变化户数", "Worker changed / tier changed", "text"),
    # headed as the figures above the table say them (diff_t1, diff_travel): "8 → 12" reads A → B
    "uncovered_tier1_change": ("一类户未覆盖", "Tier-1 uncovered", "text"),
    "travel_hours_change": ("路途（小时/月）", "Travel (hours a month)", "text"),
    # model
    "aliases": ("别名", "Aliases", "text"),
    "promoted_at": ("晋升时间（北京时间）", "Promoted (Beijing time)", "text"),
    "gate": ("晋升门槛检查", "Promotion gate", "text"),
    "metric": ("指标", "Metric", "text"),
    "tier1_recall": ("一类户召回率", "Tier-1 recall", "pct"),
    "top_class": ("召回类别", "Recall of", "text"),  # a version's highest-risk class
    "top_recall": ("召回率", "Recall", "pct"),
    "tier1_precision": ("一类户精确率", "Tier-1 precision", "pct"),
    "macro_f1": ("宏平均 F1", "Macro-F1", "metric"),
    "accuracy": ("准确率", "Accuracy", "pct"),
    "log_loss": ("对数损失", "Log loss", "metric"),
    "ece": ("校准误差（ECE）", "Calibration error (ECE)", "metric"),
    "n_rows": ("训练数据行数", "Rows of data", "int"),
    "attribute": ("分组依据", "Grouped by", "text"),
    "group": ("群体", "Group", "text"),
    "n": ("测试户数", "Test households", "int"),
    "n_tier1": ("其中一类户", "Of them tier 1", "int"),
    "tier1_fpr": ("一类户误报率", "Tier-1 false alarms", "pct"),
    "feature": ("特征", "Feature", "record_field"),
    "psi": ("群体稳定性指数 PSI", "PSI", "metric"),
    "flagged": ("漂移", "Shifted", "bool"),
}
"""Every column a page shows: Chinese label, English label, how its values read."""

MODEL_METRICS: Final = (
    "tier1_recall", "tier1_precision", "macro_f1", "accuracy", "log_loss", "ece",
)  # fmt: skip
"""The registry's metrics the model page shows, in this order."""

RECORD_FIELDS: Final[dict[str, tuple[str, str]]] = {
    "members": ("家庭人口", "Members"),
    "elderly_65plus": ("65 岁以上老人", "Aged 65 and over"),
    "children_under16": ("16 岁以下儿童", "Children under 16"),
    "elderly_living_alone": ("独居老人", "Elderly living alone"),
    "left_behind_children": ("留守儿童", "Left-behind children"),
    "disabled_members": ("残疾人", "Disabled members"),
    "serious_illness_members": ("重病成员", "Seriously ill members"),
    "low_income_allowance": ("低保", "Low-income allowance"),
    "poverty_relapse_watch": ("防返贫监测", "Poverty-relapse watch"),
    "housing_safety_grade": ("住房安全等级", "Housing safety grade"),
    "migrant_workers": ("外出务工人数", "Migrant workers"),
    "disputes_12m": ("近 12 个月纠纷", "Disputes (12 months)"),
    "hotline_requests_12m": ("近 12 个月热线诉求", "Hotline requests (12 months)"),
    "petitions_12m": ("近 12 个月信访", "Petitions (12 months)"),
    "hazard_exposure": ("灾害隐患", "Hazard exposure"),
    "road_km_to_village_center": ("距村委会（公里）", "Km to the village centre"),
    "village_points": ("村规民约积分", "Village points"),
    "last_visit_days": ("距上次走访天数", "Days since last visit"),
    "previous_tier": ("上次评估类别", "Previous tier"),
    "assessed_tier": ("本次评估类别", "Assessed tier"),
    "head_ethnicity": ("户主民族", "Head's ethnicity"),
    "head_gender": ("户主性别", "Head's gender"),
    "village_id": ("村", "Village"),
    "grid_id": ("网格", "Grid"),
}
"""The household record's fields the household page lists, in this order."""


VALUE_WORDS: Final[dict[str, tuple[str, str]]] = {
    "none": ("无", "none"),
    "drought": ("干旱", "drought"),
    "landslide": ("滑坡", "landslide"),
    "flood": ("洪涝", "flood"),
    "han": ("汉族", "Han"),
    "zhuang": ("壮族", "Zhuang"),
    "miao": ("苗族", "Miao"),
    "yi": ("彝族", "Yi"),
    "yao": ("瑶族", "Yao"),
    "M": ("男", "male"),
    "F": ("女", "female"),
}
"""Coded household values (hazards, ethnicities, gender) in words."""


def record_field(name: str, lang: Lang) -> str:
    """A household field's name in words (``members`` -> ``家庭人口``)."""
    if name in RECORD_FIELDS:
        zh, en = RECORD_FIELDS[name]
        return zh if lang == "zh" else en
    return label(name, lang) if name in COLUMNS else name


def record_value(field: str, value: Any, lang: Lang) -> str:
    """One value of the household record in words: yes/no, tiers, coded values."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return yes_no(value, lang)
    if field in ("previous_tier", "assessed_tier"):
        return tier(int(value), lang)
    if field in ("village_id", "grid_id"):
        return place(str(value), lang)
    if isinstance(value, str) and value in VALUE_WORDS:
        zh, en = VALUE_WORDS[value]
        return zh if lang == "zh" else en
    return str(value)


def label(column: str, lang: Lang) -> str:
    """The heading of ``column`` (KeyError for a column without one: add it to COLUMNS)."""
    zh, en, _ = COLUMNS[column]
    return zh if lang == "zh" else en


def _cell(value: Any, kind: Kind, lang: Lang) -> Any:
    if value is None:
        return None
    converters: dict[str, Any] = {
        "pct": fmt_pct,
        "pct2": lambda v: fmt_pct(v, 2),
        "share": fmt_share,
        "hours": lambda v: fmt_hours(v, lang),
        "minutes": lambda v: fmt_minutes(v, lang),
        "tier": lambda v: tier(v, lang),
        "role": lambda v: role(v, lang),
        "bool": lambda v: yes_no(bool(v), lang),
        "bilingual": lambda v: pick(str(v), lang),
        "status": lambda v: status(v, lang),
        "override_kind": lambda v: override_kind(v, lang),
        "override_status": lambda v: t(f"status_{v}", lang) if f"status_{v}" in TEXT else v,
        "record_field": lambda v: record_field(v, lang),
        "run_status": lambda v: run_status(v, lang),
        "run_kind": lambda v: run_kind(v, lang),
        "township": lambda v: township(str(v), lang),
        "place": lambda v: place(str(v), lang),
        "float": lambda v: round(float(v), 1),
        "metric": lambda v: f"{float(v):.3f}",
        "int": int,
        "id": str,
        "text": str,
    }
    return converters[kind](value)


_DTYPES: Final = {"int": pl.Int64, "float": pl.Float64}


def table(frame: pl.DataFrame, columns: Iterable[str], lang: Lang) -> pl.DataFrame:
    """``columns`` of ``frame`` for display under translated headings: tiers, roles, codes and
    yes/no in words, shares as percentages, one language of bilingual text, hours used and
    available in agreement with their share (:func:`_hours_of_cells`); counts and decimals
    stay numbers (so that they sort). Missing values are null (pages show them as
    ``—``)."""
    names = list(columns)
    headings = [label(c, lang) for c in names]
    if len(set(headings)) != len(headings):
        raise ValueError(f"two columns share a heading in {lang}: {names} -> {headings}")
    out = {
        label(c, lang): [_cell(v, COLUMNS[c][2], lang) for v in frame[c].to_list()] for c in names
    }
    out.update(_hours_of_cells(frame, names, lang))
    schema = {label(c, lang): _DTYPES.get(COLUMNS[c][2], pl.String) for c in names}
    return pl.DataFrame(out, schema=schema)


HOURS_AVAILABLE: Final = ("monthly_hours", "hours_available")
"""The columns of hours available that ``hours_used`` beside them is a share of."""


def _hours_of_cells(frame: pl.DataFrame, names: list[str], lang: Lang) -> dict[str, list[Any]]:
    """The cells of ``hours_used`` and of hours available (:data:`HOURS_AVAILABLE`) when both
    are shown, each row's two with :func:`hours_digits` decimals (as :func:`fmt_hours_of`):
    each on its own, a worker's 23.98 of 24 hours read "24.0 h | 24.0 h" beside "99.9%"."""
    available = next((c for c in HOURS_AVAILABLE if c in names), None)
    if "hours_used" not in names or available is None:
        return {}
    pairs = zip(frame["hours_used"].to_list(), frame[available].to_list(), strict=True)
    digits = [1 if u is None or a is None else hours_digits(u, a) for u, a in pairs]
    return {
        label(column, lang): [
            None if v is None else fmt_hours(v, lang, d)
            for v, d in zip(frame[column].to_list(), digits, strict=True)
        ]
        for column in ("hours_used", available)
    }


WORKER_LOAD_COLUMNS: Final = (
    "worker_id", "role", "active", "households", "hours_used", "monthly_hours",
    "utilisation_hours", "kept_previous_households", "up_cover_households",
)  # fmt: skip
"""The township page's worker loads table (hours used and available: :func:`_hours_of_cells`)."""

HISTORY_COLUMNS: Final = ("month", "version", "tier", "visitor")
"""The household page's history table (:meth:`~dashboard.data.DataAccess.household_history`)."""


def history_table(frame: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """The household's months for display (:func:`table`): a month in which no one visited it
    says 未分配 / unassigned in the worker column, the glossary's word, as the page's
    figure above it does - not ``—``, which reads as a missing record."""
    unassigned = pl.col("worker_id").cast(pl.String).fill_null(t("not_assigned", lang))
    return table(frame.with_columns(unassigned.alias("visitor")), HISTORY_COLUMNS, lang)


HISTORY_WIDTHS: Final = {"version": 70}
"""Pixels of the history table's narrow columns (:func:`history_widths`): the version, one
digit or two, took a quarter of the page's width, its figure far from its month."""


def history_widths(lang: Lang) -> dict[str, int]:
    """The history table's column widths by heading in ``lang`` (``show_table``'s ``widths``)."""
    return {label(column, lang): px for column, px in HISTORY_WIDTHS.items()}


def visit_frequency(per_month: float, last_visit_days: int | None, month: str, lang: Lang) -> str:
    """A household's visits as its visit list says them (``visit_planner.export``): the
    cadence (``每季度 1 次`` / ``quarterly``), and for one visit every few months whether it is
    due in ``month``, reckoned from its last visit by the lists' own rule
    (:func:`visit_planner.export.due.next_visit`): ``每季度 1 次 · 本月未到期`` /
    ``quarterly · not due this month``."""
    from visit_planner.export.due import next_visit
    from visit_planner.export.labels import visits_due_parts

    zh, en = visits_due_parts(per_month)
    due = next_visit(per_month, last_visit_days, month)
    if due is None:
        return zh if lang == "zh" else en
    return f"{zh} · {due.zh}" if lang == "zh" else f"{en} · {due.en}"


def attribute(name: str, lang: Lang) -> str:
    """A fairness attribute in words (``head_gender`` -> ``户主性别``)."""
    key = f"attr_{name}"
    return t(key, lang) if key in TEXT else name


def group(attribute_name: str, value: str, lang: Lang) -> str:
    """A group of a fairness attribute in words: counties by name, ethnicities and gender."""
    if attribute_name == "county_id":
        return county(value, lang) or value
    return record_value(attribute_name, value, lang)


def fairness_table(frame: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """The logged fairness table for display: attributes and groups in words, shares as
    percentages (a group without tier-1 households has no recall: ``—``)."""
    worded = frame.with_columns(
        pl.Series(
            "group",
            [group(a, str(g), lang) for a, g in frame.select("attribute", "group").iter_rows()],
        ),
        pl.Series("attribute", [attribute(a, lang) for a in frame["attribute"]]),
        pl.col("tier1_recall", "tier1_fpr").fill_nan(None),
    )
    return table(worded, ["attribute", "group", "n", "n_tier1", "tier1_recall", "tier1_fpr"], lang)

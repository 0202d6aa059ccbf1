"""HTML templates of the printable visit lists (Jinja2, autoescaped).

Kept as Python strings, not package data files, so that they travel with any install of the
package. Print rules: A4 with 15 mm margins (the unassigned households' sheet: A4 landscape
with 10 mm margins, its long reasons in wide columns: the demo's 19 households printed on 6
portrait pages, 3 now), the table header repeated on every page, rows never split across
pages, CJK text in Noto Sans CJK SC (else the system's sans-serif). No scripts, no web fonts,
no external resources: the files open and print offline.
"""

from __future__ import annotations

from typing import Final

STYLE: Final = """
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
html {
  font-family: "Noto Sans CJK SC", sans-serif;
  font-size: 10pt;
  line-height: 1.35;
  color: #000;
  -webkit-print-color-adjust: exact;
  print-color-adjust: exact;
}
body { margin: 0; }
@media screen { body { max-width: 180mm; margin: 8mm auto; } }
h1 { font-size: 17pt; margin: 0 0 1mm; letter-spacing: 0.5pt; }
h1 .en { font-size: 12pt; font-weight: normal; color: #333; letter-spacing: 0; }
.sub { margin: 0 0 3mm; color: #333; }
.when { white-space: nowrap; }
.en { color: #333; }
dl.meta {
  display: grid;
  grid-template-columns: max-content 1fr max-content 1fr;
  gap: 0.8mm 3mm;
  margin: 0 0 3mm;
  padding: 2mm 0;
  border-top: 0.4mm solid #000;
  border-bottom: 0.4mm solid #000;
}
dl.meta dt { font-weight: bold; white-space: nowrap; }
dl.meta dd { margin: 0; }
dl.meta dd.wide { grid-column: span 3; }
.sign { margin: 0 0 2mm; }
.sign p { margin: 0 0 2.5mm; }
.sign p > span { white-space: nowrap; margin-right: 10mm; }
.note { margin: 0 0 3mm; font-size: 8.5pt; color: #333; }
.blank {
  display: inline-block;
  width: 38mm;
  border-bottom: 0.3mm solid #000;
  height: 6mm;
  vertical-align: bottom;
}
.blank.name { width: 70mm; }
table.list { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.list thead { display: table-header-group; }
table.list tr { break-inside: avoid; page-break-inside: avoid; }
table.list th, table.list td {
  border: 0.25mm solid #555;
  padding: 1mm 1.2mm;
  vertical-align: top;
  overflow-wrap: anywhere;
}
table.list th { background: #e6e6e6; font-size: 8.5pt; line-height: 1.25; text-align: left; }
table.list th .en { display: block; font-weight: normal; font-size: 7.5pt; }
table.list tr.where th { background: #fff; font-size: 9pt; border-width: 0 0 0.25mm; }
table.list tr.where th .en { display: inline; font-size: 9pt; }
table.list td { font-size: 8.5pt; height: 11mm; }
table.list td.num { text-align: right; }
table.list td.id { font-family: "Noto Sans Mono CJK SC", monospace; font-size: 8pt; }
table.list tr.t1 td.tier { font-weight: bold; }
table.list td .en { font-size: 7.5pt; }
table.list td.notes { color: #999; font-size: 8pt; line-height: 2.1; }
table.index { width: 100%; border-collapse: collapse; }
table.index thead { display: table-header-group; }
table.index tr { break-inside: avoid; page-break-inside: avoid; }
table.index th, table.index td {
  border-bottom: 0.2mm solid #999; padding: 0.8mm 1.5mm; text-align: left; font-size: 9pt;
}
table.index td.num { text-align: right; }
h2 { font-size: 12pt; margin: 5mm 0 1.5mm; break-after: avoid; }
h3 { font-size: 10.5pt; margin: 4mm 0 1mm; break-after: avoid; }
a { color: #000; }
section.township + section.township { break-before: page; page-break-before: always; }
ul.shortfall { margin: 0 0 2mm; padding-left: 5mm; font-size: 8.5pt; }
ul.shortfall li { margin: 0 0 0.8mm; }
p.none { margin: 0 0 3mm; }
p.stale { margin: 0 0 3mm; padding: 1.5mm 2mm; border: 0.6mm solid #000; font-weight: bold; }
p.stale .en { display: block; font-weight: normal; }
p.scope { margin: 0 0 3mm; padding: 1.5mm 2mm; border: 0.3mm solid #000; }
p.scope .en { display: block; }
table.list td.reason .en { display: block; }
table.list td .due { display: block; margin-top: 0.6mm; }
table.list td .due.now { font-weight: bold; }
table.list td .due .en { display: block; font-weight: normal; }
"""

PARTS: Final = """{% macro published_at(published) -%}
{% if published %} · 发布于 <span class="en">published</span>
<span class="when">{{ published }}</span>
(北京时间 <span class="en">Beijing time</span>){% endif %}
{%- endmacro %}
{% macro scope_note(scope) -%}
{% if scope %}
<p class="scope">{{ scope.zh }} <span class="en">{{ scope.en }}</span></p>
{% endif %}
{%- endmacro %}
{% macro due(d) -%}
{% if d %}<span class="due{% if d.now %} now{% endif %}">{{ d.zh }}
<span class="en">{{ d.en }}</span></span>{% endif %}
{%- endmacro %}
{% macro stale_note(stale) -%}
{% if stale %}
<p class="stale">{{ stale.zh }} <span class="en">{{ stale.en }}</span></p>
{% endif %}
{%- endmacro %}
"""
"""What every page heads alike (:func:`published_at`: the run's publication time after its
id; :func:`scope_note`: the townships of a scoped export; :func:`stale_note`: the notice of
a run that is no longer its month's current one), imported by the pages."""


SHEET: Final = """{% import "parts" as parts %}
<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>走访清单 Visit list {{ month }} {{ w.worker_id }}</title>
<style>{{ style | safe }}
@page { @bottom-right { content: {{ page_footer | safe }}; font-size: 8pt; color: #333; } }
</style>
</head>
<body>
<h1>走访清单 <span class="en">Visit list</span></h1>
<p class="sub">{{ month }} · 家庭分类评估 挂包走访 <span class="en">household visits</span> ·
方案 <span class="en">run</span> {{ run_id }}
{{ parts.published_at(published) }}</p>
{{ parts.stale_note(stale) -}}
<dl class="meta">
  <dt>月份 <span class="en">Month</span></dt><dd>{{ month }}</dd>
  <dt>人员编号 <span class="en">Worker</span></dt><dd>{{ w.worker_id }}</dd>
  <dt>角色 <span class="en">Role</span></dt>
  <dd>{{ w.role_zh }} <span class="en">{{ w.role_en }}</span></dd>
  <dt>乡镇 <span class="en">Township</span></dt><dd>{{ w.township }}</dd>
  <dt>村 <span class="en">Village</span></dt><dd>{{ w.village }}</dd>
  <dt>网格 <span class="en">Grid</span></dt><dd>{{ w.grid }}</dd>
  <dt>计划工时 <span class="en">Hours</span></dt>
  <dd class="wide">{{ w.hours_planned }} h 计划 <span class="en">planned</span> ·
    {{ w.monthly_hours }} h 每月可用 <span class="en">monthly</span> · {{ w.utilisation }}</dd>
  <dt>农户数 <span class="en">Households</span></dt>
  <dd class="wide">{{ w.households }} ({{ w.tier_counts_zh }} /
    <span class="en">{{ w.tier_counts_en }}</span>)</dd>
</dl>
<div class="sign">
  <p><span>姓名 <span class="en">Name</span>: <span class="blank name"></span></span></p>
  <p><span>签名 <span class="en">Signature</span>: <span class="blank"></span></span>
  <span>日期 <span class="en">Date</span>: <span class="blank"></span></span></p>
</div>
<p class="note">走访后请填写日期与情况，月底交回。{{ as_of.zh }} <span class="en">After each
visit write the date and notes; hand the sheet back at the end of the month. {{ as_of.en }}
</span>{% if due_note %} {{ due_note.zh }} <span class="en">{{ due_note.en }}</span>{% endif %}
</p>
<table class="list">
<colgroup>
  <col style="width: 9mm"><col style="width: 18mm"><col style="width: 28mm">
  <col style="width: 13mm"><col style="width: 26mm"><col style="width: 34mm">
  <col style="width: 15mm"><col style="width: 37mm">
</colgroup>
<thead>
<tr>
  <th>序号<span class="en">No.</span></th>
  <th>户编号<span class="en">Household</span></th>
  <th>村 / 网格<span class="en">Village / grid</span></th>
  <th>类别<span class="en">Tier</span></th>
  <th>走访频次 / 本月<span class="en">Visit frequency / this month</span></th>
  <th>走访事由<span class="en">Reasons</span></th>
  <th>距上次走访天数<span class="en">Days since last visit</span></th>
  <th>走访日期 / 情况<span class="en">Visit date / notes</span></th>
</tr>
</thead>
<tbody>
{% for r in rows %}
<tr class="t{{ r.tier }}">
  <td class="num">{{ loop.index }}</td>
  <td class="id">{{ r.household_id }}</td>
  <td class="id">{{ r.village_id }}<br>{{ r.grid_id }}</td>
  <td class="tier">{{ r.tier_zh }}<br><span class="en">{{ r.tier_en }}</span></td>
  <td>{{ r.visits_zh }}<br><span class="en">{{ r.visits_en }}</span>{{ parts.due(r.due) }}</td>
  <td>{{ r.reasons }}</td>
  <td class="num">{{ r.last_visit }}</td>
  <td class="notes">{% for slot in r.slots %}{{ slot }}{% if not loop.last %}<br>{% endif %}
    {%- endfor %}</td>
</tr>
{% endfor %}
</tbody>
</table>
</body>
</html>
"""

INDEX: Final = """{% import "parts" as parts %}
<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>走访清单 Visit lists {{ month }}</title>
<style>{{ style | safe }}
@page { @bottom-right { content: {{ page_footer | safe }}; font-size: 8pt; color: #333; } }
</style>
</head>
<body>
<h1>走访清单目录 <span class="en">Visit lists</span></h1>
<p class="sub">{{ month }} · 方案 <span class="en">run</span> {{ run_id }}
{{ parts.published_at(published) }}</p>
{{ parts.scope_note(scope) }}{{ parts.stale_note(stale) -}}
<p class="note">{{ total.zh }} <span class="en">{{ total.en }}</span></p>
<p class="note">用 Excel 或 WPS 打开 <span class="en">to open in Excel or WPS</span>:
<a href="{{ workbook }}">{{ workbook }}</a>
（编号为文本，另存后不变 <span class="en">codes as text, kept when saved again</span>）</p>
<h2 id="unassigned">未分配农户 <span class="en">Unassigned households</span></h2>
{% if u.n %}
<p class="note">{{ u.n_text }} 户本月无人走访 ({{ u.counts_zh }})，请交乡镇安排走访。
{{- as_of.zh }}
<span class="en">{{ u.n_text }} households have no visitor this month ({{ u.counts_en }}):
hand them to their townships to arrange visits. {{ as_of.en }}</span>
{% if u.due_note %}{{ u.due_note.zh }} <span class="en">{{ u.due_note.en }}</span>{% endif %}
可打印清单 <span class="en">printable list</span>:
<a href="{{ u.sheet }}">{{ u.sheet }}</a> · 表格 <span class="en">table</span>:
{{ u.csv }}</p>
{% include "unassigned_blocks" %}
{% else %}
<p class="none">{{ u.none_zh }} <span class="en">{{ u.none_en }}</span></p>
{% endif %}
{% for t in townships %}
<h2>乡镇 <span class="en">Township</span> {{ t.name }}</h2>
<p class="note">{{ t.counts.zh }} <span class="en">{{ t.counts.en }}</span></p>
{% if t.workers %}
<table class="index">
<thead>
<tr>
  <th>人员编号 <span class="en">Worker</span></th><th>角色 <span class="en">Role</span></th>
  <th>村 <span class="en">Village</span></th><th>网格 <span class="en">Grid</span></th>
  <th>农户数 <span class="en">Households</span></th>
  <th>计划 / 每月工时 <span class="en">Hours planned / monthly</span></th>
</tr>
</thead>
<tbody>
{% for w in t.workers %}
<tr>
  <td>{% if w.sheet %}<a href="{{ w.sheet }}">{{ w.worker_id }}</a>
      {%- else %}{{ w.worker_id }}{% endif %}</td>
  <td>{{ w.role_zh }} <span class="en">{{ w.role_en }}</span></td>
  <td>{{ w.village }}</td><td>{{ w.grid }}</td>
  <td class="num">{{ w.households }}</td>
  <td class="num">{{ w.hours_planned }} / {{ w.monthly_hours }}{% if not w.active %}
    · 停用 <span class="en">inactive</span>{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p class="none">本乡镇本月没有人员。 <span class="en">The township has no workers this
month.</span></p>
{% endif %}
{% endfor %}
<h2 id="columns">表格的列 <span class="en">Columns of the CSV files</span></h2>
<p class="note">CSV 文件的表头为字段名, 供程序读取; 各列含义如下。 <span class="en">The CSV
files head their columns with field names, for programs to read them; each means:</span></p>
<table class="index">
<thead>
<tr><th>字段名 <span class="en">Field</span></th><th>列名 <span class="en">Column</span></th>
<th>文件 <span class="en">File</span></th></tr>
</thead>
<tbody>
{% for c in columns %}
<tr><td class="id">{{ c.name }}</td><td>{{ c.zh }} <span class="en">{{ c.en }}</span></td>
<td>{{ c.files }}</td></tr>
{% endfor %}
</tbody>
</table>
</body>
</html>
"""

UNASSIGNED_BLOCKS: Final = """{% import "parts" as parts %}
{% for t in u.townships %}
<section class="township">
<h3>乡镇 <span class="en">Township</span> {{ t.name }} · {{ t.n }} 户未分配
<span class="en">unassigned</span> ({{ t.counts_zh }} /
<span class="en">{{ t.counts_en }}</span>)</h3>
{% if t.notes %}
<ul class="shortfall">
{% for note in t.notes %}
  <li>{{ note }}</li>
{% endfor %}
</ul>
{% endif %}
{% if printable %}
<div class="sign">
  <p><span>乡镇负责人 <span class="en">Township officer</span>: <span class="blank"></span></span>
  <span>日期 <span class="en">Date</span>: <span class="blank"></span></span></p>
</div>
{% endif %}
<table class="list">
<colgroup>
{% if printable %}
  <col style="width: 8mm"><col style="width: 17mm"><col style="width: 26mm">
  <col style="width: 13mm"><col style="width: 30mm"><col style="width: 15mm">
{% else %}
  <col style="width: 8mm"><col style="width: 17mm"><col style="width: 25mm">
  <col style="width: 13mm"><col style="width: 17mm"><col style="width: 14mm">
{% endif %}
{% if printable %}
  <col style="width: 52mm"><col style="width: 86mm"><col style="width: 30mm">
{% else %}
  <col style="width: 45mm"><col>
{% endif %}
</colgroup>
<thead>
{% if printable %}
<tr class="where"><th colspan="9">乡镇 <span class="en">Township</span> {{ t.name }} ·
未分配农户 <span class="en">Unassigned households</span> · {{ month }}</th></tr>
{% endif %}
<tr>
  <th>序号<span class="en">No.</span></th>
  <th>户编号<span class="en">Household</span></th>
  <th>村 / 网格<span class="en">Village / grid</span></th>
  <th>类别<span class="en">Tier</span></th>
  <th>走访频次 / 距上次走访<span class="en">Visit frequency / since last visit</span></th>
  <th>上次分配人员<span class="en">Previous worker</span></th>
  <th>走访事由<span class="en">Reasons</span></th>
  <th>未分配原因<span class="en">Why unassigned</span></th>
{% if printable %}
  <th>安排走访人员 / 日期<span class="en">Arranged visitor / date</span></th>
{% endif %}
</tr>
</thead>
<tbody>
{% for r in t.rows %}
<tr class="t{{ r.tier }}">
  <td class="num">{{ loop.index }}</td>
  <td class="id">{{ r.household_id }}</td>
  <td class="id">{{ r.village }}<br>{{ r.grid }}</td>
  <td class="tier">{{ r.tier_zh }}<br><span class="en">{{ r.tier_en }}</span></td>
  <td>{{ r.visits_zh }} · {{ r.last_zh }}<br>
<span class="en">{{ r.visits_en }} · {{ r.last_en }}</span>{{ parts.due(r.due) }}</td>
  <td class="id">{{ r.previous }}</td>
  <td>{{ r.reasons }}</td>
  <td class="reason">{{ r.reason_zh }}<span class="en">{{ r.reason_en }}</span></td>
{% if printable %}
  <td class="notes"></td>
{% endif %}
</tr>
{% endfor %}
</tbody>
</table>
</section>
{% endfor %}
"""
"""The unassigned households of each township (index and printable sheet): its shortfall
notes, and a table, tier 1 first; ``printable`` adds a signature line, a column to write
the arranged visitor in, and the township's name in the table's header, which is repeated on
every printed page: a page handed to its township says which one it is."""

UNASSIGNED: Final = """{% import "parts" as parts %}
<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>未分配农户 Unassigned households {{ month }}</title>
<style>{{ style | safe }}
@page { size: A4 landscape; margin: 10mm; }
@media screen { body { max-width: 277mm; } }
table.list td { line-height: 1.25; padding: 0.8mm 1.2mm; }
@page { @bottom-right { content: {{ page_footer | safe }}; font-size: 8pt; color: #333; } }
</style>
</head>
<body>
<h1>未分配农户清单 <span class="en">Unassigned households</span></h1>
<p class="sub">{{ month }} · 方案 <span class="en">run</span> {{ run_id }}
{{ parts.published_at(published) }} ·
{{ u.n_text }} 户 <span class="en">households</span>{% if u.n %} ({{ u.counts_zh }} /
<span class="en">{{ u.counts_en }}</span>){% endif %}</p>
{{ parts.scope_note(scope) }}{{ parts.stale_note(stale) -}}
{% if u.n %}
<p class="note">以下农户本月无人走访，请乡镇安排人员走访并填写，月底交回。{{ as_of.zh }}
<span class="en">These households have no visitor this month: the township arranges a visitor
for each, writes them in and hands the sheet back at the end of the month. {{ as_of.en }}
</span>{% if u.due_note %} {{ u.due_note.zh }} <span class="en">{{ u.due_note.en }}</span>
{% endif %}</p>
{% include "unassigned_blocks" %}
{% else %}
<p class="none">{{ u.none_zh }} <span class="en">{{ u.none_en }}</span></p>
{% endif %}
</body>
</html>
"""

"""Which run a month continues, and the notes when the months of the store are out of step.

A monthly ``plan`` takes the current run of the month before as its previous assignment
(``kept_previous``, churn), and the data's ``previous_assignment`` file only when that month
has no published run. Months planned out of order leave this chain broken without a word:

- January planned before December (or December skipped) read the data's file, as in a
  programme's first month, although November was published: :func:`missing_previous_note`;
- December planned again, amended or rolled back after January was planned: January still
  continues the December run that was current when it was planned, not the one current now
  (its ``kept_previous`` marks and churn are against that plan): :func:`next_month_note`;
- a previous-assignment file whose latest month is not the month before (an old export, or
  the month's own pairs) read as last month's: :func:`file_month_note`.

Both are notes, not refusals: planning a month again or late is legitimate, the planner only
has to know which plan the next month follows, and that planning it again makes it follow the
current one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from visit_planner.errors import PlanFileError, StoreError
from visit_planner.months import month_after, month_before
from visit_planner.runs.manifest import RunManifest

if TYPE_CHECKING:
    from visit_planner.store import RunRow, Store

__all__ = [
    "amendment_chain",
    "continued_run_id",
    "file_month_note",
    "missing_previous_note",
    "next_month_note",
    "run_name",
]


def run_name(run: RunRow) -> str:
    """``2026-12 v2 (055ceb2cb8ed)``: a run as the CLI names it."""
    return f"{run.month} v{run.version} ({run.run_id[:12]})"


def amendment_chain(store: Store, run: RunRow) -> list[RunRow]:
    """``run`` and the runs it amends, each the parent of the one before, back to the month's
    plan (or the first run whose parent the store does not hold): newest first, ``[run]``
    for a run that amends none. ``runs show`` prints it, so that the versions an amended
    month went through are read in one place."""
    chain, seen = [run], {run.run_id}
    while chain[-1].parent_run_id is not None and chain[-1].parent_run_id not in seen:
        try:
            parent = store.get_run(chain[-1].parent_run_id)
        except StoreError:
            break
        chain.append(parent)
        seen.add(parent.run_id)
    return chain


def continued_run_id(store: Store, root: Path, run: RunRow) -> str | None:
    """The id of the run of the month before whose plan ``run`` continued, or None when it
    continued none (a programme's first month, or the data's file).

    A ``plan`` run records it in its manifest (``previous_run_id``). An amendment continues
    its own month's run in the townships it re-solves and what that run continued in the
    others, so its month's plan is followed back through the parents: its manifest names
    none (``plan --amend``) or the parent itself (a published what-if), never the month
    before. ``root``: the workspace holding the runs' directories."""
    seen: set[str] = set()
    while run.kind == "amend" and run.parent_run_id is not None and run.run_id not in seen:
        seen.add(run.run_id)
        run = store.get_run(run.parent_run_id)
    return RunManifest.read(root / run.path).previous_run_id


def next_month_note(store: Store, root: Path, run: RunRow) -> str | None:
    """A note when the month after ``run``'s (just made current: published or rolled back
    to) has a current run that continues another run of ``run``'s month, or none; None when
    it continues ``run``, when it has no run, or when its files cannot be read here (the
    note is about the store's chain, not worth an error)."""
    following = store.current_run(month_after(run.month))
    if following is None:
        return None
    try:
        continued = continued_run_id(store, root, following)
        old = None if continued is None else store.get_run(continued)
    except (PlanFileError, StoreError):
        return None
    if continued == run.run_id:
        return None
    name, this = run_name(following), f"{run.month} v{run.version}"
    if old is None:
        zh = f"编制时 {run.month} 尚无已发布方案, 其上月结对取自数据文件"
        en = (
            f"was planned when {run.month} had no published run: its previous assignment "
            "was its data's file"
        )
    else:
        zh, en = f"延续的是 {run_name(old)}", f"continues {run_name(old)}"
    return (
        f"下月当前方案 {name} {zh}; {run.month} 现在的当前方案是 {this}, 如需下月延续它, 请重新"
        f"编制 {following.month} (the next month's current run {name} {en}, while {this} is "
        f"now {run.month}'s current run: {following.month}'s kept_previous marks and churn "
        f"are not against it; plan {following.month} again for it to continue {this})"
    )


def missing_previous_note(
    store: Store, month: str, file: Path | None, file_months: list[str]
) -> str | None:
    """A note when ``month`` is planned without a published run of the month before,
    although the store holds a run of an earlier month (December skipped, or January planned
    before it): its previous assignment is then the data's ``file`` (None: there is none),
    whose pairs are of ``file_months``, as in a programme's first month. None in a first
    month (no earlier run), which is what the file is for."""
    before = month_before(month)
    earlier = [r.month for r in store.list_runs() if r.status == "current" and r.month < month]
    if not earlier:
        return None
    latest = max(earlier)
    if file is None or not file_months:
        zh, en = (
            "本月无上月结对 (数据无 previous_assignment)",
            "this month has no previous assignment",
        )
    else:
        months = ", ".join(sorted(set(file_months)))
        zh = f"上月结对取自数据文件 {file} (月份 {months})"
        en = f"the previous assignment is the data's file {file} (pairs of {months})"
    return (
        f"上月 {before} 尚无已发布方案 (已发布的最近月份为 {latest}), {zh}; 如需延续已发布的方案, "
        f"请先编制 {before} ({before} has no published run, the latest month published is "
        f"{latest}: {en}, as in a programme's first month; to continue the published plans, "
        f"plan {before} first)"
    )


def file_month_note(month: str, file: Path | None, file_months: list[str]) -> str | None:
    """A note when the data's previous-assignment ``file``, read as last month's pairs, holds
    no pair of the month before ``month``: its latest month (``file_months``) is older (an
    old export: its workers are called "last month's", kept or changed) or not before
    ``month`` at all. None when there is no file or its latest month is the month before."""
    before = month_before(month)
    if file is None or not file_months or max(file_months) == before:
        return None
    latest = max(file_months)
    return (
        f"{file}: 上月结对的最近月份为 {latest}, 不是上月 {before}; 其人员仍被当作上月走访人员"
        f"计算延续和换人, 请提供 {before} 的结对 "
        f"(the previous assignment's latest month is {latest}, not {before}, the month before "
        f"{month}: its workers are taken as last month's for continuity and churn; give the "
        f"pairs of {before})"
    )

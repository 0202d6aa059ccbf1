"""Publishing a what-if (:mod:`visit_planner.whatif`) as the month's next version.

A what-if re-solves one township of the month's current run and saves nothing; a planner may
publish its capacity changes (from the dashboard) as an amendment: that township replaced,
every other township's files carried over byte for byte
(:func:`visit_planner.amend_job.amended_content`), recorded in the store with the month's lock
held. It sits beside :mod:`visit_planner.whatif`, which computes what-ifs without the store or
the amendment; the dashboard imports this module only when a planner publishes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from visit_planner.actor import current_actor
from visit_planner.amend_job import amended_content, versus_run
from visit_planner.errors import VisitPlannerError
from visit_planner.paths import resolve_workspace
from visit_planner.plan_steps import publish_run, with_churn
from visit_planner.runs import Provenance, RunReader
from visit_planner.runs.reader import POLICY_FILE
from visit_planner.store import RunRow, Store
from visit_planner.whatif import WhatIf


def publish_what_if(
    what: WhatIf,
    *,
    month: str,
    based_on: str,
    home: Path | None = None,
    store_url: str | None = None,
    actor: str | None = None,
) -> RunRow:
    """Publish a what-if (:mod:`visit_planner.whatif`) as the month's next version.

    Only changes of the present workers (hours, leaving) are published: they are data, and
    the township's stored inputs carry them. A cadence change is a policy change (edit the
    policy and plan the month), so it is refused here. So is an added worker: the what-if
    places a hypothetical person (``WHATIF001``) at the area's centre, and a published plan
    would print visit lists for nobody; once the person is appointed, their row in the
    workers file (id, place, hours) is planned with ``plan --amend``. ``based_on`` is the run
    the what-if was computed from; if the month's current run is another one by now, the
    what-if is stale and refused.
    """
    if what.changes.visits_per_month:
        raise VisitPlannerError(
            "走访频次属于政策, 请修改政策后重新计划 "
            "(a cadence change is a policy change: edit the policy file and plan the month)"
        )
    if what.changes.add:
        raise VisitPlannerError(
            "新增人员只是试算, 不能发布: 人员到岗后, 请把其记录加入人员文件, 再用 "
            "plan --amend 修订该乡镇 (an added worker is hypothetical and is not published: "
            "once the person is appointed, add their row to the workers file and amend the "
            "township with plan --amend)"
        )
    workspace = resolve_workspace(home).ensure()
    who = current_actor(actor)
    with Store.for_workspace(workspace, store_url) as store, store.month_lock(month):
        current = store.current_run(month)
        if current is None or current.run_id != based_on:
            raise VisitPlannerError(
                f"方案已更新, 请重新试算 (the what-if was computed on run {based_on[:12]}, but "
                f"{month}'s current run is {'none' if current is None else current.run_id[:12]} "
                "now: compute it again)"
            )
        base = RunReader(workspace.root / current.path)
        # The run's policy text is carried into the new run's provenance: as the manifest
        # records it, else refused naming the file (it was read unchecked).
        base.require_intact(POLICY_FILE)
        tw = what.township_id
        content = amended_content(
            base,
            [tw],
            solved=what.solved,
            inputs=what.inputs,
            scores=base.scores(tw),
            notes={},
            provenance=Provenance(
                policy_text=(base.root / POLICY_FILE).read_text("utf-8"),
                month=month,
                created_by=who,
                model_version=current.model_version,
                previous_run_id=current.run_id,
            ),
        )
        versus = versus_run(workspace, current, content.plan, run=base)
        content = replace(
            content,
            metrics={**with_churn(content.metrics, versus), "what_if": what.changes.describe()},
        )
        run, _ = publish_run(
            store,
            workspace,
            content,
            month,
            actor=who,
            outcomes=[],
            kind="amend",
            parent_run_id=current.run_id,
        )
    return run

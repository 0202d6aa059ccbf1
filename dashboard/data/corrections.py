"""The overrides page's queries (督导调整, ``/corrections``): the overrides of households in
the user's jurisdiction with their outcome in the month's current run, and submitting a new
one.

The store keeps every override of the prefecture; the list is cut here to the households whose
township lies in the jurisdiction (in the month's current run, or for a household that run no
longer has, the newest run that had it: :meth:`CorrectionQueries._townships_of`), and a
correction of a sensitive field shows no value, and no text that may say it, to a role without
them (:func:`~dashboard.data.sensitive.mask_corrections`). Only planners and supervisors submit
and revoke, and only for a household in their jurisdiction: a new one checked against the
month's data as ``overrides add`` checks it, and against the overrides in force (one that
conflicts names the one to revoke first, on the page); a revocation audited as ``overrides
revoke`` is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl

from dashboard import i18n
from dashboard.data import run_files
from dashboard.data.scope import PAGE_ROWS, ScopedAccess
from dashboard.data.sensitive import mask_corrections
from dashboard.errors import OutOfScopeError
from dashboard.i18n import OVERRIDE_EN, OVERRIDE_ZH
from visit_planner import clock
from visit_planner.errors import StoreError, VisitPlannerError
from visit_planner.store import OverrideRow, RunRow
from visit_planner.store.overrides import conflict
from visit_planner.typed_text import meant_text

if TYPE_CHECKING:  # visit_planner.overrides imports the assignment's rules: on use only
    from visit_planner.overrides import Override


def unplanned_outcome(row: OverrideRow, today: date) -> str:
    """What becomes of an override the month's current run did not apply: ``revoked`` or
    ``expired`` (before ``today``), which no plan will apply any more, else ``pending`` (the
    next plan applies it). A revoked override was shown as pending, as if it were still to
    come."""
    if row.status == "revoked":
        return "revoked"
    if row.expires_on is not None and row.expires_on < today:
        return "expired"
    return "pending"


class CorrectionQueries(ScopedAccess):
    """The overrides page."""

    def overrides(
        self, month: str, limit: int | None = PAGE_ROWS, *, household_id: str | None = None
    ) -> pl.DataFrame:
        """Standing and revoked overrides of households in scope, with their outcome in the
        month's current run (applied / not applied and why) or, when that run did not have
        them, what becomes of them (:func:`unplanned_outcome`), and who revoked each, when
        and why; newest first, the first ``limit`` (None: all, for the page, which shows
        :data:`PAGE_ROWS` of them, says of how many, and offers every standing one to revoke:
        cut here, the older ones, standing pins too, were left out without a word).
        ``household_id``: that household's only (the household page's), in scope as above."""
        self._require_households()
        run = self.current_run(month)
        today = clock.today()  # Wenshan's date: a server may be kept in UTC
        with self._store() as store:
            rows = store.list_overrides(household_id=household_id)
            outcomes = {o.override_id: o for o in store.outcomes(run.run_id)}
        frame = pl.DataFrame(
            [
                {
                    "id": o.id,
                    "kind": o.kind,
                    "household_id": o.household_id,
                    "worker_id": o.worker_id,
                    "tier": o.tier,
                    "field": o.field,
                    "value": o.value,
                    "evidence": o.evidence,
                    "author": o.author,
                    "reason": o.reason,
                    "created_at": clock.shown(o.created_at),  # Beijing time
                    "expires_on": None if o.expires_on is None else o.expires_on.isoformat(),
                    "status": o.status,
                    "outcome": (
                        outcomes[o.id].outcome if o.id in outcomes else unplanned_outcome(o, today)
                    ),
                    "outcome_reason": outcomes[o.id].reason if o.id in outcomes else "",
                    "revoked_by": o.revoked_by,
                    "revoked_at": None if o.revoked_at is None else clock.shown(o.revoked_at),
                    "revoke_reason": o.revoke_reason,
                }
                for o in rows
            ],
            infer_schema_length=None,
        )
        if frame.height == 0:
            return frame
        where = self._townships_of(month, run, frame["household_id"].unique().to_list())
        frame = frame.with_columns(
            pl.col("household_id").replace_strict(where, default=None, return_dtype=pl.String)
            .alias("township_id")
        )  # fmt: skip
        if not self.viewer.sees_sensitive:  # a correction of a sensitive field: no value
            frame = mask_corrections(frame)
        keep = [self._in_scope(tw) for tw in frame["township_id"].to_list()]
        mine = frame.filter(pl.Series(keep)).sort("id", descending=True)
        return mine if limit is None else mine.head(limit)

    def _in_scope(self, township_id: str | None) -> bool:
        """Whether an override of a household last seen in ``township_id`` is the user's: a
        household no run has (None) is the prefecture's planners' only."""
        if township_id is None:
            return self.viewer.scope_kind == "prefecture"
        return self.viewer.covers(township_id)

    def _runs_newest_first(self, month: str, run: RunRow) -> Iterator[RunRow]:
        """``run`` (``month``'s current run), then every other month's current run, newest
        month first; each asked of the store only when the one before left a household
        unfound."""
        yield run
        for other in self.months():
            if other != month:
                yield self.current_run(other)

    def _townships_of(self, month: str, run: RunRow, household_ids: list[str]) -> dict[str, str]:
        """Each household's township: in ``month``'s current ``run``, else in the newest other
        month's current run that has it (a household that moved away or left since). Such a
        household's override is reported by every plan as not applied, with why; it was left
        out of every account's list, the planner's too, as if it had been dropped."""
        found: dict[str, str] = {}
        missing = set(household_ids)
        for index_run in self._runs_newest_first(month, run):
            index = run_files.rows(
                self._root(index_run),
                "households_index",
                pl.col("household_id").is_in(sorted(missing)),
                ["household_id", "township_id"],
            )
            found.update(zip(index["household_id"], index["township_id"], strict=True))
            missing -= set(index["household_id"].to_list())
            if not missing:  # before the next run is asked of the store
                break
        return found

    @staticmethod
    def _worker_as_spelled(root: str, workers: pl.DataFrame, typed: str) -> str:
        """The pinned or forbidden worker's id as the run spells it: as typed (trimmed), else
        upper-cased when the run has that (``w000071`` is ``W000071``), as the worker page
        and the household id of the same form take it; as typed when the run has neither
        (the check then says it is not in this month's data). A worker id typed in lower case
        was refused as not in the data while the household beside it was found."""
        typed = meant_text(typed)  # full width, pasted spaces: as the files read ids
        tried = list(dict.fromkeys((typed, typed.upper())))
        known = set(workers["worker_id"].to_list())
        if typed in known:
            return typed
        found = run_files.rows(
            root, "worker_loads", pl.col("worker_id").is_in(tried), ["worker_id"]
        )["worker_id"].to_list()
        return next((c for c in tried if c in known or c in found), typed)

    def _with_worker(self, root: str, workers: pl.DataFrame, worker_id: str) -> pl.DataFrame:
        """The household's township's ``workers`` with the pinned or forbidden worker's row
        added when it works in another township of the user's jurisdiction, so that the
        check says why it may not serve the household (its jurisdiction), as ``overrides
        add`` does, rather than that it is not in this month's data. A worker of another
        jurisdiction is refused as the worker page refuses it (:meth:`_absent`): the answer
        does not tell which ids exist elsewhere. A worker the run does not have is left to
        the check ("not in this month's data")."""
        if worker_id in workers["worker_id"].to_list():
            return workers
        found = run_files.rows(
            root, "worker_loads", pl.col("worker_id") == worker_id, ["township_id"]
        )
        if found.height == 0:
            return workers
        elsewhere = str(found["township_id"][0])
        if not self.viewer.covers(elsewhere):
            raise self._absent("worker", worker_id)
        others = run_files.township_input(root, elsewhere, "workers")
        if others is None:
            return workers
        row = others.filter(pl.col("worker_id") == worker_id)
        return pl.concat([workers, row], how="vertical_relaxed")

    def _newest(self) -> tuple[str, RunRow]:
        """The newest month with a published run and its current run: what a new override
        or a revocation is checked against, as ``overrides add`` checks (the next plan
        applies it), whatever month the page shows. Checked against the month shown, a
        supervisor looking back at last month could add an override of a household that
        has since left (never to apply) or moved out of their jurisdiction."""
        months = self.months()
        if not months:
            raise VisitPlannerError("尚无已发布的方案 / no published run yet")
        return months[0], self.current_run(months[0])

    def submit_override(self, *, client: str | None = None, **fields: Any) -> int:
        """Add a standing override for a household in scope (planners and supervisors only);
        checked against the newest month's data like ``overrides add`` (:meth:`_newest`);
        returns its number. Audited with ``client``, the address the browser connected from
        (as every sign-in is)."""
        from visit_planner.overrides import Override, check_new_override
        from visit_planner.policy import load_policy, settings_from_policy

        if not self.viewer.may_correct:
            raise OutOfScopeError("此角色不能提交督导调整 / this role cannot submit overrides")
        _, run = self._newest()
        root = self._root(run)
        household_id, township_id = self._household_in_scope(root, str(fields["household_id"]))
        fields = {**fields, "household_id": household_id}
        households = run_files.township_input(root, township_id, "households")
        workers = run_files.township_input(root, township_id, "workers")
        assert households is not None and workers is not None
        worker_id = fields.get("worker_id")
        if worker_id and fields.get("kind") in ("pin", "forbid"):
            worker_id = self._worker_as_spelled(root, workers, str(worker_id))
            fields = {**fields, "worker_id": worker_id}
            workers = self._with_worker(root, workers, worker_id)
        candidate = Override(id=0, author=self.viewer.username, **fields)
        with self._store() as store:  # a pin and a tier override must agree (both ways)
            in_force = store.list_overrides(active_on=clock.today())
        problems = check_new_override(
            candidate,
            households,
            workers,
            settings_from_policy(load_policy()),
            today=clock.today(),
            in_force=in_force,
        )
        if problems:
            raise VisitPlannerError("; ".join(problems))
        with self._store() as store:
            self._refuse_conflict(candidate, store.list_overrides(active_on=clock.today()))
            row = store.add_override(
                candidate.kind,
                household_id,
                author=self.viewer.username,
                reason=candidate.reason,
                worker_id=candidate.worker_id,
                tier=candidate.tier,
                field=candidate.field,
                value=candidate.value,
                evidence=candidate.evidence,
                expires_on=candidate.expires_on,
                client=client,
            )
        return row.id

    @staticmethod
    def _refuse_conflict(new: Override, in_force: list[OverrideRow]) -> None:
        """Refuse ``new`` when it conflicts with an override in force (the store's rule,
        :func:`~visit_planner.store.overrides.conflict`), in the page's words: the store's
        refusal told a supervisor to run ``visit-planner overrides revoke``, a command they
        have no access to, and named the kind by its code; the one to revoke is on this page.
        The store checks again when it records the new one."""
        for other in in_force:
            why = None if other.household_id != new.household_id else conflict(new, other)
            if why is not None:
                kind_zh, kind_en = (i18n.override_kind(other.kind, lang) for lang in i18n.LANGS)
                revoke = i18n.TEXT["revoke_override"]
                raise VisitPlannerError(
                    f"与现行{OVERRIDE_ZH} #{other.id}（{kind_zh}）冲突：{why[0]}；如需更改，请先在"
                    f"本页“{revoke[0]}”中撤销 #{other.id} / conflicts with standing {OVERRIDE_EN} "
                    f"#{other.id} ({kind_en}): {why[1]}; to change it, revoke #{other.id} "
                    f"first under '{revoke[1]}' on this page"
                )

    def revoke_override(
        self, override_id: int, reason: str, client: str | None = None
    ) -> OverrideRow:
        """Revoke a standing override of a household in the user's jurisdiction (in the
        newest month's run, else the newest that has it: :meth:`_newest`, planners and
        supervisors only), with a reason holding no ID-card or phone number (it goes into the
        audit log); audited by the store as ``override.revoke`` with the user's name. An
        override of another jurisdiction gets the same answer as a number that does not
        exist. Before, the page could not revoke at all, though every refusal of a
        conflicting override said to revoke the standing one first. ``client``: the
        address the browser connected from, for the audit entry."""
        from visit_planner.personal_text import revoke_reason_refusal

        if not self.viewer.may_correct:
            raise OutOfScopeError("此角色不能撤销督导调整 / this role cannot revoke overrides")
        reason = reason.strip()
        if not reason:
            raise VisitPlannerError("请填写撤销理由 / give the reason for revoking it")
        if (refusal := revoke_reason_refusal(reason)) is not None:
            raise VisitPlannerError(f"{refusal[0]} / {refusal[1]}")
        month, run = self._newest()
        absent = OutOfScopeError(
            f"您的辖区内没有{OVERRIDE_ZH} #{override_id} / no {OVERRIDE_EN} #{override_id} in "
            "your jurisdiction"
        )
        with self._store() as store:
            try:
                row = store.get_override(override_id)
            except StoreError:
                raise absent from None
            where = self._townships_of(month, run, [row.household_id])
            if not self._in_scope(where.get(row.household_id)):
                raise absent
            if row.status == "revoked":
                raise VisitPlannerError(
                    f"{OVERRIDE_ZH} #{override_id} 已由 {row.revoked_by} 撤销 / {OVERRIDE_EN} "
                    f"#{override_id} "
                    f"was already revoked by {row.revoked_by}"
                )
            return store.revoke_override(override_id, self.viewer.username, reason, client)

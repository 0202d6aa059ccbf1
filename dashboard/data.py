"""The dashboard's one data-access module: every page asks here, and only here.

It takes the signed-in :class:`Viewer` and returns only what their role and jurisdiction allow,
so scope is enforced in the data layer, not by hiding widgets: a supervisor of township A gets
:class:`~dashboard.errors.OutOfScopeError` for anything of township B, whatever page, query
parameter, session state or crafted household id asked for it.

* **scope** - ``prefecture`` sees every township; ``county:532626`` the townships of that county
  (township ids start with the county's six digits); ``township:532626001`` one township;
* **roles** - planners and supervisors see households in scope with their sensitive fields
  (disputes, petitions, illness, disability, ethnicity, gender); data scientists see households
  with those fields masked; viewers see aggregates only (no household or worker pages).

Published runs never change, so their files are read once per process and kept
(:func:`_reader`, keyed by the run directory): a page's second paint reads nothing. Which run
is current is asked of the store on every call (:meth:`DataAccess.current_run`), never kept:
an amendment or a rollback published meanwhile (by the CLI too) shows at the next rerun, and
the new run's directory is a new key (``tests/dashboard/test_session_browser.py``).
No Streamlit here: pages call these functions; this module is plain Python and tested as such.
"""

from __future__ import annotations

import html
import json
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from dashboard import i18n, registry
from dashboard.errors import DashboardError, OutOfScopeError
from visit_planner import clock
from visit_planner.errors import VisitPlannerError
from visit_planner.paths import Workspace
from visit_planner.runs import RunReader, diff_runs
from visit_planner.runs.summary import (
    TownshipSummary,
    read_summary,
    roles_frame,
    tiers_frame,
    workers_frame,
)
from visit_planner.store import RunRow, Store, TownshipRow
from visit_planner.whatif import Changes, WhatIf, what_if

ROLES = ("planner", "supervisor", "data_scientist", "viewer")
SENSITIVE_FIELDS = (
    "disputes_12m",
    "petitions_12m",
    "hotline_requests_12m",
    "serious_illness_members",
    "disabled_members",
    "head_ethnicity",
    "head_gender",
)
"""Household fields only planners and supervisors (in scope) may see."""

_SENSITIVE_NAME = re.compile(r"\b(" + "|".join(SENSITIVE_FIELDS) + r")\b")
"""A sensitive field's name as a word (in a policy rule's condition)."""

WITHHELD_REASONS = (
    "{n} 条原因涉及敏感字段，本角色不可见 / "
    "{n} reason(s) concern sensitive fields not shown to your role"
)
"""The note in place of the risk reasons withheld from a role without sensitive fields."""

WITHHELD_RULE = (
    "规则涉及敏感字段，本角色不可见 / the rule concerns sensitive fields not shown to your role"
)
"""What a role without sensitive fields sees of a policy rule whose condition reads one."""

SHEET_WITHHELD = (
    "走访清单列出涉及敏感字段的原因，本角色不可下载 / "
    "visit sheets list reasons from sensitive fields: not available to your role"
)
"""Why a role without sensitive fields gets no printable visit sheet."""

PAGE_ROWS = 200
"""Most rows any table sends to the browser at once."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in user: account name, role and jurisdiction."""

    username: str
    role: str
    scope_kind: str = "prefecture"  # prefecture | county | township
    scope_id: str | None = None

    def covers(self, township_id: str) -> bool:
        """Whether ``township_id`` lies in this user's jurisdiction."""
        if self.scope_kind == "prefecture":
            return True
        if self.scope_id is None:
            return False
        if self.scope_kind == "county":
            return township_id.startswith(self.scope_id)
        return township_id == self.scope_id

    @property
    def sees_households(self) -> bool:
        """Viewers see aggregates only."""
        return self.role != "viewer"

    @property
    def sees_sensitive(self) -> bool:
        """Planners and supervisors see sensitive household fields (in their scope)."""
        return self.role in ("planner", "supervisor")

    @property
    def may_correct(self) -> bool:
        """Planners and supervisors may submit corrections (overrides)."""
        return self.role in ("planner", "supervisor")

    @property
    def may_publish(self) -> bool:
        """Only planners publish amendments and roll back runs."""
        return self.role == "planner"

    @property
    def may_roll_back(self) -> bool:
        """A rollback changes the whole month, every township: planners of the whole
        prefecture only (:meth:`DataAccess.rollback` refuses anyone else)."""
        return self.may_publish and self.scope_kind == "prefecture"

    def scope_label(self, lang: str) -> str:
        """The jurisdiction in ``lang`` (``zh`` or ``en``), places name first:
        ``全州`` / ``the prefecture``, ``丘北县 (532626)``, ``乡镇 锦屏镇 · 丘北县 (532626001)``
        (:func:`dashboard.i18n.scope`)."""
        return i18n.scope(self.scope_kind, self.scope_id, i18n.lang_of(lang))


@lru_cache(maxsize=32)
def _reader(root: str) -> RunReader:
    """A run's reader, kept per process (a published run never changes)."""
    return RunReader(Path(root))


@lru_cache(maxsize=64)
def _whole(root: str, name: str) -> pl.DataFrame:
    """A whole-run frame (``plan``, ``diagnostics`` ...), read once per process."""
    return pl.read_parquet(Path(root) / f"{name}.parquet")


@lru_cache(maxsize=512)
def _township_frame(root: str, township_id: str, name: str) -> pl.DataFrame | None:
    """One township's frame (``plan``, ``explanations``, ``scores``, ``worker_loads``)."""
    path = Path(root) / "townships" / township_id / f"{name}.parquet"
    return pl.read_parquet(path) if path.is_file() else None


@lru_cache(maxsize=512)
def _township_input(root: str, township_id: str, name: str) -> pl.DataFrame | None:
    """One township's stored input (``households``, ``workers`` ...)."""
    path = Path(root) / "townships" / township_id / "inputs" / f"{name}.parquet"
    return pl.read_parquet(path) if path.is_file() else None


@lru_cache(maxsize=16)
def _diff(root_a: str, root_b: str) -> pl.DataFrame:
    """What changed from one run to another, every township (:func:`diff_runs`), kept per
    process (published runs never change); cut to a viewer's scope by
    :meth:`DataAccess.run_diff`, never returned as it is to a scoped account."""
    return diff_runs(_reader(root_a), _reader(root_b))


@lru_cache(maxsize=256)
def _alternatives(root: str, household_id: str) -> pl.DataFrame:
    """A household's ranked alternatives (a page), kept: asking again costs nothing."""
    return _reader(root).alternatives(household_id).head(PAGE_ROWS)


@lru_cache(maxsize=4096)
def _summary(root: str, township_id: str) -> TownshipSummary:
    """One township's summary (written at publish time; computed for older runs), kept."""
    return read_summary(Path(root), township_id)


@lru_cache(maxsize=256)
def _shortfall_hours(root: str, township_id: str) -> tuple[tuple[int, str, int], ...]:
    """The township's shortfall records as ``(tier, role, extra_hours)``: the hours more of the
    tier's present workers (of ``role``) that would cover its uncovered households.

    The run keeps these records only as the ``shortfall`` sentence, so they are computed again
    from the township's stored inputs by the function that wrote it
    (:func:`assignment.diagnostics.shortfall`, with the same allowed arcs), which gives the
    same figures as the sentence and ``runs show``; kept per process."""
    from assignment.diagnostics import shortfall
    from assignment.inputs import capacity_pins

    reader = _reader(root)
    plan = _township_frame(root, township_id, "plan")
    stored = reader.inputs(township_id)
    households, workers = stored["households"], stored["workers"]
    if plan is None or households is None or workers is None:
        return ()
    workers = workers.filter(pl.col("township_id") == township_id)
    settings = reader.settings
    arcs = reader.candidates(township_id, stored)
    arcs, _issues = capacity_pins(arcs, workers)
    open_ids = plan.filter(pl.col("worker_id").is_null()).select("household_id")
    uncovered = households.join(open_ids, on="household_id", how="semi")
    records = shortfall(uncovered, workers, settings, arcs=arcs)
    return tuple((int(r["tier"]), str(r["role"]), int(r["extra_hours"])) for r in records)  # type: ignore[call-overload]


def _visit_sheet(run_dir: Path, month: str, township_id: str, worker_id: str) -> bytes:
    """The worker's printable A4 sheet, exported from the run into a temporary directory
    (``export_visit_lists`` of the worker's township; the sheet is found through the index);
    empty when the index links no sheet of the worker. Called only by
    :meth:`DataAccess.visit_sheet`, after its scope check."""
    from visit_planner.export import export_visit_lists

    with tempfile.TemporaryDirectory(prefix="visit-sheet-") as tmp:
        summary = export_visit_lists(run_dir, Path(tmp), month=month, townships=[township_id])
        index = summary.index.read_text("utf-8")
        link = re.search(rf'href="([^"]+)">{re.escape(html.escape(worker_id))}</a>', index)
        if link is None:
            return b""
        return (summary.out / link.group(1)).read_bytes()


@lru_cache(maxsize=64)
def _township_ids(root: str) -> tuple[str, ...]:
    """The run's township ids (from its small diagnostics file), sorted."""
    return tuple(sorted(_whole(root, "diagnostics")["township_id"].to_list()))


@lru_cache(maxsize=64)
def _sensitive_rules(root: str) -> frozenset[str]:
    """Codes of the run's policy rules whose condition reads a sensitive field (a household
    raised by one of them has that field's value betrayed by the rule's name)."""
    rules = _reader(root).policy.risk.rules
    return frozenset(r.code for r in rules if _SENSITIVE_NAME.search(r.when))


_CORRECTION_VALUE = re.compile(r"\b(" + "|".join(SENSITIVE_FIELDS) + r") \S+ → \S+")
"""A correction's note of a sensitive field (``数据更正 correction #3: FIELD BEFORE → AFTER``,
:func:`visit_planner.overrides.apply_overrides`)."""


def _mask_score(score: dict[str, Any], root: str) -> dict[str, Any]:
    """A score row without what betrays a sensitive field: the reasons built from one (their
    ``code`` is the feature's column, :mod:`risk_model.reasons`) are left out and counted in
    ``reasons_withheld``; a rule that reads one is named by :data:`WITHHELD_RULE` only."""
    reasons = list(score.get("reasons") or [])
    kept = [r for r in reasons if str(r.get("code") or "") not in SENSITIVE_FIELDS]
    out = {**score, "reasons": kept, "reasons_withheld": len(reasons) - len(kept)}
    if out.get("rule") is not None and out["rule"] in _sensitive_rules(root):
        out["rule"] = WITHHELD_RULE
    return out


def _mask_notes(notes: str | None) -> str | None:
    """The applied-override notes with a correction's value of a sensitive field as ``—``."""
    return None if notes is None else _CORRECTION_VALUE.sub(r"\1 — → —", notes)


SCOPED_METRICS: tuple[str, ...] = (
    "households",
    "tier1_uncovered",
    "tier2_uncovered",
    "tier3_uncovered",
)
"""Headline figures a scoped account's runs carry: sums over its own townships' diagnostics."""


def _scoped_metrics(townships: list[TownshipRow], viewer: Viewer) -> dict[str, Any]:
    """A run's headline figures over ``viewer``'s townships only, from the store's
    per-township diagnostics: ``townships``, ``households`` and ``tier{1,2,3}_uncovered``
    (a township's ``unassigned_tier*``). A figure that some township in scope lacks is left
    out (the page shows ``—``) rather than taken from the prefecture's; so is the churn
    (``churn_tier_unchanged``), which the run records for the whole prefecture only."""
    mine = [t.diagnostics for t in townships if viewer.covers(t.township_id)]
    sources = {
        "households": "households",
        "tier1_uncovered": "unassigned_tier1",
        "tier2_uncovered": "unassigned_tier2",
        "tier3_uncovered": "unassigned_tier3",
    }
    out: dict[str, Any] = {"townships": len(mine)}
    for name in SCOPED_METRICS:
        counts = [int(d[sources[name]]) for d in mine if d.get(sources[name]) is not None]
        if mine and len(counts) == len(mine):
            out[name] = sum(counts)
    return out


@dataclass(frozen=True)
class ModelReport:
    """What a training run logged for one model version, as the registry holds it."""

    version: int
    fairness: pl.DataFrame | None  # attribute, group, n, n_tier1, tier1_recall, tier1_fpr
    card: str | None  # the model card (markdown)
    calibration_png: bytes | None  # the held-out reliability curves, as training drew them
    calibration: pl.DataFrame | None = None  # model, mean_predicted, observed, n (logged bins)
    evaluation: dict[str, Any] | None = None  # held-out metrics of the model and baselines
    selection: dict[str, Any] | None = None  # which candidate training chose, and by what


@dataclass(frozen=True)
class Drift:
    """This month's households (in scope) against the training data of the run's model."""

    model_version: int
    threshold: float  # PSI above which a feature is flagged (the run's policy)
    households: int
    report: pl.DataFrame  # feature, psi, flagged (largest shift first)


def model_candidates(
    params: Mapping[str, str], metrics: Mapping[str, float], selection: Mapping[str, Any] | None
) -> tuple[str, str | None, list[tuple[str, str]]]:
    """The candidates training compared: ``(chosen kind, how it was chosen, [(kind, metric
    prefix), ...])`` with the chosen model first (its metrics carry no prefix) and then each
    other candidate that logged metrics (the kind requested, when it was not chosen, and the
    baselines). A baseline of the chosen kind is the same model and is left
    out (a logistic champion is not shown twice with equal figures). How: ``log_loss``,
    ``request`` or None when training did not log its selection."""
    chosen = str((selection or {}).get("chosen") or params.get("kind") or "")
    by = str((selection or {}).get("by") or params.get("selected_by") or "")
    how = "log_loss" if "log-loss" in by else ("request" if "request" in by else None)
    shown = [(chosen, "")]
    # Every candidate: the kind requested (a runner-up when held-out log-loss chose another,
    # its metrics then logged with its prefix) and the baselines.
    kinds = [str(params.get("kind") or ""), *str(params.get("baselines") or "").split(",")]
    for kind in dict.fromkeys(k.strip() for k in kinds):
        if kind and kind != chosen and any(m.startswith(f"{kind}_") for m in metrics):
            shown.append((kind, f"{kind}_"))
    return chosen, how, shown


def _json(raw: bytes | None) -> Any:
    return None if raw is None else json.loads(raw.decode("utf-8"))


def _calibration(raw: bytes | None) -> pl.DataFrame | None:
    """``calibration.json`` (per model: the bins' mean predicted P(tier 1), observed share
    and count) as one long frame; None when training did not log it."""
    data = _json(raw)
    if not isinstance(data, dict) or not data:
        return None
    rows = [
        {"model": str(name), "mean_predicted": float(p), "observed": float(o), "n": int(n)}
        for name, bins in data.items()
        for p, o, n in zip(bins["mean_predicted"], bins["observed"], bins["n"], strict=True)
    ]
    return pl.DataFrame(rows) if rows else None


def _model_report(home: str, version: int) -> ModelReport:
    """The logged fairness table, model card, evaluation and calibration of a version, from
    the registry snapshot (read in a child process, see :mod:`dashboard.registry`)."""
    snap = registry.snapshot(Path(home))
    if version not in {v.version for v in snap.versions}:
        raise VisitPlannerError(
            f"模型版本 {version} 未登记 / model version {version} is not registered"
        )
    fairness = snap.artifact(version, "fairness.csv")
    card = snap.artifact(version, "model_card.md")
    return ModelReport(
        version=version,
        fairness=None if fairness is None else pl.read_csv(fairness),
        card=None if card is None else card.decode("utf-8"),
        calibration_png=snap.artifact(version, "plots/calibration.png"),
        calibration=_calibration(snap.artifact(version, "calibration.json")),
        evaluation=_json(snap.artifact(version, "evaluation.json")),
        selection=_json(snap.artifact(version, "selection.json")),
    )


def _drift_reference(home: str, version: int) -> str:
    """The binned training distribution the version logged (JSON text)."""
    raw = registry.snapshot(Path(home)).artifact(version, "drift_reference.json")
    if raw is None:
        raise VisitPlannerError(
            f"模型版本 {version} 没有记录漂移基准 / model version {version} logged no drift "
            "reference"
        )
    return raw.decode("utf-8")


@lru_cache(maxsize=8)
def _drift(root: str, townships: tuple[str, ...], reference: str, threshold: float) -> Drift:
    """PSI of every feature over the townships' stored households (read column by column)."""
    from risk_model.drift import drift_report

    ref = json.loads(reference)
    frames = []
    for tw in townships:
        path = Path(root) / "townships" / tw / "inputs" / "households.parquet"
        if path.is_file():
            present = pl.read_parquet_schema(path)
            frames.append(pl.read_parquet(path, columns=[c for c in ref if c in present]))
    frame = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    version = int(_reader(root).manifest.model_version or 0)
    return Drift(version, threshold, frame.height, drift_report(ref, frame, threshold))


@dataclass(frozen=True)
class Overview:
    """The month at a glance for the user's scope."""

    run: RunRow
    townships: pl.DataFrame  # one row per township in scope: ids, sizes, coverage, shortfall
    by_tier: pl.DataFrame  # tier, households, covered, uncovered
    by_role: pl.DataFrame  # role, hours used, hours available, utilisation
    proven: bool  # every township in scope has a proven bound
    tier1_proven: bool  # every township's tier-1 coverage is proven maximal
    gap: float | None  # objective vs proven bound over the scope
    centres: pl.DataFrame  # township_id, lon, lat: where each township's households are


class DataAccess:
    """What one signed-in user may read and do (see the module docstring)."""

    def __init__(self, workspace: Workspace, viewer: Viewer, *, store_url: str | None = None):
        if viewer.role not in ROLES:
            raise OutOfScopeError(f"未知角色 {viewer.role!r} / unknown role {viewer.role!r}")
        self.workspace = workspace
        self.viewer = viewer
        self.store_url = store_url

    # ------------------------------------------------------------------ runs

    def _store(self) -> Store:
        return Store.for_workspace(self.workspace, self.store_url)

    def months(self) -> list[str]:
        """Months with a current run, newest first."""
        with self._store() as store:
            runs = store.list_runs()
        return sorted({r.month for r in runs if r.status == "current"}, reverse=True)

    def current_run(self, month: str) -> RunRow:
        """The month's current run (an error naming the month when there is none)."""
        with self._store() as store:
            run = store.current_run(month)
        if run is None:
            raise VisitPlannerError(f"{month} 尚无已发布的方案 / {month}: no published run")
        return run

    def runs(self) -> list[RunRow]:
        """Every run (ids, months, versions, statuses and headline figures; no households).

        A run's headline figures (``metrics``) are the whole prefecture's; a county or township
        account gets them recomputed over its own townships instead (:func:`_scoped_metrics`,
        from the store's per-township diagnostics), so that no other township's figure leaks
        through the runs table."""
        with self._store() as store:
            rows = sorted(store.list_runs(), key=lambda r: (r.month, r.version), reverse=True)
            if self.viewer.scope_kind == "prefecture":
                return rows
            return [
                replace(r, metrics=_scoped_metrics(store.run_townships(r.run_id), self.viewer))
                for r in rows
            ]

    def _root(self, run: RunRow) -> str:
        root = str(self.workspace.root / run.path)
        _reader(root)  # kept; reading it remembers the run's place names for every label
        return root

    def run_diff(self, run_a: str, run_b: str) -> pl.DataFrame:
        """What changed from run ``run_a`` to run ``run_b`` (ids as the store knows them), one
        row per township in the user's scope, in :func:`~visit_planner.runs.diff_runs`'s
        columns. The runs' directories are the store's, not the caller's; the whole diff is
        computed once per process (:func:`_diff`) and cut to the scope here, so no other
        township's row leaves this module."""
        with self._store() as store:
            a, b = store.get_run(run_a), store.get_run(run_b)
        diff = _diff(self._root(a), self._root(b))
        if self.viewer.scope_kind == "prefecture":
            return diff
        keep = [self.viewer.covers(tw) for tw in diff["township_id"].to_list()]
        return diff.filter(pl.Series(keep, dtype=pl.Boolean))

    def rollback(self, month: str, run_id: str, *, reason: str) -> RunRow:
        """Make the earlier run ``run_id`` of ``month`` current again, by the store (which
        marks the later runs ``rolled_back`` and audits it with the user as actor); the run
        now current. A rollback changes every township of the month: refused here unless the
        user is a planner of the whole prefecture (:attr:`Viewer.may_roll_back`), whatever
        page asked."""
        if not self.viewer.may_roll_back:
            raise OutOfScopeError(
                "只有全州计划员可以回滚方案 / only planners of the whole prefecture roll back runs"
            )
        with self._store() as store:
            return store.rollback(month, run_id, actor=self.viewer.username, reason=reason)

    # ------------------------------------------------------------------ scope

    def _require(self, township_id: str) -> None:
        if not self.viewer.covers(township_id):
            raise OutOfScopeError(
                f"乡镇 {i18n.township(township_id, 'zh')} 不在您的辖区内（"
                f"{self.viewer.scope_label('zh')}） / township {i18n.township(township_id, 'en')} "
                f"is outside your jurisdiction ({self.viewer.scope_label('en')})"
            )

    def _absent(self, kind: str, typed: str) -> OutOfScopeError | DashboardError:
        """The one answer to a household or worker id (``kind``) typed or linked that the user
        may not see: the same words whether it is in no run or in another jurisdiction (an
        answer naming the township would tell which ids exist, and where), never a path."""
        zh, en = {"household": ("农户", "household"), "worker": ("人员", "worker")}[kind]
        shown = typed.strip().upper()
        if self.viewer.scope_kind == "prefecture":
            return DashboardError(f"未找到{zh} {shown} / no {en} {shown} in this month's plan")
        return OutOfScopeError(f"您的辖区内没有{zh} {shown} / no {en} {shown} in your jurisdiction")

    def _find_household(self, root: str, typed: str) -> tuple[str, str] | None:
        """``(household id as the run spells it, its township)`` of an id as typed (trimmed;
        tried as typed, then upper-cased), None when the run has no such household."""
        reader = _reader(root)
        for candidate in dict.fromkeys((typed.strip(), typed.strip().upper())):
            try:
                return candidate, reader.township_of(candidate)
            except VisitPlannerError:  # not in this run
                continue
        return None

    def _household_in_scope(self, root: str, typed: str) -> tuple[str, str]:
        """:meth:`_find_household`, refused alike (:meth:`_absent`) when there is none and when
        its township lies outside the user's jurisdiction."""
        found = self._find_household(root, typed)
        if found is None or not self.viewer.covers(found[1]):
            raise self._absent("household", typed)
        return found

    def _require_households(self) -> None:
        if not self.viewer.sees_households:
            raise OutOfScopeError("浏览账户仅可查看汇总 / viewer accounts see aggregates only")

    def townships(self, month: str) -> list[str]:
        """The township ids of the month's run in the user's scope, sorted."""
        run = self.current_run(month)
        return [t for t in _township_ids(self._root(run)) if self.viewer.covers(t)]

    # ------------------------------------------------------------------ aggregates

    def overview(self, month: str) -> Overview:
        """Households by tier, tier-1 coverage, utilisation by role and shortfalls, in scope,
        from the townships' summaries (written at publish time: no plan row is read)."""
        run = self.current_run(month)
        root = self._root(run)
        in_scope = self.townships(month)
        summaries = [_summary(root, tw) for tw in in_scope]
        diag = _whole(root, "diagnostics").filter(pl.col("township_id").is_in(in_scope))
        towns = diag.select(
            "township_id",
            "households",
            "workers",
            "status",
            "gap",
            "unassigned_tier1",
            "unassigned_tier2",
            "unassigned_tier3",
            "shortfall",
            "extra_cadres",
            *[c for c in diag.columns if c.startswith("utilisation_")],
        ).sort("township_id")
        proven = bool(summaries) and all(s.proven for s in summaries)
        objective = sum(s.objective or 0.0 for s in summaries)
        gap = None
        if proven and objective > 0:
            bound = sum(s.bound or 0.0 for s in summaries)
            gap = max(0.0, objective - bound) / objective
        centres = pl.DataFrame(
            [(s.township_id, s.lon, s.lat) for s in summaries if s.lon is not None],
            schema={"township_id": pl.String, "lon": pl.Float64, "lat": pl.Float64},
            orient="row",
        )
        by_role = roles_frame(summaries).filter(pl.col("hours_available") > 0)
        tier1_proven = bool(summaries) and all(s.tier1_proven for s in summaries)
        return Overview(
            run, towns, tiers_frame(summaries), by_role, proven, tier1_proven, gap, centres
        )

    def township(self, month: str, township_id: str) -> dict[str, Any]:
        """One township: its diagnostics row, demand and capacity by role, the uncovered
        households (a page of them) and worker loads; an error outside the user's scope.

        ``demand`` has one row per tier: ``hours_covered`` (its covered households' hours),
        ``extra_hours`` (the shortfall's extra hours of the tier's role, 0 without one) and
        ``hours``, their sum: the demand including the uncovered households."""
        self._require(township_id)
        run = self.current_run(month)
        root = self._root(run)
        diag = _whole(root, "diagnostics").filter(pl.col("township_id") == township_id)
        if diag.height == 0:
            raise VisitPlannerError(
                f"乡镇 {i18n.township(township_id, 'zh')} 不在 {month} 的方案中 / township "
                f"{i18n.township(township_id, 'en')} is not in the plan of {month}"
            )
        plan = _township_frame(root, township_id, "plan")
        loads = _township_frame(root, township_id, "worker_loads")
        assert plan is not None and loads is not None  # every run township has both
        summary = _summary(root, township_id)
        uncovered = plan.filter(pl.col("worker_id").is_null()).sort("tier", "household_id")
        # Demand of a tier: the hours of its covered households (the summary's) plus, where the
        # township falls short, the extra hours its present workers would need for the
        # uncovered ones: the summary's hours alone would equal the hours used.
        short = bool(diag["shortfall"][0]) if "shortfall" in diag.columns else False
        records = _shortfall_hours(root, township_id) if short else ()
        extra = {tier: hours for tier, _role, hours in records}
        demand = (
            tiers_frame([summary])
            .select("tier", "households", pl.col("hours").alias("hours_covered"))
            .with_columns(
                pl.col("tier")
                .replace_strict(extra, default=0, return_dtype=pl.Float64)
                .alias("extra_hours")
            )
            .with_columns((pl.col("hours_covered") + pl.col("extra_hours")).alias("hours"))
        )
        capacity = roles_frame([summary]).select("role", "hours_available", "hours_used", "workers")
        return {
            "run": run,
            "diagnostics": diag.row(0, named=True),
            "demand": demand.sort("tier"),
            "capacity": capacity.sort("role"),
            "uncovered": uncovered.head(PAGE_ROWS) if self.viewer.sees_households else None,
            "uncovered_count": uncovered.height,
            "loads": loads.sort("utilisation_hours", descending=True, nulls_last=True).head(
                PAGE_ROWS
            ),
        }

    def workers_of(self, month: str, township_id: str) -> pl.DataFrame:
        """One township's workers with hours used against capacity (from its summary)."""
        self._require(township_id)
        root = self._root(self.current_run(month))
        return workers_frame(_summary(root, township_id))

    def map_points(self, month: str, township_id: str) -> dict[str, pl.DataFrame]:
        """Households (lon, lat, tier, covered) and worker bases of one township, for a map
        drawn without any base map (offline). Viewers get no household points."""
        self._require(township_id)
        root = self._root(self.current_run(month))
        households = _township_input(root, township_id, "households")
        workers = _township_input(root, township_id, "workers")
        plan = _township_frame(root, township_id, "plan")
        out: dict[str, pl.DataFrame] = {}
        if households is not None and plan is not None and self.viewer.sees_households:
            out["households"] = households.select("household_id", "village_id", "lon", "lat").join(
                plan.select("household_id", "tier", "worker_id"), on="household_id", how="left"
            )
        if workers is not None:
            out["workers"] = workers.filter(pl.col("township_id") == township_id).select(
                "worker_id", "role", "lon", "lat", "active"
            )
        return out

    # ------------------------------------------------------------------ one household

    def household(self, month: str, household_id: str) -> dict[str, Any]:
        """Everything the household page shows, if the user may see it: tier with
        probabilities and reasons, how the tier came about, the worker with the reason and the
        ranked alternatives, overrides applied; for a household no one visits, its township's
        shortfall (``shortfall``: the capacity that would cover it). For roles without
        sensitive fields (:attr:`Viewer.sees_sensitive`) they are masked in the record, and
        nothing else carries them: the risk reasons built from one are left out
        (``score["reasons_withheld"]`` counts them, :data:`WITHHELD_REASONS`), a rule reading
        one is named :data:`WITHHELD_RULE`, and a correction of one shows no values."""
        self._require_households()
        run = self.current_run(month)
        root = self._root(run)
        household_id, township_id = self._household_in_scope(root, household_id)
        inputs = _township_input(root, township_id, "households")
        scores = _township_frame(root, township_id, "scores")
        expl = _township_frame(root, township_id, "explanations")
        assert inputs is not None and expl is not None
        record = inputs.filter(pl.col("household_id") == household_id).row(0, named=True)
        if not self.viewer.sees_sensitive:
            record = {k: ("—" if k in SENSITIVE_FIELDS else v) for k, v in record.items()}
        score = None
        if scores is not None:
            rows = scores.filter(pl.col("household_id") == household_id)
            score = rows.row(0, named=True) if rows.height else None
        explanation = expl.filter(pl.col("household_id") == household_id).row(0, named=True)
        if not self.viewer.sees_sensitive:
            score = None if score is None else _mask_score(score, root)
            explanation["overrides"] = _mask_notes(explanation.get("overrides"))
        shortfall = None
        if explanation.get("worker_id") is None:  # why no one visits it: the township's gap
            diag = _whole(root, "diagnostics").filter(pl.col("township_id") == township_id)
            if diag.height and "shortfall" in diag.columns:
                shortfall = diag["shortfall"][0] or None
        return {
            "run": run,
            "household_id": household_id,
            "township_id": township_id,
            "record": record,
            "score": score,
            "explanation": explanation,
            "alternatives": _alternatives(root, household_id),
            "shortfall": shortfall,
        }

    def household_history(self, household_id: str) -> pl.DataFrame:
        """The household's tier and worker in every month's current run (newest first); the id
        as :meth:`household` takes it, refused the same way (:meth:`_absent`) when some month
        has it outside the user's jurisdiction and when no month has it."""
        self._require_households()
        rows = []
        for month in self.months():
            run = self.current_run(month)
            root = self._root(run)
            there = self._find_household(root, household_id)
            if there is None:  # not in that month's run
                continue
            hid, tw = there
            if not self.viewer.covers(tw):
                raise self._absent("household", household_id)
            plan = _township_frame(root, tw, "plan")
            assert plan is not None
            found = plan.filter(pl.col("household_id") == hid)
            rows.append(
                {
                    "month": month,
                    "version": run.version,
                    "township_id": tw,
                    "tier": int(found["tier"][0]),
                    "worker_id": found["worker_id"][0],
                }
            )
        if not rows:  # in no month's run: refused like one of another jurisdiction
            raise self._absent("household", household_id)
        return pl.DataFrame(
            rows,
            schema={"month": pl.String, "version": pl.Int64, "township_id": pl.String,
                    "tier": pl.Int64, "worker_id": pl.String},
        )  # fmt: skip

    # ------------------------------------------------------------------ one worker

    def _worker_load(self, root: str, month: str, worker_id: str) -> dict[str, Any]:
        """The worker's row of the run's ``worker_loads`` (the id trimmed; tried as typed, then
        upper-cased), once the worker's township, as the run records it, lies in the user's
        jurisdiction; refused alike (:meth:`_absent`) when the run has no such worker and when
        it works outside the jurisdiction. Callers check :meth:`_require_households` first."""
        typed = worker_id.strip()
        tried = list(dict.fromkeys((typed, typed.upper())))
        loads = (
            pl.scan_parquet(Path(root) / "worker_loads.parquet")
            .filter(pl.col("worker_id").is_in(tried))
            .collect()
        )
        if loads.height == 0:
            raise self._absent("worker", typed)
        exact = loads.filter(pl.col("worker_id") == typed)
        load = (exact if exact.height else loads).row(0, named=True)
        if not self.viewer.covers(str(load["township_id"])):
            raise self._absent("worker", typed)
        return load

    def worker(self, month: str, worker_id: str) -> dict[str, Any]:
        """A worker's households (a page), hours against capacity and the visit points."""
        self._require_households()
        run = self.current_run(month)
        root = self._root(run)
        load = self._worker_load(root, month, worker_id)
        township_id = str(load["township_id"])
        plan = _township_frame(root, township_id, "plan")
        households = _township_input(root, township_id, "households")
        assert plan is not None and households is not None
        mine = plan.filter(pl.col("worker_id") == load["worker_id"]).join(
            households.select("household_id", "village_id", "lon", "lat", "last_visit_days"),
            on="household_id",
            how="left",
        )
        return {"run": run, "load": load, "households": mine.sort("tier", "household_id")}

    def visit_sheet(self, month: str, worker_id: str, *, run_id: str | None = None) -> bytes:
        """The worker's printable A4 visit sheet (HTML, UTF-8), as ``runs export`` writes it:
        :func:`~visit_planner.export.export_visit_lists` of the worker's township into a
        temporary directory, the sheet found through its index; empty when the worker has no
        household this month (no sheet). From the month's current run, or from the run
        ``run_id`` of that month (the one a page showed; looked up in the store, never a
        caller's directory). Refused like :meth:`worker` unless the user sees households and
        the worker's township (as that run records it) lies in the user's jurisdiction; refused
        to roles without sensitive fields (:data:`SHEET_WITHHELD`): a sheet lists the risk
        reasons that raise a household's risk, sensitive ones too."""
        self._require_households()
        if not self.viewer.sees_sensitive:
            raise OutOfScopeError(SHEET_WITHHELD)
        if run_id is None:
            run = self.current_run(month)
        else:
            with self._store() as store:
                run = store.get_run(run_id)
            if run.month != month:
                raise VisitPlannerError(
                    f"方案 {run_id} 属于 {run.month}，不属于 {month} / run {run_id} is of "
                    f"{run.month}, not {month}"
                )
        root = self._root(run)
        load = self._worker_load(root, month, worker_id)
        return _visit_sheet(Path(root), month, str(load["township_id"]), str(load["worker_id"]))

    # ------------------------------------------------------------------ corrections

    def overrides(self, month: str) -> pl.DataFrame:
        """Standing and revoked overrides of households in scope, with their outcome in the
        month's current run (applied / not applied and why, or pending)."""
        self._require_households()
        run = self.current_run(month)
        with self._store() as store:
            rows = store.list_overrides()
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
                    "author": o.author,
                    "reason": o.reason,
                    "created_at": clock.shown(o.created_at),  # Beijing time
                    "expires_on": None if o.expires_on is None else o.expires_on.isoformat(),
                    "status": o.status,
                    "outcome": outcomes[o.id].outcome if o.id in outcomes else "pending",
                    "outcome_reason": outcomes[o.id].reason if o.id in outcomes else "",
                }
                for o in rows
            ],
            infer_schema_length=None,
        )
        if frame.height == 0:
            return frame
        index = (
            pl.scan_parquet(Path(self._root(run)) / "households_index.parquet")
            .filter(pl.col("household_id").is_in(frame["household_id"].unique().implode()))
            .collect()
        )
        frame = frame.join(index, on="household_id", how="left")
        if not self.viewer.sees_sensitive:  # a correction of a sensitive field: no value
            frame = frame.with_columns(
                pl.when(pl.col("field").cast(pl.String).is_in(SENSITIVE_FIELDS))
                .then(pl.lit("—"))
                .otherwise(pl.col("value"))
                .alias("value")
            )
        keep = [tw is not None and self.viewer.covers(tw) for tw in frame["township_id"].to_list()]
        return frame.filter(pl.Series(keep)).sort("id", descending=True).head(PAGE_ROWS)

    def submit_override(self, month: str, **fields: Any) -> int:
        """Add a standing override for a household in scope (planners and supervisors only);
        checked against the month's data like ``overrides add``; returns its number."""
        from visit_planner.overrides import Override, check_new_override
        from visit_planner.policy import load_policy, settings_from_policy

        if not self.viewer.may_correct:
            raise OutOfScopeError("此角色不能提交纠正 / this role cannot submit corrections")
        run = self.current_run(month)
        root = self._root(run)
        household_id, township_id = self._household_in_scope(root, str(fields["household_id"]))
        fields = {**fields, "household_id": household_id}
        households = _township_input(root, township_id, "households")
        workers = _township_input(root, township_id, "workers")
        assert households is not None and workers is not None
        candidate = Override(id=0, author=self.viewer.username, **fields)
        problems = check_new_override(
            candidate,
            households,
            workers,
            settings_from_policy(load_policy()),
            today=date.today(),
        )
        if problems:
            raise VisitPlannerError("; ".join(problems))
        with self._store() as store:
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
            )
        return row.id

    # ------------------------------------------------------------------ model

    def model_versions(self) -> list[Any]:
        """Every registered model version with aliases, tags and metrics (newest first; read
        again when the registry changes, see :mod:`dashboard.registry`)."""
        return list(registry.snapshot(self.workspace.root).versions)

    def model_report(self, version: int) -> ModelReport:
        """The fairness table across groups, the model card and the calibration curves that
        training logged for ``version`` (aggregates only: every role may read them)."""
        return _model_report(str(self.workspace.root), int(version))

    def drift(self, month: str) -> Drift | None:
        """Drift flags of the month's households in scope against the training data of the
        model that scored them (PSI per feature, flagged above the policy's threshold); None
        when the run records no model version."""
        from visit_planner.policy import parse_policy

        run = self.current_run(month)
        root = self._root(run)
        version = _reader(root).manifest.model_version
        if not version or not str(version).isdigit():
            return None
        threshold = parse_policy(run.policy_text, "run policy").risk.psi_threshold
        reference = _drift_reference(str(self.workspace.root), int(version))
        return _drift(root, tuple(self.townships(month)), reference, float(threshold))

    # ------------------------------------------------------------------ what-if

    def what_if(self, month: str, township_id: str, changes: Changes) -> WhatIf:
        """Re-solve one township in scope with ``changes`` and compare (nothing is saved)."""
        self._require(township_id)
        run = self.current_run(month)
        return what_if(Path(self._root(run)), township_id, changes, month=month)

    def publish_what_if(self, month: str, what: WhatIf, based_on: str) -> RunRow:
        """Publish a what-if as the month's next version (planners only; audited)."""
        from visit_planner.whatif_publish import publish_what_if

        if not self.viewer.may_publish:
            raise OutOfScopeError("只有计划员可以发布修订 / only planners publish amendments")
        self._require(what.township_id)
        return publish_what_if(
            what,
            month=month,
            based_on=based_on,
            home=self.workspace.root,
            store_url=self.store_url,
            actor=self.viewer.username,
        )

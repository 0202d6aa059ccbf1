"""A small published prefecture for the dashboard's tests, and its accounts.

:func:`build_site` generates the synthetic prefecture at scale 0.003 (seed 2, eight townships of
one county each), trains and promotes a risk model, plans the month twice (so that the runs page
has two runs to compare and one to roll back to) and creates one account of each kind through
the store's API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from visit_planner.paths import Workspace
from visit_planner.store import Store

MONTH: Final = "2026-11"
PASSWORD: Final = "correct-horse-battery"
TOWNSHIP: Final = "532601001"  # the township supervisor's
COUNTY: Final = "532626"  # the county supervisor's
OTHER_TOWNSHIP: Final = "532622001"  # in neither supervisor's jurisdiction

ACCOUNTS: Final[dict[str, tuple[str, str, str | None]]] = {
    "planner1": ("planner", "prefecture", None),
    "sup_town": ("supervisor", "township", TOWNSHIP),
    "sup_county": ("supervisor", "county", COUNTY),
    "scientist": ("data_scientist", "prefecture", None),
    "viewer1": ("viewer", "prefecture", None),
}
"""username -> (role, scope kind, scope id)."""


@dataclass(frozen=True)
class Site:
    """A workspace with a published month, and ids the tests ask about."""

    home: Path
    data: Path
    household: str  # assigned, of TOWNSHIP, with a worker and risk reasons
    worker: str  # that household's worker
    other_household: str  # of OTHER_TOWNSHIP
    other_worker: str  # a worker of OTHER_TOWNSHIP
    county_household: str  # of the county supervisor's county

    @property
    def workspace(self) -> Workspace:
        """The site's workspace."""
        return Workspace(self.home)


def build_site(root: Path) -> Site:
    """Generate, train, promote, plan twice and add the accounts (about 15 s)."""
    from risk_model import TrainConfig
    from visit_planner.plan_job import PlanRequest, run_plan
    from visit_planner.risk_job import promote_version, train_from_file
    from visit_planner.synthetic import generate, write_prefecture

    data = root / "data"
    home = root / "ws"
    write_prefecture(generate(scale=0.003, seed=2), data)
    train_from_file(data, home=home, config=TrainConfig(params={"max_iter": 30}))
    promote_version(1, data, home=home)
    request = PlanRequest(month=MONTH, data=data, home=home, processes=1, actor="planner1")
    run_plan(request)
    outcome = run_plan(request)
    with Store.for_workspace(Workspace(home)) as store:
        for name, (role, kind, scope_id) in ACCOUNTS.items():
            store.add_user(
                name, role, scope_kind=kind, scope_id=scope_id, password=PASSWORD, actor="tests"
            )
    plan = pl.read_parquet(outcome.run_dir / "plan.parquet")
    mine = plan.filter((pl.col("township_id") == TOWNSHIP) & pl.col("worker_id").is_not_null())
    pick = mine.sort("tier", "household_id").row(0, named=True)  # a tier-1 household if any
    other = plan.filter(pl.col("township_id") == OTHER_TOWNSHIP).sort("household_id")
    county = plan.filter(pl.col("township_id").str.starts_with(COUNTY)).sort("household_id")
    return Site(
        home=home,
        data=data,
        household=pick["household_id"],
        worker=pick["worker_id"],
        other_household=other["household_id"][0],
        other_worker=other.drop_nulls("worker_id")["worker_id"][0],
        county_household=county["household_id"][0],
    )


def audit_actions(site: Site, subject: str) -> list[str]:
    """The audit log's actions about ``subject`` (e.g. a username), oldest first."""
    with Store.for_workspace(site.workspace) as store:
        return [e.action for e in store.audit_entries() if e.subject == subject]

"""The ``site`` fixture: each module's copy of the session's site (tests/dashboard/conftest.py).

A module's site is a copy of a template built once per session, so the copy must be a
workspace of its own: every path of its Site inside the copy, and what a module does to it
(here what no other module does: train and promote a new model version; and add an account)
left out of the template, whose tree the fixture also checks after every module (plans,
amendments, overrides of the other modules).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.dashboard.conftest import SiteTemplate
from tests.dashboard.helpers import PASSWORD, Site, tree_digest
from visit_planner.model_registry import registry_for
from visit_planner.store import Store


def test_every_path_of_the_copy_is_in_the_copy(site: Site, site_template: SiteTemplate) -> None:
    root = site.home.parent
    assert root != site_template.root
    for field in dataclasses.fields(site):
        value, built = getattr(site, field.name), getattr(site_template.site, field.name)
        if isinstance(value, Path):
            assert value.is_relative_to(root) and value.exists(), field.name
            assert not value.is_relative_to(site_template.root), field.name
            assert value.relative_to(root) == built.relative_to(site_template.root)
        else:
            assert value == built, field.name  # the ids the tests ask about


def test_training_and_promoting_in_a_copy_leave_the_template_alone(
    site: Site, site_template: SiteTemplate
) -> None:
    from risk_model import TrainConfig
    from visit_planner.risk_job import promote_version, train_from_file

    before = sorted(p.name for p in (site_template.site.home / "mlartifacts").iterdir())
    train_from_file(site.data, home=site.home, config=TrainConfig(params={"max_iter": 30}))
    promote_version(2, site.data, home=site.home)
    with Store.for_workspace(site.workspace) as store:
        store.add_user("copy_only", "viewer", scope_kind="prefecture", password=PASSWORD, actor="t")

    # The template's databases (mlflow.db, store.db) and files are as built, byte for byte.
    assert tree_digest(site_template.root) == site_template.digest
    assert sorted(p.name for p in (site_template.site.home / "mlartifacts").iterdir()) == before
    # The new version's files are in the copy's own mlartifacts, the old one's still readable.
    champion = registry_for(site.workspace).champion()
    assert champion is not None and champion.version == 2
    own = {p.name for p in (site.home / "mlartifacts").iterdir()}
    assert champion.run_id in own and champion.run_id not in before
    assert [v.version for v in registry_for(site.workspace).versions()] == [2, 1]

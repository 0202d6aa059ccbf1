"""The fairness audit as train and promote show it: by ethnicity, gender and county, groups by
name with their sizes, on every train, in the promotion gate's pass and refusal and in its
audit line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.visit_planner.helpers import flat

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/visit_planner/conftest.py


def test_train_and_the_promotion_gate_show_the_check_by_group(
    small_prefecture_dir: Path, workspace: Path, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """train showed one "group gap" figure (cut off at 80 columns) and promote only the gate's
    comparison of the largest gap: nobody saw which groups, how large, or that a group of
    a few tier-1 households was left out of the gap."""
    from visit_planner.cli._app import console, err_console

    monkeypatch.setattr(console, "_width", 80)
    monkeypatch.setattr(err_console, "_width", 80)
    data = str(small_prefecture_dir)
    rc, out, err = cli("train", "--data", data, "--max-iter", "20")
    assert rc == 0, err
    text = flat(out)
    assert "分组核对 / check by group (" in text
    assert "户主民族 head's ethnicity:" in text
    assert "户主性别 head's gender:" in text
    assert "彝族 Yi: " in text and "女 female: " in text
    assert "县市 county:" in text and "(5326" in text  # counties by name and code
    assert "样本太少 (不足 20 户一类户), 不作比较 / too few (under 20) to compare" in text
    assert "差距 gap: " in text
    assert all(cell_len(line) <= 80 for line in out.splitlines())

    rc, out, err = cli("promote", "--version", "1", "--data", data)
    assert rc == 0, err
    assert "尚无冠军模型, 首个版本直接通过" in flat(out)
    assert "户主民族 head's ethnicity:" in flat(out)  # the first version's groups too
    audit = (workspace / "audit" / "model_promotions.jsonl").read_text("utf-8").splitlines()
    assert "户主性别 head's gender:" in json.loads(audit[-1])["gate"]

    # A far weaker candidate is refused; the refusal shows the groups behind the gap.
    rc, _, err = cli("train", "--data", data, "--kind", "hgb", "--no-select", "--max-iter", "2")
    assert rc == 0, err
    rc, out, err = cli("promote", "--version", "2", "--data", data)
    assert rc == 4  # a check refused (as check-plan's), not 2: broken input
    assert "refused by the gate" in flat(err)
    assert "户主民族 head's ethnicity:" in flat(err)
    assert all(cell_len(line) <= 80 for line in err.splitlines())

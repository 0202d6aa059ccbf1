"""The places an account's scope may name (:mod:`visit_planner.store.jurisdictions`): codes
and names read as codes, refusals that say what to give instead, a warning when nothing is
known. The command and the store's runs are tested in ``test_cli_users``."""

from __future__ import annotations

import pytest

from visit_planner.errors import StoreError
from visit_planner.store.jurisdictions import KnownPlaces, builtin_places, resolve_scope

KNOWN = KnownPlaces(
    ("最新方案 2026-11 v1 ", "the newest run, 2026-11 v1 abc"),
    counties={"532626": ("丘北县", "Qiubei"), "532628": ("", None)},
    townships={"532626001": ("锦屏镇", "Jinping"), "532626002": ("曰者镇", "Yuezhe")},
)


def test_builtin_places_are_the_prefectures_counties_and_townships() -> None:
    places = builtin_places()
    assert len(places.counties) == 8 and len(places.townships) == 104
    assert places.counties["532626"] == ("丘北县", "Qiubei")
    assert places.townships["532626001"] == ("锦屏镇", "Jinping Town")
    assert all(t[:6] in places.counties for t in places.townships)  # each in its county


@pytest.mark.parametrize(
    ("kind", "text", "code"),
    [
        ("township", "532626001", "532626001"),
        ("township", " 锦屏镇 ", "532626001"),
        ("township", "YUEZHE", "532626002"),  # English names in any case
        ("county", "丘北县", "532626"),
        ("county", "532628", "532628"),  # known without a name
        ("county", "5326", "5326"),  # a malformed code is left to the store's rule
    ],
)
def test_a_known_place_by_code_or_name_is_its_code(kind: str, text: str, code: str) -> None:
    assert resolve_scope(kind, text, KNOWN) == (code, None)


def test_an_unknown_or_shared_name_is_refused_saying_what_to_give() -> None:
    with pytest.raises(StoreError) as unknown:
        resolve_scope("township", "锦平镇", KNOWN)
    assert str(unknown.value) == (
        "最新方案 2026-11 v1 中没有这个乡镇 (--scope township:锦平镇 is no township of the "
        "newest run, 2026-11 v1 abc): 相近的 close: 锦屏镇 (532626001)"
    )
    with pytest.raises(StoreError, match=r"已知的 known: 锦屏镇 \(532626001\), 曰者镇"):
        resolve_scope("township", "999999999", KNOWN)
    shared = KnownPlaces(
        KNOWN.source, KNOWN.counties, {**KNOWN.townships, "532626003": ("新锦屏镇", "Jinping")}
    )
    with pytest.raises(StoreError) as twice:
        resolve_scope("township", "jinping", shared)
    assert str(twice.value).startswith("乡镇名称重复, 请用编号 (--scope township:jinping:")
    assert str(twice.value).endswith("锦屏镇 (532626001), 新锦屏镇 (532626003)")


def test_nothing_known_of_the_kind_is_accepted_with_a_warning() -> None:
    nothing = KnownPlaces(("最新方案 2026-11 v1 ", "the newest run"), {}, {})
    code, warning = resolve_scope("county", "532699", nothing)
    assert code == "532699"
    assert warning == (
        "无法核对管辖范围, 最新方案 2026-11 v1 中没有县 (--scope county:532699 could not be "
        "checked: the newest run names no county)"
    )


def test_a_code_outside_the_built_in_places_is_kept_with_a_warning() -> None:
    """Before any run the built-in places are no rule: a deployment's own code is kept, with
    a warning naming the close ones; a name must still be one of them."""
    code, warning = resolve_scope("township", "532626099", builtin_places())
    assert code == "532626099" and warning is not None
    assert warning.startswith("尚无方案, 全州内置地名中没有这个乡镇, 请核对编号 (--scope ")
    assert "相近的 close: 新店彝族乡 (532626009)" in warning
    with pytest.raises(StoreError, match="全州内置地名中没有这个乡镇 \\(--scope township:新点乡"):
        resolve_scope("township", "新点乡", builtin_places())


def test_a_name_is_refused_saying_the_runs_names_could_not_be_read() -> None:
    """The run's directory is not in this workspace: a name is refused saying so (it was
    'no township of the newest run'); a code is still checked against the run's townships."""
    unnamed = KnownPlaces(
        KNOWN.source,
        {"532626": ("丘北县", "Qiubei")},
        {"532626001": ("", None)},
        names_missing=(
            "该方案目录不在此工作区",
            "its directory /w/runs/x is not in this workspace",
        ),
    )
    with pytest.raises(StoreError) as err:
        resolve_scope("township", "锦屏镇", unnamed)
    assert str(err.value) == (
        "最新方案 2026-11 v1 的地名无法读取: 该方案目录不在此工作区 (--scope township:锦屏镇 gives "
        "a township by name, but of the newest run, 2026-11 v1 abc, its directory /w/runs/x is "
        "not in this workspace): 已知的 known: 532626001"
    )
    assert resolve_scope("township", "532626001", unnamed) == ("532626001", None)
    with pytest.raises(StoreError, match="中没有这个乡镇"):  # a code: no names are needed
        resolve_scope("township", "532626002", unnamed)
    assert resolve_scope("county", "丘北县", unnamed) == ("532626", None)  # a built-in name

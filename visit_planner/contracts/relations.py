"""Cross-row and cross-table rules that a column schema cannot express.

- the area ids nest: every grid lies in one village, every village in one township, every
  township in one county;
- a worker carries exactly the area ids its role implies (a cadre no village or grid, a village
  official a village but no grid, a grid worker both), and they nest like the households';
- references to households and workers in other tables point at rows that exist.

Each function is pure: frames in, :class:`Problem` list out.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from visit_planner.contracts.report import Problem

_LEVELS = (("grid_id", "village_id"), ("village_id", "township_id"), ("township_id", "county_id"))
LEVELS = _LEVELS
"""(child, parent) area ids whose nesting is checked, in the order problems are listed."""


def area_pairs(households: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """For each child level, the rows of every (child id, parent id) pair: what
    :func:`parents_of` needs, and small (one row per area), so that a table read in chunks
    adds up its chunks' pairs."""
    return {child: households.group_by(child, parent).len() for child, parent in _LEVELS}


def parents_of(pairs: dict[str, list[pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """For each child level, the majority parent of every child id in the pair counts of
    :func:`area_pairs` (one or more frames per level, their counts added up); ties go to the
    smallest parent id."""
    out: dict[str, pl.DataFrame] = {}
    for child, parent in _LEVELS:
        out[child] = (
            pl.concat(pairs[child], how="vertical_relaxed")
            .group_by(child, parent)
            .agg(pl.col("len").sum())
            .sort([child, "len", parent], descending=[False, True, False])
            .unique(child, keep="first", maintain_order=True)
            .select(child, pl.col(parent).alias("expected_parent"))
        )
    return out


def area_parents(households: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """For each child level, the majority parent of every child id seen in the households."""
    return parents_of({level: [frame] for level, frame in area_pairs(households).items()})


def _misnested(
    frame: pl.DataFrame,
    id_column: str,
    parents: dict[str, pl.DataFrame],
    file: str,
    rule: str,
) -> list[Problem]:
    """Rows of ``frame`` whose area ids disagree with ``parents`` at any level.

    ``rule`` is formatted with ``child`` and ``parent``; rows whose child id is null or not in
    ``parents`` are not judged here.
    """
    problems: list[Problem] = []
    for child, parent in _LEVELS:
        bad = (
            frame.filter(pl.col(child).is_not_null())
            .select(id_column, child, parent)
            .join(parents[child], on=child, how="inner")
            .filter(pl.col(parent) != pl.col("expected_parent"))
            .sort(id_column)
        )
        if bad.height:
            problems.append(
                Problem(
                    file,
                    f"{child}/{parent}",
                    rule.format(child=child, parent=parent),
                    ids=tuple(bad[id_column].head(5).to_list()),
                    count=bad.height,
                    examples=tuple(
                        f"{r[child]} in {r[parent]}, expected {r['expected_parent']}"
                        for r in bad.head(5).iter_rows(named=True)
                    ),
                )
            )
    return problems


def check_household_nesting(
    households: pl.DataFrame, file: str, parents: dict[str, pl.DataFrame] | None = None
) -> list[Problem]:
    """Households whose grid/village/township ids do not nest as the majority of rows do
    (``parents``: the majority parents, when ``households`` is a chunk of the table)."""
    return _misnested(
        households,
        "household_id",
        area_parents(households) if parents is None else parents,
        file,
        "网格/村/乡镇层级不一致 (areas do not nest: the {child} lies in another {parent} "
        "in most rows)",
    )


MEMBER_COUNTS = (
    "elderly_65plus",
    "children_under16",
    "disabled_members",
    "serious_illness_members",
    "migrant_workers",
)
"""Counts of a household's members: none may exceed ``members``."""


def check_member_counts(households: pl.DataFrame, file: str) -> list[Problem]:
    """Counts of members (elderly, children, disabled, ill, migrant) above ``members``, and
    left-behind children above the children: impossible rows, each named."""
    problems = []
    pairs = [(c, "members") for c in MEMBER_COUNTS] + [("left_behind_children", "children_under16")]
    for column, bound in pairs:
        bad = households.filter(pl.col(column) > pl.col(bound))
        if bad.height:
            problems.append(
                Problem(
                    file,
                    column,
                    f"超过{'家庭人口' if bound == 'members' else '儿童数'} (more than {bound})",
                    ids=tuple(bad["household_id"].head(5).to_list()),
                    count=bad.height,
                    examples=tuple(
                        f"{r[column]} > {r[bound]}" for r in bad.head(5).iter_rows(named=True)
                    ),
                )
            )
    return problems


_ROLE_IDS = {
    # role: (village_id must be set, grid_id must be set)
    "cadre": (False, False),
    "village_official": (True, False),
    "grid_worker": (True, True),
}


def check_worker_roles(workers: pl.DataFrame, file: str) -> list[Problem]:
    """Workers whose village/grid ids do not match their role."""
    problems: list[Problem] = []
    for role, (needs_village, needs_grid) in _ROLE_IDS.items():
        of_role = workers.filter(pl.col("role") == role)
        for column, needed in (("village_id", needs_village), ("grid_id", needs_grid)):
            wrong = of_role.filter(
                pl.col(column).is_null() if needed else pl.col(column).is_not_null()
            ).sort("worker_id")
            if wrong.height:
                rule = (
                    f"须填写 (a {role} must carry a {column})"
                    if needed
                    else f"须留空 (a {role} must not carry a {column}: its jurisdiction is "
                    "wider; leave it empty)"
                )
                problems.append(
                    Problem(
                        file,
                        column,
                        f"角色与辖区编号不符, {rule}",
                        ids=tuple(wrong["worker_id"].head(5).to_list()),
                        count=wrong.height,
                        # the value a cell holds that should be empty: a code, or a word
                        # for none (无, NA) that is no empty cell
                        examples=()
                        if needed
                        else tuple(str(v) for v in wrong[column].head(5).to_list()),
                    )
                )
    return problems


def check_worker_nesting(
    workers: pl.DataFrame,
    households: pl.DataFrame | None,
    file: str,
    parents: dict[str, pl.DataFrame] | None = None,
) -> list[Problem]:
    """Workers whose area ids nest differently from the households' areas (``parents``: the
    households' majority parents, in place of ``households``)."""
    if parents is None:
        if households is None:
            raise ValueError("check_worker_nesting needs the households or their parents")
        parents = area_parents(households)
    return _misnested(
        workers,
        "worker_id",
        parents,
        file,
        "辖区层级与农户数据不一致 (areas do not nest: the households place this {child} "
        "in another {parent})",
    )


def check_worker_areas(
    workers: pl.DataFrame, parents: dict[str, pl.DataFrame], file: str
) -> list[Problem]:
    """Active workers whose township, village or grid holds no household of the month
    (``parents``: the households' majority parents, which list every area id they name).

    Such a worker can be given no household: a typo in the id (a cadre of 532601077 instead
    of 532601007) would otherwise show only as a shortfall of cadres in the real township.
    A warning, not an error: a new grid may have no households yet. Each level is judged on
    the workers who carry an id at that level."""
    active = workers.filter(pl.col("active")) if "active" in workers.columns else workers
    problems: list[Problem] = []
    for child, _ in reversed(_LEVELS):  # township, village, grid
        known = parents[child][child]
        bad = (
            active.filter(pl.col(child).is_not_null() & ~pl.col(child).is_in(known.implode()))
            .select("worker_id", child)
            .sort("worker_id")
        )
        if bad.height:
            level = child.removesuffix("_id")
            problems.append(
                Problem(
                    file,
                    child,
                    "本月数据中该辖区无农户, 该人员无可分配农户 (no household of the month "
                    f"lives in this worker's {level}: none can be given to the worker)",
                    ids=tuple(bad["worker_id"].head(5).to_list()),
                    count=bad.height,
                    examples=tuple(bad[child].head(5).to_list()),
                    severity="warning",
                )
            )
    return problems


Member = Callable[[pl.Series, pl.Series], pl.Series]
"""``(values, known) -> mask``: which values are among the known ids (null: never)."""


def hashed(values: pl.Series, known: pl.Series) -> pl.Series:
    """:data:`Member` by a hash set of ``known``."""
    return values.is_in(known.implode()).fill_null(False)


def sorted_member(values: pl.Series, known: pl.Series) -> pl.Series:
    """:data:`Member` by binary search in ``known``, which must be sorted (by
    ``Series.sort()``, without nulls): no hash set of the known ids, only a position per
    value."""
    if known.len() == 0:
        return pl.Series(values.name, [False] * values.len(), pl.Boolean)
    at = known.search_sorted(values, side="left").clip(0, known.len() - 1)
    return (known.gather(at) == values).fill_null(False)


def check_references(
    df: pl.DataFrame,
    *,
    column: str,
    known: pl.Series,
    file: str,
    id_columns: tuple[str, ...],
    what: str,
    member: Member | None = None,
    left_out: bool = True,
) -> list[Problem]:
    """Rows of ``df`` whose ``column`` names an id not in ``known`` (``member``: how to
    tell, when not by a hash set of ``known``).

    A warning, not an error: the rows are named and the run goes on, without them
    (``left_out``) or keeping them with the reference ignored (a worker's own household).
    """
    found = (member or hashed)(df[column], known)
    unknown = df.filter(df[column].is_not_null() & ~found)
    if not unknown.height:
        return []
    labels = unknown.select(
        pl.concat_str([pl.col(c) for c in id_columns], separator="/").alias("label")
    ).to_series()
    return [
        Problem(
            file,
            column,
            (
                f"引用了不存在的编号, 这些行不予采用 (refers to an unknown {what}; "
                "these rows are left out)"
                if left_out
                else f"引用了不存在的编号, 已忽略该编号 (refers to an unknown {what}; "
                "the reference is ignored, the rows are kept)"
            ),
            ids=tuple(labels.head(5).to_list()),
            count=unknown.height,
            severity="warning",
        )
    ]

"""The violation table: its columns, and offending rows shaped into it.

Every rule returns its offending rows in this one shape (``kind``, ``household_id``,
``worker_id``, ``detail_zh``, ``detail_en``), so that the rules' results concatenate.
"""

from __future__ import annotations

import polars as pl

from assignment.domain import ROLE_NAMES_EN, ROLE_NAMES_ZH
from assignment.validator.violations import ViolationKind


def number_text(col: str, digits: int = 2) -> pl.Expr:
    """A number column as text for a violation's detail, rounded (``null`` when missing)."""
    return pl.col(col).round(digits).cast(pl.String).fill_null("null")


def role_text(col: str, lang: str) -> pl.Expr:
    """A role column in the project's words (``zh``: 基层干部, 村组干部, 网格员; ``en``:
    cadre, village official, grid worker; ``无`` / ``none`` when missing; an unknown code as
    it is)."""
    names = ROLE_NAMES_ZH if lang == "zh" else ROLE_NAMES_EN
    return (
        pl.col(col)
        .replace_strict({r.value: n for r, n in names.items()}, default=pl.col(col),
                        return_dtype=pl.String)
        .fill_null("无" if lang == "zh" else "none")
    )  # fmt: skip


def yes_no_text(col: str, lang: str) -> pl.Expr:
    """A flag column as 是/否 (``zh``) or yes/no (``en``); missing as 无 / none."""
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    return (
        pl.when(pl.col(col))
        .then(pl.lit(yes))
        .when(pl.col(col).not_())
        .then(pl.lit(no))
        .otherwise(pl.lit("无" if lang == "zh" else "none"))
    )


def violation_rows(  # noqa: PLR0917
    frame: pl.DataFrame,
    kind: ViolationKind,
    zh: pl.Expr,
    en: pl.Expr,
    hh: str | None = "household_id",
    wk: str | None = "worker_id",
) -> pl.DataFrame:
    """Shape offending rows into the violation table."""
    return frame.select(
        pl.lit(kind.value).alias("kind"),
        (pl.col(hh) if hh else pl.lit(None)).cast(pl.String).alias("household_id"),
        (pl.col(wk) if wk else pl.lit(None)).cast(pl.String).alias("worker_id"),
        zh.cast(pl.String).alias("detail_zh"),
        en.cast(pl.String).alias("detail_en"),
    )


def empty_violations() -> pl.DataFrame:
    """The violation table with no rows: its columns and their types."""
    return pl.DataFrame(
        schema={
            "kind": pl.String,
            "household_id": pl.String,
            "worker_id": pl.String,
            "detail_zh": pl.String,
            "detail_en": pl.String,
        }
    )

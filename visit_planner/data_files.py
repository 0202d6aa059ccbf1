"""The data file a model job reads and the output file it writes, checked before any work.

Kept apart from :mod:`visit_planner.risk_job` (scikit-learn, MLflow and the rest of the
modelling stack: seconds to import on a busy machine) so that ``score --data /wrong`` or
``score --out scores.txt`` is refused at once, before the command imports its job.
"""

from __future__ import annotations

from pathlib import Path

from visit_planner.contracts.input_paths import not_found
from visit_planner.errors import RiskJobError

OUTPUT_SUFFIXES = (".parquet", ".csv")

HOUSEHOLDS = "households"
"""The table a model job reads from a directory unless told another."""


def check_output_file(out: Path) -> None:
    """Refuse, before any work, an output that cannot be written: a suffix other than
    .parquet or .csv (never a silent Parquet file named .txt), or a directory."""
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise RiskJobError(
            f"{out}: 输出文件须为 .parquet 或 .csv (use a .parquet or .csv file name)"
        )
    if out.is_dir():
        raise RiskJobError(f"{out}: 输出路径是目录 (is a directory; give a file name)")


def resolve_data(path: Path, name: str = HOUSEHOLDS) -> Path:
    """``path`` itself, or ``name``.parquet / .csv inside it when it is a directory (both
    present is refused, as ``validate`` refuses it: which one is meant is not known); a
    ``path`` that is not there is refused in the words of every command
    (:func:`~visit_planner.contracts.input_paths.not_found`)."""
    if problem := not_found(path):
        raise RiskJobError(problem)
    if path.is_dir():
        from visit_planner.contracts import find_table  # the readers: only for a directory

        found = find_table(path, name)
        if found is None:
            raise RiskJobError(
                f"{path}: 目录中没有该数据文件 (no {name}.parquet or {name}.csv in this directory)"
            )
        return found
    return path

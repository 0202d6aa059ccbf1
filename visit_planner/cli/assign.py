"""``visit-planner assign`` (household plan) and ``visit-planner gap-solve`` (OR-Library GAP)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assignment.core import solve_core
from assignment.errors import OrlibFormatError
from assignment.orlib import read_gap
from visit_planner.cli._app import app, console
from visit_planner.errors import VisitPlannerError


class GapFileError(VisitPlannerError):
    """An OR-Library GAP file that cannot be read or parsed."""


@app.command("gap-solve")
def gap_solve(  # noqa: PLR0917  (Typer options)
    file: Annotated[Path, typer.Argument(help="OR-Library GAP file (one instance or a count).")],
    maximize: Annotated[
        bool, typer.Option("--maximize", help="Costs are profits (gap1-gap12 convention).")
    ] = False,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds per instance.", min=0.1)
    ] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    method: Annotated[str, typer.Option("--method", help="cpsat or highs.")] = "cpsat",
    threads: Annotated[int, typer.Option("--threads", help="CP-SAT workers.", min=1)] = 2,
) -> None:
    """Solve generalized assignment instances: objective, proven bound, gap, seconds (求解GAP)."""
    try:
        instances = read_gap(file)
    except OrlibFormatError as exc:
        raise GapFileError(str(exc)) from None
    table = Table("instance", "status", "objective", "bound", "gap", "seconds")
    for inst in instances:
        res = solve_core(
            inst.to_problem(),
            time_limit=time_limit,
            method=method,
            num_workers=threads,
            maximize=maximize,
        )
        row = {
            "instance": inst.name,
            "objective": res.objective,
            "bound": res.bound,
            "gap": res.gap,
            "seconds": round(res.seconds, 3),
            "status": res.status.value,
        }
        if as_json:
            typer.echo(json.dumps(row))
        else:
            table.add_row(
                inst.name,
                res.status.value,
                _fmt(res.objective),
                _fmt(res.bound),
                "-" if res.gap is None else f"{res.gap:.4%}",
                f"{res.seconds:.2f}",
            )
    if not as_json:
        console.print(table)


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:,.6g}"

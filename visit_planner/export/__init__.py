"""Printable visit lists of a published run (走访清单).

:func:`export_visit_lists` reads a run directory one township at a time and writes a CSV of
every assigned household, one A4 sheet per worker (HTML with print CSS, Chinese with English)
for the worker to carry, fill in by hand and hand back, the households the plan leaves
unassigned (a CSV and a sheet to hand to their townships, tier 1 first, with the run's reason),
and an index of it all. Households appear by id only: the data holds no names.
"""

from visit_planner.export.sheets import ExportSummary, export_visit_lists

__all__ = ["ExportSummary", "export_visit_lists"]

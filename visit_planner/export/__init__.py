"""Printable visit lists of a published run (走访清单).

:func:`export_visit_lists` reads a run directory one township at a time and writes a CSV of
every assigned household, one A4 sheet per worker (HTML with print CSS, Chinese with English)
for the worker to carry, fill in by hand and hand back, and an index of the sheets. Households
appear by id only: the data holds no names.
"""

from visit_planner.export.sheets import ExportSummary, export_visit_lists

__all__ = ["ExportSummary", "export_visit_lists"]

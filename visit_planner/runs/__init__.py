"""Planning runs on disk: what a run records, how it is written and how it is read back.

A *run* is one solved plan with its provenance: the plan, diagnostics, explanations and worker
loads, the township inputs they were made from, the policy text, the hashes of the input files,
the model version and headline metrics (:mod:`~visit_planner.runs.manifest`). It is written by a
:class:`~visit_planner.runs.writer.RunWriter` (today the directory writer behind
``assign --out``), or a township at a time in the same layout by
:class:`~visit_planner.runs.staged.StagedRun` (``plan``), and read by
:class:`~visit_planner.runs.reader.RunReader`, which answers questions about one township or one
household without re-reading and re-validating the whole prefecture (``explain --run``).
"""

from visit_planner.runs.diff import diff_plans, diff_runs, diff_totals
from visit_planner.runs.manifest import RunManifest, file_sha256, text_sha256
from visit_planner.runs.reader import RunReader
from visit_planner.runs.writer import DirectoryRunWriter, Provenance, RunContent, RunWriter

__all__ = [
    "DirectoryRunWriter",
    "Provenance",
    "RunContent",
    "RunManifest",
    "RunReader",
    "RunWriter",
    "diff_plans",
    "diff_runs",
    "diff_totals",
    "file_sha256",
    "text_sha256",
]

"""Analysis helpers behind the notebooks (``notebooks/``): the notebooks only call these.

* :mod:`~visit_planner.analysis.explore` - summaries of a prefecture's households: feature
  distributions, tier shares by area, missing values, outliers, the audit groups;
* :mod:`~visit_planner.analysis.corrections` - supervisors' data corrections into a training set;
* :mod:`~visit_planner.analysis.compare` - champion against challenger on the same held-out rows;
* :mod:`~visit_planner.analysis.policy` - a county's households under another decision rule
  or cadence, for :mod:`assignment.tradeoff`;
* :mod:`~visit_planner.analysis.words` - household columns in words (Chinese first) for the
  figures;
* :mod:`~visit_planner.analysis.plots` - the figures (titles, axis labels with units, Chinese
  with English) and :mod:`~risk_model.fonts` (a CJK font for them, shared with the training plots).

Plain functions over polars frames; nothing here prints or writes outside the paths given.
"""
